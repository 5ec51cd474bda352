"""The network: its spec (architecture as data) and the dense layers that compute it.

All weights and biases live in one flat buffer ``Network.params`` (gradients in
``Network.grads``); each layer's ``W``, ``b``, ``dW``, ``db`` are views into them, so an
optimizer updates the whole network with a few whole-buffer operations. Row-vector
convention: ``a = x; a = act(a @ W + b)`` layer by layer.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from nnstudio.engine.activations import ACTIVATIONS, Activation, make_activation
from nnstudio.engine.errors import NNStudioError
from nnstudio.engine.initializers import resolve_initializer
from nnstudio.engine.losses import LOSSES, Loss, make_loss, regularization_value

TASKS = ("binary", "multiclass", "regression")


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
    """A fully connected layer; ``W``, ``b``, ``dW``, ``db`` are views into the network's buffers."""

    def __init__(self, spec: LayerSpec, fan_in: int, params: np.ndarray, grads: np.ndarray,
                 offset: int) -> None:
        self.spec = spec
        self.act: Activation = make_activation(spec.activation, spec.alpha, spec.pieces)
        self.fan_in = fan_in
        self.units = spec.units
        self.width = self.act.width(spec.units)
        nw = fan_in * self.width
        self.W = params[offset:offset + nw].reshape(fan_in, self.width)
        self.b = params[offset + nw:offset + nw + self.width]
        self.dW = grads[offset:offset + nw].reshape(fan_in, self.width)
        self.db = grads[offset + nw:offset + nw + self.width]
        self.w_slice = slice(offset, offset + nw)
        self.size = nw + self.width

    @property
    def activation(self) -> str:
        return self.spec.activation


class _Buffers:
    """Per-batch-size work arrays, allocated once and reused."""

    def __init__(self, layers: list[Dense], n: int, dtype: Any) -> None:
        self.z = [np.empty((n, layer.width), dtype) for layer in layers]
        self.a = [np.empty((n, layer.units), dtype) for layer in layers]
        self.dz = [np.empty((n, layer.width), dtype) for layer in layers]
        self.da = [np.empty((n, layer.units), dtype) for layer in layers]


class Network:
    """A feed-forward network built from a :class:`NetworkSpec`."""

    def __init__(self, spec: NetworkSpec, init: str = "auto", seed: int | None = 0,
                 dtype: Any = np.float64, init_params: dict[str, float] | None = None) -> None:
        spec.validate()
        self.spec = spec
        self.dtype = np.dtype(dtype)
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
        self._buffers: dict[int, _Buffers] = {}
        self._last_n: int | None = None
        # segment starts for per-layer sums over |grads| (W0, b0, W1, b1, ...)
        starts = []
        for layer in self.layers:
            starts += [layer.w_slice.start, layer.w_slice.stop]
        self._segment_starts = np.array(starts, dtype=np.intp)
        self._weight_counts = np.array([layer.W.size for layer in self.layers], dtype=float)
        self._abs_scratch = np.empty_like(self.grads)
        self.reinitialize(seed)

    # --- set-up -----------------------------------------------------------------------
    def reinitialize(self, seed: int | None = 0) -> None:
        """Fresh weights from the initializer (biases zero), reproducible from ``seed``."""
        rng = np.random.default_rng(seed)
        for layer in self.layers:
            init = resolve_initializer(self.init, layer.activation)
            w = np.empty_like(layer.W)
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
            if len(self._buffers) >= 6:  # keep memory bounded when batch sizes vary
                self._buffers.pop(next(iter(self._buffers)))
            buf = _Buffers(self.layers, n, self.dtype)
            self._buffers[n] = buf
        return buf

    # --- forward / backward -------------------------------------------------------------
    def forward(self, X: np.ndarray) -> np.ndarray:
        """Output activations for a batch. Returns an internal buffer: copy to keep it."""
        buf = self._buffers_for(X.shape[0])
        a = X
        for layer, z, out in zip(self.layers, buf.z, buf.a):
            np.matmul(a, layer.W, out=z)
            z += layer.b
            a = layer.act.forward(z, out)
        self._last_n = X.shape[0]
        return a

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
        out = self.forward(X)
        buf = self._buffers[X.shape[0]]
        return self.loss.value(buf.z[-1], out, Y)

    def loss_and_gradients(self, X: np.ndarray, Y: np.ndarray, l1: float = 0.0,
                           l2: float = 0.0) -> float:
        """Forward and backward pass on one batch: fills ``grads``, returns J (with regularization)."""
        out = self.forward(X)
        buf = self._buffers[X.shape[0]]
        layers = self.layers
        last = len(layers) - 1
        J = self.loss.value(buf.z[last], out, Y)
        delta = self.loss.output_delta(buf.z[last], out, Y, layers[last].act, buf.dz[last])
        for i in range(last, -1, -1):
            layer = layers[i]
            a_prev = X if i == 0 else buf.a[i - 1]
            np.matmul(a_prev.T, delta, out=layer.dW)
            np.sum(delta, axis=0, out=layer.db)
            if i > 0:
                grad_a = np.matmul(delta, layer.W.T, out=buf.da[i - 1])
                below = layers[i - 1]
                delta = below.act.backward(buf.z[i - 1], buf.a[i - 1], grad_a, buf.dz[i - 1])
        if l1 or l2:
            J += self._regularize(l1, l2)
        return J

    def _regularize(self, l1: float, l2: float) -> float:
        for layer in self.layers:
            if l2:
                layer.dW += l2 * layer.W
            if l1:
                layer.dW += l1 * np.sign(layer.W)
        return regularization_value([layer.W for layer in self.layers], l1, l2)

    def activations(self) -> list[np.ndarray]:
        """The activations of the last forward pass (internal buffers: read, don't keep)."""
        if self._last_n is None:
            return []
        return self._buffers[self._last_n].a

    def grad_mean_abs(self, out: np.ndarray | None = None) -> np.ndarray:
        """Mean |dJ/dW| for every layer (weights only), from the last backward pass."""
        np.abs(self.grads, out=self._abs_scratch)
        sums = np.add.reduceat(self._abs_scratch, self._segment_starts)[::2]
        if out is None:
            return sums / self._weight_counts
        np.divide(sums, self._weight_counts, out=out)
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
