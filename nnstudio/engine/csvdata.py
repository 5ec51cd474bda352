"""Read a CSV file into a :class:`~nnstudio.engine.datasets.Dataset`.

- Encoding: UTF-8 (with or without a byte-order mark); UTF-16 with a BOM is accepted too.
- Delimiter: comma, semicolon or tab, sniffed from the first lines. In a semicolon- or
  tab-separated file a decimal comma (``1,5``) is read as a decimal point.
- Header: the first row is a header when none of its cells is a number and it holds text
  where the rows below hold numbers; otherwise the columns are named ``col0``, ``col1``, ...
- Target: a column name or 0-based index (default: the last column). Text labels, or at
  most :data:`MAX_INTEGER_CLASSES` distinct integers, make a classification task (classes
  sorted); other numbers make a regression task. ``task`` overrides the guess.
- Every other column is an input and must hold a finite number in every row.

Every problem raises :class:`DataError` whose message names the file and, for a bad cell,
the row (the line number an editor or spreadsheet shows, header = row 1) and the column.
The error also carries ``row`` and ``column`` attributes (None when not about one cell).
"""

from __future__ import annotations

import codecs
import csv
import io
import os
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from nnstudio.engine.datasets import Dataset
from nnstudio.engine.errors import DataError

MAX_INTEGER_CLASSES = 20
MAX_CLASSES = 1000
MIN_ROWS = 2
TASK_CHOICES = ("binary", "multiclass", "regression", "classification")
DELIMITERS = (",", ";", "\t")
MISSING_MARKERS = frozenset({"", "na", "n/a", "nan", "null", "none", "?"})

_DECIMAL_COMMA = re.compile(r"[+-]?(?:\d+,\d*|,\d+)(?:[eE][+-]?\d+)?")
_INDEX = re.compile(r"[+-]?\d{1,9}")
_SNIFF_CHARS = 65536
_SNIFF_LINES = 60
_HEADER_SAMPLE = 200


def _error(message: str, row: int | None = None, column: str | None = None) -> DataError:
    error = DataError(message)
    error.row = row  # type: ignore[attr-defined]
    error.column = column  # type: ignore[attr-defined]
    return error


def _show(cell: str) -> str:
    """A cell as it can be quoted in a message: short and printable."""
    text = cell if len(cell) <= 40 else cell[:37] + "..."
    return f"'{text}'" if text.isprintable() else repr(text)


# --- reading --------------------------------------------------------------------------------

def _read_text(path: Path, label: str) -> str:
    try:
        is_folder = path.is_dir()
    except (OSError, ValueError):  # ValueError: e.g. a NUL character in the name
        is_folder = False
    if is_folder:
        raise _error(f"{path} is a folder, not a CSV file")
    try:
        raw = path.read_bytes()
    except ValueError:
        raise _error(f"{str(path)!r} is not a valid file name") from None
    except FileNotFoundError:
        raise _error(f"CSV file not found: {path}") from None
    except PermissionError:
        raise _error(f"cannot read {path}: permission denied") from None
    except OSError as exc:
        raise _error(f"cannot read {path}: {exc.strerror or exc}") from None
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            text = raw.decode("utf-16")
        except UnicodeDecodeError:
            raise _error(
                f"{label} starts like UTF-16 text but cannot be decoded; save it as 'CSV UTF-8'"
            ) from None
    else:
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            data = bytes(exc.object)
            line = data.count(b"\n", 0, exc.start) + 1
            raise _error(
                f"{label} is not UTF-8 text: byte 0x{data[exc.start]:02x} on line {line} cannot "
                "be decoded; save the file as 'CSV UTF-8' (or check that it is a CSV file)",
                row=line,
            ) from None
    if "\x00" in text:
        raise _error(f"{label} is not a text file (it contains NUL bytes); choose a CSV file")
    if not text.strip().strip(",;\t\r\n\f\v "):
        raise _error(f"{label} is empty: a CSV file needs a row per sample")
    return text


def _number(cell: str, decimal_comma: bool) -> float | None:
    """The cell's value, or None if it is missing or not a number (inf is returned)."""
    if cell.lower() in MISSING_MARKERS:
        return None
    try:
        value = float(cell)
    except ValueError:
        if not (decimal_comma and _DECIMAL_COMMA.fullmatch(cell)):
            return None
        value = float(cell.replace(",", "."))
    return None if value != value else value  # NaN spelled another way counts as missing


def _cell_problem(cell: str, decimal_comma: bool) -> str | None:
    """'missing', 'text', 'infinite' or None for a good number."""
    if cell.lower() in MISSING_MARKERS:
        return "missing"
    value = _number(cell, decimal_comma)
    if value is None:
        return "missing" if cell.lower().lstrip("+-") == "nan" else "text"
    return None if np.isfinite(value) else "infinite"


def _sniff_delimiter(text: str) -> str:
    lines = text[:_SNIFF_CHARS].splitlines()[:_SNIFF_LINES]
    sample = "\n".join(lines)
    best, best_score = ",", (-1.0, -1.0, -1.0, -1)
    for delimiter in DELIMITERS:
        try:
            rows = [
                [c.strip() for c in row]
                for row in csv.reader(io.StringIO(sample), delimiter=delimiter)
                if any(c.strip() for c in row)
            ]
        except csv.Error:
            continue
        if not rows:
            continue
        width, count = Counter(len(r) for r in rows).most_common(1)[0]
        cells = [c for r in rows for c in r]
        numeric = sum(_number(c, delimiter != ",") is not None for c in cells) / len(cells)
        score = (float(width >= 2), count / len(rows), numeric, width)
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _records(text: str, delimiter: str, label: str) -> list[tuple[int, list[str]]]:
    """Non-blank records as (first line number, stripped cells)."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    records: list[tuple[int, list[str]]] = []
    start = 1
    try:
        for cells in reader:
            line, start = start, reader.line_num + 1
            stripped = list(map(str.strip, cells))
            if any(stripped):
                records.append((line, stripped))
    except csv.Error as exc:
        line = reader.line_num
        raise _error(f"{label}: row {line}: this is not valid CSV ({exc})", row=line) from None
    return records


# --- table shape ----------------------------------------------------------------------------

def _has_header(records: list[tuple[int, list[str]]], decimal_comma: bool) -> bool:
    first = records[0][1]
    later = [cells for _, cells in records[1:1 + _HEADER_SAMPLE]]
    text_cells = [  # "inf" is text here: a column may well be called that
        j for j, c in enumerate(first)
        if c.lower() not in MISSING_MARKERS and _cell_problem(c, decimal_comma) is not None
    ]
    if any(c.lower() not in MISSING_MARKERS for j, c in enumerate(first) if j not in text_cells):
        return False  # a row holding a number is data (a typo in it is reported, not dropped)
    if not later:
        return bool(text_cells)
    for j in text_cells:
        column = [r[j] for r in later if j < len(r) and r[j].lower() not in MISSING_MARKERS]
        numeric = sum(_number(c, decimal_comma) is not None for c in column)
        if column and 2 * numeric >= len(column):
            return True
    # No numbers below anything: a first row of distinct words still reads as names.
    return len(text_cells) == len(first) and len(set(first)) == len(first)


def _column_names(header: list[str] | None, width: int) -> list[str]:
    if header is None:
        return [f"col{j}" for j in range(width)]
    names: list[str] = []
    taken: set[str] = set()
    for j, cell in enumerate(header):
        name = cell or f"col{j}"
        base, k = name, 1
        while name in taken:
            name, k = f"{base}.{k}", k + 1
        taken.add(name)
        names.append(name)
    return names


def _rectangular(records: list[tuple[int, list[str]]], header: bool,
                 label: str) -> list[tuple[int, list[str]]]:
    """Rows trimmed to the first row's width; ragged rows and empty end columns handled."""
    first_line, first = records[0]
    width = len(first)
    reference = f"the header (row {first_line})" if header else f"the first row (row {first_line})"
    rows: list[tuple[int, list[str]]] = []
    for line, cells in records:
        if len(cells) > width and not any(cells[width:]):
            cells = cells[:width]
        if len(cells) != width:
            raise _error(
                f"{label}: row {line} has {len(cells)} values but {reference} has {width}; "
                "every row needs the same number of columns (is a comma inside a value "
                "missing its quotes?)",
                row=line,
            )
        rows.append((line, cells))
    full_width = width
    while width > 1 and not any(cells[width - 1] for _, cells in rows):
        width -= 1
    if width == full_width:
        return rows
    return [(line, cells[:width]) for line, cells in rows]


def _target_index(target: object, names: list[str], label: str) -> int:
    width = len(names)
    if target is None:
        return width - 1
    if isinstance(target, bool):
        raise _error(f"target must be a column name or a 0-based column index, not {target!r}")
    if isinstance(target, str):
        wanted = target.strip()
        if wanted in names:
            return names.index(wanted)
        folded = [n for n in names if n.casefold() == wanted.casefold()]
        if len(folded) == 1:
            return names.index(folded[0])
        if not _INDEX.fullmatch(wanted):
            shown = ", ".join(names[:12]) + (", ..." if width > 12 else "")
            raise _error(f"{label} has no column named '{wanted}'; its columns are: {shown}")
        index = int(wanted)
    elif isinstance(target, (int, np.integer)):
        index = int(target)
    else:
        raise _error(f"target must be a column name or a 0-based column index, not {target!r}")
    if not -width <= index < width:
        raise _error(
            f"target column {index} is out of range: {label} has {width} columns "
            f"(0..{width - 1})"
        )
    return index % width


# --- columns --------------------------------------------------------------------------------

def _first_problem(cells: list[str], decimal_comma: bool) -> tuple[int, str] | None:
    for i, cell in enumerate(cells):
        problem = _cell_problem(cell, decimal_comma)
        if problem is not None:
            return i, problem
    return None


def _numeric_column(cells: list[str], decimal_comma: bool) -> tuple[np.ndarray | None,
                                                                      tuple[int, str] | None]:
    """(values, None) for an all-finite column, else (None, (row index, problem))."""
    if decimal_comma:
        cells_for_float = [
            c.replace(",", ".") if "," in c and _DECIMAL_COMMA.fullmatch(c) else c
            for c in cells
        ]
    else:
        cells_for_float = cells
    try:
        values = np.fromiter(map(float, cells_for_float), dtype=np.float64, count=len(cells))
    except ValueError:
        values = None
    if values is not None and np.isfinite(values).all():
        return values, None
    problem = _first_problem(cells, decimal_comma)
    if problem is None:  # float() and _number() disagree on nothing in practice; be safe
        return np.array([_number(c, decimal_comma) for c in cells], dtype=np.float64), None
    return None, problem


def _cell_message(label: str, line: int, where: str, cell: str, problem: str,
                  is_target: bool) -> str:
    if problem == "missing":
        what = "missing target value" if is_target else "missing value"
        advice = ("every row needs a target" if is_target else
                  "every input column needs a number in every row")
        return f"{label}: row {line}, {where}: {what}; {advice} (fill it in or delete the row)"
    if problem == "infinite":
        return f"{label}: row {line}, {where}: {_show(cell)} is not a finite number"
    return (f"{label}: row {line}, {where}: {_show(cell)} is not a number; input columns "
            "must be numeric (only the target column may hold text labels)")


def _normalise_task(task: object) -> str | None:
    if task is None:
        return None
    if not isinstance(task, str):
        raise _error(f"task must be one of {', '.join(TASK_CHOICES)}, not {task!r}")
    name = task.strip().lower()
    if name in ("", "auto"):
        return None
    if name not in TASK_CHOICES:
        raise _error(f"unknown task '{task}'; choose one of {', '.join(TASK_CHOICES)}")
    return name


def _classes_from_numbers(values: np.ndarray) -> tuple[np.ndarray, list]:
    distinct = np.unique(values)
    integral = bool(np.all(distinct == np.round(distinct)) and np.all(np.abs(distinct) < 2**53))
    labels = [int(v) for v in distinct] if integral else [float(v) for v in distinct]
    return np.searchsorted(distinct, values).astype(np.int64), labels


def _target_values(cells: list[str], task: str | None, label: str, column: str,
                   lines: list[int], decimal_comma: bool) -> tuple[np.ndarray, str, list | None]:
    values, _ = _numeric_column(cells, decimal_comma)
    if values is not None:  # the common case: all finite numbers
        return _numeric_target(values, task, label, column)
    problems = [(i, _cell_problem(c, decimal_comma)) for i, c in enumerate(cells)]
    for i, problem in problems:
        if problem == "missing":
            raise _error(_cell_message(label, lines[i], f"column '{column}'", cells[i],
                                       problem, True), row=lines[i], column=column)
    if not any(problem == "text" for _, problem in problems):
        i = next(i for i, problem in problems if problem == "infinite")
        raise _error(_cell_message(label, lines[i], f"column '{column}'", cells[i],
                                   "infinite", True), row=lines[i], column=column)
    if task == "regression":
        example = next(cells[i] for i, p in problems if p == "text")
        raise _error(
            f"{label}: the target column '{column}' holds text labels (e.g. {_show(example)}),"
            " so it cannot be a regression target; use a classification task"
        )
    labels: list = sorted(set(cells))
    lookup = {value: k for k, value in enumerate(labels)}
    y = np.fromiter((lookup[c] for c in cells), dtype=np.int64, count=len(cells))
    return _checked_classes(y, labels, task, label, column)


def _numeric_target(values: np.ndarray, task: str | None, label: str,
                    column: str) -> tuple[np.ndarray, str, list | None]:
    if task is None:
        distinct = np.unique(values)
        few_integers = (len(distinct) <= MAX_INTEGER_CLASSES
                        and bool(np.all(distinct == np.round(distinct))))
        task = "classification" if few_integers else "regression"
    if task == "regression":
        return values, "regression", None
    y, labels = _classes_from_numbers(values)
    return _checked_classes(y, labels, task, label, column)


def _checked_classes(y: np.ndarray, labels: list, task: str | None, label: str,
                     column: str) -> tuple[np.ndarray, str, list | None]:
    if len(labels) < 2:
        raise _error(
            f"{label}: the target column '{column}' has only one class ({labels[0]!r}); "
            "a classifier needs at least two"
        )
    if len(labels) > MAX_CLASSES:
        raise _error(
            f"{label}: the target column '{column}' has {len(labels)} distinct values, too many "
            f"classes (at most {MAX_CLASSES}); is it a number to predict (task 'regression')?"
        )
    if task == "binary" and len(labels) != 2:
        raise _error(
            f"{label}: a binary task needs exactly two classes, but the target column "
            f"'{column}' has {len(labels)}"
        )
    if task in (None, "classification"):
        task = "binary" if len(labels) == 2 else "multiclass"
    return y, task, labels


# --- public ---------------------------------------------------------------------------------

@dataclass
class CsvTable:
    """A CSV file's data rows as text, after encoding, delimiter and header detection.

    ``lines[i]`` is the line number of ``rows[i]`` (header = row 1), as error messages say.
    """

    label: str
    delimiter: str
    header: bool
    names: list[str]
    lines: list[int]
    rows: list[list[str]]

    @property
    def decimal_comma(self) -> bool:
        """Whether ``1,5`` reads as 1.5 (semicolon- and tab-separated files)."""
        return self.delimiter != ","

    def column_index(self, column: str | int) -> int:
        """A column by name (exact, then ignoring case) or 0-based index; DataError if none."""
        if column is None:
            raise _error("a column name or a 0-based column index is needed")
        return _target_index(column, self.names, self.label)

    def where(self, j: int) -> str:
        """How messages name column ``j``: by header name, or by position and ``colN``."""
        name = self.names[j]
        return f"column '{name}'" if self.header else f"column {j + 1} ('{name}')"

    def numeric(self, columns: Sequence[int],
                labels: Sequence[str] | None = None) -> np.ndarray:
        """Float matrix ``(n_rows, len(columns))`` of these columns, every value finite.

        The first bad cell in reading order (row, then column) raises :class:`DataError`
        naming its row and column (also as the error's ``row`` and ``column``). ``labels``
        says how that message names each of ``columns`` (default: :meth:`where`).
        """
        X = np.empty((len(self.rows), len(columns)), dtype=np.float64)
        first_bad: tuple[int, int, int, str] | None = None
        for k, j in enumerate(columns):
            values, problem = _numeric_column([cells[j] for cells in self.rows],
                                              self.decimal_comma)
            if problem is None:
                X[:, k] = values
            elif first_bad is None or (problem[0], j) < first_bad[:2]:
                first_bad = (problem[0], j, k, problem[1])
        if first_bad is not None:
            i, j, k, problem = first_bad
            line = self.lines[i]
            where = self.where(j) if labels is None else labels[k]
            raise _error(
                _cell_message(self.label, line, where, self.rows[i][j], problem, False),
                row=line, column=self.names[j],
            )
        return X


def read_table(path: str | os.PathLike[str], *, strict: bool = True,
               max_rows: int | None = None) -> CsvTable:
    """Read a CSV file's cells as text with load_csv's rules (see the module docstring).

    ``strict`` (what loading needs): a row with a different number of values than the first
    row, or a file without data rows, raises :class:`DataError`; empty trailing columns are
    dropped. Not strict (for a preview): rows are kept as they are (possibly ragged) and
    ``names`` covers the widest row. ``max_rows`` (at least 1) keeps only the first data
    rows, e.g. for a preview; the header is still detected from the whole file, while
    ``names`` and the strict checks then cover only the rows kept.
    """
    file = Path(path)
    label = file.name or str(file)
    text = _read_text(file, label)
    delimiter = _sniff_delimiter(text)
    records = _records(text, delimiter, label)
    if not records:
        raise _error(f"{label} is empty: a CSV file needs a row per sample")
    header = _has_header(records, delimiter != ",")
    if max_rows is not None:
        records = records[:max(max_rows, 1) + header]
    if strict:
        records = _rectangular(records, header, label)
        width = len(records[0][1])
    else:
        width = max(len(cells) for _, cells in records)
    first = records[0][1] + [""] * (width - len(records[0][1])) if header else None
    data = records[1:] if header else records
    if strict and not data:
        raise _error(f"{label} has only a header row and no data rows")
    return CsvTable(
        label=label,
        delimiter=delimiter,
        header=header,
        names=_column_names(first, width),
        lines=[line for line, _ in data],
        rows=[cells for _, cells in data],
    )


def load_csv(path: str | os.PathLike[str], target: str | int | None = None,
             task: str | None = None) -> Dataset:
    """Load a CSV file as a data set (see the module docstring for the rules).

    ``target`` is a column name or 0-based index (default: the last column); ``task`` is
    None/"auto" to guess, or "binary", "multiclass", "regression" or "classification".
    """
    wanted_task = _normalise_task(task)
    table = read_table(path)
    label, names = table.label, table.names
    if len(table.rows) < MIN_ROWS:
        raise _error(f"{label} has {len(table.rows)} data row; at least {MIN_ROWS} are needed")
    if len(names) < 2:
        raise _error(
            f"{label} has a single column; it needs input columns and a target column, "
            "separated by commas, semicolons or tabs"
        )
    target_j = _target_index(target, names, label)
    feature_js = [j for j in range(len(names)) if j != target_j]
    X = table.numeric(feature_js)
    y, final_task, classes = _target_values(
        [cells[target_j] for cells in table.rows], wanted_task, label, names[target_j],
        table.lines, table.decimal_comma,
    )
    return Dataset(
        name=Path(path).stem or label,
        X=X,
        y=y,
        task=final_task,
        feature_names=[names[j] for j in feature_js],
        classes=classes,
        target_name=names[target_j],
    )
