"""Painting data: clicks land at the right data coordinates, spray, erase, undo/redo, and
painted data round-trips through the experiment file and trains."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtTest import QTest

from nnstudio.engine.experiment import (
    DataConfig,
    Experiment,
    build_network,
    build_trainer,
    load_experiment,
    prepare_data,
    save_experiment,
)
from nnstudio.engine.network import LayerSpec
from nnstudio.engine.training import TrainConfig
from nnstudio.gui.paint_tool import PaintController, PaintToolbar


@pytest.fixture
def painted(qtbot):
    widget = pg.PlotWidget()
    qtbot.addWidget(widget)
    widget.setRange(xRange=(-5, 5), yRange=(-5, 5), padding=0)
    widget.resize(600, 600)
    widget.show()
    qtbot.waitExposed(widget)
    controller = PaintController(widget.getPlotItem(), seed=7)
    return widget, controller


def to_viewport(widget, x, y):
    scene = widget.getPlotItem().vb.mapViewToScene(QPointF(x, y))
    return widget.mapFromScene(scene)


def pixel_size(widget):
    px, py = widget.getPlotItem().vb.viewPixelSize()
    return abs(px), abs(py)


def click(widget, x, y):
    QTest.mouseClick(widget.viewport(), Qt.MouseButton.LeftButton, pos=to_viewport(widget, x, y))


def drag(widget, path):
    vp = widget.viewport()
    QTest.mousePress(vp, Qt.MouseButton.LeftButton, pos=to_viewport(widget, *path[0]))
    for x, y in path[1:]:
        QTest.mouseMove(vp, to_viewport(widget, x, y))
    QTest.mouseRelease(vp, Qt.MouseButton.LeftButton, pos=to_viewport(widget, *path[-1]))


def test_clicks_add_points_at_the_data_coordinates(painted, qtbot):
    widget, paint = painted
    paint.set_mode("add")
    targets = [(-2.5, 1.0), (3.0, -4.0), (0.25, 0.75)]
    with qtbot.waitSignal(paint.points_changed):
        click(widget, *targets[0])
    paint.set_class(1)
    for x, y in targets[1:]:
        click(widget, x, y)
    points = paint.points()
    assert [p[2] for p in points] == [0, 1, 1]
    px, py = pixel_size(widget)
    for (x, y), p in zip(targets, points):
        assert abs(p[0] - x) <= px and abs(p[1] - y) <= py  # within one screen pixel
    drawn = paint.scatter.getData()
    np.testing.assert_allclose(drawn[0], [p[0] for p in points])


def test_navigate_mode_leaves_the_mouse_to_the_plot(painted):
    widget, paint = painted
    assert paint.mode == "navigate"
    click(widget, 1.0, 1.0)
    assert paint.points() == []
    paint.set_mode("add")
    click(widget, 1.0, 1.0)
    paint.set_mode("navigate")
    before = widget.getPlotItem().vb.viewRange()
    drag(widget, [(0, 0), (1, 1), (2, 2)])  # pans
    assert paint.points() == [[pytest.approx(1.0, abs=0.05), pytest.approx(1.0, abs=0.05), 0]]
    assert widget.getPlotItem().vb.viewRange() != before


def test_spray_scatters_points_around_the_path(painted):
    widget, paint = painted
    paint.set_mode("spray")
    paint.set_class(2)
    path = [(-1.0 + 0.05 * i, 0.5) for i in range(40)]
    drag(widget, path)
    points = np.array(paint.points(), dtype=float)
    assert len(points) >= 20
    assert set(points[:, 2]) == {2}
    px, py = pixel_size(widget)
    # every point lies within the spray radius of the stroke (+1 pixel: the mouse moves
    # on whole pixels)
    reach_x, reach_y = (paint.spray_radius + 1) * px, (paint.spray_radius + 1) * py
    assert np.all(np.abs(points[:, 1] - 0.5) <= reach_y)
    assert points[:, 0].min() >= -1.0 - reach_x
    assert points[:, 0].max() <= 1.0 + reach_x
    assert len(np.unique(points[:, :2], axis=0)) == len(points)  # jittered, not stacked
    # one stroke is one undo step
    paint.undo()
    assert paint.points() == []


def test_spray_is_reproducible_from_the_seed(qtbot):
    results = []
    for _ in range(2):
        widget = pg.PlotWidget()
        qtbot.addWidget(widget)
        widget.setRange(xRange=(-5, 5), yRange=(-5, 5), padding=0)
        widget.resize(400, 400)
        widget.show()
        qtbot.waitExposed(widget)
        paint = PaintController(widget.getPlotItem(), seed=3)
        paint.set_mode("spray")
        drag(widget, [(0.0, 0.0), (0.5, 0.0), (1.0, 0.0)])
        results.append(paint.points())
    assert results[0] == results[1]


def test_erase_removes_points_near_the_cursor(painted):
    widget, paint = painted
    paint.set_points([[0.0, 0.0, 0], [0.05, 0.0, 1], [3.0, 3.0, 0], [-3.0, 3.0, 1]])
    paint.set_mode("erase")
    click(widget, 0.0, 0.0)
    assert paint.points() == [[3.0, 3.0, 0], [-3.0, 3.0, 1]]
    drag(widget, [(2.0, 3.0), (2.5, 3.0), (3.0, 3.0), (3.5, 3.0)])
    assert paint.points() == [[-3.0, 3.0, 1]]
    paint.undo()
    paint.undo()
    assert len(paint.points()) == 4
    paint.redo()
    assert len(paint.points()) == 2


def test_clear_undo_redo(painted, qtbot):
    widget, paint = painted
    paint.set_mode("add")
    click(widget, 1, 1)
    click(widget, 2, 2)
    assert paint.can_undo() and not paint.can_redo()
    with qtbot.waitSignal(paint.points_changed):
        paint.clear()
    assert paint.points() == []
    paint.undo()
    assert len(paint.points()) == 2
    paint.undo()
    assert len(paint.points()) == 1
    paint.redo()
    assert len(paint.points()) == 2
    click(widget, 3, 3)  # a new stroke drops the redo history
    assert not paint.can_redo()


def test_point_limit(painted, qtbot):
    widget, paint = painted
    paint.max_points = 3
    paint.set_mode("spray")
    with qtbot.waitSignal(paint.message) as blocker:
        drag(widget, [(0, 0), (1, 0), (2, 0)])
    assert len(paint.points()) == 3
    assert "At most 3 painted points" in blocker.args[0]


def test_toolbar_drives_the_controller(painted, qtbot):
    widget, paint = painted
    toolbar = PaintToolbar(paint)
    qtbot.addWidget(toolbar)
    toolbar.show()
    toolbar.mode_buttons["spray"].click()
    assert paint.mode == "spray"
    assert sum(b.isVisibleTo(toolbar) for b in toolbar.class_buttons) == 2
    toolbar.more_button.click()
    assert paint.label == 2 and toolbar.class_buttons[2].isVisibleTo(toolbar)
    toolbar.class_buttons[1].click()
    assert paint.label == 1
    toolbar.task_box.setCurrentIndex(1)
    assert paint.task == "values" and toolbar.value_area.isVisibleTo(toolbar)
    toolbar.value_box.setValue(-0.5)
    assert paint.label == -0.5
    paint.set_mode("add")
    assert toolbar.mode_buttons["add"].isChecked()
    click(widget, 1, 1)
    assert toolbar.count_label.text() == "1 point"
    assert toolbar.undo_button.isEnabled() and not toolbar.redo_button.isEnabled()
    toolbar.undo_button.click()
    assert paint.points() == [] and toolbar.redo_button.isEnabled()


def test_set_points_guesses_the_task(painted):
    _, paint = painted
    paint.set_points([[0, 0, 0], [1, 1, 2]])
    assert paint.task == "classes" and paint.classes_used() == [0, 2]
    paint.set_points([[0, 0, 0.5], [1, 1, -1.25]])
    assert paint.task == "values"
    with pytest.raises(ValueError, match="painted point 1"):
        paint.set_points([[0, 0, 0], [1, 1]])
    with pytest.raises(ValueError, match="unknown paint mode"):
        paint.set_mode("draw")


def test_painted_data_round_trip_through_the_experiment_file(painted, tmp_path):
    widget, paint = painted
    paint.set_mode("add")
    for x in np.linspace(-4, -1, 6):
        click(widget, x, x / 2)
    paint.set_class(1)
    for x in np.linspace(1, 4, 6):
        click(widget, x, x / 2)
    cfg = paint.data_config(DataConfig(features=["x1", "x2", "x1*x2"], noise=0.2))
    assert cfg.source == "painted" and cfg.features == ["x1", "x2", "x1*x2"]
    exp = Experiment(name="Painted", data=cfg, hidden=[LayerSpec(4, "tanh")],
                     training=TrainConfig(optimizer="adam", learning_rate=0.05,
                                          batch_size=None, epochs=60))
    for suffix in (".json", ".toml"):
        path = tmp_path / f"painted{suffix}"
        save_experiment(exp, path)
        loaded = load_experiment(path)
        assert loaded.data.source == "painted"
        assert loaded.data.points == paint.points()
        assert loaded.to_dict() == exp.to_dict()
    # the loaded points paint back exactly
    paint.set_points(loaded.data.points)
    assert paint.points() == exp.data.points
    # and they train
    prepared = prepare_data(loaded)
    assert prepared.task == "binary" and prepared.classes == [0, 1]
    assert len(prepared.X_train) + len(prepared.X_test) == 12
    network = build_network(loaded, prepared)
    trainer = build_trainer(loaded, prepared, network)
    while not trainer.finished:
        trainer.run_epoch()
    assert trainer.history[-1]["train_accuracy"] == 1.0


def test_painted_values_are_regression(painted):
    _, paint = painted
    paint.set_task("values")
    paint.set_value(0.5)
    paint.add_point(0.0, 0.0)
    paint.set_value(-1.0)
    paint.add_point(1.0, 0.0)
    paint.add_point(2.0, 1.0, label=1.0)
    cfg = paint.data_config()
    assert cfg.task == "regression"
    prepared = prepare_data(Experiment(data=DataConfig(**{**vars(cfg), "test_fraction": 0.0})))
    assert prepared.task == "regression"
    np.testing.assert_allclose(sorted(prepared.y_train), [-1.0, 0.5, 1.0])


def test_detach_releases_the_plot(painted):
    widget, paint = painted
    paint.set_points([[0, 0, 0]])
    paint.detach()
    assert paint.scatter not in widget.getPlotItem().items
    paint.set_mode("add")
    click(widget, 1, 1)
    assert len(paint.points()) == 1
