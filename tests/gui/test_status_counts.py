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
