"""Errors whose message is meant for the user: it says what is wrong and where."""

from __future__ import annotations


class NNStudioError(ValueError):
    """Base class: the message is complete and user-facing (no traceback needed)."""


class DataError(NNStudioError):
    """A data set or CSV file cannot be used (names the file, row and column)."""


class ModelFileError(NNStudioError):
    """A model ``.npz`` file is missing, truncated, foreign or inconsistent (names the key)."""


class ExperimentError(NNStudioError):
    """An experiment file is unreadable or names something unknown (names the key)."""


class TrainingDiverged(NNStudioError):
    """The loss became NaN or infinite; the message says when and what to try."""
