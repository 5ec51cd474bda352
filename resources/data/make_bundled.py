"""How ``iris.csv`` and ``digits.csv`` in this folder were produced (run once, by hand).

nnstudio itself never runs this and never needs scikit-learn: the CSV files are committed.
To reproduce them::

    python resources/data/make_bundled.py      # needs scikit-learn installed

The script writes the files next to itself and checks that they round-trip exactly.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent


def _write(path: Path, header: list[str], rows: list[list[str]]) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8")


def make_iris() -> None:
    from sklearn.datasets import load_iris

    iris = load_iris()
    data, target, names = iris.data, iris.target, list(iris.target_names)
    rows = [[f"{v:.1f}" for v in row] + [names[t]] for row, t in zip(data, target)]
    check = np.array([[float(v) for v in row[:4]] for row in rows])
    assert np.array_equal(check, data), "iris values need more than one decimal"
    header = ["sepal_length", "sepal_width", "petal_length", "petal_width", "species"]
    _write(HERE / "iris.csv", header, rows)


def make_digits() -> None:
    from sklearn.datasets import load_digits

    digits = load_digits()
    pixels = digits.data.astype(np.int64)
    assert np.array_equal(pixels, digits.data), "digits pixels are not integers"
    rows = [[str(v) for v in row] + [str(t)] for row, t in zip(pixels, digits.target)]
    header = [f"p{i}" for i in range(pixels.shape[1])] + ["digit"]
    _write(HERE / "digits.csv", header, rows)


if __name__ == "__main__":
    make_iris()
    make_digits()
    print("wrote", HERE / "iris.csv", "and", HERE / "digits.csv")
