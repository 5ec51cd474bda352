"""Histograms of every layer's weights, activations and gradients, and their history over
a run (TensorBoard's "distributions over time", live and without a server).

:func:`layer_histograms` counts one kind of value per layer. :class:`HistogramHistory`
keeps those counts over time on fixed bin edges per layer: the edges are chosen from the
first histogram and widened (everything stored is re-binned) when later values fall
outside them; :meth:`HistogramHistory.image` gives a (time × bins) array per layer.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from nnstudio.engine.errors import NNStudioError

KINDS = ("weights", "activations", "gradients")
KIND_TITLES = {"weights": "Weights", "activations": "Activations", "gradients": "Gradients"}
DEFAULT_BINS = 30
DEFAULT_CAPACITY = 300


def layer_values(network: Any, kind: str, X: np.ndarray | None = None) -> list[np.ndarray]:
    """Every layer's values of one kind, flattened.

    ``weights``: W (biases left out); ``gradients``: dJ/dW from the last backward pass;
    ``activations``: the layer outputs a of a forward pass over ``X`` (the network's last
    forward pass when ``X`` is None, empty arrays if there was none).
    """
    if kind == "weights":
        return [layer.W.ravel() for layer in network.layers]
    if kind == "gradients":
        return [layer.dW.ravel() for layer in network.layers]
    if kind == "activations":
        if X is not None:
            network.forward(np.asarray(X))
        acts = network.activations()
        if not acts:
            return [np.empty(0) for _ in network.layers]
        return [np.asarray(a).ravel() for a in acts]
    raise NNStudioError(f"unknown histogram kind {kind!r} (known: {', '.join(KINDS)})")


def _range(values: np.ndarray) -> tuple[float, float]:
    """The finite values' (min, max); a constant value gets a tiny range around it."""
    if values.size == 0:
        return -1.0, 1.0
    lo, hi = float(values.min()), float(values.max())
    if hi > lo:
        return lo, hi
    pad = max(abs(lo) * 1e-3, 1e-12)
    return lo - pad, hi + pad


def layer_histograms(network: Any, kind: str, bins: int = DEFAULT_BINS,
                     value_range: Any = None, X: np.ndarray | None = None
                     ) -> tuple[np.ndarray, np.ndarray]:
    """Histograms of one kind of value, one per layer.

    Returns ``(edges, counts)``: ``edges`` of shape ``(L, bins + 1)`` (each layer its own
    edges), ``counts`` of shape ``(L, bins)``. ``value_range`` None spans each layer's own
    values; a ``(lo, hi)`` pair is used for every layer; a list of L pairs per layer.
    Values outside a given range are counted in the first / last bin; NaN and infinite
    values (a diverged network) are left out. ``X``: inputs for the ``activations`` kind.
    """
    if not isinstance(bins, (int, np.integer)) or bins < 1:
        raise NNStudioError(f"histograms need at least 1 bin, got {bins!r}")
    values = layer_values(network, kind, X)
    n_layers = len(values)
    ranges = _ranges(value_range, n_layers)
    if n_layers and ranges is None:
        fast = _histograms_at_once(values, bins)
        if fast is not None:
            return fast
    edges = np.empty((n_layers, bins + 1))
    counts = np.zeros((n_layers, bins))
    for i, v in enumerate(values):
        v = np.asarray(v, dtype=np.float64)
        v = v[np.isfinite(v)]
        lo, hi = ranges[i] if ranges is not None else _range(v)
        edges[i] = np.linspace(lo, hi, bins + 1)
        if v.size:
            index = np.floor((v - lo) * (bins / (hi - lo))).astype(np.int64)
            np.clip(index, 0, bins - 1, out=index)
            counts[i] = np.bincount(index, minlength=bins)
    return edges, counts


def _histograms_at_once(values: list[np.ndarray], bins: int
                        ) -> tuple[np.ndarray, np.ndarray] | None:
    """Every layer's histogram on its own range in a few whole-array operations (the
    common case: no layer empty, every value finite); None otherwise."""
    sizes = np.array([np.size(v) for v in values])
    if not sizes.all():
        return None
    flat = np.concatenate([np.asarray(v, dtype=np.float64).ravel() for v in values])
    if not np.isfinite(flat).all():
        return None
    starts = np.concatenate([[0], np.cumsum(sizes[:-1])])
    lo = np.minimum.reduceat(flat, starts)
    hi = np.maximum.reduceat(flat, starts)
    flat_range = hi <= lo  # a constant layer: a tiny range around its value (as _range)
    if flat_range.any():
        pad = np.maximum(np.abs(lo) * 1e-3, 1e-12)
        lo = np.where(flat_range, lo - pad, lo)
        hi = np.where(flat_range, hi + pad, hi)
    edges = np.linspace(lo, hi, bins + 1, axis=1)
    # every value's bin: (v - lo) * bins / (hi - lo) is >= 0, so truncation is the floor
    x = flat - np.repeat(lo, sizes)
    x *= np.repeat(bins / (hi - lo), sizes)
    index = x.astype(np.intp)
    np.minimum(index, bins - 1, out=index)
    index += np.repeat(np.arange(0, len(values) * bins, bins), sizes)
    counts = np.bincount(index, minlength=len(values) * bins).reshape(len(values), bins)
    return edges, counts.astype(np.float64)


def _ranges(value_range: Any, n_layers: int) -> list[tuple[float, float]] | None:
    if value_range is None:
        return None
    arr = np.asarray(value_range, dtype=np.float64)
    if arr.shape == (2,):
        arr = np.tile(arr, (n_layers, 1))
    if arr.shape != (n_layers, 2):
        raise NNStudioError(f"value_range: expected (lo, hi) or one (lo, hi) per layer "
                            f"({n_layers}), got shape {arr.shape}")
    if not np.all(np.isfinite(arr)) or np.any(arr[:, 1] <= arr[:, 0]):
        raise NNStudioError("value_range: every range needs finite lo < hi")
    return [(float(lo), float(hi)) for lo, hi in arr]


def all_histograms(network: Any, bins: int = DEFAULT_BINS, X: np.ndarray | None = None
                   ) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """``{kind: layer_histograms(network, kind, bins)}`` for every kind (what the worker
    sends with a snapshot). Activations come from a forward pass over ``X`` if given."""
    return {kind: layer_histograms(network, kind, bins, X=X) for kind in KINDS}


def overlap_matrix(src_edges: np.ndarray, dst_edges: np.ndarray) -> np.ndarray:
    """``M[i, j]``: the fraction of source bin i that lies in destination bin j (counts are
    taken as spread evenly within a bin), so ``counts @ M`` re-bins ``counts``."""
    a, b = src_edges[:-1, None], src_edges[1:, None]
    c, d = dst_edges[None, :-1], dst_edges[None, 1:]
    overlap = np.clip(np.minimum(b, d) - np.maximum(a, c), 0.0, None)
    width = np.where(b > a, b - a, 1.0)
    return overlap / width


def rebin(src_edges: np.ndarray, counts: np.ndarray, dst_edges: np.ndarray) -> np.ndarray:
    """Counts on ``src_edges`` (shape ``(..., bins_src)``) moved onto ``dst_edges``; mass
    outside the destination range is lost."""
    return np.asarray(counts, dtype=np.float64) @ overlap_matrix(
        np.asarray(src_edges, dtype=np.float64), np.asarray(dst_edges, dtype=np.float64))


class _KindHistory:
    """Counts over time of one kind for every layer, on fixed (widening) edges."""

    def __init__(self, n_layers: int, bins: int, capacity: int) -> None:
        self.bins = bins
        self.capacity = capacity
        self.edges = np.zeros((n_layers, bins + 1))
        self.has_edges = np.zeros(n_layers, dtype=bool)
        self.steps = np.empty(capacity)
        self.counts = np.empty((capacity, n_layers, bins))
        self.n = 0
        self.stride = 1  # adds per kept row
        self.adds = 0
        self._last_off_grid = False
        self.latest: tuple[np.ndarray, np.ndarray] | None = None  # exact, as received
        self.latest_step = 0

    @property
    def n_layers(self) -> int:
        return self.edges.shape[0]

    def add(self, step: int, edges: np.ndarray, counts: np.ndarray, margin: float) -> None:
        self.latest = (edges.copy(), counts.copy())
        self.latest_step = step
        for layer in range(self.n_layers):
            self._fit(layer, edges[layer], counts[layer], margin)
        on_grid = self.adds % self.stride == 0
        self.adds += 1
        if self.n and self._last_off_grid:
            row = self.n - 1  # the newest row always shows the present: overwrite it
        else:
            if self.n == self.capacity:  # full: drop every other row, keep half as many
                kept = self.n // 2 + self.n % 2
                self.counts[:kept] = self.counts[0:self.n:2].copy()
                self.steps[:kept] = self.steps[0:self.n:2].copy()
                self.n = kept
                self.stride *= 2
            row = self.n
            self.n += 1
        self._store(row, step, edges, counts)
        self._last_off_grid = not on_grid

    def _store(self, row: int, step: int, edges: np.ndarray, counts: np.ndarray) -> None:
        self.steps[row] = step
        for layer in range(self.n_layers):
            self.counts[row, layer] = rebin(edges[layer], counts[layer], self.edges[layer])

    def _fit(self, layer: int, edges: np.ndarray, counts: np.ndarray, margin: float) -> None:
        """Choose or widen the layer's fixed edges so the new counts' occupied range fits."""
        nonzero = np.flatnonzero(counts > 0)
        if nonzero.size == 0:
            if not self.has_edges[layer]:
                return
            lo, hi = self.edges[layer, 0], self.edges[layer, -1]
        else:
            lo, hi = float(edges[nonzero[0]]), float(edges[nonzero[-1] + 1])
        if not self.has_edges[layer]:
            pad = margin * (hi - lo)
            self.edges[layer] = np.linspace(lo - pad, hi + pad, self.bins + 1)
            self.has_edges[layer] = True
            return
        old = self.edges[layer].copy()
        flo, fhi = old[0], old[-1]
        if lo >= flo and hi <= fhi:
            return
        new_lo, new_hi = min(lo, flo), max(hi, fhi)
        pad = margin * (new_hi - new_lo)
        new_lo -= pad if lo < flo else 0.0
        new_hi += pad if hi > fhi else 0.0
        self.edges[layer] = np.linspace(new_lo, new_hi, self.bins + 1)
        if self.n:
            self.counts[:self.n, layer] = rebin(old, self.counts[:self.n, layer],
                                                self.edges[layer])


class HistogramHistory:
    """Per kind and layer, histograms over time with bounded memory.

    ``add(step, kind, edges, counts)`` takes what :func:`layer_histograms` returns. At most
    ``capacity`` rows are kept per kind: when full, every other row is dropped and from then
    on only every ``stride``-th histogram becomes a row (the newest one is always shown), so
    the image spans the whole run at an even density. Bin edges are fixed per layer and
    widened (by ``margin`` of the range) when values fall outside them.
    """

    def __init__(self, bins: int = DEFAULT_BINS, capacity: int = DEFAULT_CAPACITY,
                 margin: float = 0.1) -> None:
        if bins < 1:
            raise NNStudioError(f"histograms need at least 1 bin, got {bins}")
        if capacity < 2:
            raise NNStudioError(f"a histogram history keeps at least 2 rows, got {capacity}")
        self.bins = int(bins)
        self.capacity = int(capacity)
        self.margin = float(margin)
        self._kinds: dict[str, _KindHistory] = {}

    def clear(self) -> None:
        self._kinds.clear()

    def kinds(self) -> list[str]:
        return [k for k in KINDS if k in self._kinds]

    def n_layers(self, kind: str) -> int:
        h = self._kinds.get(kind)
        return h.n_layers if h is not None else 0

    def add(self, step: int, kind: str, edges: np.ndarray, counts: np.ndarray) -> None:
        """One histogram per layer for ``kind`` at training step ``step``."""
        if kind not in KINDS:
            raise NNStudioError(f"unknown histogram kind {kind!r} (known: {', '.join(KINDS)})")
        edges = np.asarray(edges, dtype=np.float64)
        counts = np.asarray(counts, dtype=np.float64)
        if counts.ndim != 2 or edges.shape != (counts.shape[0], counts.shape[1] + 1):
            raise NNStudioError(f"{kind} histograms: edges of shape {edges.shape} do not fit "
                                f"counts of shape {counts.shape} (expected (L, bins + 1) "
                                "and (L, bins))")
        history = self._kinds.get(kind)
        if history is None or history.n_layers != counts.shape[0]:
            history = self._kinds[kind] = _KindHistory(counts.shape[0], self.bins,
                                                       self.capacity)
        history.add(int(step), edges, counts, self.margin)

    def add_all(self, step: int, by_kind: dict[str, tuple[np.ndarray, np.ndarray]]) -> None:
        """``add`` for every kind in ``{kind: (edges, counts)}``."""
        for kind, (edges, counts) in by_kind.items():
            self.add(step, kind, edges, counts)

    def __len__(self) -> int:
        return max((h.n for h in self._kinds.values()), default=0)

    def rows(self, kind: str) -> int:
        h = self._kinds.get(kind)
        return h.n if h is not None else 0

    def steps(self, kind: str) -> np.ndarray:
        h = self._kinds.get(kind)
        return h.steps[:h.n].copy() if h is not None else np.empty(0)

    def edges(self, kind: str, layer: int) -> np.ndarray | None:
        """The fixed bin edges of one layer (None before its first values)."""
        h = self._kinds.get(kind)
        if h is None or not h.has_edges[layer]:
            return None
        return h.edges[layer].copy()

    def image(self, kind: str, layer: int, normalize: bool = True, gamma: float = 1.0
              ) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
        """``(image (t, bins), steps (t,), edges (bins + 1,))`` of one layer, oldest row first;
        with ``normalize`` each row is divided by its largest count (0..1), then raised to
        ``gamma`` (< 1 brings out the tails). None before anything was added."""
        h = self._kinds.get(kind)
        if h is None or h.n == 0 or not h.has_edges[layer]:
            return None
        img = h.counts[:h.n, layer].copy()
        if normalize:
            peak = img.max(axis=1, keepdims=True)
            np.divide(img, peak, out=img, where=peak > 0)
            if gamma != 1.0:
                np.power(img, gamma, out=img)
        return img, h.steps[:h.n].copy(), h.edges[layer].copy()

    def percentiles(self, kind: str, layer: int, qs: Sequence[float] = (5, 50, 95)
                    ) -> tuple[np.ndarray, np.ndarray] | None:
        """``(steps (t,), values (t, len(qs)))``: percentiles of every kept row of one layer
        (counts taken as spread evenly within a bin). None before anything was added."""
        h = self._kinds.get(kind)
        if h is None or h.n == 0 or not h.has_edges[layer]:
            return None
        counts = h.counts[:h.n, layer]
        edges = h.edges[layer]
        totals = counts.sum(axis=1)
        cum = np.concatenate([np.zeros((h.n, 1)), np.cumsum(counts, axis=1)], axis=1)
        q = np.clip(np.asarray(qs, dtype=np.float64) / 100.0, 1e-9, 1.0)
        out = np.full((h.n, len(q)), np.nan)
        for row in np.flatnonzero(totals > 0):
            c = cum[row] / totals[row]
            # the bin where the cumulative share reaches q, then linear within it
            i = np.clip(np.searchsorted(c, q, side="left"), 1, len(c) - 1)
            frac = (q - c[i - 1]) / np.maximum(c[i] - c[i - 1], 1e-300)
            out[row] = edges[i - 1] + np.clip(frac, 0.0, 1.0) * (edges[i] - edges[i - 1])
        return h.steps[:h.n].copy(), out

    def latest(self, kind: str, layer: int) -> tuple[np.ndarray, np.ndarray] | None:
        """The most recent histogram of one layer exactly as added: ``(edges, counts)``."""
        h = self._kinds.get(kind)
        if h is None or h.latest is None:
            return None
        edges, counts = h.latest
        return edges[layer].copy(), counts[layer].copy()

    def latest_step(self, kind: str) -> int | None:
        h = self._kinds.get(kind)
        return None if h is None or h.latest is None else h.latest_step


def layer_summary(edges: np.ndarray, counts: np.ndarray) -> dict[str, float]:
    """Mean, standard deviation and (approximate) 5th/95th percentiles of a histogram."""
    edges = np.asarray(edges, dtype=np.float64)
    counts = np.asarray(counts, dtype=np.float64)
    total = counts.sum()
    if total <= 0:
        return {"mean": float("nan"), "std": float("nan"), "p5": float("nan"),
                "p95": float("nan"), "count": 0.0}
    centers = 0.5 * (edges[:-1] + edges[1:])
    mean = float((centers * counts).sum() / total)
    std = float(np.sqrt(max(((centers - mean) ** 2 * counts).sum() / total, 0.0)))
    cum = np.concatenate([[0.0], np.cumsum(counts)]) / total
    p5, p95 = np.interp([0.05, 0.95], cum, edges)
    return {"mean": mean, "std": std, "p5": float(p5), "p95": float(p95), "count": float(total)}


def layer_names_for(names: Sequence[str] | None, n_layers: int) -> list[str]:
    """``names`` padded to ``n_layers`` with Hidden i / Output."""
    default = [f"Hidden {i + 1}" for i in range(n_layers - 1)] + ["Output"]
    names = list(names or [])
    return names[:n_layers] + default[len(names):n_layers]


__all__ = ["DEFAULT_BINS", "DEFAULT_CAPACITY", "KINDS", "KIND_TITLES", "HistogramHistory",
           "all_histograms", "layer_histograms", "layer_summary", "layer_values",
           "overlap_matrix", "rebin"]
