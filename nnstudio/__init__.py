"""nnstudio: a desktop laboratory for neural networks."""

__version__ = "0.1.0"
