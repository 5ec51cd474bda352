"""The teaching tools wired into the main window (pytest-qt, off-screen): the inspector
opened from a clicked point, its SGD step reaching the worker, lessons opening experiments
and locking controls, runs recorded and compared (also trained in the background), the
weight timeline (scrub, resume), histograms, painted data and the closed-form baseline."""

from __future__ import annotations

import threading

import numpy as np
import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtTest import QTest

from nnstudio.engine import grids
from nnstudio.engine.closed_form import fit_linear
from nnstudio.engine.experiment import (
    DataConfig,
    Experiment,
    load_experiment,
    prepare_data,
)
from nnstudio.engine.lessons import load_lessons
from nnstudio.engine.network import LayerSpec, Network, encode_targets
from nnstudio.engine.training import TrainConfig
from nnstudio.gui import teaching_runs
from nnstudio.gui.app import ensure_app
from nnstudio.gui.main_window import MainWindow
from nnstudio.gui.teaching_locks import LOCK_TIP


def sine(epochs: int = 100_000) -> Experiment:
    return Experiment(
        name="Sine", data=DataConfig(source="builtin", name="sine", noise=0.1, seed=0),
        hidden=[LayerSpec(8, "tanh")],
        training=TrainConfig(optimizer="adam", learning_rate=0.01, batch_size=16,
                             epochs=epochs, seed=0))


def train_epochs(qtbot, win: MainWindow, epochs: int) -> None:
    """Train until the epoch limit ``epochs`` is reached (the run is then "finished")."""
    win.training_bar.stop_check.setChecked(True)
    win.training_bar.stop_spin.setValue(epochs)
    win.play()
    qtbot.waitUntil(lambda: win._last_snapshot is not None and win._last_snapshot.epoch >= epochs
                    and not win.running, timeout=15000)
    assert win.wait_for_idle(5.0)


def worker_weights(win: MainWindow) -> list[tuple[np.ndarray, np.ndarray]]:
    """The worker's own weights (read only while it is paused and idle)."""
    assert not win.running
    return win.worker._session.network.get_weights()


def click_train_point(win: MainWindow, index: int) -> None:
    view = win.output_view
    data = view.train_points.data
    scene = view.plot.vb.mapViewToScene(QPointF(float(data["x"][index]),
                                                float(data["y"][index])))
    QTest.mouseClick(view.graphics.viewport(), Qt.MouseButton.LeftButton,
                     pos=view.graphics.mapFromScene(scene))


def same_weights(a, b) -> bool:
    return len(a) == len(b) and all(np.array_equal(W1, W2) and np.array_equal(b1, b2)
                                    for (W1, b1), (W2, b2) in zip(a, b))


# --- backpropagation inspector ---------------------------------------------------------------

def test_clicking_a_point_inspects_that_sample_with_the_engines_gradients(qtbot, window):
    win = window()
    teaching = win.teaching
    assert teaching.inspector_dock.isHidden()
    win.step_epoch()
    assert win.wait_for_idle(5.0)
    index = 7
    click_train_point(win, index)
    qtbot.waitUntil(lambda: teaching.inspector.index is not None, timeout=3000)
    assert not teaching.inspector_dock.isHidden()
    assert teaching.inspector.index == index

    prepared = win.prepared
    trace = teaching.inspector.inspector.trace
    np.testing.assert_array_equal(trace.x, prepared.X_train[index])
    # the engine's own gradients for that one sample, with the weights shown
    net = Network(win.spec.copy(), seed=0)
    net.set_weights(worker_weights(win))
    Y = encode_targets(np.asarray(prepared.y_train)[index:index + 1], net.spec)
    loss = net.loss_and_gradients(prepared.X_train[index:index + 1], Y)
    assert trace.loss == pytest.approx(loss, rel=1e-12)
    for (dW, db), layer in zip(trace.gradients(), net.layers):
        np.testing.assert_allclose(dW, layer.dW, rtol=1e-10, atol=1e-14)
        np.testing.assert_allclose(db, layer.db, rtol=1e-10, atol=1e-14)


def test_rows_can_be_picked_for_data_without_a_plane(qtbot, window, circles):
    exp = circles()
    exp.data = DataConfig(source="builtin", name="iris", seed=0)
    win = window(exp)
    panel = win.teaching.inspector
    assert "Choose a row" in panel.hint.text()
    panel.row_box.setValue(12)
    qtbot.waitUntil(lambda: panel.index == 11, timeout=3000)
    assert not win.teaching.inspector_dock.isHidden()
    np.testing.assert_array_equal(panel.inspector.trace.x, win.prepared.X_train[11])


def test_apply_step_sets_the_workers_weights(qtbot, window):
    win = window()
    teaching = win.teaching
    assert teaching.inspect(3)
    inspector = teaching.inspector.inspector
    before = worker_weights(win)
    inspector.lr_spin.setValue(0.5)
    expected = [(W - 0.5 * dW, b - 0.5 * db)
                for (W, b), (dW, db) in zip(before, inspector.trace.gradients())]
    inspector.apply_button.click()
    qtbot.waitUntil(lambda: not same_weights(win._latest_weights, before), timeout=3000)
    assert win.wait_for_idle(3.0)
    for (W, b), (W2, b2) in zip(worker_weights(win), expected):
        np.testing.assert_allclose(W, W2, rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose(b, b2, rtol=1e-12, atol=1e-15)
    assert same_weights(win.network_view._weights, worker_weights(win))
    # the inspector keeps its before/after table (the weights it sent came back unchanged)
    assert inspector._applied is not None


# --- lessons ---------------------------------------------------------------------------------

def test_lessons_menu_lists_every_lesson(window):
    win = window()
    titles = [a.text() for a in win.teaching.lessons_menu.actions() if a.text()]
    lessons = load_lessons()
    assert len([t for t in titles if t[0].isdigit()]) == len(lessons)
    assert any(lessons[0].title in t for t in titles)


def test_a_lesson_opens_its_experiment_and_locks_its_controls(qtbot, window):
    win = window()
    teaching = win.teaching
    lesson = next(item for item in load_lessons() if item.id == "backprop_by_hand")
    teaching.open_lesson("backprop_by_hand")
    qtbot.waitUntil(lambda: win.experiment.name == lesson.load_experiment().name,
                    timeout=3000)
    assert not teaching.lesson_dock.isHidden()
    assert win.spec.sizes == [2, 2, 1]
    assert set(teaching.locks.names) == set(lesson.locked)
    data, designer, bar = win.data_panel, win.designer_panel, win.training_bar
    locked = [data.tiles["spiral"], data.regenerate, data.noise, data.test, designer.add_button,
              designer.rows[0].units, designer.rows[0].activation, designer.rows[0].remove,
              designer.override, designer.loss, designer.out_activation]
    for widget in locked:
        assert not widget.isEnabled(), widget
        assert widget.toolTip().startswith(LOCK_TIP)
    assert not teaching.paint_action.isEnabled()
    for widget in (bar.optimizer_combo, bar.lr_combo, designer.init):
        assert widget.isEnabled()  # not locked by this lesson
    # the designer rebuilding its rows does not unlock them
    designer.set_experiment(win.experiment)
    qtbot.wait(10)
    teaching.locks.apply()
    assert not designer.rows[0].activation.isEnabled()

    teaching.lesson_panel.close_lesson()
    assert teaching.locks.names == []
    assert teaching.lesson_dock.isHidden()
    for widget in (data.tiles["spiral"], designer.add_button, designer.rows[0].activation):
        assert widget.isEnabled() and not widget.toolTip().startswith(LOCK_TIP)
    assert teaching.paint_action.isEnabled()


def test_lesson_progress_follows_the_runs_epochs(qtbot, window):
    win = window()
    teaching = win.teaching
    teaching.open_lesson("xor_hidden_layer")
    qtbot.waitUntil(lambda: teaching.lesson_panel.current_lesson() is not None, timeout=3000)
    train_epochs(qtbot, win, 3)
    rows = teaching.lesson_panel._rows
    assert [int(r["epoch"]) for r in rows] == [1, 2, 3]
    win.reset_training()
    assert win.wait_for_idle(3.0)
    train_epochs(qtbot, win, 1)
    assert [int(r["epoch"]) for r in teaching.lesson_panel._rows] == [1]  # reset: new run


# --- runs and comparison ---------------------------------------------------------------------

def test_finished_runs_are_kept_and_overlaid(qtbot, window):
    win = window()
    teaching = win.teaching
    train_epochs(qtbot, win, 4)
    assert len(teaching.store) == 1
    first = teaching.store.list()[0]
    assert first.status == "finished" and first.epochs_done == 4
    assert first.experiment["training"]["learning_rate"] == pytest.approx(0.1)

    win.set_learning_rate(0.3)
    win.reset_training()
    assert win.wait_for_idle(3.0)
    train_epochs(qtbot, win, 2)
    second = teaching.store.list()[1]
    assert second.status == "finished" and second.epochs_done == 2
    np.testing.assert_allclose(second.column("train_loss")[1],
                               [r["train_loss"] for r in second.history])

    view = teaching.compare
    teaching.show_dock(teaching.compare_dock)
    view.refresh()
    assert view.checked_ids() == [first.id, second.id]  # new runs start ticked
    view.set_checked(first.id, False)
    assert {key[0] for key in view.curves} == {second.id}
    view.set_checked(first.id, True)
    assert {key[0] for key in view.curves} == {first.id, second.id}
    x, y = view.curves[(first.id, "train_loss")].getData()
    np.testing.assert_allclose(x, [1, 2, 3, 4])
    assert "learning rate" in view.legend_texts()[second.id]


def test_a_stopped_run_is_kept_as_stopped(qtbot, window):
    win = window()
    win.step_epoch()
    assert win.wait_for_idle(5.0)
    record = win.teaching.store.list()[0]
    assert record.status == "stopped" and record.epochs_done == 1
    win.reset_training()
    assert win.wait_for_idle(3.0)
    assert len(win.teaching.store) == 1 and win.teaching.recorder.current is None


def test_comparison_runs_train_in_a_background_thread(qtbot, window, monkeypatch, circles):
    win = window()
    teaching = win.teaching
    threads: list[threading.Thread] = []
    real = teaching_runs.record_training

    def spy(*args, **kwargs):
        threads.append(threading.current_thread())
        return real(*args, **kwargs)

    monkeypatch.setattr(teaching_runs, "record_training", spy)
    exps = [circles(epochs=3, learning_rate=lr) for lr in (0.01, 0.3)]
    for exp, lr in zip(exps, (0.01, 0.3)):
        exp.name = f"lr {lr}"
    teaching.compare_runs(exps)
    assert not teaching.compare_dock.isHidden()
    qtbot.waitUntil(lambda: len(teaching.store) == 2, timeout=15000)
    qtbot.waitUntil(lambda: not teaching.runner.busy, timeout=5000)
    assert threads and all(t is not threading.main_thread() for t in threads)
    names = [r.name for r in teaching.store.list()]
    assert names == ["lr 0.01", "lr 0.3"]
    assert all(r.status == "finished" and r.epochs_done == 3 for r in teaching.store.list())
    assert win.worker is not None and not win.running  # the window's own worker untouched


def test_background_runs_can_be_stopped(qtbot, window, circles):
    win = window()
    teaching = win.teaching
    teaching.compare_runs([circles(epochs=1_000_000), circles(epochs=1_000_000)])
    qtbot.waitUntil(lambda: teaching.batch_progress.isVisible(), timeout=5000)
    teaching.batch_progress.stop_button.click()
    qtbot.waitUntil(lambda: not teaching.runner.busy, timeout=5000)
    assert not teaching.batch_progress.isVisible()
    records = teaching.store.list()
    assert len(records) == 1 and records[0].status == "stopped"  # the second never began


def test_a_one_epoch_run_is_finished(qtbot, window):
    win = window()
    train_epochs(qtbot, win, 1)
    assert [(r.status, r.epochs_done) for r in win.teaching.store.list()] == [("finished", 1)]


def test_presets_menu_offers_the_classic_comparisons(window, monkeypatch):
    win = window()
    asked: list[list] = []
    monkeypatch.setattr(win.teaching.runner, "train", lambda exps, base=None: asked.append(exps))
    actions = [a for a in win.presets_menu.actions() if a.text().startswith("Compare: ")]
    assert any("sigmoid vs tanh vs ReLU" in a.text() for a in actions)
    assert any("SGD vs momentum vs Adam" in a.text() for a in actions)
    next(a for a in actions if "sigmoid" in a.text()).trigger()
    assert [e.hidden[0].activation for e in asked[0]] == ["sigmoid", "tanh", "relu"]


def test_run_requested_loads_and_starts_it(qtbot, window, circles):
    win = window()
    exp = circles(learning_rate=0.03)
    exp.name = "Duplicate"
    win.teaching.compare.run_requested.emit(exp)
    qtbot.waitUntil(lambda: win.running, timeout=3000)
    assert win.experiment.name == "Duplicate"
    win.pause()
    assert win.wait_for_idle(3.0)


# --- the weight timeline ---------------------------------------------------------------------

def test_scrubbing_shows_the_snapshot_weights_and_its_boundary(qtbot, window):
    win = window()
    teaching = win.teaching
    train_epochs(qtbot, win, 6)
    timeline = teaching.timeline
    assert timeline.epochs() == [0, 1, 2, 3, 4, 5, 6]
    moment = timeline[2]
    teaching.timeline_bar.scrub_to(2)
    expected = Network(win.spec.copy(), seed=0)
    np.copyto(expected.params, moment.params)
    qtbot.waitUntil(lambda: teaching.shown_weights is not None
                    and same_weights(teaching.shown_weights, expected.get_weights()),
                    timeout=3000)
    assert win.live_view_frozen
    assert same_weights(win.network_view._weights, expected.get_weights())
    output = grids.output_grid(expected, win.prepared.transform, win.session_context.extent,
                               100)
    # (the worker draws pictures in float32: equal up to its rounding)
    np.testing.assert_allclose(win.output_view._last_output["value"], output["value"],
                               rtol=0, atol=1e-5)
    # live training goes on underneath, the views keep showing the chosen moment
    win.step_batch()
    assert win.wait_for_idle(3.0)
    assert same_weights(win.network_view._weights, expected.get_weights())

    teaching.timeline_bar.present_button.click()
    assert not win.live_view_frozen
    assert same_weights(win.network_view._weights, worker_weights(win))


def test_resume_from_a_snapshot_loads_it_into_the_worker(qtbot, window):
    win = window()
    teaching = win.teaching
    train_epochs(qtbot, win, 5)
    moment = teaching.timeline[2]
    teaching.timeline_bar.scrub_to(2)
    qtbot.waitUntil(lambda: teaching.timeline_bar.resume_button.isVisible(), timeout=3000)
    teaching.timeline_bar.resume_button.click()
    qtbot.waitUntil(lambda: win._last_snapshot is not None
                    and win._last_snapshot.epoch == moment.epoch, timeout=3000)
    assert win.wait_for_idle(3.0)
    session = win.worker._session
    np.testing.assert_array_equal(session.network.params, moment.params)
    assert session.trainer.epoch == 2 and session.trainer.step_count == moment.step
    assert [int(r["epoch"]) for r in session.trainer.history] == [1, 2]
    assert teaching.timeline.epochs() == [0, 1, 2]
    assert not win.live_view_frozen
    # the loss plot and the comparison start the branch from epoch 2
    branch = teaching.recorder.current
    assert branch is not None and "from epoch 2" in branch.name
    assert [int(r["epoch"]) for r in branch.history] == [1, 2]
    win.step_epoch()
    assert win.wait_for_idle(5.0)
    assert session.trainer.epoch == 3
    assert teaching.timeline.epochs() == [0, 1, 2, 3]


# --- histograms ------------------------------------------------------------------------------

def test_histograms_dock_receives_the_workers_histograms(qtbot, window):
    win = window()
    teaching = win.teaching
    teaching.show_dock(teaching.histogram_dock)
    win.step_epoch()
    assert win.wait_for_idle(5.0)
    history = teaching.histograms.history
    qtbot.waitUntil(lambda: history.rows("weights") > 0, timeout=3000)
    assert history.n_layers("weights") == 3 and len(teaching.histograms.cells) == 3
    edges, counts = history.latest("weights", 0)
    assert counts.sum() == pytest.approx(win.spec.layers[0].units * win.spec.inputs)
    assert history.rows("activations") > 0 and history.rows("gradients") > 0
    win.reset_training()
    assert win.wait_for_idle(3.0)
    assert history.rows("weights") <= 1  # a new run starts a new history


# --- painted data ----------------------------------------------------------------------------

def paint_click(win: MainWindow, x: float, y: float) -> None:
    view = win.output_view
    scene = view.plot.vb.mapViewToScene(QPointF(x, y))
    QTest.mouseClick(view.graphics.viewport(), Qt.MouseButton.LeftButton,
                     pos=view.graphics.mapFromScene(scene))


def test_painted_points_train_and_round_trip_through_the_experiment_file(qtbot, window,
                                                                        tmp_path):
    win = window()
    teaching = win.teaching
    paint = teaching.start_painting()
    assert paint.mode == "add" and teaching.paint.toolbar.isVisible()
    assert teaching.paint.pending and win.live_view_frozen
    (xmin, xmax), (ymin, ymax) = win.output_view.plot.vb.viewRange()
    assert xmin <= -6 and xmax >= 6 and ymin <= -5.9 and ymax >= 5.9  # the (-6, 6) canvas
    generation = win._generation
    for x, y in ((-3.0, -2.0), (-2.0, -3.5), (-4.0, -1.0)):
        paint_click(win, x, y)
    assert win._generation == generation  # one class only: nothing to train yet
    paint.set_class(1)
    for x, y in ((3.0, 2.0), (2.5, 4.0)):
        paint_click(win, x, y)
    qtbot.waitUntil(lambda: win.experiment.data.source == "painted", timeout=3000)
    assert not teaching.paint.pending and not win.live_view_frozen
    points = win.experiment.data.points
    assert [p[2] for p in points] == [0, 0, 0, 1, 1]
    px, py = (abs(v) for v in win.output_view.plot.vb.viewPixelSize())
    for (x, y), p in zip(((-3.0, -2.0), (-2.0, -3.5), (-4.0, -1.0), (3.0, 2.0), (2.5, 4.0)),
                         points):
        assert abs(p[0] - x) <= 2 * px and abs(p[1] - y) <= 2 * py
    assert win.spec.inputs == 2 and win.data_panel.tiles["painted"].isChecked()
    extent = win.session_context.extent
    assert extent[0] <= -6 and extent[1] >= 6 and extent[2] <= -6 and extent[3] >= 6

    path = tmp_path / "painted.json"
    assert win.save_experiment_to(path)
    assert load_experiment(path).data.points == points
    win.new_experiment()
    assert win.experiment.data.source == "builtin"
    assert win.open_experiment_file(path)
    assert win.experiment.data.points == points
    assert paint.points() == points
    teaching.paint.finish()
    assert paint.mode == "navigate" and not teaching.paint.toolbar.isVisible()


def test_finishing_a_blank_canvas_brings_the_data_back(qtbot, window):
    win = window()
    teaching = win.teaching
    teaching.start_painting()
    assert win.output_view.train_points.data.size == 0
    teaching.paint.finish()
    assert not win.live_view_frozen
    assert win.output_view.train_points.data.size == len(win.prepared.X_train)


# --- the closed-form baseline ----------------------------------------------------------------

def test_baseline_for_sine_shows_both_fits_and_the_line(qtbot, window):
    win = window(sine())
    teaching = win.teaching
    baseline = teaching.baseline
    prepared = prepare_data(win.experiment)
    fits = baseline.fits()
    assert set(fits) == {True, False}
    expected = fit_linear(prepared.X_train, prepared.y_train, intercept=True)
    np.testing.assert_allclose(fits[True].coef, expected.coef)
    text = baseline.table.item(0, 1).text()
    assert float(text) == pytest.approx(expected.mse(prepared.X_train, prepared.y_train),
                                        rel=1e-3)
    assert teaching.baseline_curve.scene() is None  # drawn while the dock is open
    teaching.show_dock(teaching.baseline_dock)
    assert teaching.baseline_curve.scene() is not None
    xs, ys = teaching.baseline_curve.getData()
    np.testing.assert_allclose(ys, expected.predict(prepared.transform(xs[:, None])))
    train_epochs(qtbot, win, 2)
    assert baseline.table.item(2, 1).text() != "—"  # the network's loss beside it
    teaching.baseline_dock.hide()
    assert teaching.baseline_curve.scene() is None


def test_baseline_is_unavailable_for_classification(window):
    win = window()
    assert win.teaching.baseline.fit() is None
    assert "regression" in win.teaching.baseline.verdict.text()


# --- docks -----------------------------------------------------------------------------------

def test_teaching_docks_start_hidden_and_open_from_the_view_menu(window):
    win = window()
    teaching = win.teaching
    assert all(dock.isHidden() for dock in teaching.docks)
    action = teaching.view_actions["histograms"]
    action.trigger()
    assert not teaching.histogram_dock.isHidden() and action.isChecked()
    assert win.size().width() == 1280 and win.size().height() == 800
    action.trigger()
    assert teaching.histogram_dock.isHidden() and not action.isChecked()



def test_the_window_layout_keeps_the_teaching_docks(qtbot, circles):
    ensure_app()
    first = MainWindow(circles(), restore_layout=False)
    qtbot.addWidget(first)
    first.resize(1280, 800)
    first.show()
    qtbot.waitUntil(lambda: first.snapshots_drawn >= 1, timeout=5000)
    first.teaching.show_dock(first.teaching.compare_dock)
    first.close()  # saves the layout (in the tests' own settings scope)
    again = MainWindow(circles(), restore_layout=True)
    qtbot.addWidget(again)
    again.show()
    qtbot.waitUntil(lambda: again.snapshots_drawn >= 1, timeout=5000)
    try:
        assert not again.teaching.compare_dock.isHidden()
        assert again.teaching.inspector_dock.isHidden()
        assert not again.teaching.paint.toolbar.isVisible()
    finally:
        again.close()


def test_choosing_other_data_while_painting_leaves_the_canvas(qtbot, window, circles):
    win = window()
    teaching = win.teaching
    teaching.start_painting()
    assert win.live_view_frozen
    exp = circles()
    exp.data = DataConfig(source="builtin", name="moons", seed=0)
    assert win.open_experiment(exp)
    assert not teaching.paint.active and not win.live_view_frozen
    assert not teaching.paint.toolbar.isVisible()
    assert win.output_view.train_points.data.size == len(win.prepared.X_train)


def test_the_inspector_explains_a_scrubbed_moment_without_changing_the_network(qtbot, window):
    win = window()
    teaching = win.teaching
    train_epochs(qtbot, win, 3)
    moment = teaching.timeline[1]
    teaching.timeline_bar.scrub_to(1)
    expected = Network(win.spec.copy(), seed=0)
    np.copyto(expected.params, moment.params)
    qtbot.waitUntil(lambda: same_weights(teaching.shown_weights, expected.get_weights()),
                    timeout=3000)
    live = worker_weights(win)
    assert teaching.inspect(4)
    assert "epoch 1" in teaching.inspector.sample_label.text()
    assert same_weights(teaching.inspector.inspector.network.get_weights(),
                        expected.get_weights())
    teaching.inspector.inspector.apply_button.click()
    qtbot.wait(100)
    assert win.wait_for_idle(3.0)
    assert same_weights(worker_weights(win), live)  # only the inspector's copy moved
    assert "Resume from here" in win.statusBar().currentMessage()


def test_opening_and_closing_a_lesson_leaves_nothing_unsaved(qtbot, window):
    """Like a preset, a lesson's experiment is not a change the student made."""
    win = window()
    win.teaching.open_lesson("vanishing_gradients")
    qtbot.waitUntil(lambda: win.teaching.lesson_panel.current_lesson() is not None, timeout=3000)
    qtbot.wait(300)  # let the panels' rebuild settle
    assert not win.isWindowModified()
    win.teaching.close_lesson_action.trigger()
    qtbot.wait(300)
    assert not win.isWindowModified()


def test_a_lesson_brings_the_plot_it_talks_about_to_the_front(qtbot, window):
    win = window()
    win.plots.set_layout_mode("tabs")  # as when the lesson dock leaves little room
    assert win.plots.current_tab == "loss"
    win.teaching.open_lesson("vanishing_gradients")  # "look at the Gradients plot"
    qtbot.waitUntil(lambda: win.teaching.lesson_panel.current_lesson() is not None,
                    timeout=3000)
    qtbot.waitUntil(lambda: win.plots.current_tab == "gradients", timeout=3000)
    win.teaching.open_lesson("overfitting")  # "watch the loss plot"
    qtbot.waitUntil(lambda: win.plots.current_tab == "loss", timeout=3000)
    # a lesson without a focus leaves the plots as they are
    win.plots.show_plot("activations")
    win.teaching.open_lesson("backprop_by_hand")
    qtbot.wait(100)
    assert win.plots.current_tab == "activations"


def test_the_lesson_dock_turning_plots_into_tabs_keeps_the_lessons_plot(qtbot, window):
    win = window()
    win.teaching.open_lesson("vanishing_gradients")
    qtbot.waitUntil(lambda: win.plots.layout_mode == "tabs", timeout=3000)
    qtbot.waitUntil(lambda: win.plots.current_tab == "gradients", timeout=3000)
