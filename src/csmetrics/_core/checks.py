"""Collecting rule violations of one input: raise on the first, or mark rows to skip."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np
from numpy.typing import NDArray

from csmetrics.exceptions import DataValidationError, InvalidParameterError

ErrorMode = Literal["raise", "skip"]


@dataclass
class Checker:
    """Collects rule violations of one input: raises on the first, or marks rows to skip.

    With ``errors="skip"``, each bad row is remembered with the first rule it broke, so the
    caller can drop exactly those rows and hand them back to the user.
    """

    n_rows: int
    context: str
    errors: ErrorMode = "raise"
    bad: NDArray[np.bool_] = field(init=False)
    reasons: list[tuple[NDArray[np.int64], str, str]] = field(init=False, default_factory=list)

    def __post_init__(self) -> None:
        if self.errors not in ("raise", "skip"):
            raise InvalidParameterError(f"errors must be 'raise' or 'skip', got {self.errors!r}.")
        self.bad = np.zeros(self.n_rows, dtype=bool)

    def check(
        self,
        violates: NDArray[np.bool_],
        column: str,
        rule: str,
        *,
        error: type[DataValidationError] = DataValidationError,
    ) -> None:
        """Record rows where ``violates`` is true as breaking ``rule`` on ``column``."""
        positions = np.flatnonzero(violates)
        if positions.size == 0:
            return
        if self.errors == "raise":
            raise error(
                column=column,
                rule=rule,
                count=positions.size,
                positions=positions[:5].tolist(),
                n_rows=self.n_rows,
                context=self.context,
            )
        new = positions[~self.bad[positions]]
        if new.size:
            self.reasons.append((new, column, rule))
            self.bad[new] = True


def fail(column: str, rule: str, violates: NDArray[np.bool_], context: str) -> None:
    """Raise a ``DataValidationError`` for the rows marked in ``violates``, if any."""
    Checker(violates.size, context).check(violates, column, rule)
