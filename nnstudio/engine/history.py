"""The training history as CSV: one row per epoch (DESIGN.md, "Command line", ``--history``).

``nnstudio train --history`` and the GUI's File → Export training history write the same
columns: ``epoch, train_loss, test_loss``, for classification ``train_accuracy,
test_accuracy``, then ``grad/layer{i}`` (mean |dJ/dW| of layer i over the epoch's steps).
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable, Mapping


def number_cell(value: float | None) -> str:
    """A number for a CSV cell: full precision, empty for a missing value (None or NaN)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return repr(float(value))


def history_columns(classification: bool, n_layers: int) -> list[str]:
    """The column names of a history file."""
    columns = ["epoch", "train_loss", "test_loss"]
    if classification:
        columns += ["train_accuracy", "test_accuracy"]
    return columns + [f"grad/layer{i}" for i in range(n_layers)]


def history_csv(history: Iterable[Mapping[str, float]], classification: bool, has_test: bool,
                n_layers: int) -> str:
    """The history file's text for per-epoch rows (``Trainer.history`` rows).

    Test columns are empty when there is no test set; a NaN value is written ``nan``.
    """
    columns = history_columns(classification, n_layers)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    for row in history:
        cells = []
        for column in columns:
            value = row.get(column)
            if column == "epoch":
                cells.append(str(int(value)))
            elif column.startswith("test_") and not has_test:
                cells.append("")
            else:
                cells.append("nan" if value is not None and math.isnan(value)
                             else number_cell(value))
        writer.writerow(cells)
    return buffer.getvalue()


__all__ = ["history_columns", "history_csv", "number_cell"]
