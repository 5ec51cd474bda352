"""``nnstudio predict`` and ``nnstudio info``: apply or describe a saved model file."""

from __future__ import annotations

import argparse
import csv
import io
import os
import sys
from typing import Any

from nnstudio.cli_common import number_cell, write_text
from nnstudio.engine.errors import DataError

# --- predict ------------------------------------------------------------------------------------

def _column_by_name(names: list[str], name: str, label: str, columns: list[str]) -> int:
    """The index of the model's column ``name`` (exact, then ignoring case if unique)."""
    if name in names:
        return names.index(name)
    folded = [j for j, n in enumerate(names) if n.casefold() == name.casefold()]
    if len(folded) != 1:
        raise DataError(f"{label} has no column '{name}', which the model needs (it "
                        f"reads {', '.join(columns)}; the file has "
                        f"{', '.join(names[:12])})")
    return folded[0]


def read_input_csv(path: str | os.PathLike[str], columns: list[str] | None,
                   n_inputs: int) -> Any:
    """The model's input columns from a CSV file, as a float array ``(n, len(columns))``.

    With a header, columns are found by name (other columns are ignored); without one the
    file must hold exactly the model's columns, in order. Uses the CSV reader's rules
    (delimiter, decimal comma, header detection) and its row/column error messages.
    """
    from nnstudio.engine.csvdata import read_table

    table = read_table(path)
    label, names = table.label, table.names
    if table.header and columns is not None:
        picked = [_column_by_name(names, name, label, columns) for name in columns]
    else:
        width, expected = len(names), len(columns) if columns is not None else n_inputs
        if width != expected:
            need = f" ({', '.join(columns)})" if columns else ""
            raise DataError(f"{label} has {width} columns; the model reads {expected}{need}"
                            + ("; add a header row naming the columns"
                               if not table.header and columns else ""))
        picked = list(range(width))
    # Without a header the file's col0, col1, ... are not the model's names: say "column 2".
    labels = None if table.header else [f"column {j + 1}" for j in picked]
    return table.numeric(picked, labels)


def prediction_table(model: Any, X_raw: Any) -> tuple[list[str], list[list[str]]]:
    """Header and rows of the ``predict`` output (DESIGN.md, "Command line")."""
    import numpy as np

    spec = model.spec
    out = model.predict_raw(X_raw)
    if spec.task == "regression":
        header = ["output"] if out.shape[1] == 1 else [f"output{k}" for k in range(out.shape[1])]
        return header, [[number_cell(v) for v in row] for row in out]
    classes = list(spec.classes or [])
    labels = [str(c) for c in classes]
    indices = model.network.classes_from_output(out)
    if out.shape[1] == 1:
        if spec.layers[-1].activation in ("sigmoid", "step"):
            p = out[:, 0]
            values = np.column_stack([1.0 - p, p])
            header = labels
        else:  # a score (e.g. a linear output trained with hinge loss)
            values = out
            header = ["score"]
    else:
        values = out
        header = labels
    rows = [[number_cell(v) for v in row] + [labels[k]] for row, k in zip(values, indices)]
    return header + ["prediction"], rows


def cmd_predict(args: argparse.Namespace) -> int:
    from nnstudio.engine.modelfile import load_model

    model = load_model(args.model)
    X = read_input_csv(args.input, model.input_columns, model.spec.inputs)
    header, rows = prediction_table(model, X)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    if args.output:
        write_text(args.output, buffer.getvalue(), "predictions file")
        print(f"{len(rows)} predictions written to {args.output}", file=sys.stderr)
    else:
        sys.stdout.write(buffer.getvalue())
        sys.stdout.flush()
    return 0


# --- info ---------------------------------------------------------------------------------------

def describe_model(model: Any, label: str) -> str:
    """The ``info`` text for a loaded model."""
    spec = model.spec
    lines = [f"model            {label}",
             f"format           nnstudio.model, version {model.version}",
             f"task             {spec.task}"]
    if spec.classes is not None:
        lines.append(f"classes          {', '.join(str(c) for c in spec.classes)}")
    lines.append(f"architecture     {'-'.join(str(s) for s in spec.sizes)}")
    inputs = spec.features if spec.features is not None else spec.feature_names
    shown = f" ({', '.join(inputs)})" if inputs else ""
    lines.append(f"  input          {spec.inputs} units{shown}")
    for i, (layer, dense) in enumerate(zip(spec.layers, model.network.layers)):
        act = layer.activation
        if act == "leaky_relu":
            act += f" (alpha {layer.alpha:g})"
        elif act == "maxout":
            act += f" ({layer.pieces} pieces)"
        role = "output" if i == len(spec.layers) - 1 else "hidden"
        units = f"{layer.units} unit" + ("s" if layer.units != 1 else "")
        lines.append(f"  layer {i:<8} {units}, {act}, {role}; weights "
                     f"{dense.W.shape[0]}x{dense.W.shape[1]}, bias {dense.b.shape[0]}")
    lines.append(f"loss             {spec.loss}")
    if spec.feature_names is not None:
        lines.append(f"input columns    {', '.join(spec.feature_names)}")
    if spec.features is not None:
        lines.append(f"features         {', '.join(spec.features)}")
    lines.append(f"neurons          {spec.n_neurons} (input layer not counted)")
    lines.append(f"parameters       {spec.n_params} (weights and biases)")
    if model.standardizer is not None:
        lines.append("standardization  yes: the network sees (x - meta/input_mean) / "
                     "meta/input_scale")
    else:
        lines.append("standardization  no: the network sees the inputs as they are")
    return "\n".join(lines) + "\n"


def cmd_info(args: argparse.Namespace) -> int:
    from nnstudio.engine.modelfile import load_model

    model = load_model(args.model)
    sys.stdout.write(describe_model(model, args.model))
    return 0
