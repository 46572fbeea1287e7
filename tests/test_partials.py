"""The registry of mergeable partials, across every domain: complete, checked as the public
metrics are, and partition-invariant for the registry's own call of each metric.

The domain files (``test_partials_<domain>.py``) vary data, options and partitions with
hypothesis; this file walks ``test_contract.REGISTRY`` so that no additive metric is left out.
"""

from __future__ import annotations

import pytest

import csmetrics as cm
from csmetrics.partials import PARTS
from partition import assert_partition
from test_contract import REGISTRY, Spec, _data, customer_mapping

NOT_PARTIAL = {
    "engagement": "its median session length is a median over rows: no sum of parts gives it",
    "comment_sentiment": "text metric: partials of its per-group sums are not written yet "
                         "(issue 16); its t interval reads each group's deviations",
    "comment_themes": "text metric: partials of its per-group counts are not written yet "
                      "(issue 16)",
}
ADDITIVE = [s for s in REGISTRY if s.additive and s.name not in NOT_PARTIAL]


def test_every_additive_metric_has_partials() -> None:
    missing = sorted(s.name for s in ADDITIVE if s.name not in PARTS)
    assert missing == []
    assert set(NOT_PARTIAL) <= {s.name for s in REGISTRY}
    assert not set(NOT_PARTIAL) & set(PARTS)


def _args(spec: Spec) -> tuple[tuple[object, ...], dict[str, object]]:
    """The positional arguments and options the registry's call gives the metric."""
    seen: dict[str, object] = {}

    class Capture(Exception):
        pass

    def record(*args: object, **kwargs: object) -> None:
        seen["args"], seen["kwargs"] = args, kwargs
        raise Capture

    original = getattr(cm, spec.name)
    try:
        setattr(cm, spec.name, record)
        spec(_data(spec.data))
    except Capture:
        pass
    finally:
        setattr(cm, spec.name, original)
    args = seen["args"]
    assert isinstance(args, tuple)
    kwargs = seen["kwargs"]
    assert isinstance(kwargs, dict)
    return args, kwargs


@pytest.mark.parametrize("spec", [s for s in ADDITIVE if s.name in PARTS], ids=lambda s: s.name)
@pytest.mark.parametrize("by", [None, "mapping"])
def test_the_registry_call_combines_over_a_partition(spec: Spec, by: str | None) -> None:
    cols = _data(spec.data)
    args, options = _args(spec)
    if by == "mapping":
        options = {**options, "by": customer_mapping(cols, leave_out=1)}
    for seed, n_parts in ((0, 2), (1, 3)):
        assert_partition(spec.name, args[0], args[1:], options, seed=seed, n_parts=n_parts)


@pytest.mark.parametrize("spec", [s for s in ADDITIVE if s.name in PARTS and s.bad_option],
                         ids=lambda s: s.name)
def test_a_plan_refuses_what_the_metric_refuses(spec: Spec) -> None:
    assert spec.bad_option is not None
    option, value = spec.bad_option
    args, options = _args(spec)
    options = {**options, option: value}
    with pytest.raises(cm.InvalidParameterError) as public:
        getattr(cm, spec.name)(*args, **options)
    with pytest.raises(cm.InvalidParameterError) as planned:
        PARTS[spec.name].prepare(*args, **options)
    assert str(planned.value) == str(public.value)
