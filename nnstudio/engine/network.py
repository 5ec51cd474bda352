"""The network: its spec (architecture as data) and the dense layers that compute it.

All weights and biases live in one flat buffer ``Network.params`` (gradients in
``Network.grads``); each layer's ``W``, ``b``, ``dW``, ``db`` are views into them, so an
optimizer updates the whole network with a few whole-buffer operations. Row-vector
convention: ``a = x; a = act(a @ W + b)`` layer by layer. (The work arrays of a pass are
kept transposed and the training pass is prebuilt per batch size: see ``_Buffers``.)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial
from typing import Any

import numpy as np

from nnstudio.engine.activations import ACTIVATIONS, Activation, Op, make_activation
from nnstudio.engine.errors import NNStudioError
from nnstudio.engine.initializers import resolve_initializer
from nnstudio.engine.losses import LOSSES, Loss, make_loss

TASKS = ("binary", "multiclass", "regression")

#: np.dot without NumPy's ``__array_function__`` dispatch (a Python call per use): the
#: training pass only ever hands it plain arrays
_dot = getattr(np.dot, "_implementation", np.dot)


@dataclass
class LayerSpec:
    """One layer: its number of units and activation (``alpha``: leaky_relu, ``pieces``: maxout)."""

    units: int
    activation: str = "tanh"
    alpha: float = 0.01
    pieces: int = 2

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"units": self.units, "activation": self.activation}
        if self.activation == "leaky_relu":
            d["alpha"] = self.alpha
        if self.activation == "maxout":
            d["pieces"] = self.pieces
        return d

    @classmethod
    def from_dict(cls, d: Any, where: str = "layer") -> LayerSpec:
        if not isinstance(d, dict):
            raise NNStudioError(f"{where}: expected an object with 'units' and 'activation'")
        unknown = set(d) - {"units", "activation", "alpha", "pieces"}
        if unknown:
            raise NNStudioError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}")
        units = d.get("units")
        if isinstance(units, bool) or not isinstance(units, int) or units < 1:
            raise NNStudioError(f"{where}: 'units' must be a whole number >= 1, got {units!r}")
        activation = d.get("activation", "tanh")
        if activation not in ACTIVATIONS:
            known = ", ".join(ACTIVATIONS)
            raise NNStudioError(f"{where}: unknown activation {activation!r} (known: {known})")
        alpha = d.get("alpha", 0.01)
        pieces = d.get("pieces", 2)
        if not isinstance(alpha, (int, float)) or isinstance(alpha, bool) or not 0 <= alpha <= 1:
            raise NNStudioError(f"{where}: 'alpha' must be a number from 0 to 1, got {alpha!r}")
        if isinstance(pieces, bool) or not isinstance(pieces, int) or pieces < 1:
            raise NNStudioError(f"{where}: 'pieces' must be a whole number >= 1, got {pieces!r}")
        return cls(int(units), str(activation), float(alpha), int(pieces))


@dataclass
class NetworkSpec:
    """Architecture as data: what the model file's ``meta/spec`` JSON holds."""

    inputs: int
    layers: list[LayerSpec]
    loss: str = "mse"
    task: str = "regression"
    classes: list | None = None
    feature_names: list[str] | None = None
    features: list[str] | None = None
    extra: dict[str, Any] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self.validate()

    def validate(self) -> None:
        if isinstance(self.inputs, bool) or not isinstance(self.inputs, int) or self.inputs < 1:
            raise NNStudioError(f"spec: 'inputs' must be a whole number >= 1, got {self.inputs!r}")
        if not self.layers:
            raise NNStudioError("spec: 'layers' must list at least the output layer")
        if self.loss not in LOSSES:
            raise NNStudioError(f"spec: unknown loss {self.loss!r} (known: {', '.join(LOSSES)})")
        if self.task not in TASKS:
            raise NNStudioError(f"spec: 'task' must be one of {', '.join(TASKS)}, got {self.task!r}")
        for i, layer in enumerate(self.layers[:-1]):
            if layer.activation == "softmax":
                raise NNStudioError(f"spec: layer {i}: softmax is only allowed on the output layer")
        make_loss(self.loss, self.layers[-1].activation)
        if self.features is not None and len(self.features) != self.inputs:
            raise NNStudioError(
                f"spec: 'features' lists {len(self.features)} inputs but 'inputs' is {self.inputs}"
            )

    @property
    def sizes(self) -> list[int]:
        """Units per layer, input layer first: 3-4-2 -> [3, 4, 2]."""
        return [self.inputs] + [layer.units for layer in self.layers]

    @property
    def n_neurons(self) -> int:
        """Neurons as the lecture notes count them: every layer but the input layer."""
        return sum(layer.units for layer in self.layers)

    @property
    def n_params(self) -> int:
        """Weights plus biases (maxout: one set per piece)."""
        total, fan_in = 0, self.inputs
        for layer in self.layers:
            width = layer.units * (layer.pieces if layer.activation == "maxout" else 1)
            total += fan_in * width + width
            fan_in = layer.units
        return total

    @property
    def n_outputs(self) -> int:
        return self.layers[-1].units

    def describe(self) -> str:
        """E.g. ``2-8-8-1 tanh,tanh,sigmoid / binary_cross_entropy``."""
        sizes = "-".join(str(s) for s in self.sizes)
        acts = ",".join(layer.activation for layer in self.layers)
        return f"{sizes} {acts} / {self.loss}"

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "inputs": self.inputs,
            "layers": [layer.to_dict() for layer in self.layers],
            "loss": self.loss,
            "task": self.task,
        }
        if self.classes is not None:
            d["classes"] = list(self.classes)
        if self.feature_names is not None:
            d["feature_names"] = list(self.feature_names)
        if self.features is not None:
            d["features"] = list(self.features)
        d.update(self.extra)
        return d

    @classmethod
    def from_dict(cls, d: Any) -> NetworkSpec:
        if not isinstance(d, dict):
            raise NNStudioError("spec: expected a JSON object")
        for key in ("inputs", "layers"):
            if key not in d:
                raise NNStudioError(f"spec: missing key {key!r}")
        if not isinstance(d["layers"], list):
            raise NNStudioError("spec: 'layers' must be a list")
        layers = [LayerSpec.from_dict(ld, f"spec: layer {i}") for i, ld in enumerate(d["layers"])]
        known = {"inputs", "layers", "loss", "task", "classes", "feature_names", "features"}
        extra = {k: v for k, v in d.items() if k not in known}
        for key in ("classes", "feature_names", "features"):
            if d.get(key) is not None and not isinstance(d[key], list):
                raise NNStudioError(f"spec: {key!r} must be a list")
        for key in ("feature_names", "features"):
            if d.get(key) is not None and not all(isinstance(s, str) for s in d[key]):
                raise NNStudioError(f"spec: {key!r} must be a list of strings")
        return cls(
            inputs=d["inputs"],
            layers=layers,
            loss=d.get("loss", "mse"),
            task=d.get("task", "regression"),
            classes=d.get("classes"),
            feature_names=d.get("feature_names"),
            features=d.get("features"),
            extra=extra,
        )

    def copy(self) -> NetworkSpec:
        return NetworkSpec.from_dict(self.to_dict())


def default_output(task: str, n_classes: int = 2, n_targets: int = 1) -> tuple[LayerSpec, str]:
    """The usual output layer and loss for a task: sigmoid + binary cross-entropy for two
    classes, softmax + cross-entropy for more, linear + MSE for regression."""
    if task == "binary":
        return LayerSpec(1, "sigmoid"), "binary_cross_entropy"
    if task == "multiclass":
        return LayerSpec(n_classes, "softmax"), "cross_entropy"
    if task == "regression":
        return LayerSpec(n_targets, "linear"), "mse"
    raise NNStudioError(f"unknown task {task!r} (known: {', '.join(TASKS)})")


def encode_targets(y: np.ndarray, spec: NetworkSpec, dtype: Any = np.float64) -> np.ndarray:
    """Targets as the output layer sees them, shape ``(n, n_outputs)``.

    Classification ``y`` holds class indices: one output unit gets a 0/1 column (-1/+1 for
    hinge), several get one-hot rows (-1/+1 for hinge). Regression ``y`` is reshaped.
    """
    y = np.asarray(y)
    n_out = spec.n_outputs
    if spec.task == "regression":
        Y = y.reshape(len(y), -1).astype(dtype)
        if Y.shape[1] != n_out:
            raise NNStudioError(f"the data has {Y.shape[1]} target column(s) but the network "
                                f"has {n_out} output unit(s)")
        return Y
    idx = y.astype(np.int64).ravel()
    if n_out == 1:
        if idx.size and (idx.min() < 0 or idx.max() > 1):
            raise NNStudioError("a single output unit needs exactly two classes")
        Y = idx.reshape(-1, 1).astype(dtype)
    else:
        if idx.size and (idx.min() < 0 or idx.max() >= n_out):
            raise NNStudioError(f"the data has class index {idx.max()} but the output layer "
                                f"has only {n_out} units")
        Y = np.zeros((idx.size, n_out), dtype=dtype)
        Y[np.arange(idx.size), idx] = 1.0
    if spec.loss == "hinge":
        Y = 2.0 * Y - 1.0
    return Y


class Dense:
    """A fully connected layer; ``W``, ``b``, ``dW``, ``db`` are views into the network's buffers.

    ``W`` is stored row-major right before ``b``, so ``Wb`` — the same memory seen as one
    ``(fan_in + 1, width)`` matrix ``[W; b]`` — turns ``a @ W + b`` into the single product
    ``[a, 1] @ Wb``, and ``dWb = [a, 1].T @ dz`` gives both gradients in one product.
    """

    def __init__(self, spec: LayerSpec, fan_in: int, params: np.ndarray, grads: np.ndarray,
                 offset: int) -> None:
        self.spec = spec
        self.act: Activation = make_activation(spec.activation, spec.alpha, spec.pieces)
        self.fan_in = fan_in
        self.units = spec.units
        self.width = self.act.width(spec.units)
        nw = fan_in * self.width
        self.size = nw + self.width
        self.Wb = params[offset:offset + self.size].reshape(fan_in + 1, self.width)
        self.dWb = grads[offset:offset + self.size].reshape(fan_in + 1, self.width)
        self.W = self.Wb[:fan_in]
        self.b = self.Wb[fan_in]
        self.dW = self.dWb[:fan_in]
        self.db = self.dWb[fan_in]
        self.WT = self.W.T  # for the backward product dz @ W.T
        self.w_slice = slice(offset, offset + nw)

    @property
    def activation(self) -> str:
        return self.spec.activation


class _Buffers:
    """Work arrays for one batch size, allocated once, and the forward and training passes
    as prebuilt operations over them.

    Every array is stored transposed, one row per unit: ``zT`` is ``(width, n)``. Then every
    product writes a C-contiguous block (so the cheap ``np.dot`` can do them all) and every
    element-wise pass runs over contiguous memory. ``z[i]``, ``a[i]``, ``dz[i]``, ``da[i]``
    are the usual ``(n, width)`` / ``(n, units)`` views of them.

    Every layer's input carries a row of ones, so that ``Wb.T @ [a; 1]`` adds the bias within
    the product (``Wb = [W; b]``, see :class:`Dense`). For a hidden layer whose activation has
    ``one_at`` (f(c) == 1 exactly for that constant c) the activation makes that row itself:
    ``zT`` has an extra row holding c, and f over the whole array writes the ones. The
    backward pass computes dJ/da for that row too (against the bias row of ``Wb``); it is
    never read. Other hidden layers (maxout) write beside a preset row of ones.

    Hidden layers whose activations share a ``slope_key`` keep their arrays as blocks of one
    buffer: the training pass computes all their local derivatives f'(z) at once and each
    layer's backward step is a single product.
    """

    def __init__(self, layers: list[Dense], n: int, inputs: int, dtype: Any, loss: Loss) -> None:
        self.n = n
        self.x = np.empty((n, inputs + 1), dtype)  # public inputs are copied here
        self.x[:, inputs] = 1.0
        self.x_view = self.x[:, :inputs]
        last = len(layers) - 1
        extended = [i < last and layer.act.one_at is not None and layer.act.elementwise
                    for i, layer in enumerate(layers)]
        groups: dict[tuple, list[int]] = {}
        for i, layer in enumerate(layers):
            key = layer.act.slope_key() if extended[i] else None
            if key is not None:
                groups.setdefault(key, []).append(i)
        zT_full: list[np.ndarray | None] = [None] * len(layers)
        aT_full: list[np.ndarray | None] = [None] * len(layers)
        slopes: list[np.ndarray | None] = [None] * len(layers)
        self.slope_ops: list[Op] = []
        for members in groups.values():
            size = sum(n * (layers[i].width + 1) for i in members)
            Z, A, S = (np.empty(size, dtype) for _ in range(3))
            offset = 0
            for i in members:
                shape = (layers[i].width + 1, n)
                block = slice(offset, offset + shape[0] * n)
                zT_full[i], aT_full[i] = Z[block].reshape(shape), A[block].reshape(shape)
                slopes[i] = S[block].reshape(shape)
                offset += shape[0] * n
            self.slope_ops += layers[members[0]].act.slope_ops(Z, A, S)
        self.z: list[np.ndarray] = []
        self.a: list[np.ndarray] = []
        self.dz: list[np.ndarray] = []
        self.da: list[np.ndarray] = []
        zT: list[np.ndarray] = []
        dzT: list[np.ndarray] = []
        dzT_full: list[np.ndarray] = []
        daT_full: list[np.ndarray] = []
        inputs_T: list[np.ndarray] = []  # the input (with its row of ones) of layer i + 1
        for i, layer in enumerate(layers):
            w, u = layer.width, layer.units
            if extended[i]:
                if zT_full[i] is None:
                    zT_full[i] = np.empty((w + 1, n), dtype)
                    aT_full[i] = np.empty((u + 1, n), dtype)
                zT_full[i][w] = layer.act.one_at
                aT_full[i][u] = 1.0
                dzf, daf = np.empty((w + 1, n), dtype), np.empty((u + 1, n), dtype)
                inputs_T.append(aT_full[i])
            elif i < last:  # the activation writes beside a row of ones
                zT_full[i] = np.empty((w, n), dtype)
                aT_full[i] = np.empty((u + 1, n), dtype)
                aT_full[i][u] = 1.0
                dzf, daf = np.empty((w, n), dtype), np.empty((u, n), dtype)
                inputs_T.append(aT_full[i])
            else:
                zT_full[i] = np.empty((w, n), dtype)
                # a linear output is z itself: no copy
                aT_full[i] = zT_full[i] if layer.activation == "linear" else \
                    np.empty((u, n), dtype)
                dzf, daf = np.empty((w, n), dtype), np.empty((u, n), dtype)
            zT.append(zT_full[i][:w])
            dzT.append(dzf[:w])
            dzT_full.append(dzf)
            daT_full.append(daf)
            self.z.append(zT[i].T)
            self.a.append(aT_full[i][:u].T)
            self.dz.append(dzT[i].T)
            self.da.append(daf[:u].T)
        self.scratch = np.empty((layers[-1].units, n), dtype).T  # for the loss, like a[-1]

        def activation_ops(i: int) -> list[Op]:
            act = layers[i].act
            if act.elementwise:  # on the whole transposed arrays, rows of ones included
                return act.forward_ops(zT_full[i], aT_full[i])
            return act.forward_ops(self.z[i], self.a[i])

        def products(i: int) -> list[Op]:
            return [partial(_dot, layers[i].Wb.T, inputs_T[i - 1], zT[i])] if i > 0 else []

        # inference and training; the first product takes the batch, so the caller does it
        fused = loss.fuses(layers[-1].act)
        self.forward_ops: list[Op] = []
        self.train_forward: list[Op] = []
        for i in range(len(layers)):
            self.forward_ops += products(i) + activation_ops(i)
            self.train_forward += products(i)
            if i < last or not fused:
                self.train_forward += activation_ops(i)
        self.z0T, self.dz0T = zT[0], dzT[0]
        self.loss_program = loss.program(self.z[last], self.a[last], self.dz[last],
                                         self.scratch, layers[last].act, fused)
        backward: list[Op] = []
        for i in range(last, 0, -1):
            below = layers[i - 1]
            # dWb = [a; 1] @ dz (as (fan_in + 1, width)); dJ/da below = Wb @ dzT
            backward.append(partial(_dot, inputs_T[i - 1], dzT[i].T, layers[i].dWb))
            rows = layers[i].Wb if extended[i - 1] else layers[i].W
            backward.append(partial(_dot, rows, dzT[i], daT_full[i - 1]))
            if below.act.elementwise:
                backward += below.act.backward_ops(zT_full[i - 1], aT_full[i - 1],
                                                   daT_full[i - 1], dzT_full[i - 1],
                                                   slopes[i - 1])
            else:
                backward += below.act.backward_ops(self.z[i - 1], self.a[i - 1],
                                                   self.da[i - 1], self.dz[i - 1])
        self.train_backward = backward


class Network:
    """A feed-forward network built from a :class:`NetworkSpec`."""

    def __init__(self, spec: NetworkSpec, init: str = "auto", seed: int | None = 0,
                 dtype: Any = np.float64, init_params: dict[str, float] | None = None) -> None:
        spec.validate()
        self.spec = spec
        self.dtype = np.dtype(dtype)
        if self.dtype not in (np.dtype(np.float64), np.dtype(np.float32)):
            raise NNStudioError(f"a network computes in float64 or float32, not {self.dtype}")
        self.init = init
        self.init_params = dict(init_params or {})
        self.params = np.zeros(spec.n_params, dtype=self.dtype)
        self.grads = np.zeros(spec.n_params, dtype=self.dtype)
        self.layers: list[Dense] = []
        offset, fan_in = 0, spec.inputs
        for layer_spec in spec.layers:
            layer = Dense(layer_spec, fan_in, self.params, self.grads, offset)
            self.layers.append(layer)
            offset += layer.size
            fan_in = layer_spec.units
        self.loss: Loss = make_loss(spec.loss, spec.layers[-1].activation)
        self._Wb0T, self._dWb0 = self.layers[0].Wb.T, self.layers[0].dWb
        self._buffers: dict[int, _Buffers] = {}
        self._last_n: int | None = None
        # per-layer sums of |grads| in one reduceat: segments W0, b0, W1, b1, ...
        starts = []
        for layer in self.layers:
            starts += [layer.w_slice.start, layer.w_slice.stop]
        self._segment_starts = np.array(starts, dtype=np.intp)
        self._segment_sums = np.empty(len(starts), dtype=self.dtype)
        self._weight_sums = self._segment_sums[::2]
        self._inv_weight_counts = np.array([1.0 / layer.W.size for layer in self.layers])
        self._abs_scratch = np.empty_like(self.grads)
        #: a work array like ``params``, free between the network's own uses (the trainer
        #: lends it to the optimizer: a step touches one scratch buffer, not two)
        self.scratch = self._abs_scratch
        # small float64 networks: the per-layer means in one product |grads| @ M
        self._mean_matrix: np.ndarray | None = None
        if self.dtype == np.float64 and spec.n_params <= 4096:
            M = np.zeros((spec.n_params, len(self.layers)))
            for k, layer in enumerate(self.layers):
                M[layer.w_slice, k] = 1.0 / layer.W.size
            self._mean_matrix = M
        self._weight_mask: np.ndarray | None = None  # 1 on weights, 0 on biases (lazy)
        self.reinitialize(seed)

    # --- set-up -----------------------------------------------------------------------
    def reinitialize(self, seed: int | None = 0) -> None:
        """Fresh weights from the initializer (biases zero), reproducible from ``seed``."""
        rng = np.random.default_rng(seed)
        for layer in self.layers:
            init = resolve_initializer(self.init, layer.activation)
            w = np.empty(layer.W.shape)
            for p in range(layer.act.pieces if layer.activation == "maxout" else 1):
                block = init(layer.fan_in, layer.units, rng, **self.init_params)
                if layer.activation == "maxout":
                    w[:, p::layer.act.pieces] = block
                else:
                    w[:] = block
            layer.W[:] = w
            layer.b[:] = 0.0

    @property
    def n_layers(self) -> int:
        return len(self.layers)

    def _buffers_for(self, n: int) -> _Buffers:
        buf = self._buffers.get(n)
        if buf is None:
            if len(self._buffers) >= 8:  # keep memory bounded when batch sizes vary
                self._buffers.pop(next(iter(self._buffers)))
            buf = _Buffers(self.layers, n, self.spec.inputs, self.dtype, self.loss)
            self._buffers[n] = buf
        return buf

    def _input(self, X: np.ndarray) -> tuple[_Buffers, np.ndarray]:
        """Copy a batch into the input buffer (beside its column of ones)."""
        X = np.asarray(X)
        if X.ndim != 2 or X.shape[1] != self.spec.inputs:
            raise NNStudioError(f"the network expects inputs of shape (n, {self.spec.inputs}), "
                                f"got {X.shape}")
        buf = self._buffers_for(X.shape[0])
        np.copyto(buf.x_view, X, casting="unsafe")
        return buf, buf.x

    def augment(self, X: np.ndarray) -> np.ndarray:
        """``X`` with a trailing column of ones, in the network's dtype: the form that
        :meth:`forward_augmented` and :meth:`loss_and_gradients_augmented` take."""
        X = np.asarray(X)
        if X.ndim != 2 or X.shape[1] != self.spec.inputs:
            raise NNStudioError(f"the network expects inputs of shape (n, {self.spec.inputs}), "
                                f"got {X.shape}")
        Xa = np.empty((X.shape[0], X.shape[1] + 1), self.dtype)
        Xa[:, :-1] = X
        Xa[:, -1] = 1.0
        return Xa

    def _check_targets(self, Y: np.ndarray, n: int) -> np.ndarray:
        Y = np.asarray(Y)
        if Y.shape != (n, self.spec.n_outputs):
            raise NNStudioError(f"the targets must have shape ({n}, {self.spec.n_outputs}) "
                                f"(one row per input, one column per output unit; see "
                                f"encode_targets), got {Y.shape}")
        return Y

    def _check_augmented(self, Xa: np.ndarray) -> np.ndarray:
        Xa = np.asarray(Xa)
        if Xa.ndim != 2 or Xa.shape[1] != self.spec.inputs + 1:
            raise NNStudioError(f"an augmented input has shape (n, {self.spec.inputs + 1}) "
                                f"(the inputs and a column of ones), got {Xa.shape}")
        return Xa if Xa.dtype == self.dtype else Xa.astype(self.dtype)

    # --- forward / backward -------------------------------------------------------------
    def forward(self, X: np.ndarray) -> np.ndarray:
        """Output activations for a batch. Returns an internal buffer: copy to keep it."""
        buf, Xa = self._input(X)
        return self._forward(buf, Xa)

    def forward_augmented(self, Xa: np.ndarray) -> np.ndarray:
        """Like :meth:`forward` for an input from :meth:`augment` (no copy of the batch)."""
        Xa = self._check_augmented(Xa)
        return self._forward(self._buffers_for(Xa.shape[0]), Xa)

    def _forward(self, buf: _Buffers, Xa: np.ndarray) -> np.ndarray:
        _dot(self._Wb0T, Xa.T, buf.z0T)
        for op in buf.forward_ops:
            op()
        self._last_n = buf.n
        return buf.a[-1]

    def forward_trace(self, X: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
        """(z, a) for every layer, as fresh arrays (for heatmaps and the inspector)."""
        X = np.asarray(X, dtype=self.dtype)
        self.forward(X)
        buf = self._buffers[X.shape[0]]
        return [(z.copy(), a.copy()) for z, a in zip(buf.z, buf.a)]

    def predict(self, X: np.ndarray) -> np.ndarray:
        """Outputs (probabilities for classification) as a new array."""
        return self.forward(np.asarray(X, dtype=self.dtype)).copy()

    def predict_classes(self, X: np.ndarray) -> np.ndarray:
        """Class indices for classification networks."""
        return self.classes_from_output(self.forward(np.asarray(X, dtype=self.dtype)))

    def classes_from_output(self, out: np.ndarray) -> np.ndarray:
        if out.shape[1] == 1:
            threshold = 0.5 if self.layers[-1].activation in ("sigmoid", "step") else 0.0
            return (out[:, 0] > threshold).astype(np.int64)
        return out.argmax(axis=1)

    def data_loss(self, X: np.ndarray, Y: np.ndarray) -> float:
        """The loss J without regularization, over a whole set."""
        buf, Xa = self._input(X)
        return self._data_loss(buf, Xa, self._check_targets(Y, len(Xa)))

    def data_loss_augmented(self, Xa: np.ndarray, Y: np.ndarray) -> float:
        """:meth:`data_loss` for an input from :meth:`augment`."""
        Xa = self._check_augmented(Xa)
        return self._data_loss(self._buffers_for(Xa.shape[0]), Xa, Y)

    def _data_loss(self, buf: _Buffers, Xa: np.ndarray, Y: np.ndarray) -> float:
        out = self._forward(buf, Xa)
        return self.loss.value(buf.z[-1], out, Y, self.layers[-1].act)

    def loss_and_gradients(self, X: np.ndarray, Y: np.ndarray, l1: float = 0.0,
                           l2: float = 0.0) -> float:
        """Forward and backward pass on one batch: fills ``grads``, returns J (with regularization)."""
        buf, Xa = self._input(X)
        return self._loss_and_gradients(buf, Xa, self._check_targets(Y, len(Xa)), l1, l2)

    def loss_and_gradients_augmented(self, Xa: np.ndarray, Y: np.ndarray, l1: float = 0.0,
                                     l2: float = 0.0) -> float:
        """:meth:`loss_and_gradients` for an input from :meth:`augment` (the training
        loop's path: the batch is a slice of a shuffled augmented copy, never copied)."""
        Xa = self._check_augmented(Xa)
        Y = self._check_targets(Y, len(Xa))
        return self._loss_and_gradients(self._buffers_for(Xa.shape[0]), Xa, Y, l1, l2)

    def _loss_and_gradients(self, buf: _Buffers, Xa: np.ndarray, Y: np.ndarray, l1: float,
                            l2: float) -> float:
        _dot(self._Wb0T, Xa.T, buf.z0T)
        for op in buf.train_forward:
            op()
        for op in buf.slope_ops:
            op()
        J = buf.loss_program(Y)
        for op in buf.train_backward:
            op()
        _dot(Xa.T, buf.dz0T.T, self._dWb0)
        self._last_n = buf.n
        if l1 or l2:
            J += self._regularize(l1, l2)
        return J

    def _regularize(self, l1: float, l2: float) -> float:
        """Add the penalty's gradient to ``grads`` (weights only); return its value."""
        mask = self._weight_mask
        if mask is None:
            mask = self._weight_mask = np.zeros_like(self.params)
            for layer in self.layers:
                mask[layer.w_slice] = 1.0
        s = self._abs_scratch
        params, grads = self.params, self.grads
        J = 0.0
        if l2:
            np.multiply(params, mask, out=s)
            J += 0.5 * l2 * float(np.vdot(s, s))
            np.multiply(s, l2, out=s)
            np.add(grads, s, out=grads)
        if l1:
            np.sign(params, out=s)
            np.multiply(s, mask, out=s)
            J += l1 * float(np.vdot(s, params))
            np.multiply(s, l1, out=s)
            np.add(grads, s, out=grads)
        return J

    def activations(self) -> list[np.ndarray]:
        """The activations of the last forward pass (internal buffers: read, don't keep)."""
        if self._last_n is None or self._last_n not in self._buffers:
            return []
        return self._buffers[self._last_n].a

    def grad_mean_abs(self, out: np.ndarray | None = None) -> np.ndarray:
        """Mean |dJ/dW| for every layer (weights only), from the last backward pass."""
        if out is None:
            return self._grad_mean_abs_into(np.empty(len(self.layers)))
        if out.dtype == np.float64 and out.flags.c_contiguous and out.shape == (self.n_layers,):
            return self._grad_mean_abs_into(out)
        out[...] = self._grad_mean_abs_into(np.empty(len(self.layers)))
        return out

    def _grad_mean_abs_into(self, out: np.ndarray) -> np.ndarray:
        """:meth:`grad_mean_abs` into a C-contiguous float64 ``out`` of shape (n_layers,)."""
        np.abs(self.grads, self._abs_scratch)
        if self._mean_matrix is not None:
            _dot(self._abs_scratch, self._mean_matrix, out)
            return out
        np.add.reduceat(self._abs_scratch, self._segment_starts, out=self._segment_sums)
        np.multiply(self._weight_sums, self._inv_weight_counts, out)
        return out

    # --- weights ------------------------------------------------------------------------
    def get_weights(self) -> list[tuple[np.ndarray, np.ndarray]]:
        return [(layer.W.copy(), layer.b.copy()) for layer in self.layers]

    def set_weights(self, weights: list[tuple[np.ndarray, np.ndarray]]) -> None:
        if len(weights) != len(self.layers):
            raise NNStudioError(f"expected weights for {len(self.layers)} layers, got {len(weights)}")
        for i, (layer, (W, b)) in enumerate(zip(self.layers, weights)):
            W, b = np.asarray(W), np.asarray(b)
            if W.shape != layer.W.shape or b.shape != layer.b.shape:
                raise NNStudioError(
                    f"layer {i}: weights {W.shape} / bias {b.shape} do not fit the layer's "
                    f"{layer.W.shape} / {layer.b.shape}"
                )
            layer.W[:] = W
            layer.b[:] = b

    def set_weight(self, layer: int, i: int, j: int, value: float) -> None:
        """Set W[i, j] of one layer (i: input unit, j: output column)."""
        self._check_layer(layer)
        W = self.layers[layer].W
        if not (0 <= i < W.shape[0] and 0 <= j < W.shape[1]):
            raise NNStudioError(f"layer {layer} has no weight ({i}, {j}); its shape is {W.shape}")
        W[i, j] = float(value)

    def set_bias(self, layer: int, j: int, value: float) -> None:
        self._check_layer(layer)
        b = self.layers[layer].b
        if not 0 <= j < b.shape[0]:
            raise NNStudioError(f"layer {layer} has no bias {j}; it has {b.shape[0]}")
        b[j] = float(value)

    def _check_layer(self, layer: int) -> None:
        if not 0 <= layer < len(self.layers):
            raise NNStudioError(f"there is no layer {layer}; the network has {len(self.layers)}")

    def copy(self) -> Network:
        """An independent network with the same spec and weights."""
        other = Network(self.spec.copy(), self.init, 0, self.dtype, self.init_params)
        other.params[:] = self.params
        return other
