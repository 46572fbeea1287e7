"""A portfolio: every table a customer-success team has, and one report of every metric they
support.

``Portfolio(subscriptions=..., surveys=..., usage=..., tickets=..., customers=...)`` holds
whichever tables exist (each optional). ``portfolio.report(period)`` computes every metric the
available data supports for the ``months`` months ending with ``period`` and returns a
``PortfolioReport``: a readable text report (``print``), rich HTML with charts in
Jupyter (``_repr_html_``) or as a self-contained file (``to_html``), and ``to_dict`` /
``to_json``.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from csmetrics._core.checks import Checker
from csmetrics._core.columns import column_getter, require_column
from csmetrics._core.convert import factorize, is_missing
from csmetrics._core.options import OPTIONAL_BOOL, Interval, check_option
from csmetrics._core.progress import progress_bar
from csmetrics._core.segments import NamedSegments
from csmetrics.exceptions import InvalidParameterError, UndefinedMetricWarning
from csmetrics.forecast import Goal
from csmetrics.fx import FX, FxRates
from csmetrics.periods.calendar import Period, PeriodLike
from csmetrics.periods.windows import MAX_MONTHS
from csmetrics.policies import POLICY, MetricPolicy
from csmetrics.report import contracts, more
from csmetrics.report import sections as rs
from csmetrics.report.ahead import Ahead, worth_ahead
from csmetrics.report.goals import goal_section
from csmetrics.report.headline import headline, months_in
from csmetrics.report.render import PortfolioReport, ReportSection, Source
from csmetrics.report.shared import Shared
from csmetrics.support.common import TARGETS
from csmetrics.tables.coerce import as_surveys, as_table, as_tickets, as_usage

# PortfolioReport and ReportSection live in report.render; they are named here too, so that
# imports written against this module (and the deprecated csmetrics.portfolio) keep working.
__all__ = ["Portfolio", "PortfolioReport", "ReportSection"]

class Portfolio:
    """The tables of one business, any of them optional, and a report over all of them.

    Parameters
    ----------
    subscriptions : SubscriptionTable, list of Subscription, or columns, optional
    surveys : SurveyTable or columns, optional
    usage, tickets : tables, optional
        Usage events and support tickets (their sections appear when given).
    customers : columns or DataFrame, optional
        One row per customer: a ``customer_id`` column and attribute columns (region,
        segment, owner ...) usable as ``by=``.
    fx : FxRates, optional
        Exchange rates for a portfolio billed in several currencies.
    policy : MetricPolicy, optional
        How churn and reactivation are recognised (default ``MetricPolicy()``).
    sources : mapping of str to str, optional
        Where each table came from (``{"subscriptions": "subs.csv"}``), named in the
        report's footer.
    sla_targets : mapping, optional
        Support SLA targets by ticket priority (``{"urgent": "1h", "high": "4h",
        "normal": "24h"}``, as ``sla_attainment``): the support section then shows each
        priority's attainment.
    goals : list of Goal, optional
        Targets to track (``Goal("logo_churn_rate", -0.10, relative=True,
        baseline=("2024-01", "2024-03"))``): the report's first section measures each on its
        period (a rate on the period's months, MRR on its last day, NPS on its answers).

    Examples
    --------
    >>> from csmetrics.datasets import demo_portfolio
    >>> report = Portfolio(subscriptions=demo_portfolio()).report("2024-Q4")
    >>> report
    PortfolioReport(2024-10 to 2024-12: summary, mrr_bridge, retention, mrr_by_segment, cohorts, lifetime, renewals, renewals_due, churn_by_reason, churn_by_type)
    >>> float(report["summary"].table["value"][0])   # MRR on 31 Dec 2024
    68700.49
    """  # noqa: E501

    def __init__(self, *, subscriptions: Any = None, surveys: Any = None, usage: Any = None,
                 tickets: Any = None, customers: Any = None, fx: FxRates | None = None,
                 policy: MetricPolicy | None = None,
                 sources: Mapping[str, str] | None = None,
                 sla_targets: Mapping[Any, Any] | float | str | None = None,
                 goals: Sequence[Goal] | None = None) -> None:
        self.subscriptions = (None if subscriptions is None
                              else as_table(subscriptions, "Portfolio(subscriptions=)"))
        self.surveys = None if surveys is None else as_surveys(surveys)
        self.usage = None if usage is None else as_usage(usage)
        self.tickets = None if tickets is None else as_tickets(tickets)
        self.customers = None if customers is None else _attributes(customers)
        check_option("Portfolio", "fx", fx, FX)
        check_option("Portfolio", "policy", policy, POLICY)
        self.fx = fx
        self.policy = policy
        if sources is not None and not (isinstance(sources, Mapping) and all(
                isinstance(k, str) and isinstance(v, str) for k, v in sources.items())):
            raise InvalidParameterError(
                "Portfolio: sources must map table names to where they came from, such as "
                f"{{'subscriptions': 'subs.csv'}}; got {sources!r:.80}.")
        self.origins = dict(sources or {})
        if sla_targets is not None:
            check_option("Portfolio", "sla_targets", sla_targets, TARGETS)
        # One duration for every priority, or a mapping priority -> duration.
        self.sla_targets = (dict(sla_targets) if isinstance(sla_targets, Mapping)
                            else sla_targets)
        held_goals = [] if goals is None else (list(goals) if isinstance(goals, Sequence)
                                               and not isinstance(goals, str) else None)
        if held_goals is None or not all(isinstance(g, Goal) for g in held_goals):
            raise InvalidParameterError(
                f"Portfolio: goals must be a list of csmetrics.Goal, got {goals!r:.80}.")
        self.goals = held_goals
        if all(t is None for t in (self.subscriptions, self.surveys, usage, tickets)):
            raise InvalidParameterError(
                "Portfolio: give at least one of subscriptions=, surveys=, usage=, tickets=.")

    def __repr__(self) -> str:
        held = [name for name in ("subscriptions", "surveys", "usage", "tickets", "customers")
                if getattr(self, name) is not None]
        return f"Portfolio({', '.join(held)})"

    def segment(self, by: str | Mapping[Any, Any] | None) -> str | Mapping[Any, Any] | None:
        """``by`` as the metrics read it: a customer attribute (a column of ``customers=``)
        becomes a customer -> value mapping named after it; anything else is returned as is.

        Customers the attribute file does not list, or lists without a value, are put in
        ``"(none)"`` by the ``by=`` resolver of each metric: nothing is dropped.

        Examples
        --------
        >>> from csmetrics.datasets import demo_portfolio
        >>> p = Portfolio(subscriptions=demo_portfolio(),
        ...               customers={"customer_id": ["cus_0001"], "region": ["EU"]})
        >>> p.segment("region").segment_name, p.segment("region")["cus_0001"], p.segment("plan")
        ('region', 'EU', 'plan')
        """
        if isinstance(by, str) and self.customers is not None and by in self.customers:
            return NamedSegments(by, self.customers[by])
        return by

    def last_period(self) -> Period:
        """The month of the latest date in the data (no hidden "today")."""
        dates: list[np.datetime64] = []
        if self.subscriptions is not None and len(self.subscriptions):
            dates.append(self.subscriptions.start.max())
            ends = self.subscriptions.end[~np.isnat(self.subscriptions.end)]
            if ends.size:
                # An end is exclusive: the last active day is the day before.
                dates.append(ends.max() - np.timedelta64(1, "D"))
        if self.surveys is not None and len(self.surveys):
            dates.append(self.surveys.submitted_at.max())
        if self.usage is not None and len(self.usage):
            dates.append(self.usage.at.max().astype("datetime64[D]"))
        if self.tickets is not None and len(self.tickets):
            dates.append(self.tickets.opened_at.max().astype("datetime64[D]"))
        if not dates:
            raise InvalidParameterError("Portfolio.report: the data hold no dates; give period=.")
        return Period.parse(max(dates), "month")

    def report(self, period: PeriodLike | None = None, *,
               by: str | Mapping[Any, Any] | None = None, months: int | None = None,
               progress: bool | None = None) -> PortfolioReport:
        """Every metric the data support, for ``period``, with headline figures.

        Parameters
        ----------
        period : period or date, optional
            The report's period: a month (``"2024-12"``), a quarter (``"2024-Q4"``) or a
            year (``"2024"``); a date means its month. Default: the month of the latest date
            in the data. The headline figures are for this period, against the period
            before and the same period a year before.
        by : str or mapping, optional
            Split the segment sections by a subscription column (``"plan"``), a customer
            attribute (a column of ``customers=``), or a customer -> segment mapping.
        months : int, optional
            Months of monthly detail (the bridge, the trends), ending with the period's last
            month. Default: the period's months (3 for a quarter, 12 for a year), and 12 for
            a month, so that a monthly report shows its year.
        progress : bool, optional
            Show a progress bar on standard error (tqdm; a widget in Jupyter) as the
            sections are computed; default: when standard error is a terminal, or in
            Jupyter.

        Returns
        -------
        PortfolioReport
            The headline and the sections the data support, in order (see
            ``PortfolioReport``).

        Raises
        ------
        InvalidParameterError
            ``months`` not from 1 to 1,200 (100 years), or no dates in the data and no
            ``period``.
        """
        if months is not None:
            check_option("Portfolio.report", "months", months,
                         Interval(1, MAX_MONTHS, integer=True))
        check_option("Portfolio.report", "progress", progress, OPTIONAL_BOOL)
        chosen = self.last_period() if period is None else Period.parse(period)
        span = months_in(chosen)
        last = Period.parse(chosen.end, "month")
        count = months if months is not None else (12 if span == 1 else span)
        first = last - (count - 1)
        segment = self.segment(by)
        revenue = self.subscriptions is not None and len(self.subscriptions) > 0
        surveys = self.surveys is not None and len(self.surveys) > 0
        extra = self.usage is not None or self.tickets is not None
        total = 1 + rs.REVENUE_STEPS * revenue + surveys + extra
        sections: list[ReportSection] = []
        # Large tables: the parts that need nothing from one another start ahead on the
        # second core (read in order all the same).
        early = (revenue and self.subscriptions is not None
                 and worth_ahead(len(self.subscriptions)))
        with warnings.catch_warnings(), progress_bar(total, desc="report", unit="section",
                                                      enabled=progress) as bar, \
                Ahead(early) as ahead:
            # Undefined values show as an em dash with a footnote saying why.
            warnings.simplefilter("ignore", UndefinedMetricWarning)

            def step(what: str) -> None:
                bar.set_postfix_str(what)
                bar.update(1)

            cache: dict[str, Any] = {}

            def health(at: Period) -> Any:
                if str(at) not in cache:
                    cache[str(at)] = more.health_scores(self, at)
                return cache[str(at)]

            scored = extra and (self.subscriptions is not None or self.usage is not None)
            if revenue:
                day = rs.start_day(ahead, self, last, segment)
                # Scored, the contract sections wait for the health scores (below).
                deals = None if scored else ahead.start(contracts.contract_sections, self,
                                                        first, last, None)
            value: list[Any] = []   # the cohorts and survival, once the bridge has run

            def start_value() -> None:
                value.extend(rs.start_value(ahead, self, last))

            # What the headline and the sections both read; the cohorts and the survival
            # curve start as soon as the headline's bridge has made the change points.
            shared = Shared(after_bridge=start_value if early else None)
            head = headline(self, chosen, health if scored else None, shared)
            step("headline")
            tracked = goal_section(self, chosen, self.goals)
            if tracked is not None:
                sections.append(tracked)
            if revenue:
                if not value:   # in order, or the headline made no bridge
                    start_value()
                started = rs.Started(*day, *value)
                if deals is None and str(last) in cache:   # the headline scored that day
                    deals = ahead.start(contracts.contract_sections, self, first, last,
                                        cache[str(last)])
                sections += rs.revenue_sections(self, first, last, segment, step, shared,
                                                started)
                sections += (deals.get() if deals is not None else contracts.contract_sections(
                    self, first, last, health(last) if scored else None))
            if surveys:
                sections += more.survey_sections(self, first, last, segment)
                step("surveys")
            if extra:
                sections += more.extra_sections(self, first, last, segment,
                                                health(last) if scored else None)
                step("usage, support and health")
        title = f"csmetrics report, {chosen}"
        return PortfolioReport(title, str(first), str(last), sections, headline=head,
                               sources=self._sources(), label=str(chosen))

    def _sources(self) -> list[Source]:
        out = []
        for name in ("subscriptions", "surveys", "usage", "tickets"):
            table = getattr(self, name)
            if table is not None:
                out.append(Source(name, len(table), len(table.skipped),
                                  self.origins.get(name, "")))
        return out


def _attributes(customers: Any) -> dict[str, dict[Any, Any]]:
    """Customer attribute columns as ``{attribute: {customer_id: value}}``.

    A customer with no value for an attribute maps to None, so the ``by=`` resolver puts it
    in the segment ``"(none)"``: nothing is dropped, and the report shows how many have no
    value.
    """
    ctx = "Portfolio(customers=)"
    names, get = column_getter(customers, ctx)
    require_column(names, "customer_id", ctx)
    ids = get("customer_id")
    chk = Checker(ids.size, ctx).show({"customer_id": ids})   # messages show the ids
    chk.check(is_missing(ids), "customer_id", "must not be missing")
    _, codes = factorize(ids)
    counts = np.bincount(codes)
    chk.check(counts[codes] > 1, "customer_id", "must be unique (one row per customer)")
    out = {}
    for name in names:
        if name == "customer_id":
            continue
        values = np.asarray(get(name), dtype=object)
        values[is_missing(values)] = None
        out[name] = dict(zip(ids.tolist(), values.tolist(), strict=True))
    return out
