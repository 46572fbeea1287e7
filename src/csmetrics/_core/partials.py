"""Mergeable partials: what a metric's kernel returns for one part of the customers.

A metric over many customers is computed in three steps:

1. **prepare**: a small global pre-pass over the whole input gives the *plan*: everything
   the parts must agree on (the snapshot grid and the data's edges, segment labels, currency
   digits, options). A plan never holds rows.
2. **partial**: over one part of the customers (every row of a customer in the same part),
   the kernel returns ``Partials``: additive integer arrays shaped by the plan, such as
   bridge cents and counts per segment and period, cohort cells, at-risk and event counts,
   answer counts per level.
3. **finalize**: the combined partials and the plan give the result (rates, intervals,
   warnings).

``combine`` is a sum, so the result over any partition of the customers is the result over
the whole: one machine is one part (or one per thread), a cluster is many. The public
metric functions are exactly ``finalize(partial(table, plan), plan)``.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, Generic, ParamSpec, Protocol, TypeVar

import numpy as np
from numpy.typing import NDArray

from csmetrics.exceptions import InvalidParameterError

__all__ = ["Job", "MetricParts", "Partials", "Staged", "combine", "relabel", "staged"]

P = ParamSpec("P")
R = TypeVar("R")
R_co = TypeVar("R_co", covariant=True)


@dataclass(frozen=True)
class Partials:
    """The additive arrays of one metric over one part of the customers.

    Attributes
    ----------
    metric : str
        The metric's public name; only partials of one metric combine.
    arrays : mapping of str to ndarray
        Integer arrays (exact sums) shaped by the plan; the same names and shapes in every
        part. A float array is allowed only for sums of float weights, which then combine
        to within rounding, not bit for bit.

    Examples
    --------
    >>> a = Partials("demo", {"n": np.array([1, 2])})
    >>> b = Partials("demo", {"n": np.array([3, 0])})
    >>> (a + b).arrays["n"].tolist()
    [4, 2]
    """

    metric: str
    arrays: Mapping[str, NDArray[Any]]

    def __add__(self, other: Partials) -> Partials:
        if not isinstance(other, Partials):
            return NotImplemented
        return combine([self, other])

    def __getitem__(self, name: str) -> NDArray[Any]:
        return self.arrays[name]


def combine(parts: Iterable[Partials]) -> Partials:
    """The sum of the partials of several parts (of one metric, under one plan).

    Examples
    --------
    >>> parts = [Partials("demo", {"n": np.array([i, 1])}) for i in range(4)]
    >>> combine(parts).arrays["n"].tolist()
    [6, 4]
    """
    items: Sequence[Partials] = list(parts)
    if not items:
        raise InvalidParameterError("combine: needs at least one Partials")
    first = items[0]
    out = {name: np.array(array, copy=True) for name, array in first.arrays.items()}
    for part in items[1:]:
        if part.metric != first.metric or part.arrays.keys() != first.arrays.keys():
            raise InvalidParameterError(
                f"combine: partials of {part.metric!r} cannot combine with partials of "
                f"{first.metric!r}")
        for name, array in part.arrays.items():
            if np.shape(array) != out[name].shape:
                raise InvalidParameterError(
                    f"combine: {first.metric} partial {name!r} is shaped {np.shape(array)} in "
                    f"one part and {out[name].shape} in another; parts must share one plan")
            out[name] = out[name] + array
    return Partials(first.metric, out)


@dataclass(frozen=True)
class MetricParts:
    """A metric as its three steps (see the module documentation).

    ``prepare(data, *args, **options)`` validates the whole input into its table and returns
    ``(table, plan)``; ``partial(part, plan)`` takes a part of that table (``table.take()``
    of some customers' rows, which keeps the table's code tables) and returns ``Partials``;
    ``finalize(partials, plan)`` gives the metric's result.
    """

    prepare: Callable[..., tuple[Any, Any]]
    partial: Callable[[Any, Any], Partials]
    finalize: Callable[[Partials, Any], Any]
    customer: str = "customer_codes"   # the table attribute that a partition must respect

    def __call__(self, data: Any, *args: Any, **options: Any) -> Any:
        table, plan = self.prepare(data, *args, **options)
        return self.finalize(self.partial(table, plan), plan)

    @classmethod
    def of(cls, metric: Staged[..., Any], customer: str = "customer_codes") -> MetricParts:
        """The steps of a metric written as a job (see ``staged``)."""

        def prepare(data: Any, *args: Any, **options: Any) -> tuple[Any, Job[Any]]:
            job = metric.job(data, *args, **options)
            return job.table, replace(job, table=None)

        def partial(part: Any, job: Job[Any]) -> Partials:
            return job.partial(part, job.plan)

        def finalize(partials: Partials, job: Job[Any]) -> Any:
            return job.finalize(partials, job.plan)

        return cls(prepare, partial, finalize, customer)


@dataclass(frozen=True)
class Job(Generic[R]):
    """A metric call, validated and planned, not yet computed.

    ``table`` is the whole input's table, ``plan`` the global pre-pass; ``partial(part,
    plan)`` gives a part's ``Partials`` and ``finalize(partials, plan)`` the result.
    """

    table: Any
    plan: Any
    partial: Callable[[Any, Any], Partials]
    finalize: Callable[[Partials, Any], R]

    def result(self) -> R:
        """The result over the whole table: one part."""
        return self.finalize(self.partial(self.table, self.plan), self.plan)


class Staged(Protocol[P, R_co]):
    """A public metric whose validated ``job`` builder is also reachable."""

    job: Callable[P, Job[Any]]
    __name__: str

    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> R_co: ...


def staged(result: type[R]) -> Callable[[Callable[P, Job[R]]], Staged[P, R]]:
    """Make a public metric from a function that validates its call and returns its ``Job``:
    the metric runs the job over the whole table; ``metric.job`` builds it, for
    ``csmetrics.partials``. ``result`` is the metric's return type, for its signature."""

    def decorate(build: Callable[P, Job[R]]) -> Staged[P, R]:
        @functools.wraps(build)
        def metric(*args: P.args, **kwargs: P.kwargs) -> R:
            return build(*args, **kwargs).result()

        signature = inspect.signature(build)
        metric.__signature__ = signature.replace(  # type: ignore[attr-defined]
            return_annotation=result.__name__)
        metric.__annotations__ = {**build.__annotations__, "return": result.__name__}
        metric.job = build  # type: ignore[attr-defined]
        return metric  # type: ignore[return-value]

    return decorate


def relabel(part_labels: NDArray[Any], plan_labels: NDArray[Any], context: str
            ) -> NDArray[np.int64]:
    """The index in ``plan_labels`` of each of a part's segment labels.

    Examples
    --------
    >>> relabel(np.array(["b", "(none)"], dtype=object),
    ...         np.array(["a", "b", "(none)"], dtype=object), "demo").tolist()
    [1, 2]
    """
    index: dict[Any, int] = {}
    for i, label in enumerate(plan_labels.tolist()):
        index.setdefault((type(label).__name__, label), i)
    out = np.empty(part_labels.size, dtype=np.int64)
    for i, label in enumerate(part_labels.tolist()):
        found = index.get((type(label).__name__, label))
        if found is None:
            raise InvalidParameterError(
                f"{context}: a part holds the segment {label!r}, which the plan does not; "
                "prepare the plan from the whole input")
        out[i] = found
    return out

