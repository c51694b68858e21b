"""A descent run's history: every update so far, stored column-wise in growing NumPy arrays.

About 80 bytes a step for two variables with Adam, rather than one Python object per step, so a 100,000-step run
stays cheap; indexing builds a ``StepRecord`` on demand. Descent (descent.py) appends; the tab's table and plots
read the columns as read-only views.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class StepRecord:
    """One update: the point it reached, f there, the gradient it used and the state it left."""

    epoch: int
    x: np.ndarray          # point after the update
    f: float               # f at that point
    grad: np.ndarray       # gradient used by the update (at the previous point)
    step: np.ndarray       # x_new - x_old
    lr: float              # learning rate used by the update
    internals: dict[str, np.ndarray]  # optimizer state after the update


def _readonly(a: np.ndarray) -> np.ndarray:
    """A view the caller cannot write through (history rows must not change under the table)."""
    a = a.view()
    a.flags.writeable = False
    return a


class History(Sequence[StepRecord]):
    """The updates made so far, stored column-wise; indexing builds a StepRecord.

    Array properties are read-only views (no copies), cheap to hand to a plot's setData. They keep
    showing the rows that existed when taken; take them again after more steps.
    """

    def __init__(self, x0: np.ndarray, f0: float, g0: np.ndarray, internal_names: tuple[str, ...],
                 capacity: int) -> None:
        n = x0.size
        self._len = 0
        self._xs = np.empty((capacity, n))       # row 0 is the start point
        self._fs = np.empty(capacity)
        self._gs = np.empty((capacity, n))       # row i: gradient at point i
        self._lrs = np.empty(capacity)           # row i: lr used by update i
        self._internals = {name: np.empty((capacity, n)) for name in internal_names}
        self._xs[0], self._fs[0], self._gs[0], self._lrs[0] = x0, f0, g0, np.nan
        for arr in self._internals.values():
            arr[0] = 0.0

    def _append(self, x: np.ndarray, f: float, lr: float, internals: Mapping[str, np.ndarray]) -> None:
        """Add the point an update reached; its gradient stays nan until _set_gradient."""
        row = self._len + 1
        if row == len(self._fs):
            self._grow()
        self._xs[row], self._fs[row], self._gs[row], self._lrs[row] = x, f, np.nan, lr
        for name, arr in self._internals.items():
            arr[row] = internals[name]
        self._len = row

    def _grow(self) -> None:
        # New arrays rather than in-place resize, so views handed out earlier stay valid.
        def bigger(a: np.ndarray) -> np.ndarray:
            out = np.empty((2 * len(a),) + a.shape[1:])
            out[: len(a)] = a
            return out

        self._xs, self._fs, self._gs, self._lrs = map(bigger, (self._xs, self._fs, self._gs, self._lrs))
        self._internals = {name: bigger(a) for name, a in self._internals.items()}

    def _set_gradient(self, g: np.ndarray) -> None:
        self._gs[self._len] = g

    def __len__(self) -> int:
        return self._len

    def __getitem__(self, index: int | slice) -> StepRecord | list[StepRecord]:  # type: ignore[override]
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(self._len))]
        i = index + self._len if index < 0 else index
        if not 0 <= i < self._len:
            raise IndexError("history index out of range")
        row = i + 1
        return StepRecord(
            epoch=row, x=self._xs[row].copy(), f=float(self._fs[row]), grad=self._gs[row - 1].copy(),
            step=self._xs[row] - self._xs[row - 1], lr=float(self._lrs[row]),
            internals={name: a[row].copy() for name, a in self._internals.items()},
        )

    def __iter__(self) -> Iterator[StepRecord]:
        return (self[i] for i in range(self._len))

    @property
    def epoch(self) -> np.ndarray:
        """1, 2, ... k."""
        return np.arange(1, self._len + 1)

    @property
    def x(self) -> np.ndarray:
        """Points after each update, shape (k, n)."""
        return _readonly(self._xs[1 : self._len + 1])

    @property
    def f(self) -> np.ndarray:
        """f after each update, shape (k,)."""
        return _readonly(self._fs[1 : self._len + 1])

    @property
    def grad(self) -> np.ndarray:
        """Gradient used by each update, shape (k, n)."""
        return _readonly(self._gs[: self._len])

    @property
    def step(self) -> np.ndarray:
        """x_new - x_old of each update, shape (k, n) (computed, so a new array)."""
        return np.diff(self._xs[: self._len + 1], axis=0)

    @property
    def lr(self) -> np.ndarray:
        """Learning rate used by each update, shape (k,)."""
        return _readonly(self._lrs[1 : self._len + 1])

    def internal(self, name: str) -> np.ndarray:
        """Optimizer state ``name`` after each update, shape (k, n)."""
        return _readonly(self._internals[name][1 : self._len + 1])

    @property
    def path(self) -> np.ndarray:
        """The start point followed by every point reached, shape (k + 1, n): what a plot draws."""
        return _readonly(self._xs[: self._len + 1])

    @property
    def path_f(self) -> np.ndarray:
        """f along ``path``, shape (k + 1,)."""
        return _readonly(self._fs[: self._len + 1])

    @property
    def path_grad(self) -> np.ndarray:
        """Gradient at each point of ``path``, shape (k + 1, n) (nan where it was not computed)."""
        return _readonly(self._gs[: self._len + 1])

    @property
    def nbytes(self) -> int:
        """Bytes held by the arrays (including spare capacity)."""
        arrays = [self._xs, self._fs, self._gs, self._lrs, *self._internals.values()]
        return sum(a.nbytes for a in arrays)
