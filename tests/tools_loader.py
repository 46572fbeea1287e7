"""The repository's tools/ scripts as modules, for tests that check what they generate."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[1]


def gen_api() -> ModuleType:
    """``tools/gen_api.py`` (which writes docs/api.md, results.md and errors.md), loaded."""
    spec = importlib.util.spec_from_file_location("gen_api", ROOT / "tools" / "gen_api.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
