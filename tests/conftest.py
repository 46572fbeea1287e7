"""Shared test configuration: hypothesis profiles and small helpers."""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

settings.register_profile("dev", max_examples=100, deadline=None)
# CI: derandomized so a run is repeatable, and bounded so the suite stays well within time.
settings.register_profile("ci", max_examples=100, deadline=None, derandomize=True,
                          suppress_health_check=[HealthCheck.too_slow])
# Deep: for a long fuzz of the inputs (tests/test_fuzz.py), HYPOTHESIS_PROFILE=deep.
settings.register_profile("deep", max_examples=2000, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))

# Real database servers for tests/test_database.py (one PostgreSQL server per session).
from db import postgres_uri  # noqa: E402, F401
