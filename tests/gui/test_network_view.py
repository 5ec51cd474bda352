"""NetworkView: items per spec, tooltips, inline editing, collapsing, cheap weight updates."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QHelpEvent
from PySide6.QtWidgets import QApplication, QToolTip

from nnstudio.engine.grids import neuron_grids
from nnstudio.engine.network import LayerSpec, Network, NetworkSpec
from nnstudio.gui.network_view import (
    MAX_LINK_WIDTH,
    MIN_LINK_WIDTH,
    BiasItem,
    LinkItem,
    NetworkView,
    NodeItem,
)


def spec_2881() -> NetworkSpec:
    return NetworkSpec(2, [LayerSpec(8, "tanh"), LayerSpec(8, "tanh"), LayerSpec(1, "sigmoid")],
                       loss="binary_cross_entropy", task="binary")


@pytest.fixture
def view(qtbot):
    v = NetworkView()
    qtbot.addWidget(v)
    v.resize(700, 450)
    v.show()
    qtbot.waitExposed(v)
    return v


def scene_items(view, kind):
    return [item for item in view.scene().items() if isinstance(item, kind)]


def is_blue(color) -> bool:
    return color.blue() > color.green() > color.red()


def is_orange(color) -> bool:
    return color.red() > color.green() > color.blue()


def point_on(view, item) -> QPoint:
    """A viewport point where ``item`` is the topmost editable item."""
    for t in (0.5, 0.4, 0.6, 0.3, 0.7, 0.2, 0.8):
        if isinstance(item, LinkItem):
            scene_point = item.link_path.pointAtPercent(t)
        else:
            scene_point = item.rect().center()
        pos = view.mapFromScene(scene_point)
        if view._editable_at(pos) is item:
            return pos
    raise AssertionError("item is hidden under other items")


def test_items_match_the_spec(view):
    net = Network(spec_2881(), seed=0)
    view.set_network(net.spec, net.get_weights())
    assert len(scene_items(view, NodeItem)) == 2 + 8 + 8 + 1
    assert len(scene_items(view, LinkItem)) == 2 * 8 + 8 * 8 + 8 * 1
    assert len(scene_items(view, BiasItem)) == 8 + 8 + 1
    assert not view.ellipses


def test_input_labels_use_the_feature_names(view):
    spec = NetworkSpec(3, [LayerSpec(2, "relu"), LayerSpec(1, "sigmoid")],
                       loss="binary_cross_entropy", task="binary",
                       features=["x1", "x1^2", "x1*x2"])
    view.set_network(spec, Network(spec).get_weights())
    assert view.input_labels(spec) == ["x1", "x1²", "x1·x2"]
    texts = {item.text() for item in view.scene().items() if hasattr(item, "text")}
    assert {"x1", "x1²", "x1·x2", "Input", "Hidden 1", "Output"} <= texts


def test_hover_tooltip_shows_the_value(qtbot, view):
    net = Network(spec_2881(), seed=3)
    view.set_network(net.spec, net.get_weights())
    link = next(lk for lk in view.links if (lk.layer, lk.i, lk.unit) == (1, 1, 2))
    W = net.layers[1].W
    expected = f"Weight hidden 1, unit 2 → hidden 2, unit 3\nw = {W[1, 2]:.4f}"
    assert link.tooltip_text().startswith(expected)
    bias = next(b for b in view.biases if (b.layer, b.unit) == (2, 0))
    assert bias.tooltip_text().startswith(f"Bias of output\nb = {net.layers[2].b[0]:.4f}")
    # a real tooltip event over the link shows the same text
    pos = point_on(view, link)
    assert view.tooltip_at(pos) == link.tooltip_text()
    event = QHelpEvent(QHelpEvent.Type.ToolTip, pos, view.viewport().mapToGlobal(pos))
    QApplication.sendEvent(view.viewport(), event)
    assert QToolTip.text() == link.tooltip_text()


def test_clicking_a_link_edits_its_weight(qtbot, view):
    net = Network(spec_2881(), seed=1)
    view.set_network(net.spec, net.get_weights())
    link = next(lk for lk in view.links if (lk.layer, lk.i, lk.unit) == (0, 1, 4))
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=point_on(view, link))
    assert view.editor.isVisible()
    assert view.editor.title.text() == "Weight x2 → hidden 1, unit 5"
    assert float(view.editor.edit.text()) == pytest.approx(net.layers[0].W[1, 4], abs=1e-5)
    view.editor.edit.clear()
    qtbot.keyClicks(view.editor.edit, "-0.75")
    with qtbot.waitSignal(view.weight_edit_requested) as blocker:
        qtbot.keyClick(view.editor.edit, Qt.Key.Key_Return)
    assert blocker.args == [0, 1, 4, -0.75]
    assert not view.editor.isVisible()


def test_clicking_a_bias_edits_it_and_bad_text_is_refused(qtbot, view):
    net = Network(spec_2881(), seed=1)
    view.set_network(net.spec, net.get_weights())
    bias = next(b for b in view.biases if (b.layer, b.unit) == (1, 6))
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=point_on(view, bias))
    assert view.editor.isVisible()
    view.editor.edit.setText("abc")
    emitted = []
    view.bias_edit_requested.connect(lambda *a: emitted.append(a))
    qtbot.keyClick(view.editor.edit, Qt.Key.Key_Return)
    assert emitted == [] and view.editor.isVisible()
    assert "not a number" in view.editor.hint.text()
    view.editor.edit.setText("0.5")
    qtbot.keyClick(view.editor.edit, Qt.Key.Key_Return)
    assert emitted == [(1, 6, 0.5)]


def test_escape_cancels_the_edit(qtbot, view):
    net = Network(spec_2881(), seed=1)
    view.set_network(net.spec, net.get_weights())
    link = view.links[0]
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=point_on(view, link))
    emitted = []
    view.weight_edit_requested.connect(lambda *a: emitted.append(a))
    qtbot.keyClick(view.editor.edit, Qt.Key.Key_Escape)
    assert not view.editor.isVisible() and emitted == []


def test_wide_layers_are_collapsed(view):
    spec = NetworkSpec(64, [LayerSpec(128, "relu"), LayerSpec(64, "relu"),
                            LayerSpec(10, "softmax")], loss="cross_entropy", task="multiclass")
    view.set_network(spec, Network(spec).get_weights())
    assert len(scene_items(view, NodeItem)) == 7 + 7 + 7 + 10
    assert len(scene_items(view, LinkItem)) == 7 * 7 + 7 * 7 + 7 * 10
    assert sorted(e.text() for e in view.ellipses) == ["⋮\n121 more", "⋮\n57 more", "⋮\n57 more"]
    shown = sorted(u for (layer, u) in view.nodes if layer == 0)
    assert shown == [0, 1, 2, 3, 4, 126, 127]
    link = next(lk for lk in view.links if (lk.layer, lk.i, lk.unit) == (1, 127, 63))
    assert "hidden 1, unit 128 → hidden 2, unit 64" in link.tooltip_text()


def test_update_weights_restyles_without_rebuilding(view):
    net = Network(spec_2881(), seed=0)
    view.set_network(net.spec, net.get_weights())
    items_before = list(view.scene().items())
    link = next(lk for lk in view.links if (lk.layer, lk.i, lk.unit) == (0, 0, 0))
    bias = next(b for b in view.biases if (b.layer, b.unit) == (0, 0))
    weights = net.get_weights()
    weights[0][0][0, 0] = 5.0
    weights[0][1][0] = -2.0
    assert view.update_weights(weights)
    view.flush()  # styles follow at most every LINKS_INTERVAL; flush applies them now
    assert is_orange(bias.brush().color())
    wide = link.link_pen.widthF()
    assert is_blue(link.link_pen.color())  # positive
    weights[0][0][0, 0] = -0.01
    weights[0][1][0] = 2.0
    view.update_weights(weights)
    view.flush()
    assert is_blue(bias.brush().color())
    thin = link.link_pen.widthF()
    assert is_orange(link.link_pen.color())  # negative
    assert MIN_LINK_WIDTH <= thin < wide <= MAX_LINK_WIDTH
    assert list(view.scene().items()) == items_before
    assert "w = -0.0100" in link.tooltip_text()
    # weights of another shape (a stale snapshot) are ignored
    assert not view.update_weights(weights[:2])


def test_neuron_images_fill_hidden_and_output_nodes(view):
    net = Network(spec_2881(), seed=0)
    view.set_network(net.spec, net.get_weights())
    images = neuron_grids(net, None, (-3, 3, -3, 3), resolution=16)
    view.update_neuron_images(images)
    nodes = [n for n in view.nodes.values() if n.layer >= 0]
    assert all(n.has_image() and n.picture().width() == 16 for n in nodes)
    assert all(not n.glyph.isVisible() for n in nodes)
    view.update_neuron_images(None)
    assert all(not n.has_image() and n.picture() is None and n.glyph.isVisible()
               for n in nodes)
    view.update_input_images(np.stack([img for img in images[0][:2]]))
    assert view.nodes[(-1, 0)].has_image()


def test_maxout_links_show_the_strongest_piece_and_are_not_editable(qtbot, view):
    spec = NetworkSpec(2, [LayerSpec(3, "maxout", pieces=2), LayerSpec(1, "sigmoid")],
                       loss="binary_cross_entropy", task="binary")
    net = Network(spec, seed=0)
    weights = net.get_weights()
    weights[0][0][0, 0:2] = [0.1, -3.0]  # unit 0's pieces from x1: the second is stronger
    view.set_network(spec, weights)
    link = next(lk for lk in view.links if (lk.layer, lk.i, lk.unit) == (0, 0, 0))
    assert not link.editable
    assert is_orange(link.link_pen.color())
    assert "strongest w = -3.0000" in link.tooltip_text()
    assert "Not editable" in link.tooltip_text()
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=point_on_any(view, link))
    assert not view.editor.isVisible()
    out_link = next(lk for lk in view.links if lk.layer == 1)
    assert out_link.editable  # the layer after maxout has plain weights


def point_on_any(view, item) -> QPoint:
    for t in (0.5, 0.4, 0.6, 0.3, 0.7):
        pos = view.mapFromScene(item.link_path.pointAtPercent(t))
        if item in view.items(pos):
            return pos
    raise AssertionError("item not found under any point")


def test_wheel_zoom_and_double_click_fit(qtbot, view):
    net = Network(spec_2881(), seed=0)
    view.set_network(net.spec, net.get_weights())
    fitted = view.transform().m11()
    view.scale(2.0, 2.0)
    view._auto_fit = False
    view.resize(600, 400)
    assert view.transform().m11() == pytest.approx(2 * fitted)
    qtbot.mouseDClick(view.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(3, 3))
    qtbot.mouseRelease(view.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(3, 3))
    assert view.transform().m11() < 2 * fitted


def test_hovering_a_link_highlights_it(qtbot, view):
    net = Network(spec_2881(), seed=2)
    view.set_network(net.spec, net.get_weights())
    link = next(lk for lk in view.links if (lk.layer, lk.i, lk.unit) == (2, 3, 0))
    qtbot.mouseMove(view.viewport(), point_on(view, link))
    qtbot.waitUntil(lambda: view._hover_item.isVisible(), timeout=2000)
    assert view._hover_item.path() == link.link_path
    assert view._hover_item.pen().widthF() > link.link_pen.widthF()
    qtbot.mouseMove(view.viewport(), QPoint(2, 2))
    qtbot.waitUntil(lambda: not view._hover_item.isVisible(), timeout=2000)
