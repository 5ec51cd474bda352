"""NetworkView drawing: thin-stroke links, throttled restyles, pictures from one buffer,
labels that stay readable in a small view, and a new layout when the view changes shape."""

from __future__ import annotations

import math

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QColor, QWheelEvent

from nnstudio.engine.grids import neuron_grids
from nnstudio.engine.network import LayerSpec, Network, NetworkSpec
from nnstudio.gui.network_view import TEXT_MIN, NetworkView, stroke_offsets


def spec_deep() -> NetworkSpec:
    """Like the vanishing_sigmoid preset: 8 layers of 8 sigmoid units."""
    return NetworkSpec(2, [LayerSpec(8, "sigmoid") for _ in range(8)] + [LayerSpec(1, "sigmoid")],
                       loss="binary_cross_entropy", task="binary")


def spec_small() -> NetworkSpec:
    return NetworkSpec(2, [LayerSpec(4, "tanh"), LayerSpec(1, "sigmoid")],
                       loss="binary_cross_entropy", task="binary")


def make_view(qtbot, width: int, height: int) -> NetworkView:
    view = NetworkView()
    qtbot.addWidget(view)
    view.resize(width, height)
    view.show()
    qtbot.waitExposed(view)
    return view


def screen_rect(view, item):
    return view.mapFromScene(item.sceneBoundingRect()).boundingRect()


def test_wide_links_are_drawn_as_a_few_thin_strokes():
    assert stroke_offsets(1.0) == [(0.0, 0.0)]
    for width in (1.6, 2.0, 3.0):
        offsets = stroke_offsets(width)
        assert len(offsets) >= 3
        radii = [math.hypot(dx, dy) for dx, dy in offsets]
        assert radii == pytest.approx([(width - 1) / 2] * len(offsets))
        # neighbouring strokes overlap (1 px lines at most ~0.9 px apart): one solid line
        for (x0, y0), (x1, y1) in zip(offsets, offsets[1:] + offsets[:1]):
            assert math.hypot(x1 - x0, y1 - y0) <= 0.95
    assert len(stroke_offsets(3.0)) > len(stroke_offsets(1.6))


def test_links_are_painted_in_their_color(qtbot):
    view = make_view(qtbot, 500, 300)
    net = Network(spec_small(), seed=0)
    weights = net.get_weights()
    weights[0][0][:] = 0.0
    weights[0][0][0, 0] = 4.0  # one strong positive link, x1 -> hidden unit 1
    weights[0][0][1, 3] = -4.0  # one strong negative link, x2 -> hidden unit 4
    view.set_network(net.spec, weights)
    image = view.viewport().grab().toImage()
    for (i, unit), check in (((0, 0), lambda c: c.blue() > c.red() + 60),
                             ((1, 3), lambda c: c.red() > c.blue() + 60)):
        link = next(lk for lk in view.links if (lk.layer, lk.i, lk.unit) == (0, i, unit))
        pos = view.mapFromScene(link.link_path.pointAtPercent(0.5))
        color = QColor(image.pixel(pos))
        assert check(color), color.name()
    # where no link passes the background stays white
    corner = QColor(image.pixel(QPoint(3, view.viewport().height() - 3)))
    assert corner.name() == "#ffffff"


def test_link_styles_follow_at_most_every_interval_and_a_timer_draws_the_last(qtbot):
    view = make_view(qtbot, 500, 300)
    net = Network(spec_small(), seed=0)
    weights = net.get_weights()
    weights[0][0][0, 0] = 3.0
    view.set_network(net.spec, weights)  # the first weights are drawn at once
    link = next(lk for lk in view.links if (lk.layer, lk.i, lk.unit) == (0, 0, 0))
    bias = next(b for b in view.biases if (b.layer, b.unit) == (0, 0))
    assert link.link_pen.color().blue() > link.link_pen.color().red()
    renders = view._link_layer.renders
    weights[0][0][0, 0] = -3.0
    weights[0][1][0] = -3.0
    view.update_weights(weights)  # right after a render: not yet restyled ...
    assert link.link_pen.color().blue() > link.link_pen.color().red()
    # ... but once no further update comes, the timer draws the latest styles
    qtbot.waitUntil(lambda: link.link_pen.color().red() > link.link_pen.color().blue(),
                    timeout=2000)
    assert bias.brush().color().red() > bias.brush().color().blue()
    qtbot.waitUntil(lambda: view._link_layer.renders > renders, timeout=2000)


def test_pictures_come_from_one_buffer_and_keep_orientation(qtbot):
    view = make_view(qtbot, 500, 300)
    net = Network(spec_small(), seed=0)
    view.set_network(net.spec, net.get_weights())
    images = [np.zeros((4, 8, 8)), np.zeros((1, 8, 8))]
    images[0][2, 0, :] = 1.0  # hidden unit 3: +1 along the lowest row (tanh range -1..1)
    images[0][2, 1:, :] = -1.0
    images[1][0] = 0.5  # sigmoid 0.5: neutral
    view.update_neuron_images(images)
    node = view.nodes[(0, 2)]
    picture = node.picture()
    assert (picture.width(), picture.height()) == (8, 8)
    bottom, top = QColor(picture.pixel(3, 7)), QColor(picture.pixel(3, 0))
    assert bottom.blue() > bottom.red()  # positive: blue, drawn at the bottom (low y)
    assert top.red() > top.blue()
    neutral = QColor(view.nodes[(1, 0)].picture().pixel(4, 4))
    assert abs(neutral.red() - neutral.blue()) < 20
    # NaN and infinities do not break the picture
    images[0][1] = np.nan
    images[0][0, 0, 0] = np.inf
    view.update_neuron_images(images)
    assert view.nodes[(0, 1)].has_image()
    # the pictures are on screen: the node's middle is no longer the plain node color
    shot = view.viewport().grab().toImage()
    middle = QColor(shot.pixel(view.mapFromScene(node.rect().center() + QPointF(0, 8))))
    assert middle.red() > middle.blue() + 40


def test_labels_stay_readable_in_a_small_view(qtbot):
    view = make_view(qtbot, 304, 267)
    spec = NetworkSpec(2, [LayerSpec(12, "tanh")] * 3 + [LayerSpec(1, "sigmoid")],
                       loss="binary_cross_entropy", task="binary")
    view.set_network(spec, Network(spec).get_weights())
    scale = view.transform().m11()
    assert scale < TEXT_MIN  # the network alone would shrink text below readable
    captions = view._headers + view._input_captions
    for caption in captions:
        assert caption.scale() * scale == pytest.approx(TEXT_MIN, rel=1e-3)
    viewport = view.viewport().rect()
    rects = [screen_rect(view, text) for caption in captions for text in caption.texts]
    assert all(viewport.contains(r) for r in rects)
    # neighbouring headers do not overlap
    titles = [screen_rect(view, c.texts[0]) for c in view._headers]
    for left, right in zip(titles, titles[1:]):
        assert left.right() < right.left()
    assert [c.texts[0].text() for c in view._headers] == \
        ["Input", "Hidden 1", "Hidden 2", "Hidden 3", "Output"]


def test_narrow_columns_get_short_headers_with_the_full_text_in_the_tooltip(qtbot):
    view = make_view(qtbot, 304, 261)
    view.set_network(spec_deep(), Network(spec_deep()).get_weights())
    titles = [c.texts[0].text() for c in view._headers]
    assert titles == ["In"] + [f"H{k}" for k in range(1, 9)] + ["Out"]
    assert view._headers[1].texts[1].text() == "8\nsigm"
    pos = view.mapFromScene(view._headers[1].texts[0].sceneBoundingRect().center())
    assert view.tooltip_at(pos) == "Hidden 1: 8 · sigmoid"
    titles_rects = [screen_rect(view, c.texts[0]) for c in view._headers]
    for left, right in zip(titles_rects, titles_rects[1:]):
        assert left.right() < right.left()
    # in a wide view the same network gets its full headers
    wide = make_view(qtbot, 1400, 500)
    wide.set_network(spec_deep(), Network(spec_deep()).get_weights())
    assert [c.texts[0].text() for c in wide._headers][:3] == ["Input", "Hidden 1", "Hidden 2"]
    assert wide._headers[1].texts[1].text() == "8 · sigmoid"


def test_zooming_out_keeps_labels_readable(qtbot):
    view = make_view(qtbot, 700, 450)
    net = Network(spec_small(), seed=0)
    view.set_network(net.spec, net.get_weights())
    header = view._headers[1]
    for _ in range(12):  # wheel out
        event = QWheelEvent(QPointF(100, 100), QPointF(view.mapToGlobal(QPoint(100, 100))),
                            QPoint(0, 0), QPoint(0, -120), Qt.MouseButton.NoButton,
                            Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase,
                            False)
        view.wheelEvent(event)
    scale = view.transform().m11()
    assert scale < 0.5
    assert header.scale() * scale == pytest.approx(TEXT_MIN, rel=1e-3)


def test_a_new_view_shape_gets_a_new_layout_keeping_weights_and_pictures(qtbot):
    view = make_view(qtbot, 900, 300)
    net = Network(spec_small(), seed=0)
    view.set_network(net.spec, net.get_weights())
    view.update_neuron_images(neuron_grids(net, None, (-3, 3, -3, 3), resolution=8))
    pitch = view._column_pitch
    view.resize(300, 700)  # tall and narrow: the columns move closer together
    qtbot.waitUntil(lambda: view._column_pitch < 0.8 * pitch, timeout=3000)
    assert all(n.has_image() for n in view.nodes.values() if n.layer >= 0)
    link = next(lk for lk in view.links if (lk.layer, lk.i, lk.unit) == (0, 1, 2))
    assert f"w = {net.layers[0].W[1, 2]:.4f}" in link.tooltip_text()
    # a view the user zoomed keeps its layout
    view._auto_fit = False
    pitch = view._column_pitch
    view.resize(900, 300)
    qtbot.wait(300)
    assert view._column_pitch == pitch


def spec_iris() -> NetworkSpec:
    return NetworkSpec(4, [LayerSpec(12, "tanh")] * 3 + [LayerSpec(3, "softmax")],
                       loss="cross_entropy", task="multiclass",
                       feature_names=["sepal_length", "sepal_width", "petal_length",
                                      "petal_width"])


def test_long_input_names_are_shown_in_full_when_there_is_room(qtbot):
    # about the network view's size in a 1280x800 main window
    view = make_view(qtbot, 550, 270)
    view.set_network(spec_iris(), Network(spec_iris()).get_weights())
    labels = [c.texts[0].text() for c in view._input_captions]
    assert labels == ["sepal_length", "sepal_width", "petal_length", "petal_width"]
    viewport = view.viewport().rect()
    assert all(viewport.contains(screen_rect(view, c.texts[0])) for c in view._input_captions)


def test_input_names_are_shortened_only_when_the_network_would_shrink(qtbot):
    names = ["sepal length (cm)", "sepal width (cm)", "petal length (cm)", "petal width (cm)"]
    spec = NetworkSpec(4, [LayerSpec(12, "tanh")] * 3 + [LayerSpec(3, "softmax")],
                       loss="cross_entropy", task="multiclass", feature_names=names)
    # short and wide: the height limits the network, long labels cost nothing
    wide = make_view(qtbot, 700, 200)
    wide.set_network(spec, Network(spec).get_weights())
    assert [c.texts[0].text() for c in wide._input_captions] == names
    # narrow and tall: the width limits it, short labels let it grow
    narrow = make_view(qtbot, 260, 700)
    narrow.set_network(spec, Network(spec).get_weights())
    assert narrow._input_captions[0].texts[0].text() == "sepal leng…"
    assert narrow._input_captions[0].texts[0].toolTip() == "sepal length (cm)"
    assert all(narrow.viewport().rect().contains(screen_rect(narrow, c.texts[0]))
               for c in narrow._input_captions)
