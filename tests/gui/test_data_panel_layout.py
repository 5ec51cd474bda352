"""The side panels fit their dock: at 1280x800, at the window's minimum size and after the
dock is dragged narrow, every data tile, field and button is inside the visible width (the
panels scroll only vertically). Data sets without noise or 2-D features say so."""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QApplication, QScrollArea, QWidget


def settle() -> None:
    for _ in range(5):
        QApplication.processEvents()


def assert_fits(panel: QWidget, widgets: list[QWidget]) -> None:
    scroll = panel.findChild(QScrollArea)
    viewport = scroll.viewport()
    assert scroll.horizontalScrollBarPolicy() == Qt.ScrollBarPolicy.ScrollBarAlwaysOff
    assert scroll.widget().width() <= viewport.width()
    for widget in widgets:
        if not widget.isVisibleTo(panel):
            continue
        left = widget.mapTo(viewport, QPoint(0, 0)).x()
        right = widget.mapTo(viewport, QPoint(widget.width(), 0)).x()
        assert left >= 0 and right <= viewport.width(), \
            f"{widget.objectName() or type(widget).__name__} {widget.toolTip()[:30]!r} " \
            f"spans {left}..{right}, the panel shows 0..{viewport.width()}"


def data_widgets(win) -> list[QWidget]:
    panel = win.data_panel
    return [*panel.tiles.values(), *panel.feature_buttons.values(), panel.regenerate,
            panel.samples, panel.seed, panel.noise_value, panel.test_value, panel.standardize]


def designer_widgets(win) -> list[QWidget]:
    panel = win.designer_panel
    scroll = panel.findChild(QScrollArea)
    return [w for w in scroll.widget().findChildren(QWidget) if w.isVisibleTo(panel)]


def test_data_panel_fits_at_1280x800_and_at_the_minimum_size(qtbot, window):
    win = window()
    settle()
    assert win.size().width() == 1280
    win.data_dock.raise_()
    settle()
    assert_fits(win.data_panel, data_widgets(win))

    win.resize(win.minimumSizeHint())
    settle()
    assert win.width() < 1000
    assert_fits(win.data_panel, data_widgets(win))

    # the dock cannot be dragged narrower than the panel needs
    win.resize(1280, 800)
    settle()
    win.resizeDocks([win.data_dock], [120], Qt.Orientation.Horizontal)
    settle()
    assert win.data_dock.width() > 250
    assert_fits(win.data_panel, data_widgets(win))


def test_designer_panel_fits_when_narrow(qtbot, window):
    win = window()
    win.designer_dock.raise_()
    for _ in range(4):
        win.designer_panel.add_layer()
    win.resize(win.minimumSizeHint())
    win.resizeDocks([win.designer_dock], [120], Qt.Orientation.Horizontal)
    settle()
    assert_fits(win.designer_panel, designer_widgets(win))


def test_data_sets_without_noise_or_2d_features_say_so(qtbot, window):
    win = window()
    panel = win.data_panel
    assert panel.noise.isEnabled() and panel.noise_value.text().endswith("%")
    assert panel.features_box.isVisibleTo(panel)
    panel.select_dataset("iris")
    assert not panel.noise.isEnabled()
    assert panel.noise_value.text() == "—"  # no percentage for a setting that is not used
    assert not panel.features_box.isVisibleTo(panel)
    assert "Iris feeds its 4 inputs" in panel.features_label.text()
    panel.select_dataset("moons")
    assert panel.noise.isEnabled() and panel.noise_value.text().endswith("%")
    assert panel.features_box.isVisibleTo(panel)


def test_tile_sections_are_captioned_truthfully_and_tiles_name_their_key(qtbot, window):
    from nnstudio.engine.datasets import BUILTIN_DATASETS
    from nnstudio.gui.data_panel import TILE_ROWS

    win = window()
    panel = win.data_panel
    for sections in TILE_ROWS:
        for caption, keys in sections:
            tasks = {BUILTIN_DATASETS[k].task for k in keys if k in BUILTIN_DATASETS}
            if caption.startswith("Regression"):
                assert tasks == {"regression"}
            if caption.startswith("Classification") or caption.startswith("Logic"):
                assert "regression" not in tasks
    # every built-in tile names the key that experiment files and the CLI use
    for key in BUILTIN_DATASETS:
        tip = panel.tiles[key].toolTip()
        assert f'"{key}" in experiment files' in tip and f"--dataset {key}" in tip
    assert panel.tiles["gaussians"].toolTip().startswith("Clouds — Two Gaussians:")
    assert panel.tiles["gauss_mix"].toolTip().startswith("Bumps — Mixture of Gaussians:")
    assert "--dataset FILE.csv" in panel.tiles["csv"].toolTip()

    # a caption is no wider than its tiles, so captions never widen the panel
    for sections in TILE_ROWS:
        for caption, keys in sections:
            tiles = [panel.tiles[k] for k in keys]
            span = sum(t.width() for t in tiles) + 2 * (len(tiles) - 1)
            assert panel.tile_captions[caption].sizeHint().width() <= span, caption
