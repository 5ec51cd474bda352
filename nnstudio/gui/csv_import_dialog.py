"""CsvImportDialog: choose a CSV file, see its first rows, pick the target column and task.

The file is read by the engine (:func:`nnstudio.engine.csvdata.load_csv`) every time the
file, target or task changes; a :class:`DataError` is shown in the dialog as the engine
words it (file, row, column) and the Import button stays disabled until the file loads.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from nnstudio.engine import csvdata
from nnstudio.engine.datasets import Dataset
from nnstudio.engine.errors import DataError
from nnstudio.engine.experiment import DataConfig
from nnstudio.gui import style
from nnstudio.gui.banner import ICON_SIZE, message_pixmap

PREVIEW_ROWS = 20
#: task choices shown -> value passed to load_csv
TASK_CHOICES = {"Automatic (from the target column)": None,
                "Classification": "classification",
                "Regression": "regression"}


def read_preview(path: str | Path, rows: int = PREVIEW_ROWS
                 ) -> tuple[list[str], list[int], list[list[str]]]:
    """Column names (as the engine names them), the line numbers of the first ``rows`` data
    rows (header = row 1, as in the engine's messages) and their cells, as text.

    Uses the engine's own CSV reading rules (encoding, delimiter and header detection) so
    that the preview and the target names match what ``load_csv`` sees. Ragged rows are
    shown as they are (loading then names the bad row). Raises DataError.
    """
    table = csvdata.read_table(path, strict=False, max_rows=rows)
    return table.names, table.lines, table.rows


class CsvImportDialog(QDialog):
    """Pick a CSV file, its target column and task; ``data_config()`` after ``accept``."""

    def __init__(self, parent: QWidget | None = None, config: DataConfig | None = None,
                 start_dir: str | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Import CSV")
        self.resize(720, 520)
        self._dataset: Dataset | None = None
        self._names: list[str] = []
        self._rows: list[list[str]] = []
        self._lines: list[int] = []
        self._bad_cell: tuple[int, str] | None = None
        self._start_dir = start_dir
        self._loading = False
        self._last_path = ""

        layout = QVBoxLayout(self)
        layout.setSpacing(8)
        intro = QLabel("Each row is one sample. The target column is what the network "
                       "learns to predict; every other column must hold numbers.")
        intro.setWordWrap(True)
        intro.setObjectName("muted")
        layout.addWidget(intro)

        file_row = QHBoxLayout()
        self.path_edit = QLineEdit()
        self.path_edit.setPlaceholderText("Choose a .csv file…")
        self.browse_button = QPushButton("Browse…")
        file_row.addWidget(QLabel("File"))
        file_row.addWidget(self.path_edit, 1)
        file_row.addWidget(self.browse_button)
        layout.addLayout(file_row)

        self.table = QTableWidget(0, 0)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().setDefaultSectionSize(22)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.table.horizontalHeader().setDefaultSectionSize(90)
        self.table.horizontalHeader().setStretchLastSection(True)  # no empty band at the right
        self.preview_label = QLabel("Preview")
        self.preview_label.setObjectName("cardTitle")
        layout.addWidget(self.preview_label)
        layout.addWidget(self.table, 1)

        choices = QGridLayout()
        choices.setHorizontalSpacing(8)
        self.target_combo = QComboBox()
        self.target_combo.setToolTip("The column to predict (default: the last column).")
        self.task_combo = QComboBox()
        self.task_combo.addItems(list(TASK_CHOICES))
        self.task_combo.setToolTip(
            "Automatic: text labels or a few whole numbers make a classification task, "
            "other numbers a regression task.")
        choices.addWidget(QLabel("Target column"), 0, 0)
        choices.addWidget(self.target_combo, 0, 1)
        choices.addWidget(QLabel("Task"), 0, 2)
        choices.addWidget(self.task_combo, 0, 3)
        choices.setColumnStretch(1, 1)
        choices.setColumnStretch(3, 1)
        layout.addLayout(choices)

        # what loading the file gave: a drawn icon (no glyphs) and the engine's words
        self.status_box = QFrame()
        self.status_box.setObjectName("csvStatus")
        self.status_box.setMinimumHeight(40)
        status_row = QHBoxLayout(self.status_box)
        status_row.setContentsMargins(8, 6, 8, 6)
        status_row.setSpacing(8)
        self.status_icon = QLabel()
        self.status_icon.setFixedSize(ICON_SIZE, ICON_SIZE)
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        status_row.addWidget(self.status_icon, 0, Qt.AlignmentFlag.AlignTop)
        status_row.addWidget(self.status, 1)
        layout.addWidget(self.status_box)

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.import_button = self.buttons.addButton("Import",
                                                    QDialogButtonBox.ButtonRole.AcceptRole)
        self.import_button.setDefault(True)
        layout.addWidget(self.buttons)

        self.browse_button.clicked.connect(self.browse)
        self.path_edit.editingFinished.connect(self._path_edited)
        self.target_combo.currentIndexChanged.connect(self._reload)
        self.task_combo.currentIndexChanged.connect(self._reload)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)

        self._show_message("Choose a CSV file to see its first rows.", "info")
        if config is not None and config.path:
            self.path_edit.setText(config.path)
            task = {"binary": "classification", "multiclass": "classification"}.get(
                config.task or "", config.task)
            for label, value in TASK_CHOICES.items():
                if value == task:
                    self.task_combo.setCurrentText(label)
            self.set_path(config.path, target=config.target)

    # --- public --------------------------------------------------------------------------------
    def set_path(self, path: str, target: str | int | None = None) -> None:
        """Show ``path``'s preview and load it (``target``: name or index; default last)."""
        self.path_edit.setText(path)
        self._dataset = None
        self._names, self._lines, self._rows = [], [], []
        self._bad_cell = None
        try:
            self._names, self._lines, self._rows = read_preview(path)
        except DataError as exc:
            self._fill_table()
            self._set_targets(None)
            self._show_message(str(exc), "error")
            return
        except OSError as exc:  # defensive: the engine maps read errors to DataError
            self._fill_table()
            self._set_targets(None)
            self._show_message(f"cannot read {path}: {exc}", "error")
            return
        self._set_targets(target)
        self._fill_table()
        self._reload()

    def dataset(self) -> Dataset | None:
        """The loaded data set, or None while the file cannot be used."""
        return self._dataset

    def error_text(self) -> str:
        return self.status.text() if self.status.property("kind") == "error" else ""

    def data_config(self, base: DataConfig | None = None) -> DataConfig | None:
        """A DataConfig for the chosen file (keeping ``base``'s split settings), or None."""
        if self._dataset is None:
            return None
        task_value = TASK_CHOICES[self.task_combo.currentText()]
        task = None if task_value is None else self._dataset.task
        cfg = DataConfig(source="csv", path=self.path_edit.text().strip(),
                         target=self._dataset.target_name, task=task)
        if base is not None:
            cfg.name = base.name
            cfg.seed = base.seed
            cfg.test_fraction = base.test_fraction
            cfg.standardize = base.standardize
        return cfg

    def browse(self) -> None:
        from nnstudio.gui.app import settings

        current = self.path_edit.text().strip()
        if current:
            start = str(Path(current).parent)
        else:
            start = self._start_dir or str(settings().value("csv_dir", str(Path.home())))
        path, _ = QFileDialog.getOpenFileName(
            self, "Open a CSV file", start, "CSV files (*.csv *.tsv *.txt);;All files (*)")
        if path:
            settings().setValue("csv_dir", str(Path(path).parent))
            self.set_path(path)

    # --- internals -----------------------------------------------------------------------------
    def _path_edited(self) -> None:
        path = self.path_edit.text().strip()
        if path and path != self._last_path:
            self.set_path(path)

    def _set_targets(self, target: str | int | None) -> None:
        self._loading = True
        self.target_combo.clear()
        self.target_combo.addItems(self._names)
        if self._names:
            index = len(self._names) - 1
            if isinstance(target, int) and -len(self._names) <= target < len(self._names):
                index = target % len(self._names)
            elif isinstance(target, str) and target in self._names:
                index = self._names.index(target)
            self.target_combo.setCurrentIndex(index)
        self.target_combo.setEnabled(bool(self._names))
        self._loading = False

    def _fill_table(self) -> None:
        names, rows = self._names, self._rows
        self.table.clear()
        self.table.setColumnCount(len(names))
        self.table.setRowCount(len(rows))
        self.table.setHorizontalHeaderLabels(names)
        self.table.setVerticalHeaderLabels([str(line) for line in self._lines])
        for r, cells in enumerate(rows):
            for c, cell in enumerate(cells[:len(names)]):
                self.table.setItem(r, c, QTableWidgetItem(cell))
            for c in range(len(cells), len(names)):
                self.table.setItem(r, c, QTableWidgetItem(""))
        shown = len(rows)
        self.preview_label.setText(f"Preview (first {shown} rows)" if shown else "Preview")
        self._mark_target()

    def _mark_target(self) -> None:
        target = self.target_combo.currentIndex()
        tint = QBrush(QColor(style.theme_colors(style.current_theme())["selected"]))
        dark = style.current_theme() == "dark"
        bad = QBrush(QColor("#5c2a26" if dark else style.ERROR_BG))
        bold = QFont(self.table.font())
        bold.setBold(True)
        bad_row = bad_col = -1
        if self._bad_cell is not None:
            line, column = self._bad_cell
            bad_row = self._lines.index(line) if line in self._lines else -1
            bad_col = self._names.index(column) if column in self._names else -1
        for c in range(self.table.columnCount()):
            header = self.table.horizontalHeaderItem(c)
            if header is not None:
                header.setFont(bold if c == target else self.table.font())
                header.setText(self._names[c] + (" (target)" if c == target else ""))
            for r in range(self.table.rowCount()):
                item = self.table.item(r, c)
                if item is not None:
                    item.setBackground(bad if (r, c) == (bad_row, bad_col)
                                       else tint if c == target else QBrush())
        self.table.resizeColumnsToContents()
        for c in range(self.table.columnCount()):
            width = self.table.columnWidth(c)
            self.table.setColumnWidth(c, min(max(width + 12, 60), 220))

    def _reload(self, *_: object) -> None:
        if self._loading or not self._names:
            return
        self._mark_target()
        path = self.path_edit.text().strip()
        self._last_path = path
        task = TASK_CHOICES[self.task_combo.currentText()]
        try:
            dataset = csvdata.load_csv(path, target=self.target_combo.currentIndex(), task=task)
        except DataError as exc:
            self._dataset = None
            row, column = getattr(exc, "row", None), getattr(exc, "column", None)
            self._bad_cell = (row, column) if row is not None and column is not None else None
            self._mark_target()
            self._show_message(str(exc), "error")
            return
        except OSError as exc:
            self._dataset = None
            self._show_message(f"cannot read {path}: {exc}", "error")
            return
        self._dataset = dataset
        if self._bad_cell is not None:
            self._bad_cell = None
            self._mark_target()
        self._show_message(self._summary(dataset), "ok")

    @staticmethod
    def _summary(d: Dataset) -> str:
        inputs = f"{d.n_features} input column{'s' if d.n_features != 1 else ''}"
        if d.task == "regression":
            what = f"regression on '{d.target_name}'"
        else:
            shown = ", ".join(str(c) for c in d.classes[:6]) + (", …" if d.n_classes > 6 else "")
            what = f"{d.task} classification of '{d.target_name}' ({d.n_classes} classes: {shown})"
        return f"{d.n_samples} rows · {inputs} · {what}"

    def _show_message(self, text: str, kind: str) -> None:
        colors = {
            "error": (style.ERROR_BG, style.ERROR_BORDER, style.TEXT),
            "ok": ("#e6f4ea", "#8fcf9f", style.SUCCESS),
            "info": ("transparent", "transparent", style.MUTED),
        }
        bg, border, fg = colors[kind]
        self.status.setProperty("kind", kind)
        self.status.setText(text)
        self.status_icon.setPixmap(message_pixmap(kind))
        self.status_box.setStyleSheet(
            f"QFrame#csvStatus {{ background: {bg}; border: 1px solid {border};"
            f" border-radius: 5px; }} QFrame#csvStatus QLabel {{ color: {fg}; }}")
        self.import_button.setEnabled(kind == "ok")
