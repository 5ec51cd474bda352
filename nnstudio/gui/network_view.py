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

- Labels (column headers, input names, "… N more") keep a readable size on screen however
  small the view draws the network, and narrow columns get short headers ("H1", full text
  in the tooltip); when the view changes shape the columns are laid out anew.

Speed (the worker sends weights up to 30 times a second and pictures up to 10): styles of
links and bias badges follow at most every :data:`LINKS_INTERVAL`, in one vectorized pass
that only touches items whose style changed (no scene rebuild). All links are drawn into the
view's cached opaque background with 1-px strokes (wide links as a few offset 1-px strokes,
Qt's fast path), so other repaints only copy it; all node pictures come from one pixel
buffer drawn by one item.
"""

from __future__ import annotations

import math
import re
import time
from collections.abc import Sequence

import numpy as np
from PySide6.QtCore import QEvent, QPoint, QPointF, QRectF, QSize, Qt, QTimer, Signal
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFont,
    QFontMetricsF,
    QImage,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPainterPath,
    QPainterPathStroker,
    QPen,
    QTransform,
    QWheelEvent,
)
from PySide6.QtWidgets import (
    QFrame,
    QGraphicsItem,
    QGraphicsPathItem,
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
LEVELS = 16  # quantization of link styles: 17 widths and shades per sign (pens cached)
HIT_WIDTH = 9.0  # links are easy to hover and click even when thin
#: layers are at least this far apart (scene units): narrow views squeeze long networks
MIN_COLUMN = 100.0
#: on screen, labels never get smaller than this share of their nominal size
TEXT_MIN = 0.9
CAPTION_GAP = 5.0  # between a caption and what it labels (caption units)
MAX_FIT_SCALE = 1.4  # fitting never magnifies more than this
FIT_PAD = 6  # pixels between the fitted network and the view's edges
HEADER_GAP = 4  # pixels at least between the headers of neighbouring columns
#: input labels: at most this many characters, shortened to INPUT_SHORT only when the full
#: labels would make the fitted network noticeably smaller (by more than INPUT_SHRINK)
INPUT_LONG = 24
INPUT_SHORT = 11
INPUT_SHRINK = 0.95
#: short activation names for narrow columns
SHORT_ACTIVATION = {"sigmoid": "sigm", "softmax": "smax", "leaky_relu": "lrelu",
                    "linear": "lin", "maxout": "max"}

Weights = Sequence[tuple[np.ndarray, np.ndarray]]


#: seconds between two restyles of the links at least: a render costs ~2-3 ms even with
#: 1-px strokes (a tenth of a frame's budget), the worker sends weights up to 28 times a
#: second, and 5 changes a second are plenty for the eye to follow (the neuron pictures
#: change up to 10 times a second)
LINKS_INTERVAL = 0.2
#: the timer that draws the latest link styles waits this much longer than needed (ms), so
#: that while snapshots keep coming the next update, not the timer, renders them
LINKS_LATE_MS = 80


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
    """256 opaque ``0xAARRGGBB`` pixels (QImage.Format_RGB32) from the negative color through neutral to the positive color."""
    neg = np.array(QColor(style.NEGATIVE).getRgb()[:3], float)
    mid = np.array(QColor("#f4f5f7").getRgb()[:3], float)
    pos = np.array(QColor(style.POSITIVE).getRgb()[:3], float)
    t = np.linspace(-1.0, 1.0, 256)[:, None]
    rgb = np.where(t < 0, mid + (neg - mid) * -t, mid + (pos - mid) * t)
    r, g, b = np.clip(np.rint(rgb), 0, 255).astype(np.uint32).T
    return 0xFF000000 | (r << 16) | (g << 8) | b


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
                 path: QPainterPath, parent: QGraphicsItem, index: int) -> None:
        super().__init__(parent)
        self.view = view
        self.layer = layer
        self.i = i
        self.unit = unit
        self.pieces = pieces
        self.index = index  # position in ``view.links``
        self.column: int | None = unit if pieces == 1 else None
        self.link_path = path
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

    @property
    def level(self) -> int | None:
        """The style level the link is drawn with (see ``_levels``; None: not drawn yet)."""
        levels = self.view._drawn_levels
        level = int(levels[self.index]) if self.index < len(levels) else -1
        return None if level < 0 else level

    @property
    def link_pen(self) -> QPen | None:
        """The pen the link is drawn with, in scene units (None: not drawn yet)."""
        level = self.level
        return None if level is None else self.view._pen(level, False)

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


def stroke_offsets(width: float) -> list[tuple[float, float]]:
    """Device-pixel offsets of the 1-px strokes that draw a line ``width`` pixels wide.

    Qt's raster engine strokes antialiased lines up to 1 px wide on a fast path and wider
    ones some 20-30 times slower, so a wide link is drawn as a few 1-px strokes shifted
    around a small circle of diameter ``width - 1`` (at most ~0.9 px apart, so they merge
    into one line): the same look in every direction at a fraction of the cost.
    """
    spread = width - 1.0
    if spread <= 0.2:
        return [(0.0, 0.0)]
    count = max(3, math.ceil(math.pi * spread / 0.9))
    radius = spread / 2.0
    return [(radius * math.cos(2 * math.pi * k / count + 0.3),
             radius * math.sin(2 * math.pi * k / count + 0.3)) for k in range(count)]


#: device widths above this use a real wide pen (the strokes would cost more: zoomed in)
MAX_STROKED_WIDTH = 2.2


class LinkLayer(QGraphicsItem):
    """Holds the link items and draws every link in one pass, weakest first.

    The view draws the links as part of its cached background (:meth:`render` from
    ``NetworkView.drawBackground``): an opaque pixmap that Qt copies cheaply on every
    repaint, so changing node images never re-renders links. Links with the same style
    (level) are joined into one path and drawn together with 1-px cosmetic strokes (see
    :func:`stroke_offsets`); a level's path is rebuilt only when its set of links changed.
    """

    def __init__(self, bounds: QRectF, pen_of) -> None:
        super().__init__()
        self.links: list[LinkItem] = []
        self.levels = np.zeros(0, np.int64)  # per link: its style level (-1: not drawn)
        self._bounds = bounds
        self._pen_of = pen_of  # level -> the link's nominal (scene-width) QPen
        self._paths: dict[int, tuple[bytes, QPainterPath]] = {}
        self._strokes: dict[tuple[int, float], tuple[QPen, list[tuple[float, float]]]] = {}
        self.last_cost = 0.0  # seconds the last full render took
        self.renders = 0  # renders so far (tests)
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemHasNoContents, True)
        self.setZValue(1)

    def boundingRect(self) -> QRectF:  # noqa: D102 - Qt override
        return self._bounds

    def set_bounds(self, bounds: QRectF) -> None:
        self.prepareGeometryChange()
        self._bounds = bounds

    def _buckets(self) -> list[tuple[int, QPainterPath]]:
        """(level, the joined path of its links) for every level drawn, weakest first."""
        levels = self.levels
        if not len(levels):
            return []
        order = np.argsort(levels, kind="stable")
        ordered = levels[order]
        starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
        ends = np.r_[starts[1:], len(ordered)]
        buckets = []
        paths: dict[int, tuple[bytes, QPainterPath]] = {}
        for start, end in zip(starts.tolist(), ends.tolist()):
            level = int(ordered[start])
            if level < 0:
                continue
            members = order[start:end]
            key = members.tobytes()
            cached = self._paths.get(level)
            if cached is not None and cached[0] == key:
                path = cached[1]
            else:
                path = QPainterPath()
                links = self.links
                for k in members.tolist():
                    path.addPath(links[k].link_path)
            paths[level] = (key, path)
            buckets.append((level, path))
        self._paths = paths
        buckets.sort(key=lambda item: (item[0] >> 1, item[0] & 1))
        return buckets

    def _stroke(self, level: int, scale: float) -> tuple[QPen, list[tuple[float, float]]]:
        """The pen and device offsets that draw links of ``level`` at view ``scale``."""
        key = (level, round(scale, 3))
        stroke = self._strokes.get(key)
        if stroke is None:
            nominal: QPen = self._pen_of(level)
            width = nominal.widthF() * scale
            if width > MAX_STROKED_WIDTH:
                stroke = (nominal, [(0.0, 0.0)])
            else:
                pen = QPen(nominal.color(), 1.0)
                pen.setCosmetic(True)
                pen.setCapStyle(Qt.PenCapStyle.RoundCap)
                stroke = (pen, stroke_offsets(width))
            if len(self._strokes) > 4 * (LEVELS + 1) * 2:
                self._strokes.clear()  # another zoom: forget the old scale's strokes
            self._strokes[key] = stroke
        return stroke

    def paint(self, painter, option, widget=None) -> None:  # noqa: D102 - see render()
        pass

    def render(self, painter: QPainter) -> None:
        """Draw all links with ``painter`` (in scene coordinates)."""
        start = time.perf_counter()
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        base = painter.worldTransform()
        scale = math.sqrt(abs(base.determinant())) or 1.0
        for level, path in self._buckets():
            pen, offsets = self._stroke(level, scale)
            painter.setPen(pen)
            if len(offsets) == 1:
                painter.drawPath(path)
                continue
            for dx, dy in offsets:
                painter.setWorldTransform(base * QTransform.fromTranslate(dx, dy))
                painter.drawPath(path)
            painter.setWorldTransform(base)
        painter.restore()
        self.renders += 1
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
    """A neuron square; ``layer`` -1 is the input layer. Its picture, if any, is drawn by
    the view's :class:`NodeImages` (slot ``slot``)."""

    def __init__(self, view: NetworkView, layer: int, unit: int, rect: QRectF) -> None:
        super().__init__(rect)
        self.view = view
        self.layer = layer
        self.unit = unit
        self.images: NodeImages | None = None
        self.slot = -1
        self.glyph: QGraphicsPathItem | None = None
        self.setZValue(3)
        self.setAcceptHoverEvents(True)

    def has_image(self) -> bool:
        """True if the node shows a picture (rather than its activation's curve)."""
        return self.images is not None and bool(self.images.visible[self.slot])

    def picture(self) -> QImage | None:
        """A copy of the node's picture at its own resolution (None: no picture)."""
        return self.images.picture(self.slot) if self.has_image() else None

    def tooltip_text(self) -> str:
        return self.view.node_tooltip(self)


class NodeImages(QGraphicsItem):
    """The pictures of a group of nodes, drawn by one item from one pixel buffer.

    ``show(slots, index)`` writes 8-bit color indices through the view's color table
    straight into the buffer behind one QImage (no per-node pixmaps or items) and asks
    for one repaint; ``paint`` scales each visible tile into its node.
    """

    def __init__(self, nodes: Sequence[NodeItem], lut: np.ndarray) -> None:
        super().__init__()
        self.nodes = list(nodes)
        self._lut = lut
        self._targets = [n.rect().adjusted(1, 1, -1, -1) for n in self.nodes]
        self._bounds = QRectF()
        for k, (node, target) in enumerate(zip(self.nodes, self._targets)):
            node.images, node.slot = self, k
            self._bounds = self._bounds.united(target)
        self.visible = np.zeros(len(self.nodes), bool)
        self._shown: list[int] = []
        self.pixels: np.ndarray | None = None  # (nodes, r, r) 0xAARRGGBB
        self._image: QImage | None = None
        self.setZValue(3.5)  # over the node squares, under bias badges
        self.setAcceptedMouseButtons(Qt.MouseButton.NoButton)

    def boundingRect(self) -> QRectF:  # noqa: D102 - Qt override
        return self._bounds

    def shape(self) -> QPainterPath:  # noqa: D102 - never a hover or click target
        return QPainterPath()

    def show(self, slots: Sequence[int], index: np.ndarray) -> None:
        """Show ``index[k]`` (uint8 color indices, row 0 at the top) in node ``slots[k]``."""
        n, h, w = index.shape
        if self.pixels is None or self.pixels.shape[1:] != (h, w):
            self.pixels = np.zeros((len(self.nodes), h, w), np.uint32)
            self._image = QImage(self.pixels.data, w, h * len(self.nodes), w * 4,
                                 QImage.Format.Format_RGB32)
            self._set_visible(np.flatnonzero(self.visible).tolist(), False)
        if _consecutive(slots):  # a column's nodes: write in place
            np.take(self._lut, index, out=self.pixels[slots[0]:slots[0] + n])
        else:
            self.pixels[list(slots)] = self._lut[index]
        self._set_visible(list(slots), True)
        self.update()

    def hide(self) -> None:
        self._set_visible(np.flatnonzero(self.visible).tolist(), False)
        self.update()

    def _set_visible(self, slots: list[int], on: bool) -> None:
        changed = [k for k in slots if bool(self.visible[k]) != on]
        if not changed:
            return
        self.visible[changed] = on
        for k in changed:
            glyph = self.nodes[k].glyph
            if glyph is not None:
                glyph.setVisible(not on)
        self._shown = np.flatnonzero(self.visible).tolist()

    def picture(self, slot: int) -> QImage:
        assert self.pixels is not None
        _, h, w = self.pixels.shape
        return QImage(self.pixels[slot].data, w, h, w * 4, QImage.Format.Format_RGB32).copy()

    def paint(self, painter: QPainter, option, widget=None) -> None:  # noqa: D102
        image = self._image
        if image is None or not self._shown:
            return
        assert self.pixels is not None
        _, h, w = self.pixels.shape
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        targets = self._targets
        for k in self._shown:
            painter.drawImage(targets[k], image, QRectF(0, k * h, w, h))


def _consecutive(slots: Sequence[int]) -> bool:
    return len(slots) > 0 and slots[-1] - slots[0] == len(slots) - 1


class Caption(QGraphicsItem):
    """One or more lines of text anchored at a scene point that stay readable at any zoom.

    Scene text shrinks with the view; a caption scales itself up so that on screen it is
    never smaller than :data:`TEXT_MIN` of its nominal size, and each line picks the
    longest of its ``variants`` that fits ``max_px`` screen pixels (e.g. "Hidden 1", then
    "H1" in a narrow column). ``align``: "below" (block centered below the anchor),
    "left" (block right-aligned left of the anchor, vertically centered) or "center".
    """

    def __init__(self, lines: Sequence[tuple[Sequence[str], QFont, str]], anchor: QPointF,
                 align: str, tooltip: str = "") -> None:
        super().__init__()
        self.align = align
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemHasNoContents, True)
        self.setPos(anchor)
        self.setZValue(3)
        self.texts: list[QGraphicsSimpleTextItem] = []
        self._variants: list[list[str]] = []
        self._sizes: list[list[tuple[float, float]]] = []  # per line, per variant: (w, h)
        for variants, font, color in lines:
            item = QGraphicsSimpleTextItem(self)
            item.setFont(font)
            item.setBrush(QColor(color))
            if tooltip:
                item.setToolTip(tooltip)
            sizes = []
            for text in variants:
                item.setText(text)
                r = item.boundingRect()
                sizes.append((r.width(), r.height()))
            item.setText(variants[0])
            self.texts.append(item)
            self._variants.append(list(variants))
            self._sizes.append(sizes)
        self._choice: list[int] = [0] * len(self.texts)

    def can_shorten(self) -> bool:
        """True if a line has a shorter variant than its first."""
        return any(len(v) > 1 for v in self._variants)

    def boundingRect(self) -> QRectF:  # noqa: D102 - Qt override (children draw the text)
        return QRectF()

    def paint(self, painter, option, widget=None) -> None:  # noqa: D102 - nothing to paint
        pass

    def _choose(self, scale: float, max_px: float | None) -> tuple[float, list[int]]:
        k = max(1.0, TEXT_MIN / scale)
        choice = []
        for sizes in self._sizes:
            pick = len(sizes) - 1
            if max_px is not None:
                for index, (w, _) in enumerate(sizes):
                    if w * k * scale <= max_px:
                        pick = index
                        break
            else:
                pick = 0
            choice.append(pick)
        return k, choice

    def _local_rect(self, choice: list[int]) -> QRectF:
        w = max((self._sizes[i][c][0] for i, c in enumerate(choice)), default=0.0)
        h = sum(self._sizes[i][c][1] for i, c in enumerate(choice))
        if self.align == "below":
            return QRectF(-w / 2, 0.0, w, h)
        if self.align == "left":
            return QRectF(-w - CAPTION_GAP, -h / 2, w, h)
        return QRectF(-w / 2, -h / 2, w, h)

    def scene_rect(self, scale: float, max_px: float | None = None,
                   at: QPointF | None = None) -> QRectF:
        """Where the caption would be in the scene at view ``scale`` (anchored ``at``)."""
        k, choice = self._choose(scale, max_px)
        r = self._local_rect(choice)
        p = self.pos() if at is None else at
        return QRectF(p.x() + r.x() * k, p.y() + r.y() * k, r.width() * k, r.height() * k)

    def apply(self, scale: float, max_px: float | None = None) -> None:
        """Size and lay out the caption for view ``scale``."""
        k, choice = self._choose(scale, max_px)
        rect = self._local_rect(choice)
        y = rect.top()
        for item, variants, sizes, pick in zip(self.texts, self._variants, self._sizes,
                                               choice):
            if item.text() != variants[pick]:
                item.setText(variants[pick])
            w, h = sizes[pick]
            if self.align == "left":
                x = rect.right() - w
            else:
                x = -w / 2
            item.setPos(x, y)
            y += h
        self._choice = choice
        if self.scale() != k:
            self.setScale(k)


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
        self.setCacheMode(QGraphicsView.CacheModeFlag.CacheBackground)
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
        #: per column (0 = inputs): the units drawn and their nodes' picture slots, in order
        self._shown_units: list[np.ndarray] = []
        self._column_slots: list[list[int]] = []
        self._input_pictures: NodeImages | None = None
        self._neuron_pictures: NodeImages | None = None
        #: the style level each link, then each bias badge is drawn with (-1: none yet)
        self._drawn_levels = np.zeros(0, np.int64)
        self._headers: list[Caption] = []
        self._input_captions: list[Caption] = []
        self._ellipsis_captions: list[Caption] = []
        #: None: input labels in full; 0: shortened (see :meth:`fit`)
        self._input_max_px: float | None = None
        self._node_bounds = QRectF()
        self._column_pitch = COLUMN
        #: the last pictures shown (re-applied when the view's shape needs a new layout)
        self._neuron_images: Sequence[np.ndarray] | None = None
        self._input_images: np.ndarray | None = None
        self._relayout_timer = QTimer(self)
        self._relayout_timer.setSingleShot(True)
        self._relayout_timer.setInterval(150)
        self._relayout_timer.timeout.connect(self._relayout)
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
        self._links_next = 0.0
        self._hovered = None
        self.scene().clear()
        self.resetCachedContent()  # the old network's links are in the cached background
        self._link_layer = None
        self._hover_item = None
        self.links, self.biases, self.ellipses = [], [], []
        self.nodes = {}
        self._layer_links, self._layer_biases, self._visible = [], [], []
        self._shown_units, self._column_slots = [], []
        self._input_pictures = self._neuron_pictures = None
        self._drawn_levels = np.zeros(0, np.int64)
        self._headers, self._input_captions, self._ellipsis_captions = [], [], []
        self._node_bounds = QRectF()
        self._neuron_images = self._input_images = None
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
        self._column_pitch = x_of[1] - x_of[0] if len(x_of) > 1 else 2 * COLUMN
        self._add_headers(spec, x_of, -(tallest - 1) / 2.0 * ROW - NODE / 2)
        # input nodes and their labels
        label_font = QFont(self.font())
        for unit, p in positions[0].items():
            node = self._add_node(-1, unit, p)
            node.setBrush(QColor("#eef1f5"))
            name = self._input_labels[unit]
            variants = list(dict.fromkeys([self._elide(name, INPUT_LONG),
                                           self._elide(name, INPUT_SHORT)]))
            label = Caption([(variants, label_font, style.TEXT)],
                            QPointF(p.x() - NODE / 2 - 1, p.y()), "left",
                            name if len(variants) > 1 or len(name) > INPUT_LONG else "")
            scene.addItem(label)
            self._input_captions.append(label)
        # layers: nodes, links (drawn by one cached layer) and biases
        self._link_layer = LinkLayer(QRectF(), lambda level: self._pen(level, False))
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
                                    self._link_layer, len(self.links) + len(link_items))
                    link_items.append(link)
            self.links.extend(link_items)
            self._layer_links.append((
                link_items,
                np.array([lk.i for lk in link_items], dtype=np.intp),
                np.array([lk.unit for lk in link_items], dtype=np.intp),
            ))
        self._link_layer.links = list(self.links)
        self._drawn_levels = np.full(len(self.links) + len(self.biases), -1, np.int64)
        columns: list[list[NodeItem]] = []
        for c, vis in enumerate(self._visible):
            units = [u for u in vis if u is not None]
            self._shown_units.append(np.array(units, dtype=np.intp))
            columns.append([self.nodes[(c - 1, u)] for u in units])
        self._input_pictures = NodeImages(columns[0], self._lut)
        self._neuron_pictures = NodeImages([n for col in columns[1:] for n in col], self._lut)
        scene.addItem(self._input_pictures)
        scene.addItem(self._neuron_pictures)
        self._column_slots = [[n.slot for n in col] for col in columns]
        self._link_layer.set_bounds(self._link_layer.childrenBoundingRect())
        self._node_bounds = QRectF()
        for item in [*self.nodes.values(), *self.biases]:
            self._node_bounds = self._node_bounds.united(item.sceneBoundingRect())
        self._laid_out_for = self.viewport().size()
        self._auto_fit = True
        self.fit()
        if weights is not None:
            self.update_weights(weights)

    def _column_spacing(self, tallest: int, columns: int,
                        size: QSize | None = None) -> float:
        """Distance between layers: wide enough to fill the view's aspect ratio (what the
        labels leave of it), within limits (links stay readable, the network in one piece)."""
        if columns < 2:
            return COLUMN
        size = self.viewport().size() if size is None else size
        if size.width() > 80 and size.height() > 80:
            # minus the input labels and the headers
            aspect = (size.width() - self._label_room()) / (size.height() - 34)
        else:
            aspect = 700 / 450  # not laid out yet
        height = (tallest - 1) * ROW + NODE + BIAS
        return min(2.0 * COLUMN, max(MIN_COLUMN, (height * aspect - NODE) / (columns - 1)))

    def _label_room(self) -> float:
        """Pixels the input labels take left of the network (at least 40)."""
        metrics = QFontMetricsF(self.font())
        widest = max((metrics.horizontalAdvance(self._elide(name, INPUT_LONG))
                      for name in getattr(self, "_input_labels", [])), default=0.0)
        return max(40.0, widest + NODE / 2 + CAPTION_GAP + 8)

    def _add_node(self, layer: int, unit: int, p: QPointF) -> NodeItem:
        rect = QRectF(p.x() - NODE / 2, p.y() - NODE / 2, NODE, NODE)
        node = NodeItem(self, layer, unit, rect)
        node.setPen(QPen(QColor("#9aa0a6"), 1.0))
        self.scene().addItem(node)
        self.nodes[(layer, unit)] = node
        return node

    def _small_font(self) -> QFont:
        font = QFont(self.font())
        font.setPointSizeF(max(7.0, font.pointSizeF() - 1))
        return font

    def _add_ellipsis(self, x: float, y: float, hidden: int) -> None:
        caption = Caption([([f"⋮\n{hidden} more", f"⋮\n{hidden}"], self._small_font(),
                            style.MUTED)], QPointF(x, y), "center",
                          f"{hidden} more units are not drawn to keep the layer readable")
        self.scene().addItem(caption)
        self._ellipsis_captions.append(caption)
        self.ellipses.append(caption.texts[0])

    def _add_headers(self, spec: NetworkSpec, x_of: list[float], y: float) -> None:
        """A caption above every column: its name and what it holds, shortened in narrow
        columns (the tooltip always has the full text)."""
        bold = QFont(self.font())
        bold.setBold(True)
        small = self._small_font()
        n = len(spec.layers)
        features = f"{spec.inputs} feature{'s' if spec.inputs != 1 else ''}"
        heads = [(["Input", "In"], [features, str(spec.inputs)])]
        for li, layer in enumerate(spec.layers):
            extra = f" ×{layer.pieces}" if layer.activation == "maxout" else ""
            short = SHORT_ACTIVATION.get(layer.activation, layer.activation)
            title = layer_title(li, n)
            details = [f"{layer.units} · {layer.activation}{extra}"]
            if short != layer.activation:
                details.append(f"{layer.units} · {short}{extra}")
            details += [f"{layer.units}\n{short}{extra}", str(layer.units)]
            heads.append(([title, "Out" if li == n - 1 else f"H{li + 1}"], details))
        for x, (titles, details) in zip(x_of, heads):
            caption = Caption([(titles, bold, style.TEXT), (details, small, style.MUTED)],
                              QPointF(x, y), "below",
                              f"{titles[0]}: {details[0]}".replace("\n", " "))
            self.scene().addItem(caption)
            self._headers.append(caption)

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
        """Restyle and re-render the links with this update when due (the window then
        paints them in the same frame, not later while the worker trains): at most every
        :data:`LINKS_INTERVAL`, and less often when a render is slow (so that links take at
        most ~1/6 of the GUI's time). A timer draws the last styles if no update follows."""
        delay = self._links_next - time.perf_counter()
        if delay <= 0:
            self._links_timer.stop()
            self._render_links()
        elif not self._links_timer.isActive():
            self._links_timer.start(int(delay * 1000) + LINKS_LATE_MS)

    def _render_links(self) -> None:
        if not self._links_dirty or self._link_layer is None:
            return
        self._links_dirty = False
        started = time.perf_counter()
        if not self._restyle():
            self._links_next = started + LINKS_INTERVAL
            return
        self.invalidateScene(self._link_layer.boundingRect(),
                             QGraphicsScene.SceneLayer.BackgroundLayer)
        if self._hovered is not None:
            self._hover_link(self._hovered)
        cost = self._link_layer.last_cost
        self._links_next = time.perf_counter() + max(LINKS_INTERVAL, 5.0 * cost)

    def flush(self) -> None:
        """Apply pending link and bias styles now (tests, screenshots)."""
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
        fit the network drawn (e.g. a late snapshot from before a rebuild).

        The styles follow at most every :data:`LINKS_INTERVAL` (re-rendering the links is
        this view's most expensive paint; the worker sends weights up to 30 times a
        second); :meth:`flush` applies them now.
        """
        if not self._fits(weights):
            return False
        self._weights = [(np.asarray(W), np.asarray(b)) for W, b in weights]
        self._links_dirty = True
        self._schedule_links()
        return True

    def _restyle(self) -> bool:
        """Give every link and bias badge the style of the current weights (one vectorized
        pass; only items whose style level changed are touched). True if a link changed."""
        layer = self._link_layer
        if layer is None or self._weights is None or self.spec is None:
            return False
        shown = [self.shown_weights(li) for li in range(len(self.spec.layers))]
        parts = [W[rows, cols] for (W, _), (_, rows, cols) in zip(shown, self._layer_links)]
        parts += [b[units] for (_, b), (_, units) in zip(shown, self._layer_biases)]
        levels = _levels(np.concatenate(parts))
        n_links = len(self.links)
        changed = np.flatnonzero(levels != self._drawn_levels)
        self._drawn_levels = levels
        layer.levels = levels[:n_links]
        for k in changed[changed >= n_links].tolist():
            level = int(levels[k])
            bias = self.biases[k - n_links]
            bias.level = level
            bias.setBrush(self._brush(level))
        return bool(changed.size) and bool(changed[0] < n_links)

    def update_input_images(self, images: np.ndarray | None) -> None:
        """Optional: show each network input over the input plane, ``(inputs, r, r)`` (e.g.
        the standardized x1, x1², sin x1 on the grid of ``grids.grid_points``)."""
        if self.spec is None or self._input_pictures is None:
            return
        self._input_images = images
        if images is None or np.ndim(images) != 3 or len(images) != self.spec.inputs:
            self._input_pictures.hide()
            return
        stack = np.nan_to_num(np.asarray(images, dtype=np.float64)[self._shown_units[0]])
        peak = np.abs(stack).max(axis=(1, 2), keepdims=True)
        self._set_node_images(0, np.divide(stack, peak, out=np.zeros_like(stack),
                                           where=peak > 0))

    def _set_node_images(self, column: int, t: np.ndarray) -> None:
        """Show ``t[k]`` (values in [-1, 1], row 0 = lowest y) in the k-th node drawn in
        ``column`` (0 = inputs): one vectorized pass from values to pixels."""
        pictures = self._input_pictures if column == 0 else self._neuron_pictures
        slots = self._column_slots[column]
        if pictures is None or not slots:
            return
        t = np.nan_to_num(np.asarray(t, dtype=np.float64), nan=0.0, posinf=1.0, neginf=-1.0)
        np.clip(t, -1.0, 1.0, out=t)
        t += 1.0
        t *= 127.5
        index = np.rint(t, out=t).astype(np.uint8)
        pictures.show(slots, index[:, ::-1, :])  # row 0 at the top

    def update_neuron_images(self, images: Sequence[np.ndarray] | None) -> None:
        """Show each neuron's output over the input plane: per layer ``(units, r, r)``
        (row 0 = the lowest y). ``None`` removes the images (non-2-D data)."""
        if self.spec is None or self._neuron_pictures is None:
            return
        self._neuron_images = images
        if images is None or len(images) != len(self.spec.layers):
            self._neuron_pictures.hide()
            return
        for li, (layer_spec, stack) in enumerate(zip(self.spec.layers, images)):
            stack = np.asarray(stack)
            if stack.ndim != 3 or stack.shape[0] != layer_spec.units:
                continue
            units = self._shown_units[li + 1]
            shown = np.array(stack[units] if len(units) < len(stack) else stack,
                             dtype=np.float64)
            activation = layer_spec.activation
            if activation in ("sigmoid", "step", "softmax"):
                t = np.multiply(shown, 2.0, out=shown)
                t -= 1.0
            elif activation == "tanh":
                t = shown
            else:
                np.nan_to_num(shown, copy=False, nan=0.0, posinf=1e300, neginf=-1e300)
                peak = float(np.abs(shown).max()) if shown.size else 0.0
                t = shown / peak if peak > 0 else np.zeros_like(shown)
            self._set_node_images(li + 1, t)

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
        if node.has_image():
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

    def drawBackground(self, painter: QPainter, rect: QRectF) -> None:  # noqa: N802
        super().drawBackground(painter, rect)
        if self._link_layer is not None:
            self._link_layer.render(painter)

    # --- zoom and fit ---------------------------------------------------------------------------
    def _header_anchors(self, scale: float) -> list[QPointF]:
        """Where the column headers start at ``scale``: in one row, just above the nodes."""
        pitch = self._column_pitch * scale - HEADER_GAP
        height = max((c.scene_rect(scale, pitch, QPointF()).height() for c in self._headers),
                     default=0.0)
        top = self._node_bounds.top() - height - CAPTION_GAP / scale
        return [QPointF(c.pos().x(), top) for c in self._headers]

    def _content_rect(self, scale: float) -> QRectF:
        """Nodes and captions in the scene when the view shows them at ``scale``."""
        rect = QRectF(self._node_bounds)
        pitch = self._column_pitch * scale - HEADER_GAP
        for caption, at in zip(self._headers, self._header_anchors(scale)):
            rect = rect.united(caption.scene_rect(scale, pitch, at))
        for caption in self._input_captions:
            rect = rect.united(caption.scene_rect(scale, self._input_max_px))
        for caption in self._ellipsis_captions:
            rect = rect.united(caption.scene_rect(scale, pitch))
        return rect

    def _apply_captions(self, scale: float) -> None:
        """Size the captions for ``scale`` and make the scene rect hold everything."""
        pitch = self._column_pitch * scale - HEADER_GAP
        for caption, at in zip(self._headers, self._header_anchors(scale)):
            caption.setPos(at)
        for caption in self._headers + self._ellipsis_captions:
            caption.apply(scale, pitch)
        for caption in self._input_captions:
            caption.apply(scale, self._input_max_px)
        pad = FIT_PAD / scale
        self.scene().setSceneRect(self._content_rect(scale).adjusted(-pad, -pad, pad, pad))

    def _fit_scale(self) -> float:
        """The largest scale (at most :data:`MAX_FIT_SCALE`) that shows the whole network
        with its captions (which keep a readable size on screen) in the viewport."""
        width = self.viewport().width() - 2 * FIT_PAD
        height = self.viewport().height() - 2 * FIT_PAD

        def fits(scale: float) -> bool:
            rect = self._content_rect(scale)
            return rect.width() * scale <= width and rect.height() * scale <= height

        if fits(MAX_FIT_SCALE):
            return MAX_FIT_SCALE
        low, high = 0.01, MAX_FIT_SCALE
        for _ in range(24):
            mid = (low + high) / 2
            if fits(mid):
                low = mid
            else:
                high = mid
        return low

    def fit(self) -> None:
        """Fit the whole network into the view (never magnifying more than 1.4×)."""
        if self.spec is None:
            rect = self.sceneRect()
            if not rect.isEmpty():
                self.fitInView(rect, Qt.AspectRatioMode.KeepAspectRatio)
            return
        # full input labels unless shortening them lets the network grow noticeably
        self._input_max_px = None
        scale = self._fit_scale()
        if any(c.can_shorten() for c in self._input_captions):
            self._input_max_px = 0.0  # every label takes its shortest variant
            short_scale = self._fit_scale()
            if scale >= INPUT_SHRINK * short_scale:
                self._input_max_px = None
            else:
                scale = short_scale
        self._apply_captions(scale)
        self.setTransform(QTransform.fromScale(scale, scale))
        self.centerOn(self.sceneRect().center())

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt override
        super().resizeEvent(event)
        if self._auto_fit:
            self.fit()
            if self._needs_relayout():
                self._relayout_timer.start()

    def _needs_relayout(self) -> bool:
        """True if the columns' spacing no longer suits the view's shape (rebuild)."""
        if self.spec is None or len(self.spec.sizes) < 2:
            return False
        size = self.viewport().size()
        if size.width() <= 80 or size.height() <= 80:
            return False
        tallest = max(len(v) for v in self._visible)
        best = self._column_spacing(tallest, len(self.spec.sizes), size)
        return abs(best - self._column_pitch) > 0.12 * self._column_pitch

    def _relayout(self) -> None:
        """Rebuild the scene for the view's new shape, keeping weights and pictures."""
        if not self._auto_fit or not self._needs_relayout():
            return
        assert self.spec is not None
        neuron_images, input_images = self._neuron_images, self._input_images
        self.set_network(self.spec, self._weights)
        if input_images is not None:
            self.update_input_images(input_images)
        if neuron_images is not None:
            self.update_neuron_images(neuron_images)

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
            if self.spec is not None:
                self._apply_captions(scale)
        event.accept()
