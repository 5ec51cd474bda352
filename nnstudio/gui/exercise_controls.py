"""Weight editing (slider + spin box per parameter) and the live truth table."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDoubleSpinBox,
    QGridLayout,
    QHeaderView,
    QLabel,
    QSlider,
    QTableWidget,
    QTableWidgetItem,
    QWidget,
)

from nnstudio.engine.exercises import RowCheck
from nnstudio.engine.perceptron import format_number

SLIDER_SCALE = 100  # slider steps per unit: 0.01 resolution
OK_COLOR = "#2e7d32"
BAD_COLOR = "#c62828"
ROW_HIGHLIGHT = QColor("#fff3c4")


class CleanSpinBox(QDoubleSpinBox):
    """A spin box that shows 0.55 rather than 0.5500 (4 decimals are kept internally)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setDecimals(4)
        self.setAlignment(Qt.AlignmentFlag.AlignRight)
        self.setMinimumWidth(84)

    def textFromValue(self, value: float) -> str:  # noqa: N802 (Qt override)
        text = self.locale().toString(float(value), "f", self.decimals())
        point = self.locale().decimalPoint()
        if point in text:
            text = text.rstrip("0")
            if text.endswith(point):
                text += "0"
        return text


class _ParameterRow:
    """One slider + spin box pair; the spin box holds the value."""

    def __init__(self, label: str, tooltip: str) -> None:
        self.label = QLabel(label)
        self.label.setToolTip(tooltip)
        self.label.setTextFormat(Qt.TextFormat.RichText)
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setToolTip(tooltip)
        self.spin = CleanSpinBox()
        self.spin.setToolTip(tooltip)
        self.slider.valueChanged.connect(self._slider_moved)

    def _slider_moved(self, value: int) -> None:
        self.spin.setValue(value / SLIDER_SCALE)

    def set_range(self, low: float, high: float, step: float) -> None:
        self.spin.blockSignals(True)
        self.slider.blockSignals(True)
        self.spin.setRange(low, high)
        self.spin.setSingleStep(step)
        self.slider.setRange(round(low * SLIDER_SCALE), round(high * SLIDER_SCALE))
        self.slider.setPageStep(round(10 * step * SLIDER_SCALE))
        self.spin.blockSignals(False)
        self.slider.blockSignals(False)

    def show_value(self, value: float) -> None:
        """Display a value without emitting anything (ranges grow to fit it)."""
        low, high = self.spin.minimum(), self.spin.maximum()
        if value < low or value > high:
            self.set_range(min(low, value), max(high, value), self.spin.singleStep())
        for widget in (self.spin, self.slider):
            widget.blockSignals(True)
        self.spin.setValue(value)
        self.slider.setValue(round(value * SLIDER_SCALE))
        for widget in (self.spin, self.slider):
            widget.blockSignals(False)

    def sync_slider(self) -> None:
        self.slider.blockSignals(True)
        self.slider.setValue(round(self.spin.value() * SLIDER_SCALE))
        self.slider.blockSignals(False)


class ParameterControls(QWidget):
    """Sliders and spin boxes for w1…wn, b and the learning rate η."""

    parameters_edited = Signal(object, float)  # weights tuple, bias
    learning_rate_edited = Signal(float)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._grid = QGridLayout(self)
        self._grid.setContentsMargins(0, 0, 0, 0)
        self._grid.setHorizontalSpacing(10)
        self._grid.setVerticalSpacing(4)
        self._grid.setColumnStretch(1, 1)
        self.weight_rows: list[_ParameterRow] = []
        self.bias_row = _ParameterRow("b", "The bias b is added to the weighted sum")
        self.eta_row = _ParameterRow("η", "Learning rate η of the learning rule")
        self.eta_row.set_range(0.001, 2.0, 0.01)
        self.eta_row.spin.setDecimals(3)
        self.bias_row.spin.valueChanged.connect(self._edited)
        self.eta_row.spin.valueChanged.connect(self._eta_edited)
        self._weights_shown: tuple[float, ...] = ()
        self._bias_shown = 0.0

    def configure(
        self,
        names: Sequence[str],
        weight_range: tuple[float, float],
        bias_range: tuple[float, float],
    ) -> None:
        """Build one row per input (w1…wn), then b and η."""
        for row in self.weight_rows:
            for widget in (row.label, row.slider, row.spin):
                self._grid.removeWidget(widget)
                widget.hide()
                widget.setParent(None)
                widget.deleteLater()
        self.weight_rows = []
        for i, name in enumerate(names):
            row = _ParameterRow(f"w<sub>{i + 1}</sub>", f"Weight of input {name}")
            row.set_range(*weight_range, 0.05)
            row.spin.valueChanged.connect(self._edited)
            self.weight_rows.append(row)
        self.bias_row.set_range(*bias_range, 0.05)
        rows = [*self.weight_rows, self.bias_row, self.eta_row]
        for r, row in enumerate(rows):
            self._grid.addWidget(row.label, r, 0)
            self._grid.addWidget(row.slider, r, 1)
            self._grid.addWidget(row.spin, r, 2)

    def show_parameters(self, weights: Sequence[float], bias: float) -> None:
        for row, w in zip(self.weight_rows, weights):
            row.show_value(w)
        self.bias_row.show_value(bias)
        self._weights_shown = tuple(float(w) for w in weights)
        self._bias_shown = float(bias)

    def show_learning_rate(self, eta: float) -> None:
        self.eta_row.show_value(eta)

    def set_learning_rate_visible(self, visible: bool) -> None:
        for widget in (self.eta_row.label, self.eta_row.slider, self.eta_row.spin):
            widget.setVisible(visible)

    def _edited(self, _value: float = 0.0) -> None:
        for row in (*self.weight_rows, self.bias_row):
            row.sync_slider()
        weights = tuple(row.spin.value() for row in self.weight_rows)
        bias = self.bias_row.spin.value()
        self._weights_shown, self._bias_shown = weights, bias
        self.parameters_edited.emit(weights, bias)

    def _eta_edited(self, value: float) -> None:
        self.eta_row.sync_slider()
        self.learning_rate_edited.emit(value)


class TruthTable(QTableWidget):
    """Inputs, S with its arithmetic, output, target and ✓/✗ for each row."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.verticalHeader().setVisible(False)
        self.verticalHeader().setDefaultSectionSize(24)
        self.setAlternatingRowColors(False)
        self._names: tuple[str, ...] = ()
        self._highlight: int | None = None
        self._rows: tuple[RowCheck, ...] = ()

    def configure(self, names: Sequence[str]) -> None:
        self._names = tuple(names)
        headers = ["#", *self._names, "S = w·x + b", "output", "target", ""]
        self.clear()
        self.setColumnCount(len(headers))
        self.setHorizontalHeaderLabels(headers)
        header = self.horizontalHeader()
        for c in range(len(headers)):
            mode = QHeaderView.ResizeMode.ResizeToContents
            if c == len(self._names) + 1:
                mode = QHeaderView.ResizeMode.Stretch
            header.setSectionResizeMode(c, mode)
        self._highlight = None

    @property
    def s_column(self) -> int:
        return len(self._names) + 1

    def set_rows(self, rows: Sequence[RowCheck]) -> None:
        self._rows = tuple(rows)
        self.setRowCount(len(rows))
        bold = QFont(self.font())
        bold.setBold(True)
        for r, row in enumerate(rows):
            cells = [
                str(row.index + 1),
                *(format_number(v, keep_point=False) for v in row.x),
                row.arithmetic,
                str(row.output),
                str(row.target),
                "✓" if row.correct else "✗",
            ]
            for c, text in enumerate(cells):
                item = self.item(r, c)
                if item is None:
                    item = QTableWidgetItem()
                    self.setItem(r, c, item)
                item.setText(text)
                align = Qt.AlignmentFlag.AlignCenter
                if c == self.s_column:
                    align = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
                item.setTextAlignment(align)
            mark = self.item(r, len(cells) - 1)
            mark.setForeground(QBrush(QColor(OK_COLOR if row.correct else BAD_COLOR)))
            mark.setFont(bold)
            out = self.item(r, len(cells) - 3)
            out.setForeground(QBrush(QColor("#000" if row.correct else BAD_COLOR)))
            out.setFont(bold)
        self._paint_highlight()

    def highlight(self, row: int | None) -> None:
        """Tint one row (the sample the learning rule just used)."""
        self._highlight = row
        self._paint_highlight()
        if row is not None and 0 <= row < self.rowCount():
            self.scrollToItem(self.item(row, 0))

    def _paint_highlight(self) -> None:
        for r in range(self.rowCount()):
            brush = QBrush(ROW_HIGHLIGHT) if r == self._highlight else QBrush()
            for c in range(self.columnCount()):
                item = self.item(r, c)
                if item is not None:
                    item.setBackground(brush)

    def text(self, row: int, column: int) -> str:
        item = self.item(row, column)
        return item.text() if item is not None else ""
