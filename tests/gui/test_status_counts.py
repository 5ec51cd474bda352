"""The status bar's network summary counts in words that agree with the number."""

from __future__ import annotations


def test_one_neuron_and_one_parameter_are_singular(qtbot, window, circles):
    exp = circles()
    exp.hidden = []  # 2-1: one output neuron, two weights and a bias
    win = window(exp)
    assert win._status_arch.text() == "2-1  ·  1 neuron  ·  3 parameters"

    exp = circles()
    exp.hidden = []
    exp.data.features = ["x1"]  # 1-1: one neuron, one weight and a bias
    win.open_experiment(exp)
    assert win._status_arch.text() == "1-1  ·  1 neuron  ·  2 parameters"


def test_the_loss_readout_before_and_within_the_first_epoch(qtbot, window):
    win = window()
    assert win._status_loss.text() == "Loss: —"  # nothing trained yet
    win.step_batch()
    qtbot.waitUntil(lambda: win._last_snapshot is not None and win._last_snapshot.step == 1,
                    timeout=5000)
    first = win._status_loss.text()
    assert first.startswith("Batch loss: ")
    win.worker.request_snapshot()  # a paused snapshot without new steps keeps that reading
    drawn = win.snapshots_drawn
    qtbot.waitUntil(lambda: win.snapshots_drawn > drawn, timeout=5000)
    assert win._status_loss.text() == first
