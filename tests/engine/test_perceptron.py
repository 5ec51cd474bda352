"""The perceptron engine against the lecture notes (seeds 004 and 000)."""

from __future__ import annotations

import csv
import io
import itertools

import pytest

from nnstudio.engine.errors import NNStudioError
from nnstudio.engine.perceptron import (
    Perceptron,
    RuleStepper,
    clip_line,
    closest_point_on_line,
    explain_update,
    format_number,
    half_plane_polygon,
    is_linearly_separable,
    line_equation,
    rotate_line,
    rotation_handle,
    separating_weights,
    sum_arithmetic,
    translate_line,
    updates_to_csv,
)

X = [(0, 0), (0, 1), (1, 0), (1, 1)]
AND, OR, NAND, NOR, XOR = [0, 0, 0, 1], [0, 1, 1, 1], [1, 1, 1, 0], [1, 0, 0, 0], [0, 1, 1, 0]


def test_issue_example_numbers():
    p = Perceptron(weights=[0.55, 0.55], bias=-0.45, learning_rate=0.05)
    assert p.weighted_sum([0, 1]) == 0.1
    assert p.output([0, 1]) == 1
    u = p.learn([0, 1], target=0)
    assert (u.x, u.s, u.output, u.target, u.error) == ((0.0, 1.0), 0.1, 1, 0, -1)
    assert u.delta_weights == (0.0, -0.05) and u.delta_bias == -0.05
    assert u.weights == (0.55, 0.5)
    assert u.bias == -0.5
    assert p.weights == (0.55, 0.5) and p.bias == -0.5
    assert repr(u.weights[1]) == "0.5"


def test_seed_004_truth_tables():
    and_gate = Perceptron([1.0, 1.0], -1.5)
    assert [and_gate.weighted_sum(x) for x in X] == [-1.5, -0.5, -0.5, 0.5]
    assert and_gate.predict(X) == AND
    or_gate = Perceptron([1.0, 1.0], -0.5)
    assert [or_gate.weighted_sum(x) for x in X] == [-0.5, 0.5, 0.5, 1.5]
    assert or_gate.predict(X) == OR


def test_step_output_is_zero_at_exactly_zero():
    assert Perceptron([1.0, 1.0], -1.0).output([0, 1]) == 0
    # 0.1 + 0.2 - 0.3 is not exactly 0 in floating point; the clean sum is.
    assert Perceptron([0.1, 0.2], -0.3).weighted_sum([1, 1]) == 0.0


def test_seed_004_update_arithmetic():
    p = Perceptron([0.55, 0.55], -0.65, 0.05)
    p.bias = -0.45  # the bias that gives the lecture's table o = 0, 1, 1, 1
    u = p.learn([0, 1], 0, row=1, epoch=1)
    assert explain_update(u) == [
        "S = 0.55×0 + 0.55×1 + (−0.45) = 0.1",
        "output 1, target 0 → error y − o = 0 − 1 = −1",
        "w1 ← 0.55 + 0.05·(0 − 1)·0 = 0.55",
        "w2 ← 0.55 + 0.05·(0 − 1)·1 = 0.5",
        "b ← −0.45 + 0.05·(0 − 1)·1 = −0.5",
    ]
    q = Perceptron([0.55, 0.55], -0.65, 0.05)
    v = q.learn([1, 1], 0)  # force a wrong row from the lecture's bias
    assert v.explain()[-1] == "b ← −0.65 + 0.05·(0 − 1)·1 = −0.7"
    assert v.explain()[2] == "w1 ← 0.55 + 0.05·(0 − 1)·1 = 0.5"


def test_no_change_when_right():
    p = Perceptron([1.0, 1.0], -1.5, 0.1)
    u = p.learn([1, 1], 1)
    assert u.error == 0 and not u.changed
    assert u.delta_weights == (0.0, 0.0) and u.delta_bias == 0.0
    assert p.weights == (1.0, 1.0) and p.bias == -1.5
    assert "nothing to learn" in explain_update(u)[-1]


def test_train_seed_004_numbers_converge_without_updates():
    r = Perceptron([0.55, 0.55], -0.65, 0.05).train(X, AND, max_epochs=100)
    assert r.converged and r.epochs == 1 and r.n_changes == 0
    assert len(r.updates) == 4 and r.reason is None


def test_train_records_every_row_with_epoch_and_row():
    r = Perceptron([0.55, 0.55], -0.45, 0.05).train(X, AND, max_epochs=100)
    assert r.converged and r.epochs == 2
    assert len(r.updates) == 8
    assert [(u.epoch, u.row) for u in r.updates] == [(e, i) for e in (1, 2) for i in range(4)]
    assert [u.error for u in r.updates] == [0, -1, -1, 0, 0, 0, 0, 0]
    assert r.weights == (0.5, 0.5) and r.bias == -0.55
    assert r.errors_per_epoch == [2, 0]


@pytest.mark.parametrize("targets", [AND, OR, NAND, NOR])
def test_rule_learns_every_separable_gate(targets):
    p = Perceptron([0.0, 0.0], 0.0, 0.1)
    r = p.train(X, targets, max_epochs=100)
    assert r.converged
    assert p.predict(X) == targets


def test_xor_never_converges_and_says_why():
    r = Perceptron([0.55, 0.55], -0.65, 0.05).train(X, XOR, max_epochs=200)
    assert not r.converged and r.epochs == 200
    assert all(e > 0 for e in r.errors_per_epoch)
    assert r.separable is False
    assert "not linearly separable" in r.reason and "hidden layer" in r.reason
    assert Perceptron(r.weights, r.bias).predict(X) != XOR


def test_xor_cycle_detected():
    r = Perceptron([0.0, 0.0], 0.0, 0.1).train(X, XOR, max_epochs=20)
    assert r.cycle is not None
    first, period = r.cycle
    start = [u for u in r.updates if u.epoch == first][0]
    back = [u for u in r.updates if u.epoch == first + period][0]
    assert (start.old_weights, start.old_bias) == (back.old_weights, back.old_bias)
    assert "goes round in a circle" in r.reason


def test_separable_but_stopped_early_explains_more_epochs():
    r = Perceptron([0.55, 0.55], 0.0, 0.05).train(X, AND, max_epochs=2)
    assert not r.converged and r.separable
    assert "more epochs" in r.reason


def test_any_number_of_inputs():
    pts = list(itertools.product([0, 1], repeat=3))
    majority = [int(sum(p) >= 2) for p in pts]
    p = Perceptron([1.0, 1.0, 1.0], -1.5)
    assert p.predict(pts) == majority
    r = Perceptron([0.0] * 3, 0.0, 0.1).train(pts, majority, 100)
    assert r.converged and Perceptron(r.weights, r.bias).predict(pts) == majority
    one = Perceptron([2.0], -1.0)
    assert [one.output([v]) for v in (0, 1)] == [0, 1]


def test_seed_000_criterion_gradient_step():
    p = Perceptron.from_augmented([-6, 2, 2], learning_rate=1.0)
    assert p.rule == "criterion" and p.augmented_weights == (-6.0, 2.0, 2.0)
    u = p.learn((1, 1), target=1)
    assert p.augmented_weights == (-5.0, 3.0, 3.0)
    assert u.weights == (3.0, 3.0) and u.bias == -5.0
    lines = u.explain()
    assert "∂J/∂w = −x = [−1, −1, −1]" in lines[2]
    assert lines[-1] == "w ← [−6, 2, 2] + [1, 1, 1] = [−5, 3, 3]"
    assert line_equation(p.weights, p.bias) == "3.0·x1 + 3.0·x2 − 5.0 = 0"


def test_criterion_counts_points_on_the_line_as_wrong():
    p = Perceptron([1.0, 1.0], -1.0, 1.0, rule="criterion")
    u = p.learn((0, 1), target=0)  # S = 0: step output 0, but t·S = 0 is not > 0
    assert u.output == 0 and u.error == -1 and p.weights == (1.0, 0.0)
    classic = Perceptron([1.0, 1.0], -1.0, 1.0)
    assert classic.learn((0, 1), target=0).error == 0


def test_stepper_steps_one_sample_at_a_time():
    s = RuleStepper(Perceptron([0.55, 0.55], -0.45, 0.05), X, AND)
    u = s.step()
    assert (u.row, u.epoch, len(s.updates), s.position) == (0, 1, 1, 1)
    s.step()
    assert s.perceptron.weights == (0.55, 0.5)
    rest = s.step_epoch()
    assert [u.row for u in rest] == [2, 3] and s.epochs_done == 1 and not s.converged
    s.step_epoch()
    assert s.converged and s.all_correct()


def test_separability_is_exact():
    for targets in (AND, OR, NAND, NOR):
        w, b = separating_weights(X, targets)
        assert Perceptron(w, b).predict(X) == targets
    assert not is_linearly_separable(X, XOR)
    assert not is_linearly_separable(X, [1, 0, 0, 1])
    # collinear, interleaved: not separable; same points, split in two: separable
    line = [(0, 0), (1, 1), (2, 2), (3, 3)]
    assert not is_linearly_separable(line, [0, 1, 0, 1])
    assert is_linearly_separable(line, [0, 0, 1, 1])
    assert is_linearly_separable(X, [1, 1, 1, 1])
    # 3-D parity is not separable
    cube = list(itertools.product([0, 1], repeat=3))
    assert not is_linearly_separable(cube, [sum(p) % 2 for p in cube])


def test_bad_input_messages():
    with pytest.raises(NNStudioError, match="2 weight"):
        Perceptron([1.0, 1.0]).output([1, 0, 1])
    with pytest.raises(NNStudioError, match="0 or 1"):
        Perceptron([1.0]).learn([1], target=2)
    with pytest.raises(NNStudioError, match="learning rate"):
        Perceptron([1.0], learning_rate=0)
    with pytest.raises(NNStudioError, match="unknown learning rule"):
        Perceptron([1.0], rule="delta")
    with pytest.raises(NNStudioError, match="not a finite"):
        Perceptron([float("nan")])
    with pytest.raises(NNStudioError, match="one target per point"):
        Perceptron([1.0, 1.0]).train(X, [0, 1], 5)


def test_formatting():
    assert sum_arithmetic([1.0, 1.0], -1.5, [0, 1]) == "1.0×0 + 1.0×1 + (−1.5) = −0.5"
    assert sum_arithmetic([-0.5, 2], 1, [1, -2]) == "(−0.5)×1 + 2.0×(−2) + 1.0 = −3.5"
    assert format_number(-0.0) == "0.0"
    assert format_number(0.1 + 0.2) == "0.3"
    assert format_number(3.0, keep_point=False) == "3"
    assert line_equation([1, 1], -1.5) == "1.0·x1 + 1.0·x2 − 1.5 = 0"
    assert line_equation([-0.5, 1], 0) == "−0.5·x1 + 1.0·x2 = 0"


def test_updates_csv():
    r = Perceptron([0.55, 0.55], -0.45, 0.05).train(X, AND, max_epochs=10)
    rows = list(csv.reader(io.StringIO(updates_to_csv(r.updates))))
    assert rows[0] == [
        "epoch", "row", "x1", "x2", "S", "output", "target", "error",
        "dw1", "dw2", "db", "w1", "w2", "b",
    ]  # fmt: skip
    assert len(rows) == 1 + 8
    assert rows[2] == ["1", "2", "0", "1", "0.1", "1", "0", "-1", "0", "-0.05", "-0.05",
                       "0.55", "0.5", "-0.5"]  # fmt: skip


def test_line_geometry():
    w, b = (1.0, 1.0), -1.5
    box = (-0.5, 1.5, -0.5, 1.5)
    p = closest_point_on_line(w, b, (0.5, 0.5))
    assert p == pytest.approx((0.75, 0.75))
    seg = clip_line(w, b, box)
    assert sorted(seg) == [(0.0, 1.5), (1.5, 0.0)]
    poly = half_plane_polygon(w, b, box)
    assert (1.5, 1.5) in poly and (-0.5, -0.5) not in poly
    assert clip_line(w, 10.0, box) is None
    # moving keeps the weights; the new bias puts the line through the point
    assert translate_line(w, (0.0, 0.5)) == -0.5
    # turning around a pivot keeps |w| and the positive side
    new_w, new_b = rotate_line(w, (0.75, 0.75), (0.75, 2.0))
    assert new_w[0] ** 2 + new_w[1] ** 2 == pytest.approx(2.0)
    assert new_w[1] == pytest.approx(0.0, abs=1e-12) and new_w[0] < 0
    assert new_w[0] * 0.75 + new_b == pytest.approx(0.0)
    assert rotate_line(w, (0.75, 0.75), (0.75, 0.75)) is None
    # a handle behind the pivot turns the same line the same way
    behind = rotate_line(w, (0.75, 0.75), (0.75, -0.5), backward=True)
    assert behind == (new_w, new_b)
    # the handle goes to the end of the line that is away from the points
    handle, backward = rotation_handle(w, (0.75, 0.75), 1.0, avoid=[(1.5, 0.0)])
    assert backward and handle[0] < 0.75
    handle, backward = rotation_handle(w, (0.75, 0.75), 1.0, avoid=[(0.0, 1.5)])
    assert not backward and handle[0] > 0.75
    # with several reaches it picks the spot farthest from the points, inside the box
    points = [(1.5, 0.0), (0.0, 1.5)]  # both on the line, 1.06 from the pivot
    handle, _ = rotation_handle(w, (0.75, 0.75), [0.2, 0.5, 0.9], points, box=(-1, 2, -1, 2))
    assert abs(handle[0] - 0.75) == pytest.approx(0.2 / 2**0.5)
    handle, _ = rotation_handle(w, (0.75, 0.75), [0.2, 0.5, 3.0], [], box=(-1, 2, -1, 2))
    assert abs(handle[0] - 0.75) == pytest.approx(0.2 / 2**0.5)  # 3.0 leaves the box
    with pytest.raises(NNStudioError, match="no decision line"):
        closest_point_on_line((0, 0), 1.0, (0, 0))


def test_separability_scales_to_hundreds_of_points():
    grid = [(i, j) for i in range(15) for j in range(15)]
    targets = [int(i + j > 14) for i, j in grid]
    w, b = separating_weights(grid, targets)
    assert Perceptron(w, b).predict(grid) == targets
    inside = grid.index((3, 3))  # a target-1 point in the middle of the target-0 corner
    targets[inside] = 1
    assert separating_weights(grid, targets) is None
