"""The backpropagation inspector: one sample's forward and backward pass, number by number.

``BackpropInspector.set_network(network, sample_x, sample_y, input_names)`` explains one
sample with :func:`nnstudio.engine.backprop.explain_sample` (the caller passes a *copy*
of the network; nothing here trains). The widget shows

- a tree of layers and neurons with z, a, ∂J/∂a and δ = ∂J/∂z,
- a small network diagram: click a link (or pick layer/from/to below it) to see that
  weight's ∂J/∂w written out as its chain-rule factors with the actual numbers,
- "Apply one SGD step on this sample": a table of every weight before → after for the
  chosen learning rate; applying emits ``apply_step_requested(list[(W, b)])`` with the new
  weights (for the main window to push to the training worker) and re-explains the sample
  with them, so the student sees J fall.

Notation follows the lecture notes (seed 004): the input layer is layer 1.
"""

from __future__ import annotations

import html
import math

import numpy as np
from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont, QMouseEvent, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDoubleSpinBox,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSizePolicy,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTextBrowser,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from nnstudio.engine.backprop import (
    BackpropTrace,
    LayerUpdate,
    WeightFactors,
    explain_sample,
    fmt,
    scripts_to_html,
)
from nnstudio.engine.errors import NNStudioError
from nnstudio.engine.network import Network, encode_targets
from nnstudio.gui import qtfix, style

assert qtfix  # guards against PySide6 6.12's refcount bug on void calls

def math_html(text: str) -> str:
    """Escape ``text`` and turn Unicode sub/superscript runs into ``<sub>``/``<sup>``,
    which Qt renders more legibly than the Unicode glyphs (``w₁,₂⁽²⁾`` -> w<sub>1,2</sub>...)."""
    return scripts_to_html(html.escape(text, quote=False))


def _cell(text: str, tip: str = "", mono: bool = True) -> QTableWidgetItem:
    item = QTableWidgetItem(text)
    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    if mono:
        item.setFont(style.mono_font())
    if tip:
        item.setToolTip(tip)
    return item


# --- the diagram --------------------------------------------------------------------------------

class BackpropDiagram(QWidget):
    """Neurons in columns joined by links; a click on a link selects that weight.

    Emits ``weight_clicked(layer, i, j)`` (engine indices; for maxout ``j`` is the column of
    the winning piece) and ``neuron_clicked(layer, unit)`` (``layer`` -1: an input).
    """

    weight_clicked = Signal(int, int, int)
    neuron_clicked = Signal(int, int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.trace: BackpropTrace | None = None
        self.selected: tuple[int, int | None, int] | None = None  # (layer, i or None, column)
        self.setMinimumHeight(170)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMouseTracking(True)
        self._hover: tuple[int, int, int] | None = None

    def sizeHint(self) -> QSize:
        return QSize(420, 230)

    def set_trace(self, trace: BackpropTrace | None) -> None:
        self.trace = trace
        self.update()

    def set_selected(self, layer: int, i: int | None, column: int) -> None:
        self.selected = (layer, i, column)
        self.update()

    # geometry
    def _columns(self) -> list[int]:
        assert self.trace is not None
        return [self.trace.layers[0].fan_in] + [lt.units for lt in self.trace.layers]

    def _radius(self) -> float:
        counts = self._columns()
        h = self.height() - 36
        per = h / max(max(counts), 1)
        return float(max(4.0, min(17.0, per * 0.36)))

    def _pos(self, column: int, unit: int) -> QPointF:
        counts = self._columns()
        n = len(counts)
        margin_x = 54.0
        x = margin_x + (self.width() - 2 * margin_x) * (column / max(n - 1, 1))
        top, bottom = 24.0, self.height() - 20.0
        count = counts[column]
        step = (bottom - top) / max(count, 1)
        y = top + step * (unit + 0.5)
        return QPointF(x, y)

    def _edges(self) -> list[tuple[int, int, int, QPointF, QPointF]]:
        """(layer, i, unit, start, end) for every drawn link."""
        assert self.trace is not None
        edges = []
        for k, lt in enumerate(self.trace.layers):
            for i in range(lt.fan_in):
                for u in range(lt.units):
                    edges.append((k, i, u, self._pos(k, i), self._pos(k + 1, u)))
        return edges

    def _column_of(self, layer: int, unit: int) -> int:
        """W's column for a link into ``unit``: the unit itself, or maxout's winning piece."""
        assert self.trace is not None
        lt = self.trace.layers[layer]
        if lt.activation != "maxout":
            return unit
        cols = list(lt.columns_of(unit))
        return cols[int(np.argmax(lt.z[cols]))]

    def _hit(self, pos: QPointF) -> tuple[str, int, int, int] | None:
        if self.trace is None:
            return None
        r = self._radius()
        for c, count in enumerate(self._columns()):
            for u in range(count):
                p = self._pos(c, u)
                if (p.x() - pos.x()) ** 2 + (p.y() - pos.y()) ** 2 <= (r + 2) ** 2:
                    return ("neuron", c - 1, u, 0)
        best, best_d = None, 6.0
        for layer, i, u, a, b in self._edges():
            d = _segment_distance(pos, a, b)
            if d < best_d:
                best, best_d = ("weight", layer, i, u), d
        return best

    # events
    def mousePressEvent(self, event: QMouseEvent) -> None:
        hit = self._hit(event.position())
        if hit is None:
            return
        kind, layer, a, b = hit
        if kind == "neuron":
            self.neuron_clicked.emit(layer, a)
        else:
            self.weight_clicked.emit(layer, a, self._column_of(layer, b))

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        hit = self._hit(event.position())
        hover = (hit[1], hit[2], hit[3]) if hit is not None and hit[0] == "weight" else None
        if hover != self._hover:
            self._hover = hover
            self.setCursor(Qt.CursorShape.PointingHandCursor if hit else
                           Qt.CursorShape.ArrowCursor)
            if hover is not None and self.trace is not None:
                layer, i, u = hover
                j = self._column_of(layer, u)
                self.setToolTip(f"{self.trace.weight_symbol(layer, i, j)} = "
                                f"{fmt(self.trace.layers[layer].W[i, j])}  (click for ∂J/∂w)")
            else:
                self.setToolTip("")
            self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.fillRect(self.rect(), QColor(style.PANEL_BG))
        if self.trace is None:
            painter.setPen(QColor(style.MUTED))
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, "No sample chosen")
            return
        trace = self.trace
        max_w = max(float(np.max(np.abs(lt.W))) if lt.W.size else 0.0 for lt in trace.layers)
        max_w = max_w or 1.0
        sel = self.selected
        sel_edge = None
        for layer, i, u, a, b in self._edges():
            j = self._column_of(layer, u)
            w = float(trace.layers[layer].W[i, j])
            if sel is not None and sel[0] == layer and sel[1] == i and \
                    trace.layers[layer].unit_of(sel[2]) == u:
                sel_edge = (a, b)
                continue
            color = style.weight_color(w, max_w)
            width = 0.6 + 2.4 * min(1.0, abs(w) / max_w)
            if self._hover == (layer, i, u):
                color = QColor(style.ACCENT)
                width += 1.5
            painter.setPen(QPen(color, width))
            painter.drawLine(a, b)
        if sel_edge is not None:
            painter.setPen(QPen(QColor(style.TEXT), 3.2))
            painter.drawLine(*sel_edge)
        r = self._radius()
        font = QFont(self.font())
        font.setPointSizeF(max(6.5, min(9.0, r * 0.62)))
        painter.setFont(font)
        counts = self._columns()
        for c, count in enumerate(counts):
            head = "Input" if c == 0 else trace.layer_name(c - 1)
            painter.setPen(QColor(style.MUTED))
            top = self._pos(c, 0)
            painter.drawText(QRectF(top.x() - 60, 2, 120, 18), Qt.AlignmentFlag.AlignCenter,
                             f"{head} ({c + 1})")
            for u in range(count):
                p = self._pos(c, u)
                value = trace.x[u] if c == 0 else trace.layers[c - 1].a[u]
                fill = _blend(QColor(style.POSITIVE if value >= 0 else style.NEGATIVE),
                              0.15 + 0.45 * min(1.0, abs(float(value))))
                selected_neuron = sel is not None and c - 1 == sel[0] and \
                    trace.layers[sel[0]].unit_of(sel[2]) == u
                painter.setPen(QPen(QColor(style.TEXT if selected_neuron else style.BORDER),
                                    2.0 if selected_neuron else 1.0))
                painter.setBrush(QBrush(fill))
                painter.drawEllipse(p, r, r)
                if r >= 11:
                    painter.setPen(QColor(style.TEXT))
                    painter.drawText(QRectF(p.x() - r, p.y() - r, 2 * r, 2 * r),
                                     Qt.AlignmentFlag.AlignCenter, f"{float(value):.2f}")
        painter.setPen(QColor(style.MUTED))
        small = QFont(self.font())
        small.setPointSizeF(7.5)
        painter.setFont(small)
        painter.drawText(QRectF(6, self.height() - 16, self.width() - 12, 14),
                         Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                         "circle: a   ·   link: w (blue +, orange −)   ·   click a link")
        painter.end()


def _blend(color: QColor, strength: float) -> QColor:
    """``color`` mixed with white (opaque, so links never show through a neuron)."""
    return QColor(round(255 + (color.red() - 255) * strength),
                  round(255 + (color.green() - 255) * strength),
                  round(255 + (color.blue() - 255) * strength))


def _segment_distance(p: QPointF, a: QPointF, b: QPointF) -> float:
    ax, ay, bx, by, px, py = a.x(), a.y(), b.x(), b.y(), p.x(), p.y()
    dx, dy = bx - ax, by - ay
    length2 = dx * dx + dy * dy
    t = 0.0 if length2 == 0 else max(0.0, min(1.0, ((px - ax) * dx + (py - ay) * dy) / length2))
    return math.hypot(px - (ax + t * dx), py - (ay + t * dy))


# --- the inspector ------------------------------------------------------------------------------

class BackpropInspector(QWidget):
    """Forward pass, backward pass and chain rule for one sample (see the module docs).

    API for the main window:
        set_network(network, sample_x, sample_y, input_names=None, *, encoded=False,
                    sample_label="")   # network: a COPY; sample_y: the data set's y
                                       # (class index / value) unless encoded=True
        set_learning_rate(lr)          # initial value of the learning-rate spin box
        select_weight(layer, i, j) / select_bias(layer, j)
        trace -> BackpropTrace | None
        apply_step_requested(list)     # signal: [(W, b), ...] after one SGD step
    """

    apply_step_requested = Signal(list)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Backpropagation inspector")
        self.trace: BackpropTrace | None = None
        self.network: Network | None = None
        self._selection: tuple[int, int | None, int] = (0, 0, 0)
        # the last applied step: (updates, J before, J after, learning rate)
        self._applied: tuple[list[LayerUpdate], float, float, float] | None = None
        self._applied_grads: list[tuple[np.ndarray, np.ndarray]] = []
        self._building = False

        self.header = QLabel()
        self.header.setTextFormat(Qt.TextFormat.RichText)
        self.header.setWordWrap(True)
        self.header.setObjectName("inspectorHeader")
        self.header.setStyleSheet(
            f"QLabel#inspectorHeader {{ background: {style.PANEL_BG}; border: 1px solid "
            f"{style.BORDER}; border-radius: 6px; padding: 6px 10px; }}")

        # left: the neuron tree
        self.tree = QTreeWidget()
        self.tree.setColumnCount(5)
        self.tree.setHeaderLabels(["Neuron", "z", "a", "∂J/∂a", "δ = ∂J/∂z"])
        self.tree.setAlternatingRowColors(True)
        self.tree.setRootIsDecorated(True)
        self.tree.setUniformRowHeights(True)
        header = self.tree.header()
        header.setStretchLastSection(False)
        header.setMinimumSectionSize(64)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        for k in range(1, 5):
            header.setSectionResizeMode(k, QHeaderView.ResizeMode.Stretch)
        for k in range(1, 5):
            self.tree.headerItem().setTextAlignment(k, Qt.AlignmentFlag.AlignRight |
                                                    Qt.AlignmentFlag.AlignVCenter)
        self.tree.headerItem().setToolTip(1, "z = Σ w·a_prev + b, the neuron's weighted sum")
        self.tree.headerItem().setToolTip(2, "a = f(z), the neuron's output")
        self.tree.headerItem().setToolTip(3, "how much J changes per unit change of a")
        self.tree.headerItem().setToolTip(4, "δ = ∂J/∂z: the error signal backpropagation "
                                             "sends back through this neuron")
        self.tree.itemClicked.connect(self._tree_clicked)

        # right: diagram, picker, derivation
        self.diagram = BackpropDiagram()
        self.diagram.weight_clicked.connect(self.select_weight)
        self.diagram.neuron_clicked.connect(self._neuron_clicked)
        self.layer_combo = QComboBox()
        self.from_combo = QComboBox()
        self.to_combo = QComboBox()
        for combo, tip in ((self.layer_combo, "The weights between two layers"),
                           (self.from_combo, "The neuron the weight comes from (or the bias)"),
                           (self.to_combo, "The neuron the weight goes to")):
            combo.setToolTip(tip)
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.layer_combo.currentIndexChanged.connect(self._layer_changed)
        self.from_combo.currentIndexChanged.connect(self._picker_changed)
        self.to_combo.currentIndexChanged.connect(self._picker_changed)
        picker = QHBoxLayout()
        picker.setSpacing(6)
        for text, combo in (("Weights", self.layer_combo), ("from", self.from_combo),
                            ("to", self.to_combo)):
            label = QLabel(text)
            label.setObjectName("muted")
            picker.addWidget(label)
            picker.addWidget(combo)
        picker.addStretch(1)
        self.derivation = QTextBrowser()
        self.derivation.setOpenLinks(False)
        self.derivation.setMinimumHeight(180)
        self.derivation.document().setDefaultStyleSheet(
            "table { border-collapse: collapse; } td, th { padding: 2px 8px; } "
            f"th {{ color: {style.MUTED}; text-align: left; font-weight: 600; }} "
            f".value {{ font-family: 'DejaVu Sans Mono', monospace; }} "
            f".note {{ color: {style.MUTED}; }} "
            f".eq {{ font-size: 12pt; }}")

        right = QWidget()
        rv = QVBoxLayout(right)
        rv.setContentsMargins(0, 0, 0, 0)
        rv.setSpacing(6)
        rv.addWidget(self.diagram, 2)
        rv.addLayout(picker)
        rv.addWidget(self.derivation, 3)

        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(self.tree)
        self.splitter.addWidget(right)
        self.splitter.setStretchFactor(0, 4)
        self.splitter.setStretchFactor(1, 5)
        self.splitter.setSizes([440, 560])

        # bottom: the SGD step
        step_box = QFrame()
        step_box.setObjectName("card")
        sv = QVBoxLayout(step_box)
        sv.setContentsMargins(10, 8, 10, 8)
        sv.setSpacing(6)
        row = QHBoxLayout()
        lr_label = QLabel("Learning rate η")
        self.lr_spin = QDoubleSpinBox()
        self.lr_spin.setDecimals(4)
        self.lr_spin.setRange(0.0001, 100.0)
        self.lr_spin.setSingleStep(0.05)
        self.lr_spin.setValue(0.5)
        self.lr_spin.setToolTip("The step size of the SGD step: w ← w − η ∂J/∂w")
        self.lr_spin.valueChanged.connect(self._lr_changed)
        self.apply_button = QPushButton("Apply one SGD step on this sample")
        self.apply_button.setToolTip("w ← w − η ∂J/∂w for every weight and bias, using only "
                                     "this sample's gradient")
        self.apply_button.clicked.connect(self.apply_step)
        self.step_label = QLabel()
        self.step_label.setWordWrap(True)
        row.addWidget(lr_label)
        row.addWidget(self.lr_spin)
        row.addWidget(self.apply_button)
        row.addWidget(self.step_label, 1)
        sv.addLayout(row)
        self.step_table = QTableWidget(0, 5)
        self.step_table.setHorizontalHeaderLabels(["Parameter", "before", "∂J/∂w",
                                                   "after = before − η·∂J/∂w", "change"])
        self.step_table.verticalHeader().setVisible(False)
        self.step_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.step_table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.step_table.setAlternatingRowColors(True)
        th = self.step_table.horizontalHeader()
        th.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        for k in range(1, 5):
            th.setSectionResizeMode(k, QHeaderView.ResizeMode.Stretch)
        self.step_table.itemClicked.connect(self._table_clicked)
        sv.addWidget(self.step_table)

        self.vsplit = QSplitter(Qt.Orientation.Vertical)
        self.vsplit.addWidget(self.splitter)
        self.vsplit.addWidget(step_box)
        self.vsplit.setStretchFactor(0, 3)
        self.vsplit.setStretchFactor(1, 2)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.setSpacing(8)
        layout.addWidget(self.header)
        layout.addWidget(self.vsplit, 1)
        self._show_empty()

    # --- public API -----------------------------------------------------------------------
    def set_network(self, network: Network, sample_x: object, sample_y: object,
                    input_names: list[str] | None = None, *, encoded: bool = False,
                    sample_label: str = "") -> None:
        """Explain ``sample_x`` → ``sample_y`` with ``network`` (a copy the inspector may
        change when a step is applied). Raises :class:`NNStudioError` for a bad sample."""
        y = np.asarray(sample_y)
        if not encoded:
            try:
                y = encode_targets(np.atleast_1d(y) if network.spec.task != "regression"
                                   else y.reshape(1, -1), network.spec)[0]
            except (TypeError, ValueError) as exc:
                raise NNStudioError(f"the sample's target {sample_y!r} does not fit the "
                                    f"network: {exc}") from None
        names = list(input_names) if input_names else None
        explain_sample(network, sample_x, y, names)  # validates; raises before any change
        self.network = network
        self._sample = (np.asarray(sample_x, dtype=float).reshape(-1), np.asarray(y, float),
                        names, sample_label)
        self._applied = None
        self._explain()

    def clear(self) -> None:
        """Forget the sample and the network: back to the "pick a sample" state."""
        self.network = self.trace = None
        self._sample = None
        self._applied = None
        self.tree.clear()
        self.diagram.set_trace(None)
        self.step_table.setRowCount(0)
        self._building = True
        for combo in (self.layer_combo, self.from_combo, self.to_combo):
            combo.clear()
        self._building = False
        self._show_empty()

    def set_learning_rate(self, lr: float) -> None:
        self.lr_spin.setValue(float(lr))

    def learning_rate(self) -> float:
        return float(self.lr_spin.value())

    def select_weight(self, layer: int, i: int, j: int) -> None:
        """Show ∂J/∂W[i, j] of engine layer ``layer`` (engine indices)."""
        self._select(layer, i, j)

    def select_bias(self, layer: int, j: int) -> None:
        self._select(layer, None, j)

    def current_factors(self) -> WeightFactors | None:
        """The chain-rule factors of the selected weight or bias."""
        if self.trace is None:
            return None
        layer, i, j = self._selection
        if i is None:
            return self.trace.bias_factors(layer, j)
        return self.trace.weight_factors(layer, i, j)

    def step_updates(self) -> list[LayerUpdate]:
        """The SGD step the table shows (for the current learning rate)."""
        if self.trace is None:
            return []
        return self.trace.sgd_step(self.learning_rate())

    def apply_step(self) -> None:
        """Apply one SGD step to the inspector's network and emit the new weights."""
        if self.trace is None or self.network is None:
            return
        before, lr = self.trace.loss, self.learning_rate()
        self._applied_grads = self.trace.gradients()
        updates = self.trace.sgd_step(lr, apply=True)
        self._explain(keep_selection=True)
        after = self.trace.loss if self.trace is not None else math.nan
        self._applied = (updates, before, after, lr)
        self._fill_step_table()
        self.apply_step_requested.emit([(u.W_after.copy(), u.b_after.copy())
                                        for u in updates])

    # --- building the views ----------------------------------------------------------------
    def _show_empty(self) -> None:
        self.header.setText("<b>Backpropagation inspector</b> — pick a training sample (click "
                            "a point of the data, or a row) to see its forward and backward "
                            "pass.")
        self.apply_button.setEnabled(False)
        self.derivation.setHtml(f"<p style='color:{style.MUTED}'>No sample chosen yet.</p>")

    def _explain(self, keep_selection: bool = False) -> None:
        assert self.network is not None
        x, y, names, _label = self._sample
        self.trace = explain_sample(self.network, x, y, names)
        self.diagram.set_trace(self.trace)
        self.apply_button.setEnabled(True)
        self._fill_header()
        self._fill_tree()
        self._fill_picker()
        layer, i, j = self._selection if keep_selection else (len(self.trace.layers) - 1, 0, 0)
        if not self._valid(layer, i, j):
            layer, i, j = len(self.trace.layers) - 1, 0, 0
        self._select(layer, i, j)
        self._fill_step_table()

    def _valid(self, layer: int, i: int | None, j: int) -> bool:
        assert self.trace is not None
        if not 0 <= layer < len(self.trace.layers):
            return False
        lt = self.trace.layers[layer]
        return 0 <= j < lt.width and (i is None or 0 <= i < lt.fan_in)

    def _fill_header(self) -> None:
        t = self.trace
        assert t is not None
        _x, _y, _names, label = self._sample
        inputs = ", ".join(f"{html.escape(t.input_label(i))} = {fmt(v)}"
                           for i, v in enumerate(t.x))
        target = ", ".join(fmt(v) for v in t.y)
        output = ", ".join(fmt(v) for v in t.output)
        loss = {"mse": "J = ½ Σ (a − y)²", "binary_cross_entropy":
                "J = −(y log p + (1 − y) log(1 − p))", "cross_entropy": "J = −Σ y log p",
                "hinge": "J = max(0, 1 − t·a)"}.get(t.loss_name, t.loss_name)
        what = f"<b>{html.escape(label)}</b> · " if label else ""
        self.header.setText(
            f"{what}input x = ({inputs}) · target y = ({target}) · output a = ({output}) · "
            f"<b>J = {fmt(t.loss)}</b> <span style='color:{style.MUTED}'>({math_html(loss)}, "
            "one sample)</span>")

    def _fill_tree(self) -> None:
        t = self.trace
        assert t is not None
        self.tree.clear()
        mono = style.mono_font()
        muted = QColor(style.MUTED)
        root = QTreeWidgetItem(self.tree, ["Input layer (1)"])
        root.setFirstColumnSpanned(True)
        for i, v in enumerate(t.x):
            item = QTreeWidgetItem(root, [f"{t.neuron_symbol(-1, i)}  {t.input_label(i)}", "",
                                          fmt(v), "", ""])
            item.setData(0, Qt.ItemDataRole.UserRole, ("neuron", -1, i))
            item.setFont(2, mono)
            item.setTextAlignment(2, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        for k, lt in enumerate(t.layers):
            title = f"{t.layer_name(k)} ({t.seed_layer(k)}) · {lt.activation}"
            top = QTreeWidgetItem(self.tree, [title])
            top.setFirstColumnSpanned(True)
            bold = QFont(self.tree.font())
            bold.setBold(True)
            top.setFont(0, bold)
            for u in range(lt.units):
                cols = list(lt.columns_of(u))
                if lt.activation == "maxout":
                    win = cols[int(np.argmax(lt.z[cols]))]
                    z_text = f"max = {fmt(lt.z[win])}"
                    d_text = fmt(lt.delta[win])
                else:
                    z_text, d_text = fmt(lt.z[u]), fmt(lt.delta[u])
                item = QTreeWidgetItem(top, [t.neuron_symbol(k, u), z_text, fmt(lt.a[u]),
                                             fmt(lt.grad_a[u]), d_text])
                item.setData(0, Qt.ItemDataRole.UserRole, ("neuron", k, u))
                item.setToolTip(0, f"{t.layer_name(k)}, unit {u + 1}: click to see a weight "
                                   "into this neuron")
                for c in range(1, 5):
                    item.setFont(c, mono)
                    item.setTextAlignment(c, Qt.AlignmentFlag.AlignRight |
                                          Qt.AlignmentFlag.AlignVCenter)
                if lt.activation == "maxout":
                    for c in cols:
                        piece = QTreeWidgetItem(item, [t.column_symbol(k, c), fmt(lt.z[c]), "",
                                                       "", fmt(lt.delta[c])])
                        for col in (1, 4):
                            piece.setFont(col, mono)
                            piece.setForeground(col, muted)
                            piece.setTextAlignment(col, Qt.AlignmentFlag.AlignRight |
                                                   Qt.AlignmentFlag.AlignVCenter)
        self.tree.expandAll()

    def _fill_picker(self) -> None:
        t = self.trace
        assert t is not None
        self._building = True
        current = self.layer_combo.currentIndex()
        self.layer_combo.clear()
        for k in range(len(t.layers)):
            prev = "Input" if k == 0 else t.layer_name(k - 1)
            self.layer_combo.addItem(f"W({k + 1}): {prev} → {t.layer_name(k)}", k)
        self.layer_combo.setCurrentIndex(current if 0 <= current < len(t.layers) else
                                         len(t.layers) - 1)
        self._building = False
        self._fill_from_to(self.layer_combo.currentData())

    def _fill_from_to(self, layer: int) -> None:
        t = self.trace
        assert t is not None
        lt = t.layers[layer]
        self._building = True
        self.from_combo.clear()
        for i in range(lt.fan_in):
            name = t.neuron_symbol(layer - 1, i)
            if layer == 0:
                name += f"  {t.input_label(i)}"
            self.from_combo.addItem(name, i)
        self.from_combo.addItem("bias (+1)", None)
        self.to_combo.clear()
        for j in range(lt.width):
            self.to_combo.addItem(t.column_symbol(layer, j, "a" if lt.activation != "maxout"
                                                  else "z"), j)
        self._building = False

    def _select(self, layer: int, i: int | None, j: int) -> None:
        if self.trace is None or not self._valid(layer, i, j):
            return
        self._selection = (layer, i, j)
        self._building = True
        if self.layer_combo.currentData() != layer:
            self.layer_combo.setCurrentIndex(layer)
            self._fill_from_to(layer)
            self._building = True
        self.from_combo.setCurrentIndex(self.from_combo.count() - 1 if i is None else i)
        self.to_combo.setCurrentIndex(j)
        self._building = False
        self.diagram.set_selected(layer, i, j)
        self._show_factors()

    def _show_factors(self) -> None:
        f = self.current_factors()
        t = self.trace
        if f is None or t is None:
            return
        layer, i, j = self._selection
        lt = t.layers[layer]
        lr = self.learning_rate()
        if i is None:
            what = (f"the bias of {t.column_symbol(layer, j)} "
                    f"({t.layer_name(layer)}, unit {lt.unit_of(j) + 1})")
            old = float(lt.b[j])
        else:
            src = t.neuron_symbol(layer - 1, i)
            src_name = t.input_label(i) if layer == 0 else \
                f"{t.layer_name(layer - 1)}, unit {i + 1}"
            what = (f"the weight from {src} ({src_name}) to {t.column_symbol(layer, j)} "
                    f"({t.layer_name(layer)}, unit {lt.unit_of(j) + 1})")
            old = float(lt.W[i, j])
        rows = "".join(
            f"<tr><td>{math_html(fac.name)}</td><td>{math_html(fac.formula)}</td>"
            f"<td class='value'>{math_html(fac.numbers)}</td>"
            f"<td class='value'>{html.escape(fmt(fac.value))}</td>"
            f"<td class='note'>{math_html(fac.note)}</td></tr>" for fac in f.factors)
        lead = f"∂J/∂{f.symbol} = "
        eqs = [f"{math_html(lead)}{math_html(f.chain)}"]
        if f.formula and f.formula != f.chain:
            eqs.append(f"= {math_html(f.formula)}")
        eqs.append(f"= {math_html(f.arithmetic)} = <b>{html.escape(fmt(f.value))}</b>")
        notes = "".join(f"<p class='note'>{math_html(n)}</p>" for n in f.notes)
        new = old - lr * f.value
        self.derivation.setHtml(
            f"<p><b>{math_html(f.symbol)}</b> = {html.escape(fmt(old))} — "
            f"{math_html(what)}</p>"
            + "".join(f"<p class='eq' style='margin-left:{0 if k == 0 else 24}px'>{e}</p>"
                      for k, e in enumerate(eqs))
            + notes
            + "<table><tr><th>factor</th><th>formula</th><th>with the numbers</th>"
              f"<th>value</th><th></th></tr>{rows}</table>"
            + f"<p>SGD step with η = {html.escape(fmt(lr))}: {math_html(f.symbol)} ← "
              f"{html.escape(fmt(old))} − {html.escape(fmt(lr))} × "
              f"{html.escape(_paren(f.value))} = <b>{html.escape(fmt(new))}</b></p>")

    def _fill_step_table(self) -> None:
        t = self.trace
        table = self.step_table
        table.setRowCount(0)
        if t is None:
            return
        if self._applied is not None:
            updates, before, after, lr = self._applied
            grads = self._applied_grads
            self.step_label.setText(
                f"Applied with η = {fmt(lr)}: J on this sample "
                f"<b>{fmt(before)} → {fmt(after)}</b>"
                + (" ✓ lower" if after < before else " (higher: η is too large here)"))
        else:
            updates = t.sgd_step(self.learning_rate())
            grads = t.gradients()
            self.step_label.setText(f"<span style='color:{style.MUTED}'>Preview of the step: "
                                    "every weight before → after</span>")
        rows = []
        for k, (u, (dW, db)) in enumerate(zip(updates, grads)):
            for i in range(u.W_before.shape[0]):
                for j in range(u.W_before.shape[1]):
                    rows.append((t.weight_symbol(k, i, j), u.W_before[i, j], dW[i, j],
                                 u.W_after[i, j], (k, i, j)))
            for j in range(u.b_before.shape[0]):
                rows.append((t.bias_symbol(k, j), u.b_before[j], db[j], u.b_after[j],
                             (k, None, j)))
        table.setRowCount(len(rows))
        for r, (name, before_v, grad, after_v, key) in enumerate(rows):
            first = QTableWidgetItem(name)
            first.setData(Qt.ItemDataRole.UserRole, key)
            table.setItem(r, 0, first)
            table.setItem(r, 1, _cell(fmt(before_v)))
            table.setItem(r, 2, _cell(fmt(grad)))
            table.setItem(r, 3, _cell(fmt(after_v)))
            change = _cell(fmt(after_v - before_v))
            if after_v != before_v:
                change.setForeground(QColor(style.POSITIVE if after_v > before_v else
                                            style.NEGATIVE))
            table.setItem(r, 4, change)
        table.resizeRowsToContents()

    # --- reactions -------------------------------------------------------------------------
    def _tree_clicked(self, item: QTreeWidgetItem, _column: int) -> None:
        data = item.data(0, Qt.ItemDataRole.UserRole)
        if data:
            _kind, layer, unit = data
            self._neuron_clicked(layer, unit)

    def _neuron_clicked(self, layer: int, unit: int) -> None:
        """A neuron: show the first weight into it (an input: the first weight out of it)."""
        t = self.trace
        if t is None:
            return
        if layer < 0:
            self._select(0, unit, 0)
            return
        column = list(t.layers[layer].columns_of(unit))[0]
        self._select(layer, 0, column)

    def _table_clicked(self, item: QTableWidgetItem) -> None:
        key = self.step_table.item(item.row(), 0).data(Qt.ItemDataRole.UserRole)
        if key:
            self._select(*key)

    def _layer_changed(self, index: int) -> None:
        if self._building or self.trace is None or index < 0:
            return
        self._fill_from_to(index)
        self._select(index, 0, 0)

    def _picker_changed(self, _index: int) -> None:
        if self._building or self.trace is None:
            return
        layer = self.layer_combo.currentData()
        i = self.from_combo.currentData()
        j = self.to_combo.currentData()
        if layer is None or j is None:
            return
        self._select(layer, i, j)

    def _lr_changed(self, _value: float) -> None:
        self._applied = None
        self._fill_step_table()
        self._show_factors()


def _paren(value: float) -> str:
    text = fmt(value)
    return f"({text})" if text.startswith("−") else text
