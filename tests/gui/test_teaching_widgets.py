"""The teaching widgets (pytest-qt, off-screen): backpropagation inspector, closed-form
baseline view and lesson panel."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt

from nnstudio.engine.backprop import explain_sample, fmt
from nnstudio.engine.closed_form import fit_linear
from nnstudio.engine.experiment import Experiment, prepare_data
from nnstudio.engine.lessons import load_lessons
from nnstudio.engine.network import LayerSpec, Network, NetworkSpec
from nnstudio.gui.backprop_inspector import BackpropInspector
from nnstudio.gui.baseline_view import BaselineView
from nnstudio.gui.lesson_panel import LessonPanel, lesson_list


class Recorder:
    def __init__(self, signal) -> None:
        self.calls: list[tuple] = []
        signal.connect(lambda *args: self.calls.append(args))

    @property
    def last(self):
        return self.calls[-1][0] if self.calls else None


def seed004_network() -> Network:
    net = Network(NetworkSpec(2, [LayerSpec(2, "sigmoid"), LayerSpec(2, "sigmoid")],
                              loss="mse"))
    net.set_weights([(np.array([[0.15, 0.25], [0.20, 0.30]]), np.array([0.35, 0.35])),
                     (np.array([[0.40, 0.50], [0.45, 0.55]]), np.array([0.60, 0.60]))])
    return net


# --- backpropagation inspector ---------------------------------------------------------------

@pytest.fixture
def inspector(qtbot):
    widget = BackpropInspector()
    qtbot.addWidget(widget)
    widget.resize(1100, 760)
    widget.set_learning_rate(0.5)
    widget.set_network(seed004_network(), [0.05, 0.10], [0.01, 0.99], ["x1", "x2"],
                       encoded=True, sample_label="Seed 004")
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def tree_rows(widget: BackpropInspector) -> dict[str, list[str]]:
    out = {}
    for k in range(widget.tree.topLevelItemCount()):
        top = widget.tree.topLevelItem(k)
        for c in range(top.childCount()):
            item = top.child(c)
            out[f"{k}:{item.text(0)}"] = [item.text(col) for col in range(1, 5)]
    return out


def test_inspector_shows_z_a_and_delta(inspector) -> None:
    trace = inspector.trace
    rows = tree_rows(inspector)
    assert rows["1:a₁⁽²⁾"] == [fmt(0.3775), fmt(trace.layers[0].a[0]),
                              fmt(trace.layers[0].grad_a[0]), fmt(trace.layers[0].delta[0])]
    assert rows["2:a₁⁽³⁾"][:2] == ["1.106", "0.7514"]
    assert rows["2:a₂⁽³⁾"][1] == "0.7729"
    assert rows["2:a₁⁽³⁾"][3] == fmt(trace.layers[1].delta[0])
    assert rows["0:a₁⁽¹⁾  x1"][1] == "0.05"
    header = inspector.header.text()
    assert "J = 0.2984" in header and "Seed 004" in header


def test_clicking_a_weight_shows_its_chain_rule_factors(inspector, qtbot) -> None:
    diagram = inspector.diagram
    # the link from hidden unit 1 to output unit 1: w₁,₁⁽²⁾
    a, b = diagram._pos(1, 0), diagram._pos(2, 0)
    mid = QPoint(round(0.6 * a.x() + 0.4 * b.x()), round(0.6 * a.y() + 0.4 * b.y()))
    qtbot.mouseClick(diagram, Qt.MouseButton.LeftButton, pos=mid)
    factors = inspector.current_factors()
    assert (factors.layer, factors.i, factors.j) == (1, 0, 0)
    assert factors.values == pytest.approx([0.74136507, 0.186815602, 0.593269992], rel=1e-8)
    text = inspector.derivation.toPlainText()
    assert "(0.7514 − 0.01) × 0.1868 × 0.5933 = 0.08217" in text
    assert "σ′(z) = σ(z)(1 − σ(z))" in text
    assert "0.4 − 0.5 × 0.08217 = 0.3589" in text  # the SGD step for this weight
    assert inspector.layer_combo.currentIndex() == 1

    # a first-layer link: from x2 to hidden unit 2 (w₂,₂⁽¹⁾)
    a, b = diagram._pos(0, 1), diagram._pos(1, 1)
    mid = QPoint(round(0.5 * (a.x() + b.x())), round(0.5 * (a.y() + b.y())))
    qtbot.mouseClick(diagram, Qt.MouseButton.LeftButton, pos=mid)
    factors = inspector.current_factors()
    assert (factors.layer, factors.i, factors.j) == (0, 1, 1)
    assert factors.value == pytest.approx(inspector.trace.layers[0].dW[1, 1])
    assert "δ₁⁽³⁾ w₁,₂⁽²⁾ + δ₂⁽³⁾ w₂,₂⁽²⁾" in factors.formula


def test_picker_and_tree_select_weights_and_biases(inspector) -> None:
    inspector.layer_combo.setCurrentIndex(0)
    inspector.from_combo.setCurrentIndex(inspector.from_combo.count() - 1)  # bias
    inspector.to_combo.setCurrentIndex(1)
    f = inspector.current_factors()
    assert f.i is None and f.symbol == "b₂⁽¹⁾"
    assert f.value == pytest.approx(inspector.trace.layers[0].db[1])
    # a neuron in the tree: the first weight into it
    top = inspector.tree.topLevelItem(2)
    inspector._tree_clicked(top.child(1), 0)
    f = inspector.current_factors()
    assert (f.layer, f.i, f.j) == (1, 0, 1)


def test_apply_step_emits_w_minus_lr_times_the_engines_gradient(inspector, qtbot) -> None:
    net = seed004_network()
    X, Y = np.array([[0.05, 0.10]]), np.array([[0.01, 0.99]])
    J0 = net.loss_and_gradients(X, Y)
    expected = [(layer.W - 0.3 * layer.dW, layer.b - 0.3 * layer.db) for layer in net.layers]
    inspector.lr_spin.setValue(0.3)
    assert inspector.step_table.rowCount() == net.spec.n_params  # every weight and bias
    with qtbot.waitSignal(inspector.apply_step_requested) as blocker:
        qtbot.mouseClick(inspector.apply_button, Qt.MouseButton.LeftButton)
    weights = blocker.args[0]
    assert len(weights) == 2
    for (W, b), (W_exp, b_exp) in zip(weights, expected):
        np.testing.assert_allclose(W, W_exp, rtol=1e-12)
        np.testing.assert_allclose(b, b_exp, rtol=1e-12)
    # the inspector re-explains with the new weights: J fell
    assert inspector.trace.loss < J0
    assert "0.2984 → " in inspector.step_label.text() and "lower" in inspector.step_label.text()
    # the table shows the applied step: before -> after
    first = [inspector.step_table.item(0, c).text() for c in range(4)]
    assert first == ["w₁,₁⁽¹⁾", "0.15", fmt(net.layers[0].dW[0, 0]), fmt(expected[0][0][0, 0])]


def test_inspector_encodes_class_labels_and_reports_bad_samples(qtbot) -> None:
    widget = BackpropInspector()
    qtbot.addWidget(widget)
    spec = NetworkSpec(3, [LayerSpec(4, "maxout"), LayerSpec(3, "softmax")],
                       loss="cross_entropy", task="multiclass")
    net = Network(spec, seed=1)
    widget.set_network(net, [0.3, -1.2, 2.0], 2, ["a", "b", "c"])
    np.testing.assert_array_equal(widget.trace.y, [0.0, 0.0, 1.0])
    expected = explain_sample(net, [0.3, -1.2, 2.0], [0, 0, 1])
    np.testing.assert_allclose(widget.trace.layers[0].dW, expected.layers[0].dW)
    # maxout units list their pieces in the tree
    unit = widget.tree.topLevelItem(1).child(0)
    assert unit.childCount() == 2 and unit.text(1).startswith("max = ")
    from nnstudio.engine.errors import NNStudioError

    with pytest.raises(NNStudioError, match="input has 2 value"):
        widget.set_network(net, [0.3, 1.0], 1)
    # the inspector keeps showing the previous sample and still works
    assert widget.trace.x.tolist() == [0.3, -1.2, 2.0]
    widget.apply_step()
    with pytest.raises(NNStudioError, match="does not fit the network"):
        widget.set_network(net, [0.3, 1.0, 2.0], "cat")


def test_inspector_without_a_sample_says_so(qtbot) -> None:
    widget = BackpropInspector()
    qtbot.addWidget(widget)
    assert not widget.apply_button.isEnabled()
    assert "pick a training sample" in widget.header.text()
    widget.apply_step()  # nothing to do, no error
    assert widget.current_factors() is None


# --- baseline view ---------------------------------------------------------------------------

@pytest.fixture
def regression_data():
    exp = Experiment.from_dict({"data": {"source": "builtin", "name": "sine", "noise": 0.1,
                                         "standardize": False}})
    return prepare_data(exp)


def test_baseline_view_shows_both_losses(qtbot, regression_data) -> None:
    p = regression_data
    view = BaselineView()
    qtbot.addWidget(view)
    fits = Recorder(view.fit_changed)
    view.set_data(p.X_train, p.y_train, p.X_test, p.y_test, p.input_names)
    with_ones = fit_linear(p.X_train, p.y_train, intercept=True)
    without = fit_linear(p.X_train, p.y_train, intercept=False)
    table = view.table
    assert table.item(0, 1).text() == f"{with_ones.mse(p.X_train, p.y_train):.4g}"
    assert table.item(0, 2).text() == f"{with_ones.mse(p.X_test, p.y_test):.4g}"
    assert table.item(1, 1).text() == f"{without.mse(p.X_train, p.y_train):.4g}"
    assert table.item(2, 1).text() == "—"
    view.set_network_loss(0.0123, 0.0456)
    assert table.item(2, 1).text() == "0.0123" and table.item(2, 2).text() == "0.0456"
    assert "below the linear fit's" in view.verdict.text()
    assert fits.last is view.fit() and view.fit().fit_intercept
    np.testing.assert_allclose(view.predict(p.X_test), with_ones.predict(p.X_test))
    view.set_intercept(False)
    assert fits.last is view.fit() and not view.fit().fit_intercept
    np.testing.assert_allclose(view.predict(p.X_test), without.predict(p.X_test))
    view.set_network_loss(10.0, 11.0)
    assert "not yet reached" in view.verdict.text()


def test_baseline_view_reports_bad_data_and_no_data(qtbot) -> None:
    view = BaselineView()
    qtbot.addWidget(view)
    view.set_data(np.array([[1.0], [np.nan]]), np.array([1.0, 2.0]))
    assert "missing or infinite" in view.verdict.text()
    assert view.fit() is None and view.predict(np.zeros((2, 1))) is None
    view.set_unavailable("The closed-form baseline is for regression data.")
    assert "regression data" in view.verdict.text()


# --- lesson panel ----------------------------------------------------------------------------

@pytest.fixture
def panel(qtbot):
    widget = LessonPanel()
    qtbot.addWidget(widget)
    widget.resize(400, 780)
    widget.show()
    return widget


def test_lesson_list_for_a_menu() -> None:
    lessons = lesson_list()
    assert [lesson.id for lesson in lessons] == [lesson.id for lesson in load_lessons()]
    assert all(lesson.title for lesson in lessons)


def test_lesson_panel_opens_a_lesson(panel) -> None:
    experiments = Recorder(panel.open_experiment)
    locks = Recorder(panel.lock_controls)
    changed = Recorder(panel.lesson_changed)
    panel.set_lesson("xor_hidden_layer")
    assert isinstance(experiments.last, Experiment)
    assert experiments.last.name == "XOR needs a hidden layer"
    assert locks.last == ["dataset"]
    assert changed.last == "xor_hidden_layer"
    assert panel.title.text() == "XOR and hidden layers"
    assert "Minsky and Papert" in panel.text.toPlainText()
    assert panel.language_combo.isVisible() and panel.language_combo.count() == 2
    assert "Lesson 2 of" in panel.counter.text()
    assert "data set" in panel.locked_label.text()


def test_lesson_panel_switches_language(panel) -> None:
    panel.set_lesson("xor_hidden_layer")
    panel.language_combo.setCurrentIndex(panel.language_combo.findData("ko"))
    assert panel.language() == "ko"
    assert panel.title.text() == "XOR과 은닉층"
    assert "은닉층" in panel.text.toPlainText()
    assert panel.next_button.text() == "다음 강의 →"
    assert "데이터" in panel.locked_label.text()
    # the choice carries over to the next lesson that has the language
    panel.next_lesson()
    assert panel.current_lesson().id == "activation_functions"
    assert panel.title.text() == "활성화 함수"
    panel.set_language("en")
    assert panel.title.text() == "Activation functions"


def test_lesson_without_translation_hides_the_switch(panel) -> None:
    panel.set_lesson("overfitting", language="ko")
    assert panel.language() == "en"
    assert not panel.language_combo.isVisible()


def test_task_status_turns_done(panel) -> None:
    completed = Recorder(panel.task_completed)
    panel.set_lesson("learning_rate")
    assert "Press Play" in panel.status.text()
    rows = [{"epoch": 1, "train_loss": 0.6, "test_loss": 0.6, "train_accuracy": 0.6,
             "test_accuracy": 0.6}]
    panel.update_progress(rows)
    assert "goal" in panel.status.text() and not completed.calls
    rows.append({"epoch": 2, "train_loss": 0.1, "test_loss": 0.1, "train_accuracy": 0.97,
                 "test_accuracy": 0.97})
    panel.update_progress(rows)
    assert "✓" in panel.status.text() and "Task complete" in panel.status.text()
    assert completed.calls == [("learning_rate",)]
    panel.update_progress(rows)
    assert len(completed.calls) == 1  # once per lesson


def test_multi_step_task_and_gradients(panel) -> None:
    panel.set_lesson("vanishing_gradients")
    row = {"epoch": 1, "train_loss": 0.69, "test_loss": 0.69, "train_accuracy": 0.5,
           "test_accuracy": 0.5}
    panel.update_progress([row], [1e-7] + [1e-4] * 7 + [1e-2])
    assert panel.progress().step == 1
    marks = [panel.steps_box.itemAt(k).layout().itemAt(0).widget().text()
             for k in range(panel.steps_box.count())]
    assert marks == ["✓", "▶"]
    assert "Step 1 of 2 done" in panel.status.text()


def test_manual_task_and_closing(panel) -> None:
    locks = Recorder(panel.lock_controls)
    closed = Recorder(panel.closed)
    panel.set_lesson("backprop_by_hand")
    assert panel.mark_button.isVisible() and panel.mark_button.isEnabled()
    panel.mark_button.click()
    assert panel.progress().done and "✓" in panel.status.text()
    assert not panel.mark_button.isEnabled()
    panel.close_lesson()
    assert locks.last == [] and closed.calls
    assert panel.current_lesson() is None
    assert "Lessons" in panel.title.text()


def test_restart_reopens_the_experiment(panel) -> None:
    experiments = Recorder(panel.open_experiment)
    panel.set_lesson("optimizers")
    panel.restart_button.click()
    assert len(experiments.calls) == 2
    assert experiments.calls[0][0].to_dict() == experiments.calls[1][0].to_dict()


def test_unknown_lesson_id(panel) -> None:
    from nnstudio.engine.errors import NNStudioError

    with pytest.raises(NNStudioError, match="there is no lesson 'nope'"):
        panel.set_lesson("nope")


def test_the_empty_panel_lists_lessons_as_links(panel) -> None:
    from PySide6.QtCore import QUrl

    assert panel.current_lesson() is None
    assert "Vanishing gradients" in panel.text.toPlainText()
    assert not panel.next_button.isVisible() and not panel.task_box.isVisible()
    experiments = Recorder(panel.open_experiment)
    panel.text.anchorClicked.emit(QUrl("lesson:overfitting"))
    assert panel.current_lesson().id == "overfitting" and experiments.calls
    assert panel.next_button.isVisible()
