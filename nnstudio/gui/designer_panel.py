"""DesignerPanel: edit the hidden layers, the output layer and loss, and the initializer.

Shows the architecture ("2 → 8 → 8 → 1") and the neuron and parameter counts as the lecture
notes count them (input layer not counted: 3-4-2 has 6 neurons and 26 parameters), computed
by the engine's :class:`NetworkSpec`. The output layer and loss follow the task unless
"Override" is checked; an invalid override shows the engine's validation message inline
and is not applied.

``changed`` is emitted after every user edit that leaves a valid design (never by
``set_experiment`` or ``set_io``); ``apply_to(exp)`` writes the design into an Experiment.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QSpinBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from nnstudio.engine.activations import ACTIVATIONS
from nnstudio.engine.errors import NNStudioError
from nnstudio.engine.experiment import output_layer
from nnstudio.engine.initializers import INITIALIZER_SUMMARIES, INITIALIZERS
from nnstudio.engine.losses import LOSSES
from nnstudio.engine.network import LayerSpec, NetworkSpec, default_output
from nnstudio.engine.runs import fold_repeats
from nnstudio.gui import style
from nnstudio.gui.scroll_body import scroll_body

MAX_HIDDEN_LAYERS = 32
MAX_UNITS = 4096
#: hidden layers may use every activation but softmax (the engine allows it on the output only)
HIDDEN_ACTIVATIONS = [name for name in ACTIVATIONS if name != "softmax"]
#: initializers with a parameter: name -> (key, label, default, maximum)
INIT_PARAMS = {"normal": ("std", "std", 0.1, 10.0), "uniform": ("limit", "limit", 0.5, 10.0)}

LOSS_TITLES = {
    "mse": "mean squared error",
    "binary_cross_entropy": "binary cross-entropy",
    "cross_entropy": "cross-entropy",
    "hinge": "hinge",
}


def activation_tip(name: str) -> str:
    return ACTIVATIONS[name].summary


def loss_tip(name: str) -> str:
    return LOSSES[name].summary


def override_note(task: str, activation: str, loss: str) -> str:
    """One or two sentences on what a chosen output activation + loss does, and why the
    task's default is usually better."""
    default_layer, default_loss = default_output(task, 2)
    if activation == default_layer.activation and loss == default_loss:
        return "This is the default for this task."
    if activation == "step":
        return ("A step output has zero slope everywhere, so backpropagation gets no gradient "
                "through it; only the perceptron rule can train it.")
    if loss == "mse" and activation in ("sigmoid", "softmax"):
        fix = "binary cross-entropy" if activation == "sigmoid" else "cross-entropy"
        return (f"MSE on a {activation} output: when the output saturates on a wrong answer its "
                f"slope is ≈ 0 and learning stalls. {fix.capitalize()} cancels that slope "
                "(dJ/dz = p − y), which is why it is the default.")
    if loss == "hinge":
        if activation == "linear":
            return ("Hinge on a linear output is a margin classifier (like an SVM): targets "
                    "become −1/+1 and points beyond the margin stop contributing. It gives "
                    "scores, not probabilities.")
        return (f"Hinge wants scores beyond ±1, but a {activation} output is bounded or "
                "kinked; points may never clear the margin. Use a linear output with hinge.")
    if task == "regression":
        if activation in ("sigmoid", "tanh", "softmax", "step"):
            return (f"A {activation} output has a limited range, so targets outside it can "
                    "never be fitted; the default linear output can reach any value.")
        if activation in ("relu", "leaky_relu"):
            return (f"A {activation} output cannot (or barely can) produce negative values; "
                    "the default linear output can reach any value.")
        return "The default linear output with MSE is the usual choice for regression."
    if loss == "mse" and activation in ("linear", "tanh", "relu", "leaky_relu", "maxout"):
        return ("MSE on a score treats the class labels as numbers to hit exactly: points far "
                "on the correct side are still pushed back. The default gives probabilities "
                "and only pushes wrong or unsure points.")
    return ("The default pairs the output with the loss whose gradient is simply p − y: "
            "no saturation and calibrated probabilities.")


@dataclass
class _OutputChoice:
    activation: str
    loss: str


class LayerRow(QWidget):
    """One hidden layer: units, activation, its parameter, and move/remove buttons."""

    edited = Signal()
    move_requested = Signal(int, int)  # row, direction (-1 up, +1 down)
    remove_requested = Signal(int)

    def __init__(self, index: int, count: int, layer: LayerSpec,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.index = index
        self.layer = layer
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 1, 0, 1)
        grid.setHorizontalSpacing(3)
        grid.setVerticalSpacing(2)
        self.number = QLabel(f"{index + 1}")
        self.number.setObjectName("muted")
        self.number.setFixedWidth(16)
        self.number.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.units = QSpinBox()
        self.units.setRange(1, MAX_UNITS)
        self.units.setValue(layer.units)
        self.units.setAccelerated(True)
        self.units.setKeyboardTracking(False)
        self.units.setToolTip(f"Number of neurons in hidden layer {index + 1}.")
        self.units.setMinimumWidth(52)
        self.units.setMaximumWidth(64)
        self.activation = QComboBox()
        for name in HIDDEN_ACTIVATIONS:
            self.activation.addItem(name)
            self.activation.setItemData(self.activation.count() - 1, activation_tip(name),
                                        Qt.ItemDataRole.ToolTipRole)
        self.activation.setCurrentText(layer.activation)
        self.activation.setToolTip(activation_tip(layer.activation))
        self.activation.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.up = self._tool("▲", "Move this layer up (towards the input)", index > 0)
        self.down = self._tool("▼", "Move this layer down (towards the output)",
                               index < count - 1)
        self.remove = self._tool("✕", "Remove this layer", True)
        grid.addWidget(self.number, 0, 0)
        grid.addWidget(self.units, 0, 1)
        grid.addWidget(self.activation, 0, 2)
        grid.addWidget(self.up, 0, 3)
        grid.addWidget(self.down, 0, 4)
        grid.addWidget(self.remove, 0, 5)
        grid.setColumnStretch(2, 1)
        # the activation's parameter, on a second line when relevant
        self.param_box = QWidget()
        param = QHBoxLayout(self.param_box)
        param.setContentsMargins(0, 0, 0, 0)
        param.setSpacing(4)
        self.alpha_label = QLabel("slope α for z < 0")
        self.alpha = QDoubleSpinBox()
        self.alpha.setRange(0.0, 1.0)
        self.alpha.setDecimals(3)
        self.alpha.setSingleStep(0.01)
        self.alpha.setValue(layer.alpha)
        self.alpha.setKeyboardTracking(False)
        self.alpha.setToolTip("Leaky ReLU's slope for negative z (0 gives plain ReLU).")
        self.pieces_label = QLabel("linear pieces per unit")
        self.pieces = QSpinBox()
        self.pieces.setRange(1, 16)
        self.pieces.setValue(layer.pieces)
        self.pieces.setKeyboardTracking(False)
        self.pieces.setToolTip("Maxout takes the largest of this many linear pieces "
                               "(each piece has its own weights).")
        for w in (self.alpha_label, self.alpha, self.pieces_label, self.pieces):
            param.addWidget(w)
        param.addStretch(1)
        grid.addWidget(self.param_box, 1, 1, 1, 5)
        self._update_param()
        self.units.valueChanged.connect(self._on_units)
        self.activation.currentTextChanged.connect(self._on_activation)
        self.alpha.valueChanged.connect(self._on_alpha)
        self.pieces.valueChanged.connect(self._on_pieces)
        self.up.clicked.connect(lambda: self.move_requested.emit(self.index, -1))
        self.down.clicked.connect(lambda: self.move_requested.emit(self.index, 1))
        self.remove.clicked.connect(lambda: self.remove_requested.emit(self.index))

    def _tool(self, text: str, tip: str, enabled: bool) -> QToolButton:
        button = QToolButton()
        button.setText(text)
        button.setToolTip(tip)
        button.setFixedSize(20, 24)
        button.setStyleSheet("QToolButton { padding: 0px; }")
        button.setEnabled(enabled)
        return button

    def _update_param(self) -> None:
        leaky = self.layer.activation == "leaky_relu"
        maxout = self.layer.activation == "maxout"
        self.alpha_label.setVisible(leaky)
        self.alpha.setVisible(leaky)
        self.pieces_label.setVisible(maxout)
        self.pieces.setVisible(maxout)
        self.param_box.setVisible(leaky or maxout)

    def _on_units(self, value: int) -> None:
        self.layer.units = value
        self.edited.emit()

    def _on_activation(self, name: str) -> None:
        self.layer.activation = name
        self.activation.setToolTip(activation_tip(name))
        self._update_param()
        self.edited.emit()

    def _on_alpha(self, value: float) -> None:
        self.layer.alpha = float(value)
        self.edited.emit()

    def _on_pieces(self, value: int) -> None:
        self.layer.pieces = int(value)
        self.edited.emit()


class DesignerPanel(QWidget):
    """Edits an experiment's hidden layers, output layer, loss and initializer."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._layers: list[LayerSpec] = [LayerSpec(8, "tanh"), LayerSpec(8, "tanh")]
        self._inputs, self._task, self._n_classes, self._n_targets = 2, "binary", 2, 1
        self._error = ""
        self._rows: list[LayerRow] = []
        self._updating = False

        layout = scroll_body(self, spacing=8)

        # summary card: architecture and counts
        card = QFrame()
        card.setObjectName("card")
        card_layout = QVBoxLayout(card)
        card_layout.setContentsMargins(10, 8, 10, 8)
        card_layout.setSpacing(2)
        self.arch_label = QLabel()
        self.arch_label.setFont(style.ui_font(4, bold=True))
        self.arch_label.setWordWrap(True)
        self.arch_label.setToolTip("Units per layer, from the inputs to the output.")
        self.acts_label = QLabel()
        self.acts_label.setObjectName("muted")
        self.acts_label.setWordWrap(True)
        self.counts_label = QLabel()
        self.counts_label.setFont(style.ui_font(1, bold=True))
        self.counts_label.setStyleSheet(f"color: {style.ACCENT};")
        self.counts_label.setToolTip(
            "Neurons: every layer but the input layer. Parameters: all weights and biases "
            "(the way the lecture notes count them: 3-4-2 has 6 neurons and 26 parameters).")
        card_layout.addWidget(self.arch_label)
        card_layout.addWidget(self.acts_label)
        card_layout.addWidget(self.counts_label)
        layout.addWidget(card)

        # hidden layers
        head = QHBoxLayout()
        title = QLabel("Hidden layers")
        title.setObjectName("cardTitle")
        self.add_button = QPushButton("+ Add layer")
        self.add_button.setToolTip("Add a hidden layer just before the output layer.")
        self.add_button.clicked.connect(self.add_layer)
        head.addWidget(title)
        head.addStretch(1)
        head.addWidget(self.add_button)
        layout.addLayout(head)
        columns = QHBoxLayout()
        columns.setContentsMargins(20, 0, 0, 0)
        for text, width in (("units", 62), ("activation", 0)):
            label = QLabel(text)
            label.setObjectName("muted")
            if width:
                label.setFixedWidth(width - 6)
            columns.addWidget(label, 0 if width else 1)
        columns.addSpacing(72)
        layout.addLayout(columns)
        self.rows_box = QVBoxLayout()
        self.rows_box.setSpacing(2)
        layout.addLayout(self.rows_box)
        self.empty_label = QLabel("No hidden layer: the inputs feed the output directly "
                                  "(a single-layer perceptron / logistic regression).")
        self.empty_label.setObjectName("muted")
        self.empty_label.setWordWrap(True)
        layout.addWidget(self.empty_label)

        # output layer and loss
        out_title = QLabel("Output layer and loss")
        out_title.setObjectName("cardTitle")
        layout.addWidget(out_title)
        self.default_label = QLabel()
        self.default_label.setWordWrap(True)
        layout.addWidget(self.default_label)
        self.override = QCheckBox("Override output activation and loss")
        self.override.setToolTip("Choose the output activation and loss yourself, e.g. MSE on "
                                 "a sigmoid output or hinge on a linear one.")
        layout.addWidget(self.override)
        form = QFormLayout()
        form.setContentsMargins(20, 0, 0, 0)
        form.setHorizontalSpacing(8)
        form.setVerticalSpacing(4)
        self.out_activation = QComboBox()
        for name in ACTIVATIONS:
            self.out_activation.addItem(name)
            self.out_activation.setItemData(self.out_activation.count() - 1,
                                            activation_tip(name), Qt.ItemDataRole.ToolTipRole)
        self.loss = QComboBox()
        for name in LOSSES:
            self.loss.addItem(name)
            self.loss.setItemData(self.loss.count() - 1, loss_tip(name),
                                  Qt.ItemDataRole.ToolTipRole)
        form.addRow("Activation", self.out_activation)
        form.addRow("Loss", self.loss)
        self.override_box = QWidget()
        self.override_box.setLayout(form)
        layout.addWidget(self.override_box)
        self.note_label = QLabel()
        self.note_label.setWordWrap(True)
        self.note_label.setObjectName("muted")
        layout.addWidget(self.note_label)
        self.error_label = QLabel()
        self.error_label.setWordWrap(True)
        self.error_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.error_label.setStyleSheet(
            f"QLabel {{ background: {style.ERROR_BG}; border: 1px solid {style.ERROR_BORDER};"
            " border-radius: 5px; padding: 5px; }")
        self.error_label.hide()
        layout.addWidget(self.error_label)

        # initializer
        init_title = QLabel("Weight initialization")
        init_title.setObjectName("cardTitle")
        layout.addWidget(init_title)
        init_row = QHBoxLayout()
        self.init = QComboBox()
        for name in INITIALIZERS:
            self.init.addItem(name)
            self.init.setItemData(self.init.count() - 1, INITIALIZER_SUMMARIES.get(name, ""),
                                  Qt.ItemDataRole.ToolTipRole)
        self.init.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.init_param_label = QLabel()
        self.init_param = QDoubleSpinBox()
        self.init_param.setDecimals(3)
        self.init_param.setSingleStep(0.05)
        self.init_param.setKeyboardTracking(False)
        init_row.addWidget(self.init, 1)
        init_row.addWidget(self.init_param_label)
        init_row.addWidget(self.init_param)
        layout.addLayout(init_row)
        self.init_note = QLabel()
        self.init_note.setObjectName("muted")
        self.init_note.setWordWrap(True)
        layout.addWidget(self.init_note)
        layout.addStretch(1)

        self.override.toggled.connect(self._on_override)
        self.out_activation.currentTextChanged.connect(self._on_edit)
        self.loss.currentTextChanged.connect(self._on_edit)
        self.init.currentTextChanged.connect(self._on_init)
        self.init_param.valueChanged.connect(self._on_edit)

        self._set_output_choice(None)
        self._rebuild_rows()
        self._sync_init_param(reset_value=True)
        self._refresh()

    # --- public API ----------------------------------------------------------------------------
    def set_io(self, inputs: int, task: str, n_classes: int = 0, n_targets: int = 1) -> None:
        """Tell the designer the data's input count and task (does not emit ``changed``)."""
        self._inputs = max(1, int(inputs))
        self._task = task
        self._n_classes = int(n_classes)
        self._n_targets = max(1, int(n_targets))
        if not self.override.isChecked():
            self._set_output_choice(None)
        self._refresh()

    def set_experiment(self, exp: Any) -> None:
        """Show an experiment's design (does not emit ``changed``)."""
        self._updating = True
        try:
            self._layers = [LayerSpec(h.units, h.activation, h.alpha, h.pieces)
                            for h in exp.hidden]
            self._rebuild_rows()
            overridden = exp.output is not None or exp.loss is not None
            self.override.setChecked(overridden)
            if overridden:
                # the engine's rule fills in whichever of the two the experiment leaves out
                data = SimpleNamespace(task=self._task, n_targets=self._n_targets,
                                       classes=list(range(max(2, self._n_classes))))
                layer, loss = output_layer(exp, data)
                self._set_output_choice(_OutputChoice(layer.activation, loss))
            else:
                self._set_output_choice(None)
            self.init.setCurrentText(exp.init if exp.init in INITIALIZERS else "auto")
            self._sync_init_param(reset_value=True)
            spec = INIT_PARAMS.get(self.init.currentText())
            params = getattr(exp, "init_params", None) or {}
            if spec is not None and spec[0] in params:
                self.init_param.setValue(float(params[spec[0]]))
        finally:
            self._updating = False
        self._refresh()

    def apply_to(self, exp: Any) -> bool:
        """Write the design into ``exp`` (hidden, output, loss, init, init_params).

        Returns False, and changes nothing, while the override is invalid (the panel then
        shows the reason).
        """
        if self._error:
            return False
        exp.hidden = [LayerSpec(h.units, h.activation, h.alpha, h.pieces) for h in self._layers]
        if self.override.isChecked():
            exp.output = self._output_layer()
            exp.loss = self.loss.currentText()
        else:
            exp.output = None
            exp.loss = None
        exp.init = self.init.currentText()
        spec = INIT_PARAMS.get(exp.init)
        exp.init_params = {spec[0]: float(self.init_param.value())} if spec else {}
        return True

    def is_valid(self) -> bool:
        return not self._error

    def error_text(self) -> str:
        """The engine's message for an invalid design ("" when valid)."""
        return self._error

    def hidden_layers(self) -> list[LayerSpec]:
        return [LayerSpec(h.units, h.activation, h.alpha, h.pieces) for h in self._layers]

    def counts(self) -> tuple[int, int]:
        """(neurons, parameters) of the current design."""
        spec = self._counting_spec()
        return spec.n_neurons, spec.n_params

    def architecture_text(self) -> str:
        return self.arch_label.text()

    def counts_text(self) -> str:
        return self.counts_label.text()

    # --- layers --------------------------------------------------------------------------------
    def add_layer(self) -> None:
        if len(self._layers) >= MAX_HIDDEN_LAYERS:
            return
        last = self._layers[-1] if self._layers else LayerSpec(4, "tanh")
        self._layers.append(LayerSpec(last.units, last.activation, last.alpha, last.pieces))
        self._rebuild_rows()
        self._on_edit()

    def remove_layer(self, index: int) -> None:
        if 0 <= index < len(self._layers):
            del self._layers[index]
            self._rebuild_rows()
            self._on_edit()

    def move_layer(self, index: int, direction: int) -> None:
        target = index + direction
        if 0 <= index < len(self._layers) and 0 <= target < len(self._layers):
            layers = self._layers
            layers[index], layers[target] = layers[target], layers[index]
            self._rebuild_rows()
            self._on_edit()

    def _rebuild_rows(self) -> None:
        for row in self._rows:
            self.rows_box.removeWidget(row)
            row.hide()
            row.setParent(None)
            row.deleteLater()
        self._rows = []
        for k, layer in enumerate(self._layers):
            row = LayerRow(k, len(self._layers), layer)
            row.edited.connect(self._on_edit)
            row.move_requested.connect(self.move_layer)
            row.remove_requested.connect(self.remove_layer)
            self.rows_box.addWidget(row)
            self._rows.append(row)
        self.empty_label.setVisible(not self._layers)
        self.add_button.setEnabled(len(self._layers) < MAX_HIDDEN_LAYERS)

    @property
    def rows(self) -> list[LayerRow]:
        return list(self._rows)

    # --- output --------------------------------------------------------------------------------
    def _default(self) -> tuple[LayerSpec, str]:
        try:
            return default_output(self._task, max(2, self._n_classes), self._n_targets)
        except NNStudioError:
            return LayerSpec(1, "linear"), "mse"

    def _set_output_choice(self, choice: _OutputChoice | None) -> None:
        if choice is None:
            layer, loss = self._default()
            choice = _OutputChoice(layer.activation, loss)
        blocked = [w.blockSignals(True) for w in (self.out_activation, self.loss)]
        self.out_activation.setCurrentText(choice.activation)
        self.loss.setCurrentText(choice.loss)
        for w, was in zip((self.out_activation, self.loss), blocked):
            w.blockSignals(was)

    def _output_layer(self) -> LayerSpec:
        """The output layer as designed (units follow the task; softmax needs ≥ 2 units)."""
        default_layer, default_loss = self._default()
        if not self.override.isChecked():
            return default_layer
        activation = self.out_activation.currentText()
        units = default_layer.units
        if activation == "softmax" and units == 1 and self._task == "binary":
            units = 2
        return LayerSpec(units, activation)

    def _loss_name(self) -> str:
        return self.loss.currentText() if self.override.isChecked() else self._default()[1]

    def _on_override(self, checked: bool) -> None:
        if not checked:
            self._set_output_choice(None)
        self._on_edit()

    # --- initializer ---------------------------------------------------------------------------
    def _sync_init_param(self, reset_value: bool) -> None:
        name = self.init.currentText()
        self.init.setToolTip(INITIALIZER_SUMMARIES.get(name, ""))
        self.init_note.setText(INITIALIZER_SUMMARIES.get(name, ""))
        spec = INIT_PARAMS.get(name)
        self.init_param_label.setVisible(spec is not None)
        self.init_param.setVisible(spec is not None)
        if spec is not None:
            _, label, default, maximum = spec
            self.init_param_label.setText(label)
            blocked = self.init_param.blockSignals(True)
            self.init_param.setRange(0.001, maximum)
            if reset_value:
                self.init_param.setValue(default)
            self.init_param.blockSignals(blocked)
            self.init_param.setToolTip(
                "Standard deviation of the Gaussian." if name == "normal"
                else "Weights are drawn uniformly from [−limit, limit].")

    def _on_init(self, _name: str) -> None:
        self._sync_init_param(reset_value=True)
        self._on_edit()

    # --- refresh -------------------------------------------------------------------------------
    def _counting_spec(self) -> NetworkSpec:
        """A spec with the designed layers; the loss is only for validation (MSE fits any
        output) so counts show even while the override is invalid."""
        layers = self.hidden_layers() + [self._output_layer()]
        try:
            return NetworkSpec(self._inputs, layers, self._loss_name(), self._task)
        except NNStudioError:
            safe = [LayerSpec(h.units, "tanh" if h.activation == "softmax" else h.activation,
                              h.alpha, h.pieces) for h in layers[:-1]] + [layers[-1]]
            return NetworkSpec(self._inputs, safe, "mse", self._task)

    def _validate(self) -> str:
        layers = self.hidden_layers() + [self._output_layer()]
        try:
            NetworkSpec(self._inputs, layers, self._loss_name(), self._task)
        except NNStudioError as exc:
            return str(exc)
        return ""

    def _refresh(self) -> None:
        self._error = self._validate()
        spec = self._counting_spec()
        self.arch_label.setText(" → ".join(str(s) for s in spec.sizes))
        loss = self._loss_name()
        hidden = fold_repeats([layer.activation for layer in spec.layers[:-1]])
        output = spec.layers[-1].activation
        self.acts_label.setText(f"{hidden + ' → ' if hidden else ''}{output} · "
                                f"{LOSS_TITLES.get(loss, loss)}")
        n, p = spec.n_neurons, spec.n_params
        self.counts_label.setText(f"{n} neuron{'s' if n != 1 else ''}, "
                                  f"{p} parameter{'s' if p != 1 else ''}")
        default_layer, default_loss = self._default()
        self.default_label.setText(
            f"Default for a {self._task} task: {default_layer.units} × "
            f"{default_layer.activation}, loss {LOSS_TITLES.get(default_loss, default_loss)}.")
        overridden = self.override.isChecked()
        self.override_box.setEnabled(overridden)
        self.override_box.setVisible(overridden)
        if overridden:
            self.note_label.setText(override_note(self._task, self.out_activation.currentText(),
                                                  self.loss.currentText()))
        self.note_label.setVisible(overridden and not self._error)
        self.error_label.setText(f"This combination cannot be trained: {self._error}")
        self.error_label.setVisible(bool(self._error))
        self.out_activation.setToolTip(activation_tip(self.out_activation.currentText()))
        self.loss.setToolTip(loss_tip(self.loss.currentText()))

    def _on_edit(self, *_: Any) -> None:
        if self._updating:
            return
        self._refresh()
        if not self._error:
            self.changed.emit()
