"""Shared pieces of the live plots: a bounded history buffer, colours, plot styling.

The history keeps at most ``capacity`` samples per series: when full, neighbouring samples
are averaged in pairs (the history is decimated by 2) and later samples are pooled in groups
of the same size, so the whole run stays on screen at a uniform density however long it is.
"""

from __future__ import annotations

import math
import time
import types
from collections.abc import Sequence
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets

from nnstudio.gui import qtfix, style

qtfix.install()  # PySide6 6.12 on Python < 3.12 (see qtfix); a no-op elsewhere

TEXT_COLOR = style.TEXT
MUTED_TEXT = style.MUTED
AXIS_COLOR = "#8a9099"
PAPER = "w"
GRID_ALPHA = 0.15
TRAIN_COLOR = style.TRAIN_COLOR
TEST_COLOR = style.TEST_COLOR
BATCH_COLOR = style.BATCH_COLOR

#: 2 500 to 5 000 stored samples: 8 or more per pixel of a plot up to ~600 px wide (the
#: curves are drawn min/max-downsampled to the pixel), and every redraw stays cheap
DEFAULT_CAPACITY = 5_000


class BoundedHistory:
    """Samples ``(x, y[columns])`` appended in blocks; memory and draw cost stay bounded."""

    def __init__(self, columns: int = 1, capacity: int = DEFAULT_CAPACITY) -> None:
        if capacity < 4:
            raise ValueError("history capacity must be at least 4")
        self.columns = int(columns)
        self.capacity = int(capacity)
        self._x = np.empty(self.capacity)
        self._y = np.empty((self.capacity, self.columns))
        self.n = 0
        self.stride = 1  # raw samples per stored sample
        self._pending_x = np.empty(0)
        self._pending_y = np.empty((0, self.columns))

    def clear(self) -> None:
        self.n = 0
        self.stride = 1
        self._pending_x = np.empty(0)
        self._pending_y = np.empty((0, self.columns))

    @property
    def x(self) -> np.ndarray:
        return self._x[:self.n]

    @property
    def y(self) -> np.ndarray:
        return self._y[:self.n]

    def column(self, j: int) -> np.ndarray:
        return self._y[:self.n, j]

    def last(self) -> np.ndarray | None:
        """The most recent stored row (``None`` while empty)."""
        return self._y[self.n - 1] if self.n else None

    def replace_last(self, y: Any) -> bool:
        """Overwrite the newest stored row (a new reading of the same moment); False when
        that row is a pooled mean of several samples and cannot be replaced."""
        if self.n == 0 or self.stride != 1:
            return False
        self._y[self.n - 1] = np.asarray(y, dtype=np.float64).reshape(self.columns)
        return True

    def _pool(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        s = self.stride
        if s == 1:
            return x, y
        if len(self._pending_x):
            x = np.concatenate([self._pending_x, x])
            y = np.concatenate([self._pending_y, y])
        m = len(x) // s * s
        self._pending_x, self._pending_y = x[m:].copy(), y[m:].copy()
        with np.errstate(invalid="ignore"):
            return (x[:m].reshape(-1, s).mean(axis=1),
                    y[:m].reshape(-1, s, self.columns).mean(axis=1))

    def extend(self, x: Any, y: Any) -> None:
        """Append ``k`` samples: ``x`` shape ``(k,)``, ``y`` shape ``(k, columns)`` or ``(k,)``."""
        x = np.asarray(x, dtype=np.float64).reshape(-1)
        if x.size == 0:
            return
        y = np.asarray(y, dtype=np.float64).reshape(x.size, self.columns)
        x, y = self._pool(x, y)
        k = len(x)
        if k == 0:
            return
        n = self.n
        if n + k <= self.capacity:
            self._x[n:n + k] = x
            self._y[n:n + k] = y
            self.n = n + k
            return
        all_x = np.concatenate([self._x[:n], x])
        all_y = np.concatenate([self._y[:n], y])
        with np.errstate(invalid="ignore"):
            while len(all_x) > self.capacity:
                m = len(all_x) // 2 * 2
                all_x = np.concatenate([0.5 * (all_x[0:m:2] + all_x[1:m:2]), all_x[m:]])
                all_y = np.concatenate([0.5 * (all_y[0:m:2] + all_y[1:m:2]), all_y[m:]])
                self.stride *= 2
        self.n = len(all_x)
        self._x[:self.n] = all_x
        self._y[:self.n] = all_y


#: while training, texts that change with every snapshot (numbers in headers, bar labels)
#: are redrawn at most this often: laying out and painting text is one of the most
#: expensive parts of a frame, and numbers changing 10 times a second cannot be read anyway
TEXT_INTERVAL = 0.25


class Throttle(QtCore.QObject):
    """Applies the latest of a stream of updates at most every ``interval`` seconds while
    ``live``; otherwise (paused, stepping, tests) at once. A deferred update is applied by a
    timer when the interval has passed, so the last value always shows."""

    def __init__(self, parent: QtCore.QObject | None = None,
                 interval: float = TEXT_INTERVAL) -> None:
        super().__init__(parent)
        self.interval = float(interval)
        self._pending: Any = None
        self._last = -math.inf
        self._timer = QtCore.QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.flush)

    def __call__(self, update: Any, live: bool = True) -> None:
        now = time.monotonic()
        if not live or now - self._last >= self.interval:
            self._timer.stop()
            self._pending = None
            self._last = now
            update()
            return
        self._pending = update
        if not self._timer.isActive():
            wait = self.interval - (now - self._last)
            self._timer.start(max(1, int(1000 * wait)))

    @property
    def pending(self) -> bool:
        return self._pending is not None

    def flush(self) -> None:
        """Apply a deferred update now."""
        self._timer.stop()
        update, self._pending = self._pending, None
        if update is not None:
            self._last = time.monotonic()
            update()

    def cancel(self) -> None:
        self._timer.stop()
        self._pending = None
        self._last = -math.inf


HINT_TEXT = "Press Play (Space) to train"


class PlotHint(QtCore.QObject):
    """A short hint over an empty plot ("Press Play (Space) to train"): a label floating on
    the plot's view (not part of its scene, so exported images never show it), shown by
    ``show()`` (e.g. on reset) and hidden by ``hide()`` (when data arrives).

    Given ``area`` (an item of the view's scene, e.g. a plot's ViewBox) the hint is centred
    in that item, inside the axes, so it never covers their ticks and titles; else centred
    in the whole view (or near its bottom with ``bottom``)."""

    def __init__(self, view: QtWidgets.QWidget, text: str = HINT_TEXT,
                 bottom: bool = False, area: QtWidgets.QGraphicsWidget | None = None) -> None:
        super().__init__(view)
        self._view = view
        self._bottom = bottom
        self._area = area
        self.label = QtWidgets.QLabel(text, view)
        self.label.setObjectName("plotHint")
        self.label.setAttribute(QtCore.Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.label.setAlignment(QtCore.Qt.AlignmentFlag.AlignCenter)
        self.label.setWordWrap(True)
        self.set_dark(False)
        view.installEventFilter(self)
        if area is not None:
            # the area moves and resizes with the layout, after the view's own resize
            area.geometryChanged.connect(self._place_if_shown)
            parent = area.parentItem()
            if isinstance(parent, QtWidgets.QGraphicsWidget):
                parent.geometryChanged.connect(self._place_if_shown)
        self._place()

    def set_dark(self, dark: bool) -> None:
        fg, bg = ("#c9cdd3", "rgba(40, 42, 46, 225)") if dark else \
            (MUTED_TEXT, "rgba(255, 255, 255, 225)")
        self.label.setStyleSheet(
            f"QLabel#plotHint {{ color: {fg}; background: {bg}; border: 1px solid "
            f"rgba(128, 134, 140, 90); border-radius: 4px; padding: 3px 8px; "
            f"font-size: 8.5pt; }}")

    def show(self) -> None:
        self.label.show()
        self.label.raise_()
        self._place()

    def hide(self) -> None:
        self.label.hide()

    def isVisible(self) -> bool:  # noqa: N802 (reads like Qt's)
        return self.label.isVisibleTo(self._view)

    def eventFilter(self, obj: QtCore.QObject, event: QtCore.QEvent) -> bool:  # noqa: N802
        if obj is self._view and event.type() == QtCore.QEvent.Type.Resize:
            self._place()
        return False

    def _place_if_shown(self, *_: Any) -> None:
        if not self.label.isHidden():
            self._place()

    def _room(self) -> QtCore.QRect:
        """Where the hint goes, in the view's coordinates."""
        rect = self._view.rect()
        area = self._area
        if area is None or area.scene() is None or not isinstance(
                self._view, QtWidgets.QGraphicsView):
            return rect
        mapped = self._view.mapFromScene(area.sceneBoundingRect()).boundingRect()
        inside = mapped.intersected(rect)
        return inside if inside.width() >= 40 and inside.height() >= 16 else rect

    def _place(self) -> None:
        rect = self._room()
        text = self.label.fontMetrics().horizontalAdvance(self.label.text()) + 24
        self.label.setFixedWidth(max(min(rect.width() - 12, text), 10))
        height = self.label.heightForWidth(self.label.width())
        height = height if height > 0 else self.label.sizeHint().height()
        self.label.setFixedHeight(height)
        x = rect.left() + (rect.width() - self.label.width()) // 2
        y = rect.top() + ((rect.height() - height - 10) if self._bottom
                          else (rect.height() - height) // 2)
        self.label.move(max(x, 0), max(y, 0))


def color(c: Any, alpha: int | None = None) -> QtGui.QColor:
    q = pg.mkColor(c)
    if alpha is not None:
        q.setAlpha(alpha)
    return q


def depth_colors(n: int) -> list[QtGui.QColor]:
    """The depth colour of each of ``n`` layers (style.depth_color: dark violet for the first
    hidden layer, warm yellow for the output layer)."""
    return [style.depth_color(i, n) for i in range(n)]


def layer_label(name: str, activation: str | None) -> str:
    return f"{name} ({activation})" if activation else name


def style_plot(plot: pg.PlotItem, *, left: str | None = None, bottom: str | None = None,
               grid: bool = True, font_pt: float = 8.0) -> None:
    """Readable axes on a white background: grey axes, dark labels, small tick font."""
    font = QtGui.QFont()
    font.setPointSizeF(font_pt)
    for name in ("left", "bottom", "right", "top"):
        axis = plot.getAxis(name)
        axis.setPen(pg.mkPen(AXIS_COLOR))
        axis.setTextPen(pg.mkPen(TEXT_COLOR))
        axis.setStyle(tickFont=font, tickTextOffset=3)
        axis.enableAutoSIPrefix(False)
        cache_axis(axis)
    label_style = {"color": TEXT_COLOR, "font-size": f"{font_pt + 0.5:g}pt"}
    if left is not None:
        plot.setLabel("left", left, **label_style)
    if bottom is not None:
        plot.setLabel("bottom", bottom, **label_style)
    if grid:
        plot.showGrid(x=True, y=True, alpha=GRID_ALPHA)
    plot.setMenuEnabled(False)
    plot.hideButtons()


# --- the frame every live plot shares: a header row, a graphics view, maybe a caption ----------

#: role of a QLabel in a plot's frame: its colour follows the plots' theme (set_plots_dark)
TEXT_ROLE = "nnstudio_plot_text"


def title_label(text: str, tooltip: str = "") -> QtWidgets.QLabel:
    """A plot's bold title."""
    label = QtWidgets.QLabel(text)
    set_label_font(label, 9.5, bold=True, color_=TEXT_COLOR)
    label.setProperty(TEXT_ROLE, "text")
    if tooltip:
        label.setToolTip(tooltip)
    return label


def info_label(pt: float = 8.5, rich: bool = False, muted: bool = False,
               text: str = "") -> QtWidgets.QLabel:
    """A label beside the title that takes the remaining width and is clipped, never
    widening the plot (status numbers, readouts)."""
    label = QtWidgets.QLabel(text)
    set_label_font(label, pt, color_=MUTED_TEXT if muted else TEXT_COLOR)
    label.setProperty(TEXT_ROLE, "muted" if muted else "text")
    if rich:
        label.setTextFormat(QtCore.Qt.TextFormat.RichText)
    label.setMinimumWidth(10)
    label.setSizePolicy(QtWidgets.QSizePolicy.Policy.Ignored,
                        QtWidgets.QSizePolicy.Policy.Preferred)
    return label


class FitLabel(QtWidgets.QLabel):
    """A header label that never cuts a word in half: it shows the first of several
    alternative wordings (longest first, rich text allowed) that fits its width, else the
    last one elided with "…"; whenever it shows less than the first, that is its tooltip.

    The widths are measured once per text (cached), so re-showing a text costs nothing."""

    def __init__(self, pt: float = 8.5, rich: bool = False, muted: bool = False,
                 align_right: bool = False) -> None:
        super().__init__()
        self._texts: tuple[str, ...] = ("",)
        self._widths: dict[str, float] = {}
        self._base_tooltip = ""
        self._shown: str | None = None
        self._rich = rich
        set_label_font(self, pt, color_=MUTED_TEXT if muted else TEXT_COLOR)
        self.setProperty(TEXT_ROLE, "muted" if muted else "text")
        self.setTextFormat(QtCore.Qt.TextFormat.RichText if rich
                           else QtCore.Qt.TextFormat.PlainText)
        self.setMinimumWidth(10)
        self.setSizePolicy(QtWidgets.QSizePolicy.Policy.Ignored,
                           QtWidgets.QSizePolicy.Policy.Preferred)
        if align_right:
            self.setAlignment(QtCore.Qt.AlignmentFlag.AlignRight
                              | QtCore.Qt.AlignmentFlag.AlignVCenter)

    @property
    def full_text(self) -> str:
        """The complete (first) wording, whatever fits."""
        return self._texts[0]

    def text(self) -> str:
        """The complete wording (as set), whatever shows: see :attr:`shown_text`."""
        return self._texts[0]

    @property
    def shown_text(self) -> str:
        """What the label shows now (a shorter wording or an elided one when narrow)."""
        return super().text()

    def set_base_tooltip(self, text: str) -> None:
        """The tooltip while the complete wording shows."""
        self._base_tooltip = text
        self._shown = None
        self._fit()

    def set_texts(self, *texts: str) -> None:
        """Alternative wordings, the complete one first, shorter ones after it."""
        texts = tuple(texts) or ("",)
        if texts == self._texts:
            return
        self._texts = texts
        if len(self._widths) > 256:
            self._widths.clear()
        self._fit()

    def setText(self, text: str) -> None:  # noqa: N802 (Qt API)
        self.set_texts(text)

    def resizeEvent(self, event: Any) -> None:  # noqa: N802 (Qt API)
        super().resizeEvent(event)
        self._fit()

    def changeEvent(self, event: QtCore.QEvent) -> None:  # noqa: N802 (Qt API)
        super().changeEvent(event)
        if event.type() == QtCore.QEvent.Type.FontChange:
            self._widths.clear()
            self._shown = None
            self._fit()

    def _width(self, text: str) -> float:
        width = self._widths.get(text)
        if width is None:
            if self._rich:
                doc = QtGui.QTextDocument()
                doc.setDefaultFont(self.font())
                doc.setDocumentMargin(0)
                doc.setHtml(text)
                width = doc.idealWidth()
            else:
                width = self.fontMetrics().horizontalAdvance(text)
            self._widths[text] = width
        return width

    def _plain(self, text: str) -> str:
        if not self._rich:
            return text
        doc = QtGui.QTextDocument()
        doc.setHtml(text)
        return doc.toPlainText()

    def _fit(self) -> None:
        room = self.contentsRect().width() - 2
        texts = self._texts
        shown = next((t for t in texts if self._width(t) <= room), None)
        if shown is None:
            last = self._plain(texts[-1])
            shown = self.fontMetrics().elidedText(
                last, QtCore.Qt.TextElideMode.ElideRight, max(room, 0))
            if shown == "…" or not shown.strip("…"):
                shown = ""
            if self._rich:
                shown = shown.replace("&", "&amp;").replace("<", "&lt;")
        if shown == self._shown:
            return
        self._shown = shown
        super().setText(shown)
        complete = shown == texts[0]
        self.setToolTip(self._base_tooltip if complete or not texts[0]
                        else self._plain(texts[0]))


def caption_label(text: str) -> QtWidgets.QLabel:
    """A muted, word-wrapped explanation under a plot."""
    label = QtWidgets.QLabel(text)
    label.setWordWrap(True)
    set_label_font(label, 8.0, color_=MUTED_TEXT)
    label.setProperty(TEXT_ROLE, "muted")
    label.setContentsMargins(6, 0, 6, 2)
    return label


def header_row(title: QtWidgets.QLabel, info: QtWidgets.QWidget | None = None,
               *extras: QtWidgets.QWidget, gap: int = 8) -> QtWidgets.QHBoxLayout:
    """title · gap · info (stretching) · extras (check boxes ...)."""
    header = QtWidgets.QHBoxLayout()
    header.setContentsMargins(6, 2, 6, 0)
    header.addWidget(title)
    header.addSpacing(gap)
    if info is not None:
        header.addWidget(info, 1)
    else:
        header.addStretch(1)
    for widget in extras:
        header.addWidget(widget)
    return header


def graphics_view(margins: tuple[int, int, int, int] = (2, 0, 8, 2),
                  spacing: int = 0) -> pg.GraphicsLayoutWidget:
    """The white drawing area of a plot."""
    view = pg.GraphicsLayoutWidget()
    view.setBackground(PAPER)
    view.ci.setContentsMargins(*margins)
    view.ci.setSpacing(spacing)
    return view


def add_legend(view: pg.GraphicsLayoutWidget, columns: int,
               hor_spacing: int = 6) -> pg.LegendItem:
    """A one-line legend in the top row of ``view``, left-aligned, never widening it."""
    legend = pg.LegendItem(colCount=columns, labelTextSize="8pt", labelTextColor=TEXT_COLOR,
                           pen=None, brush=None, verSpacing=-8, horSpacing=hor_spacing)
    legend.setMinimumWidth(10)
    legend.setMaximumHeight(24)
    legend.setSizePolicy(QtWidgets.QSizePolicy.Policy.Maximum,
                         QtWidgets.QSizePolicy.Policy.Fixed)
    view.addItem(legend, row=0, col=0)
    view.ci.layout.setAlignment(legend, QtCore.Qt.AlignmentFlag.AlignLeft)
    return legend


def stack(widget: QtWidgets.QWidget, header: QtWidgets.QLayout,
          view: QtWidgets.QWidget, caption: QtWidgets.QWidget | None = None,
          spacing: int = 0) -> QtWidgets.QVBoxLayout:
    """header over view (stretching) over an optional caption, edge to edge."""
    layout = QtWidgets.QVBoxLayout(widget)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.setSpacing(spacing)
    layout.addLayout(header)
    layout.addWidget(view, 1)
    if caption is not None:
        layout.addWidget(caption)
    return layout


def refit_layout(view: pg.GraphicsLayoutWidget) -> None:
    """Give the layout back the whole view after items were added or removed while it was
    shown (pyqtgraph's addItem activates the layout, which shrinks a top-level layout to
    its minimum width until the next resize)."""
    view.ci.setGeometry(view.range)


def cache_axis(axis: pg.AxisItem) -> None:
    """Keep the axis as a pixmap between changes: replaying its text every frame is the most
    expensive part of a redraw (an axis whose range or ticks change is re-rendered)."""
    axis.setCacheMode(QtWidgets.QGraphicsItem.CacheMode.DeviceCoordinateCache)


def make_curve(plot: pg.PlotItem, pen: Any, name: str | None = None, method: str = "peak",
               **kwargs: Any) -> pg.PlotDataItem:
    """A curve set up for long live histories: clipped to the view and downsampled to about
    the pixel width (``method`` "peak" keeps spikes, "mean" smooths noisy series)."""
    curve = pg.PlotDataItem(pen=pen, name=name, connect="finite", **kwargs)
    plot.addItem(curve)  # PlotItem.addItem imposes the plot's own modes: set ours after it
    curve.setClipToView(True)
    # samples per pixel after downsampling ("peak" draws a min and a max per bin, so 0.5 is
    # ~1 vertex per pixel): painting an antialiased path costs per vertex, and more vertices
    # than pixels only cost time (measured: 5 600 vertices on 300 px took 5 ms a curve)
    curve.opts["autoDownsampleFactor"] = 1.0 if method == "mean" else 0.5
    curve.setDownsampling(auto=True, method=method)
    use_fast_thick_pen(curve)
    return curve


def _strike_offsets(width: float) -> tuple[tuple[float, float], ...]:
    """Where to strike a 1 px line so that the strikes together cover a ``width`` px one:
    four sub-pixel shifts along the axes (and the centre line too for wider pens)."""
    r = 0.5 * (width - 1.0)
    ring = ((-r, 0.0), (r, 0.0), (0.0, -r), (0.0, r))
    return ring if width <= 2.0 else ((0.0, 0.0), *ring)


def _fast_thick_applies(item: pg.PlotCurveItem, painter: QtGui.QPainter) -> bool:
    """The fast path draws what the normal one would: an opaque, solid, cosmetic pen wider
    than 1 px, antialiased, no fill or shadow, on screen (raster) and not while exporting
    (pyqtgraph sets ``_exportOpts`` then; SVG output keeps its true pen width)."""
    opts = item.opts
    pen = opts["pen"]
    return (item._exportOpts is False
            and opts["antialias"]
            and 1.0 < pen.widthF() <= 4.0
            and pen.isCosmetic()
            and pen.style() == QtCore.Qt.PenStyle.SolidLine
            and pen.brush().style() == QtCore.Qt.BrushStyle.SolidPattern
            and pen.color().alpha() == 255
            and opts["fillLevel"] is None
            and opts["shadowPen"] is None
            and opts["compositionMode"] is None
            and painter.paintEngine() is not None
            and painter.paintEngine().type() == QtGui.QPaintEngine.Type.Raster)


def _fast_thick_paint(item: pg.PlotCurveItem, painter: QtGui.QPainter, option: Any,
                      widget: Any) -> None:
    """Paint a wide antialiased curve as a 1 px antialiased line struck 4-5 times with
    sub-pixel offsets. It looks like the wide line, but Qt's raster engine draws 1 px
    cosmetic pens on a fast path: ~8× cheaper than one antialiased 2 px stroke (measured:
    600-vertex path, 1.0 ms against 0.13 ms)."""
    if not _fast_thick_applies(item, painter):
        pg.PlotCurveItem.paint(item, painter, option, widget)
        return
    if item.xData is None or len(item.xData) == 0:
        return
    pen = item.opts["pen"]
    key = (pen.color().rgba(), pen.widthF())
    cached = getattr(item, "_thin_pen", None)
    if cached is None or cached[0] != key:
        thin = QtGui.QPen(pen)
        thin.setWidthF(1.0)
        cached = item._thin_pen = (key, thin)
    path = item.getPath()
    painter.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing, True)
    painter.setPen(cached[1])
    base = painter.transform()
    try:
        for dx, dy in _strike_offsets(pen.widthF()):
            painter.setTransform(base * QtGui.QTransform.fromTranslate(dx, dy))
            painter.drawPath(path)
    finally:
        painter.setTransform(base)


def use_fast_thick_pen(item: pg.PlotDataItem | pg.PlotCurveItem) -> None:
    """Draw the curve of ``item`` with :func:`_fast_thick_paint` on screen. Pens that do not
    qualify (thin, translucent, dashed ...) and exports use pyqtgraph's own painting."""
    curve = item.curve if isinstance(item, pg.PlotDataItem) else item
    curve.paint = types.MethodType(_fast_thick_paint, curve)


def set_label_font(label: Any, pt: float, bold: bool = False, color_: str = MUTED_TEXT) -> None:
    """Style a QLabel."""
    font = label.font()
    font.setPointSizeF(pt)
    font.setBold(bold)
    label.setFont(font)
    label.setStyleSheet(f"color: {color_};")


def positive_or_nan(values: np.ndarray) -> np.ndarray:
    """Values for a log axis: zeros and negatives become gaps (NaN) instead of -inf."""
    values = np.asarray(values, dtype=np.float64)
    return np.where(values > 0, values, np.nan)


def format_sci(value: float) -> str:
    """A short number for labels: 3.2e-06 -> '3.2e-6', 0.012 -> '0.012'."""
    if value is None or not math.isfinite(value):
        return "–"
    if value == 0:
        return "0"
    if 1e-3 <= abs(value) < 1e4:
        return f"{value:.3g}"
    mantissa, exponent = f"{value:.1e}".split("e")
    return f"{mantissa}e{int(exponent)}"


def bin_means(x: np.ndarray, y: np.ndarray, most: int) -> tuple[np.ndarray, np.ndarray]:
    """At most ``most`` points: neighbouring samples averaged (arithmetic mean, before any
    log scale) in equal bins counted from the first sample, so a bin keeps its value from
    frame to frame; the last, partial bin is averaged too, so the newest samples show.
    ``y`` has one row per sample (any number of columns)."""
    n = len(x)
    size = -(-n // max(most, 2))
    if size <= 1:
        return x, y
    m = n // size * size
    with np.errstate(invalid="ignore", over="ignore"):
        xs = x[:m].reshape(-1, size).mean(axis=1)
        ys = y[:m].reshape(-1, size, y.shape[1]).mean(axis=1)
        if m < n:
            xs = np.append(xs, x[m:].mean())
            ys = np.vstack([ys, y[m:].mean(axis=0)])
    return xs, ys


def epoch_rows(rows: list[dict] | None, keys: tuple[str, ...]) -> np.ndarray:
    """Per-epoch dict rows as a float table ``(len(rows), len(keys))`` (missing -> NaN)."""
    if not rows:
        return np.empty((0, len(keys)))
    nan = math.nan
    try:  # fast path: one conversion per column (None becomes NaN)
        return np.column_stack([np.asarray([row.get(k) for row in rows], dtype=np.float64)
                                for k in keys]) if keys else np.empty((len(rows), 0))
    except (TypeError, ValueError):
        table = [[_num(row.get(k, nan)) for k in keys] for row in rows]
        return np.asarray(table, dtype=np.float64)


def _num(v: Any) -> float:
    try:
        return nan_if_none(v)
    except (TypeError, ValueError):
        return math.nan


def nan_if_none(v: Any) -> float:
    return math.nan if v is None else float(v)


_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def power_of_ten(exponent: int) -> str:
    """10 to an integer power, typeset: -6 -> '10⁻⁶'."""
    return "10" + str(int(exponent)).translate(_SUPERSCRIPT)


class DecadeAxis(pg.AxisItem):
    """An axis over log10 values: ticks at whole decades, labelled 10⁻⁶, 10⁻⁵, ...
    (for items such as bars that pyqtgraph's log mode does not transform)."""

    def tickValues(self, minVal: float, maxVal: float, size: float) -> list:
        lo, hi = math.ceil(minVal - 1e-9), math.floor(maxVal + 1e-9)
        if hi < lo:
            return []
        fits = max(1, int(size // 38))  # a label like 10⁻¹² needs ~38 px
        step = next((s for s in (1, 2, 3, 4, 5, 10, 20) if (hi - lo) // s + 1 <= fits), 50)
        self._label_step = step
        every = [float(v) for v in range(lo, hi + 1)]
        if step == 1:
            return [(1.0, every)]
        # the unlabelled decades between as a minor level (a value in both levels would
        # be labelled twice)
        return [(float(step), [v for v in every if v % step == 0]),
                (1.0, [v for v in every if v % step != 0])]

    def tickStrings(self, values: list[float], scale: float, spacing: float) -> list[str]:
        step = getattr(self, "_label_step", 1)
        return [power_of_ten(round(v)) if round(v) % step == 0 else "" for v in values]


class StepAxis(pg.AxisItem):
    """A step (count) axis whose labels never run together: ticks at a 1-2-5 spacing wide
    enough for the longest label plus a gap, whole numbers only (no 0.2 steps), and no
    unlabelled tick levels between them."""

    GAP = 14  # px between neighbouring labels

    def tickSpacing(self, minVal: float, maxVal: float, size: float) -> list:  # noqa: N802
        span = maxVal - minVal
        if not (span > 0 and size > 0 and math.isfinite(span)):
            return []
        longest = max(abs(minVal), abs(maxVal), 1.0)
        sample = f"{longest:.0f}" if longest < 1e6 else f"{longest:.1e}"
        font = self.style.get("tickFont") or self.font()
        label = QtGui.QFontMetrics(font).horizontalAdvance(sample) + self.GAP
        if self.orientation in ("left", "right"):
            label = QtGui.QFontMetrics(font).height() + self.GAP
        spacing = max(span * label / size, 1.0)  # neighbouring labels a label apart
        scale = 10.0 ** math.floor(math.log10(spacing))
        nice = next((m * scale for m in (1.0, 2.0, 5.0, 10.0) if m * scale >= spacing),
                    10.0 * scale)
        return [(nice, 0.0)]

    def tickStrings(self, values: list[float], scale: float, spacing: float) -> list[str]:  # noqa: N802
        return [f"{v * scale:.0f}" if abs(v * scale) < 1e6 else format_sci(v * scale)
                for v in values]


class LogAxis(pg.AxisItem):
    """pyqtgraph's log-mode axis, with every decade typeset the same way (10⁻⁶, not 1e-06
    next to 0.01)."""

    def logTickStrings(self, values: list[float], scale: float, spacing: float) -> list[str]:
        """Decades always; between them only what has room (labels of 2× and 5× from
        ~110 px per decade, every tick from ~250 px): pyqtgraph labels every minor tick,
        and 0.2 ... 0.9 pile up into an unreadable block on a short axis."""
        lo, hi = self.range
        length = self.geometry().height() if self.orientation in ("left", "right") \
            else self.geometry().width()
        per_decade = length / max(abs(hi - lo), 1e-9)
        out = []
        for v in values:
            if abs(v - round(v)) < 1e-6:
                out.append(power_of_ten(round(v)))
                continue
            mantissa = round(10.0 ** (v - math.floor(v)))
            if per_decade >= 250 or (per_decade >= 110 and mantissa in (2, 5)):
                out.append(format_sci(10.0 ** v * scale))
            else:
                out.append("")
        return out


#: the step axis reaches at least this far beyond the newest sample, rounded up to a
#: "nice" length (see _nice_ceil), so it is re-drawn only now and then (each time the data
#: reach its end, every ~30 % of growth) instead of on every frame
X_HEADROOM = 0.1
_NICE = (1.0, 1.5, 2.0, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0)


def _nice_ceil(value: float) -> float:
    """The smallest of 1, 1.5, 2, 3, 4, 5, 6, 8 times a power of ten that is >= value."""
    if value <= 0 or not math.isfinite(value):
        return 1.0
    scale = 10.0 ** math.floor(math.log10(value))
    return next((m * scale for m in _NICE if m * scale >= value * (1 - 1e-12)), 10 * scale)


def follow_x(plot: pg.PlotItem, first: float, last: float,
             linked: Sequence[pg.PlotItem] = (), running: bool = True) -> None:
    """Show the whole history ``first..last``. While ``running``, with some room ahead,
    rounded up to a nice length so that the range (and its axis) changes only now and then;
    otherwise (paused, stopped, stepping) fitted to the data with a 1 % margin on each side.
    Set explicitly, not by auto-range: with downsampled, view-clipped curves pyqtgraph's
    auto-range can oscillate between two ranges forever (the displayed data's extent
    depends on the range and vice versa), and a range that moves every frame re-draws its
    axis every frame."""
    if not (math.isfinite(first) and math.isfinite(last)):
        return
    span = max(last - first, 1.0)
    (x0, x1), _ = plot.vb.viewRange()
    lo = first - 0.01 * span
    if running:
        length = _nice_ceil(span * (1.0 + X_HEADROOM))
        fits = x0 <= first and last <= x1 and abs(x0 - lo) <= 0.02 * length
        if fits and x1 - first <= length * (1 + 1e-9):
            return
        hi = first + length
    else:
        hi = first + 1.01 * span
        if abs(x0 - lo) <= 1e-9 * span and abs(x1 - hi) <= 1e-9 * span:
            return
    plot.setXRange(lo, hi, padding=0)
    # apply the new range now (normally deferred to the next paint): the curves then clip
    # and downsample once, before that paint, instead of asking for a second one
    for p in (plot, *linked):
        p.vb.prepareForPaint()


def follow_y(plot: pg.PlotItem, values: Sequence[np.ndarray], log: bool = False,
             headroom: float = 0.15) -> None:
    """Keep the y range over the finite ``values`` (log10 of the positive ones when ``log``)
    and change it only when they leave it or fill less than half of it, with ``headroom``
    on the side that grew: an auto-range that moves with every new sample re-draws the axis
    (its tick texts are the most expensive part of a frame) on every frame."""
    lo, hi = math.inf, -math.inf
    for v in values:
        v = np.asarray(v, dtype=np.float64)
        v = v[v > 0] if log else v
        if v.size:
            with np.errstate(divide="ignore", invalid="ignore"):
                v = np.log10(v) if log else v
            finite = v[np.isfinite(v)]
            if finite.size:
                lo, hi = min(lo, float(finite.min())), max(hi, float(finite.max()))
    if not (math.isfinite(lo) and math.isfinite(hi)):
        return
    span = max(hi - lo, 0.1 if log else max(abs(hi), abs(lo), 1e-12) * 1e-3)
    plot.vb.enableAutoRange(y=False)
    _, (y0, y1) = plot.vb.viewRange()
    if y0 <= lo and hi <= y1 and (hi - lo) >= 0.5 * (y1 - y0):
        return
    margin = 0.04 * span
    new_lo = lo - margin - (headroom * span if lo < y0 else 0.0)
    new_hi = hi + margin + (headroom * span if hi > y1 else 0.0)
    plot.setYRange(new_lo, new_hi, padding=0)
