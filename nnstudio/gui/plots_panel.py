"""PlotsPanel: the live plots together, fed from one ``reset``/``append`` pair.

Holds the LossPlot, GradientPlot and ActivationPlot, and creates the OutputView as
``panel.output_view``: the main window may place it anywhere (e.g. the centre); while it has
not, the panel shows it as a fourth plot. The arrangement follows the panel's size: side by
side when wide, a 2×2 grid when there is room in both directions, tabs when small.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyqtgraph as pg
import pyqtgraph.exporters  # noqa: F401  (registers pg.exporters)
from PySide6 import QtCore, QtGui, QtSvg, QtWidgets

from nnstudio.engine.errors import NNStudioError
from nnstudio.engine.fileio import atomic_write_bytes
from nnstudio.gui.plots_activations import ActivationPlot
from nnstudio.gui.plots_gradients import GradientPlot
from nnstudio.gui.plots_loss import LossPlot
from nnstudio.gui.plots_output import OutputView

ROW, COLUMN, GRID, TABS, AUTO = "row", "column", "grid", "tabs", "auto"
MIN_PANE_WIDTH = 300  # narrower than this, side-by-side plots get cramped
MIN_PANE_HEIGHT = 230
MIN_GRID_HEIGHT = 2 * MIN_PANE_HEIGHT
EXPORT_NAMES = ("loss", "gradients", "activations", "output")


class PlotsPanel(QtWidgets.QWidget):
    """The live plots; ``reset(context)`` and ``append(snapshot)`` go to every plot."""

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.loss = LossPlot()
        self.gradients = GradientPlot()
        self.activations = ActivationPlot()
        self.output_view = OutputView()
        self._titles = {self.loss: "Loss", self.gradients: "Gradients",
                        self.activations: "Activations", self.output_view: "Output"}
        self._context: Any = None
        self._appended = False
        self._requested = AUTO
        self._mode: str | None = None
        self._panes: list[QtWidgets.QWidget] = []
        self._container: QtWidgets.QWidget | None = None
        self._layout = QtWidgets.QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self.setMinimumSize(300, 200)
        self._arrange()

    # --- contract ------------------------------------------------------------------------
    @property
    def plots(self) -> list[QtWidgets.QWidget]:
        return [self.loss, self.gradients, self.activations, self.output_view]

    def reset(self, context: Any) -> None:
        """A new experiment or a re-initialized network: every plot starts over."""
        self._context = context
        self._appended = False
        for plot in self.plots:
            plot.reset(context)

    def append(self, snapshot: Any) -> None:
        """New training data for every plot. A snapshot marked ``fresh`` after data already
        arrived (a reset the panel was not told about) clears the plots first."""
        if getattr(snapshot, "fresh", False) and self._appended and self._context is not None:
            self.reset(self._context)
        self._appended = True
        for plot in self.plots:
            plot.append(snapshot)

    def set_show_test(self, show: bool) -> None:
        """Show or hide the test points in the output view."""
        self.output_view.test_box.setChecked(bool(show))

    def set_layout_mode(self, mode: str) -> None:
        """"row", "column", "grid", "tabs" or "auto" (chosen from the panel's size)."""
        if mode not in (ROW, COLUMN, GRID, TABS, AUTO):
            raise NNStudioError(
                f"unknown plot layout {mode!r} (use row, column, grid, tabs or auto)")
        self._requested = mode
        self._arrange()

    @property
    def layout_mode(self) -> str | None:
        return self._mode

    def show_plot(self, name: str) -> bool:
        """Bring one plot ("loss", "gradients", "activations", "output") into view: in the
        tab layout its tab is selected; in the other layouts every plot already shows and
        nothing changes. Returns whether the plot is now shown by this panel (False for the
        output view while the main window holds it elsewhere)."""
        widgets = dict(zip(EXPORT_NAMES, self.plots))
        if name not in widgets:
            raise NNStudioError(f"unknown plot {name!r} (known: {', '.join(EXPORT_NAMES)})")
        plot = widgets[name]
        if plot not in self._panes:
            return False
        if isinstance(self._container, QtWidgets.QTabWidget):
            self._container.setCurrentWidget(plot)
        return True

    @property
    def current_tab(self) -> str | None:
        """The name of the plot whose tab is selected (None outside the tab layout)."""
        if not isinstance(self._container, QtWidgets.QTabWidget):
            return None
        current = self._container.currentWidget()
        return next((n for n, p in zip(EXPORT_NAMES, self.plots) if p is current), None)

    def export_image(self, name: str, path: str | Path, scale: float = 2.0) -> Path:
        """Save one plot ("loss", "gradients", "activations", "output") as PNG or SVG,
        chosen by the file extension; written atomically."""
        widgets = dict(zip(EXPORT_NAMES, self.plots))
        if name not in widgets:
            raise NNStudioError(f"unknown plot {name!r} (known: {', '.join(EXPORT_NAMES)})")
        path = Path(path)
        suffix = path.suffix.lower()
        item = widgets[name].graphics.ci
        if suffix == ".png":
            exporter = pg.exporters.ImageExporter(item)
            params = exporter.parameters()
            params["background"] = pg.mkColor("w")
            width = max(1, int(item.boundingRect().width() * scale))
            params["width"] = width
            image = exporter.export(toBytes=True)
            data = QtCore.QByteArray()
            buffer = QtCore.QBuffer(data)
            buffer.open(QtCore.QIODevice.OpenModeFlag.WriteOnly)
            if image is None or image.isNull() or not image.save(buffer, "PNG"):
                raise NNStudioError(f"{path}: the {name} plot could not be rendered as PNG")
            buffer.close()
            payload = bytes(data.data())
        elif suffix == ".svg":
            payload = _render_svg(item, name)
        else:
            raise NNStudioError(f"{path}: unsupported image type '{path.suffix or '(none)'}' "
                                "(use .png or .svg)")
        try:
            atomic_write_bytes(path, payload)
        except OSError as exc:
            raise NNStudioError(f"{path}: cannot write the image ({exc.strerror or exc})") \
                from None
        return path

    # --- arrangement ---------------------------------------------------------------------
    def resizeEvent(self, event: Any) -> None:  # noqa: N802 (Qt API)
        super().resizeEvent(event)
        self._arrange()

    def _owns_output(self) -> bool:
        parent = self.output_view.parentWidget()
        return parent is None or self.isAncestorOf(self.output_view)

    def _choose_mode(self, n: int) -> str:
        if self._requested != AUTO:
            return self._requested
        w, h = max(self.width(), 1), max(self.height(), 1)
        if w >= n * MIN_PANE_WIDTH:
            return ROW
        if w >= 2 * MIN_PANE_WIDTH and h >= MIN_GRID_HEIGHT:
            return GRID
        if h >= n * MIN_PANE_HEIGHT:
            return COLUMN
        return TABS

    def _arrange(self) -> None:
        panes = [self.loss, self.gradients, self.activations]
        if self._owns_output():
            panes.append(self.output_view)
        mode = self._choose_mode(len(panes))
        if mode == self._mode and panes == self._panes:
            return
        self._mode, self._panes = mode, panes
        old = self._container
        if mode == TABS:
            container: QtWidgets.QWidget = QtWidgets.QTabWidget()
            container.setDocumentMode(True)
            for pane in panes:
                container.addTab(pane, self._titles[pane])
        elif mode == GRID:
            container = QtWidgets.QSplitter(QtCore.Qt.Orientation.Vertical)
            for start in range(0, len(panes), 2):
                row = QtWidgets.QSplitter(QtCore.Qt.Orientation.Horizontal)
                for pane in panes[start:start + 2]:
                    row.addWidget(pane)
                container.addWidget(row)
        else:
            orientation = (QtCore.Qt.Orientation.Horizontal if mode == ROW
                           else QtCore.Qt.Orientation.Vertical)
            container = QtWidgets.QSplitter(orientation)
            for pane in panes:
                container.addWidget(pane)
            for i, pane in enumerate(panes):
                grow = (pane is self.gradients) if mode == ROW else (pane is self.activations)
                container.setStretchFactor(i, 5 if grow else 4)
        for splitter in container.findChildren(QtWidgets.QSplitter) + (
                [container] if isinstance(container, QtWidgets.QSplitter) else []):
            splitter.setChildrenCollapsible(False)
            splitter.setHandleWidth(5)
        self._layout.addWidget(container)
        self._container = container
        if mode != TABS:  # a tab widget hides its inactive pages; out of it they must show
            for pane in panes:
                pane.setVisible(True)
        if old is not None:
            self._layout.removeWidget(old)
            old.deleteLater()
        if mode in (ROW, COLUMN) and isinstance(container, QtWidgets.QSplitter):
            # the gradient plot (curves + bars) wants more width, the activation rows height
            if mode == ROW:
                total = max(self.width(), 1)
                weights = [5 if pane is self.gradients else 4 for pane in panes]
            else:
                total = max(self.height(), 1)
                weights = [4 if pane is self.activations else 3 for pane in panes]
            container.setSizes([int(total * wt / sum(weights)) for wt in weights])


def _render_svg(item: Any, title: str) -> bytes:
    """The item as vector SVG, drawn by Qt's SVG generator. (pyqtgraph's SVGExporter cannot
    parse the path data Qt 6.12 writes and fails with "not enough values to unpack".)"""
    rect = item.sceneBoundingRect()
    width, height = max(1, round(rect.width())), max(1, round(rect.height()))
    data = QtCore.QByteArray()
    buffer = QtCore.QBuffer(data)
    buffer.open(QtCore.QIODevice.OpenModeFlag.WriteOnly)
    generator = QtSvg.QSvgGenerator()
    generator.setOutputDevice(buffer)
    generator.setSize(QtCore.QSize(width, height))
    generator.setViewBox(QtCore.QRect(0, 0, width, height))
    generator.setTitle(f"nnstudio - {title}")
    painter = QtGui.QPainter(generator)
    try:
        painter.fillRect(QtCore.QRectF(0, 0, width, height), QtGui.QColor("white"))
        item.scene().render(painter, QtCore.QRectF(0, 0, width, height), rect)
    finally:
        painter.end()
    buffer.close()
    return bytes(data.data())
