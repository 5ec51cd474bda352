"""ONNX export: a trained network as an ONNX graph that ONNX Runtime (or any ONNX tool) runs.

The graph takes the RAW columns a model reads (the ones ``nnstudio predict`` reads from a
CSV, ``spec["feature_names"]``) and does everything :meth:`LoadedModel.predict_raw` does:

    input "input" [N, n_raw_columns]
      -> derived features (Gather of a column, Mul for x^2 and x*y, Sin, Cos), in the order
         of spec["features"]; a plain column selection is a single Gather
      -> standardization Sub(mean), Div(scale)
      -> every layer: MatMul + Add + activation
    output "output" [N, n_outputs]   (probabilities for classification)

By default the graph computes in float64 like the engine, so ONNX Runtime's outputs match
nnstudio's to about 1e-14 (the contract is 1e-6). ``dtype="float32"`` gives a float32 graph
(input too), which more runtimes and accelerators support; its outputs differ from nnstudio's
by float32 rounding: up to about 1e-5 (relative, for outputs larger than 1). A step
activation can then flip for a pre-activation within rounding of 0.

``onnx`` and ``onnxruntime`` are an optional extra: ``pip install 'nnstudio[onnx]'``.
This module imports ``onnx`` only when an export is asked for.
"""

from __future__ import annotations

import json
import os
from typing import Any

import numpy as np

from nnstudio.engine.errors import NNStudioError
from nnstudio.engine.fileio import atomic_write_bytes
from nnstudio.engine.modelfile import check_finite_weights
from nnstudio.engine.network import Network

MISSING_MESSAGE = "ONNX export needs the optional packages: pip install 'nnstudio[onnx]'"
DEFAULT_OPSET = 17
#: Softmax's axis semantics and the Greater/Cast/Sin/Cos/ReduceMax kernels we use need >= 13
MIN_OPSET = 13
INPUT_NAME = "input"
OUTPUT_NAME = "output"
#: metadata_props keys written into every exported model
META_VERSION = "nnstudio.version"
META_SPEC = "nnstudio.spec"
META_CLASSES = "nnstudio.classes"
META_COLUMNS = "nnstudio.input_columns"
META_TASK = "nnstudio.task"


def onnx_available() -> bool:
    """Whether the ``onnx`` package is installed (for greying out an Export ONNX action)."""
    try:
        import onnx  # noqa: F401
    except ImportError:
        return False
    return True


def _import_onnx() -> Any:
    try:
        import onnx
    except ImportError:
        raise NNStudioError(MISSING_MESSAGE) from None
    return onnx


def _resolve_dtype(dtype: Any) -> np.dtype:
    message = f"ONNX export computes in float64 or float32, not {dtype!r}"
    if dtype is None:  # np.dtype(None) would be float64
        raise NNStudioError(message)
    try:
        resolved = np.dtype(dtype)
    except TypeError:
        raise NNStudioError(message) from None
    if resolved not in (np.dtype(np.float64), np.dtype(np.float32)):
        raise NNStudioError(message)
    return resolved


def _check_opset(onnx: Any, opset: Any) -> int:
    newest = onnx.defs.onnx_opset_version()
    if isinstance(opset, bool) or not isinstance(opset, (int, np.integer)) \
            or not MIN_OPSET <= opset <= newest:
        raise NNStudioError(f"ONNX opset must be a whole number from {MIN_OPSET} to {newest} "
                            f"(the installed onnx package's newest), got {opset!r}")
    return int(opset)


def raw_columns(network: Network) -> list[str]:
    """Names of the graph's input columns: the model's raw columns (``x0, x1, ...`` if unnamed)."""
    spec = network.spec
    names = spec.feature_names
    if spec.features is not None and names is None:
        raise NNStudioError("spec: 'features' needs 'feature_names' (the raw columns they are "
                            "computed from)")
    if names is None:
        return [f"x{k}" for k in range(spec.inputs)]
    if spec.features is None and len(names) != spec.inputs:
        raise NNStudioError(f"spec: 'feature_names' lists {len(names)} columns but 'inputs' is "
                            f"{spec.inputs}")
    return [str(n) for n in names]


class _Graph:
    """Collects nodes and initializers; every tensor gets a fresh, readable name."""

    def __init__(self, onnx: Any, dtype: np.dtype) -> None:
        self.onnx = onnx
        self.helper = onnx.helper
        self.dtype = dtype
        self.elem = (onnx.TensorProto.DOUBLE if dtype == np.float64
                     else onnx.TensorProto.FLOAT)
        self.nodes: list[Any] = []
        self.initializers: list[Any] = []
        self._used: set[str] = {INPUT_NAME, OUTPUT_NAME}

    def name(self, base: str) -> str:
        candidate, k = base, 1
        while candidate in self._used:
            k += 1
            candidate = f"{base}_{k}"
        self._used.add(candidate)
        return candidate

    def const(self, base: str, value: np.ndarray) -> str:
        name = self.name(base)
        self.initializers.append(self.onnx.numpy_helper.from_array(np.ascontiguousarray(value),
                                                                    name))
        return name

    def floats(self, base: str, value: Any) -> str:
        return self.const(base, np.asarray(value, dtype=self.dtype))

    def ints(self, base: str, value: Any) -> str:
        return self.const(base, np.asarray(value, dtype=np.int64))

    def op(self, op_type: str, inputs: list[str], base: str, output: str | None = None,
           **attrs: Any) -> str:
        out = output if output is not None else self.name(base)
        self.nodes.append(self.helper.make_node(op_type, inputs, [out], name=self.name(
            f"{base}/{op_type}"), **attrs))
        return out


def _features(g: _Graph, x: str, network: Network, columns: list[str]) -> str:
    """The network's input columns (before standardization) from the raw input ``x``."""
    from nnstudio.engine.features import canonical, parse_feature

    features = network.spec.features
    if features is None:
        return x
    terms = [parse_feature(expr, columns) for expr in features]
    spelled = [canonical(t, columns) for t in terms]
    if len(set(spelled)) != len(spelled):
        repeated = sorted({s for s in spelled if spelled.count(s) > 1})
        raise NNStudioError(f"spec: input feature listed twice: {', '.join(repeated)}")
    if all(kind == "raw" for kind, _, _ in terms):
        picked = [i for _, i, _ in terms]
        if picked == list(range(len(columns))):
            return x
        return g.op("Gather", [x, g.ints("features/columns", picked)], "features/selected",
                    axis=1)
    column_cache: dict[int, str] = {}

    def column(i: int) -> str:  # (N, 1)
        if i not in column_cache:
            safe = f"col{i}"
            column_cache[i] = g.op("Gather", [x, g.ints(f"features/{safe}_index", [i])],
                                   f"features/{safe}", axis=1)
        return column_cache[i]

    parts = []
    for k, (kind, i, j) in enumerate(terms):
        if kind == "raw":
            parts.append(column(i))
        elif kind in ("square", "product"):
            parts.append(g.op("Mul", [column(i), column(j)], f"features/f{k}"))
        elif kind == "sin":
            parts.append(g.op("Sin", [column(i)], f"features/f{k}"))
        else:
            parts.append(g.op("Cos", [column(i)], f"features/f{k}"))
    if len(parts) == 1:
        return parts[0]
    return g.op("Concat", parts, "features/all", axis=1)


def _standardize(g: _Graph, x: str, network: Network, standardizer: Any) -> str:
    if standardizer is None:
        return x
    n = network.spec.inputs
    mean = np.asarray(standardizer.mean, dtype=np.float64).reshape(-1)
    scale = np.asarray(standardizer.scale, dtype=np.float64).reshape(-1)
    if mean.shape != (n,) or scale.shape != (n,):
        raise NNStudioError(f"the standardization has {mean.size} columns but the network has "
                            f"{n} inputs")
    centred = g.op("Sub", [x, g.floats("standardize/mean", mean)], "standardize/centred")
    return g.op("Div", [centred, g.floats("standardize/scale", scale)], "standardize/scaled")


def _activation(g: _Graph, z: str, layer: Any, k: int, opset: int, last: bool) -> str:
    """The activation node(s) of layer ``k``; the last layer writes "output"."""
    out = OUTPUT_NAME if last else None
    base = f"layer{k}/a"
    name = layer.activation
    if name == "linear":  # only hidden layers come here: a linear output layer is its Add
        return z
    if name == "step":
        positive = g.op("Greater", [z, g.floats(f"layer{k}/zero", 0.0)], f"layer{k}/positive")
        return g.op("Cast", [positive], base, out, to=g.elem)
    if name == "sigmoid":
        return g.op("Sigmoid", [z], base, out)
    if name == "tanh":
        return g.op("Tanh", [z], base, out)
    if name == "relu":
        return g.op("Relu", [z], base, out)
    if name == "leaky_relu":
        alpha = float(layer.act.alpha)
        if g.dtype == np.float32:
            return g.op("LeakyRelu", [z], base, out, alpha=alpha)
        # ONNX Runtime has no double LeakyRelu kernel for most opsets; max(z, alpha*z) is the
        # engine's own formula (exact for 0 <= alpha <= 1) and runs everywhere.
        scaled = g.op("Mul", [z, g.floats(f"layer{k}/alpha", alpha)], f"layer{k}/alpha_z")
        return g.op("Max", [z, scaled], base, out)
    if name == "softmax":
        return g.op("Softmax", [z], base, out, axis=-1)
    if name == "maxout":
        pieces = int(layer.act.pieces)
        # shape 0 copies N from z (so an empty batch works too)
        grouped = g.op("Reshape", [z, g.ints(f"layer{k}/pieces_shape", [0, layer.units, pieces])],
                       f"layer{k}/pieces")
        if opset >= 18:  # ReduceMax-18 takes the axes as an input
            return g.op("ReduceMax", [grouped, g.ints(f"layer{k}/piece_axis", [2])], base, out,
                        keepdims=0)
        return g.op("ReduceMax", [grouped], base, out, axes=[2], keepdims=0)
    raise NNStudioError(f"layer {k}: activation {name!r} cannot be exported to ONNX")


def onnx_model(network: Network, standardizer: Any = None, opset: int = DEFAULT_OPSET,
               dtype: Any = np.float64) -> Any:
    """The exported graph as an ``onnx.ModelProto`` (checked with ``onnx.checker``)."""
    onnx = _import_onnx()
    helper = onnx.helper
    opset = _check_opset(onnx, opset)
    dtype = _resolve_dtype(dtype)
    spec = network.spec
    columns = raw_columns(network)
    g = _Graph(onnx, dtype)

    a = _standardize(g, _features(g, INPUT_NAME, network, columns), network, standardizer)
    last = len(network.layers) - 1
    for k, layer in enumerate(network.layers):
        W, b = np.asarray(layer.W), np.asarray(layer.b)
        check_finite_weights(k, W, b, "exporting", NNStudioError)
        product = g.op("MatMul", [a, g.floats(f"layer{k}/weights", W)], f"layer{k}/product")
        z = g.op("Add", [product, g.floats(f"layer{k}/bias", b)], f"layer{k}/z",
                 OUTPUT_NAME if k == last and layer.activation == "linear" else None)
        if k == last and layer.activation == "linear":
            a = z
        else:
            a = _activation(g, z, layer, k, opset, k == last)

    n_out = spec.n_outputs
    inputs = [helper.make_tensor_value_info(INPUT_NAME, g.elem, ["N", len(columns)])]
    inputs[0].doc_string = "raw input columns: " + ", ".join(columns)
    outputs = [helper.make_tensor_value_info(OUTPUT_NAME, g.elem, ["N", n_out])]
    outputs[0].doc_string = _output_doc(network)
    graph = helper.make_graph(g.nodes, "nnstudio", inputs, outputs, g.initializers,
                              doc_string=spec.describe())
    opsets = [helper.make_opsetid("", opset)]
    model = helper.make_model(graph, opset_imports=opsets, producer_name="nnstudio",
                              producer_version=_version(), doc_string=_doc(network))
    # the oldest IR version that carries this opset, so older runtimes load the file too
    model.ir_version = helper.find_min_ir_version_for(opsets)
    helper.set_model_props(model, _metadata(network, columns))
    try:
        onnx.checker.check_model(model, full_check=True)
    except Exception as exc:  # a bug here, not bad user input: say so plainly
        raise NNStudioError(f"the exported ONNX graph failed onnx's own check ({exc}); "
                            "please report this as an nnstudio bug") from None
    return model


def _version() -> str:
    from nnstudio import __version__

    return str(__version__)


def _output_doc(network: Network) -> str:
    spec = network.spec
    classes = [str(c) for c in spec.classes or []]
    if spec.task == "regression" or not classes:
        return f"{spec.n_outputs} regression output(s)"
    if spec.n_outputs == 1:
        return f"the output unit for class {classes[-1]!r} (classes: {', '.join(classes)})"
    return f"one column per class: {', '.join(classes)}"


def _doc(network: Network) -> str:
    return (f"nnstudio {_version()} model {network.spec.describe()} ({network.spec.task}). "
            f"Input: the raw columns; the graph computes derived features and the input "
            f"standardization itself.")


def _metadata(network: Network, columns: list[str]) -> dict[str, str]:
    spec = network.spec
    return {
        META_VERSION: _version(),
        META_SPEC: json.dumps(spec.to_dict(), ensure_ascii=False),
        META_CLASSES: json.dumps(list(spec.classes) if spec.classes is not None else [],
                                 ensure_ascii=False),
        META_COLUMNS: json.dumps(columns, ensure_ascii=False),
        META_TASK: spec.task,
    }


def onnx_bytes(network: Network, standardizer: Any = None, opset: int = DEFAULT_OPSET,
               dtype: Any = np.float64) -> bytes:
    """The ``.onnx`` file content for ``network`` (and its input standardization)."""
    return onnx_model(network, standardizer, opset, dtype).SerializeToString()


def export_onnx(path: str | os.PathLike[str], network: Network, standardizer: Any = None,
                opset: int = DEFAULT_OPSET, dtype: Any = np.float64) -> None:
    """Write ``network`` (with its input standardization, if any) as an ONNX file, atomically.

    The graph's input "input" is ``[N, raw columns]`` float (float64 unless ``dtype`` says
    float32); its output "output" is ``[N, n_outputs]``. Raises :class:`NNStudioError` if
    onnx is not installed, the network cannot be exported, or the file cannot be written.
    """
    data = onnx_bytes(network, standardizer, opset, dtype)
    try:
        atomic_write_bytes(path, data)
    except OSError as exc:
        raise NNStudioError(f"{path}: cannot write the ONNX file "
                            f"({exc.strerror or exc})") from None


def export_model_onnx(path: str | os.PathLike[str], model: Any, opset: int = DEFAULT_OPSET,
                      dtype: Any = np.float64) -> None:
    """:func:`export_onnx` for a :class:`~nnstudio.engine.modelfile.LoadedModel`."""
    export_onnx(path, model.network, model.standardizer, opset, dtype)


__all__ = ["DEFAULT_OPSET", "MISSING_MESSAGE", "export_model_onnx", "export_onnx",
           "onnx_available", "onnx_bytes", "onnx_model", "raw_columns"]
