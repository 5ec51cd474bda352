"""Built-in data sets: shapes, determinism, the generators' geometry, gates, bundled files."""

from __future__ import annotations

import subprocess
import sys
import time

import numpy as np
import pytest

from nnstudio.engine.datasets import BUILTIN_DATASETS, Dataset, make_dataset
from nnstudio.engine.errors import DataError

GENERATED = ["xor", "circles", "gaussians", "spiral", "moons", "linear", "sine", "plane",
             "gauss_mix"]
GATES = ["gate_and", "gate_or", "gate_nand", "gate_nor", "gate_xor"]
BUNDLED = ["iris", "digits"]
#: the documented names, in the documented order
CONTRACT_NAMES = GENERATED + GATES + BUNDLED
CLASSIFY_2D = ["xor", "circles", "gaussians", "spiral", "moons", "linear"]


def test_builtin_names_are_the_documented_ones():
    assert list(BUILTIN_DATASETS) == CONTRACT_NAMES
    for name, info in BUILTIN_DATASETS.items():
        assert info.name == name
        assert info.task in ("binary", "multiclass", "regression")
        assert info.description and info.title


@pytest.mark.parametrize("name", CONTRACT_NAMES)
def test_each_builtin_matches_its_info(name):
    info = BUILTIN_DATASETS[name]
    data = make_dataset(name)
    assert isinstance(data, Dataset)
    assert data.name == name
    assert data.X.dtype == np.float64 and data.X.shape == (info.default_samples, info.n_features)
    assert np.isfinite(data.X).all()
    assert data.task == info.task
    assert len(data.feature_names) == info.n_features
    if info.task == "regression":
        assert data.classes is None
        assert data.y.dtype == np.float64 and data.y.shape == (info.default_samples,)
    else:
        assert data.y.dtype == np.int64 and data.y.shape == (info.default_samples,)
        assert set(np.unique(data.y)) == set(range(len(data.classes)))
    if info.is_2d:
        assert data.feature_names == ["x1", "x2"]
        assert info.extent is not None


@pytest.mark.parametrize("name", CLASSIFY_2D)
def test_2d_classification_sets_are_binary_with_balanced_classes(name):
    data = make_dataset(name, samples=301, seed=4)
    assert data.X.shape == (301, 2)
    assert data.classes == [0, 1]
    assert data.task == "binary"
    if name in ("gaussians", "spiral", "moons", "circles"):
        counts = np.bincount(data.y, minlength=2)
        assert abs(int(counts[0]) - int(counts[1])) <= 1


@pytest.mark.parametrize("name", GENERATED)
def test_generators_are_deterministic_given_the_seed(name):
    a = make_dataset(name, samples=200, noise=0.2, seed=11)
    b = make_dataset(name, samples=200, noise=0.2, seed=11)
    c = make_dataset(name, samples=200, noise=0.2, seed=12)
    np.testing.assert_array_equal(a.X, b.X)
    np.testing.assert_array_equal(a.y, b.y)
    assert not np.array_equal(a.X, c.X)


@pytest.mark.parametrize("name", ["xor", "circles", "linear", "plane", "gauss_mix"])
def test_noise_flips_labels_but_keeps_the_points(name):
    clean = make_dataset(name, samples=400, noise=0.0, seed=5)
    noisy = make_dataset(name, samples=400, noise=0.5, seed=5)
    np.testing.assert_array_equal(clean.X, noisy.X)
    assert not np.array_equal(clean.y, noisy.y)


@pytest.mark.parametrize(
    "name", ["xor", "circles", "spiral", "moons", "linear", "plane", "gauss_mix", "sine"]
)
def test_inputs_stay_in_the_playground_square(name):
    for noise in (0.0, 0.5):
        data = make_dataset(name, samples=2000, noise=noise, seed=1)
        assert np.abs(data.X).max() <= 6.5


def test_xor_labels_follow_the_quadrants():
    data = make_dataset("xor", samples=500, seed=2)
    x1, x2 = data.X.T
    np.testing.assert_array_equal(data.y, (x1 * x2 >= 0).astype(int))
    assert np.abs(data.X).min() >= 0.3  # padding keeps points off the axes


def test_circles_inner_disc_is_class_1():
    data = make_dataset("circles", samples=500, seed=2)
    radius = np.hypot(data.X[:, 0], data.X[:, 1])
    assert (radius[data.y == 1] <= 2.5).all()
    assert (radius[data.y == 0] >= 3.5).all() and (radius <= 5.0).all()


def test_gaussians_centres_and_spread_follow_noise():
    for noise in (0.0, 0.5):
        data = make_dataset("gaussians", samples=20000, noise=noise, seed=3)
        expected_std = np.sqrt(0.5 + 7.0 * noise)
        for label, centre in ((1, 2.0), (0, -2.0)):
            part = data.X[data.y == label]
            np.testing.assert_allclose(part.mean(axis=0), [centre, centre], atol=0.1)
            np.testing.assert_allclose(part.std(axis=0), [expected_std] * 2, rtol=0.05)


def test_spiral_arms_are_interleaved_half_turns_apart():
    data = make_dataset("spiral", samples=400, seed=0)
    radius = np.hypot(data.X[:, 0], data.X[:, 1])
    assert radius.max() <= 5.0
    # Without noise every point lies on r = 5 t' / (3.5 pi) with its arm's phase.
    for label, delta in ((1, 0.0), (0, np.pi)):
        part = data.X[data.y == label]
        r = np.hypot(part[:, 0], part[:, 1])
        t = r / 5.0 * 1.75 * 2 * np.pi + delta
        np.testing.assert_allclose(part[:, 0], r * np.sin(t), atol=1e-9)
        np.testing.assert_allclose(part[:, 1], r * np.cos(t), atol=1e-9)


def test_moons_without_noise_lie_on_two_half_circles():
    data = make_dataset("moons", samples=300, seed=1)
    x = data.X[:, 0] / 3.0 + 0.5
    y = data.X[:, 1] / 3.0 + 0.25
    outer, inner = data.y == 0, data.y == 1
    np.testing.assert_allclose(np.hypot(x[outer], y[outer]), 1.0)
    np.testing.assert_allclose(np.hypot(x[inner] - 1.0, y[inner] - 0.5), 1.0)
    assert (y[outer] >= 0).all() and (y[inner] <= 0.5).all()


def test_linear_set_is_separable_with_a_gap():
    data = make_dataset("linear", samples=500, seed=9)
    X = np.column_stack([data.X, np.ones(len(data.X))])
    t = np.where(data.y == 1, 1.0, -1.0)
    w = np.zeros(3)
    for _ in range(2000):  # perceptron: converges in finitely many epochs iff separable
        wrong = (X @ w) * t <= 0
        if not wrong.any():
            break
        i = np.flatnonzero(wrong)[0]
        w += t[i] * X[i]
    assert not ((X @ w) * t <= 0).any()
    assert 0 < data.y.sum() < len(data.y)


def test_regression_targets_follow_their_formulas():
    sine = make_dataset("sine", samples=300, seed=1)
    assert sine.feature_names == ["x"] and sine.X.shape == (300, 1)
    np.testing.assert_allclose(sine.y, np.sin(sine.X[:, 0]))
    noisy = make_dataset("sine", samples=20000, noise=0.3, seed=1)
    assert np.std(noisy.y - np.sin(noisy.X[:, 0])) == pytest.approx(0.3, rel=0.05)

    plane = make_dataset("plane", samples=300, seed=1)
    np.testing.assert_allclose(plane.y, plane.X.sum(axis=1) / 10.0)


def _gauss_mix_label(x: float, y: float) -> float:
    """Playground's regressGaussian label, point by point, as an independent reference."""
    bumps = [(-4, 2.5, 1), (0, 2.5, -1), (4, 2.5, 1), (-4, -2.5, -1), (0, -2.5, 1), (4, -2.5, -1)]
    label = 0.0
    for cx, cy, sign in bumps:
        value = sign * min(1.0, max(0.0, 1.0 - np.hypot(x - cx, y - cy) / 2.0))
        if abs(value) > abs(label):
            label = value
    return label


def test_gauss_mix_matches_playground_formula():
    data = make_dataset("gauss_mix", samples=300, seed=6)
    expected = [_gauss_mix_label(x, y) for x, y in data.X]
    np.testing.assert_allclose(data.y, expected)
    assert data.y.min() >= -1.0 and data.y.max() <= 1.0


@pytest.mark.parametrize(
    ("name", "targets"),
    [
        ("gate_and", [0, 0, 0, 1]),
        ("gate_or", [0, 1, 1, 1]),
        ("gate_nand", [1, 1, 1, 0]),
        ("gate_nor", [1, 0, 0, 0]),
        ("gate_xor", [0, 1, 1, 0]),
    ],
)
def test_logic_gates_are_their_truth_tables(name, targets):
    data = make_dataset(name, samples=1000, noise=0.5, seed=3)  # samples and noise ignored
    np.testing.assert_array_equal(data.X, [[0, 0], [0, 1], [1, 0], [1, 1]])
    np.testing.assert_array_equal(data.y, targets)
    assert data.task == "binary" and data.classes == [0, 1]
    assert data.feature_names == ["x1", "x2"]


def test_iris_is_fishers_data():
    data = make_dataset("iris")
    assert data.X.shape == (150, 4)
    assert data.feature_names == ["sepal_length", "sepal_width", "petal_length", "petal_width"]
    assert data.classes == ["setosa", "versicolor", "virginica"]
    assert data.target_name == "species"
    np.testing.assert_array_equal(np.bincount(data.y), [50, 50, 50])
    np.testing.assert_array_equal(data.X[0], [5.1, 3.5, 1.4, 0.2])
    np.testing.assert_allclose(data.X.mean(axis=0), [5.8433, 3.0573, 3.758, 1.1993], atol=1e-3)


def test_digits_are_8x8_images_of_counts():
    data = make_dataset("digits")
    assert data.X.shape == (1797, 64)
    assert data.feature_names == [f"p{i}" for i in range(64)]
    assert data.classes == list(range(10))
    assert data.task == "multiclass" and data.target_name == "digit"
    assert data.X.min() == 0 and data.X.max() == 16
    np.testing.assert_array_equal(data.X, np.round(data.X))
    assert np.bincount(data.y).min() >= 170


def test_bundled_files_equal_scikit_learns_copies():
    datasets = pytest.importorskip("sklearn.datasets")
    iris, digits = datasets.load_iris(), datasets.load_digits()
    ours_iris, ours_digits = make_dataset("iris"), make_dataset("digits")
    np.testing.assert_array_equal(ours_iris.X, iris.data)
    np.testing.assert_array_equal(ours_iris.y, iris.target)
    np.testing.assert_array_equal(ours_digits.X, digits.data)
    np.testing.assert_array_equal(ours_digits.y, digits.target)


def test_bundled_data_loads_without_scikit_learn():
    code = (
        "import sys; sys.modules['sklearn'] = None; sys.modules['pandas'] = None\n"
        "from nnstudio.engine.datasets import make_dataset\n"
        "print(make_dataset('iris').X.shape, make_dataset('digits').X.shape)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "(150, 4) (1797, 64)"


def test_each_call_returns_fresh_arrays():
    first = make_dataset("iris")
    first.X[:] = -1.0
    first.y[:] = 0
    again = make_dataset("iris")
    assert again.X.min() > 0 and set(again.y) == {0, 1, 2}


def test_name_is_case_and_space_insensitive():
    assert make_dataset(" XOR ").name == "xor"


def test_unknown_name_lists_the_known_names():
    with pytest.raises(DataError) as info:
        make_dataset("spirals")
    message = str(info.value)
    assert "spirals" in message
    for name in CONTRACT_NAMES:
        assert name in message


@pytest.mark.parametrize("noise", [-0.01, 0.51, 1.0, float("nan"), "0.1", None, True])
def test_noise_outside_range_is_rejected(noise):
    with pytest.raises(DataError, match="noise"):
        make_dataset("xor", noise=noise)


@pytest.mark.parametrize("samples", [3, 0, -10, 2.5, "100", True, 10**9])
def test_bad_sample_counts_are_rejected(samples):
    with pytest.raises(DataError, match="samples"):
        make_dataset("circles", samples=samples)


@pytest.mark.parametrize("seed", [-1, 1.5, "x", None])
def test_bad_seeds_are_rejected(seed):
    with pytest.raises(DataError, match="seed"):
        make_dataset("xor", seed=seed)


def test_numpy_integer_parameters_are_accepted():
    data = make_dataset("moons", samples=np.int64(40), noise=np.float32(0.1), seed=np.int32(2))
    assert data.X.shape == (40, 2)


def test_minimum_sample_count_works_for_every_generator():
    for name in GENERATED:
        assert make_dataset(name, samples=4).X.shape[0] == 4


def test_generators_are_vectorised():
    start = time.perf_counter()
    for name in GENERATED:
        make_dataset(name, samples=200_000, noise=0.3, seed=1)
    assert time.perf_counter() - start < 5.0  # per-sample Python loops would take far longer


class TestDatasetValidation:
    def test_classification_targets_must_be_class_indices(self):
        with pytest.raises(DataError, match="0..1"):
            Dataset("d", np.zeros((3, 2)), np.array([0, 1, 2]), "binary", ["a", "b"], [0, 1])

    def test_binary_needs_two_classes(self):
        with pytest.raises(DataError, match="exactly two"):
            Dataset("d", np.zeros((3, 1)), np.array([0, 1, 2]), "binary", ["a"], [0, 1, 2])

    def test_names_must_match_columns(self):
        with pytest.raises(DataError, match="feature names"):
            Dataset("d", np.zeros((3, 2)), np.zeros(3), "regression", ["a"], None)

    def test_rows_and_targets_must_match(self):
        with pytest.raises(DataError, match="targets for 3 rows"):
            Dataset("d", np.zeros((3, 2)), np.zeros(4), "regression", ["a", "b"], None)

    def test_inputs_must_be_finite(self):
        X = np.array([[0.0], [np.inf]])
        with pytest.raises(DataError, match="NaN or infinite"):
            Dataset("d", X, np.zeros(2), "regression", ["a"], None)

    def test_unknown_task(self):
        with pytest.raises(DataError, match="unknown task"):
            Dataset("d", np.zeros((2, 1)), np.zeros(2), "ranking", ["a"], None)

    def test_subset_keeps_columns_and_classes(self):
        data = make_dataset("iris")
        part = data.subset([0, 50, 100])
        assert part.n_samples == 3 and part.n_features == 4 and part.n_classes == 3
        np.testing.assert_array_equal(part.y, [0, 1, 2])
        assert part.classes == data.classes and part.target_name == "species"

    def test_multi_output_regression_is_allowed(self):
        data = Dataset("d", np.zeros((4, 1)), np.zeros((4, 2)), "regression", ["a"], None)
        assert data.y.shape == (4, 2) and not data.is_classification
