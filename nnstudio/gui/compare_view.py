"""CompareView: kept runs side by side.

Left, the kept runs (tick the ones to compare; each has its own colour). Right, their loss,
accuracy and per-layer gradient curves overlaid, and a legend that says in plain words how
each differs from the baseline ("hidden activations: sigmoid ×8 → relu ×8"). Buttons start
a copy of a run with one setting changed, or one of the classic comparisons.

API for the main window::

    view = CompareView()
    view.set_store(store)            # an engine.runs.RunStore (the view never trains)
    view.set_base_experiment(exp)    # optional: what "Duplicate with changes" starts from
                                     #  when no run is selected
    view.refresh()                   # after the store changed (the view also polls
                                     #  store.revision twice a second while visible)
    view.run_requested.connect(...)  # (Experiment) train this one
    view.runs_requested.connect(...) # (list[Experiment]) train these, one after another
    view.open_requested.connect(...) # (Experiment) load this run's experiment for editing
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets
from PySide6.QtCore import Qt, Signal

from nnstudio.engine.errors import NNStudioError
from nnstudio.engine.runs import (
    SETTINGS,
    RunRecord,
    RunStore,
    comparison_presets,
    current_value,
    describe_differences,
    duplicate_with_change,
    experiment_differences,
    parse_value,
    setting,
)
from nnstudio.gui import style
from nnstudio.gui.plots_common import (
    MUTED_TEXT,
    TEXT_COLOR,
    LogAxis,
    format_sci,
    positive_or_nan,
    set_label_font,
    style_plot,
)

#: one colour per run (distinct from each other on white)
RUN_COLORS = ("#1a73e8", "#e8710a", "#1e8e3e", "#d93025", "#9334e6", "#12b5cb", "#8d6e63",
              "#e52592", "#5f6368", "#b8a000")
#: line style per layer: the output layer solid, the first hidden layer dashed, then others
_LAYER_STYLES = (Qt.PenStyle.DashLine, Qt.PenStyle.DotLine, Qt.PenStyle.DashDotLine,
                 Qt.PenStyle.DashDotDotLine)
_STYLE_WORDS = {Qt.PenStyle.SolidLine: "solid", Qt.PenStyle.DashLine: "dashed",
                Qt.PenStyle.DotLine: "dotted", Qt.PenStyle.DashDotLine: "dash-dot",
                Qt.PenStyle.DashDotDotLine: "dash-dot-dot"}
_STATUS_COLORS = {"finished": style.SUCCESS, "stopped": MUTED_TEXT, "diverged": "#d93025",
                  "running": style.ACCENT}
LAYER_CHOICES = ("first and last layer", "all layers")


def layer_pen_style(layer: int, n_layers: int) -> Qt.PenStyle:
    """The output layer solid; hidden layers dashed, dotted, dash-dot, ... from the input."""
    if layer == n_layers - 1:
        return Qt.PenStyle.SolidLine
    return _LAYER_STYLES[layer % len(_LAYER_STYLES)]


def _swatch(color: str, size: int = 12) -> QtGui.QIcon:
    pix = QtGui.QPixmap(size, size)
    pix.fill(Qt.GlobalColor.transparent)
    painter = QtGui.QPainter(pix)
    painter.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing)
    painter.setBrush(QtGui.QColor(color))
    painter.setPen(Qt.PenStyle.NoPen)
    painter.drawEllipse(1, 1, size - 2, size - 2)
    painter.end()
    return QtGui.QIcon(pix)


def _escape(text: str) -> str:
    return (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;"))


class DuplicateDialog(QtWidgets.QDialog):
    """Pick one setting and a new value; ``experiment()`` is the changed copy (same seeds)."""

    def __init__(self, experiment: Any, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Duplicate with changes")
        self._base = experiment
        self._result: Any = None

        intro = QtWidgets.QLabel(
            f"A new run of <b>{_escape(experiment.name)}</b> with the same data, seeds and "
            "settings, except one:")
        intro.setWordWrap(True)
        self.setting_box = QtWidgets.QComboBox()
        for s in SETTINGS:
            self.setting_box.addItem(s.label, s.key)
        self.current_label = QtWidgets.QLabel()
        self.current_label.setObjectName("muted")
        self.choice_box = QtWidgets.QComboBox()
        self.value_edit = QtWidgets.QLineEdit()
        self.value_stack = QtWidgets.QStackedWidget()
        self.value_stack.addWidget(self.choice_box)
        self.value_stack.addWidget(self.value_edit)
        self.value_stack.setSizePolicy(QtWidgets.QSizePolicy.Policy.Expanding,
                                       QtWidgets.QSizePolicy.Policy.Fixed)
        self.preview = QtWidgets.QLabel()
        self.preview.setWordWrap(True)
        self.error_label = QtWidgets.QLabel()
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet("color: #d93025;")

        form = QtWidgets.QFormLayout()
        form.addRow("Setting:", self.setting_box)
        form.addRow("Now:", self.current_label)
        form.addRow("New value:", self.value_stack)
        self.buttons = QtWidgets.QDialogButtonBox(
            QtWidgets.QDialogButtonBox.StandardButton.Ok
            | QtWidgets.QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QtWidgets.QDialogButtonBox.StandardButton.Ok).setText("Start run")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QtWidgets.QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.preview)
        layout.addWidget(self.error_label)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(420)

        self.setting_box.currentIndexChanged.connect(self._on_setting)
        self.choice_box.currentIndexChanged.connect(self._update_preview)
        self.value_edit.textChanged.connect(self._update_preview)
        self._on_setting()

    @property
    def key(self) -> str:
        return self.setting_box.currentData()

    def set_setting(self, key: str) -> None:
        self.setting_box.setCurrentIndex(self.setting_box.findData(key))

    def set_value(self, value: Any) -> None:
        if self.value_stack.currentWidget() is self.choice_box:
            self.choice_box.setCurrentIndex(self.choice_box.findText(str(value)))
        else:
            self.value_edit.setText(str(value))

    def _on_setting(self) -> None:
        s = setting(self.key)
        now = current_value(self._base, s.key)
        self.current_label.setText("automatic" if now is None else str(now))
        if s.kind == "choice":
            self.choice_box.blockSignals(True)
            self.choice_box.clear()
            self.choice_box.addItems(list(s.choices))
            index = next((i for i, c in enumerate(s.choices) if c != now), 0)
            self.choice_box.setCurrentIndex(index)
            self.choice_box.blockSignals(False)
            self.value_stack.setCurrentWidget(self.choice_box)
        else:
            self.value_edit.blockSignals(True)
            self.value_edit.setText("" if now is None else str(now))
            self.value_edit.blockSignals(False)
            self.value_edit.setPlaceholderText(
                "a whole number, or full" if s.kind == "batch" else "a number")
            self.value_stack.setCurrentWidget(self.value_edit)
            self.value_edit.selectAll()
        self._update_preview()

    def _value_text(self) -> str:
        if self.value_stack.currentWidget() is self.choice_box:
            return self.choice_box.currentText()
        return self.value_edit.text()

    def _build(self) -> Any:
        value = parse_value(self.key, self._value_text())
        return duplicate_with_change(self._base, self.key, value)

    def _update_preview(self) -> None:
        ok = self.buttons.button(QtWidgets.QDialogButtonBox.StandardButton.Ok)
        try:
            exp = self._build()
        except NNStudioError as exc:
            self.preview.setText("")
            self.error_label.setText(str(exc))
            ok.setEnabled(False)
            return
        changes = experiment_differences(self._base, exp)
        self.error_label.setText("")
        if changes:
            self.preview.setText("The new run differs in: <b>" + _escape("; ".join(changes))
                                 + "</b>")
            ok.setEnabled(True)
        else:
            self.preview.setText("That is the current value: pick a different one.")
            ok.setEnabled(False)

    def accept(self) -> None:
        try:
            self._result = self._build()
        except NNStudioError as exc:
            self.error_label.setText(str(exc))
            return
        super().accept()

    def experiment(self) -> Any:
        """The changed experiment once accepted (None before)."""
        return self._result


class CompareView(QtWidgets.QWidget):
    """Kept runs, their overlaid curves and how they differ."""

    run_requested = Signal(object)  # Experiment
    runs_requested = Signal(list)  # list[Experiment]
    open_requested = Signal(object)  # Experiment
    selection_changed = Signal(list)  # ids of the ticked runs

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self._store: RunStore | None = None
        self._base_experiment: Any = None
        self._colors: dict[str, int] = {}
        self._checked: dict[str, bool] = {}
        self._baseline_id: str | None = None
        self._seen_revision = -1
        self._updating = False
        #: (run id, "train_loss" | "test_loss" | "train_accuracy" | "test_accuracy") or
        #: (run id, "grad", layer) -> the curve drawn for it
        self.curves: dict[tuple, pg.PlotDataItem] = {}

        # --- the run list ---
        self.runs_title = QtWidgets.QLabel("Runs")
        set_label_font(self.runs_title, 9.5, bold=True, color_=TEXT_COLOR)
        self.tree = QtWidgets.QTreeWidget()
        self.tree.setColumnCount(4)
        self.tree.setHeaderLabels(["Run", "Status", "Epochs", "Result"])
        self.tree.setRootIsDecorated(False)
        self.tree.setUniformRowHeights(True)
        self.tree.setSelectionMode(QtWidgets.QAbstractItemView.SelectionMode.ExtendedSelection)
        self.tree.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.tree.setAlternatingRowColors(True)
        self.tree.setTextElideMode(Qt.TextElideMode.ElideRight)
        header = self.tree.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QtWidgets.QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QtWidgets.QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QtWidgets.QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(3, QtWidgets.QHeaderView.ResizeMode.ResizeToContents)
        self.tree.headerItem().setToolTip(3, "Final test accuracy (train accuracy without a "
                                             "test set), or the final loss for regression.")
        self.tree.itemChanged.connect(self._on_item_changed)
        self.tree.itemDoubleClicked.connect(self._on_double_click)
        self.tree.customContextMenuRequested.connect(self._on_context_menu)
        self.tree.itemSelectionChanged.connect(self._update_buttons)
        self.empty_label = QtWidgets.QLabel(
            "No runs yet. Every run you finish or stop is kept here. Start one, or pick "
            "a classic comparison below.")
        self.empty_label.setWordWrap(True)
        set_label_font(self.empty_label, 8.5, color_=MUTED_TEXT)

        self.duplicate_button = QtWidgets.QPushButton("Duplicate with changes…")
        self.duplicate_button.setToolTip("Start a new run from the same seed with one "
                                         "setting changed.")
        self.duplicate_button.clicked.connect(self._on_duplicate)
        self.classic_button = QtWidgets.QPushButton("Classic comparisons")
        self.classic_button.setToolTip("Runs that differ in one setting: activations, "
                                       "optimizers, initializers, learning rates, L2.")
        self.classic_menu = QtWidgets.QMenu(self.classic_button)
        self.classic_menu.setToolTipsVisible(True)
        self.classic_menu.aboutToShow.connect(self._fill_classic_menu)
        self.classic_button.setMenu(self.classic_menu)
        self.remove_button = QtWidgets.QPushButton("Remove")
        self.remove_button.setToolTip("Forget the selected runs.")
        self.remove_button.clicked.connect(self._on_remove)
        self.save_button = QtWidgets.QPushButton("Save…")
        self.save_button.setToolTip("Save the kept runs to a file.")
        self.save_button.clicked.connect(self._on_save)
        self.open_button = QtWidgets.QPushButton("Open…")
        self.open_button.setToolTip("Add runs from a file saved earlier.")
        self.open_button.clicked.connect(self._on_open)

        buttons_top = QtWidgets.QHBoxLayout()
        buttons_top.setSpacing(6)
        buttons_top.addWidget(self.duplicate_button, 1)
        buttons_top.addWidget(self.classic_button, 1)
        buttons_bottom = QtWidgets.QHBoxLayout()
        buttons_bottom.setSpacing(6)
        buttons_bottom.addWidget(self.remove_button)
        buttons_bottom.addStretch(1)
        buttons_bottom.addWidget(self.open_button)
        buttons_bottom.addWidget(self.save_button)

        left = QtWidgets.QWidget()
        left_layout = QtWidgets.QVBoxLayout(left)
        left_layout.setContentsMargins(6, 4, 4, 6)
        left_layout.setSpacing(6)
        left_layout.addWidget(self.runs_title)
        left_layout.addWidget(self.tree, 1)
        left_layout.addWidget(self.empty_label)
        left_layout.addLayout(buttons_top)
        left_layout.addLayout(buttons_bottom)

        # --- the plots ---
        self.graphics = pg.GraphicsLayoutWidget()
        self.graphics.setBackground("w")
        self.graphics.ci.setContentsMargins(2, 2, 8, 2)
        self.graphics.ci.setSpacing(4)
        self.loss_plot = pg.PlotItem(axisItems={"left": LogAxis("left")})
        style_plot(self.loss_plot, left="loss", bottom="epoch")
        self.loss_plot.setTitle("Loss (solid: train, dashed: test)", color=TEXT_COLOR,
                                size="9pt")
        self.acc_plot = pg.PlotItem()
        style_plot(self.acc_plot, left="accuracy %", bottom="epoch")
        self.acc_plot.setTitle("Accuracy (solid: train, dashed: test)", color=TEXT_COLOR,
                               size="9pt")
        self.acc_plot.setYRange(0, 100, padding=0.03)
        self.acc_plot.vb.enableAutoRange(y=False)
        self.grad_plot = pg.PlotItem(axisItems={"left": LogAxis("left")})
        style_plot(self.grad_plot, left="mean |dJ/dW|", bottom="epoch")
        self.grad_plot.setLogMode(y=True)
        self.grad_plot.setTitle("Gradient size per layer", color=TEXT_COLOR, size="9pt")
        for plot in (self.loss_plot, self.acc_plot, self.grad_plot):
            plot.getAxis("left").setWidth(48)
        self.acc_plot.setXLink(self.loss_plot)
        self._classification = True
        self._arrange_plots(True)

        self.log_box = QtWidgets.QCheckBox("Log-scale loss")
        self.log_box.setChecked(True)
        self.log_box.toggled.connect(self._on_log_toggled)
        self.loss_plot.setLogMode(y=True)
        self.layer_box = QtWidgets.QComboBox()
        self.layer_box.setToolTip("Which layers' gradient curves to draw.")
        self.layer_box.currentIndexChanged.connect(lambda _: self._draw())
        self.style_label = QtWidgets.QLabel()
        set_label_font(self.style_label, 8.0, color_=MUTED_TEXT)
        self.style_label.setSizePolicy(QtWidgets.QSizePolicy.Policy.Ignored,
                                       QtWidgets.QSizePolicy.Policy.Preferred)
        controls = QtWidgets.QHBoxLayout()
        controls.setContentsMargins(6, 2, 6, 0)
        controls.addWidget(self.log_box)
        controls.addSpacing(12)
        controls.addWidget(QtWidgets.QLabel("Gradients of:"))
        controls.addWidget(self.layer_box)
        controls.addSpacing(8)
        controls.addWidget(self.style_label, 1)

        self.legend = QtWidgets.QLabel()
        self.legend.setTextFormat(Qt.TextFormat.RichText)
        self.legend.setWordWrap(True)
        self.legend.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.legend.setContentsMargins(8, 4, 8, 4)
        self.legend.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        legend_scroll = QtWidgets.QScrollArea()
        legend_scroll.setWidget(self.legend)
        legend_scroll.setWidgetResizable(True)
        legend_scroll.setFrameShape(QtWidgets.QFrame.Shape.NoFrame)
        legend_scroll.setMaximumHeight(118)
        legend_scroll.setMinimumHeight(48)
        self.legend_scroll = legend_scroll

        right = QtWidgets.QWidget()
        right_layout = QtWidgets.QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.setSpacing(2)
        right_layout.addLayout(controls)
        right_layout.addWidget(self.graphics, 1)
        right_layout.addWidget(legend_scroll)

        splitter = QtWidgets.QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(left)
        splitter.addWidget(right)
        splitter.setStretchFactor(0, 0)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([370, 780])
        splitter.setChildrenCollapsible(False)
        left.setMinimumWidth(270)
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(splitter)

        self._poll = QtCore.QTimer(self)
        self._poll.setInterval(500)
        self._poll.timeout.connect(self._poll_store)
        self._poll.start()
        self._update_layer_box(0)
        self.refresh()

    # --- API -----------------------------------------------------------------------------
    def set_store(self, store: RunStore) -> None:
        """Show the runs of ``store`` (kept by the caller; the view only reads and removes)."""
        self._store = store
        self._seen_revision = -1
        self.refresh()

    def store(self) -> RunStore | None:
        return self._store

    def set_base_experiment(self, experiment: Any) -> None:
        """What "Duplicate with changes" starts from when no run is selected."""
        self._base_experiment = experiment
        self._update_buttons()

    def checked_ids(self) -> list[str]:
        """The ticked runs, in list order (the first is the baseline unless one was chosen)."""
        runs = self._store.list() if self._store is not None else []
        return [r.id for r in runs if self._checked.get(r.id, False)]

    def set_checked(self, run_id: str, checked: bool) -> None:
        self._checked[run_id] = checked
        self.refresh()

    def set_baseline(self, run_id: str | None) -> None:
        """Compare against this run (None: the first ticked run)."""
        self._baseline_id = run_id
        self._draw()

    def color_of(self, run_id: str) -> str:
        """The colour the run is drawn in (stable while the run is kept)."""
        index = self._colors.get(run_id)
        if index is None:
            used = {self._colors[i] for i in self._colors}
            index = next((i for i in range(len(RUN_COLORS)) if i not in used),
                         len(self._colors) % len(RUN_COLORS))
            self._colors[run_id] = index
        return RUN_COLORS[index]

    def compared_runs(self) -> list[RunRecord]:
        """The ticked runs, baseline first."""
        if self._store is None:
            return []
        runs = [self._store.get(i) for i in self.checked_ids()]
        runs = [r for r in runs if r is not None]
        if self._baseline_id is not None:
            base = next((r for r in runs if r.id == self._baseline_id), None)
            if base is not None:
                runs.remove(base)
                runs.insert(0, base)
        return runs

    def legend_texts(self) -> dict[str, str]:
        """Run id -> how it differs from the baseline (what the legend says)."""
        return describe_differences(self.compared_runs())

    def refresh(self) -> None:
        """Re-read the store: list, ticks (new runs start ticked), curves and legend."""
        runs = self._store.list() if self._store is not None else []
        ids = {r.id for r in runs}
        for gone in [i for i in self._colors if i not in ids]:
            del self._colors[gone]
        for gone in [i for i in self._checked if i not in ids]:
            del self._checked[gone]
        if self._baseline_id not in ids:
            self._baseline_id = None
        self._updating = True
        try:
            self._fill_tree(runs)
        finally:
            self._updating = False
        self.empty_label.setVisible(not runs)
        self._seen_revision = self._store.revision if self._store is not None else -1
        self._draw()
        self._update_buttons()

    # --- the list ------------------------------------------------------------------------
    def _fill_tree(self, runs: list[RunRecord]) -> None:
        selected = {item.data(0, Qt.ItemDataRole.UserRole)
                    for item in self.tree.selectedItems()}
        self.tree.clear()
        for record in runs:
            checked = self._checked.setdefault(record.id, True)
            metrics = record.final_metrics()
            item = QtWidgets.QTreeWidgetItem()
            item.setData(0, Qt.ItemDataRole.UserRole, record.id)
            item.setText(0, record.name)
            item.setIcon(0, _swatch(self.color_of(record.id)))
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(0, Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)
            status = record.status
            item.setText(1, status)
            item.setText(2, str(record.epochs_done))
            item.setTextAlignment(2, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            item.setForeground(1, QtGui.QBrush(QtGui.QColor(_STATUS_COLORS.get(status,
                                                                               MUTED_TEXT))))
            acc = metrics["test_accuracy"] if metrics["test_accuracy"] is not None else \
                metrics["train_accuracy"]
            loss = metrics["test_loss"] if metrics["test_loss"] is not None else \
                metrics["train_loss"]
            if acc is not None:
                item.setText(3, f"{100 * acc:.1f} %")
            elif loss is not None:
                item.setText(3, f"loss {format_sci(loss)}")
            item.setTextAlignment(3, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            tip = [f"<b>{_escape(record.name)}</b>", _escape(record.summary())]
            if record.message:
                tip.append(_escape(record.message))
            tip.append("<i>Tick to compare; double-click to open its experiment.</i>")
            for column in range(4):
                item.setToolTip(column, "<br>".join(tip))
            if record.id == self._baseline_id:
                font = item.font(0)
                font.setBold(True)
                item.setFont(0, font)
            self.tree.addTopLevelItem(item)
            if record.id in selected:
                item.setSelected(True)

    def _record_of(self, item: QtWidgets.QTreeWidgetItem | None) -> RunRecord | None:
        if item is None or self._store is None:
            return None
        return self._store.get(item.data(0, Qt.ItemDataRole.UserRole))

    def _on_item_changed(self, item: QtWidgets.QTreeWidgetItem, column: int) -> None:
        if self._updating or column != 0:
            return
        run_id = item.data(0, Qt.ItemDataRole.UserRole)
        self._checked[run_id] = item.checkState(0) == Qt.CheckState.Checked
        self._draw()
        self.selection_changed.emit(self.checked_ids())

    def _on_double_click(self, item: QtWidgets.QTreeWidgetItem, _column: int) -> None:
        record = self._record_of(item)
        if record is not None:
            self._emit_open(record)

    def _emit_open(self, record: RunRecord) -> None:
        try:
            exp = record.experiment_object()
        except NNStudioError as exc:
            QtWidgets.QMessageBox.warning(self, "Cannot open the run", str(exc))
            return
        self.open_requested.emit(exp)

    def _on_context_menu(self, pos: QtCore.QPoint) -> None:
        record = self._record_of(self.tree.itemAt(pos))
        if record is None:
            return
        menu = QtWidgets.QMenu(self)
        menu.addAction("Compare against this run",
                       lambda: self.set_baseline(record.id)).setEnabled(
            self._checked.get(record.id, False))
        menu.addAction("Open its experiment", lambda: self._emit_open(record))
        menu.addAction("Duplicate with changes…", lambda: self._duplicate_from(record))
        menu.addAction("Rename…", lambda: self._rename(record))
        menu.addSeparator()
        menu.addAction("Remove", lambda: self._remove_ids([record.id]))
        menu.exec(self.tree.viewport().mapToGlobal(pos))

    def _rename(self, record: RunRecord) -> None:
        name, ok = QtWidgets.QInputDialog.getText(self, "Rename run", "Name:", text=record.name)
        if ok and name.strip():
            record.name = name.strip()
            if self._store is not None:
                self._store.touch()
            self.refresh()

    def _update_buttons(self) -> None:
        has_runs = self._store is not None and len(self._store) > 0
        self.duplicate_button.setEnabled(has_runs or self._base_experiment is not None)
        self.remove_button.setEnabled(bool(self.tree.selectedItems()))
        self.save_button.setEnabled(has_runs)
        self.open_button.setEnabled(self._store is not None)

    def _poll_store(self) -> None:
        if self._store is not None and self.isVisible() \
                and self._store.revision != self._seen_revision:
            self.refresh()

    # --- buttons -------------------------------------------------------------------------
    def duplicate_base(self) -> Any:
        """The experiment "Duplicate with changes" starts from: the highlighted run, else
        the first ticked run, else the base experiment."""
        items = self.tree.selectedItems()
        record = self._record_of(items[0]) if items else None
        if record is None and self._store is not None:
            runs = self.compared_runs()
            record = runs[0] if runs else None
        if record is not None:
            try:
                return record.experiment_object()
            except NNStudioError:
                return None
        return self._base_experiment

    def _on_duplicate(self) -> None:
        base = self.duplicate_base()
        if base is not None:
            self._open_dialog(base)

    def _duplicate_from(self, record: RunRecord) -> None:
        try:
            self._open_dialog(record.experiment_object())
        except NNStudioError as exc:
            QtWidgets.QMessageBox.warning(self, "Cannot duplicate the run", str(exc))

    def _open_dialog(self, base: Any) -> None:
        dialog = DuplicateDialog(base, self)
        if dialog.exec() == QtWidgets.QDialog.DialogCode.Accepted and dialog.experiment():
            self.run_requested.emit(dialog.experiment())

    def _fill_classic_menu(self) -> None:
        self.classic_menu.clear()
        try:
            comparisons = comparison_presets()
        except NNStudioError as exc:
            action = self.classic_menu.addAction(f"Unavailable: {exc}")
            action.setEnabled(False)
            return
        for comparison in comparisons:
            action = self.classic_menu.addAction(comparison.title)
            action.setToolTip(comparison.description)
            action.triggered.connect(
                lambda _=False, c=comparison: self.runs_requested.emit(list(c.experiments)))

    def _on_remove(self) -> None:
        self._remove_ids([item.data(0, Qt.ItemDataRole.UserRole)
                          for item in self.tree.selectedItems()])

    def _remove_ids(self, ids: list[str]) -> None:
        if self._store is None:
            return
        for run_id in ids:
            self._store.remove(run_id)
        self.refresh()
        self.selection_changed.emit(self.checked_ids())

    def save_to(self, path: str) -> None:
        """Save the kept runs (raises NNStudioError / OSError with a message)."""
        if self._store is not None:
            self._store.save(path)

    def load_from(self, path: str) -> int:
        """Add the runs of a file; returns how many were read."""
        if self._store is None:
            return 0
        records = self._store.load(path)
        self.refresh()
        return len(records)

    def _on_save(self) -> None:
        path, _ = QtWidgets.QFileDialog.getSaveFileName(
            self, "Save runs", "runs.json", "nnstudio runs (*.json)")
        if not path:
            return
        try:
            self.save_to(path)
        except (NNStudioError, OSError) as exc:
            QtWidgets.QMessageBox.warning(self, "Cannot save the runs", str(exc))

    def _on_open(self) -> None:
        path, _ = QtWidgets.QFileDialog.getOpenFileName(
            self, "Open runs", "", "nnstudio runs (*.json);;All files (*)")
        if not path:
            return
        try:
            self.load_from(path)
        except (NNStudioError, OSError) as exc:
            QtWidgets.QMessageBox.warning(self, "Cannot open the runs", str(exc))

    # --- the plots -----------------------------------------------------------------------
    def _arrange_plots(self, classification: bool) -> None:
        self.graphics.ci.clear()
        if classification:
            self.graphics.addItem(self.loss_plot, row=0, col=0)
            self.graphics.addItem(self.acc_plot, row=0, col=1)
            self.graphics.addItem(self.grad_plot, row=1, col=0, colspan=2)
        else:
            self.graphics.addItem(self.loss_plot, row=0, col=0)
            self.graphics.addItem(self.grad_plot, row=1, col=0)
        self._classification = classification

    def _on_log_toggled(self, on: bool) -> None:
        self.loss_plot.setLogMode(y=on)
        self._draw()

    def _update_layer_box(self, n_layers: int) -> None:
        current = self.layer_box.currentText()
        names = [f"Hidden {i + 1}" for i in range(n_layers - 1)] + ["Output"] \
            if n_layers else []
        items = list(LAYER_CHOICES) + names
        if [self.layer_box.itemText(i) for i in range(self.layer_box.count())] == items:
            return
        self.layer_box.blockSignals(True)
        self.layer_box.clear()
        self.layer_box.addItems(items)
        index = self.layer_box.findText(current)
        self.layer_box.setCurrentIndex(max(index, 0))
        self.layer_box.blockSignals(False)

    def shown_layers(self, n_layers: int) -> list[int]:
        """Which layers' gradient curves are drawn for a network of ``n_layers`` layers."""
        choice = self.layer_box.currentText()
        if choice == "all layers":
            return list(range(n_layers))
        if choice.startswith("Hidden "):
            i = int(choice.split()[1]) - 1
            return [i] if i < n_layers - 1 else []
        if choice == "Output":
            return [n_layers - 1]
        return sorted({0, n_layers - 1})

    def _draw(self) -> None:
        for plot in (self.loss_plot, self.acc_plot, self.grad_plot):
            plot.clear()
        self.curves = {}
        runs = self.compared_runs()
        classification = any(r.task_is_classification for r in runs) if runs else True
        if classification != self._classification:
            self._arrange_plots(classification)
        self._update_layer_box(max((r.n_layers for r in runs), default=0))
        log_loss = self.log_box.isChecked()
        layer_styles: dict[str, Qt.PenStyle] = {}
        for z, record in enumerate(runs):
            color = self.color_of(record.id)
            width = 2.2 if z == 0 else 1.6
            for key, dashed in (("train_loss", False), ("test_loss", True)):
                epochs, values = record.column(key)
                if not np.any(np.isfinite(values)):
                    continue
                y = positive_or_nan(values) if log_loss else values
                self._add(self.loss_plot, (record.id, key), epochs, y, color, width,
                          Qt.PenStyle.DashLine if dashed else Qt.PenStyle.SolidLine, z)
            for key, dashed in (("train_accuracy", False), ("test_accuracy", True)):
                epochs, values = record.column(key)
                if not np.any(np.isfinite(values)):
                    continue
                self._add(self.acc_plot, (record.id, key), epochs, 100.0 * values, color,
                          width, Qt.PenStyle.DashLine if dashed else Qt.PenStyle.SolidLine, z)
            n = record.n_layers
            names = record.layer_names()
            for layer in self.shown_layers(n):
                epochs, values = record.column(f"grad/layer{layer}")
                if not np.any(np.isfinite(values)):
                    continue
                pen_style = layer_pen_style(layer, n)
                layer_styles.setdefault(names[layer], pen_style)
                self._add(self.grad_plot, (record.id, "grad", layer), epochs,
                          positive_or_nan(values), color, width, pen_style, z)
        self.style_label.setText(self._style_text(layer_styles))
        self.style_label.setToolTip("Line style per layer:<br>" + "<br>".join(
            f"{_STYLE_WORDS[s]}: {name}" for name, s in layer_styles.items()))
        for plot in (self.loss_plot, self.grad_plot):
            plot.enableAutoRange()
        self.acc_plot.enableAutoRange(x=True, y=False)
        self._update_legend(runs)

    @staticmethod
    def _style_text(layer_styles: dict[str, Qt.PenStyle]) -> str:
        if len(layer_styles) <= 4:
            return "  ·  ".join(f"{_STYLE_WORDS[s]}: {name}" for name, s in layer_styles.items())
        hidden = [n for n in layer_styles if n != "Output"]
        return f"solid: Output  ·  broken lines: {hidden[0]} to {hidden[-1]}"

    def _add(self, plot: pg.PlotItem, key: tuple, x: np.ndarray, y: np.ndarray, color: str,
             width: float, pen_style: Qt.PenStyle, z: int) -> None:
        pen = pg.mkPen(color, width=width, style=pen_style)
        curve = pg.PlotDataItem(x, y, pen=pen, connect="finite")
        if len(x) <= 2:
            curve.setSymbol("o")
            curve.setSymbolSize(5)
            curve.setSymbolBrush(color)
            curve.setSymbolPen(None)
        plot.addItem(curve)
        curve.setZValue(100 - z)  # the baseline on top
        self.curves[key] = curve

    def _update_legend(self, runs: list[RunRecord]) -> None:
        if not runs:
            if self._store is not None and len(self._store):
                text = "Tick runs on the left to compare them."
            else:
                text = "Runs you finish or stop appear on the left; tick several to compare."
            self.legend.setText(f"<span style='color:{MUTED_TEXT}'>{text}</span>")
            return
        texts = describe_differences(runs)
        lines = []
        for i, record in enumerate(runs):
            color = self.color_of(record.id)
            what = texts[record.id]
            if i == 0:
                what = "baseline" + (" (the runs below are compared with it)"
                                     if len(runs) > 1 else "")
            outcome = self._outcome(record)
            lines.append(
                f"<span style='color:{color}; font-size:13pt'>━━</span>&nbsp;"
                f"<b>{_escape(record.name)}</b> — {_escape(what)}"
                f"<span style='color:{MUTED_TEXT}'>&nbsp;&nbsp;{_escape(outcome)}</span>")
        self.legend.setText("<br>".join(lines))

    @staticmethod
    def _outcome(record: RunRecord) -> str:
        m = record.final_metrics()
        parts = []
        if record.status != "finished":
            parts.append(record.status)
        loss = m["test_loss"] if m["test_loss"] is not None else m["train_loss"]
        if loss is not None and math.isfinite(loss):
            parts.append(f"loss {format_sci(loss)}")
        acc = m["test_accuracy"] if m["test_accuracy"] is not None else m["train_accuracy"]
        if acc is not None:
            parts.append(f"accuracy {100 * acc:.1f} %")
        return "(" + ", ".join(parts) + ")" if parts else ""


__all__ = ["RUN_COLORS", "CompareView", "DuplicateDialog", "layer_pen_style"]
