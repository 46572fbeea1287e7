"""The command line's reading of exports: the reader options its flags give each kind of
file, the ``--columns`` pairs that apply to a file, notes on standard error (rows a preset
leaves out, blank survey answers, refused rows) and the ``--rejected`` file."""

from __future__ import annotations

import argparse
import sys
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from csmetrics.io.csv import (
    FIELDS,
    csv_header,
    read_subscriptions_csv,
    read_surveys_csv,
    read_tickets_csv,
    read_usage_csv,
    write_csv,
)
from csmetrics.io.exports import refused_rows
from csmetrics.io.presets import PRESETS, PresetExclusionWarning


class UsageError(Exception):
    """A problem with the command line rather than with the data (exit code 2)."""


READERS: dict[str, Any] = {"subscriptions": read_subscriptions_csv,
                            "surveys": read_surveys_csv, "usage": read_usage_csv,
                            "tickets": read_tickets_csv}

REFUSED: list[dict[str, Any]] = []
"""Rows refused with --errors skip in this run, one per file line, for --rejected."""


def name_pairs(pairs: Sequence[str], option: str) -> dict[str, str]:
    """NAME=VALUE pairs of ``option``."""
    out: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip() or not value.strip():
            raise UsageError(f"{option} takes NAME=SURVEY pairs, got {pair!r}")
        out[name.strip()] = value.strip()
    return out


def reader_options(kind: str, args: argparse.Namespace) -> dict[str, Any]:
    """The reader options the command line gives files of ``kind``."""
    kw: dict[str, Any] = {"errors": getattr(args, "errors", "raise")}
    if getattr(args, "quiet", False):
        kw["progress"] = False
    mine = [p for p in getattr(args, "preset", []) if PRESETS[p].kind == kind]
    if len(mine) > 1:
        raise UsageError(f"--preset: give one preset for --{kind}, got {', '.join(mine)}")
    if mine:
        kw["preset"] = mine[0]
    if kind == "subscriptions":
        if getattr(args, "amount_format", None):
            kw["amount_format"] = args.amount_format
        if getattr(args, "date_format", None):
            if mine:
                raise UsageError(f"--date-format and --preset {mine[0]} do not go together "
                                  "(the preset reads the export's timestamps)")
            kw["date_format"] = args.date_format
    if kind == "surveys":
        if getattr(args, "survey_name", None):
            kw["survey_name"] = args.survey_name
        names = name_pairs(getattr(args, "survey_names", []), "--survey-names")
        if names:
            kw["survey_names"] = names
    return kw


def read_export(kind: str, path: str | None, columns: dict[str, list[str]], *,
          require_rows: bool = True, **kw: Any) -> Any:
    """One export read by its table's adapter, ``--columns`` mapping its fields (None
    without a path); a file with a header only is a usage error with ``require_rows``.
    Rows a preset leaves out by definition, blank survey answers and rows refused with
    ``--errors skip`` are reported on standard error."""
    if path is None:
        return None
    if not Path(path).is_file() and path != "-":
        what = "not a file" if Path(path).exists() else "no such file"
        raise UsageError(f"--{kind}: {what}: {path}")
    fields = set(FIELDS[kind])
    if kw.get("preset"):
        fields |= set(PRESETS[kw["preset"]].columns)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", PresetExclusionWarning)
        table = READERS[kind](path, columns=mapping_for(path, kind, columns, fields), **kw)
    for w in caught:
        if issubclass(w.category, PresetExclusionWarning):
            note(str(w.message))
        else:
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    if require_rows and len(table) == 0 and not len(table.skipped):
        raise UsageError(f"{path}: the file has a header but no rows")
    if getattr(table, "non_responses", 0):
        k = table.non_responses
        note(f"{path}: {k:,} blank score{'s' * (k != 1)} counted as "
             f"non-response{'s' * (k != 1)} (left out of every score)")
    if len(table.skipped):
        record_refused(path, table)
    return table


def record_refused(path: str, table: Any) -> None:
    """Record the rows of ``path`` the table refused, and count them on standard error."""
    entries, total = refused_rows(path, table)
    REFUSED.extend(entries)
    note(f"{path}: {len(entries):,} of {total:,} rows refused (--errors skip)")


def write_rejected(target: str | None) -> None:
    """Write the rows refused in this run (``REFUSED``) to ``target`` as CSV: file, line,
    column, rule, then the original cells (nothing without a target)."""
    if target is None:
        return
    keys: list[str] = ["file", "line", "column", "rule"]
    for entry in REFUSED:
        keys.extend(k for k in entry if k not in keys)
    table = {k: [e.get(k) for e in REFUSED] for k in keys}
    Path(target).write_text(write_csv(table), encoding="utf-8")
    note(f"{len(REFUSED):,} refused row{'s' * (len(REFUSED) != 1)} written to {target}")


def note(message: str) -> None:
    print(f"csmetrics: {message}", file=sys.stderr)



def mapping_for(path: str, kind: str, columns: dict[str, list[str]],
                 fields: set[str] | None = None) -> dict[str, str]:
    """The ``--columns`` pairs that apply to this file: for each of its fields, the first
    named column the file has. Where it has none of them but has the field's own name, no
    mapping; where it has neither, the first name, which the reader reports as missing."""
    header = set(csv_header(path)) if path != "-" else set()
    out: dict[str, str] = {}
    for field, names in columns.items():
        if field not in (FIELDS[kind] if fields is None else fields):
            continue
        present = [n for n in names if n in header]
        if present:
            out[field] = present[0]
        elif field not in header:
            out[field] = names[0]
    return out


