"""The backpropagation inspector as a main-window panel: which training sample, with which
weights, above the :class:`BackpropInspector` itself.

The sample is a row of the training set: clicked in the output view (2-D data and 1-D
regression) or chosen with the row box (any data). The inspector gets a *copy* of the
network with the weights the window shows; its "apply one SGD step" is sent on as
``apply_step_requested`` for the training worker to apply between steps.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from nnstudio.engine.backprop import fmt
from nnstudio.engine.errors import NNStudioError
from nnstudio.engine.network import Network
from nnstudio.gui.backprop_inspector import BackpropInspector


class _WidthScroll(QScrollArea):
    """Scrolls sideways when the dock is narrower than ``widget`` can be, and fits it to the
    height (so a narrow dock never widens the window and nothing drops off the bottom)."""

    def __init__(self, widget: QWidget) -> None:
        super().__init__()
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setWidgetResizable(False)
        self.setWidget(widget)
        self.setMinimumHeight(widget.minimumSizeHint().height())

    def resizeEvent(self, event: Any) -> None:  # noqa: N802 - Qt override
        super().resizeEvent(event)
        self._fit()

    def _fit(self) -> None:
        widget, viewport = self.widget(), self.viewport()
        minimum = widget.minimumSizeHint()
        width = max(viewport.width(), minimum.width())
        bar = self.horizontalScrollBar().sizeHint().height() if width > viewport.width() else 0
        widget.resize(width, max(self.height() - bar, minimum.height()))


def _value(v: Any) -> str:
    try:
        return fmt(float(v), 3)
    except (TypeError, ValueError):
        return str(v)


def sample_text(index: int, x_raw: np.ndarray, names: list[str], y: Any,
                classes: list | None, task: str) -> str:
    """E.g. ``row 17: x1 = 0.53, x2 = −1.2 → class 1`` (at most 4 inputs written out)."""
    x_raw = np.asarray(x_raw, dtype=float).ravel()
    names = list(names) + [f"x{i + 1}" for i in range(len(names), len(x_raw))]
    shown = [f"{n} = {_value(v)}" for n, v in zip(names[:4], x_raw[:4])]
    if len(x_raw) > 4:
        shown.append(f"… ({len(x_raw)} inputs)")
    if task == "regression":
        target = ", ".join(_value(v) for v in np.atleast_1d(np.asarray(y, dtype=float)))
        target = f"y = {target}"
    else:
        label = classes[int(y)] if classes and 0 <= int(y) < len(classes) else int(y)
        target = f"class {label}"
    return f"row {index + 1}: {', '.join(shown)} → {target}"


class InspectorPanel(QWidget):
    """Sample picker + :class:`BackpropInspector` (see the module docs).

    API for the main window:
        set_data(prepared, context)       # a new session's data (resets the sample)
        inspect(index, network, where)    # explain training row ``index`` with ``network``
                                          #  (a copy); ``where`` says which weights
        index -> int | None               # the row shown
    Signals: apply_step_requested(list) [(W, b), ...]; sample_requested(int) (a row was
    chosen in the row box: the window answers with ``inspect``); refresh_requested().
    """

    apply_step_requested = Signal(list)
    sample_requested = Signal(int)
    refresh_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._prepared: Any = None
        self._context: Any = None
        self.index: int | None = None
        self.error = ""

        title = QLabel("Training sample")
        title.setObjectName("cardTitle")
        self.row_box = QSpinBox()
        self.row_box.setMinimum(1)
        self.row_box.setKeyboardTracking(False)
        self.row_box.setToolTip("Which row of the training data to follow through the network.")
        self.row_box.valueChanged.connect(self._row_chosen)
        self.count_label = QLabel()
        self.count_label.setObjectName("muted")
        self.refresh_button = QPushButton("Use the current weights")
        self.refresh_button.setToolTip("Explain the sample again with the network's weights as "
                                       "they are now (after more training).")
        self.refresh_button.clicked.connect(self.refresh_requested)
        top = QHBoxLayout()
        top.setSpacing(6)
        top.addWidget(title)
        top.addWidget(self.row_box)
        top.addWidget(self.count_label)
        top.addStretch(1)
        top.addWidget(self.refresh_button)
        self.sample_label = QLabel()
        self.sample_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.hint = QLabel()
        self.hint.setObjectName("muted")
        self.hint.setWordWrap(True)

        self.inspector = BackpropInspector()
        self.inspector.layout().setContentsMargins(0, 4, 0, 0)
        self.inspector.splitter.setSizes([330, 420])  # a dock is narrower than its default
        for splitter in (self.inspector.splitter, self.inspector.vsplit):
            splitter.setChildrenCollapsible(False)  # the SGD step must not vanish
        self.inspector.apply_step_requested.connect(self.apply_step_requested)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 6)
        layout.setSpacing(4)
        layout.addLayout(top)
        line = QHBoxLayout()  # which weights, and how to pick another sample
        line.setSpacing(8)
        line.addWidget(self.sample_label)
        line.addWidget(self.hint, 1)
        layout.addLayout(line)
        layout.addWidget(_WidthScroll(self.inspector), 1)
        self.set_data(None, None)

    # --- API -------------------------------------------------------------------------------
    def set_data(self, prepared: Any, context: Any) -> None:
        """A new session: the training rows to pick from (the sample is cleared)."""
        self._prepared, self._context = prepared, context
        self.index = None
        n = 0 if prepared is None else len(prepared.X_train)
        self.row_box.blockSignals(True)
        self.row_box.setMaximum(max(n, 1))
        self.row_box.setValue(1)
        self.row_box.blockSignals(False)
        self.row_box.setEnabled(n > 0)
        self.refresh_button.setEnabled(False)
        self.count_label.setText(f"of {n:,} training rows" if n else "no training rows")
        self.sample_label.setText("")
        self.sample_label.hide()
        clickable = context is not None and (
            context.extent is not None or (context.task == "regression"
                                           and context.input_dim == 1))
        self.hint.setText("Click a training point in the output plot, or choose a row."
                          if clickable else "Choose a row of the training data.")
        self.inspector.clear()  # its "pick a sample" state

    def inspect(self, index: int, network: Network, where: str = "") -> bool:
        """Explain training row ``index`` with ``network`` (a copy the inspector may step).
        False (and the reason in the panel) if the sample does not fit the network."""
        prepared, context = self._prepared, self._context
        if prepared is None or not 0 <= index < len(prepared.X_train):
            return False
        x = np.asarray(prepared.X_train[index], dtype=float)
        y = np.asarray(prepared.y_train)[index]
        names = list(getattr(prepared, "input_names", None) or [])
        task = network.spec.task
        label = sample_text(index, context.X_train_raw[index], context.feature_names or [],
                            y, context.classes, task)
        try:
            self.inspector.set_network(network, x, y, names or None, sample_label=label)
        except NNStudioError as exc:
            self.error = str(exc)
            self.sample_label.setText(f"This sample cannot be explained: {exc}")
            self.sample_label.show()
            return False
        self.error = ""
        self.index = index
        self.row_box.blockSignals(True)
        self.row_box.setValue(index + 1)
        self.row_box.blockSignals(False)
        self.refresh_button.setEnabled(True)
        self.sample_label.setText(f"Weights {where} ·" if where else "")
        self.sample_label.setVisible(bool(where))
        return True

    def set_learning_rate(self, lr: float) -> None:
        if math.isfinite(lr) and lr > 0:
            self.inspector.set_learning_rate(lr)

    def network_weights(self) -> list[tuple[np.ndarray, np.ndarray]] | None:
        """The weights of the inspector's network copy (after any step applied to it)."""
        net = self.inspector.network
        return None if net is None else net.get_weights()

    # --- internals -------------------------------------------------------------------------
    def _row_chosen(self, value: int) -> None:
        self.sample_requested.emit(int(value) - 1)
