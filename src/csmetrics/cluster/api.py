"""The metrics an engine adapter exposes, under the top level's names and signatures.

``metric(name, engine_of, where)`` makes ``csmetrics.<where>.<name>``: the signature of
``csmetrics.<name>`` with two more keyword options, ``columns=`` (the input's column names
of the table's fields, as ``from_columns`` takes them) and ``partitions=`` (how many
customer-hash partitions the partials pass uses; the engine's default otherwise).
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Mapping
from typing import Any

import csmetrics
from csmetrics._core.segments import is_mapping
from csmetrics.cluster.driver import Engine, Spec, run
from csmetrics.exceptions import InvalidParameterError, SignatureError
from csmetrics.tables.coerce import field_segments
from csmetrics.tables.subscriptions import SubscriptionTable
from csmetrics.tables.surveys import SurveyTable
from csmetrics.tables.tickets import SupportTicketTable
from csmetrics.tables.usage import UsageTable

__all__ = ["METRICS", "SPECS", "metric"]

_REVENUE = ("mrr", "mrr_series", "mrr_movements", "customer_count", "logo_churn_rate",
            "customer_retention_rate", "revenue_churn_rate", "quick_ratio", "arpa",
            "net_revenue_retention", "gross_revenue_retention", "nrr_series", "cohort_table",
            "survival_curve")
_SURVEYS = ("net_promoter_score", "customer_satisfaction_score", "customer_effort_score")

SPECS: dict[str, Spec] = {
    **{name: Spec(name, SubscriptionTable, details=name == "mrr_movements",
                  rows_key="subscription_id") for name in _REVENUE},
    **{name: Spec(name, SurveyTable) for name in _SURVEYS},
    "license_utilization": Spec("license_utilization", UsageTable, "usage", local_args=(0,)),
    "active_users": Spec("active_users", UsageTable, "usage"),
    "stickiness": Spec("stickiness", UsageTable, "usage"),
    "first_contact_resolution_rate": Spec("first_contact_resolution_rate",
                                          SupportTicketTable, "tickets", rows_key="ticket_id"),
}
"""How the driver runs each metric an engine exposes."""

METRICS: tuple[str, ...] = tuple(sorted(SPECS))
"""The names every engine adapter exposes."""

EngineOf = Callable[[Any, str, "int | None"], Engine]
"""``engine_of(data, key_column, partitions)``: an engine over an input DataFrame."""


def metric(name: str, engine_of: EngineOf, where: str) -> Callable[..., Any]:
    """``csmetrics.<where>.<name>``: ``csmetrics.<name>`` over an engine's DataFrame."""
    top = getattr(csmetrics, name)
    spec = SPECS[name]
    signature = inspect.signature(top)
    data_name = next(iter(signature.parameters))
    qualified = f"csmetrics.{where}.{name}"

    @functools.wraps(top)
    def compute(*args: Any, columns: Mapping[str, str] | None = None,
                partitions: int | None = None, **options: Any) -> Any:
        try:
            bound = signature.bind(*args, **options)
        except TypeError as exc:
            raise SignatureError(f"{qualified}: {exc}") from None
        values = dict(bound.arguments)
        data = values.pop(data_name)
        positional = [p.name for p in signature.parameters.values()
                      if p.kind is p.POSITIONAL_OR_KEYWORD and p.name != data_name]
        call_args = [values.pop(p) for p in positional if p in values]
        _check_options(qualified, values)
        build = _build_options(qualified, spec, columns, values.get("by"))
        key = str(build.get("customer_id", "customer_id"))
        return run(engine_of(data, key, _partitions(qualified, partitions)), spec, call_args,
                   values, build)

    params = [*signature.parameters.values(),
              inspect.Parameter("columns", inspect.Parameter.KEYWORD_ONLY, default=None,
                                annotation="Mapping[str, str] | None"),
              inspect.Parameter("partitions", inspect.Parameter.KEYWORD_ONLY, default=None,
                                annotation="int | None")]
    compute.__signature__ = signature.replace(parameters=params)  # type: ignore[attr-defined]
    compute.__doc__ = (
        f"``csmetrics.{name}`` over a {where.capitalize()} DataFrame: the same result, bit for "
        f"bit.\n\n``columns`` maps the table's fields to the DataFrame's column names (as "
        f"``{spec.kind.__name__}.from_columns`` takes them); ``partitions`` is how many "
        f"customer-hash partitions compute the partials (the engine's default otherwise). "
        f"See docs/scale.md; the definition and every other option are those of "
        f"``csmetrics.{name}``.")
    compute.__module__ = f"csmetrics.{where}"
    compute.__qualname__ = name
    return compute


def _check_options(qualified: str, options: Mapping[str, Any]) -> None:
    """Options a cluster cannot honour, refused by name (arrays are one value per row of
    a local input; a cluster's rows have no order)."""
    by = options.get("by")
    if by is not None and not isinstance(by, str) and not is_mapping(by):
        raise InvalidParameterError(
            f"{qualified}: by must be None, a column name or a mapping from customer id to "
            f"segment on a cluster, got {type(by).__name__} (keep per-row labels as a column "
            "of the DataFrame and give its name).")
    if options.get("weights") is not None:
        raise InvalidParameterError(
            f"{qualified}: weights= gives one weight per row of a local input; on a cluster "
            "give them as the DataFrame's weight column (columns={'weight': ...}).")
    if options.get("errors", "raise") != "raise":
        raise InvalidParameterError(
            f"{qualified}: errors='skip' is not offered on a cluster: every broken rule of "
            "every partition is reported at once instead.")


def _build_options(qualified: str, spec: Spec, columns: Mapping[str, str] | None,
                   by: Any) -> dict[str, Any]:
    fields = [p for p, v in inspect.signature(spec.kind.from_columns).parameters.items()
              if v.kind is v.KEYWORD_ONLY and v.default is not inspect.Parameter.empty
              and isinstance(v.default, str) and not p.startswith("_")
              and p not in ("errors", "amount_format", "survey_name")]
    build: dict[str, Any] = {}
    for field, column in (columns or {}).items():
        if field not in fields:
            raise InvalidParameterError(
                f"{qualified}: columns= maps the fields {', '.join(fields)} to column names, "
                f"got the field {field!r}.")
        if not isinstance(column, str):
            raise InvalidParameterError(
                f"{qualified}: columns= maps fields to column names (text), got {column!r} "
                f"for {field!r}.")
        build[field] = column
    if isinstance(by, str) and by not in field_segments(spec.kind):
        build["segments"] = [by]
    return build


def _partitions(qualified: str, partitions: int | None) -> int | None:
    if partitions is None:
        return None
    if isinstance(partitions, bool) or not isinstance(partitions, int) or partitions < 1:
        raise InvalidParameterError(
            f"{qualified}: partitions must be a whole number >= 1, got {partitions!r}.")
    return partitions
