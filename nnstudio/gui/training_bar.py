"""The training controls: play/pause, single steps, reset, the training speed, and the
hyper-parameters that may change while training runs (optimizer, learning rate, batch size,
L1/L2, stop after N)."""

from __future__ import annotations

import math

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QDoubleValidator, QKeySequence
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QSpinBox,
    QStyle,
    QStyleOptionComboBox,
    QStylePainter,
    QToolBar,
    QToolButton,
    QWidget,
)

from nnstudio.engine.optimizers import OPTIMIZERS
from nnstudio.engine.training import TrainConfig

LEARNING_RATES = (0.00001, 0.0001, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0, 30.0)
REGULARIZATION_RATES = (0.0, 0.0001, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0)
BATCH_SIZES = (1, 4, 8, 10, 16, 32, 64, 128, 256)
FULL_BATCH = "full"
#: the training speed limits offered (steps a second; None: full speed)
SPEED_LIMITS: tuple[int | None, ...] = (None, 10_000, 1_000, 100, 10, 1)
SPEED_TIP = ("How fast Play trains. At full speed a small network trains tens of thousands "
             "of steps a second and a run is over in a blink; a limit slows training down "
             "so you can watch the network learn (at 10 steps/s every step is shown). Only "
             "the pace changes, not what the network learns. Remembered for next time; "
             "not part of the experiment file.")

OPTIMIZER_TITLES = {
    "sgd": "SGD",
    "momentum": "Momentum",
    "nesterov": "Nesterov",
    "adagrad": "AdaGrad",
    "rmsprop": "RMSprop",
    "adam": "Adam",
}
OPTIMIZER_TIPS = {
    "sgd": "Plain gradient descent: w ← w − η·∂J/∂w on each mini-batch.",
    "momentum": "Gradient descent with a velocity that keeps 90 % of the previous step.",
    "nesterov": "Momentum that looks ahead before taking the gradient.",
    "adagrad": "Per-weight step sizes that shrink as squared gradients add up.",
    "rmsprop": "Per-weight step sizes from a running average of squared gradients.",
    "adam": "Momentum plus RMSprop-style scaling; forgiving about the learning rate.",
}


RESET_TIP = ("Start over: re-initialize the weights (the experiment's seed gives the same "
             "starting weights) and clear the plots (Ctrl+R)")
RESET_MODEL_TIP = ("Start over from {model} as loaded (its weights, before any training "
                   "here) and clear the plots (Ctrl+R). Training ▸ Reset with new random "
                   "weights re-initializes instead.")


def format_rate(value: float) -> str:
    """0.03 -> "0.03", 1e-05 -> "0.00001", 3.0 -> "3"."""
    if value == 0:
        return "0"
    text = f"{value:.10f}".rstrip("0").rstrip(".")
    return text if len(text) <= 9 else f"{value:g}"


def speed_text(limit: float | None, short: bool = False) -> str:
    """None -> "Full speed", 1000 -> "1,000 steps/s" (``short``: "1,000/s"), 1 -> "1 step/s"."""
    if limit is None:
        return "Full speed"
    value = f"{limit:,.0f}" if float(limit).is_integer() else f"{limit:,.3g}"
    if short:
        return f"{value}/s"
    return f"{value} step/s" if limit == 1 else f"{value} steps/s"


class SpeedCombo(QComboBox):
    """The training speed: the list says "1,000 steps/s", the closed combo "1,000/s" (the
    training bar has no room to spare at 1280 px)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        for limit in SPEED_LIMITS:
            self.addItem(speed_text(limit), 0.0 if limit is None else float(limit))
            if limit is not None:
                self.setItemData(self.count() - 1,
                                 f"Train at most {speed_text(limit)} (training steps a second)",
                                 Qt.ItemDataRole.ToolTipRole)
        fm = self.fontMetrics()
        widest = max(fm.horizontalAdvance(speed_text(v, short=True)) for v in SPEED_LIMITS)
        self.setFixedWidth(widest + 32)  # (the text, the frame and the arrow)
        self.view().setMinimumWidth(
            max(fm.horizontalAdvance(self.itemText(i)) for i in range(self.count())) + 36)

    def current_short_text(self) -> str:
        value = self.currentData()
        return speed_text(value if value else None, short=True)

    def paintEvent(self, _event: object) -> None:
        painter = QStylePainter(self)
        option = QStyleOptionComboBox()
        self.initStyleOption(option)
        option.currentText = self.current_short_text()
        painter.drawComplexControl(QStyle.ComplexControl.CC_ComboBox, option)
        painter.drawControl(QStyle.ControlElement.CE_ComboBoxLabel, option)


def _pair(label: QWidget, field: QWidget) -> QWidget:
    """A label and its field as one tool bar item (they overflow together)."""
    box = QWidget()
    layout = QHBoxLayout(box)
    layout.setContentsMargins(2, 0, 2, 0)
    layout.setSpacing(4)
    layout.addWidget(label)
    layout.addWidget(field)
    return box


def _label(text: str, buddy: QWidget) -> QLabel:
    label = QLabel(text)
    label.setBuddy(buddy)
    label.setObjectName("muted")
    label.setToolTip(buddy.toolTip())  # the label explains the same control
    return label


class RateCombo(QComboBox):
    """An editable combo of log-spaced values; typing any positive number works too."""

    value_changed = Signal(float)

    def __init__(self, values: tuple[float, ...], allow_zero: bool, width: int = 80,
                 parent: QWidget | None = None):
        super().__init__(parent)
        self._allow_zero = allow_zero
        self.setEditable(True)
        self.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        validator = QDoubleValidator(0.0, 1e6, 10, self)
        validator.setNotation(QDoubleValidator.Notation.ScientificNotation)
        self.lineEdit().setValidator(validator)
        for v in values:
            self.addItem(format_rate(v), v)
        self._value = values[0]
        self.activated.connect(self._commit)
        self.lineEdit().editingFinished.connect(self._commit)
        self.setFixedWidth(width)

    def value(self) -> float:
        return self._value

    def set_value(self, value: float) -> None:
        """Show ``value`` without emitting ``value_changed``."""
        self._value = float(value)
        index = self.findData(self._value)
        if index < 0:
            for i in range(self.count()):
                if math.isclose(self.itemData(i), self._value, rel_tol=1e-9):
                    index = i
                    break
        self.blockSignals(True)
        if index >= 0:
            self.setCurrentIndex(index)
        self.setEditText(format_rate(self._value))
        self.blockSignals(False)

    def _commit(self, *_: object) -> None:
        text = self.currentText().strip().replace(",", ".")
        try:
            value = float(text)
        except ValueError:
            value = math.nan
        ok = math.isfinite(value) and (value > 0 or (self._allow_zero and value == 0))
        if not ok:
            self.set_value(self._value)  # back to the last good value
            return
        if value != self._value:
            self._value = value
            self.setEditText(format_rate(value))
            self.value_changed.emit(value)


class TrainingBar(QToolBar):
    """The main window's tool bar of training controls (what does not fit at narrow
    widths moves into the tool bar's overflow menu)."""

    play_toggled = Signal(bool)
    step_batch_requested = Signal()
    step_epoch_requested = Signal()
    reset_requested = Signal()
    learning_rate_changed = Signal(float)
    optimizer_changed = Signal(str)
    batch_size_changed = Signal(object)  # int, or None for the full batch
    regularization_changed = Signal(float, float)
    stop_after_changed = Signal(object)  # int, or None
    speed_limit_changed = Signal(object)  # steps a second (float), or None for full speed

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Training", parent)
        self.setObjectName("trainingToolBar")
        self.setMovable(False)
        self.setFloatable(False)

        # actions carry the shortcuts (and can be put in menus); buttons show them
        self.play_action = self._action("Play", "Train continuously / pause (Space)",
                                        QKeySequence(Qt.Key.Key_Space), checkable=True)
        self.play_action.toggled.connect(self._on_play_toggled)
        self.step_action = self._action("Step", "Train on one mini-batch, then pause (.)",
                                        QKeySequence(Qt.Key.Key_Period))
        self.step_action.triggered.connect(self.step_batch_requested)
        self.epoch_action = self._action(
            "Epoch", "Train one whole epoch (every training row once), then pause (Ctrl+.)",
            QKeySequence("Ctrl+."))
        self.epoch_action.triggered.connect(self.step_epoch_requested)
        self.reset_action = self._action("↺ Reset", RESET_TIP, QKeySequence("Ctrl+R"))
        self.reset_action.triggered.connect(self.reset_requested)
        self.play_button = self._button(self.play_action)
        self.play_button.setObjectName("playButton")
        self.play_button.setMinimumWidth(80)
        self.step_button = self._button(self.step_action)
        self.epoch_button = self._button(self.epoch_action)
        self.reset_button = self._button(self.reset_action)
        self._set_play_text(False)

        self.epoch_label = QLabel()
        self.epoch_label.setObjectName("epochLabel")
        self.epoch_label.setMinimumWidth(100)
        self.epoch_label.setToolTip("Completed epochs (passes over the training data)")
        self.set_epoch(0)

        self.optimizer_combo = QComboBox()
        for name in OPTIMIZERS:
            self.optimizer_combo.addItem(OPTIMIZER_TITLES.get(name, name), name)
            self.optimizer_combo.setItemData(self.optimizer_combo.count() - 1,
                                             OPTIMIZER_TIPS.get(name, ""),
                                             Qt.ItemDataRole.ToolTipRole)
        # (no label beside it at 1280 px: its values - SGD, Adam - name what it is)
        self.optimizer_combo.setToolTip("Optimizer: how the gradient turns into a weight "
                                        "update")
        self.optimizer_combo.setAccessibleName("Optimizer")
        self.optimizer_combo.activated.connect(self._on_optimizer)

        self.lr_combo = RateCombo(LEARNING_RATES, allow_zero=False, width=80)
        self.lr_combo.setToolTip("Learning rate η: the size of each gradient step "
                                 "(changes apply at once, also while training)")
        self.lr_combo.value_changed.connect(self.learning_rate_changed)

        self.batch_combo = QComboBox()
        self.batch_combo.setEditable(True)
        self.batch_combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        for b in BATCH_SIZES:
            self.batch_combo.addItem(str(b), b)
        self.batch_combo.addItem(FULL_BATCH, None)
        self.batch_combo.setFixedWidth(66)
        self.batch_combo.setToolTip("Rows per gradient step; 'full' uses the whole training "
                                    "set (batch gradient descent)")
        self.batch_combo.activated.connect(self._on_batch)
        self.batch_combo.lineEdit().editingFinished.connect(self._on_batch)
        self._batch: int | None = 32

        self.l1_combo = RateCombo(REGULARIZATION_RATES, allow_zero=True, width=70)
        self.l1_combo.setToolTip("L1 strength λ₁: adds λ₁·Σ|w|; pushes small weights to exactly 0")
        self.l2_combo = RateCombo(REGULARIZATION_RATES, allow_zero=True, width=70)
        self.l2_combo.setToolTip("L2 strength λ₂: adds ½·λ₂·Σw²; keeps all weights small")
        self.l1_combo.value_changed.connect(self._on_regularization)
        self.l2_combo.value_changed.connect(self._on_regularization)

        self.stop_check = QCheckBox("Stop at epoch")
        self.stop_check.setToolTip("Pause automatically when this many epochs are done (the "
                                   "experiment's 'epochs'); untick to train on without limit")
        self.stop_spin = QSpinBox()
        self.stop_spin.setRange(1, 1_000_000)
        self.stop_spin.setValue(100)
        self.stop_spin.setEnabled(False)
        self.stop_spin.setKeyboardTracking(False)
        self.stop_spin.setFixedWidth(66)
        self.stop_spin.setGroupSeparatorShown(True)
        self.stop_spin.setToolTip("The epoch at which training pauses by itself")
        self.stop_check.toggled.connect(self._on_stop_after)
        self.stop_spin.valueChanged.connect(self._on_stop_after)

        self.speed_combo = SpeedCombo()
        self.speed_combo.setObjectName("speedCombo")
        self.speed_combo.setToolTip(SPEED_TIP)
        self.speed_combo.setAccessibleName("Training speed")
        self.speed_combo.activated.connect(self._on_speed)
        self._speed_limit: float | None = None

        for w in (self.play_button, self.speed_combo, self.step_button, self.epoch_button,
                  self.reset_button, self.epoch_label):
            self.addWidget(w)
        self.addSeparator()
        self.addWidget(self.optimizer_combo)
        for text, w in (("Learning rate", self.lr_combo), ("Batch", self.batch_combo),
                        ("L1", self.l1_combo), ("L2", self.l2_combo)):
            self.addWidget(_pair(_label(text, w), w))
        # (no separator before it: at 1280 px the bar has no pixel to spare once the epoch
        # count has five digits)
        self.addWidget(_pair(self.stop_check, self.stop_spin))

    def _action(self, text: str, tip: str, shortcut: QKeySequence,
                checkable: bool = False) -> QAction:
        action = QAction(text, self)
        action.setToolTip(tip)
        action.setShortcut(shortcut)
        action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        action.setCheckable(checkable)
        return action

    @staticmethod
    def _button(action: QAction) -> QToolButton:
        button = QToolButton()
        button.setDefaultAction(action)
        button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        return button

    # --- state from outside -----------------------------------------------------------------
    def set_config(self, config: TrainConfig) -> None:
        """Show ``config``'s values without emitting change signals."""
        index = self.optimizer_combo.findData(config.optimizer)
        if index >= 0:
            self.optimizer_combo.setCurrentIndex(index)
        self.lr_combo.set_value(config.learning_rate)
        self._show_batch(config.batch_size)
        self.l1_combo.set_value(config.l1)
        self.l2_combo.set_value(config.l2)
        # the experiment's epochs: the GUI run ends where `nnstudio train` would
        for widget in (self.stop_spin, self.stop_check):
            widget.blockSignals(True)
        self.stop_spin.setValue(max(1, int(config.epochs or 1)))
        self.stop_check.setChecked(bool(config.epochs))
        self.stop_spin.setEnabled(bool(config.epochs))
        for widget in (self.stop_spin, self.stop_check):
            widget.blockSignals(False)

    def set_running(self, running: bool) -> None:
        """Reflect the worker's state on the play button (without emitting)."""
        self.play_action.blockSignals(True)
        self.play_action.setChecked(running)
        self.play_action.blockSignals(False)
        self._set_play_text(running)

    def set_reset_model(self, model: str | None) -> None:
        """Say what Reset does: go back to ``model`` as loaded (e.g. "trained.npz"), or, for
        None, re-initialize the network."""
        tip = RESET_TIP if model is None else RESET_MODEL_TIP.format(model=model)
        self.reset_action.setToolTip(tip)
        self.reset_action.setStatusTip(tip)

    def set_epoch(self, epoch: int) -> None:
        self.epoch_label.setText(f"Epoch {epoch:,}")

    def speed_limit(self) -> float | None:
        """The chosen training speed limit (steps a second; None: full speed)."""
        return self._speed_limit

    def set_speed_limit(self, limit: float | None) -> None:
        """Show ``limit`` (the offered limit nearest to it) without emitting."""
        index = 0
        if limit is not None and math.isfinite(limit) and limit > 0:
            offered = [(i, self.speed_combo.itemData(i)) for i in range(self.speed_combo.count())]
            index = min((i for i, v in offered if v > 0),
                        key=lambda i: abs(math.log(self.speed_combo.itemData(i) / limit)))
        self.speed_combo.setCurrentIndex(index)
        value = self.speed_combo.itemData(index)
        self._speed_limit = value if value > 0 else None

    def stop_after(self) -> int | None:
        return self.stop_spin.value() if self.stop_check.isChecked() else None

    def batch_size(self) -> int | None:
        return self._batch

    # --- internals --------------------------------------------------------------------------
    def _set_play_text(self, running: bool) -> None:
        self.play_action.setText("❚❚  Pause" if running else "▶  Play")

    def _on_play_toggled(self, checked: bool) -> None:
        self._set_play_text(checked)
        self.play_toggled.emit(checked)

    def _on_optimizer(self, _index: int) -> None:
        self.optimizer_changed.emit(self.optimizer_combo.currentData())

    def _show_batch(self, batch: int | None) -> None:
        self._batch = batch
        self.batch_combo.blockSignals(True)
        index = self.batch_combo.findData(batch) if batch is not None else \
            self.batch_combo.findText(FULL_BATCH)
        if index >= 0:
            self.batch_combo.setCurrentIndex(index)
        self.batch_combo.setEditText(FULL_BATCH if batch is None else str(batch))
        self.batch_combo.blockSignals(False)

    def _on_batch(self, *_: object) -> None:
        text = self.batch_combo.currentText().strip().lower()
        if text in (FULL_BATCH, "all", "full batch"):
            batch: int | None = None
        else:
            try:
                batch = int(text)
            except ValueError:
                batch = -1
            if batch < 1:
                self._show_batch(self._batch)  # back to the last good value
                return
        if batch != self._batch:
            self._show_batch(batch)
            self.batch_size_changed.emit(batch)

    def _on_regularization(self, _value: float) -> None:
        self.regularization_changed.emit(self.l1_combo.value(), self.l2_combo.value())

    def _on_speed(self, index: int) -> None:
        value = self.speed_combo.itemData(index)
        limit = value if value and value > 0 else None
        if limit != self._speed_limit:
            self._speed_limit = limit
            self.speed_limit_changed.emit(limit)

    def _on_stop_after(self, *_: object) -> None:
        self.stop_spin.setEnabled(self.stop_check.isChecked())
        self.stop_after_changed.emit(self.stop_after())
