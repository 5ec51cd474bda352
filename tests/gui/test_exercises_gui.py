"""The perceptron exercise window: live table and line, dragging, checking, the rule stepper."""

from __future__ import annotations

import csv
import json
import math

import pytest
from PySide6.QtCore import QPointF, QSettings, Qt
from PySide6.QtTest import QTest

from nnstudio.engine.exercises import default_folder
from nnstudio.engine.perceptron import line_angle
from nnstudio.gui.exercises import ExerciseWindow


@pytest.fixture
def settings(tmp_path):
    return QSettings(str(tmp_path / "progress.ini"), QSettings.Format.IniFormat)


@pytest.fixture
def window(qtbot, settings):
    w = ExerciseWindow(progress_store=settings, exercise_dirs=[default_folder()])
    qtbot.addWidget(w)
    w.resize(1280, 800)
    w.show()
    qtbot.waitExposed(w)
    return w


def s_text(w: ExerciseWindow, row: int) -> str:
    return w.table.text(row, w.table.s_column)


def mark(w: ExerciseWindow, row: int) -> str:
    return w.table.text(row, w.table.columnCount() - 1)


def to_viewport(w: ExerciseWindow, x: float, y: float):
    scene = w.plot.view.mapViewToScene(QPointF(x, y))
    return w.plot.widget.mapFromScene(scene)


def drag(w: ExerciseWindow, start, end, steps: int = 12) -> None:
    viewport = w.plot.widget.viewport()
    QTest.mousePress(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, start)
    for i in range(1, steps + 1):
        QTest.mouseMove(viewport, start + (end - start) * (i / steps))
    QTest.mouseRelease(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, end)


def test_lists_every_exercise_and_opens_the_first(window):
    assert len(window.exercises) == len(list(default_folder().glob("*.json")))
    assert window.current.id == "and_by_hand"
    assert window.title.text() == "AND by hand"
    assert window.table.rowCount() == 4
    assert not window.stepper_box.isVisibleTo(window)
    assert "0 of" in window.progress_label.text()


def test_editing_a_weight_updates_the_table_and_the_line(window):
    window.set_parameters((1.0, 1.0), -1.5)
    assert [s_text(window, r) for r in range(4)] == [
        "1.0×0 + 1.0×0 + (−1.5) = −1.5",
        "1.0×0 + 1.0×1 + (−1.5) = −0.5",
        "1.0×1 + 1.0×0 + (−1.5) = −0.5",
        "1.0×1 + 1.0×1 + (−1.5) = 0.5",
    ]
    assert [mark(window, r) for r in range(4)] == ["✓"] * 4
    angle_before = window.plot.line.angle
    # the student types w2 = 0.5 into the spin box
    window.controls.weight_rows[1].spin.setValue(0.5)
    assert window.weights == (1.0, 0.5)
    assert s_text(window, 3) == "1.0×1 + 0.5×1 + (−1.5) = 0.0"
    assert mark(window, 3) == "✗"
    assert window.controls.weight_rows[1].slider.value() == 50
    assert window.plot.line.angle == pytest.approx(line_angle((1.0, 0.5)))
    assert window.plot.line.angle != pytest.approx(angle_before)
    assert "1.0·x1 + 0.5·x2 − 1.5 = 0" in window.plot.equation.text()
    # the line passes through its pivot point, which lies on w·x + b = 0
    px, py = window.plot.pivot
    assert 1.0 * px + 0.5 * py - 1.5 == pytest.approx(0.0, abs=1e-9)
    # moving the bias slider updates the spin box, the table and the line too
    window.controls.bias_row.slider.setValue(-120)
    assert window.bias == -1.2
    assert window.controls.bias_row.spin.value() == pytest.approx(-1.2)
    assert s_text(window, 3) == "1.0×1 + 0.5×1 + (−1.2) = 0.3"
    px, py = window.plot.pivot
    assert 1.0 * px + 0.5 * py - 1.2 == pytest.approx(0.0, abs=1e-9)


def test_dragging_the_line_moves_it_and_keeps_the_weights(window, qtbot):
    window.set_parameters((1.0, 1.0), -1.5)
    px, py = window.plot.pivot
    start = to_viewport(window, px + 0.1, py - 0.1)  # a point on the line
    end = to_viewport(window, px - 0.4, py - 0.6)  # 0.5 down-left of it (x1 + x2 falls by 1)
    drag(window, start, end)
    assert window.weights == (1.0, 1.0)
    assert window.bias == pytest.approx(-0.5, abs=0.02)
    assert window.controls.bias_row.spin.value() == pytest.approx(window.bias)
    assert [mark(window, r) for r in range(4)].count("✓") == 2  # now it is OR's line


def test_dragging_the_round_handle_turns_the_line(window):
    window.set_parameters((1.0, 1.0), -1.5)
    handle = window.plot.rotate_handle.pos()
    px, py = window.plot.pivot
    drag(window, to_viewport(window, handle.x(), handle.y()), to_viewport(window, px, py + 0.6))
    w1, w2 = window.weights
    assert math.hypot(w1, w2) == pytest.approx(math.sqrt(2), abs=0.02)  # length kept
    assert w2 == pytest.approx(0.0, abs=0.03)  # the line is now vertical
    assert w1 * px + w2 * py + window.bias == pytest.approx(0.0, abs=0.03)  # turned on pivot
    assert window.controls.weight_rows[0].spin.value() == pytest.approx(w1)
    assert "·x1" in window.plot.equation.text()


def test_handle_signals_update_the_weights(window):
    """The same paths without a mouse: moving the items emits the new weights."""
    window.set_parameters((1.0, 1.0), -1.5)
    window.plot.line.setPos(QPointF(0.0, 0.5))
    assert window.weights == (1.0, 1.0) and window.bias == -0.5
    window.plot.move_handle.setPos(QPointF(1.0, 1.0))
    assert window.bias == -2.0
    assert [mark(window, r) for r in range(4)] == ["✓", "✓", "✓", "✗"]


def test_check_hints_and_progress_survive_a_restart(window, qtbot, settings):
    window.select_exercise("or_by_hand")
    waits = []
    for _ in range(2):
        result = window.check()
        assert not result.solved
        assert "Hint:" not in window.feedback.text()
        waits.append(window.feedback.text().split("A hint appears after ")[1])
    assert waits == ["2 more tries.</i>", "1 more try.</i>"]
    assert "row 2, x = (0, 1)" in window.feedback.text()
    window.check()
    assert "Hint:" in window.feedback.text()
    assert "Only the bias has to change" in window.feedback.text()
    window.set_parameters((1.0, 1.0), -0.5)
    with qtbot.waitSignal(window.exercise_solved) as solved:
        assert window.check().solved
    assert solved.args == ["or_by_hand"]
    assert window.feedback.text().startswith("<b>✓ Solved!")
    assert window._items["or_by_hand"].text().startswith("✓")
    assert json.loads(settings.value("exercises/solved")) == ["or_by_hand"]

    again = ExerciseWindow(progress_store=settings, exercise_dirs=[default_folder()])
    qtbot.addWidget(again)
    assert again.progress.is_solved("or_by_hand")
    assert again._items["or_by_hand"].text().startswith("✓")
    assert again._items["and_by_hand"].text().startswith("○")
    assert "1 of" in again.progress_label.text()


def test_stepper_applies_exactly_one_update_per_step(window, qtbot):
    window.select_exercise("and_rule_table")
    panel = window.stepper_panel
    assert window.stepper_box.isVisibleTo(window)
    assert (window.weights, window.bias) == ((0.55, 0.55), -0.45)
    qtbot.mouseClick(panel.step_button, Qt.MouseButton.LeftButton)
    assert panel.model.rowCount() == 1
    assert (window.weights, window.bias) == ((0.55, 0.55), -0.45)  # row 1 was right
    assert window.table.item(0, 0).background().color().name() == "#fff3c4"
    qtbot.mouseClick(panel.step_button, Qt.MouseButton.LeftButton)
    assert panel.model.rowCount() == 2
    assert (window.weights, window.bias) == ((0.55, 0.5), -0.5)
    assert window.controls.weight_rows[1].spin.value() == 0.5
    assert window.controls.bias_row.spin.value() == -0.5
    text = panel.arithmetic.text()
    assert "Epoch 1, row 2" in text
    assert "w2 ← 0.55 + 0.05·(0 − 1)·1 = 0.5" in text
    assert "b ← −0.45 + 0.05·(0 − 1)·1 = −0.5" in text
    assert window.table.item(1, 0).background().color().name() == "#fff3c4"
    assert s_text(window, 1) == "0.55×0 + 0.5×1 + (−0.5) = 0.0"
    assert panel.model.cell(panel.model.updates[1], 9) == "(0.55, 0.5)"
    # one epoch: the two remaining rows of epoch 1
    qtbot.mouseClick(panel.epoch_button, Qt.MouseButton.LeftButton)
    assert panel.model.rowCount() == 4 and panel.stepper.epochs_done == 1
    assert (window.weights, window.bias) == ((0.5, 0.5), -0.55)


def test_run_until_converged_marks_the_exercise(window, qtbot):
    window.select_exercise("and_rule_from_zero_bias")
    panel = window.stepper_panel
    qtbot.mouseClick(panel.run_button, Qt.MouseButton.LeftButton)
    assert panel.running and panel.run_button.text() == "Stop"
    qtbot.waitUntil(lambda: not panel.running, timeout=10000)
    assert panel.stepper.converged and panel.stepper.epochs_done == 5
    assert panel.model.rowCount() == 20
    assert (window.weights, window.bias) == ((0.35, 0.35), -0.4)
    assert "Converged" in panel.outcome_text.text()
    assert window.progress.is_solved("and_rule_from_zero_bias")
    assert not panel.step_button.isEnabled()


def test_xor_stops_explains_and_offers_the_preset(window, qtbot):
    window.select_exercise("xor_rule")
    panel = window.stepper_panel
    panel.max_epochs.setValue(6)
    panel.run()
    qtbot.waitUntil(lambda: not panel.running, timeout=10000)
    assert not panel.stepper.converged and panel.stepper.epochs_done == 6
    assert panel.model.rowCount() == 24
    assert panel.outcome.isVisibleTo(window)
    assert "not linearly separable" in panel.outcome_text.text()
    assert "hidden layer" in panel.outcome_text.text()
    assert panel.preset_button.isVisibleTo(window)
    with qtbot.waitSignal(window.open_preset_requested) as request:
        qtbot.mouseClick(panel.preset_button, Qt.MouseButton.LeftButton)
    assert request.args == ["xor_hidden_layer.json"]
    assert window.progress.is_solved("xor_rule")  # done: the student saw why it fails
    assert not window.check().solved


def test_a_long_run_takes_several_samples_per_frame(window, qtbot):
    window.select_exercise("xor_rule")
    panel = window.stepper_panel
    panel.max_epochs.setValue(300)
    panel._timer.setInterval(1)
    panel.run()
    qtbot.waitUntil(lambda: not panel.running, timeout=20000)
    assert panel.stepper.epochs_done == 300
    assert panel.model.rowCount() == 1200 == len(panel.updates)
    assert [u.epoch for u in panel.updates[::4]] == list(range(1, 301))
    assert "goes round in a circle" in panel.outcome_text.text()


def test_editing_weights_restarts_the_rule_and_eta_applies(window, qtbot):
    window.select_exercise("and_rule_table")
    panel = window.stepper_panel
    panel.step_sample()
    panel.step_sample()
    window.controls.bias_row.spin.setValue(0.0)
    assert panel.model.rowCount() == 0 and panel.stepper.position == 0
    assert panel.stepper.perceptron.bias == 0.0
    assert "starts again" in window.feedback.text()
    window.controls.eta_row.spin.setValue(0.1)
    u = panel.step_sample()
    assert u.learning_rate == 0.1
    # "Start again" goes back to the file's start values
    qtbot.mouseClick(panel.restart_button, Qt.MouseButton.LeftButton)
    assert (window.weights, window.bias) == ((0.55, 0.55), -0.45)
    assert panel.model.rowCount() == 0


def test_update_table_exports_to_csv(window, tmp_path):
    window.select_exercise("and_rule_table")
    panel = window.stepper_panel
    panel.step_epoch()
    panel.step_epoch()
    path = tmp_path / "updates.csv"
    panel.export_csv(path)
    rows = list(csv.reader(path.open(encoding="utf-8")))
    assert rows[0][:8] == ["epoch", "row", "x1", "x2", "S", "output", "target", "error"]
    assert rows[0][-3:] == ["w1", "w2", "b"]
    assert len(rows) == 1 + 8
    assert rows[2] == ["1", "2", "0", "1", "0.1", "1", "0", "-1", "0", "-0.05", "-0.05",
                       "0.55", "0.5", "-0.5"]  # fmt: skip
    assert rows[-1][-3:] == ["0.5", "0.5", "-0.55"]
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]  # no temporary left


def test_criterion_rule_shows_the_gradient_step(window):
    window.select_exercise("criterion_gradient_step")
    window.stepper_panel.step_sample()
    assert (window.weights, window.bias) == ((3.0, 3.0), -5.0)
    assert "w ← [−6, 2, 2] + [1, 1, 1] = [−5, 3, 3]" in window.stepper_panel.arithmetic.text()


def test_three_inputs_show_bars_instead_of_a_line(window):
    window.select_exercise("majority_by_hand")
    assert window.plot_stack.currentWidget() is window.sum_bars
    hint = window.statusBar().currentMessage()
    assert "Drag the line" not in hint and "bar" in hint  # no line to drag with 3 inputs
    assert len(window.controls.weight_rows) == 3
    window.set_parameters((1.0, 1.0, 1.0), -1.5)
    assert window.check().solved
    assert window.table.columnCount() == 3 + 5


def test_status_hint_follows_the_exercise(window):
    assert "round handle" in window.statusBar().currentMessage()
    window.select_exercise("majority_by_hand")
    assert "round handle" not in window.statusBar().currentMessage()
    window.select_exercise("and_by_hand")
    assert "round handle" in window.statusBar().currentMessage()


def test_row_count_agrees_in_number(window):
    window.select_exercise("and_by_hand")
    window.set_parameters((0.0, 0.0), -1.0)  # output 0 everywhere: 3 of AND's rows are right
    assert window.feedback.text().startswith("3 of 4 rows give their target.")
    window.set_parameters((1.0, 1.0), 0.5)  # every S > 0: only (1, 1) is right
    assert window.feedback.text().startswith("1 of 4 rows gives its target.")


def test_bad_exercise_files_are_reported_not_fatal(qtbot, tmp_path, settings):
    good = json.loads((default_folder() / "and_by_hand.json").read_text(encoding="utf-8"))
    (tmp_path / "good.json").write_text(json.dumps(good), encoding="utf-8")
    (tmp_path / "bad.json").write_text(json.dumps({**good, "id": "bad", "targets": [0, 1]}))
    (tmp_path / "broken.json").write_text("{", encoding="utf-8")
    w = ExerciseWindow(progress_store=settings, exercise_dirs=[tmp_path])
    qtbot.addWidget(w)
    assert [e.id for e in w.exercises] == ["and_by_hand"]
    assert w.errors_label.isVisibleTo(w)
    text = w.errors_label.text()
    assert "2 exercise file(s) skipped" in text
    assert "bad.json: key &#x27;targets&#x27;" in text or "bad.json: key 'targets'" in text
    assert "broken.json: is not valid JSON" in text


def test_no_exercises_at_all(qtbot, tmp_path, settings):
    w = ExerciseWindow(progress_store=settings, exercise_dirs=[tmp_path])
    qtbot.addWidget(w)
    assert w.current is None and w.title.text() == "No exercises found"
    assert w.check() is None
