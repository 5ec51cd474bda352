"""Lesson files: every bundled lesson loads (with its translations and experiment), bad files
give errors naming the file and key, and check_task decides tasks correctly. The tasks are
also run for real: each fails with the experiment as the lesson opens it and passes with
the change the lesson teaches."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from nnstudio.engine.experiment import Experiment, build_network, build_trainer, prepare_data
from nnstudio.engine.lessons import (
    LOCKABLE,
    Lesson,
    LessonError,
    TaskProgress,
    check_task,
    find_lesson,
    load_lesson,
    load_lessons,
    markdown_lite_html,
    next_lesson,
    preset_path,
)
from nnstudio.engine.network import LayerSpec
from nnstudio.paths import resource

LESSONS_DIR = resource("lessons")
REQUIRED_TOPICS = ("linear_separability", "xor_hidden_layer", "activation_functions",
                   "vanishing_gradients", "learning_rate", "overfitting", "optimizers")


@pytest.fixture(scope="module")
def lessons() -> list[Lesson]:
    return load_lessons()


# --- the bundled lessons --------------------------------------------------------------------

def test_every_lesson_file_loads(lessons) -> None:
    errors: list[str] = []
    again = load_lessons(errors=errors)
    assert errors == []
    files = [p for p in LESSONS_DIR.iterdir() if p.suffix == ".json" and p.stem.count(".") == 0]
    assert len(lessons) == len(again) == len(files)
    ids = [lesson.id for lesson in lessons]
    assert len(set(ids)) == len(ids)
    for topic in REQUIRED_TOPICS:
        assert topic in ids
    orders = [lesson.order for lesson in lessons]
    assert orders == sorted(orders)
    for lesson in lessons:
        assert lesson.title and lesson.sections and lesson.steps
        assert lesson.language == "en"
        assert set(lesson.locked) <= set(LOCKABLE)
        for section in lesson.sections:
            assert markdown_lite_html(section.text)


@pytest.mark.parametrize("path", sorted(p.name for p in LESSONS_DIR.glob("*.json")))
def test_each_file_loads_on_its_own(path: str) -> None:
    lesson = load_lesson(LESSONS_DIR / path)
    assert lesson.id == path.split(".")[0]
    if path.count(".") == 2:  # a translation file gives the lesson in its language
        assert lesson.language == path.split(".")[1]


def test_every_experiment_loads_and_referenced_presets_exist(lessons) -> None:
    missing = []
    for lesson in lessons:
        if lesson.preset is not None and not preset_path(lesson.preset).is_file():
            missing.append(f"{lesson.id} -> presets/{lesson.preset}")
            continue
        exp = lesson.load_experiment()
        assert isinstance(exp, Experiment)
        prepare_data(exp)  # the data can be generated
    if missing:
        pytest.skip("presets not created yet (the window helper writes them): "
                    + ", ".join(missing))


def test_the_korean_translations_load(lessons) -> None:
    translated = [lesson for lesson in lessons if "ko" in lesson.languages]
    assert {lesson.id for lesson in translated} >= {"xor_hidden_layer", "activation_functions"}
    for lesson in translated:
        ko = lesson.in_language("ko")
        assert ko.language == "ko" and ko.id == lesson.id
        assert ko.title != lesson.title
        assert any("\uac00" <= ch <= "\ud7a3" for ch in ko.title + ko.sections[0].text)
        assert len(ko.steps) == len(lesson.steps)
        # the checks, experiment and locks come from the main file
        assert [s.check for s in ko.steps] == [s.check for s in lesson.steps]
        assert ko.experiment == lesson.experiment and ko.locked == lesson.locked
        assert ko.focus == lesson.focus
    ko = find_lesson("activation_functions", lessons).in_language("ko")
    text = " ".join(s.text for s in ko.sections)
    for word in ("활성화 함수", "시그모이드", "ReLU", "Maxout", "기울기"):
        assert word in text
    assert "기울기 소실" in find_lesson("vanishing_gradients", lessons).in_language("ko").title


def test_lesson_texts_are_in_their_own_language_only(lessons) -> None:
    def hangul(text: str) -> bool:
        return any("\uac00" <= ch <= "\ud7a3" for ch in text)

    for lesson in lessons:
        assert lesson.language == "en"
        texts = [lesson.title, lesson.summary, lesson.task_text,
                 *(s.heading + s.text for s in lesson.sections), *(s.text for s in lesson.steps)]
        assert not any(hangul(t) for t in texts), lesson.id


def test_lessons_that_talk_about_a_plot_bring_it_forward(lessons) -> None:
    focus = {lesson.id: lesson.focus for lesson in lessons}
    assert focus["vanishing_gradients"] == "gradients"
    assert focus["activation_functions"] == "gradients"
    assert focus["overfitting"] == focus["learning_rate"] == focus["optimizers"] == "loss"
    assert focus["backprop_by_hand"] is None
    # the Korean text of lesson 5 names the same plot
    ko = find_lesson("vanishing_gradients", lessons).in_language("ko")
    assert ko.focus == "gradients"
    for lesson in lessons:
        if lesson.focus == "gradients":
            assert "Gradients" in " ".join(s.text for s in lesson.sections), lesson.id


def test_activation_lesson_covers_seed_001s_list(lessons) -> None:
    lesson = find_lesson("activation_functions", lessons)
    headings = " ".join(s.heading.lower() for s in lesson.sections)
    for name in ("sigmoid", "tanh", "relu", "leaky relu", "maxout"):
        assert name in headings
    text = " ".join(s.text for s in lesson.sections)
    for point in ("saturate", "zero-centred", "die", "twice the parameters"):
        assert point in text


def test_next_lesson_chain(lessons) -> None:
    first = lessons[0]
    seen = [first.id]
    current = first
    while (following := next_lesson(current, lessons)) is not None:
        assert following.id not in seen
        seen.append(following.id)
        current = following
    assert seen == [lesson.id for lesson in lessons]


# --- bad files ----------------------------------------------------------------------------

GOOD = {
    "format": "nnstudio.lesson", "version": 1, "id": "demo", "language": "en",
    "title": "Demo", "experiment": "default.json",
    "sections": [{"heading": "H", "text": "Some text."}],
    "task": {"text": "Do it.", "check": {"metric": "test_accuracy", "value": 0.9}},
}


def write(folder: Path, name: str, data: object) -> Path:
    path = folder / name
    path.write_text(json.dumps(data, ensure_ascii=False) if not isinstance(data, str)
                    else data, encoding="utf-8")
    return path


def with_(**changes) -> dict:
    d = json.loads(json.dumps(GOOD))
    for key, value in changes.items():
        if value is None:
            d.pop(key, None)
        else:
            d[key] = value
    return d


def test_a_good_minimal_file_loads(tmp_path) -> None:
    lesson = load_lesson(write(tmp_path, "demo.json", GOOD))
    assert lesson.steps[0].check == {"type": "metric", "metric": "test_accuracy", "op": ">=",
                                     "value": 0.9}
    assert lesson.languages == ["en"] and lesson.preset == "default.json"
    assert lesson.focus is None  # optional
    assert load_lesson(write(tmp_path, "demo.json", with_(focus="gradients"))).focus == \
        "gradients"


@pytest.mark.parametrize("data,message", [
    (with_(title=None), "demo.json: title: missing"),
    (with_(colour="red"), "demo.json: colour: unknown key"),
    (with_(id="other"), "demo.json: id: is 'other' but the file is named for 'demo'"),
    (with_(language="english"), "demo.json: language: expected a language code"),
    (with_(locked=["dataset", "wings"]), "demo.json: locked\\[1\\]: unknown control"),
    (with_(sections=[]), "demo.json: sections: expected a non-empty list"),
    (with_(sections=[{"heading": "x"}]), "demo.json: sections\\[0\\].text: missing"),
    (with_(task={"text": "t", "check": {"metric": "accuracy", "value": 1}}),
     "demo.json: task.check.metric: unknown metric"),
    (with_(task={"text": "t", "check": {"metric": "test_loss", "op": "=", "value": 1}}),
     "demo.json: task.check.op: unknown comparison"),
    (with_(task={"text": "t", "check": {"metric": "test_loss", "value": "low"}}),
     "demo.json: task.check.value: expected a number, got the text 'low'"),
    (with_(task={"text": "t", "check": {"metric": "test_loss", "value": float("nan")}}),
     "demo.json: task.check.value: must be a finite number, got nan"),
    (with_(task={"text": "t", "check": {"type": "gradient_ratio", "value": 0}}),
     "demo.json: task.check.value: must be greater than 0, got 0"),
    (with_(task={"text": "t", "check": {"metric": "epoch", "value": 3,
                                        "within_epochs": 2.5}}),
     "demo.json: task.check.within_epochs: expected a whole number, got 2.5"),
    (with_(order=-1), "demo.json: order: must be at least 0, got -1"),
    (with_(task={"text": "t", "check": {"metric": 7, "value": 1}}),
     "demo.json: task.check.metric: expected the name of a metric, got 7"),
    ("[1, 2]", "demo.json: \\(top level\\): expected a table/object, got a list"),
    (with_(task={"text": "t", "check": {"type": "gradient_ratio", "layer": "middle",
                                        "value": 0.1}}),
     "demo.json: task.check.layer: expected a layer index"),
    (with_(task={"text": "t", "steps": [{"text": "a", "check": {"type": "all",
                                                                "checks": []}}]}),
     "demo.json: task.steps\\[0\\].check.checks: expected a non-empty list"),
    (with_(task={"text": "t"}), "demo.json: task.check: missing"),
    (with_(experiment="../evil.json"), "demo.json: experiment: expected a preset file name"),
    (with_(experiment={"hidden": [{"units": 4, "activation": "relux"}]}),
     "demo.json: experiment: hidden\\[0\\].activation: unknown activation 'relux'"),
    (with_(focus="weights"), "demo.json: focus: unknown plot 'weights' \\(known: loss, "
                             "gradients, activations, output\\)"),
    (with_(format="something.else"), "demo.json: format: expected 'nnstudio.lesson'"),
    (with_(version=9), "demo.json: version: .* version 9"),
    ("{ not json", "demo.json: not valid JSON: line 1"),
])
def test_bad_lesson_files_name_the_file_and_key(tmp_path, data, message) -> None:
    with pytest.raises(LessonError, match=message):
        load_lesson(write(tmp_path, "demo.json", data))


def test_unreadable_lesson_files_name_the_file(tmp_path) -> None:
    with pytest.raises(LessonError, match="^nothing.json: no such lesson file$"):
        load_lesson(tmp_path / "nothing.json")
    (tmp_path / "folder.json").mkdir()
    with pytest.raises(LessonError, match="^folder.json: is a folder, not a lesson file$"):
        load_lesson(tmp_path / "folder.json")
    (tmp_path / "latin1.json").write_bytes('{"title": "caf\u00e9"}'.encode("latin-1"))
    with pytest.raises(LessonError, match="^latin1.json: not a text \\(UTF-8\\) file"):
        load_lesson(tmp_path / "latin1.json")
    (tmp_path / "broken.toml").write_text('id = "broken"\ntitle = \n', encoding="utf-8")
    with pytest.raises(LessonError, match="^broken.toml: not valid TOML: .*line 2"):
        load_lesson(tmp_path / "broken.toml")
    write(tmp_path, "deep.json", "[" * 100_000)
    with pytest.raises(LessonError, match="^deep.json: not valid JSON"):
        load_lesson(tmp_path / "deep.json")


def test_a_broken_file_among_good_ones_is_reported_by_name(tmp_path) -> None:
    write(tmp_path, "demo.json", GOOD)
    write(tmp_path, "broken.json", '{"id": "broken", "title": "T",\n "sections": [}')
    (tmp_path / "bad.toml").write_text('id = "bad"\n[task\n', encoding="utf-8")
    errors: list[str] = []
    lessons = load_lessons(tmp_path, errors=errors)
    assert [lesson.id for lesson in lessons] == ["demo"]
    assert sorted(e.split(":")[0] for e in errors) == ["bad.toml", "broken.json"]
    assert any(e.startswith("broken.json: not valid JSON: line 2, column 15") for e in errors)
    assert any(e.startswith("bad.toml: not valid TOML") for e in errors)


def test_missing_preset_is_reported_when_the_experiment_is_opened(tmp_path) -> None:
    lesson = load_lesson(write(tmp_path, "demo.json", with_(experiment="no_such.json")))
    with pytest.raises(LessonError, match="demo.json: experiment: the preset 'no_such.json' "
                                          "does not exist"):
        lesson.load_experiment()


def test_translation_rules(tmp_path) -> None:
    write(tmp_path, "demo.json", GOOD)
    ko = {"id": "demo", "language": "ko", "title": "데모",
          "sections": [{"heading": "제목", "text": "내용."}], "task": {"text": "하세요."}}
    write(tmp_path, "demo.ko.json", ko)
    lesson = load_lesson(tmp_path / "demo.json")
    assert lesson.languages == ["en", "ko"]
    assert lesson.in_language("ko").title == "데모"
    assert lesson.in_language("fr") is lesson
    chosen = load_lesson(tmp_path / "demo.ko.json")
    assert chosen.language == "ko" and chosen.languages == ["ko", "en"]

    bad = dict(ko, task={"text": "x", "check": {"metric": "epoch", "value": 1}})
    write(tmp_path, "demo.ko.json", bad)
    with pytest.raises(LessonError, match="demo.ko.json: task.check: a translation cannot "
                                          "change the check"):
        load_lesson(tmp_path / "demo.json")
    write(tmp_path, "demo.ko.json", dict(ko, locked=["dataset"]))
    with pytest.raises(LessonError, match="demo.ko.json: locked: a translation holds only "
                                          "texts"):
        load_lesson(tmp_path / "demo.json")
    write(tmp_path, "demo.ko.json", dict(ko, focus="loss"))
    with pytest.raises(LessonError, match="demo.ko.json: focus: a translation holds only "
                                          "texts"):
        load_lesson(tmp_path / "demo.json")
    write(tmp_path, "demo.ko.json", dict(ko, language="ja"))
    with pytest.raises(LessonError, match="demo.ko.json: language: is 'ja' but the file "
                                          "name says 'ko'"):
        load_lesson(tmp_path / "demo.json")
    write(tmp_path, "demo.ko.json", dict(ko, task={"steps": [{"text": "a"}, {"text": "b"}]}))
    with pytest.raises(LessonError, match="demo.ko.json: task: has 2 step"):
        load_lesson(tmp_path / "demo.json")


def test_translation_without_its_lesson(tmp_path) -> None:
    write(tmp_path, "lonely.ko.json", {"id": "lonely", "language": "ko", "title": "t",
                                       "sections": [{"text": "x"}], "task": {"text": "y"}})
    with pytest.raises(LessonError, match="lonely.ko.json: is a translation of the lesson "
                                          "'lonely', but there is no lonely.json"):
        load_lessons(tmp_path)


def test_load_lessons_can_collect_errors_and_keep_the_good_ones(tmp_path) -> None:
    write(tmp_path, "demo.json", GOOD)
    write(tmp_path, "broken.json", with_(id="broken", title=None))
    write(tmp_path, "linked.json", with_(id="linked", next="nowhere"))
    errors: list[str] = []
    lessons = load_lessons(tmp_path, errors=errors)
    assert sorted(lesson.id for lesson in lessons) == ["demo", "linked"]
    assert any("broken.json: title: missing" in e for e in errors)
    assert any("linked.json: next: there is no lesson 'nowhere'" in e for e in errors)
    with pytest.raises(LessonError, match="broken.json"):
        load_lessons(tmp_path)


def test_toml_lessons(tmp_path) -> None:
    (tmp_path / "demo.toml").write_text('''
id = "demo"
language = "en"
title = "TOML demo"
experiment = "default.json"

[[sections]]
heading = "One"
text = """
First paragraph.

- a bullet
"""

[task]
text = "Reach 90 %."
check = { metric = "test_accuracy", op = ">=", value = 0.9, within_epochs = 10 }
''', encoding="utf-8")
    lesson = load_lesson(tmp_path / "demo.toml")
    assert lesson.title == "TOML demo" and lesson.steps[0].check["within_epochs"] == 10


# --- check_task -----------------------------------------------------------------------------

def lesson_with(*checks: dict, language: str = "en") -> Lesson:
    steps = [{"text": f"step {k}", "check": c} for k, c in enumerate(checks)]
    task = {"text": "t", "check": checks[0]} if len(checks) == 1 else {"steps": steps}
    d = with_(task=task, language=language)
    from nnstudio.engine.lessons import _Reader

    return _Reader("demo.json").lesson(d, "demo", None)


def rows(*values: tuple) -> list[dict]:
    """(train_loss, test_loss, test_accuracy[, grad0, grad1]) per epoch."""
    out = []
    for k, v in enumerate(values):
        row = {"epoch": k + 1, "train_loss": v[0], "test_loss": v[1], "train_accuracy": 0.5,
               "test_accuracy": v[2]}
        if len(v) > 3:
            row["grad/layer0"], row["grad/layer1"] = v[3], v[4]
        out.append(row)
    return out


def test_no_history_yet() -> None:
    lesson = lesson_with({"metric": "test_accuracy", "value": 0.9})
    assert check_task(lesson, []) == (False, "Press Play: the check needs at least one "
                                             "finished epoch.")


def test_metric_on_the_latest_epoch() -> None:
    lesson = lesson_with({"metric": "test_accuracy", "op": ">=", "value": 0.9})
    done, msg = check_task(lesson, rows((0.5, 0.5, 0.95), (0.4, 0.4, 0.85)))
    assert not done and msg == "Test accuracy is 85 % at epoch 2; the goal is ≥ 90 %."
    done, msg = check_task(lesson, rows((0.5, 0.5, 0.85), (0.4, 0.4, 0.9)))
    assert done and msg == "Test accuracy = 90 % ≥ 90 % at epoch 2."


def test_metric_within_epochs() -> None:
    lesson = lesson_with({"metric": "test_accuracy", "value": 0.9, "within_epochs": 3})
    assert check_task(lesson, rows((1, 1, 0.5), (1, 1, 0.92)))[0]
    done, msg = check_task(lesson, rows((1, 1, 0.5), (1, 1, 0.6)))
    assert not done and "within 3 epochs" in msg and "goal" in msg
    late = rows((1, 1, 0.5), (1, 1, 0.6), (1, 1, 0.7), (1, 1, 0.95))
    done, msg = check_task(lesson, late)
    assert not done
    assert msg == ("Test accuracy did not reach ≥ 90 % within 3 epochs (best 70 %). Change "
                   "something and press Reset to try again.")


def test_metric_after_epochs_and_gap() -> None:
    lesson = lesson_with({"metric": "test_loss", "op": "<=", "value": 0.75, "after_epochs": 3})
    done, msg = check_task(lesson, rows((1, 0.5, 0.5), (1, 0.5, 0.5)))
    assert not done and msg == "Keep training: the check is made at epoch 3 (now 2)."
    assert check_task(lesson, rows((1, 0.5, 0.5), (1, 0.5, 0.5), (1, 0.7, 0.5)))[0]
    assert not check_task(lesson, rows((1, 0.5, 0.5), (1, 0.5, 0.5), (1, 0.8, 0.5)))[0]
    gap = lesson_with({"metric": "gap", "op": "<", "value": 0.1})
    assert check_task(gap, rows((0.50, 0.55, 0.5)))[0]
    assert not check_task(gap, rows((0.10, 0.55, 0.5)))[0]


def test_nan_never_passes() -> None:
    lesson = lesson_with({"metric": "test_loss", "op": "<", "value": 1.0})
    assert not check_task(lesson, rows((math.nan, math.nan, math.nan)))[0]


def test_gradient_ratio_from_grad_means_or_history() -> None:
    """"first-layer gradient < 1e-3 × last-layer gradient"."""
    lesson = lesson_with({"type": "gradient_ratio", "layer": "first", "reference": "last",
                          "op": "<", "value": 1e-3})
    done, msg = check_task(lesson, rows((1, 1, 0.5)), [1e-7, 1e-5, 1e-2])
    assert done and msg.startswith("Mean |∂J/∂W| of the first hidden layer is 1.00e-05 × "
                                   "that of the output layer")
    assert not check_task(lesson, rows((1, 1, 0.5)), [1e-3, 1e-2, 1e-2])[0]
    # without grad_means: the last history row's grad/layer{i}
    assert check_task(lesson, rows((1, 1, 0.5, 1e-8, 1e-2)))[0]
    assert not check_task(lesson, rows((1, 1, 0.5, 1e-3, 1e-2)))[0]
    done, msg = check_task(lesson, rows((1, 1, 0.5)))
    assert not done and "per-layer gradients" in msg
    assert "is 0" in check_task(lesson, rows((1, 1, 0.5)), [1e-3, 0.0])[1]
    # by index: layer 1 vs layer 0
    by_index = lesson_with({"type": "gradient_ratio", "layer": 1, "reference": 0, "op": ">=",
                            "value": 2})
    assert check_task(by_index, [], [1.0, 3.0])[0]


def test_overfitting_check() -> None:
    lesson = lesson_with({"type": "overfitting", "ratio": 1.5})
    history = rows((0.6, 0.6, 0.5), (0.4, 0.5, 0.5), (0.3, 0.6, 0.5))
    done, msg = check_task(lesson, history)
    assert not done and "best 0.5 at epoch 2" in msg
    history += rows((0.2, 0.8, 0.5))[0:1]
    history[-1]["epoch"] = 4
    done, msg = check_task(lesson, history)
    assert done and msg.startswith("Overfitting seen: the test loss rose from its best 0.5 "
                                   "(epoch 2) to 0.8")
    # a rising test loss with a rising training loss is divergence, not overfitting
    diverging = rows((0.5, 0.5, 0.5), (0.9, 0.9, 0.5))
    assert not check_task(lesson, diverging)[0]


def test_all_and_manual_checks() -> None:
    lesson = lesson_with({"type": "all", "checks": [
        {"metric": "test_accuracy", "value": 0.9},
        {"type": "gradient_ratio", "op": ">=", "value": 0.1}]})
    assert check_task(lesson, rows((1, 1, 0.95)), [0.5, 1.0])[0]
    done, msg = check_task(lesson, rows((1, 1, 0.95)), [0.01, 1.0])
    assert not done and "first hidden layer" in msg
    manual = lesson_with({"type": "manual"})
    assert check_task(manual, []) == (False, "Mark this step done when you have finished it.")
    assert check_task(manual, [], manual_done=True)[0]


def test_step_index_is_checked() -> None:
    from nnstudio.engine.errors import NNStudioError

    lesson = lesson_with({"metric": "epoch", "value": 1})
    with pytest.raises(NNStudioError, match="has 1 step"):
        check_task(lesson, [], step=1)


def test_task_progress_walks_through_the_steps() -> None:
    lesson = lesson_with({"metric": "test_accuracy", "op": "<", "value": 0.7, "after_epochs": 2},
                         {"metric": "test_accuracy", "value": 0.95, "within_epochs": 5})
    progress = TaskProgress(lesson)
    assert progress.message.startswith("Press Play")
    done, msg = progress.update(rows((1, 1, 0.5)))
    assert not done and msg.startswith("Step 1 of 2: Keep training")
    done, msg = progress.update(rows((1, 1, 0.5), (1, 1, 0.55)))
    assert not done and progress.step == 1
    assert msg.startswith("Step 1 of 2 done: Test accuracy = 55 % < 70 %") and \
        msg.endswith("Now step 2.")
    # a new run: step 1 stays done even though the new run would fail it
    done, msg = progress.update(rows((1, 1, 0.96)))
    assert done and progress.done and msg.endswith("Task complete.")
    assert progress.update([]) == (True, "Task complete.")


def test_korean_messages() -> None:
    lesson = lesson_with({"metric": "test_accuracy", "value": 0.9, "within_epochs": 3},
                         language="ko")
    done, msg = check_task(lesson, rows((1, 1, 0.5)))
    assert not done and msg == "epoch 1: 테스트 정확도 50 %. 목표: 3 epoch 안에 ≥ 90 %."
    ratio = lesson_with({"type": "gradient_ratio", "value": 1e-3}, language="ko")
    assert "첫 번째 은닉층" in check_task(ratio, rows((1, 1, 0.5)), [1e-8, 1.0])[1]


# --- Markdown-lite ---------------------------------------------------------------------------

def test_markdown_lite() -> None:
    html = markdown_lite_html("First *line*\nsame paragraph.\n\n- one **bold**\n  more\n"
                              "- two\n\n1. first\n2. second\n\n> z = w₁x₁ + b\n"
                              "A <script> & `code`")
    assert "<p>First <i>line</i> same paragraph.</p>" in html
    assert "<ul><li>one <b>bold</b> more</li><li>two</li></ul>" in html
    assert "<ol><li>first</li><li>second</li></ol>" in html
    assert '<p class="formula" align="center">z = w<sub>1</sub>x<sub>1</sub> + b</p>' in html
    assert "A &lt;script&gt; &amp; <code>code</code>" in html
    assert "<script>" not in html
    # a multiplication sign is not italic
    assert "<i>" not in markdown_lite_html("2 * 3 * 4")


# --- the tasks, run for real -----------------------------------------------------------------

def run(exp: Experiment, progress: TaskProgress, epochs: int) -> int:
    prepared = prepare_data(exp)
    network = build_network(exp, prepared)
    trainer = build_trainer(exp, prepared, network)
    start = progress.step
    for epoch in range(1, epochs + 1):
        trainer.run_epoch()
        progress.update(trainer.history)
        if progress.step > start:
            return epoch
    return 0


def relu_he(exp: Experiment) -> None:
    for layer in exp.hidden:
        layer.activation = "relu"
    exp.init = "he_uniform"


CALIBRATED = {
    # lesson id: (epochs to try, change the lesson teaches)
    "linear_separability": (50, lambda e: setattr(e.data, "features",
                                                  ["x1", "x2", "x1^2", "x2^2"])),
    "activation_functions": (100, lambda e: [setattr(h, "activation", "maxout")
                                             for h in e.hidden]),
    "learning_rate": (30, lambda e: setattr(e.training, "learning_rate", 0.1)),
    "optimizers": (60, lambda e: setattr(e.training, "optimizer", "adam")),
}


@pytest.mark.parametrize("lesson_id", sorted(CALIBRATED))
def test_single_step_tasks_fail_as_opened_and_pass_after_the_lesson(lessons, lesson_id):
    lesson = find_lesson(lesson_id, lessons)
    epochs, change = CALIBRATED[lesson_id]
    progress = TaskProgress(lesson)
    assert run(lesson.load_experiment(), progress, epochs) == 0, "passes without the change"
    assert "did not reach" in progress.message
    exp = lesson.load_experiment()
    change(exp)
    assert run(exp, progress, epochs) > 0
    assert progress.done


def test_xor_lesson_steps(lessons) -> None:
    lesson = find_lesson("xor_hidden_layer", lessons)
    progress = TaskProgress(lesson)
    exp = lesson.load_experiment()
    exp.hidden = []
    assert run(exp, progress, 50) == 50  # no hidden layer: stays below 70 %
    assert run(lesson.load_experiment(), progress, 200) > 0
    assert progress.done


def test_vanishing_gradient_lesson_steps(lessons) -> None:
    lesson = find_lesson("vanishing_gradients", lessons)
    progress = TaskProgress(lesson)
    assert run(lesson.load_experiment(), progress, 3) > 0  # the gradients vanish at once
    assert run(lesson.load_experiment(), progress, 50) == 0  # sigmoid cannot fix it
    exp = lesson.load_experiment()
    relu_he(exp)
    assert run(exp, progress, 50) > 0
    assert progress.done


def test_overfitting_lesson_steps(lessons) -> None:
    lesson = find_lesson("overfitting", lessons)
    progress = TaskProgress(lesson)
    assert run(lesson.load_experiment(), progress, 400) > 0  # overfitting is seen
    assert run(lesson.load_experiment(), progress, 300) == 0  # unchanged: test loss too high
    exp = lesson.load_experiment()
    exp.hidden = [LayerSpec(4, "tanh")]
    assert run(exp, progress, 300) == 300
    assert progress.done
