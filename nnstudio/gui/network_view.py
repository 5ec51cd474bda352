"""NetworkView: the network as neurons in columns joined by weighted links.

- Links are colored by sign (blue positive, orange negative) and get wider with |w|;
  every neuron has a small bias badge colored the same way.
- For 2-D data every hidden and output neuron shows a heatmap of its own output over
  the input plane (``update_neuron_images``); otherwise it shows its activation's curve.
- Hovering a link or bias shows its value; clicking one opens a small inline editor, and
  pressing Enter emits ``weight_edit_requested`` / ``bias_edit_requested``. The view itself
  never changes a weight: it redraws when the new weights arrive in ``update_weights``.
- Layers wider than :data:`COLLAPSE_ABOVE` units show their first and last units around a
  "… N more" marker; the wheel zooms, a double click on the background fits the view.

``update_weights`` runs up to ~10 times a second while training: it only swaps cached pens and
brushes of existing items (no scene rebuild).
"""

from __future__ import annotations

import math
import re
import time
from collections.abc import Sequence

import numpy as np
from PySide6.QtCore import QEvent, QPoint, QPointF, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFont,
    QImage,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPainterPath,
    QPainterPathStroker,
    QPen,
    QPixmap,
    QWheelEvent,
)
from PySide6.QtWidgets import (
    QFrame,
    QGraphicsItem,
    QGraphicsPathItem,
    QGraphicsPixmapItem,
    QGraphicsRectItem,
    QGraphicsScene,
    QGraphicsSimpleTextItem,
    QGraphicsView,
    QLabel,
    QLineEdit,
    QToolTip,
    QVBoxLayout,
    QWidget,
)

from nnstudio.engine.activations import activation_value
from nnstudio.engine.network import NetworkSpec
from nnstudio.gui import qtfix, style

assert qtfix  # installed on import: this view makes many void Qt calls per second

#: layers with more units than this are drawn collapsed
COLLAPSE_ABOVE = 12
SHOW_FIRST = 5
SHOW_LAST = 2

NODE = 40.0  # neuron square, scene units
ROW = 54.0  # vertical distance between neurons
COLUMN = 170.0  # horizontal distance between layers
BIAS = 11.0  # bias badge
MIN_LINK_WIDTH = 0.5
MAX_LINK_WIDTH = 6.0
#: |w| at which a link reaches ~63 % of its maximum width and opacity
WEIGHT_SCALE = 1.0
LEVELS = 32  # quantization of link styles (pens are cached per level)
HIT_WIDTH = 9.0  # links are easy to hover and click even when thin

Weights = Sequence[tuple[np.ndarray, np.ndarray]]


#: seconds between two renders of the link layer at least (its antialiased paths are the
#: view's most expensive paint; the worker sends new pictures ~10 times a second)
LINKS_INTERVAL = 0.09


def visible_units(n: int) -> list[int | None]:
    """Unit indices drawn for a layer of ``n`` units; ``None`` marks the "… more" node."""
    if n <= COLLAPSE_ABOVE:
        return list(range(n))
    return list(range(SHOW_FIRST)) + [None] + list(range(n - SHOW_LAST, n))


def pretty_feature(name: str) -> str:
    """An input feature as a label: ``x1^2`` -> ``x1²``, ``x1*x2`` -> ``x1·x2``."""
    text = name.replace("^2", "²").replace("^3", "³").replace("*", "·")
    return re.sub(r"^(sin|cos)\((.+)\)$", r"\1 \2", text)


def _strength(values: np.ndarray) -> np.ndarray:
    """|value| mapped to 0..1 with soft saturation (display only)."""
    return 1.0 - np.exp(-np.abs(values) / WEIGHT_SCALE)


def _levels(values: np.ndarray) -> np.ndarray:
    """Style code per value: ``2 * strength level (0..LEVELS) + (1 if negative)``."""
    level = np.rint(_strength(values) * LEVELS).astype(np.int64)
    return 2 * level + (values < 0)


def _faded(color: str, strength: float) -> QColor:
    """``color`` mixed with white: strength 1 is the color itself, 0 is white."""
    c = QColor(color)
    return QColor(round(255 + (c.red() - 255) * strength),
                  round(255 + (c.green() - 255) * strength),
                  round(255 + (c.blue() - 255) * strength))


def _diverging_lut() -> np.ndarray:
    """256 RGBA entries from the negative color through neutral to the positive color."""
    neg = np.array(QColor(style.NEGATIVE).getRgb()[:3], float)
    mid = np.array(QColor("#f4f5f7").getRgb()[:3], float)
    pos = np.array(QColor(style.POSITIVE).getRgb()[:3], float)
    t = np.linspace(-1.0, 1.0, 256)[:, None]
    rgb = np.where(t < 0, mid + (neg - mid) * -t, mid + (pos - mid) * t)
    lut = np.empty((256, 4), np.uint8)
    lut[:, :3] = np.clip(np.rint(rgb), 0, 255)
    lut[:, 3] = 255
    return lut


def layer_title(index: int, n_layers: int) -> str:
    """"Hidden k" or "Output" for layer ``index`` (0 = first layer after the inputs)."""
    return "Output" if index == n_layers - 1 else f"Hidden {index + 1}"


# --- scene items -------------------------------------------------------------------------------

class LinkItem(QGraphicsItem):
    """One drawn link: input unit ``i`` of layer ``layer`` feeding unit ``unit``.

    The item paints nothing itself (all links are drawn by one cached :class:`LinkLayer`);
    it is the link's hover and click target. For maxout layers the link stands for all
    ``pieces`` columns of that unit and shows the strongest; ``column`` is then None (the
    link cannot be edited).
    """

    def __init__(self, view: NetworkView, layer: int, i: int, unit: int, pieces: int,
                 path: QPainterPath, parent: QGraphicsItem) -> None:
        super().__init__(parent)
        self.view = view
        self.layer = layer
        self.i = i
        self.unit = unit
        self.pieces = pieces
        self.column: int | None = unit if pieces == 1 else None
        self.level: int | None = None
        self.link_path = path
        self.link_pen: QPen | None = None
        stroker = QPainterPathStroker()
        stroker.setWidth(HIT_WIDTH)
        self._hit = stroker.createStroke(path)
        self._bounds = self._hit.boundingRect().united(path.boundingRect()).adjusted(-5, -5, 5, 5)
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemHasNoContents, True)
        self.setAcceptHoverEvents(True)
        if self.editable:
            self.setCursor(Qt.CursorShape.PointingHandCursor)

    @property
    def editable(self) -> bool:
        return self.column is not None

    def shape(self) -> QPainterPath:  # noqa: D102 - Qt override
        return self._hit

    def boundingRect(self) -> QRectF:  # noqa: D102 - Qt override
        return self._bounds

    def paint(self, painter, option, widget=None) -> None:  # noqa: D102 - drawn by LinkLayer
        pass

    def hoverEnterEvent(self, event) -> None:  # noqa: N802 - Qt override
        self.view._hover_link(self)
        super().hoverEnterEvent(event)

    def hoverLeaveEvent(self, event) -> None:  # noqa: N802 - Qt override
        self.view._hover_link(None)
        super().hoverLeaveEvent(event)

    def tooltip_text(self) -> str:
        return self.view.link_tooltip(self)


class LinkLayer(QGraphicsItem):
    """Draws every link in one pass, weakest first, into a device-coordinate cache.

    Changing node images then only blits the cache; the links are re-rendered when their
    styles change, at most as often as :meth:`NetworkView._schedule_links` allows.
    """

    def __init__(self, bounds: QRectF) -> None:
        super().__init__()
        self.links: list[LinkItem] = []
        self._bounds = bounds
        self.last_cost = 0.0  # seconds the last full render took
        self.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        self.setZValue(1)

    def boundingRect(self) -> QRectF:  # noqa: D102 - Qt override
        return self._bounds

    def set_bounds(self, bounds: QRectF) -> None:
        self.prepareGeometryChange()
        self._bounds = bounds

    def paint(self, painter: QPainter, option, widget=None) -> None:  # noqa: D102
        start = time.perf_counter()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        for link in sorted((lk for lk in self.links if lk.link_pen is not None),
                           key=lambda lk: lk.level >> 1):
            painter.setPen(link.link_pen)
            painter.drawPath(link.link_path)
        self.last_cost = time.perf_counter() - start


class BiasItem(QGraphicsRectItem):
    """The bias badge of one neuron (``unit`` of layer ``layer``)."""

    def __init__(self, view: NetworkView, layer: int, unit: int, pieces: int,
                 rect: QRectF) -> None:
        super().__init__(rect)
        self.view = view
        self.layer = layer
        self.unit = unit
        self.pieces = pieces
        self.column: int | None = unit if pieces == 1 else None
        self.level: int | None = None
        self.setZValue(4)
        self.setAcceptHoverEvents(True)
        if self.editable:
            self.setCursor(Qt.CursorShape.PointingHandCursor)

    @property
    def editable(self) -> bool:
        return self.column is not None

    def tooltip_text(self) -> str:
        return self.view.bias_tooltip(self)


class NodeItem(QGraphicsRectItem):
    """A neuron square; ``layer`` -1 is the input layer."""

    def __init__(self, view: NetworkView, layer: int, unit: int, rect: QRectF) -> None:
        super().__init__(rect)
        self.view = view
        self.layer = layer
        self.unit = unit
        self.image = QGraphicsPixmapItem(self)
        self.image.setTransformationMode(Qt.TransformationMode.SmoothTransformation)
        self.image.setPos(rect.topLeft() + QPointF(1, 1))
        self.image.setVisible(False)
        self.glyph: QGraphicsPathItem | None = None
        self.setZValue(3)
        self.setAcceptHoverEvents(True)

    def tooltip_text(self) -> str:
        return self.view.node_tooltip(self)


# --- inline editor -----------------------------------------------------------------------------

class _ValueEdit(QLineEdit):
    """A line edit that reports Escape (cancel) to its editor."""

    def __init__(self, editor: InlineEditor) -> None:
        super().__init__(editor)
        self._editor = editor

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt override
        if event.key() == Qt.Key.Key_Escape:
            self._editor.cancel()
            return
        super().keyPressEvent(event)

    def focusOutEvent(self, event) -> None:  # noqa: N802 - Qt override
        super().focusOutEvent(event)
        if self._editor.isVisible():
            self._editor.cancel()


class InlineEditor(QFrame):
    """A small floating box: what is edited, the value, and how to apply it."""

    def __init__(self, view: NetworkView) -> None:
        super().__init__(view.viewport())
        self.view = view
        self.target: tuple | None = None
        self.setObjectName("inlineEditor")
        self.setStyleSheet(
            f"QFrame#inlineEditor {{ background: #ffffff; border: 1px solid {style.ACCENT};"
            " border-radius: 6px; }"
            f"QLabel {{ color: {style.TEXT}; border: none; }}"
            f"QLabel#hint {{ color: {style.MUTED}; }}"
        )
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 6)
        layout.setSpacing(3)
        self.title = QLabel(self)
        font = self.title.font()
        font.setBold(True)
        self.title.setFont(font)
        self.edit = _ValueEdit(self)
        self.edit.setMinimumWidth(150)
        self.hint = QLabel("Enter applies · Esc cancels", self)
        self.hint.setObjectName("hint")
        layout.addWidget(self.title)
        layout.addWidget(self.edit)
        layout.addWidget(self.hint)
        self.edit.returnPressed.connect(self.commit)
        self.edit.textEdited.connect(self._clear_error)
        self.hide()

    def open(self, target: tuple, title: str, value: float, at: QPoint) -> None:
        self.target = target
        self.title.setText(title)
        self.edit.setText(f"{value:.6g}")
        self._clear_error()
        self.adjustSize()
        viewport = self.view.viewport().rect()
        x = min(max(4, at.x() + 12), max(4, viewport.width() - self.width() - 4))
        y = min(max(4, at.y() + 12), max(4, viewport.height() - self.height() - 4))
        self.move(x, y)
        self.show()
        self.raise_()
        self.edit.setFocus(Qt.FocusReason.MouseFocusReason)
        self.edit.selectAll()

    def _clear_error(self) -> None:
        self.hint.setText("Enter applies · Esc cancels")
        self.hint.setStyleSheet("")

    def commit(self) -> None:
        text = self.edit.text().strip().replace(",", ".")
        try:
            value = float(text)
        except ValueError:
            value = math.nan
        if not math.isfinite(value):
            self.hint.setText(f"'{self.edit.text()}' is not a number")
            self.hint.setStyleSheet(f"color: {style.ERROR_BORDER};")
            return
        target = self.target
        self.cancel()
        if target is None:
            return
        if target[0] == "weight":
            _, layer, i, j = target
            self.view.weight_edit_requested.emit(layer, i, j, value)
        else:
            _, layer, j = target
            self.view.bias_edit_requested.emit(layer, j, value)

    def cancel(self) -> None:
        self.target = None
        self.hide()


# --- the view ----------------------------------------------------------------------------------

class NetworkView(QGraphicsView):
    """The network drawn as neurons and links; see the module docstring."""

    weight_edit_requested = Signal(int, int, int, float)
    bias_edit_requested = Signal(int, int, float)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setScene(QGraphicsScene(self))
        self.setRenderHints(QPainter.RenderHint.Antialiasing
                            | QPainter.RenderHint.SmoothPixmapTransform
                            | QPainter.RenderHint.TextAntialiasing)
        self.setDragMode(QGraphicsView.DragMode.ScrollHandDrag)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        self.setResizeAnchor(QGraphicsView.ViewportAnchor.AnchorViewCenter)
        self.setViewportUpdateMode(QGraphicsView.ViewportUpdateMode.MinimalViewportUpdate)
        self.setBackgroundBrush(QColor("#ffffff"))
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setMinimumSize(240, 160)
        self.spec: NetworkSpec | None = None
        self.links: list[LinkItem] = []
        self.biases: list[BiasItem] = []
        self.nodes: dict[tuple[int, int], NodeItem] = {}
        self.ellipses: list[QGraphicsSimpleTextItem] = []
        self._layer_links: list[tuple[list[LinkItem], np.ndarray, np.ndarray]] = []
        self._layer_biases: list[tuple[list[BiasItem], np.ndarray]] = []
        self._visible: list[list[int | None]] = []
        self._weights: list[tuple[np.ndarray, np.ndarray]] | None = None
        self._pens: dict[tuple[int, bool], QPen] = {}
        self._brushes: dict[int, QBrush] = {}
        self._lut = _diverging_lut()
        self._auto_fit = True
        self._press: tuple[QPoint, QGraphicsItem | None] | None = None
        self._link_layer: LinkLayer | None = None
        self._hover_item: QGraphicsPathItem | None = None
        self._hovered: LinkItem | None = None
        self._links_dirty = False
        self._links_next = 0.0  # perf_counter time before which links are not re-rendered
        self._links_timer = QTimer(self)
        self._links_timer.setSingleShot(True)
        self._links_timer.timeout.connect(self._render_links)
        self.editor = InlineEditor(self)
        self._show_placeholder()

    # --- building ----------------------------------------------------------------------------
    def _clear(self) -> None:
        self.editor.cancel()
        self._links_timer.stop()
        self._links_dirty = False
        self._hovered = None
        self.scene().clear()
        self._link_layer = None
        self._hover_item = None
        self.links, self.biases, self.ellipses = [], [], []
        self.nodes = {}
        self._layer_links, self._layer_biases, self._visible = [], [], []
        self._weights = None

    def _show_placeholder(self) -> None:
        self._clear()
        self.spec = None
        text = self.scene().addSimpleText("No network yet")
        text.setBrush(QColor(style.MUTED))
        self.scene().setSceneRect(text.boundingRect().adjusted(-20, -20, 20, 20))

    def input_labels(self, spec: NetworkSpec) -> list[str]:
        names = spec.features or spec.feature_names
        if names and len(names) == spec.inputs:
            return [pretty_feature(str(n)) for n in names]
        return [f"x{k + 1}" for k in range(spec.inputs)]

    def unit_name(self, layer: int, unit: int) -> str:
        """A neuron in words: ``x1``, ``hidden 2, unit 3`` or ``output`` (units 1-based)."""
        assert self.spec is not None
        if layer < 0:
            return self._input_labels[unit]
        n_layers = len(self.spec.layers)
        if layer == n_layers - 1:
            return "output" if self.spec.layers[-1].units == 1 else f"output unit {unit + 1}"
        return f"hidden {layer + 1}, unit {unit + 1}"

    def set_network(self, spec: NetworkSpec, weights: Weights | None = None) -> None:
        """Rebuild the scene for ``spec`` (and show ``weights`` if given)."""
        self._clear()
        self.spec = spec
        self._input_labels = self.input_labels(spec)
        scene = self.scene()
        sizes = spec.sizes
        self._visible = [visible_units(n) for n in sizes]
        tallest = max(len(v) for v in self._visible)
        x_of = [c * self._column_spacing(tallest, len(sizes)) for c in range(len(sizes))]
        positions: list[dict[int, QPointF]] = []
        for c, vis in enumerate(self._visible):
            pos: dict[int, QPointF] = {}
            for k, unit in enumerate(vis):
                y = (k - (len(vis) - 1) / 2.0) * ROW
                if unit is None:
                    self._add_ellipsis(x_of[c], y, sizes[c] - len(vis) + 1)
                else:
                    pos[unit] = QPointF(x_of[c], y)
            positions.append(pos)
        self._add_headers(spec, x_of, -(tallest - 1) / 2.0 * ROW - NODE / 2 - 12)
        # input nodes and their labels
        label_font = QFont(self.font())
        label_font.setPointSizeF(max(7.0, label_font.pointSizeF()))
        for unit, p in positions[0].items():
            node = self._add_node(-1, unit, p)
            node.setBrush(QColor("#eef1f5"))
            label = QGraphicsSimpleTextItem(self._elide(self._input_labels[unit], 11))
            label.setFont(label_font)
            label.setBrush(QColor(style.TEXT))
            r = label.boundingRect()
            label.setPos(p.x() - NODE / 2 - 8 - r.width(), p.y() - r.height() / 2)
            label.setZValue(3)
            scene.addItem(label)
        # layers: nodes, links (drawn by one cached layer) and biases
        self._link_layer = LinkLayer(QRectF())
        scene.addItem(self._link_layer)
        self._hover_item = QGraphicsPathItem()
        self._hover_item.setZValue(2)
        self._hover_item.setVisible(False)
        self._hover_item.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
        scene.addItem(self._hover_item)
        for li, layer_spec in enumerate(spec.layers):
            pieces = layer_spec.pieces if layer_spec.activation == "maxout" else 1
            glyph = self._glyph_path(layer_spec.activation, layer_spec.alpha)
            bias_items: list[BiasItem] = []
            for unit, p in positions[li + 1].items():
                node = self._add_node(li, unit, p)
                node.setBrush(QColor("#ffffff"))
                node.glyph = QGraphicsPathItem(glyph, node)
                node.glyph.setPos(p)
                node.glyph.setPen(QPen(QColor(style.MUTED), 1.6))
                rect = QRectF(p.x() - NODE / 2 - BIAS / 2, p.y() + NODE / 2 - BIAS / 2,
                              BIAS, BIAS)
                bias = BiasItem(self, li, unit, pieces, rect)
                bias.setPen(QPen(QColor("#ffffff"), 1.2))
                scene.addItem(bias)
                bias_items.append(bias)
            self.biases.extend(bias_items)
            self._layer_biases.append(
                (bias_items, np.array([b.unit for b in bias_items], dtype=np.intp)))
            link_items: list[LinkItem] = []
            for i, a in positions[li].items():
                for unit, b in positions[li + 1].items():
                    link = LinkItem(self, li, i, unit, pieces, self._link_path(a, b),
                                    self._link_layer)
                    link_items.append(link)
            self.links.extend(link_items)
            self._layer_links.append((
                link_items,
                np.array([lk.i for lk in link_items], dtype=np.intp),
                np.array([lk.unit for lk in link_items], dtype=np.intp),
            ))
        self._link_layer.links = list(self.links)
        self._link_layer.set_bounds(self._link_layer.childrenBoundingRect())
        bounds = scene.itemsBoundingRect().adjusted(-24, -16, 24, 16)
        scene.setSceneRect(bounds)
        self._auto_fit = True
        self.fit()
        if weights is not None:
            self.update_weights(weights)

    def _column_spacing(self, tallest: int, columns: int) -> float:
        """Distance between layers: wide enough to fill the view's aspect ratio, within
        limits (so links stay readable and the network does not fall apart)."""
        if columns < 2:
            return COLUMN
        size = self.viewport().size()
        aspect = size.width() / size.height() if size.height() > 50 else 700 / 450
        height = (tallest - 1) * ROW + NODE + 90  # nodes and headers
        return min(2.0 * COLUMN, max(COLUMN, (height * aspect - 150) / (columns - 1)))

    def _add_node(self, layer: int, unit: int, p: QPointF) -> NodeItem:
        rect = QRectF(p.x() - NODE / 2, p.y() - NODE / 2, NODE, NODE)
        node = NodeItem(self, layer, unit, rect)
        node.setPen(QPen(QColor("#9aa0a6"), 1.0))
        self.scene().addItem(node)
        self.nodes[(layer, unit)] = node
        return node

    def _add_ellipsis(self, x: float, y: float, hidden: int) -> None:
        text = QGraphicsSimpleTextItem(f"⋮\n{hidden} more")
        font = QFont(self.font())
        font.setPointSizeF(max(7.0, font.pointSizeF() - 1))
        text.setFont(font)
        text.setBrush(QColor(style.MUTED))
        r = text.boundingRect()
        text.setPos(x - r.width() / 2, y - r.height() / 2)
        text.setZValue(3)
        text.setToolTip(f"{hidden} more units are not drawn to keep the layer readable")
        self.scene().addItem(text)
        self.ellipses.append(text)

    def _add_headers(self, spec: NetworkSpec, x_of: list[float], y: float) -> None:
        bold = QFont(self.font())
        bold.setBold(True)
        small = QFont(self.font())
        small.setPointSizeF(max(7.0, small.pointSizeF() - 1))
        n = len(spec.layers)
        heads = [("Input", f"{spec.inputs} feature{'s' if spec.inputs != 1 else ''}")]
        for li, layer in enumerate(spec.layers):
            detail = f"{layer.units} · {layer.activation}"
            if layer.activation == "maxout":
                detail += f" ×{layer.pieces}"
            heads.append((layer_title(li, n), detail))
        for x, (title, detail) in zip(x_of, heads):
            for text, font, color, dy in ((title, bold, style.TEXT, -34),
                                          (detail, small, style.MUTED, -17)):
                item = QGraphicsSimpleTextItem(text)
                item.setFont(font)
                item.setBrush(QColor(color))
                r = item.boundingRect()
                item.setPos(x - r.width() / 2, y + dy)
                self.scene().addItem(item)

    @staticmethod
    def _elide(text: str, limit: int) -> str:
        return text if len(text) <= limit else text[:limit - 1] + "…"

    @staticmethod
    def _link_path(a: QPointF, b: QPointF) -> QPainterPath:
        start = QPointF(a.x() + NODE / 2, a.y())
        end = QPointF(b.x() - NODE / 2, b.y())
        mid = (start.x() + end.x()) / 2
        path = QPainterPath(start)
        path.cubicTo(QPointF(mid, start.y()), QPointF(mid, end.y()), end)
        return path

    @staticmethod
    def _glyph_path(activation: str, alpha: float) -> QPainterPath:
        """The activation's curve over z in [-3, 3], drawn inside a node (centered at 0)."""
        z = np.linspace(-3.0, 3.0, 41)
        if activation == "maxout":  # two example pieces, z and -z/2: a convex kink
            a = activation_value("maxout", np.stack([z, -0.5 * z], axis=1).reshape(1, -1),
                                 pieces=2)[0]
        else:  # softmax drawn for one score against zeros: a sigmoid
            name = "sigmoid" if activation == "softmax" else activation
            a = activation_value(name, z[None, :], alpha=alpha)[0]
        lo, hi = float(a.min()), float(a.max())
        span = hi - lo if hi > lo else 1.0
        half = NODE / 2 - 8
        path = QPainterPath()
        for k, (zz, aa) in enumerate(zip(z, a)):
            p = QPointF(zz / 3.0 * half, half - (aa - lo) / span * 2 * half)
            if k == 0:
                path.moveTo(p)
            else:
                path.lineTo(p)
        return path

    # --- live updates -------------------------------------------------------------------------
    def _pen(self, level: int, hovered: bool) -> QPen:
        key = (level, hovered)
        pen = self._pens.get(key)
        if pen is None:
            s = (level >> 1) / LEVELS
            # opaque colors (faded towards white): blending translucent wide strokes costs
            # five times more to paint, and this view repaints up to 30 times a second
            color = _faded(style.NEGATIVE if level & 1 else style.POSITIVE,
                           1.0 if hovered else 0.2 + 0.8 * s)
            width = MIN_LINK_WIDTH + (MAX_LINK_WIDTH - MIN_LINK_WIDTH) * s
            pen = QPen(color, width + (2.0 if hovered else 0.0))
            pen.setCapStyle(Qt.PenCapStyle.RoundCap)
            self._pens[key] = pen
        return pen

    def _brush(self, level: int) -> QBrush:
        brush = self._brushes.get(level)
        if brush is None:
            s = (level >> 1) / LEVELS
            color = _faded(style.NEGATIVE if level & 1 else style.POSITIVE, 0.25 + 0.75 * s)
            brush = QBrush(color)
            self._brushes[level] = brush
        return brush

    def _hover_link(self, link: LinkItem | None) -> None:
        """Highlight ``link`` (None: none) with an overlay, without re-rendering the links."""
        self._hovered = link
        if self._hover_item is None:
            return
        if link is None or link.level is None:
            self._hover_item.setVisible(False)
            return
        self._hover_item.setPath(link.link_path)
        self._hover_item.setPen(self._pen(link.level, True))
        self._hover_item.setVisible(True)

    def _schedule_links(self) -> None:
        """Re-render the link layer soon: at most ~10 times a second, and less often when a
        render is slow (so drawing links never takes more than ~1/6 of the GUI's time)."""
        self._links_dirty = True
        if self._links_timer.isActive():
            return
        delay = self._links_next - time.perf_counter()
        if delay <= 0:
            # due now: render with this update (the window paints it in the same frame)
            # rather than from a timer later, in between frames, while the worker trains
            self._render_links()
            return
        self._links_timer.start(int(delay * 1000))

    def _render_links(self) -> None:
        if not self._links_dirty or self._link_layer is None:
            return
        self._links_dirty = False
        self._link_layer.update()
        cost = self._link_layer.last_cost
        self._links_next = time.perf_counter() + max(LINKS_INTERVAL, 6.0 * cost)

    def flush(self) -> None:
        """Apply pending link styles now (tests, screenshots)."""
        self._links_timer.stop()
        self._render_links()

    def _fits(self, weights: Weights) -> bool:
        if self.spec is None or len(weights) != len(self.spec.layers):
            return False
        fan_in = self.spec.inputs
        for (W, b), layer in zip(weights, self.spec.layers):
            width = layer.units * (layer.pieces if layer.activation == "maxout" else 1)
            if np.shape(W) != (fan_in, width) or np.shape(b) != (width,):
                return False
            fan_in = layer.units
        return True

    def shown_weights(self, layer: int) -> tuple[np.ndarray, np.ndarray]:
        """Per unit of ``layer``: the weights (fan_in, units) and biases (units,) drawn.

        For maxout the strongest piece (largest |w|) stands for each unit.
        """
        assert self._weights is not None and self.spec is not None
        W, b = self._weights[layer]
        layer_spec = self.spec.layers[layer]
        if layer_spec.activation != "maxout":
            return W, b
        p = layer_spec.pieces
        Wr = W.reshape(W.shape[0], layer_spec.units, p)
        pick = np.abs(Wr).argmax(axis=2)[..., None]
        br = b.reshape(layer_spec.units, p)
        return (np.take_along_axis(Wr, pick, axis=2)[..., 0],
                np.take_along_axis(br, np.abs(br).argmax(axis=1)[:, None], axis=1)[:, 0])

    def update_weights(self, weights: Weights) -> bool:
        """Restyle links and bias badges for new weights (no rebuild). False if they do not
        fit the network drawn (e.g. a late snapshot from before a rebuild)."""
        if not self._fits(weights):
            return False
        self._weights = [(np.asarray(W), np.asarray(b)) for W, b in weights]
        dirty = False
        for li, ((links, rows, cols), (biases, bias_units)) in enumerate(
                zip(self._layer_links, self._layer_biases)):
            W, b = self.shown_weights(li)
            for link, level in zip(links, _levels(W[rows, cols]).tolist()):
                if link.level != level:
                    link.level = level
                    link.link_pen = self._pen(level, False)
                    dirty = True
            for bias, level in zip(biases, _levels(b[bias_units]).tolist()):
                if bias.level != level:
                    bias.level = level
                    bias.setBrush(self._brush(level))
        if dirty:
            self._schedule_links()
            if self._hovered is not None:
                self._hover_link(self._hovered)
        return True

    def update_input_images(self, images: np.ndarray | None) -> None:
        """Optional: show each network input over the input plane, ``(inputs, r, r)`` (e.g.
        the standardized x1, x1², sin x1 on the grid of ``grids.grid_points``)."""
        if self.spec is None:
            return
        units = [u for u in self._visible[0] if u is not None]
        nodes = [self.nodes[(-1, u)] for u in units]
        if images is None or np.ndim(images) != 3 or len(images) != self.spec.inputs:
            for node in nodes:
                node.image.setVisible(False)
            return
        stack = np.nan_to_num(np.asarray(images, dtype=np.float64)[units])
        for node, image in zip(nodes, stack):
            peak = float(np.abs(image).max())
            self._set_node_image(node, image / peak if peak > 0 else np.zeros_like(image))

    def _set_node_image(self, node: NodeItem, t: np.ndarray) -> None:
        """Paint ``t`` (values in [-1, 1], row 0 = lowest y) into a node."""
        t = np.nan_to_num(t, nan=0.0, posinf=1.0, neginf=-1.0)
        index = np.rint((np.clip(t, -1.0, 1.0) + 1.0) * 127.5).astype(np.intp)
        data = np.ascontiguousarray(self._lut[index[::-1, :]])
        h, w = data.shape[:2]
        image = QImage(data.data, w, h, w * 4, QImage.Format.Format_RGBA8888).copy()
        node.image.setPixmap(QPixmap.fromImage(image))
        node.image.setScale((NODE - 2) / max(h, w))
        node.image.setVisible(True)
        if node.glyph is not None:
            node.glyph.setVisible(False)

    def update_neuron_images(self, images: Sequence[np.ndarray] | None) -> None:
        """Show each neuron's output over the input plane: per layer ``(units, r, r)``
        (row 0 = the lowest y). ``None`` removes the images (non-2-D data)."""
        if self.spec is None:
            return
        if images is None or len(images) != len(self.spec.layers):
            for node in self.nodes.values():
                if node.layer >= 0:
                    node.image.setVisible(False)
                    if node.glyph is not None:
                        node.glyph.setVisible(True)
            return
        for li, (layer_spec, stack) in enumerate(zip(self.spec.layers, images)):
            stack = np.asarray(stack, dtype=np.float64)
            if stack.ndim != 3 or stack.shape[0] != layer_spec.units:
                continue
            units = [u for u in self._visible[li + 1] if u is not None]
            shown = np.nan_to_num(stack[units], nan=0.0, posinf=1e300, neginf=-1e300)
            activation = layer_spec.activation
            if activation in ("sigmoid", "step", "softmax"):
                t = 2.0 * shown - 1.0
            elif activation == "tanh":
                t = shown
            else:
                peak = float(np.abs(shown).max()) if shown.size else 0.0
                t = shown / peak if peak > 0 else np.zeros_like(shown)
            for unit, image in zip(units, t):
                self._set_node_image(self.nodes[(li, unit)], image)

    # --- tooltips -------------------------------------------------------------------------------
    def link_tooltip(self, link: LinkItem) -> str:
        where = f"{self.unit_name(link.layer - 1, link.i)} → {self.unit_name(link.layer, link.unit)}"
        if self._weights is None:
            return f"Weight {where}"
        W = self._weights[link.layer][0]
        if link.column is not None:
            return f"Weight {where}\nw = {float(W[link.i, link.column]):.4f}   (click to edit)"
        p = link.pieces
        values = W[link.i, link.unit * p:(link.unit + 1) * p]
        listed = ", ".join(f"{float(v):.4f}" for v in values)
        strongest = float(values[np.abs(values).argmax()])
        return (f"Weight {where} (maxout, {p} pieces)\n"
                f"strongest w = {strongest:.4f}   pieces: {listed}\n"
                "Not editable here: this link stands for one weight per piece.")

    def bias_tooltip(self, bias: BiasItem) -> str:
        where = self.unit_name(bias.layer, bias.unit)
        if self._weights is None:
            return f"Bias of {where}"
        b = self._weights[bias.layer][1]
        if bias.column is not None:
            return f"Bias of {where}\nb = {float(b[bias.column]):.4f}   (click to edit)"
        p = bias.pieces
        listed = ", ".join(f"{float(v):.4f}" for v in b[bias.unit * p:(bias.unit + 1) * p])
        return (f"Bias of {where} (maxout, {p} pieces)\npieces: {listed}\n"
                "Not editable here: this badge stands for one bias per piece.")

    def node_tooltip(self, node: NodeItem) -> str:
        assert self.spec is not None
        if node.layer < 0:
            names = self.spec.features or self.spec.feature_names
            full = names[node.unit] if names and node.unit < len(names) else None
            label = self._input_labels[node.unit]
            return f"Input {label}" + (f"  ({full})" if full and full != label else "")
        layer = self.spec.layers[node.layer]
        text = f"{self.unit_name(node.layer, node.unit).capitalize()} · {layer.activation}"
        if node.image.isVisible():
            text += "\nThe image shows this neuron's output over the input plane."
        return text

    def tooltip_at(self, pos: QPoint) -> str:
        """The tooltip for the item under viewport position ``pos`` ("" if none)."""
        for item in self.items(pos):
            owner = item
            while owner is not None and not hasattr(owner, "tooltip_text"):
                owner = owner.parentItem()
            if owner is not None:
                return owner.tooltip_text()
            if item.toolTip():
                return item.toolTip()
        return ""

    def viewportEvent(self, event: QEvent) -> bool:  # noqa: N802 - Qt override
        if event.type() == QEvent.Type.ToolTip and self.spec is not None:
            text = self.tooltip_at(event.pos())
            if text:
                QToolTip.showText(event.globalPos(), text, self.viewport())
            else:
                QToolTip.hideText()
                event.ignore()
            return True
        return super().viewportEvent(event)

    # --- editing --------------------------------------------------------------------------------
    def _editable_at(self, pos: QPoint) -> LinkItem | BiasItem | None:
        for item in self.items(pos):
            if isinstance(item, (LinkItem, BiasItem)):
                return item
            if isinstance(item, NodeItem):
                return None
        return None

    def open_editor(self, item: LinkItem | BiasItem, at: QPoint) -> bool:
        """Open the inline editor for a link or bias; False if it cannot be edited."""
        if self._weights is None or not item.editable:
            return False
        W, b = self._weights[item.layer]
        if isinstance(item, LinkItem):
            where = f"{self.unit_name(item.layer - 1, item.i)} → " \
                    f"{self.unit_name(item.layer, item.unit)}"
            self.editor.open(("weight", item.layer, item.i, item.column), f"Weight {where}",
                             float(W[item.i, item.column]), at)
        else:
            self.editor.open(("bias", item.layer, item.column),
                             f"Bias of {self.unit_name(item.layer, item.unit)}",
                             float(b[item.column]), at)
        return True

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt override
        pos = event.position().toPoint()
        self._press = (pos, self._editable_at(pos)) \
            if event.button() == Qt.MouseButton.LeftButton else None
        super().mousePressEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt override
        super().mouseReleaseEvent(event)
        press, self._press = self._press, None
        if press is None or event.button() != Qt.MouseButton.LeftButton:
            return
        pos = event.position().toPoint()
        start, item = press
        if item is None or (pos - start).manhattanLength() > 4:
            return
        if not self.open_editor(item, pos):
            QToolTip.showText(self.viewport().mapToGlobal(pos), item.tooltip_text(),
                              self.viewport())

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt override
        if self._editable_at(event.position().toPoint()) is None:
            self._auto_fit = True
            self.fit()
        super().mouseDoubleClickEvent(event)

    # --- zoom and fit ---------------------------------------------------------------------------
    def fit(self) -> None:
        """Fit the whole network into the view (never magnifying more than 1.4×)."""
        rect = self.sceneRect()
        if rect.isEmpty():
            return
        self.fitInView(rect, Qt.AspectRatioMode.KeepAspectRatio)
        scale = self.transform().m11()
        if scale > 1.4:
            self.resetTransform()
            self.scale(1.4, 1.4)
            self.centerOn(rect.center())

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt override
        super().resizeEvent(event)
        if self._auto_fit:
            self.fit()

    def showEvent(self, event) -> None:  # noqa: N802 - Qt override
        super().showEvent(event)
        if self._auto_fit:
            self.fit()

    def wheelEvent(self, event: QWheelEvent) -> None:  # noqa: N802 - Qt override
        steps = event.angleDelta().y() / 120.0
        if not steps:
            return
        factor = 1.15 ** steps
        scale = self.transform().m11() * factor
        if 0.1 <= scale <= 6.0:
            self._auto_fit = False
            self.scale(factor, factor)
        event.accept()
