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
"""

from __future__ import annotations

from csmetrics._core.partials import MetricParts
from csmetrics.support.steps import SUPPORT_PARTS

PARTS: dict[str, MetricParts] = dict(SUPPORT_PARTS)
"""Each additive support metric's prepare, partial and finalize steps, by public name."""
