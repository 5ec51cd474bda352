"""The perceptron exercise window: pick an exercise, set the weights, check, step the rule.

Open it from the main window with ``ExerciseWindow(parent, progress_store=None)``; it
emits ``open_preset_requested(str)`` with a preset file name (the XOR exercise offers
"xor_hidden_layer.json"). All computing is done by ``nnstudio.engine.perceptron`` and
``nnstudio.engine.exercises``; this module only shows it.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence
from pathlib import Path

from PySide6.QtCore import QSettings, QStandardPaths, Qt, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from nnstudio.engine.exercises import (
    CheckResult,
    Exercise,
    ExerciseError,
    check,
    default_folder,
    load_exercises,
    truth_table,
)
from nnstudio.engine.perceptron import TrainResult, Update
from nnstudio.gui import qtfix
from nnstudio.gui.exercise_controls import ParameterControls, TruthTable
from nnstudio.gui.exercise_plot import DecisionPlot, SumBars
from nnstudio.gui.exercise_progress import ExerciseProgress
from nnstudio.gui.exercise_stepper import StepperPanel

qtfix.install()  # PySide6 6.12 on Python < 3.12 (see qtfix); a no-op elsewhere

SECTIONS = (
    ("by_hand", "BY HAND"),
    ("learning_rule", "THE LEARNING RULE"),
    ("free_points", "FREE POINTS"),
)
KIND_LABELS = {
    "by_hand": "by hand",
    "learning_rule": "learning rule",
    "free_points": "free points",
}
STYLE = """
QLabel#exerciseTitle { font-size: 16pt; font-weight: 600; color: #1d2a38; }
QLabel#kindBadge { background: #e3ecf6; color: #2b5d8a; border-radius: 8px; padding: 2px 9px; }
QLabel#instructions { background: #f5f7fa; border: 1px solid #dde3ea; border-radius: 6px;
                      padding: 8px 10px; color: #1d2a38; }
QLabel#equation { color: #1d2a38; padding: 2px 2px; }
QLabel#legend { color: #444; }
QLabel#listTitle { font-weight: 600; font-size: 12pt; }
QLabel#loadErrors { background: #fff3e0; border: 1px solid #ffcc80; border-radius: 6px;
                    padding: 6px; color: #6d4c00; }
QLabel#arithmetic { background: #fbfbf7; border: 1px solid #e2e2d5; border-radius: 6px;
                    padding: 6px 8px; }
QListWidget { font-size: 10.5pt; }
QListWidget::item { padding: 5px 4px; }
QPushButton#checkButton { font-weight: 600; padding: 5px 18px; }
"""
FEEDBACK_STYLES = {
    "neutral": "background:#f5f7fa; border:1px solid #dde3ea; color:#1d2a38;",
    "good": "background:#e8f5e9; border:1px solid #a5d6a7; color:#1b5e20;",
    "bad": "background:#fff3e0; border:1px solid #ffcc80; color:#4e3400;",
}


LINE_HINT = "Drag the line to move it, drag the round handle to turn it, or use the sliders."
BARS_HINT = (
    "Move the sliders or type the numbers: each bar shows S for one row, "
    "and a bar above the black line S = 0 means output 1."
)


def rows_giving_target(right: int, total: int) -> str:
    """'1 of 4 rows gives its target' / '3 of 4 rows give their target'."""
    if right == 1:
        return f"1 of {total} rows gives its target"
    return f"{right} of {total} rows give their target"


def teacher_folder() -> Path:
    """Where a teacher can add exercise files without touching the installed program."""
    base = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.GenericDataLocation)
    return Path(base) / "nnstudio" / "exercises"


class ExerciseWindow(QMainWindow):
    """Perceptron exercises: by hand, with the learning rule, and XOR's failure."""

    open_preset_requested = Signal(str)
    exercise_solved = Signal(str)

    def __init__(
        self,
        parent: QWidget | None = None,
        progress_store: QSettings | None = None,
        exercise_dirs: Iterable[str | Path] | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Perceptron exercises — nnstudio")
        self.setObjectName("exerciseWindow")
        self.setStyleSheet(STYLE)
        self.resize(1280, 800)
        self.progress = ExerciseProgress(progress_store)
        folders = list(exercise_dirs) if exercise_dirs is not None else [
            default_folder(),
            teacher_folder(),
        ]  # fmt: skip
        self.load_errors: list[ExerciseError] = []
        self.exercises: list[Exercise] = load_exercises(folders, self.load_errors)
        self.current: Exercise | None = None
        self._weights: tuple[float, ...] = ()
        self._bias = 0.0
        self._eta = 0.1
        self._attempts: dict[str, int] = {}
        self._build()
        self._fill_list()
        if self.exercises:
            self.select_exercise(self.exercises[0].id)
        else:
            self.title.setText("No exercises found")

    # -- layout ------------------------------------------------------------------------------
    def _build(self) -> None:
        self.list = QListWidget()
        self.list.setWordWrap(True)
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.list.currentRowChanged.connect(self._row_selected)
        self.progress_label = QLabel()
        self.errors_label = QLabel()
        self.errors_label.setObjectName("loadErrors")
        self.errors_label.setWordWrap(True)
        self.errors_label.setVisible(bool(self.load_errors))
        if self.load_errors:
            n = len(self.load_errors)
            text = "<br>".join(html.escape(str(e)) for e in self.load_errors)
            self.errors_label.setText(f"<b>{n} exercise file(s) skipped:</b><br>{text}")
        list_title = QLabel("Exercises")
        list_title.setObjectName("listTitle")
        left = QWidget()
        left.setMinimumWidth(230)
        left_box = QVBoxLayout(left)
        left_box.setContentsMargins(10, 10, 4, 10)
        left_box.addWidget(list_title)
        left_box.addWidget(self.list, 1)
        left_box.addWidget(self.progress_label)
        left_box.addWidget(self.errors_label)

        self.title = QLabel()
        self.title.setObjectName("exerciseTitle")
        self.title.setTextFormat(Qt.TextFormat.PlainText)
        self.kind_badge = QLabel()
        self.kind_badge.setObjectName("kindBadge")
        self.instructions = QLabel()
        self.instructions.setObjectName("instructions")
        self.instructions.setWordWrap(True)
        self.instructions.setTextFormat(Qt.TextFormat.PlainText)
        self.instructions.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        title_row = QHBoxLayout()
        title_row.addWidget(self.title)
        title_row.addWidget(self.kind_badge)
        title_row.addStretch(1)

        self.plot = DecisionPlot()
        self.plot.line_dragged.connect(self._line_dragged)
        self.sum_bars = SumBars()
        self.plot_stack = QStackedWidget()
        self.plot_stack.addWidget(self.plot)
        self.plot_stack.addWidget(self.sum_bars)

        self.controls = ParameterControls()
        self.controls.parameters_edited.connect(self._controls_edited)
        self.controls.learning_rate_edited.connect(self._eta_edited)
        self.reset_button = QPushButton("Start again")
        self.reset_button.clicked.connect(self.reset_exercise)
        self.reset_button.setToolTip("Set the weights and bias back to the exercise's start")
        weights_box = QGroupBox("Weights and bias")
        wb = QVBoxLayout(weights_box)
        wb.setContentsMargins(10, 8, 10, 8)
        wb.addWidget(self.controls)

        self.table = TruthTable()
        table_box = QGroupBox("Truth table (output = 1 if S > 0, else 0)")
        tb = QVBoxLayout(table_box)
        tb.addWidget(self.table)

        self.check_button = QPushButton("Check")
        self.check_button.setObjectName("checkButton")
        self.check_button.clicked.connect(self.check)
        self.feedback = QLabel()
        self.feedback.setObjectName("feedback")
        self.feedback.setWordWrap(True)
        self.feedback.setTextFormat(Qt.TextFormat.RichText)
        self.feedback.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        check_row = QHBoxLayout()
        check_row.addWidget(self.check_button, 0, Qt.AlignmentFlag.AlignTop)
        check_row.addWidget(self.feedback, 1)
        check_row.addWidget(self.reset_button, 0, Qt.AlignmentFlag.AlignTop)

        side = QWidget()
        side_box = QVBoxLayout(side)
        side_box.setContentsMargins(0, 0, 0, 0)
        side_box.addWidget(weights_box)
        side_box.addWidget(table_box, 1)
        side_box.addLayout(check_row)

        top = QWidget()
        top_box = QHBoxLayout(top)
        top_box.setContentsMargins(0, 0, 0, 0)
        top_box.setSpacing(12)
        top_box.addWidget(self.plot_stack, 5)
        top_box.addWidget(side, 5)

        self.stepper_panel = StepperPanel()
        self.stepper_panel.stepped.connect(self._rule_stepped)
        self.stepper_panel.finished.connect(self._rule_finished)
        self.stepper_panel.open_preset_requested.connect(self.open_preset_requested)
        self.stepper_panel.restart_button.clicked.connect(self.reset_exercise)
        self.stepper_box = QGroupBox("Learning rule, step by step")
        sb = QVBoxLayout(self.stepper_box)
        sb.addWidget(self.stepper_panel)

        self.body = QSplitter(Qt.Orientation.Vertical)
        self.body.setChildrenCollapsible(False)
        self.body.addWidget(top)
        self.body.addWidget(self.stepper_box)
        self.body.setStretchFactor(0, 3)
        self.body.setStretchFactor(1, 2)

        right = QWidget()
        right_box = QVBoxLayout(right)
        right_box.setContentsMargins(4, 10, 10, 6)
        right_box.addLayout(title_row)
        right_box.addWidget(self.instructions)
        right_box.addWidget(self.body, 1)

        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(left)
        splitter.addWidget(right)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([240, 1040])
        self.setCentralWidget(splitter)
        self.statusBar().showMessage(LINE_HINT)

    def _fill_list(self) -> None:
        """One header per kind, then its exercises (headers cannot be selected)."""
        self.list.blockSignals(True)
        self.list.clear()
        self._items: dict[str, QListWidgetItem] = {}
        for kind, heading in SECTIONS:
            members = [ex for ex in self.exercises if ex.kind == kind]
            if not members:
                continue
            header = QListWidgetItem(heading)
            header.setFlags(Qt.ItemFlag.NoItemFlags)
            header.setForeground(QBrush(QColor("#5f6670")))
            font = header.font()
            font.setBold(True)
            font.setPointSizeF(max(font.pointSizeF() - 0.5, 7.0))
            header.setFont(font)
            self.list.addItem(header)
            for ex in members:
                item = QListWidgetItem()
                item.setData(Qt.ItemDataRole.UserRole, ex.id)
                item.setToolTip(f"{ex.title} — {KIND_LABELS[ex.kind]} · {ex.source}")
                self.list.addItem(item)
                self._items[ex.id] = item
        self.list.blockSignals(False)
        self._refresh_ticks()

    def _refresh_ticks(self) -> None:
        for ex in self.exercises:
            item = self._items[ex.id]
            done = self.progress.is_solved(ex.id)
            item.setText(f"{'✓' if done else '○'}  {ex.title}")
            item.setForeground(QBrush(QColor("#1e8e3e" if done else "#1f2328")))
        solved = sum(1 for ex in self.exercises if self.progress.is_solved(ex.id))
        self.progress_label.setText(f"{solved} of {len(self.exercises)} exercises solved")

    # -- selecting ---------------------------------------------------------------------------
    def select_exercise(self, exercise_id: str) -> Exercise:
        """Show the exercise with this id (as if clicked in the list)."""
        item = self._items.get(exercise_id)
        if item is None:
            raise KeyError(f"no exercise with id {exercise_id!r}")
        self.list.setCurrentItem(item)
        return self._by_id(exercise_id)

    def _by_id(self, exercise_id: str) -> Exercise:
        return next(ex for ex in self.exercises if ex.id == exercise_id)

    def _row_selected(self, row: int) -> None:
        item = self.list.item(row)
        exercise_id = item.data(Qt.ItemDataRole.UserRole) if item is not None else None
        if exercise_id:
            self._show_exercise(self._by_id(exercise_id))

    def _show_exercise(self, ex: Exercise) -> None:
        self.stepper_panel.stop()
        self.current = ex
        self.title.setText(ex.title)
        self.kind_badge.setText(KIND_LABELS[ex.kind])
        self.instructions.setText(ex.instructions)
        self.controls.configure(ex.input_names, ex.weight_range, ex.bias_range)
        self.controls.set_learning_rate_visible(ex.uses_rule)
        self.table.configure(ex.input_names)
        if ex.n_inputs == 2:
            self.plot.set_points(ex.points, ex.targets, ex.input_names)
            self.plot_stack.setCurrentWidget(self.plot)
        else:
            self.plot_stack.setCurrentWidget(self.sum_bars)
        self.stepper_box.setVisible(ex.uses_rule)
        if ex.uses_rule:
            top = min(520, 440 + 24 * max(0, len(ex.points) - 4))
            self.body.setSizes([top, 740 - top])
        self.reset_button.setVisible(not ex.uses_rule)  # the stepper has "Start again"
        self.statusBar().showMessage(LINE_HINT if ex.n_inputs == 2 else BARS_HINT)
        self.reset_exercise()

    def reset_exercise(self) -> None:
        """Back to the exercise's starting weights, bias and η (the rule starts again)."""
        ex = self.current
        if ex is None:
            return
        self._eta = ex.learning_rate
        self.controls.show_learning_rate(ex.learning_rate)
        self._apply(ex.weights, ex.bias, origin="load")
        if ex.uses_rule:
            self.stepper_panel.start(ex, ex.weights, ex.bias, ex.learning_rate)
            self.table.highlight(None)
            self.plot.highlight(None)

    # -- parameters --------------------------------------------------------------------------
    @property
    def weights(self) -> tuple[float, ...]:
        return self._weights

    @property
    def bias(self) -> float:
        return self._bias

    def set_parameters(self, weights: Sequence[float], bias: float) -> None:
        """Set the weights as if the student had typed them (the rule restarts from them)."""
        weights = tuple(float(w) for w in weights)
        self.controls.show_parameters(weights, float(bias))
        self._apply(weights, float(bias), origin="controls")

    def _controls_edited(self, weights: tuple[float, ...], bias: float) -> None:
        self._apply(weights, bias, origin="controls")

    def _line_dragged(self, w1: float, w2: float, bias: float) -> None:
        self._apply((w1, w2), bias, origin="plot")

    def _eta_edited(self, eta: float) -> None:
        self._eta = eta
        self.stepper_panel.set_learning_rate(eta)

    def _apply(self, weights: Sequence[float], bias: float, origin: str) -> None:
        ex = self.current
        if ex is None:
            return
        self._weights = tuple(float(w) for w in weights)
        self._bias = float(bias)
        if origin != "controls":
            self.controls.show_parameters(self._weights, self._bias)
        rows = truth_table(ex, self._weights, self._bias)
        self.table.set_rows(rows)
        if ex.n_inputs == 2:
            self.plot.set_line(self._weights, self._bias)
            self.plot.set_correct([r.correct for r in rows])
        else:
            self.sum_bars.set_rows(rows, ex.n_inputs)
        right = sum(1 for r in rows if r.correct)
        note = ""
        if origin in ("controls", "plot") and ex.uses_rule:
            self.stepper_panel.start(ex, self._weights, self._bias, self._eta)
            self.table.highlight(None)
            self.plot.highlight(None)
            note = " The learning rule starts again from these weights."
        score = rows_giving_target(right, len(rows))
        if origin == "rule":
            self._set_feedback(f"After this step {score}.", "neutral")
        else:
            self._set_feedback(
                f"{score}.{note} "
                "Press <b>Check</b> when you think you are done.",
                "neutral",
            )

    # -- checking ----------------------------------------------------------------------------
    def _set_feedback(self, text: str, tone: str) -> None:
        self.feedback.setStyleSheet(
            f"QLabel#feedback {{ {FEEDBACK_STYLES[tone]} border-radius:6px; padding:6px 9px; }}"
        )
        self.feedback.setText(text)

    def check(self) -> CheckResult | None:
        """Check the current weights; hints appear after repeated failed checks."""
        ex = self.current
        if ex is None:
            return None
        attempt = self._attempts.get(ex.id, 0) + 1
        result = check(ex, self._weights, self._bias, attempt)
        if result.solved:
            self._attempts[ex.id] = 0
            self._set_feedback(f"<b>✓ {html.escape(result.message)}</b>", "good")
            self._mark_solved(ex)
            return result
        self._attempts[ex.id] = attempt
        text = html.escape(result.message).replace("\n", "<br>")
        if result.hint:
            text += f"<br><b>Hint:</b> {html.escape(result.hint)}"
        elif ex.hints:
            left = ex.hint_after - attempt + 1
            tries = "1 more try" if left == 1 else f"{left} more tries"
            text += f"<br><i>A hint appears after {tries}.</i>"
        self._set_feedback(text, "bad")
        return result

    def _mark_solved(self, ex: Exercise) -> None:
        if self.progress.mark_solved(ex.id):
            self._refresh_ticks()
            self.exercise_solved.emit(ex.id)

    # -- learning rule -----------------------------------------------------------------------
    def _rule_stepped(self, u: Update) -> None:
        self._apply(u.weights, u.bias, origin="rule")
        self.table.highlight(u.row)
        self.plot.highlight(u.row)

    def _rule_finished(self, result: TrainResult) -> None:
        ex = self.current
        if ex is None:
            return
        if result.converged:
            self._set_feedback(
                f"<b>✓ The rule converged</b> after {result.epochs} epoch(s) and "
                f"{result.n_changes} weight change(s): every row gives its target.",
                "good",
            )
            self._mark_solved(ex)
        elif result.separable is False:
            self._set_feedback(
                "<b>The rule cannot succeed here</b> — see the explanation below the buttons.",
                "bad",
            )
            self._mark_solved(ex)  # the goal of an unsolvable exercise is to see why
        else:
            self._set_feedback(html.escape(result.reason or ""), "bad")

    def closeEvent(self, event) -> None:  # noqa: N802 (Qt override)
        self.stepper_panel.stop()
        super().closeEvent(event)


__all__ = ["ExerciseWindow", "teacher_folder"]
