"""CompareView overlays the ticked runs' own data with a legend of their differences;
TimelineBar scrubs to the right snapshot; HistogramView draws what the engine computed."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog

from nnstudio.engine.experiment import (
    DataConfig,
    Experiment,
    build_network,
    build_trainer,
    prepare_data,
)
from nnstudio.engine.histograms import HistogramHistory, all_histograms
from nnstudio.engine.network import LayerSpec
from nnstudio.engine.runs import (
    RunStore,
    comparison_presets,
    duplicate_with_change,
    record_training,
)
from nnstudio.engine.timeline import WeightTimeline
from nnstudio.engine.training import TrainConfig
from nnstudio.gui.compare_view import CompareView, DuplicateDialog
from nnstudio.gui.histogram_view import HistogramView
from nnstudio.gui.timeline_bar import TimelineBar


def base_experiment() -> Experiment:
    return Experiment(
        name="Circles",
        data=DataConfig(source="builtin", name="circles", samples=120, noise=0.05, seed=2),
        hidden=[LayerSpec(6, "sigmoid"), LayerSpec(6, "sigmoid"), LayerSpec(6, "sigmoid")],
        training=TrainConfig(optimizer="sgd", learning_rate=0.3, batch_size=16, epochs=12),
    )


@pytest.fixture(scope="module")
def runs():
    base = base_experiment()
    sigmoid = record_training(base)
    relu = record_training(duplicate_with_change(base, "hidden.activation", "relu"))
    adam = record_training(duplicate_with_change(base, "training.optimizer", "adam"))
    return sigmoid, relu, adam


@pytest.fixture
def view(qtbot, runs):
    store = RunStore()
    for record in runs:
        store.add(record)
    v = CompareView()
    qtbot.addWidget(v)
    v.set_store(store)
    v.resize(1100, 620)
    v.show()
    qtbot.waitExposed(v)
    return v


def curve_data(curve):
    return np.asarray(curve.xData), np.asarray(curve.yData)


def test_new_runs_are_listed_and_ticked(view, runs):
    assert view.tree.topLevelItemCount() == 3
    names = [view.tree.topLevelItem(i).text(0) for i in range(3)]
    assert names == [r.name for r in runs]
    assert view.checked_ids() == [r.id for r in runs]
    item = view.tree.topLevelItem(1)
    assert item.text(1) == "finished" and item.text(2) == "12"
    acc = runs[1].final_metrics()["test_accuracy"]
    assert item.text(3) == f"{100 * acc:.1f} %"
    colors = {view.color_of(r.id) for r in runs}
    assert len(colors) == 3


def test_overlays_show_exactly_the_ticked_runs_data(view, runs):
    sigmoid, relu, adam = runs
    view.tree.topLevelItem(2).setCheckState(0, Qt.CheckState.Unchecked)  # untick adam
    assert view.checked_ids() == [sigmoid.id, relu.id]
    shown = {key[0] for key in view.curves}
    assert shown == {sigmoid.id, relu.id}
    for record in (sigmoid, relu):
        for key in ("train_loss", "test_loss"):
            x, y = curve_data(view.curves[(record.id, key)])
            epochs, values = record.column(key)
            np.testing.assert_array_equal(x, epochs)
            np.testing.assert_allclose(y, values)
        x, y = curve_data(view.curves[(record.id, "test_accuracy")])
        np.testing.assert_allclose(y, 100 * record.column("test_accuracy")[1])
        # gradients: first and last layer by default
        for layer in (0, record.n_layers - 1):
            x, y = curve_data(view.curves[(record.id, "grad", layer)])
            np.testing.assert_allclose(y, record.column(f"grad/layer{layer}")[1])
        assert (record.id, "grad", 1) not in view.curves
        pen = view.curves[(record.id, "train_loss")].opts["pen"]
        assert pen.color().name() == view.color_of(record.id)
    # line style per layer: output solid, first hidden layer dashed
    assert view.curves[(relu.id, "grad", 3)].opts["pen"].style() == Qt.PenStyle.SolidLine
    assert view.curves[(relu.id, "grad", 0)].opts["pen"].style() == Qt.PenStyle.DashLine
    view.layer_box.setCurrentText("all layers")
    assert {k[2] for k in view.curves if k[0] == relu.id and k[1] == "grad"} == {0, 1, 2, 3}
    view.layer_box.setCurrentText("Hidden 2")
    assert {k[2] for k in view.curves if k[1] == "grad"} == {1}


def test_the_legend_says_how_runs_differ(view, runs):
    sigmoid, relu, adam = runs
    texts = view.legend_texts()
    assert texts == {sigmoid.id: "baseline",
                     relu.id: "hidden activations: sigmoid ×3 → relu ×3",
                     adam.id: "optimizer: sgd → adam"}
    legend = view.legend.text()
    assert "hidden activations: sigmoid ×3 → relu ×3" in legend
    assert "optimizer: sgd → adam" in legend
    assert legend.index(sigmoid.name) < legend.index(relu.name)
    view.set_baseline(adam.id)
    assert view.compared_runs()[0] is adam
    assert view.legend_texts()[sigmoid.id] == "optimizer: adam → sgd"


def test_removing_runs_updates_list_and_curves(view, runs):
    view.tree.topLevelItem(0).setSelected(True)
    assert view.remove_button.isEnabled()
    view.remove_button.click()
    assert view.tree.topLevelItemCount() == 2
    assert runs[0].id not in {k[0] for k in view.curves}
    assert runs[0].id not in view.store()


def test_the_view_follows_the_store(view, qtbot, runs):
    store = view.store()
    extra = record_training(duplicate_with_change(base_experiment(), "training.epochs", 3))
    store.add(extra)
    qtbot.waitUntil(lambda: view.tree.topLevelItemCount() == 4, timeout=3000)  # polled
    assert (extra.id, "train_loss") in view.curves


def test_classic_comparisons_menu_emits_experiments(view, qtbot):
    view._fill_classic_menu()
    actions = view.classic_menu.actions()
    assert [a.text() for a in actions] == [c.title for c in comparison_presets()]
    with qtbot.waitSignal(view.runs_requested) as blocker:
        actions[1].trigger()
    experiments = blocker.args[0]
    assert [e.training.optimizer for e in experiments] == ["sgd", "momentum", "adam"]


def test_duplicate_dialog_builds_one_change(qtbot, runs):
    base = runs[0].experiment_object()
    dialog = DuplicateDialog(base)
    qtbot.addWidget(dialog)
    dialog.set_setting("training.learning_rate")
    assert dialog.current_label.text() == "0.3"
    dialog.set_value("abc")
    assert "expected a number" in dialog.error_label.text()
    dialog.set_value("0.03")
    assert "learning rate: 0.3 → 0.03" in dialog.preview.text()
    dialog.set_setting("hidden.activation")
    dialog.set_value("tanh")
    dialog.accept()
    assert dialog.result() == QDialog.DialogCode.Accepted
    exp = dialog.experiment()
    assert [h.activation for h in exp.hidden] == ["tanh"] * 3
    assert exp.training.seed == base.training.seed
    assert exp.training.learning_rate == 0.3


def test_duplicate_base_prefers_the_selected_run(view, runs):
    view.tree.topLevelItem(2).setSelected(True)
    assert view.duplicate_base().training.optimizer == "adam"


def test_empty_view(qtbot):
    v = CompareView()
    qtbot.addWidget(v)
    assert v.tree.topLevelItemCount() == 0
    assert not v.duplicate_button.isEnabled()
    v.set_store(RunStore())
    assert v.empty_label.isVisibleTo(v)
    v.set_base_experiment(base_experiment())
    assert v.duplicate_button.isEnabled()
    assert v.curves == {}


# --- timeline ---------------------------------------------------------------------------------

@pytest.fixture
def timeline():
    exp = base_experiment()
    prepared = prepare_data(exp)
    network = build_network(exp, prepared)
    trainer = build_trainer(exp, prepared, network)
    tl = WeightTimeline()
    tl.add(0, 0, network.params)
    for _ in range(6):
        report = trainer.run_epoch()
        tl.add(report.epoch, report.step, network.params, {"train_loss": report.train_loss})
    return tl, network


@pytest.fixture
def bar(qtbot, timeline):
    b = TimelineBar()
    qtbot.addWidget(b)
    b.set_timeline(timeline[0])
    b.resize(1000, 40)
    b.show()
    qtbot.waitExposed(b)
    return b


def test_timeline_starts_at_the_present(bar, timeline):
    tl, _ = timeline
    assert bar.slider.maximum() == len(tl) == 7
    assert bar.slider.value() == 7
    assert not bar.is_scrubbing and bar.current_snapshot() is None
    assert not bar.resume_button.isVisibleTo(bar)
    assert bar.status.text() == "Now · latest snapshot: epoch 6"


def test_scrubbing_emits_the_right_snapshot(bar, qtbot, timeline):
    tl, network = timeline
    with qtbot.waitSignal(bar.scrubbed) as blocker:
        bar.scrub_to(3)
    snap = blocker.args[0]
    assert snap is tl[3] and snap.epoch == 3
    assert bar.is_scrubbing and bar.current_snapshot() is snap
    assert bar.status.text().startswith("Viewing epoch 3 · train loss ")
    assert bar.resume_button.isVisibleTo(bar) and bar.present_button.isVisibleTo(bar)
    # what the main window does with it: the display copy gets exactly these weights
    display = network.copy()
    tl.restore(display, snap)
    np.testing.assert_array_equal(display.params, tl[3].params)
    # the keyboard moves one snapshot at a time
    with qtbot.waitSignal(bar.scrubbed) as blocker:
        qtbot.keyClick(bar.slider, Qt.Key.Key_Left)
    assert blocker.args[0].epoch == 2


def test_back_to_the_present_and_resume(bar, qtbot, timeline):
    tl, _ = timeline
    bar.scrub_to(2)
    with qtbot.waitSignal(bar.present_requested):
        bar.present_button.click()
    assert not bar.is_scrubbing and bar.slider.value() == len(tl)
    bar.scrub_to(4)
    with qtbot.waitSignal(bar.resume_requested) as blocker:
        bar.resume_button.click()
    assert blocker.args[0].epoch == 4
    assert not bar.is_scrubbing
    tl.truncate_after(4)  # what the main window does on resume
    bar.refresh()
    assert bar.slider.maximum() == 5
    # dragging to the right end is the present too
    bar.scrub_to(1)
    with qtbot.waitSignal(bar.present_requested):
        bar.scrub_to(5)


def test_scrubbed_moment_survives_growth_and_thinning(bar, qtbot, timeline):
    tl, network = timeline
    bar.scrub_to(5)
    for epoch in range(7, 10):
        tl.add(epoch, epoch * 10, network.params)
    bar.refresh()
    assert bar.current_snapshot().epoch == 5
    assert bar.slider.value() == 5 and bar.slider.maximum() == len(tl)
    with qtbot.waitSignal(bar.present_requested):
        tl.clear()
        bar.refresh()


def test_empty_timeline(qtbot):
    b = TimelineBar()
    qtbot.addWidget(b)
    assert not b.slider.isEnabled()
    b.set_timeline(WeightTimeline())
    assert b.status.text() == "Snapshots appear at every epoch"


# --- histograms -------------------------------------------------------------------------------

def test_histogram_view_shows_the_engine_histograms(qtbot):
    exp = base_experiment()
    prepared = prepare_data(exp)
    network = build_network(exp, prepared)
    trainer = build_trainer(exp, prepared, network)
    view = HistogramView()
    qtbot.addWidget(view)
    view.resize(800, 500)
    view.show()
    names = ["Hidden 1", "Hidden 2", "Hidden 3", "Output"]
    view.reset(names, [layer.activation for layer in network.layers])
    assert len(view.cells) == 4
    reference = HistogramHistory()
    for _ in range(20):
        report = trainer.step()
        hists = all_histograms(network, X=prepared.X_train[:64])
        view.append(report.step, hists)
        reference.add_all(report.step, hists)
    view.flush()
    for kind in ("weights", "activations", "gradients"):
        view.set_kind(kind)
        for i, cell in enumerate(view.cells):
            img, steps, edges = reference.image(kind, i, gamma=0.6)
            np.testing.assert_allclose(cell.image.image, img.T)
            rect = cell.image.mapRectToParent(cell.image.boundingRect())
            assert rect.left() == pytest.approx(steps[0])
            assert rect.bottom() == pytest.approx(edges[-1]) or \
                rect.top() == pytest.approx(edges[-1])
            latest_edges, counts = reference.latest(kind, i)
            np.testing.assert_allclose(cell.bars.opts["width"], counts / counts.max())
    assert view.step_label.text() == "step 20"
    assert "vanishing" in view.caption.text()  # the gradients caption
    view.same_scale.setChecked(True)
    ranges = {tuple(np.round(c.image_plot.viewRange()[1], 9)) for c in view.cells}
    assert len(ranges) == 1
    with pytest.raises(ValueError, match="unknown histogram kind"):
        view.set_kind("biases")
