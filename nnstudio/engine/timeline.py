"""The weight timeline: copies of a network's parameters at epoch boundaries, bounded in
number and bytes, so a student can scrub back through a run and see any earlier moment.

Snapshots are kept on an even grid of epochs (every ``stride``-th epoch from the first
snapshot) plus the most recent one. When more than ``capacity`` snapshots (or more than ``max_bytes``)
are held, every other one is dropped (the first and the most recent always stay) and the
grid stride doubles: a long run stays evenly covered from its start to the present.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from nnstudio.engine.errors import NNStudioError

DEFAULT_CAPACITY = 200
DEFAULT_MAX_BYTES = 64 * 1024 * 1024


@dataclass(frozen=True, eq=False)
class WeightSnapshot:
    """The network's flat parameters (a read-only copy) after ``epoch`` epochs / ``step`` steps."""

    epoch: int
    step: int
    params: np.ndarray
    metrics: dict[str, float] = field(default_factory=dict)

    @property
    def nbytes(self) -> int:
        return int(self.params.nbytes)

    def label(self) -> str:
        """E.g. ``epoch 120 · train loss 0.213``."""
        text = f"epoch {self.epoch}"
        loss = self.metrics.get("train_loss")
        if loss is not None and np.isfinite(loss):
            text += f" · train loss {loss:.3g}"
        return text


class WeightTimeline:
    """Snapshots of one run's weights; ``add`` at every epoch boundary (epoch 0 = the
    initial weights), ``nearest``/``restore`` to look back, ``truncate_after`` to branch."""

    def __init__(self, capacity: int = DEFAULT_CAPACITY,
                 max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        if capacity < 3:
            raise NNStudioError(f"a weight timeline keeps at least 3 snapshots, got {capacity}")
        if max_bytes < 1:
            raise NNStudioError(f"a weight timeline needs a positive byte budget, got {max_bytes}")
        self.capacity = int(capacity)
        self.max_bytes = int(max_bytes)
        self.stride = 1
        self._snapshots: list[WeightSnapshot] = []
        self.revision = 0  # grows with every change (for views that poll)

    # --- adding -----------------------------------------------------------------------------
    def add(self, epoch: int, step: int, params: np.ndarray,
            metrics: dict[str, Any] | None = None) -> WeightSnapshot:
        """Keep a copy of ``params`` (e.g. ``network.params``) at this moment.

        Adding an epoch not after the latest one (after a reset or a branch without
        :meth:`truncate_after`) first drops the snapshots from that epoch on.
        """
        params = np.asarray(params)
        if params.ndim != 1:
            raise NNStudioError(f"timeline: expected flat parameters, got shape {params.shape}")
        if self._snapshots and params.size != self._snapshots[0].params.size:
            raise NNStudioError(f"timeline: {params.size} parameters, but the timeline holds "
                                f"{self._snapshots[0].params.size} (clear it for a new network)")
        epoch, step = int(epoch), int(step)
        if self._snapshots and epoch <= self._snapshots[-1].epoch:
            self.truncate_after(epoch - 1)
        copy = params.copy()
        copy.flags.writeable = False
        clean = {str(k): float(v) for k, v in (metrics or {}).items()
                 if isinstance(v, (int, float)) and not isinstance(v, bool)}
        snap = WeightSnapshot(epoch, step, copy, clean)
        # the previous latest stays only if it is on the grid
        if len(self._snapshots) > 1 and not self._on_grid(self._snapshots[-1]):
            self._snapshots.pop()
        self._snapshots.append(snap)
        while len(self._snapshots) > 2 and (len(self._snapshots) > self.capacity
                                            or self.nbytes > self.max_bytes):
            self._thin()
        self.revision += 1
        return snap

    def _on_grid(self, snapshot: WeightSnapshot) -> bool:
        return (snapshot.epoch - self._snapshots[0].epoch) % self.stride == 0

    def _thin(self) -> None:
        """Drop every other snapshot: keep the grid of twice the stride, the first and the last."""
        self.stride *= 2
        first, last = self._snapshots[0], self._snapshots[-1]
        kept = [s for s in self._snapshots[1:-1] if self._on_grid(s)]
        if len(kept) + 2 >= len(self._snapshots):  # nothing dropped: force every other one
            kept = kept[1::2]
        self._snapshots = [first, *kept, last]

    # --- reading ----------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self._snapshots)

    def __getitem__(self, index: int) -> WeightSnapshot:
        return self._snapshots[index]

    @property
    def snapshots(self) -> list[WeightSnapshot]:
        return list(self._snapshots)

    @property
    def latest(self) -> WeightSnapshot | None:
        return self._snapshots[-1] if self._snapshots else None

    @property
    def nbytes(self) -> int:
        # every snapshot of a timeline has the same size (add() refuses other networks)
        return len(self._snapshots) * self._snapshots[0].nbytes if self._snapshots else 0

    def epochs(self) -> list[int]:
        return [s.epoch for s in self._snapshots]

    def index_of(self, epoch: int) -> int:
        """Index of the snapshot nearest to ``epoch`` (the earlier one on a tie); -1 if empty."""
        if not self._snapshots:
            return -1
        epochs = self.epochs()
        i = bisect.bisect_left(epochs, epoch)
        if i == 0:
            return 0
        if i == len(epochs):
            return len(epochs) - 1
        return i if epochs[i] - epoch < epoch - epochs[i - 1] else i - 1

    def nearest(self, epoch: int) -> WeightSnapshot | None:
        """The snapshot nearest to ``epoch`` (None while empty)."""
        i = self.index_of(epoch)
        return self._snapshots[i] if i >= 0 else None

    # --- using ------------------------------------------------------------------------------
    @staticmethod
    def restore(network: Any, snapshot: WeightSnapshot) -> None:
        """Set ``network.params`` to the snapshot's values exactly (in place: every layer's
        W and b follow). The optimizer's state (momentum, Adam moments) is not part of it."""
        params = network.params
        if params.size != snapshot.params.size:
            raise NNStudioError(f"the snapshot of epoch {snapshot.epoch} has "
                                f"{snapshot.params.size} parameters but the network has "
                                f"{params.size}; it belongs to another architecture")
        np.copyto(params, snapshot.params, casting="unsafe")

    def truncate_after(self, epoch: int) -> int:
        """Forget the snapshots after ``epoch`` (to branch from there); returns how many."""
        keep = bisect.bisect_right(self.epochs(), epoch)
        removed = len(self._snapshots) - keep
        if removed:
            del self._snapshots[keep:]
            if not self._snapshots:
                self.stride = 1
            self.revision += 1
        return removed

    def clear(self) -> None:
        self._snapshots.clear()
        self.stride = 1
        self.revision += 1


__all__ = ["DEFAULT_CAPACITY", "DEFAULT_MAX_BYTES", "WeightSnapshot", "WeightTimeline"]
