"""The engine-neutral driver: one metric over a partitioned input, exactly as on one machine.

Additive metrics (``Spec.gathered`` false) run in two passes over the partitions:

1. **Skeleton** (the input's own partitions): each partition is read into its table, with
   every broken rule of every partition reported at once, rows named by partition and
   position; its plan is made alone (``_core.scope.planning_part``) only to learn which rows
   that plan rests on, and those rows (``rows.skeleton_rows``) go to the driver. The
   driver's plan of all the skeletons is the plan of the whole input: the snapshot grid from
   the first start, every category, every segment, each segment's currency.
2. **Partials** (partitions by a hash of the customer id, so no customer is split): each
   partition is read together with the skeleton (whose rows give every partition the same
   code tables and the same plan), the skeleton's rows of this partition's customers are
   set aside, and the metric's ``partial`` runs over this partition's rows. The driver sums
   the partials (``combine``) and ``finalize`` makes the result: bit-identical to the one
   machine's, because the plan and the sums are.

Distinct-user and ticket metrics (``gathered``) have partials per account, so a cluster
would move one array the size of all accounts per partition; instead each partition reduces
its rows losslessly (``rows.usage_rows``, ``rows.ticket_rows``) and the driver computes
the metric over what they keep.
"""

from __future__ import annotations

import functools
import pickle
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, Protocol

import numpy as np
from numpy.typing import NDArray

import csmetrics
from csmetrics._core.partials import relabel
from csmetrics._core.scope import planning_part
from csmetrics.cluster import frames
from csmetrics.cluster.rows import distinct, skeleton_rows, ticket_rows, usage_rows
from csmetrics.exceptions import (
    ColumnNotFoundError,
    CSMetricsError,
    DataValidationError,
    EngineError,
    InvalidParameterError,
)
from csmetrics.partials import PARTS, MetricParts, combine
from csmetrics.revenue.movements import detail_columns

__all__ = ["NOTHING", "Engine", "Spec", "check_columns", "engine_failure", "run"]

I64 = NDArray[np.int64]
Task = Callable[[Any, int, Any], bytes]


class Engine(Protocol):
    """What the driver needs of an engine (``csmetrics.spark``, ``csmetrics.dask``).

    ``map(task, by=..., shared=...)`` runs ``task(frame, partition, shared)`` on every
    partition of the engine's input (an Arrow table or a pandas DataFrame of its rows) and
    returns the bytes each call returned, in partition order. With ``by`` (a column) the
    partitions are those of a hash of that column's ids, so every row of one id is in one
    partition, and each row carries its input partition and position (``frames.numbered``)
    unless its file and row are known; without, the input's own partitions. ``shared`` is
    sent to every worker once. ``columns`` are the input's column names; ``local(value)``
    gives a small input (a DataFrame of the engine's) as a local value; ``empty()`` is a
    frame of the input's columns without rows.
    """

    name: str
    key: str

    @property
    def columns(self) -> list[str]: ...

    def map(self, task: Task, *, by: str | None, shared: Any = None) -> list[bytes]: ...

    def local(self, value: Any) -> Any: ...

    def empty(self) -> Any: ...


@dataclass(frozen=True)
class Spec:
    """A metric as the driver runs it.

    ``kind`` is its input's table class; ``gathered`` names the row reduction of a metric
    computed on the driver from reduced rows (``"usage"``, ``"tickets"``), or is empty for
    partials; ``local_args`` are the positions of its arguments after the data that may be
    an engine's DataFrame to bring local (the seats of ``license_utilization``).
    """

    name: str
    kind: Any                       # the table class (SubscriptionTable ...)
    gathered: str = ""
    local_args: tuple[int, ...] = ()
    details: bool = False           # the result's details() are read from the workers
    rows_key: str = ""              # the id field a rule across rows compares rows by


@dataclass(frozen=True)
class _Call:
    """One metric call, as every worker receives it."""

    spec: Spec
    args: tuple[Any, ...]
    options: Mapping[str, Any]
    build: Mapping[str, Any]        # from_columns options: the column names, kept segments

    @property
    def steps(self) -> MetricParts:
        return PARTS[self.spec.name]

    @property
    def key(self) -> str:
        """The input's customer id column."""
        return str(self.build.get("customer_id", "customer_id"))

    def table(self, frame: Any, context: str) -> Any:
        return self.spec.kind.from_columns(frames.without(frame, frames.BOOKKEEPING),
                                           _context=context, **self.build)

    def prepare(self, table: Any) -> tuple[Any, Any]:
        return self.steps.prepare(table, *self.args, **self.options)


# --- what crosses the wire ---------------------------------------------------------------------


def _ship(value: Any) -> bytes:
    return pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)


def _failure(exc: CSMetricsError, n_rows: int) -> bytes:
    """A library error as data (its class, attributes and message: some errors' ``args``
    do not rebuild them)."""
    return _ship(("error", (type(exc), dict(exc.__dict__), str(exc)), n_rows))


def _unexpected(call: _Call, exc: Exception, p: int) -> EngineError:
    return EngineError(f"{call.spec.name} (partition {p}): the partition could not be read "
                       f"or computed: {type(exc).__name__}: {exc}")


def _located(exc: CSMetricsError, frame: Any, p: int) -> CSMetricsError:
    """``exc`` with the rows each data problem names placed: in their file (and row of the
    file) when the reader recorded it, else in partition ``p``."""
    if not isinstance(exc, DataValidationError):
        return exc
    problems = []
    for problem in exc.problems:
        at = frames.places(frame, p, np.asarray(problem.positions, dtype=np.int64))
        names = list(dict.fromkeys(name for name, _ in at)) or [f"partition {p}"]
        if len(names) == 1:
            problem = replace(problem, part=names[0], positions=tuple(r for _, r in at))
        else:
            where = ", ".join(f"{name} row {r:,}" for name, r in at)
            problem = replace(problem, part=f"rows at {where}", positions=())
        problems.append(problem)
    located: DataValidationError = DataValidationError.__new__(type(exc))
    DataValidationError.__init__(located, problems=problems, n_rows=exc.n_rows,
                                 context=exc.context)
    return located


def _rebuilt(shipped: tuple[type[CSMetricsError], dict[str, Any], str]) -> CSMetricsError:
    cls, state, message = shipped
    error = CSMetricsError.__new__(cls)
    error.__dict__.update(state)
    Exception.__init__(error, message)
    return error


def _payloads(results: Sequence[bytes], context: str) -> list[tuple[int, Any, int]]:
    """Each partition's (partition, value, rows read); every partition's error at once."""
    out: list[tuple[int, Any, int]] = []
    failed: list[tuple[int, CSMetricsError]] = []
    total = 0
    for p, blob in enumerate(results):
        status, value, n = pickle.loads(blob)
        total += n
        if status == "error":
            failed.append((p, _rebuilt(value)))
        elif value is not None:
            out.append((p, value, n))
    if failed:
        raise _merged(failed, total, context)
    return out


def _merged(failed: Sequence[tuple[int, CSMetricsError]], total: int, context: str
            ) -> CSMetricsError:
    """One error for the failures of several partitions: every broken rule of every
    partition, each naming its partition, when they are data errors; else the first."""
    data = [(p, e) for p, e in failed if isinstance(e, DataValidationError)]
    if not data:
        return failed[0][1]
    first = data[0][1]
    problems = [replace(problem, part=problem.part or f"partition {p}") for p, e in data
                for problem in e.problems]
    merged: DataValidationError = DataValidationError.__new__(type(first))
    DataValidationError.__init__(merged, problems=problems, n_rows=total, context=context)
    return merged


NOTHING = _ship(("ok", None, 0))
"""What a partition without rows returns (engines may send it without calling the task)."""


# --- the two passes ----------------------------------------------------------------------------


def _skeleton_task(call: _Call) -> Task:
    def task(frame: Any, p: int, _: Any) -> bytes:
        n = frames.n_rows(frame)
        if n == 0:
            return NOTHING
        try:
            table = call.table(frame, f"{call.spec.name} (partition {p})")
            with planning_part() as noted:
                try:
                    _, plan = call.prepare(table)
                except DataValidationError:
                    raise
                except CSMetricsError:
                    plan = None   # a check of the whole; the driver's plan makes it
            rows = skeleton_rows(table, call.options.get("by"), call.spec.name, noted)
            if call.spec.gathered:
                rows = distinct(np.concatenate([rows, _reduced(call, table, plan)]))
        except CSMetricsError as exc:
            return _failure(_located(exc, frame, p), n)
        except Exception as exc:  # (the contract: only library errors leave)
            return _failure(_unexpected(call, exc, p), n)
        picked = np.asarray(table.source_rows, dtype=np.int64)[rows]
        where = [f"{name} row {r:,}" for name, r in frames.places(frame, p, picked)]
        return _ship(("ok", (frames.take(frame, picked), where), n))
    return task


def _reduced(call: _Call, table: Any, plan: Any) -> I64:
    if call.spec.gathered == "usage":
        # A window of the call's own (not one drawn from this partition's data, as
        # stickiness' default is) can drop the days outside it.
        fixed = call.spec.name != "stickiness" or call.options.get("window") is not None
        window = getattr(plan, "win", None) if fixed else None
        return usage_rows(table, call.options.get("by"), window)
    if plan is None:   # (no window could be read: keep every ticket)
        return np.arange(len(table), dtype=np.int64)
    return ticket_rows(table, plan.lo, plan.hi)


def _local_part(call: _Call, frame: Any, p: int, shared: Any) -> tuple[Any, Any]:
    """This partition's part of the prepared input and its plan: the partition read with
    the skeleton (so its code tables and plan are the whole input's), the skeleton's copies
    of this partition's customers set aside. A data error names the rows where they came
    from."""
    skeleton, where = shared
    keep = frames.not_keys_of(skeleton, frame, call.key)
    skeleton = frames.take(skeleton, np.flatnonzero(keep))
    where = [w for w, k in zip(where, keep.tolist(), strict=True) if k]
    n_skel = frames.n_rows(skeleton)
    try:
        whole = call.table(frames.concat([skeleton, frame]),
                           f"{call.spec.name} (partition {p})")
        mine = np.asarray(whole.source_rows) >= n_skel
        local = distinct(np.asarray(whole.customer_codes)[mine])
        prepared, plan = call.prepare(whole)
    except DataValidationError as exc:
        raise _placed(exc, frame, p, where) from None
    # Every row of this partition's customers is its own (their copies are gone).
    codes = np.asarray(getattr(prepared, call.steps.customer))
    return prepared.take(np.flatnonzero(np.isin(codes, local))), plan


def _placed(exc: DataValidationError, frame: Any, p: int, where: Sequence[str]
            ) -> DataValidationError:
    """A data error over the skeleton and partition ``p`` read together, its rows named by
    where they came from."""
    n_skel = len(where)
    problems = []
    for problem in exc.problems:
        at = [where[i] if i < n_skel else None for i in problem.positions]
        mine = [i - n_skel for i in problem.positions if i >= n_skel]
        own = iter(f"{name} row {r:,}" for name, r in frames.places(frame, p, np.asarray(
            mine, dtype=np.int64)))
        text = ", ".join(w if w is not None else next(own) for w in at)
        problems.append(replace(problem, positions=(), lines=(), part=f"rows at {text}"))
    placed: DataValidationError = DataValidationError.__new__(type(exc))
    DataValidationError.__init__(placed, problems=problems, n_rows=exc.n_rows,
                                 context=exc.context)
    return placed


def _part_task(call: _Call, compute: Callable[[Any, Any], Any]) -> Task:
    """A task of the customer-hash partitions: ``compute(part, plan)`` over this partition's
    part of the prepared input (``_local_part``)."""
    def task(frame: Any, p: int, shared: Any) -> bytes:
        n = frames.n_rows(frame)
        if n == 0:
            return NOTHING
        try:
            part, plan = _local_part(call, frame, p, shared)
            value = compute(part, plan)
        except CSMetricsError as exc:
            return _failure(exc, n)
        except Exception as exc:  # (the contract: only library errors leave)
            return _failure(_unexpected(call, exc, p), n)
        return _ship(("ok", value, n))
    return task


def _partial_task(call: _Call) -> Task:
    return _part_task(call, call.steps.partial)


def _details_task(call: _Call) -> Task:
    return _part_task(call, lambda part, job: detail_columns(part, job.plan))


def _cluster_details(engine: Engine, call: _Call, skeleton: Any, job: Any, context: str,
                     total: int) -> dict[str, NDArray[Any]]:
    """``MRRMovements.details()`` of a cluster's bridge: each partition's customers' changes,
    in the one machine's order (periods, then customers, then segments, then as found)."""
    plan = job.plan
    answers = _payloads(engine.map(_details_task(call), by=call.key, shared=skeleton),
                        context)
    _all_read(sum(n for _, _, n in answers), total, context)
    found = [columns for _, columns, _ in answers]
    if not found:
        return detail_columns(call.table(engine.empty(), context), plan)
    joined = {name: np.concatenate([c[name] for c in found]) for name in found[0]}
    period_of = {label: i for i, label in enumerate(plan.grid.labels)}
    period = np.array([period_of[x] for x in joined["period"].tolist()], dtype=np.int64)
    _, customer = np.unique(joined["customer_id"], return_inverse=True)
    keys = [np.zeros(period.size, dtype=np.int64)]
    if plan.seg_name is not None:
        keys = [relabel(np.asarray(joined[plan.seg_name], dtype=object), plan.labels, context)]
    order = np.lexsort((np.arange(period.size), *keys, customer.reshape(-1), period))
    return {name: values[order] for name, values in joined.items()}


# --- the driver --------------------------------------------------------------------------------


def run(engine: Engine, spec: Spec, args: Sequence[Any], options: Mapping[str, Any],
        build: Mapping[str, Any]) -> Any:
    """``spec``'s metric over the engine's input: the result of the one-machine metric over
    the whole input, bit for bit (see the module documentation)."""
    args = tuple(engine.local(a) if i in spec.local_args else a for i, a in enumerate(args))
    call = _Call(spec, args, dict(options), dict(build))
    context = f"{spec.name} on {engine.name}"
    check = getattr(getattr(csmetrics, spec.name), "checked_call", None)
    if check is not None:   # a bad option: the local error, before any work is sent
        check(None, *call.args, **call.options)
    rows_key = str(call.build.get(spec.rows_key, spec.rows_key)) if spec.rows_key else ""
    blobs = engine.map(_skeleton_task(call), shared=None,
                       by=rows_key if rows_key in engine.columns else None)
    sketches = _payloads(blobs, context)
    total = sum(n for _, _, n in sketches)
    skeleton, origins = _joined(sketches)
    table = call.table(engine.empty() if skeleton is None else skeleton, context)
    if spec.gathered:
        steps = call.steps   # prepare, partial and finalize over the reduced rows: one part
        return _relocated(lambda: steps(table, *call.args, **call.options), origins, total,
                          context)
    table, plan = _relocated(lambda: call.prepare(table), origins, total, context)
    parts = [call.steps.partial(table.take(np.zeros(0, dtype=np.int64)), plan)]
    if skeleton is not None:
        outs = _payloads(engine.map(_partial_task(call), by=call.key,
                                    shared=(skeleton, origins)), context)
        _all_read(sum(n for _, _, n in outs), total, context)
        parts += [partials for _, partials, _ in outs]
    result = call.steps.finalize(combine(parts), plan)
    if spec.details:
        result = result.with_details(functools.partial(
            _cluster_details, engine, call, (skeleton, origins), plan, context, total))
    return result


def _all_read(read: int, total: int, context: str) -> None:
    """Every row of the skeleton pass was read again by the partials pass (an engine that
    loses a partition's answer must not give a result short of its rows)."""
    if read != total:
        raise EngineError(
            f"{context}: the engine returned {read:,} rows' results where the input has "
            f"{total:,}: some partitions' answers were lost (a worker or the driver ran out "
            "of memory?); nothing is reported from an incomplete run.")


def _joined(sketches: Sequence[tuple[int, Any, int]]) -> tuple[Any, list[str]]:
    """The skeletons of all partitions as one frame, and where each row came from."""
    if not sketches:
        return None, []
    skeleton = frames.concat([frame for _, (frame, _), _ in sketches])
    return skeleton, [place for _, (_, where), _ in sketches for place in where]


def _relocated(compute: Callable[[], Any], origins: Sequence[str], total: int, context: str
               ) -> Any:
    """``compute()``, with the rows a data error names (rows of the skeleton) named by their
    partition and position."""
    try:
        return compute()
    except DataValidationError as exc:
        problems = []
        for problem in exc.problems:
            where = ", ".join(origins[i] for i in problem.positions if 0 <= i < len(origins))
            # (Counted among the rows the plan rests on, which are few of the whole's.)
            part = f"among the rows the plan rests on, {where}" if where else ""
            problems.append(replace(problem, positions=(), lines=(), part=part))
        merged: DataValidationError = DataValidationError.__new__(type(exc))
        DataValidationError.__init__(merged, problems=problems, n_rows=total, context=context)
        raise merged from None


def check_columns(columns: Sequence[str], key: str, where: str, *, is_frame: bool = True,
                  given: object = None) -> None:
    """What an engine checks of its DataFrame before any job: it is one of the engine's
    (``is_frame``; ``given`` is what was passed), the customer id column is there, and no
    column name is repeated (a join's duplicates would be read as one)."""
    if not is_frame:
        kind = where.rsplit(".", 1)[-1].capitalize()
        raise InvalidParameterError(
            f"{where}: needs a {kind} DataFrame, got {type(given).__name__} (use the "
            "csmetrics functions themselves for local data).")
    seen: dict[str, int] = {}
    for name in columns:
        seen[name] = seen.get(name, 0) + 1
    repeated = sorted(name for name, count in seen.items() if count > 1)
    if repeated:
        raise InvalidParameterError(
            f"{where}: the DataFrame repeats the column name(s) {', '.join(map(repr, repeated))}"
            "; select or rename them so each name is one column.")
    if key not in seen:
        raise ColumnNotFoundError(key, tuple(columns), context=where)


def engine_failure(where: str, exc: Exception) -> EngineError:
    """An engine's own failure to run a job, as a library error naming it."""
    text = str(exc).strip().splitlines()
    return EngineError(f"{where}: the engine could not run the job: {type(exc).__name__}: "
                       f"{text[0] if text else ''}")
