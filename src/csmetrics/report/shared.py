"""What one report computes once and several of its parts read."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from csmetrics._core.partials import Partials
from csmetrics.fx import FxRates
from csmetrics.periods.calendar import Period
from csmetrics.policies import MetricPolicy


@dataclass
class Shared:
    """A report's shared work: the bridge runs its headline and sections read.

    ``bridges`` maps a window (first and last month) to the bridge partials of its run;
    ``series_window`` is the window of the headline's NRR series, once its plan (which
    refuses mixed currencies) has passed without ``fx``.
    """

    bridges: dict[tuple[Period, Period], Partials] = field(default_factory=dict)
    series_window: tuple[Period, Period] | None = None

    def covers(self, first: Period, last: Period) -> bool:
        """Whether an NRR series of the window ``first..last`` (without ``fx``) is inside
        the headline's, which it then can refuse nothing the headline's did not."""
        window = self.series_window
        return (window is not None and window[0].first_month <= first.first_month
                and window[1].first_month == last.first_month)

    def movements(self, subscriptions: Any, first: Period, last: Period,
                  policy: MetricPolicy | None, fx: FxRates | None) -> Any:
        """``mrr_movements(subscriptions, first, last, policy=policy, fx=fx)``.

        Without ``fx``, a window inside one already run that ends in the same month is read
        off that run's partials (``revenue.windows.bridge_periods``): the same numbers,
        without a second bridge. Its plan is still made, so that it refuses what the call
        refuses, when the call would.
        """
        from csmetrics.revenue import mrr_movements
        from csmetrics.revenue.windows import bridge_periods

        job = mrr_movements.job(subscriptions, first, last, policy=policy, fx=fx)
        if fx is not None:   # converted bridges are not sliced: computed as asked
            return job.result()
        for (start, end), whole in self.bridges.items():
            if end == last and start <= first:
                i = first.first_month - start.first_month
                n = last.first_month - first.first_month + 1
                return job.finalize(bridge_periods(whole, i, i + n), job.plan)
        whole = self.bridges[(first, last)] = job.partial(job.table, job.plan)
        return job.finalize(whole, job.plan)
