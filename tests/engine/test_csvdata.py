"""CSV import: header and delimiter detection, targets and tasks, and every kind of bad file."""

from __future__ import annotations

import string
import tempfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nnstudio.engine.csvdata import MISSING_MARKERS, load_csv, read_table
from nnstudio.engine.datasets import Dataset
from nnstudio.engine.errors import DataError
from nnstudio.paths import resource


def write(tmp_path: Path, text: str, name: str = "data.csv", encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def error_of(path: Path, **kwargs) -> DataError:
    with pytest.raises(DataError) as info:
        load_csv(path, **kwargs)
    return info.value


# --- reading good files -----------------------------------------------------------------------


def test_header_and_text_labels(tmp_path):
    path = write(tmp_path, "a,b,species\n1,2,dog\n3,4.5,cat\n-5,6e1,dog\n7,8,bird\n")
    data = load_csv(path)
    assert isinstance(data, Dataset)
    assert data.name == "data"
    assert data.feature_names == ["a", "b"] and data.target_name == "species"
    np.testing.assert_array_equal(data.X, [[1, 2], [3, 4.5], [-5, 60], [7, 8]])
    assert data.classes == ["bird", "cat", "dog"]
    np.testing.assert_array_equal(data.y, [2, 1, 2, 0])
    assert data.task == "multiclass"


def test_without_header_columns_are_numbered_and_last_is_target(tmp_path):
    data = load_csv(write(tmp_path, "1,2,0\n3,4,1\n5,6,1\n"))
    assert data.feature_names == ["col0", "col1"] and data.target_name == "col2"
    assert data.task == "binary" and data.classes == [0, 1]
    np.testing.assert_array_equal(data.y, [0, 1, 1])


def test_header_detected_even_when_the_target_is_text(tmp_path):
    data = load_csv(write(tmp_path, "x,label\n1,yes\n2,no\n"))
    assert data.feature_names == ["x"] and data.classes == ["no", "yes"]


def test_text_first_row_without_header_is_still_data_when_numbers_follow_elsewhere(tmp_path):
    # First row's text is in the label column only, whose later rows are text too: no header.
    data = load_csv(write(tmp_path, "1,2,yes\n3,4,no\n5,6,no\n"))
    assert data.feature_names == ["col0", "col1"] and data.n_samples == 3


def test_a_first_row_holding_numbers_is_data_even_with_a_typo(tmp_path):
    error = error_of(write(tmp_path, "1o,2,0\n1,2,0\n3,4,1\n"))
    assert (error.row, error.column) == (1, "col0")
    assert "row 1, column 1 ('col0'): '1o' is not a number" in str(error)


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_delimiters_are_sniffed(tmp_path, delimiter):
    rows = [["x 1", "x2", "y"], ["1.5", "2", "0.25"], ["3", "-4", "1.75"], ["5", "6", "2.5"]]
    path = write(tmp_path, "\n".join(delimiter.join(r) for r in rows) + "\n")
    data = load_csv(path)
    assert data.feature_names == ["x 1", "x2"]
    np.testing.assert_allclose(data.X, [[1.5, 2], [3, -4], [5, 6]])
    assert data.task == "regression"
    np.testing.assert_allclose(data.y, [0.25, 1.75, 2.5])


def test_decimal_commas_in_a_semicolon_file(tmp_path):
    data = load_csv(write(tmp_path, "a;b;y\n1,5;2;0\n-3,25;4,0;1\n"))
    np.testing.assert_allclose(data.X, [[1.5, 2.0], [-3.25, 4.0]])
    np.testing.assert_array_equal(data.y, [0, 1])


def test_quoted_fields_with_delimiters_and_newlines(tmp_path):
    text = 'a,b,label\n1,2,"red, dark"\n3,4,"blue\nish"\n5,6,"red, dark"\n'
    data = load_csv(write(tmp_path, text))
    assert data.classes == ["blue\nish", "red, dark"]
    np.testing.assert_array_equal(data.y, [1, 0, 1])


def test_bom_crlf_and_blank_lines(tmp_path):
    path = tmp_path / "bom.csv"
    path.write_bytes(b"\xef\xbb\xbfa,b,y\r\n1,2,0\r\n\r\n3,4,1\r\n\r\n")
    data = load_csv(path)
    assert data.feature_names == ["a", "b"]  # no BOM glued to the first name
    assert data.n_samples == 2


def test_utf16_with_bom_is_read(tmp_path):
    path = tmp_path / "u16.csv"
    path.write_bytes("a\tb\ty\n1\t2\t0\n3\t4\t1\n".encode("utf-16"))
    assert load_csv(path).feature_names == ["a", "b"]


def test_non_ascii_names_and_labels(tmp_path):
    data = load_csv(write(tmp_path, "길이,너비,종\n1,2,장미\n3,4,국화\n"))
    assert data.feature_names == ["길이", "너비"] and data.classes == ["국화", "장미"]


def test_header_names_that_spell_infinity_are_names(tmp_path):
    data = load_csv(write(tmp_path, "inf,Infinity,y\n1,2,0\n3,4,1\n"))
    assert data.feature_names == ["inf", "Infinity"] and data.n_samples == 2


def test_duplicate_and_empty_header_names_are_made_unique(tmp_path):
    data = load_csv(write(tmp_path, ",x,x,y\n0,1,2,0\n1,3,4,1\n"))
    assert data.feature_names == ["col0", "x", "x.1"]


def test_trailing_delimiters_do_not_make_a_column(tmp_path):
    data = load_csv(write(tmp_path, "a,b,y,\n1,2,0,\n3,4,1,\n"))
    assert data.feature_names == ["a", "b"] and data.target_name == "y"


def test_spaces_around_values_are_ignored(tmp_path):
    data = load_csv(write(tmp_path, " a , b , y \n 1 , 2 , cat \n3,4, dog\n"))
    assert data.feature_names == ["a", "b"] and data.classes == ["cat", "dog"]


def test_bundled_iris_file_loads_as_csv():
    data = load_csv(resource("data", "iris.csv"))
    assert data.X.shape == (150, 4) and data.classes == ["setosa", "versicolor", "virginica"]


# --- target and task ----------------------------------------------------------------------


@pytest.fixture()
def table(tmp_path) -> Path:
    return write(tmp_path, "a,kind,b,value\n1,0,2,0.5\n2,1,3,1.5\n3,2,4,2.25\n4,1,5,3\n")


def test_target_by_name(table):
    data = load_csv(table, target="kind")
    assert data.feature_names == ["a", "b", "value"] and data.target_name == "kind"
    assert data.classes == [0, 1, 2] and data.task == "multiclass"


def test_target_by_name_ignores_case_and_spaces(table):
    assert load_csv(table, target=" KIND ").target_name == "kind"


@pytest.mark.parametrize("target", [1, "1", np.int64(1), -3])
def test_target_by_index(table, target):
    assert load_csv(table, target=target).target_name == "kind"


def test_default_target_is_last_column(table):
    data = load_csv(table)
    assert data.target_name == "value" and data.task == "regression"
    np.testing.assert_allclose(data.y, [0.5, 1.5, 2.25, 3])


def test_unknown_target_name_lists_the_columns(table):
    message = str(error_of(table, target="weight"))
    assert "weight" in message and "a, kind, b, value" in message


@pytest.mark.parametrize("target", [4, -5, "7"])
def test_target_index_out_of_range(table, target):
    assert "out of range" in str(error_of(table, target=target))


@pytest.mark.parametrize("target", [1.0, True, ["a"]])
def test_target_of_the_wrong_type(table, target):
    assert "column name or a 0-based column index" in str(error_of(table, target=target))


def test_few_integers_are_classification_many_are_regression(tmp_path):
    few = "\n".join(f"{i},{i % 20}" for i in range(60))
    assert load_csv(write(tmp_path, few, "few.csv")).task == "multiclass"
    many = "\n".join(f"{i},{i % 21}" for i in range(60))
    assert load_csv(write(tmp_path, many, "many.csv")).task == "regression"
    floats = "\n".join(f"{i},{i / 2}" for i in range(6))
    assert load_csv(write(tmp_path, floats, "floats.csv")).task == "regression"


def test_integer_looking_floats_are_integer_classes(tmp_path):
    data = load_csv(write(tmp_path, "x,y\n1,1.0\n2,3.0\n3,1.0\n"))
    assert data.classes == [1, 3] and data.task == "binary"
    assert all(type(c) is int for c in data.classes)


def test_task_override(table, tmp_path):
    assert load_csv(table, target="kind", task="regression").task == "regression"
    assert load_csv(table, task="classification").classes == [0.5, 1.5, 2.25, 3.0]
    assert load_csv(table, target="kind", task="multiclass").task == "multiclass"
    assert load_csv(table, target="kind", task=" Auto ").task == "multiclass"
    two = write(tmp_path, "x,y\n1,a\n2,b\n", "two.csv")
    assert load_csv(two, task="multiclass").task == "multiclass"
    assert load_csv(two, task="binary").task == "binary"


def test_binary_override_needs_two_classes(table):
    message = str(error_of(table, target="kind", task="binary"))
    assert "exactly two classes" in message and "3" in message


def test_regression_override_on_text_labels(tmp_path):
    path = write(tmp_path, "x,y\n1,a\n2,b\n")
    message = str(error_of(path, task="regression"))
    assert "text labels" in message and "'y'" in message


def test_unknown_task(table):
    message = str(error_of(table, task="ranking"))
    assert "ranking" in message and "binary, multiclass, regression, classification" in message


def test_one_class_target(tmp_path):
    message = str(error_of(write(tmp_path, "x,y\n1,a\n2,a\n3,a\n")))
    assert "only one class" in message and "'a'" in message


# --- bad cells: row and column named -------------------------------------------------------


def test_missing_feature_value_names_row_and_column(tmp_path):
    error = error_of(write(tmp_path, "a,b,y\n1,2,0\n3,,1\n5,6,0\n"))
    message = str(error)
    assert "data.csv" in message and "row 3" in message and "'b'" in message
    assert "missing value" in message
    assert error.row == 3 and error.column == "b"


@pytest.mark.parametrize("marker", ["NA", "nan", "NaN", "null", "?", "n/a", "None", "-nan"])
def test_missing_markers_are_missing_values(tmp_path, marker):
    error = error_of(write(tmp_path, f"a,b,y\n1,2,0\n3,{marker},1\n"))
    assert "missing value" in str(error) and error.row == 3


def test_non_numeric_feature_value(tmp_path):
    error = error_of(write(tmp_path, "a,b,y\n1,2,0\n3,4,1\nabc,6,0\n"))
    message = str(error)
    assert "row 4" in message and "'a'" in message and "'abc' is not a number" in message


def test_infinite_feature_value(tmp_path):
    error = error_of(write(tmp_path, "a,b,y\n1,2,0\n3,-inf,1\n"))
    assert "row 3" in str(error) and "not a finite number" in str(error)


def test_first_bad_cell_in_reading_order_is_reported(tmp_path):
    error = error_of(write(tmp_path, "a,b,c,y\n1,2,3,0\n4,5,x,1\n,8,9,0\n"))
    assert (error.row, error.column) == (3, "c")


def test_row_numbers_count_blank_lines_and_multiline_fields(tmp_path):
    text = 'a,b,note\n1,2,"two\nlines"\n\n\n3,oops,x\n'
    error = error_of(write(tmp_path, text))
    assert error.row == 6 and "row 6" in str(error)


def test_row_number_without_header_and_column_position(tmp_path):
    error = error_of(write(tmp_path, "1,2,0\n3,,1\n"))
    message = str(error)
    assert "row 2" in message and "column 2 ('col1')" in message


def test_missing_target_value(tmp_path):
    error = error_of(write(tmp_path, "a,y\n1,cat\n2,\n3,dog\n"))
    assert "row 3" in str(error) and "'y'" in str(error) and "missing target" in str(error)


def test_infinite_regression_target(tmp_path):
    error = error_of(write(tmp_path, "a,y\n1,0.5\n2,inf\n3,2.5\n"))
    assert error.row == 3 and "not a finite number" in str(error)


# --- bad files ----------------------------------------------------------------------------


def test_missing_file(tmp_path):
    message = str(error_of(tmp_path / "nope.csv"))
    assert "not found" in message and "nope.csv" in message


def test_invalid_file_name(tmp_path):
    assert "not a valid file name" in str(error_of(str(tmp_path / "a\x00b.csv")))


def test_directory(tmp_path):
    assert "folder" in str(error_of(tmp_path))


@pytest.mark.parametrize("text", ["", "\n\n", "  \n\t\n", ",,,\n,,\n"])
def test_empty_file(tmp_path, text):
    assert "empty" in str(error_of(write(tmp_path, text)))


def test_only_a_header(tmp_path):
    assert "only a header" in str(error_of(write(tmp_path, "a,b,y\n")))


def test_single_data_row(tmp_path):
    assert "at least 2" in str(error_of(write(tmp_path, "a,b,y\n1,2,0\n")))


def test_single_column(tmp_path):
    assert "single column" in str(error_of(write(tmp_path, "y\n1\n2\n3\n")))


def test_ragged_rows(tmp_path):
    error = error_of(write(tmp_path, "a,b,y\n1,2,0\n3,4\n5,6,1\n"))
    message = str(error)
    assert "row 3 has 2 values" in message and "header (row 1) has 3" in message


def test_not_utf8(tmp_path):
    path = tmp_path / "latin.csv"
    path.write_bytes("a,b,y\n1,2,caf\u00e9\n3,4,b\n".encode("latin-1"))
    message = str(error_of(path))
    assert "not UTF-8" in message and "line 2" in message and "0xe9" in message


def test_binary_file(tmp_path):
    path = tmp_path / "model.npz"
    np.savez_compressed(path, a=np.arange(5))
    error = error_of(path)
    assert "model.npz" in str(error)


def test_file_with_nul_bytes(tmp_path):
    path = tmp_path / "nul.csv"
    path.write_bytes(b"a,b\n1,\x002\n")
    assert "NUL" in str(error_of(path))


def test_unreadable_file(tmp_path, monkeypatch):
    path = write(tmp_path, "a,y\n1,0\n2,1\n")

    def refuse(self):
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "read_bytes", refuse)
    message = str(error_of(path))
    assert "permission denied" in message and "data.csv" in message


# --- read_table: the same rules, for previews and for reading a model's input columns ------

def test_read_table_gives_text_cells_with_their_lines(tmp_path):
    table = read_table(write(tmp_path, "a;b;y\n1,5;2;x\n\n3;4;z\n"))
    assert table.header and table.delimiter == ";" and table.decimal_comma
    assert table.names == ["a", "b", "y"]
    assert table.lines == [2, 4] and table.rows == [["1,5", "2", "x"], ["3", "4", "z"]]
    assert table.column_index("B") == 1 and table.column_index(-1) == 2
    np.testing.assert_array_equal(table.numeric([1, 0]), [[2.0, 1.5], [4.0, 3.0]])


def test_read_table_numeric_names_the_bad_cell(tmp_path):
    table = read_table(write(tmp_path, "1,2,x\n3,?,y\n"))
    assert not table.header and table.where(1) == "column 2 ('col1')"
    with pytest.raises(DataError) as info:
        table.numeric([0, 1])
    assert (info.value.row, info.value.column) == (2, "col1")
    with pytest.raises(DataError, match="no column named 'q'"):
        table.column_index("q")


def test_read_table_preview_tolerates_ragged_rows_and_no_data(tmp_path):
    table = read_table(write(tmp_path, "a,b\n1,2,3\n4\n"), strict=False)
    assert table.names == ["a", "b", "col2"] and table.rows == [["1", "2", "3"], ["4"]]
    with pytest.raises(DataError, match="row 2 has 3 values"):
        read_table(write(tmp_path, "a,b\n1,2,3\n4\n"))
    assert read_table(write(tmp_path, "a,b\n"), strict=False).rows == []


def test_read_table_max_rows_keeps_the_first_rows_and_their_width(tmp_path):
    path = write(tmp_path, "a,b\n" + "1,2\n" * 5 + "3,4,5\n")
    table = read_table(path, strict=False, max_rows=3)
    assert table.header and table.names == ["a", "b"]
    assert table.lines == [2, 3, 4] and table.rows == [["1", "2"]] * 3
    assert read_table(path, strict=False).names == ["a", "b", "col2"]
    assert read_table(write(tmp_path, "1,2\n3,4\n5,6\n"), max_rows=2).lines == [1, 2]
    assert read_table(write(tmp_path, "1,2\n3,4\n"), strict=False, max_rows=0).lines == [1]


def test_read_table_numeric_labels_name_the_columns_in_messages(tmp_path):
    table = read_table(write(tmp_path, "1,2\n3,x\n"))
    with pytest.raises(DataError) as info:
        table.numeric([1, 0], labels=["column 2", "column 1"])
    assert "row 2, column 2: 'x' is not a number" in str(info.value)
    assert (info.value.row, info.value.column) == (2, "col1")


# --- properties ---------------------------------------------------------------------------


def _assert_valid(data: Dataset) -> None:
    n, d = data.X.shape
    assert n >= 2 and d >= 1 and np.isfinite(data.X).all()
    assert len(data.feature_names) == d and data.y.shape[0] == n
    if data.task == "regression":
        assert data.classes is None and np.isfinite(data.y).all()
    else:
        assert len(data.classes) >= 2
        assert data.y.min() >= 0 and data.y.max() < len(data.classes)


def _load_bytes(raw: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "fuzz.csv"
        path.write_bytes(raw)
        try:
            data = load_csv(path)
        except DataError as error:
            assert str(error)
            return
        _assert_valid(data)


_CSV_TOKENS = st.sampled_from(
    list("0123456789.,;\t\n\r\"' -+eEabcxyNAn?") + ["inf", "nan", "é", "1,5", "\n1,2,0\n"]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_CSV_TOKENS, max_size=120).map("".join))
def test_csv_like_text_loads_or_raises_data_error(text):
    _load_bytes(text.encode("utf-8"))


_NUMBERS = ["1", "0", "2.5", "-3e2", " 7 ", "1,5", "0", "1"]
_CELLS = st.sampled_from(
    _NUMBERS * 4 + ["", "NA", "a", "b", "inf", '"x,y"', "nan", "x1", '"q""uote"', "é"]
)


@st.composite
def csv_like_tables(draw):
    """Mostly rectangular tables of numbers with some text, holes and odd cells."""
    delimiter = draw(st.sampled_from([",", ";", "\t"]))
    newline = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    width = draw(st.integers(1, 5))
    rows = draw(st.lists(st.lists(_CELLS, min_size=width, max_size=width), max_size=12))
    if rows and draw(st.integers(0, 9)) == 0:
        rows[draw(st.integers(0, len(rows) - 1))].append("1")  # a ragged row
    return newline.join(delimiter.join(row) for row in rows) + draw(st.sampled_from(["", newline]))


@settings(max_examples=400, deadline=None)
@given(csv_like_tables())
def test_csv_like_tables_load_or_raise_data_error(text):
    _load_bytes(text.encode("utf-8"))


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200))
def test_arbitrary_text_loads_or_raises_data_error(text):
    _load_bytes(text.encode("utf-8", errors="surrogatepass"))


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=200))
def test_arbitrary_bytes_load_or_raise_data_error(raw):
    _load_bytes(raw)


_NAME = st.text(string.ascii_letters + "_", min_size=1, max_size=8).filter(
    lambda name: name.lower() not in MISSING_MARKERS  # "NA" is no name for a column
)


@st.composite
def table_with_a_hole(draw):
    n_rows = draw(st.integers(2, 12))
    n_cols = draw(st.integers(2, 6))
    names = draw(st.lists(_NAME, min_size=n_cols, max_size=n_cols, unique=True))
    values = draw(
        st.lists(
            st.lists(st.integers(-999, 999), min_size=n_cols, max_size=n_cols),
            min_size=n_rows,
            max_size=n_rows,
        )
    )
    row = draw(st.integers(0, n_rows - 1))
    col = draw(st.integers(0, n_cols - 2))  # a feature column (the target is the last)
    bad = draw(st.sampled_from(["", "NA", "abc", "1.2.3", "inf"]))
    delimiter = draw(st.sampled_from([",", ";", "\t"]))
    blank_before = draw(st.lists(st.booleans(), min_size=n_rows, max_size=n_rows))
    return names, values, row, col, bad, delimiter, blank_before


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(table_with_a_hole())
def test_a_bad_cell_is_reported_at_its_row_and_column(tmp_path, case):
    names, values, row, col, bad, delimiter, blank_before = case
    lines = [delimiter.join(names)]
    expected_line = None
    for i, cells in enumerate(values):
        if blank_before[i]:
            lines.append("")
        text_cells = [str(v) for v in cells]
        if i == row:
            text_cells[col] = bad
            expected_line = len(lines) + 1
        lines.append(delimiter.join(text_cells))
    path = write(tmp_path, "\n".join(lines) + "\n")
    error = error_of(path)
    assert (error.row, error.column) == (expected_line, names[col])
    assert f"row {expected_line}," in str(error) and f"'{names[col]}'" in str(error)


@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.lists(
        st.lists(
            st.floats(allow_nan=False, allow_infinity=False, width=64), min_size=3, max_size=3
        ),
        min_size=2,
        max_size=20,
    ),
    st.sampled_from([",", ";", "\t"]),
)
def test_numbers_round_trip_exactly(tmp_path, rows, delimiter):
    text = "a" + delimiter + "b" + delimiter + "y\n"
    text += "\n".join(delimiter.join(repr(v) for v in row) for row in rows) + "\n"
    data = load_csv(write(tmp_path, text), task="regression")
    np.testing.assert_array_equal(data.X, [row[:2] for row in rows])
    np.testing.assert_array_equal(data.y, [row[2] for row in rows])
