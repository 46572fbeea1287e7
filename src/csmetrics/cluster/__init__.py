"""The engine-neutral driver behind ``csmetrics.spark`` and ``csmetrics.dask``.

``driver`` runs one metric over a partitioned input in two passes (the skeleton of the rows
every plan rests on, then the partials per customer-hash partition) and gives the result of
the one-machine metric bit for bit; ``rows`` chooses the rows that travel; ``api`` makes the
engines' functions under the top level's names; ``local.LocalEngine`` is the reference engine
over a local frame. See docs/scale.md.
"""

from csmetrics.cluster.api import METRICS, SPECS, metric
from csmetrics.cluster.driver import Engine, Spec, run
from csmetrics.cluster.local import LocalEngine

__all__ = ["METRICS", "SPECS", "Engine", "LocalEngine", "Spec", "metric", "run"]
