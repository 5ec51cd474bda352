"""Model files: a trained network as a plain ``.npz`` that anyone with NumPy can read.

Layout (DESIGN.md, "Model file"): ``meta/format`` = ``"nnstudio.model"``, ``meta/version``
= 1, ``meta/spec`` = the architecture as JSON, ``layer{i}/weights`` ``(fan_in, fan_out)``
and ``layer{i}/bias`` ``(fan_out,)`` for every layer, and optionally ``meta/input_mean`` and
``meta/input_scale`` (the network sees ``(x - mean) / scale``).

Files are written with ``numpy.savez_compressed`` to a temporary name and renamed into place.
Reading never unpickles (``allow_pickle=False``) and checks every key, dtype and shape
before trusting it; any problem is a :class:`ModelFileError` naming the file and the key.
"""

from __future__ import annotations

import io
import json
import math
import os
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from nnstudio.engine.errors import ModelFileError, NNStudioError
from nnstudio.engine.fileio import atomic_write_bytes
from nnstudio.engine.network import Network, NetworkSpec

FORMAT = "nnstudio.model"
VERSION = 1
#: no array in an nnstudio model is anywhere near this large; a bigger one means damage
MAX_ARRAY_BYTES = 1 << 30
_SPEC_KEYS = ("inputs", "layers", "loss", "task", "classes", "feature_names", "features")


# --- writing ----------------------------------------------------------------------------------

def check_finite_weights(index: int, W: np.ndarray, b: np.ndarray, verb: str,
                         error: type[NNStudioError] = ModelFileError) -> None:
    """Refuse layer ``index``'s weights ``W`` and bias ``b`` if any is NaN or infinite: raise
    ``error`` saying to reset or retrain before ``verb`` (``"saving"``, ``"exporting"``)."""
    if not (np.isfinite(W).all() and np.isfinite(b).all()):
        raise error(
            f"layer {index} has NaN or infinite weights (training diverged); reset the network "
            f"or train with a smaller learning rate before {verb}"
        )


def model_arrays(network: Network, standardizer: Any = None) -> dict[str, np.ndarray]:
    """The arrays of a model file, by key (see the module docstring)."""
    spec = network.spec
    arrays: dict[str, np.ndarray] = {
        "meta/format": np.array(FORMAT),
        "meta/version": np.array(VERSION, dtype=np.int64),
        "meta/spec": np.array(json.dumps(spec.to_dict(), ensure_ascii=False)),
    }
    for i, layer in enumerate(network.layers):
        W, b = np.array(layer.W), np.array(layer.b)
        check_finite_weights(i, W, b, "saving", ModelFileError)
        arrays[f"layer{i}/weights"] = W
        arrays[f"layer{i}/bias"] = b
    if standardizer is not None:
        mean = np.asarray(standardizer.mean, dtype=np.float64).reshape(-1)
        scale = np.asarray(standardizer.scale, dtype=np.float64).reshape(-1)
        if mean.shape != (spec.inputs,) or scale.shape != (spec.inputs,):
            raise ModelFileError(
                f"the standardization has {mean.size} columns but the network has "
                f"{spec.inputs} inputs"
            )
        arrays["meta/input_mean"] = mean
        arrays["meta/input_scale"] = scale
    return arrays


def model_bytes(network: Network, standardizer: Any = None) -> bytes:
    """The ``.npz`` file content for ``network`` (and its input standardization)."""
    buffer = io.BytesIO()
    np.savez_compressed(buffer, **model_arrays(network, standardizer))
    return buffer.getvalue()


def save_model(path: str | os.PathLike[str], network: Network, standardizer: Any = None) -> None:
    """Write the model file atomically; raises :class:`ModelFileError` if it cannot."""
    data = model_bytes(network, standardizer)
    try:
        atomic_write_bytes(path, data)
    except OSError as exc:
        raise ModelFileError(f"{path}: cannot write the model file "
                             f"({exc.strerror or exc})") from None


# --- the loaded model -------------------------------------------------------------------------

@dataclass
class LoadedModel:
    """A network read from a model file, with its input standardization (if any)."""

    network: Network
    standardizer: Any = None  # preprocessing.Standardizer | None
    version: int = VERSION
    path: str | None = None

    @property
    def spec(self) -> NetworkSpec:
        return self.network.spec

    @property
    def input_columns(self) -> list[str] | None:
        """The raw columns the model reads (``feature_names``), if the file names them."""
        names = self.spec.feature_names
        return list(names) if names is not None else None

    def inputs(self, X_raw: np.ndarray) -> np.ndarray:
        """The network's inputs for raw rows: derived features, then standardization."""
        X = np.asarray(X_raw, dtype=np.float64)
        if X.ndim == 1:
            X = X.reshape(1, -1)
        spec = self.spec
        names = spec.feature_names
        expected = len(names) if names is not None else spec.inputs
        if X.ndim != 2 or X.shape[1] != expected:
            cols = f" ({', '.join(names)})" if names else ""
            raise NNStudioError(
                f"the model reads {expected} input column(s){cols}, but the data has "
                f"{X.shape[-1] if X.ndim else 0}"
            )
        if names is not None and spec.features is not None:
            from nnstudio.engine.features import expand_features

            X = expand_features(X, names, spec.features)
        if self.standardizer is not None:
            X = self.standardizer.transform(X)
        return X

    def predict_raw(self, X_raw: np.ndarray) -> np.ndarray:
        """Outputs for raw rows (probabilities for classification), shape ``(n, n_outputs)``."""
        X = self.inputs(X_raw)
        with np.errstate(over="ignore", invalid="ignore"):
            return self.network.predict(X)

    def predict_classes(self, X_raw: np.ndarray) -> np.ndarray:
        """Class indices for a classification model."""
        X = self.inputs(X_raw)
        with np.errstate(over="ignore", invalid="ignore"):
            return self.network.predict_classes(X)


# --- reading ------------------------------------------------------------------------------------

class _Reader:
    """Reads and checks one model file; every error names the file and the key."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self.label = str(path)

    def fail(self, message: str, key: str | None = None) -> ModelFileError:
        where = f"{self.label}: {key}" if key else self.label
        return ModelFileError(f"{where}: {message}")

    def open(self) -> Any:
        if self.path.is_dir():
            raise self.fail("is a folder, not a model file")
        try:
            with open(self.path, "rb") as handle:
                head = handle.read(4)
        except FileNotFoundError:
            raise self.fail("no such model file") from None
        except OSError as exc:
            raise self.fail(f"cannot read the file ({exc.strerror or exc})") from None
        if not head:
            raise self.fail("the file is empty; it is not an nnstudio model (.npz)")
        if head == b"\x93NUM":
            raise self.fail("not an nnstudio model file: it is a single NumPy array (.npy), "
                            "not an .npz archive")
        if head[:2] != b"PK":
            raise self.fail("not an nnstudio model file: it is not an .npz (zip) archive")
        try:
            if not zipfile.is_zipfile(self.path):
                raise self.fail("the file is truncated or damaged: it is not a complete .npz "
                                "(zip) archive")
            return np.load(self.path, allow_pickle=False)
        except ModelFileError:
            raise
        except Exception as exc:  # a damaged archive can fail in many ways
            raise self.fail(f"the file is damaged and cannot be opened as .npz ({exc})") from None

    def array(self, npz: Any, key: str) -> np.ndarray:
        """One array, after checking its header (never pickled, never absurdly large)."""
        names = npz.zip.namelist()
        member = key + ".npy" if key + ".npy" in names else key
        try:
            info = npz.zip.getinfo(member)
            with npz.zip.open(info) as handle:
                version = np.lib.format.read_magic(handle)
                if version == (1, 0):
                    shape, _, dtype = np.lib.format.read_array_header_1_0(handle)
                elif version == (2, 0):
                    shape, _, dtype = np.lib.format.read_array_header_2_0(handle)
                else:
                    raise ValueError(f"unsupported .npy format version {version}")
        except Exception as exc:
            raise self.fail(f"is not a readable NumPy array ({exc})", key) from None
        if dtype.hasobject:
            raise self.fail("holds Python objects (pickled data), which nnstudio never loads "
                            "for safety; this is not an nnstudio model", key)
        nbytes = math.prod(shape) * dtype.itemsize
        if nbytes > MAX_ARRAY_BYTES or nbytes > info.file_size:
            raise self.fail(f"declares an array of shape {shape} that the file does not hold "
                            "(the file is damaged)", key)
        try:
            value = npz[key]
        except Exception as exc:
            raise self.fail(f"cannot be read; the file is damaged ({exc})", key) from None
        if not isinstance(value, np.ndarray):
            raise self.fail("is not a NumPy array", key)
        return value

    def text(self, npz: Any, key: str) -> str:
        value = self.array(npz, key)
        if value.shape != () or value.dtype.kind not in "US":
            raise self.fail(f"must be a single string, got an array of {value.dtype} with "
                            f"shape {value.shape}", key)
        item = value.item()
        if isinstance(item, bytes):
            try:
                item = item.decode("utf-8")
            except UnicodeDecodeError:
                raise self.fail("is not UTF-8 text", key) from None
        return str(item)

    def float_array(self, npz: Any, key: str, shape: tuple[int, ...]) -> np.ndarray:
        value = self.array(npz, key)
        if value.dtype.kind != "f":
            raise self.fail(f"must hold floating-point numbers, got {value.dtype}", key)
        if value.shape != shape:
            raise self.fail(f"has shape {value.shape}, but the spec needs {shape}", key)
        if not np.isfinite(value).all():
            raise self.fail("contains NaN or infinite values", key)
        return value.astype(np.float64)

    def spec(self, text: str) -> NetworkSpec:
        key = "meta/spec"
        try:
            d = json.loads(text)
        except json.JSONDecodeError as exc:
            raise self.fail(f"is not valid JSON (line {exc.lineno}, column {exc.colno}: "
                            f"{exc.msg})", key) from None
        except RecursionError:
            raise self.fail("is not valid JSON (nested too deeply)", key) from None
        if not isinstance(d, dict):
            raise self.fail("must be a JSON object", key)
        for name in d:
            if name not in _SPEC_KEYS:
                raise self.fail(f"unknown key {name!r} (known: {', '.join(_SPEC_KEYS)})", key)
        try:
            spec = NetworkSpec.from_dict(d)
        except NNStudioError as exc:
            raise self.fail(str(exc).removeprefix("spec: "), key) from None
        except (TypeError, ValueError) as exc:
            raise self.fail(f"is not a valid network description ({exc})", key) from None
        self.check_spec(spec)
        return spec

    def check_spec(self, spec: NetworkSpec) -> None:
        key = "meta/spec"
        n_out = spec.n_outputs
        if spec.task == "regression":
            if spec.classes is not None:
                raise self.fail("a regression model has no 'classes'", key)
        else:
            classes = spec.classes
            if classes is None:
                raise self.fail(f"a {spec.task} model needs 'classes' (the class labels)", key)
            if not all(isinstance(c, (str, int, float)) and not isinstance(c, bool)
                       for c in classes):
                raise self.fail("'classes' must hold text or numbers", key)
            if len({str(c) for c in classes}) != len(classes):
                raise self.fail("'classes' lists a label twice", key)
            if spec.task == "binary":
                if len(classes) != 2 or n_out not in (1, 2):
                    raise self.fail("a binary model needs 2 classes and 1 or 2 output units, "
                                    f"got {len(classes)} classes and {n_out} units", key)
            elif len(classes) != n_out or n_out < 2:
                raise self.fail(f"a multiclass model needs one output unit per class, got "
                                f"{len(classes)} classes and {n_out} units", key)
        names = spec.feature_names
        if names is not None:
            if len(set(names)) != len(names) or not all(names):
                raise self.fail("'feature_names' must be distinct, non-empty names", key)
            if spec.features is None and len(names) != spec.inputs:
                raise self.fail(f"'feature_names' lists {len(names)} columns but 'inputs' is "
                                f"{spec.inputs}", key)
        if spec.features is not None:
            if names is None:
                raise self.fail("'features' needs 'feature_names' (the raw columns they are "
                                "computed from)", key)
            from nnstudio.engine.features import validate_feature

            for i, expr in enumerate(spec.features):
                try:
                    validate_feature(expr, names)
                except NNStudioError as exc:
                    raise self.fail(f"features[{i}]: {exc}", key) from None

    def read(self) -> LoadedModel:
        npz = self.open()
        with npz:
            keys = list(npz.files)
            if "meta/format" not in keys:
                shown = ", ".join(keys[:8]) + (", ..." if len(keys) > 8 else "")
                raise self.fail("not an nnstudio model file: it has no 'meta/format' key "
                                f"(its keys: {shown or 'none'})")
            fmt = self.text(npz, "meta/format")
            if fmt != FORMAT:
                raise self.fail(f"is {fmt[:60]!r}, expected {FORMAT!r}; this .npz was not "
                                "written by nnstudio", "meta/format")
            for key in ("meta/version", "meta/spec"):
                if key not in keys:
                    raise self.fail(f"the key {key!r} is missing; the file is incomplete")
            version_array = self.array(npz, "meta/version")
            if version_array.shape != () or version_array.dtype.kind not in "iu":
                raise self.fail("must be a single whole number", "meta/version")
            version = int(version_array)
            if version > VERSION:
                raise self.fail(f"the file has format version {version}, written by a newer "
                                f"nnstudio; this nnstudio reads version {VERSION}; update "
                                "nnstudio", "meta/version")
            if version < 1:
                raise self.fail(f"is {version}; format versions start at 1", "meta/version")
            spec = self.spec(self.text(npz, "meta/spec"))
            expected = {"meta/format", "meta/version", "meta/spec"}
            network = Network(spec, init="zeros", seed=0)
            weights = []
            for i, layer in enumerate(network.layers):
                for part in ("weights", "bias"):
                    key = f"layer{i}/{part}"
                    if key not in keys:
                        raise self.fail(f"the key {key!r} is missing: the spec describes "
                                        f"{len(spec.layers)} layers")
                    expected.add(key)
                W = self.float_array(npz, f"layer{i}/weights", layer.W.shape)
                b = self.float_array(npz, f"layer{i}/bias", layer.b.shape)
                weights.append((W, b))
            network.set_weights(weights)
            standardizer = None
            has_mean, has_scale = "meta/input_mean" in keys, "meta/input_scale" in keys
            if has_mean != has_scale:
                present, absent = (("meta/input_mean", "meta/input_scale") if has_mean
                                   else ("meta/input_scale", "meta/input_mean"))
                raise self.fail(f"the file has {present!r} but not {absent!r}; both or neither")
            if has_mean:
                expected |= {"meta/input_mean", "meta/input_scale"}
                mean = self.float_array(npz, "meta/input_mean", (spec.inputs,))
                scale = self.float_array(npz, "meta/input_scale", (spec.inputs,))
                if not (scale > 0).all():
                    raise self.fail("must hold numbers greater than 0", "meta/input_scale")
                from nnstudio.engine.preprocessing import Standardizer

                standardizer = Standardizer(mean, scale)
            extra = [k for k in keys if k not in expected]
            if extra:
                raise self.fail(f"unexpected key {extra[0]!r}: a version-{VERSION} model holds "
                                "only meta/format, meta/version, meta/spec, layer{i}/weights, "
                                "layer{i}/bias and meta/input_mean/input_scale")
        return LoadedModel(network, standardizer, version, self.label)


def load_model(path: str | os.PathLike[str]) -> LoadedModel:
    """Read and validate a model file (never unpickles); :class:`ModelFileError` if it is bad."""
    return _Reader(path).read()


__all__ = ["FORMAT", "VERSION", "LoadedModel", "check_finite_weights", "load_model",
           "model_arrays", "model_bytes", "save_model"]
