"""Weight initializers, registered by name. Biases always start at zero.

Each takes ``(fan_in, fan_out, rng, **params)`` and returns a ``(fan_in, fan_out)`` array.
``auto`` picks Glorot for sigmoid/tanh-like layers and He for the ReLU family.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from nnstudio.engine.errors import NNStudioError

Initializer = Callable[..., np.ndarray]


def zeros(fan_in: int, fan_out: int, rng: np.random.Generator, **_: float) -> np.ndarray:
    return np.zeros((fan_in, fan_out))


def normal(fan_in, fan_out, rng, std: float = 0.1, **_) -> np.ndarray:
    return rng.normal(0.0, std, size=(fan_in, fan_out))


def uniform(fan_in, fan_out, rng, limit: float = 0.5, **_) -> np.ndarray:
    return rng.uniform(-limit, limit, size=(fan_in, fan_out))


def glorot_uniform(fan_in, fan_out, rng, **_) -> np.ndarray:
    return uniform(fan_in, fan_out, rng, limit=np.sqrt(6.0 / (fan_in + fan_out)))


def glorot_normal(fan_in, fan_out, rng, **_) -> np.ndarray:
    return normal(fan_in, fan_out, rng, std=np.sqrt(2.0 / (fan_in + fan_out)))


def he_uniform(fan_in, fan_out, rng, **_) -> np.ndarray:
    return uniform(fan_in, fan_out, rng, limit=np.sqrt(6.0 / fan_in))


def he_normal(fan_in, fan_out, rng, **_) -> np.ndarray:
    return normal(fan_in, fan_out, rng, std=np.sqrt(2.0 / fan_in))


INITIALIZERS: dict[str, Initializer] = {
    "auto": glorot_uniform,  # resolved per layer by resolve_initializer
    "zeros": zeros,
    "normal": normal,
    "uniform": uniform,
    "glorot_uniform": glorot_uniform,
    "glorot_normal": glorot_normal,
    "he_uniform": he_uniform,
    "he_normal": he_normal,
}

INITIALIZER_SUMMARIES = {
    "auto": "Glorot for sigmoid/tanh layers, He for the ReLU family: the usual good choice.",
    "zeros": "All weights 0: every unit stays identical (symmetry is never broken).",
    "normal": "Gaussian with the given standard deviation.",
    "uniform": "Uniform in [-limit, limit].",
    "glorot_uniform": "Uniform, scaled by fan-in and fan-out to keep signal variance (Xavier).",
    "glorot_normal": "Gaussian version of Glorot/Xavier.",
    "he_uniform": "Uniform, scaled by fan-in for ReLU layers (He/Kaiming).",
    "he_normal": "Gaussian version of He/Kaiming.",
}

_RELU_FAMILY = ("relu", "leaky_relu", "maxout")


def resolve_initializer(name: str, activation: str) -> Initializer:
    """The initializer function for a layer, with ``auto`` resolved by its activation."""
    if name not in INITIALIZERS:
        known = ", ".join(INITIALIZERS)
        raise NNStudioError(f"unknown initializer {name!r} (known: {known})")
    if name == "auto":
        return he_uniform if activation in _RELU_FAMILY else glorot_uniform
    return INITIALIZERS[name]
