"""Exercise files: every bundled one loads and is consistent; bad files give clear messages."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from nnstudio.engine.errors import NNStudioError
from nnstudio.engine.exercises import (
    ExerciseError,
    check,
    default_folder,
    load_exercise,
    load_exercises,
    parse_exercise,
    truth_table,
)
from nnstudio.engine.perceptron import Perceptron, is_linearly_separable

BUNDLED = sorted(default_folder().glob("*.json"))

GOOD = {
    "id": "my_and",
    "title": "My AND",
    "kind": "by_hand",
    "instructions": "Make AND.",
    "points": [[0, 0], [0, 1], [1, 0], [1, 1]],
    "targets": [0, 0, 0, 1],
    "hints": ["first hint", "second hint"],
    "solution": {"weights": [1, 1], "bias": -1.5},
}


def write(folder: Path, name: str, data: object) -> Path:
    path = folder / name
    path.write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")
    return path


def test_bundled_set_covers_the_issue():
    exercises = {e.id: e for e in load_exercises()}
    assert len(exercises) == len(BUNDLED)
    gates = {tuple(e.targets) for e in exercises.values() if e.kind == "by_hand"}
    assert {(0, 0, 0, 1), (0, 1, 1, 1), (1, 1, 1, 0), (1, 0, 0, 0)} <= gates
    lecture = exercises["and_rule_lecture"]
    assert (lecture.weights, lecture.bias, lecture.learning_rate) == ((0.55, 0.55), -0.65, 0.05)
    assert lecture.kind == "learning_rule"
    xor = exercises["xor_rule"]
    assert not xor.solvable and xor.preset == "xor_hidden_layer.json"
    free = [e for e in exercises.values() if e.kind == "free_points"]
    assert free and 8 <= len(free[0].points) <= 12


@pytest.mark.parametrize("path", BUNDLED, ids=lambda p: p.stem)
def test_each_bundled_exercise_loads_and_its_solution_is_accepted(path):
    ex = load_exercise(path)
    assert ex.source == path.name
    if ex.solvable:
        assert ex.solution is not None
        result = check(ex, *ex.solution)
        assert result.solved, result.message
        assert result.message.startswith("Solved!")
        assert not check(ex, ex.weights, ex.bias).solved or ex.id == "and_rule_lecture"
    else:
        assert not is_linearly_separable(ex.points, ex.targets)
        assert not check(ex, ex.weights, ex.bias).solved


@pytest.mark.parametrize(
    "ex", [e for e in load_exercises() if e.kind == "learning_rule"], ids=lambda e: e.id
)
def test_learning_rule_exercises_behave_as_their_text_says(ex):
    r = ex.perceptron().train(ex.points, ex.targets, ex.max_epochs)
    if ex.solvable:
        assert r.converged
        assert (r.weights, r.bias) == ex.solution  # the files quote the rule's end point
    else:
        assert not r.converged and "not linearly separable" in r.reason


def test_seed_exercise_counts():
    ex = {e.id: e for e in load_exercises()}

    def changes(exercise_id: str) -> tuple[int, int]:
        e = ex[exercise_id]
        r = e.perceptron().train(e.points, e.targets, e.max_epochs)
        return r.n_changes, r.epochs

    assert changes("and_rule_lecture") == (0, 1)
    assert changes("and_rule_table") == (2, 2)
    assert changes("and_rule_from_zero_bias") == (8, 5)
    crit = ex["criterion_gradient_step"]
    p = crit.perceptron()
    p.learn(crit.points[0], crit.targets[0])
    assert p.augmented_weights == (-5.0, 3.0, 3.0)


def test_check_rows_and_messages():
    ex = parse_exercise(GOOD, "my.json")
    res = check(ex, [1.0, 1.0], -1.5)
    assert res.solved and [r.output for r in res.rows] == [0, 0, 0, 1]
    assert res.rows[1].arithmetic == "1.0×0 + 1.0×1 + (−1.5) = −0.5"
    res = check(ex, [1.0, 1.0], -0.5)  # OR instead of AND
    assert not res.solved and res.wrong_rows == [1, 2]
    assert res.message.startswith("2 of 4 rows are still wrong")
    assert "row 2, x = (0, 1): S = 0.5 > 0 gives output 1, but the target is 0" in res.message
    assert res.hint is None


def test_hints_come_after_repeated_failures():
    ex = parse_exercise(GOOD, "my.json")
    hints = [check(ex, [0.0, 0.0], 1.0, attempt=a).hint for a in range(1, 7)]
    assert hints == [None, None, "first hint", "second hint", "second hint", "second hint"]
    assert check(ex, [1.0, 1.0], -1.5, attempt=5).hint is None


def test_truth_table_any_inputs():
    three = {
        **GOOD,
        "points": [[0, 0, 1], [1, 1, 1]],
        "targets": [0, 1],
        "solution": {"weights": [1, 1, 0], "bias": -1},
    }
    ex = parse_exercise(three, "three.json")
    rows = truth_table(ex, [1, 1, 0], -1)
    assert [r.output for r in rows] == [0, 1]
    assert ex.input_names == ("x1", "x2", "x3")


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"targets": [0, 0, 1]}, r"bad\.json: key 'targets': .*4 points but 3 targets"),
        ({"targets": [0, 0, 0, 2]}, r"key 'targets': target 4 must be 0 or 1"),
        ({"kind": "quiz"}, r"key 'kind': expected one of by_hand, learning_rule, free_points"),
        ({"points": [[0, 0], [0, 1], [1], [1, 1]]}, r"key 'points': point 3 must be a list of 2"),
        ({"points": [[0, 0], [0, "a"], [1, 0], [1, 1]]}, r"key 'points\[1\]': expected a number"),
        ({"hint": "typo"}, r"key 'hint': unknown key"),
        ({"id": "Has Space"}, r"key 'id': use lower-case"),
        ({"solution": {"weights": [1, 1], "bias": 0.5}}, r"key 'solution': .*row 1"),
        ({"solution": None}, r"key 'solution': expected \{"),
        ({"initial": {"learning_rate": 0}}, r"key 'initial.learning_rate': must be greater"),
        ({"initial": {"weights": [1, 2, 3]}}, r"key 'initial.weights': expected 2 number"),
        ({"solvable": False}, r"key 'solution': .*no solution"),
        ({"max_epochs": 0}, r"key 'max_epochs'"),
        ({"ranges": {"bias": [3, -3]}}, r"key 'ranges.bias'"),
        ({"preset": "../evil.py"}, r"key 'preset'"),
    ],
)
def test_bad_files_give_clear_messages(tmp_path, change, expected):
    data = {**GOOD, **change}
    path = write(tmp_path, "bad.json", data)
    with pytest.raises(ExerciseError, match=expected):
        load_exercise(path)


def test_unsolvable_flags_are_checked(tmp_path):
    no_solution = {k: v for k, v in GOOD.items() if k != "solution"}
    xor = {**no_solution, "targets": [0, 1, 1, 0]}
    with pytest.raises(ExerciseError, match="not linearly separable.*solvable"):
        load_exercise(write(tmp_path, "xor.json", xor))
    assert not load_exercise(write(tmp_path, "xor2.json", {**xor, "solvable": False})).solvable
    with pytest.raises(ExerciseError, match="key 'solvable': is false, but"):
        load_exercise(write(tmp_path, "and.json", {**no_solution, "solvable": False}))


def test_missing_key_broken_json_and_unreadable(tmp_path):
    data = dict(GOOD)
    del data["targets"]
    with pytest.raises(ExerciseError, match=r"nokey\.json: key 'targets': this key is required"):
        load_exercise(write(tmp_path, "nokey.json", data))
    with pytest.raises(ExerciseError, match=r"broken\.json: is not valid JSON \(line 1"):
        load_exercise(write(tmp_path, "broken.json", '{"id": "x",'))
    with pytest.raises(ExerciseError, match=r"list\.json: the file must hold one JSON object"):
        load_exercise(write(tmp_path, "list.json", "[1, 2]"))
    (tmp_path / "latin.json").write_bytes(b'{"title": "\xe9"}')
    with pytest.raises(ExerciseError, match=r"latin\.json: is not UTF-8"):
        load_exercise(tmp_path / "latin.json")
    with pytest.raises(ExerciseError, match=r"missing\.json: cannot be read"):
        load_exercise(tmp_path / "missing.json")
    assert issubclass(ExerciseError, NNStudioError)


def test_load_folder_collects_errors_and_overrides(tmp_path):
    write(tmp_path, "a.json", GOOD)
    write(tmp_path, "b.json", {**GOOD, "targets": [0, 0, 1]})
    write(tmp_path, "c.json", GOOD)  # duplicate id
    errors: list[ExerciseError] = []
    exercises = load_exercises(tmp_path, errors)
    assert [e.id for e in exercises] == ["my_and"]
    assert len(errors) == 2
    assert "b.json" in str(errors[0]) and "c.json: key 'id'" in str(errors[1])
    with pytest.raises(ExerciseError, match="b.json"):
        load_exercises(tmp_path)
    teacher = tmp_path / "teacher"
    teacher.mkdir()
    write(teacher, "and.json", {**GOOD, "id": "and_by_hand", "title": "Teacher's AND"})
    merged = {e.id: e for e in load_exercises([default_folder(), teacher])}
    assert merged["and_by_hand"].title == "Teacher's AND"
    assert len(merged) == len(BUNDLED)


def test_perceptron_from_exercise():
    initial = {"weights": [0.5, 0.25], "bias": 0.1, "learning_rate": 0.2}
    ex = parse_exercise({**GOOD, "initial": initial}, "x.json")
    p = ex.perceptron()
    assert isinstance(p, Perceptron)
    assert (p.weights, p.bias, p.learning_rate) == ((0.5, 0.25), 0.1, 0.2)
