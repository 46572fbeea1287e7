"""The support metrics as mergeable partials (see ``csmetrics._core.partials``).

``first_contact_resolution_rate`` and ``open_tickets`` count tickets per *entity*: an
account (``by=None``, ``"customer_id"``, a customer mapping, a column with one value per
account) or an (account, value) pair (a row-level ``by=`` such as ``"ticket_id"`` or a
channel). ``prepare`` fixes the entities from the whole table (``csmetrics.support.steps``);
a part's partials are int64 arrays per entity: ``tickets`` and ``first_contact`` (FCR);
``open_tickets``, ``opened``, ``resolved`` and ``oldest_open``, the opening time (UTC
microseconds) of the entity's oldest open ticket, 0 where none is open (open tickets).
Every entity belongs to one customer, so the parts fill disjoint entries and their sum is
the whole's bit for bit; ``finalize`` pools entities into rows (and takes the oldest of a
row's entities' oldest tickets).

``sla_attainment``, ``reopen_rate`` and ``tickets_per_account`` count tickets per result
row (``support.common.RowMap`` finds each ticket's row from the whole table's split): tickets,
met, breached, pending; resolved, reopened; tickets opened. ``first_response_time``,
``resolution_time`` and ``backlog_age`` count per (row, distinct duration of the row), on a
grid of durations ``prepare`` takes from the whole table: events and censorings (the
Kaplan-Meier counts), or open tickets per age; ``finalize`` reads the quantiles from them.
"""

from __future__ import annotations

from csmetrics._core.partials import MetricParts
from csmetrics.support.sla import SLA_PARTS
from csmetrics.support.steps import SUPPORT_PARTS
from csmetrics.support.times import TIMES_PARTS
from csmetrics.support.volume import VOLUME_PARTS

PARTS: dict[str, MetricParts] = {**SUPPORT_PARTS, **SLA_PARTS, **TIMES_PARTS, **VOLUME_PARTS}
"""Each additive support metric's prepare, partial and finalize steps, by public name."""
