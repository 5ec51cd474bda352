"""The learning-rule stepper: one sample, one epoch or run, with every update written out."""

from __future__ import annotations

import html
import math
from pathlib import Path

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QSizePolicy,
    QSpinBox,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from nnstudio.engine.exercises import Exercise
from nnstudio.engine.fileio import atomic_write_text
from nnstudio.engine.perceptron import (
    Perceptron,
    RuleStepper,
    TrainResult,
    Update,
    format_number,
    updates_to_csv,
)

RUN_INTERVAL_MS = 60
RUN_MAX_TICKS = 100  # a run shows at most about this many frames (6 s)


def _vec(values) -> str:
    return "(" + ", ".join(format_number(v, keep_point=False) for v in values) + ")"


class UpdatesModel(QAbstractTableModel):
    """Table of every update record (rows with error 0 included)."""

    HEADERS = ("epoch", "row", "x", "S", "o", "y", "y − o", "Δw", "Δb", "new w", "new b")

    def __init__(self) -> None:
        super().__init__()
        self.updates: list[Update] = []
        self._cells: list[tuple[str, ...]] = []  # formatted once, when appended

    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: N802, B008 (Qt API)
        return 0 if parent.isValid() else len(self.updates)

    def columnCount(self, parent=QModelIndex()) -> int:  # noqa: N802, B008 (Qt API)
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):  # noqa: N802
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return self.HEADERS[section]
        return None

    def data(self, index: QModelIndex | QPersistentModelIndex, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        u = self.updates[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return self._cells[index.row()][index.column()]
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(Qt.AlignmentFlag.AlignCenter)
        if role == Qt.ItemDataRole.ForegroundRole and not u.changed:
            from PySide6.QtGui import QColor

            return QColor("#888888")
        return None

    @staticmethod
    def cell(u: Update, column: int) -> str:
        return UpdatesModel.cells(u)[column]

    @staticmethod
    def cells(u: Update) -> tuple[str, ...]:
        return (
            "" if u.epoch is None else str(u.epoch),
            "" if u.row is None else str(u.row + 1),
            _vec(u.x),
            format_number(u.s),
            str(u.output),
            str(u.target),
            format_number(u.error, keep_point=False),
            _vec(u.delta_weights),
            format_number(u.delta_bias),
            _vec(u.weights),
            format_number(u.bias),
        )

    def append(self, updates: list[Update]) -> None:
        if not updates:
            return
        first = len(self.updates)
        self.beginInsertRows(QModelIndex(), first, first + len(updates) - 1)
        self.updates.extend(updates)
        self._cells.extend(self.cells(u) for u in updates)
        self.endInsertRows()

    def reset(self) -> None:
        self.beginResetModel()
        self.updates = []
        self._cells = []
        self.endResetModel()


class StepperPanel(QWidget):
    """Buttons, the last update's arithmetic, the outcome and the table of all updates."""

    stepped = Signal(object)  # Update
    finished = Signal(object)  # TrainResult, when the rule converged or stopped
    open_preset_requested = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.stepper: RuleStepper | None = None
        self.exercise: Exercise | None = None
        self.last_result: TrainResult | None = None
        self._run_target = 0
        self._per_tick = 1
        self._timer = QTimer(self)
        self._timer.setInterval(RUN_INTERVAL_MS)
        self._timer.timeout.connect(self._run_tick)

        self.step_button = QPushButton("Step one sample")
        self.epoch_button = QPushButton("Step one epoch")
        self.run_button = QPushButton("Run until converged")
        self.restart_button = QPushButton("Start again")
        self.step_button.setToolTip("Apply the learning rule to the next row only")
        self.epoch_button.setToolTip("Apply the rule to the remaining rows of this epoch")
        self.run_button.setToolTip("Keep stepping until an epoch makes no mistake")
        self.restart_button.setToolTip("Back to the exercise's starting weights")
        self.max_epochs = QSpinBox()
        self.max_epochs.setRange(1, 100000)
        self.max_epochs.setSuffix(" epochs")
        self.max_epochs.setMinimumWidth(96)
        self.max_epochs.setToolTip(
            "'Run' stops after this many epochs if the rule has not converged"
        )
        self.status = QLabel()
        self.status.setObjectName("stepperStatus")
        self.status.setWordWrap(True)
        self.status.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)

        self.arithmetic = QLabel()
        self.arithmetic.setObjectName("arithmetic")
        self.arithmetic.setTextFormat(Qt.TextFormat.RichText)
        self.arithmetic.setWordWrap(True)
        self.arithmetic.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.arithmetic.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        mono = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        mono.setPointSizeF(max(mono.pointSizeF(), 10.0))
        self.arithmetic.setFont(mono)
        self.arithmetic.setMinimumHeight(100)

        self.outcome = QFrame()
        self.outcome.setObjectName("outcome")
        self.outcome_text = QLabel()
        self.outcome_text.setWordWrap(True)
        self.outcome_text.setTextFormat(Qt.TextFormat.RichText)
        self.preset_button = QPushButton("Open the 'XOR needs a hidden layer' preset")
        self.preset_button.clicked.connect(self._preset_clicked)
        box = QVBoxLayout(self.outcome)
        box.setContentsMargins(10, 8, 10, 8)
        box.addWidget(self.outcome_text)
        box.addWidget(self.preset_button, 0, Qt.AlignmentFlag.AlignLeft)
        self.outcome.hide()

        self.model = UpdatesModel()
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(22)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        header.setMinimumSectionSize(24)
        header.setResizeContentsPrecision(24)
        self._fitted_at = 0
        small = self.table.font()
        small.setPointSizeF(max(small.pointSizeF() - 0.5, 7.0))
        self.table.setFont(small)
        self.export_button = QPushButton("Export updates to CSV…")
        self.export_button.clicked.connect(self._export_clicked)
        self.table_title = QLabel(
            "<b>All updates</b> <span style='color:#777'>(grey: no change)</span>"
        )

        buttons = QHBoxLayout()
        buttons.setSpacing(8)
        for button in (self.step_button, self.epoch_button, self.run_button):
            buttons.addWidget(button)
        buttons.addSpacing(6)
        buttons.addWidget(QLabel("stop after"))
        buttons.addWidget(self.max_epochs)
        buttons.addSpacing(6)
        buttons.addWidget(self.restart_button)
        buttons.addSpacing(10)
        buttons.addWidget(self.status, 1)

        left = QVBoxLayout()
        left.setSpacing(6)
        left.addWidget(self.arithmetic, 1)
        left.addWidget(self.outcome, 1)
        right = QVBoxLayout()
        right.setSpacing(4)
        title_row = QHBoxLayout()
        title_row.addWidget(self.table_title, 1)
        title_row.addWidget(self.export_button)
        right.addLayout(title_row)
        right.addWidget(self.table, 1)
        columns = QHBoxLayout()
        columns.setSpacing(14)
        columns.addLayout(left, 9)
        columns.addLayout(right, 11)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(8)
        layout.addLayout(buttons)
        layout.addLayout(columns, 1)

        self.step_button.clicked.connect(self.step_sample)
        self.epoch_button.clicked.connect(self.step_epoch)
        self.run_button.clicked.connect(self._run_clicked)

    # -- state -------------------------------------------------------------------------------
    def start(self, exercise: Exercise, weights, bias: float, learning_rate: float) -> None:
        """(Re)start the rule from the given weights; the update table is cleared."""
        self.stop()
        if exercise is not self.exercise:
            self.max_epochs.setValue(exercise.max_epochs)
        self.exercise = exercise
        perceptron = Perceptron(weights, bias, learning_rate, exercise.rule)
        self.stepper = RuleStepper(perceptron, exercise.points, exercise.targets)
        self.last_result = None
        self.model.reset()
        self.outcome.hide()
        self.arithmetic.show()
        rule = (
            "w<sub>i</sub> ← w<sub>i</sub> + η(y − o)·x<sub>i</sub>, b ← b + η(y − o)"
            if exercise.rule == "perceptron"
            else "w ← w − η·∂J/∂w with J(w) = −t·wᵀx for a misclassified x (x<sub>0</sub> = 1)"
        )
        self.arithmetic.setText(
            f"<span style='color:#555'>Rule: {rule}<br><br>Press <b>Step one sample</b> to "
            "apply it to row 1 and see the arithmetic here.</span>"
        )
        self._refresh()

    def _fit_columns(self) -> None:
        n = len(self.model.updates)
        if n <= 12 or n // 40 != self._fitted_at // 40:
            self.table.resizeColumnsToContents()  # looks at the visible rows only (precision)
            self._fitted_at = n
        self.table.scrollToBottom()

    def set_learning_rate(self, eta: float) -> None:
        if self.stepper is not None:
            self.stepper.perceptron.learning_rate = eta

    @property
    def updates(self) -> list[Update]:
        return self.stepper.updates if self.stepper is not None else []

    @property
    def running(self) -> bool:
        return self._timer.isActive()

    def _refresh(self) -> None:
        s = self.stepper
        if s is None:
            self.status.setText("")
            return
        changes = sum(1 for u in s.updates if u.changed)
        if s.converged:
            state = f"<b style='color:#2e7d32'>converged</b> after {s.epochs_done} epoch(s)"
        else:
            state = f"epoch {s.epoch}, next: row {s.position + 1}"
        self.status.setText(
            f"{state} · {len(s.updates)} step(s), {changes} of them changed the weights"
        )
        done = s.converged
        for button in (self.step_button, self.epoch_button):
            button.setEnabled(not done and not self.running)
        self.run_button.setEnabled(not done or self.running)
        self.run_button.setText("Stop" if self.running else "Run until converged")
        self.export_button.setEnabled(bool(s.updates))

    # -- actions -----------------------------------------------------------------------------
    def step_sample(self) -> Update | None:
        """Apply the rule to exactly one row."""
        out = self._advance(1)
        return out[0] if out else None

    def step_epoch(self) -> list[Update]:
        """Apply the rule to the rest of the current epoch."""
        if self.stepper is None or self.stepper.converged:
            return []
        return self._advance(len(self.stepper.X) - self.stepper.position, summary=True)

    def _advance(self, count: int, summary: bool = False) -> list[Update]:
        """Up to ``count`` steps (fewer if the rule converges); the view shows the last one."""
        s = self.stepper
        if s is None or s.converged:
            return []
        out: list[Update] = []
        while len(out) < count and not s.converged:
            out.append(s.step())
        self.model.append(out)
        self._fit_columns()
        self._show_update(out[-1], epoch_summary=out if summary else None)
        self.stepped.emit(out[-1])
        self._after_step()
        return out

    def run(self) -> None:
        """Step (animated) until an epoch makes no mistake or the epoch limit is reached.

        A long run takes several samples per tick so that it ends within a few seconds.
        """
        if self.stepper is None or self.stepper.converged:
            return
        self._run_target = self.stepper.epochs_done + self.max_epochs.value()
        samples = self.max_epochs.value() * len(self.stepper.X)
        self._per_tick = max(1, math.ceil(samples / RUN_MAX_TICKS))
        self._timer.start()
        self._refresh()

    def stop(self) -> None:
        if self._timer.isActive():
            self._timer.stop()
            self._refresh()

    def _run_clicked(self) -> None:
        if self.running:
            self.stop()
        else:
            self.run()

    def _run_tick(self) -> None:
        s = self.stepper
        if s is None:
            self._timer.stop()
            return
        left = (self._run_target - s.epochs_done) * len(s.X) - s.position
        self._advance(min(self._per_tick, max(left, 1)))
        if s.converged or s.epochs_done >= self._run_target:
            self._timer.stop()
            self._refresh()
            if not s.converged:
                self._finish()

    def _after_step(self) -> None:
        s = self.stepper
        if s is not None and s.converged:
            self._timer.stop()
            self._finish()
        elif (
            s is not None
            and not self.running
            and s.position == 0
            and s.epochs_done == self.max_epochs.value()
        ):
            self._finish()  # stepping by hand reached the epoch limit: explain
        self._refresh()

    def _finish(self) -> None:
        assert self.stepper is not None and self.exercise is not None
        result = self.stepper.result()
        self.last_result = result
        ex = self.exercise
        if result.converged:
            text = (
                f"<b>Converged.</b> Epoch {result.epochs} made no mistake, so the rule stops "
                f"after {result.n_changes} weight change(s)."
            )
            style = "background:#e8f5e9; border:1px solid #a5d6a7;"
            self.preset_button.hide()
        else:
            text = (
                f"<b>Stopped after {result.epochs} epoch(s).</b> {html.escape(result.reason or '')}"
            )
            if ex.explanation and not ex.solvable:
                text += f"<br><br>{html.escape(ex.explanation)}"
            style = "background:#fff3e0; border:1px solid #ffcc80;"
            self.preset_button.setVisible(bool(ex.preset) and result.separable is False)
        self.outcome.setStyleSheet(f"QFrame#outcome {{ {style} border-radius:6px; }}")
        self.outcome_text.setText(text)
        self.outcome.show()
        # a long explanation takes the place of the last step's arithmetic (still in the table)
        self.arithmetic.setVisible(result.converged)
        self.finished.emit(result)

    def _show_update(self, u: Update, epoch_summary: list[Update] | None = None) -> None:
        self.outcome.hide()
        self.arithmetic.show()
        lines = [html.escape(line) for line in u.explain()]
        head = f"<b>Epoch {u.epoch}, row {(u.row or 0) + 1}: x = {_vec(u.x)}, target y = {u.target}</b>"
        body = "<br>".join(lines)
        if epoch_summary is not None:
            wrong = [str((v.row or 0) + 1) for v in epoch_summary if v.changed]
            summary = (
                f"this epoch changed the weights at row(s) {', '.join(wrong)}"
                if wrong
                else "this epoch made no change"
            )
            head = (
                f"<span style='color:#555'>Epoch {u.epoch}: {summary}. Last step:</span><br>{head}"
            )
        colour = "#c62828" if u.changed else "#2e7d32"
        self.arithmetic.setText(f"{head}<br><span style='color:{colour}'>{body}</span>")

    # -- files -------------------------------------------------------------------------------
    def export_csv(self, path: str | Path) -> None:
        """Write every update record to ``path`` (temporary file, then rename)."""
        atomic_write_text(path, updates_to_csv(self.updates))

    def _export_clicked(self) -> None:
        name = f"{self.exercise.id if self.exercise else 'perceptron'}_updates.csv"
        path, _ = QFileDialog.getSaveFileName(self, "Export updates", name, "CSV files (*.csv)")
        if not path:
            return
        try:
            self.export_csv(path)
        except OSError as exc:
            QMessageBox.warning(self, "Export failed", f"Could not write {path}:\n{exc}")

    def _preset_clicked(self) -> None:
        if self.exercise is not None and self.exercise.preset:
            self.open_preset_requested.emit(self.exercise.preset)
