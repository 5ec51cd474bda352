"""Model files: the DESIGN.md contract, an independent reader, and every kind of bad file."""

from __future__ import annotations

import io
import json
import zipfile

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nnstudio.engine.errors import ModelFileError
from nnstudio.engine.experiment import (
    DataConfig,
    Experiment,
    build_network,
    build_trainer,
    prepare_data,
)
from nnstudio.engine.modelfile import load_model, model_arrays, model_bytes, save_model
from nnstudio.engine.network import LayerSpec, Network, NetworkSpec
from nnstudio.engine.preprocessing import Standardizer

# --- an independent reader, written from DESIGN.md alone -------------------------------------------

def reference_activation(name: str, z: np.ndarray, layer: dict) -> np.ndarray:
    if name == "linear":
        return z
    if name == "step":
        return (z > 0).astype(float)
    if name == "sigmoid":
        return 1.0 / (1.0 + np.exp(-z))
    if name == "tanh":
        return np.tanh(z)
    if name == "relu":
        return np.maximum(z, 0.0)
    if name == "leaky_relu":
        return np.where(z > 0, z, layer.get("alpha", 0.01) * z)
    if name == "softmax":
        e = np.exp(z - z.max(axis=1, keepdims=True))
        return e / e.sum(axis=1, keepdims=True)
    if name == "maxout":
        return z.reshape(len(z), layer["units"], layer.get("pieces", 2)).max(axis=2)
    raise AssertionError(name)


def reference_feature(expr: str, columns: dict[str, np.ndarray]) -> np.ndarray:
    if expr in columns:
        return columns[expr]
    if expr.endswith("^2"):
        return columns[expr[:-2]] ** 2
    if expr.startswith("sin("):
        return np.sin(columns[expr[4:-1]])
    if expr.startswith("cos("):
        return np.cos(columns[expr[4:-1]])
    left, right = expr.split("*")
    return columns[left] * columns[right]


def reference_predict(path, X_raw: np.ndarray) -> np.ndarray:
    """DESIGN.md's forward pass with nothing but NumPy and the file."""
    f = np.load(path, allow_pickle=False)
    assert str(f["meta/format"]) == "nnstudio.model" and int(f["meta/version"]) == 1
    spec = json.loads(str(f["meta/spec"]))
    a = np.asarray(X_raw, dtype=float)
    if spec.get("features"):
        columns = {name: a[:, k] for k, name in enumerate(spec["feature_names"])}
        a = np.column_stack([reference_feature(e, columns) for e in spec["features"]])
    if "meta/input_mean" in f:
        a = (a - f["meta/input_mean"]) / f["meta/input_scale"]
    for i, layer in enumerate(spec["layers"]):
        a = reference_activation(layer["activation"],
                                 a @ f[f"layer{i}/weights"] + f[f"layer{i}/bias"], layer)
    return a


def trained_model(dataset="xor", hidden=None, output=None, loss=None, features=None,
                  epochs=3, standardize=True):
    exp = Experiment(data=DataConfig(name=dataset, samples=80, noise=0.1, features=features,
                                     standardize=standardize),
                     hidden=hidden or [LayerSpec(5, "tanh"), LayerSpec(4, "relu")],
                     output=output, loss=loss)
    exp.training.epochs = epochs
    prepared = prepare_data(exp)
    network = build_network(exp, prepared)
    trainer = build_trainer(exp, prepared, network)
    while not trainer.finished:
        trainer.run_epoch()
    return network, prepared


ARCHITECTURES = [
    dict(dataset="xor", features=["x1", "x2", "x1*x2", "sin(x1)", "cos(x2)", "x1^2"]),
    dict(dataset="moons", hidden=[LayerSpec(6, "maxout", pieces=3),
                                  LayerSpec(3, "leaky_relu", alpha=0.2)]),
    dict(dataset="iris", hidden=[LayerSpec(7, "sigmoid")]),
    dict(dataset="gauss_mix", hidden=[LayerSpec(8, "relu"), LayerSpec(8, "tanh")],
         standardize=False),
    dict(dataset="circles", hidden=[], output=LayerSpec(1, "linear"), loss="hinge"),
    dict(dataset="gate_or", hidden=[LayerSpec(2, "step")], output=LayerSpec(1, "softmax")),
]


@pytest.mark.parametrize("arch", ARCHITECTURES, ids=lambda a: a["dataset"])
def test_round_trip_and_independent_forward_pass(tmp_path, arch):
    network, prepared = trained_model(**arch)
    path = tmp_path / "model.npz"
    save_model(path, network, prepared.standardizer)
    model = load_model(path)
    assert model.spec.to_dict() == network.spec.to_dict()
    for (W0, b0), (W1, b1) in zip(network.get_weights(), model.network.get_weights()):
        np.testing.assert_array_equal(W0, W1)
        np.testing.assert_array_equal(b0, b1)
    X_raw = prepared.X_test_raw
    ours = model.predict_raw(X_raw)
    np.testing.assert_allclose(ours, network.predict(prepared.X_test), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(reference_predict(path, X_raw), ours, rtol=1e-9, atol=1e-12)
    if arch.get("standardize", True):
        np.testing.assert_array_equal(model.standardizer.mean, prepared.standardizer.mean)
    else:
        assert model.standardizer is None


def test_keys_and_dtypes_are_exactly_the_documented_ones(tmp_path):
    network, prepared = trained_model()
    path = tmp_path / "m.npz"
    save_model(path, network, prepared.standardizer)
    with zipfile.ZipFile(path) as archive:
        assert all(info.compress_type == zipfile.ZIP_DEFLATED for info in archive.infolist())
    f = np.load(path, allow_pickle=False)
    assert sorted(f.files) == sorted(
        ["meta/format", "meta/version", "meta/spec", "meta/input_mean", "meta/input_scale"]
        + [f"layer{i}/{p}" for i in range(3) for p in ("weights", "bias")])
    assert f["meta/format"].dtype.kind == "U" and f["meta/format"].shape == ()
    assert f["meta/version"].dtype.kind == "i" and int(f["meta/version"]) == 1
    spec = json.loads(str(f["meta/spec"]))
    assert spec == {"inputs": 2, "layers": [{"units": 5, "activation": "tanh"},
                                            {"units": 4, "activation": "relu"},
                                            {"units": 1, "activation": "sigmoid"}],
                    "loss": "binary_cross_entropy", "task": "binary", "classes": [0, 1],
                    "feature_names": ["x1", "x2"], "features": ["x1", "x2"]}
    assert f["layer0/weights"].shape == (2, 5) and f["layer0/bias"].shape == (5,)
    assert f["layer2/weights"].shape == (4, 1) and f["layer2/weights"].dtype == np.float64


def test_save_is_atomic_and_replaces(tmp_path):
    network, prepared = trained_model()
    path = tmp_path / "m.npz"
    path.write_bytes(b"old")
    save_model(path, network)
    assert load_model(path).standardizer is None
    assert [p.name for p in tmp_path.iterdir()] == ["m.npz"]
    with pytest.raises(ModelFileError, match="cannot write"):
        save_model(tmp_path / "missing" / "m.npz", network)


def test_diverged_weights_are_not_saved(tmp_path):
    network, _ = trained_model()
    network.layers[1].W[0, 0] = np.nan
    with pytest.raises(ModelFileError, match="layer 1 has NaN"):
        save_model(tmp_path / "m.npz", network)
    assert not (tmp_path / "m.npz").exists()


# --- bad files -----------------------------------------------------------------------------------

def _arrays():
    spec = NetworkSpec(2, [LayerSpec(3, "tanh"), LayerSpec(1, "sigmoid")],
                       "binary_cross_entropy", "binary", [0, 1], ["x1", "x2"], ["x1", "x2"])
    return model_arrays(Network(spec, seed=1), Standardizer(np.zeros(2), np.ones(2)))


def _write(path, arrays, allow_pickle=False):
    buffer = io.BytesIO()
    np.savez(buffer, allow_pickle=allow_pickle, **arrays)
    path.write_bytes(buffer.getvalue())
    return path


def _changed(**changes):
    arrays = _arrays()
    for key, value in changes.items():
        key = key.replace("__", "/")
        if value is None:
            del arrays[key]
        else:
            arrays[key] = value
    return arrays


def _spec_json(**changes):
    spec = json.loads(str(_arrays()["meta/spec"]))
    spec.update(changes)
    return np.array(json.dumps(spec))


BAD_FILES = [
    ("foreign npz", dict(a=np.arange(3)), "no 'meta/format' key (its keys: a)"),
    ("wrong format", _changed(meta__format=np.array("keras.model")),
     "meta/format: is 'keras.model', expected 'nnstudio.model'"),
    ("format not a string", _changed(meta__format=np.arange(2)),
     "meta/format: must be a single string"),
    ("newer version", _changed(meta__version=np.array(2)),
     "meta/version: the file has format version 2, written by a newer nnstudio"),
    ("version as text", _changed(meta__version=np.array("1")),
     "meta/version: must be a single whole number"),
    ("missing spec", _changed(meta__spec=None), "the key 'meta/spec' is missing"),
    ("spec not JSON", _changed(meta__spec=np.array("{inputs: 2")),
     "meta/spec: is not valid JSON"),
    ("spec unknown activation", _changed(meta__spec=_spec_json(
        layers=[{"units": 3, "activation": "swish"}, {"units": 1, "activation": "sigmoid"}])),
     "meta/spec: layer 0: unknown activation 'swish'"),
    ("spec unknown key", _changed(meta__spec=_spec_json(optimizer="adam")),
     "meta/spec: unknown key 'optimizer'"),
    ("spec bad feature", _changed(meta__spec=_spec_json(features=["x1", "tan(x2)"])),
     "meta/spec: features[1]"),
    ("binary without classes", _changed(meta__spec=_spec_json(classes=None)),
     "meta/spec: a binary model needs 'classes'"),
    ("missing layer", _changed(layer1__bias=None), "the key 'layer1/bias' is missing"),
    ("shape mismatch", _changed(layer0__weights=np.zeros((3, 3))),
     "layer0/weights: has shape (3, 3), but the spec needs (2, 3)"),
    ("NaN weights", _changed(layer1__weights=np.full((3, 1), np.nan)),
     "layer1/weights: contains NaN or infinite values"),
    ("integer weights", _changed(layer0__bias=np.zeros(3, dtype=np.int64)),
     "layer0/bias: must hold floating-point numbers"),
    ("extra key", _changed(layer2__weights=np.zeros((1, 1))), "unexpected key 'layer2/weights'"),
    ("mean without scale", _changed(meta__input_scale=None),
     "has 'meta/input_mean' but not 'meta/input_scale'"),
    ("zero scale", _changed(meta__input_scale=np.zeros(2)),
     "meta/input_scale: must hold numbers greater than 0"),
    ("wrong mean length", _changed(meta__input_mean=np.zeros(3)),
     "meta/input_mean: has shape (3,), but the spec needs (2,)"),
]


@pytest.mark.parametrize("arrays, message", [(a, m) for _, a, m in BAD_FILES],
                         ids=[name for name, _, _ in BAD_FILES])
def test_bad_model_files_name_the_key(tmp_path, arrays, message):
    path = _write(tmp_path / "bad.npz", arrays)
    with pytest.raises(ModelFileError) as info:
        load_model(path)
    assert str(info.value).startswith(f"{path}: ")
    assert message in str(info.value)


def test_pickled_object_arrays_are_refused(tmp_path):
    arrays = _arrays()
    arrays["layer0/weights"] = np.array([[{"evil": 1}] * 3] * 2, dtype=object)
    path = _write(tmp_path / "pickled.npz", arrays, allow_pickle=True)
    with pytest.raises(ModelFileError, match="layer0/weights: holds Python objects"):
        load_model(path)


@pytest.mark.parametrize("content, message", [
    (b"", "the file is empty"),
    (b"hello, this is text\n", "not an .npz (zip) archive"),
    (b"\x93NUMPY\x01\x00" + b"x" * 40, "a single NumPy array (.npy)"),
    (b"PK\x03\x04" + b"\x00" * 40, "truncated or damaged"),
])
def test_not_a_model_file(tmp_path, content, message):
    path = tmp_path / "x.npz"
    path.write_bytes(content)
    with pytest.raises(ModelFileError, match=message.replace("(", r"\(").replace(")", r"\)")):
        load_model(path)


def test_missing_file_and_folder(tmp_path):
    with pytest.raises(ModelFileError, match="no such model file"):
        load_model(tmp_path / "nope.npz")
    with pytest.raises(ModelFileError, match="is a folder"):
        load_model(tmp_path)


def test_every_truncation_is_a_model_file_error(tmp_path):
    data = model_bytes(*trained_model()[:1])
    path = tmp_path / "t.npz"
    for cut in range(0, len(data), max(1, len(data) // 150)):
        path.write_bytes(data[:cut])
        with pytest.raises(ModelFileError):
            load_model(path)


_VALID = None


def _valid_bytes() -> bytes:
    global _VALID
    if _VALID is None:
        network, prepared = trained_model(features=["x1", "x2", "x1*x2"])
        _VALID = model_bytes(network, prepared.standardizer)
    return _VALID


def _load_or_model_file_error(path, data: bytes) -> None:
    path.write_bytes(data)
    try:
        model = load_model(path)
    except ModelFileError as exc:
        assert str(exc).startswith(str(path))
        return
    # a mutation that happened to leave a valid model must give a working model
    out = model.predict_raw(np.zeros((2, len(model.input_columns or [0] * model.spec.inputs))))
    assert out.shape[0] == 2


FUZZ = settings(max_examples=150, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture])


@FUZZ
@given(st.binary(max_size=600))
def test_random_bytes(tmp_path, data):
    _load_or_model_file_error(tmp_path / "r.npz", data)


@FUZZ
@given(st.data())
def test_mutated_model_files(tmp_path, data):
    content = bytearray(_valid_bytes())
    n = data.draw(st.integers(1, 12))
    for _ in range(n):
        position = data.draw(st.integers(0, len(content) - 1))
        content[position] = data.draw(st.integers(0, 255))
    if data.draw(st.booleans()):
        content = content[:data.draw(st.integers(0, len(content)))]
    _load_or_model_file_error(tmp_path / "m.npz", bytes(content))


_ARRAY = st.one_of(
    st.builds(np.array, st.text(max_size=30)),
    st.builds(np.array, st.integers(-5, 5)),
    st.builds(lambda shape: np.zeros(shape), st.lists(st.integers(0, 4), max_size=3)),
    st.builds(lambda v: np.full(3, v), st.floats(allow_nan=True, allow_infinity=True)),
)
_KEYS = st.sampled_from(["meta/format", "meta/version", "meta/spec", "layer0/weights",
                         "layer0/bias", "layer1/weights", "layer1/bias", "meta/input_mean",
                         "meta/input_scale", "other"])


@FUZZ
@given(st.dictionaries(_KEYS, _ARRAY, max_size=6), st.booleans())
def test_well_formed_npz_with_random_content(tmp_path, replaced, keep_rest):
    arrays = _arrays() if keep_rest else {}
    arrays.update(replaced)
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    _load_or_model_file_error(tmp_path / "w.npz", buffer.getvalue())


@FUZZ
@given(st.recursive(st.none() | st.booleans() | st.integers(-3, 3) | st.text(max_size=8),
                    lambda inner: st.lists(inner, max_size=3)
                    | st.dictionaries(st.sampled_from(["inputs", "layers", "units", "loss",
                                                       "activation", "task", "classes",
                                                       "features", "feature_names"]),
                                      inner, max_size=4),
                    max_leaves=12))
def test_random_spec_json(tmp_path, spec):
    arrays = _arrays()
    arrays["meta/spec"] = np.array(json.dumps(spec))
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    _load_or_model_file_error(tmp_path / "s.npz", buffer.getvalue())
