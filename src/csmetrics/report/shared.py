"""What one report computes once and several of its parts read."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from csmetrics._core.partials import Job, Partials
from csmetrics.periods.calendar import Period


@dataclass
class Shared:
    """A report's shared work: the bridge runs its headline and sections read.

    ``bridges`` holds the plan and bridge partials (with scheduled churn) of each
    ``mrr_movements`` run made; ``series_window`` is the window of the headline's NRR
    series, once its plan (which refuses mixed currencies) has passed without ``fx``.
    ``after_bridge`` is called once, when the first run is made (its change points are
    then there for what reads them).
    """

    bridges: list[tuple[Any, Partials]] = field(default_factory=list)
    series_window: tuple[Period, Period] | None = None
    after_bridge: Callable[[], None] | None = None

    def covers(self, first: Period, last: Period) -> bool:
        """Whether an NRR series of the window ``first..last`` (without ``fx``) is inside
        the headline's, which it then can refuse nothing the headline's did not."""
        window = self.series_window
        return (window is not None and window[0].first_month <= first.first_month
                and window[1].first_month == last.first_month)

    def result(self, job: Job[Any], *, movements: bool = False) -> Any:
        """``job.result()`` of a metric whose partials are its run's bridge
        (``mrr_movements`` with ``movements``, or a churn rate read off the bridge).

        A bridge is causal: a window's periods are a slice of the bridge of a longer window
        with the same snapshots (the same end) and options, bit for bit
        (``revenue.windows.bridge_periods``). Such a window, unsplit and without ``fx``, is
        read off a run already made; its plan is still made (by the job), so that it
        refuses what the call refuses, when the call would.
        """
        from csmetrics.revenue.windows import bridge_periods

        plan = job.plan
        if plan.fx is not None or plan.by is not None:
            return job.result()
        for cover, whole in self.bridges:
            if (cover.policy == plan.policy and cover.base <= plan.base
                    and np.array_equal(cover.snapshots, plan.snapshots)):
                i = plan.base - cover.base
                return job.finalize(bridge_periods(whole, i, i + plan.n_periods), plan)
        if not movements:
            return job.result()
        whole = job.partial(job.table, plan)
        self.bridges.append((plan, whole))
        if self.after_bridge is not None:
            then, self.after_bridge = self.after_bridge, None
            then()
        return job.finalize(whole, plan)

    def movements(self, subscriptions: Any, first: Period, last: Period, policy: Any,
                  fx: Any) -> Any:
        """``mrr_movements(subscriptions, first, last, policy=policy, fx=fx)``, read off a
        run already made where it can be (see ``result``)."""
        from csmetrics.revenue import mrr_movements

        return self.result(mrr_movements.job(subscriptions, first, last, policy=policy,
                                             fx=fx), movements=True)
