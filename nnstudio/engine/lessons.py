"""Lessons: short teaching units that open an experiment, explain it and set a task.

A lesson file (JSON, or TOML by extension) in ``resources/lessons/`` holds an id, a title,
its language, the experiment to open (a preset file name from ``resources/presets/`` or an
inline experiment), text sections in Markdown-lite, a task made of one or more steps each
with a check, and the names of the controls the lesson locks. A translation is a separate
file ``<id>.<language>.json`` with the same id and only the texts. The format is
documented in ``resources/lessons/README.md``; loading validates every key and an error
names the file and the key, e.g. ``xor.json: task.steps[0].check.metric: unknown metric``.

:func:`check_task` decides whether one step of a task is done from the per-epoch history
rows of the current run (the rows of ``Trainer.history``) and the latest per-layer mean
``|∂J/∂W|``; :class:`TaskProgress` walks through the steps of a task as runs come and go.
"""

from __future__ import annotations

import copy
import html
import math
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from nnstudio.engine.errors import NNStudioError
from nnstudio.engine.jsontoml import read_document
from nnstudio.engine.validation import KeyReader, value_kind

FORMAT = "nnstudio.lesson"
VERSION = 1

#: names a lesson may put in ``locked``; the main window disables the matching controls
LOCKABLE = ("dataset", "features", "hidden_layers", "activation", "output", "loss", "init",
            "optimizer", "learning_rate", "batch_size", "regularization", "epochs")
#: history-row values a metric check can test (``gap`` = test_loss − train_loss)
METRICS = ("train_loss", "test_loss", "train_accuracy", "test_accuracy", "gap", "epoch")
OPS = (">=", ">", "<=", "<")
CHECK_TYPES = ("metric", "gradient_ratio", "overfitting", "all", "manual")
LAYER_NAMES = ("first", "last", "last_hidden")
#: plots a lesson may bring to the front when it opens (``focus``)
FOCUS_PLOTS = ("loss", "gradients", "activations", "output")

_TOP_KEYS = ("format", "version", "id", "order", "language", "title", "summary", "experiment",
             "locked", "sections", "task", "next", "focus")
_TRANSLATION_KEYS = ("format", "version", "id", "language", "title", "summary", "sections",
                     "task")
_LANGUAGE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$")
_ID = re.compile(r"^[a-z0-9][a-z0-9_\-]*$")


class LessonError(NNStudioError):
    """A lesson file is unreadable or invalid (the message names the file and the key)."""


# --- the data classes ---------------------------------------------------------------------

@dataclass
class Section:
    heading: str
    text: str  # Markdown-lite


@dataclass
class TaskStep:
    text: str  # Markdown-lite
    check: dict[str, Any]  # validated, see README.md


@dataclass
class Lesson:
    """One lesson in one language; ``translations`` holds the other languages' texts."""

    id: str
    title: str
    language: str
    experiment: str | dict[str, Any]  # preset file name or an inline experiment dict
    sections: list[Section]
    task_text: str
    steps: list[TaskStep]
    locked: list[str] = field(default_factory=list)
    order: int = 0
    summary: str = ""
    next: str | None = None
    focus: str | None = None  # the plot shown in front when the lesson opens (FOCUS_PLOTS)
    path: Path | None = None
    translations: dict[str, Lesson] = field(default_factory=dict, repr=False)

    @property
    def languages(self) -> list[str]:
        """The base language first, then the translations' (sorted)."""
        return [self.language] + sorted(k for k in self.translations if k != self.language)

    def in_language(self, language: str) -> Lesson:
        """This lesson with its texts in ``language`` (itself if there is no translation)."""
        if language == self.language or language not in self.translations:
            return self
        return self.translations[language]

    @property
    def preset(self) -> str | None:
        """The preset file name, or None for an inline experiment."""
        return self.experiment if isinstance(self.experiment, str) else None

    def load_experiment(self) -> Any:
        """The lesson's experiment as an :class:`experiment.Experiment` (validated)."""
        from nnstudio.engine.experiment import Experiment, load_experiment

        label = self.path.name if self.path is not None else self.id
        if isinstance(self.experiment, str):
            path = preset_path(self.experiment)
            if not path.is_file():
                raise LessonError(f"{label}: experiment: the preset {self.experiment!r} does "
                                  f"not exist (looked for {path})")
            return load_experiment(path)
        return Experiment.from_dict(copy.deepcopy(self.experiment),
                                    source=f"{label}: experiment")


# --- paths ----------------------------------------------------------------------------------

def lessons_dir() -> Path:
    from nnstudio.paths import resource

    return resource("lessons")


def preset_path(name: str) -> Path:
    """``resources/presets/<name>`` (``.json`` is added to a bare stem)."""
    from nnstudio.paths import resource

    file = name if Path(name).suffix else f"{name}.json"
    return resource("presets", file)


# --- reading and validating ---------------------------------------------------------------------

class _Reader(KeyReader):
    """Validates one parsed lesson file; every error names the file and the key path.

    The generic checks (known keys, numbers, whole numbers, names from a list, format and
    version) and the ``<file>: <key path>: <problem>`` messages come from
    :class:`~nnstudio.engine.validation.KeyReader`; this class holds the lesson schema.
    """

    error = LessonError

    def required(self, d: dict, key: str, path: str) -> Any:
        if key not in d:
            where = f"{path}.{key}" if path else key
            raise self.fail(where, "missing")
        return d[key]

    def text(self, value: Any, path: str, allow_empty: bool = False) -> str:
        """A string, or a list of strings (lines, joined with newlines; handy in JSON)."""
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            value = "\n".join(value)
        if not isinstance(value, str):
            raise self.fail(path, f"expected text (or a list of lines), got {value_kind(value)}")
        if not allow_empty and not value.strip():
            raise self.fail(path, "is empty")
        return value

    def header(self, d: dict, file_id: str | None) -> tuple[str, str]:
        self.format_and_version(d, FORMAT, VERSION, "lesson file")
        lesson_id = self.required(d, "id", "")
        if not isinstance(lesson_id, str) or not _ID.match(lesson_id):
            raise self.fail("id", "expected a short name of lower-case letters, digits, _ "
                            f"and -, got {value_kind(lesson_id)}")
        if file_id is not None and lesson_id != file_id:
            raise self.fail("id", f"is {lesson_id!r} but the file is named for {file_id!r}; "
                            "a lesson's id must match its file name")
        language = self.required(d, "language", "")
        if not isinstance(language, str) or not _LANGUAGE.match(language):
            raise self.fail("language", f"expected a language code such as \"en\" or \"ko\", "
                            f"got {value_kind(language)}")
        return lesson_id, language

    def sections(self, value: Any) -> list[Section]:
        if not isinstance(value, list) or not value:
            raise self.fail("sections", f"expected a non-empty list of sections, got "
                            f"{value_kind(value)}")
        out = []
        for k, item in enumerate(value):
            path = f"sections[{k}]"
            item = self.keys(item, ("heading", "text"), path)
            heading = self.text(item.get("heading", ""), f"{path}.heading", allow_empty=True)
            out.append(Section(heading.strip(), self.text(self.required(item, "text", path),
                                                          f"{path}.text")))
        return out

    def task(self, value: Any, translation: bool) -> tuple[str, list[dict[str, Any]]]:
        """(intro text, raw steps) where a raw step is {"text": ..., "check": ...}."""
        d = self.keys(value, ("text", "check", "steps"), "task")
        if "steps" in d:
            if "check" in d:
                raise self.fail("task.check", "give either 'check' (one step) or 'steps', "
                                "not both")
            steps = d["steps"]
            if not isinstance(steps, list) or not steps:
                raise self.fail("task.steps", f"expected a non-empty list of steps, got "
                                f"{value_kind(steps)}")
            intro = self.text(d.get("text", ""), "task.text", allow_empty=True)
            raw = []
            for k, step in enumerate(steps):
                path = f"task.steps[{k}]"
                step = self.keys(step, ("text",) if translation else ("text", "check"), path)
                text = self.text(self.required(step, "text", path), f"{path}.text")
                check = None if translation else self.check(self.required(step, "check", path),
                                                            f"{path}.check")
                raw.append({"text": text, "check": check})
            return intro, raw
        text = self.text(self.required(d, "text", "task"), "task.text")
        if translation:
            if "check" in d:
                raise self.fail("task.check", "a translation cannot change the check; it "
                                "comes from the lesson's main file")
            return "", [{"text": text, "check": None}]
        return "", [{"text": text, "check": self.check(self.required(d, "check", "task"),
                                                       "task.check")}]

    def check(self, value: Any, path: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.fail(path, f"expected a table/object, got {value_kind(value)}")
        kind = self.choice(value.get("type", "metric"), f"{path}.type", CHECK_TYPES,
                           "check type")
        if kind == "metric":
            d = self.keys(value, ("type", "metric", "op", "value", "within_epochs",
                                  "after_epochs"), path)
            out: dict[str, Any] = {
                "type": kind,
                "metric": self.choice(self.required(d, "metric", path), f"{path}.metric",
                                      METRICS, "metric"),
                "op": self.choice(d.get("op", ">="), f"{path}.op", OPS, "comparison"),
                "value": self.number(self.required(d, "value", path), f"{path}.value"),
            }
            if "within_epochs" in d and "after_epochs" in d:
                raise self.fail(path, "give 'within_epochs' or 'after_epochs', not both")
            for key in ("within_epochs", "after_epochs"):
                if key in d:
                    out[key] = self.integer(d[key], f"{path}.{key}", 1)
            return out
        if kind == "gradient_ratio":
            d = self.keys(value, ("type", "layer", "reference", "op", "value", "after_epochs"),
                          path)
            return {
                "type": kind,
                "layer": self.layer_ref(d.get("layer", "first"), f"{path}.layer"),
                "reference": self.layer_ref(d.get("reference", "last"), f"{path}.reference"),
                "op": self.choice(d.get("op", "<"), f"{path}.op", OPS, "comparison"),
                "value": self.number(self.required(d, "value", path), f"{path}.value",
                                     positive=True),
                "after_epochs": self.integer(d.get("after_epochs", 1), f"{path}.after_epochs", 1),
            }
        if kind == "overfitting":
            d = self.keys(value, ("type", "ratio"), path)
            ratio = self.number(d.get("ratio", 1.5), f"{path}.ratio")
            if ratio <= 1.0:
                raise self.fail(f"{path}.ratio", f"must be above 1, got {ratio:g}")
            return {"type": kind, "ratio": ratio}
        if kind == "all":
            d = self.keys(value, ("type", "checks"), path)
            checks = self.required(d, "checks", path)
            if not isinstance(checks, list) or not checks:
                raise self.fail(f"{path}.checks", f"expected a non-empty list of checks, got "
                                f"{value_kind(checks)}")
            return {"type": kind, "checks": [self.check(c, f"{path}.checks[{k}]")
                                             for k, c in enumerate(checks)]}
        self.keys(value, ("type",), path)
        return {"type": "manual"}

    def layer_ref(self, value: Any, path: str) -> str | int:
        if isinstance(value, str) and value in LAYER_NAMES:
            return value
        if isinstance(value, int) and not isinstance(value, bool):
            return int(value)
        raise self.fail(path, f"expected a layer index (0 = first, -1 = last) or one of "
                        f"{', '.join(LAYER_NAMES)}, got {value_kind(value)}")

    def locked(self, value: Any) -> list[str]:
        if not isinstance(value, list):
            raise self.fail("locked", f"expected a list of control names, got {value_kind(value)}")
        return [self.choice(v, f"locked[{k}]", LOCKABLE, "control") for k, v in
                enumerate(value)]

    def experiment(self, value: Any) -> str | dict[str, Any]:
        if isinstance(value, str):
            if not value.strip() or "/" in value or "\\" in value:
                raise self.fail("experiment", f"expected a preset file name in "
                                f"resources/presets such as \"xor_hidden_layer.json\", got "
                                f"{value_kind(value)}")
            return value
        if isinstance(value, dict):
            from nnstudio.engine.experiment import Experiment

            try:
                Experiment.from_dict(copy.deepcopy(value), source="experiment")
            except NNStudioError as exc:
                raise self.error(f"{self.source}: {exc}") from None
            return value
        raise self.fail("experiment", "expected a preset file name or an inline experiment "
                        f"table, got {value_kind(value)}")

    # whole files
    def lesson(self, d: Any, file_id: str | None, path: Path | None) -> Lesson:
        d = self.keys(d, _TOP_KEYS, "")
        lesson_id, language = self.header(d, file_id)
        title = self.text(self.required(d, "title", ""), "title").strip()
        experiment = self.experiment(self.required(d, "experiment", ""))
        sections = self.sections(self.required(d, "sections", ""))
        intro, raw = self.task(self.required(d, "task", ""), translation=False)
        steps = [TaskStep(s["text"], s["check"]) for s in raw]
        nxt = d.get("next")
        if nxt is not None and (not isinstance(nxt, str) or not _ID.match(nxt)):
            raise self.fail("next", f"expected the id of another lesson, got {value_kind(nxt)}")
        return Lesson(
            id=lesson_id, title=title, language=language, experiment=experiment,
            sections=sections, task_text=intro, steps=steps,
            locked=self.locked(d.get("locked", [])),
            order=self.integer(d.get("order", 0), "order", 0),
            summary=self.text(d.get("summary", ""), "summary", allow_empty=True).strip(),
            next=nxt, path=path,
            focus=(self.choice(d["focus"], "focus", FOCUS_PLOTS, "plot")
                   if d.get("focus") is not None else None),
        )

    def translation(self, d: Any, base: Lesson, file_id: str) -> Lesson:
        if isinstance(d, dict):
            for key in ("experiment", "locked", "order", "next", "focus"):
                if key in d:
                    raise self.fail(key, "a translation holds only texts (title, summary, "
                                    f"sections, task); '{key}' comes from "
                                    f"{base.path.name if base.path else base.id}")
        d = self.keys(d, _TRANSLATION_KEYS, "")
        lesson_id, language = self.header(d, file_id)
        title = self.text(self.required(d, "title", ""), "title").strip()
        sections = self.sections(self.required(d, "sections", ""))
        intro, raw = self.task(self.required(d, "task", ""), translation=True)
        if len(raw) != len(base.steps):
            raise self.fail("task", f"has {len(raw)} step(s) but the lesson has "
                            f"{len(base.steps)}; translate every step")
        steps = [TaskStep(s["text"], base_step.check) for s, base_step in zip(raw, base.steps)]
        summary = self.text(d.get("summary", ""), "summary", allow_empty=True).strip()
        return replace(base, title=title, language=language, sections=sections,
                       task_text=intro, steps=steps, summary=summary or base.summary,
                       translations={})


def _parse(path: Path) -> Any:
    """The parsed JSON (TOML for ``.toml``) of a lesson file; errors name the file."""
    return read_document(path, path.name, what="lesson", error=LessonError)


def _split_name(path: Path) -> tuple[str, str | None]:
    """``xor.ko.json`` -> ("xor", "ko"); ``xor.json`` -> ("xor", None)."""
    stem = path.name[: -len(path.suffix)] if path.suffix else path.name
    if "." in stem:
        base, lang = stem.rsplit(".", 1)
        if _LANGUAGE.match(lang):
            return base, lang
    return stem, None


def _lesson_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir()
                  if p.is_file() and p.suffix.lower() in (".json", ".toml"))


def load_lesson(path: str | os.PathLike[str]) -> Lesson:
    """Read one lesson file with the translations beside it (``<id>.<lang>.json``).

    Given a translation file, returns the lesson in that language (with the others as
    translations). Raises :class:`LessonError` naming the file and key.
    """
    path = Path(path)
    base_id, lang = _split_name(path)
    base_path = path if lang is None else _find_base(path.parent, base_id, path)
    base = _Reader(base_path.name).lesson(_parse(base_path), base_id, base_path)
    if base_path.parent.is_dir():
        for other in _lesson_files(base_path.parent):
            other_id, other_lang = _split_name(other)
            if other_id == base_id and other_lang is not None:
                _attach(base, other)
    if lang is not None and lang != base.language:
        if lang not in base.translations:
            raise LessonError(f"{path.name}: language: the file name says {lang!r} but the "
                              "file does not hold that language")
        chosen = base.translations[lang]
        chosen.translations = {base.language: base, **{k: v for k, v in
                                                       base.translations.items() if k != lang}}
        return chosen
    return base


def _find_base(folder: Path, base_id: str, translation: Path) -> Path:
    for ext in (".json", ".toml"):
        candidate = folder / f"{base_id}{ext}"
        if candidate.is_file():
            return candidate
    raise LessonError(f"{translation.name}: is a translation of the lesson {base_id!r}, but "
                      f"there is no {base_id}.json beside it")


def _attach(base: Lesson, path: Path) -> None:
    base_id, lang = _split_name(path)
    reader = _Reader(path.name)
    lesson = reader.translation(_parse(path), base, base_id)
    if lesson.language != lang:
        raise reader.fail("language", f"is {lesson.language!r} but the file name says {lang!r}")
    if lang == base.language:
        raise reader.fail("language", f"{lang!r} is already the main file's language")
    base.translations[lang] = lesson


def load_lessons(folder: str | os.PathLike[str] | None = None,
                 errors: list[str] | None = None) -> list[Lesson]:
    """Every lesson in ``folder`` (default: the bundled ones), by ``order`` then title.

    Without ``errors`` the first invalid file raises :class:`LessonError`; with a list,
    invalid files are skipped and their messages appended to it (for a menu that should
    still show the good lessons).
    """
    folder = Path(folder) if folder is not None else lessons_dir()
    if not folder.is_dir():
        return []

    def problem(exc: LessonError) -> None:
        if errors is None:
            raise exc
        errors.append(str(exc))

    lessons: list[Lesson] = []
    bases = set()
    for path in _lesson_files(folder):
        base_id, lang = _split_name(path)
        if lang is None:
            bases.add(base_id)
            try:
                lessons.append(load_lesson(path))
            except LessonError as exc:
                problem(exc)
    for path in _lesson_files(folder):
        base_id, lang = _split_name(path)
        if lang is not None and base_id not in bases:
            problem(LessonError(f"{path.name}: is a translation of the lesson {base_id!r}, "
                                f"but there is no {base_id}.json beside it"))
    ids = [lesson.id for lesson in lessons]
    for lesson in list(lessons):
        if lesson.next is not None and lesson.next not in ids:
            name = lesson.path.name if lesson.path else lesson.id
            problem(LessonError(f"{name}: next: there is no lesson {lesson.next!r} (known: "
                                f"{', '.join(ids)})"))
            lesson.next = None
    lessons.sort(key=lambda lesson: (lesson.order, lesson.title.lower()))
    return lessons


def next_lesson(lesson: Lesson, lessons: Sequence[Lesson]) -> Lesson | None:
    """The lesson after ``lesson``: its ``next``, else the following one in order."""
    if lesson.next is not None:
        found = find_lesson(lesson.next, lessons)
        if found is not None:
            return found
    ids = [item.id for item in lessons]
    if lesson.id in ids and ids.index(lesson.id) + 1 < len(lessons):
        return lessons[ids.index(lesson.id) + 1]
    return None


def find_lesson(lesson_id: str, lessons: Sequence[Lesson] | None = None) -> Lesson | None:
    for lesson in (lessons if lessons is not None else load_lessons()):
        if lesson.id == lesson_id:
            return lesson
    return None


# --- checking a task ----------------------------------------------------------------------------

_MESSAGES: dict[str, dict[str, str]] = {
    "en": {
        "no_data": "Press Play: the check needs at least one finished epoch.",
        "metric_ok": "{metric} = {value} {op} {target} at epoch {epoch}.",
        "metric_now": "{metric} is {value} at epoch {epoch}; the goal is {op} {target}.",
        "within": "{metric} is {value} at epoch {epoch}; the goal is {op} {target} within "
                  "{limit} epochs.",
        "within_missed": "{metric} did not reach {op} {target} within {limit} epochs (best "
                         "{best}). Change something and press Reset to try again.",
        "after_wait": "Keep training: the check is made at epoch {limit} (now {epoch}).",
        "grad_ok": "Mean |∂J/∂W| of the {layer} is {ratio} × that of the {reference} "
                   "({op} {target}).",
        "grad_now": "Mean |∂J/∂W| of the {layer} is {ratio} × that of the {reference}; the "
                    "goal is {op} {target}.",
        "grad_none": "Press Play: the check needs the per-layer gradients.",
        "grad_zero": "The gradient of the {reference} is 0, so the ratio is undefined.",
        "overfit_ok": "Overfitting seen: the test loss rose from its best {best} (epoch "
                      "{best_epoch}) to {value} while the training loss fell to {train}.",
        "overfit_now": "Test loss {value} (best {best} at epoch {best_epoch}); keep training "
                       "until it climbs {ratio}× above its best while the training loss falls.",
        "manual": "Mark this step done when you have finished it.",
        "manual_done": "Done.",
        "all_ok": "All conditions hold.",
        "task_done": "Task complete.",
        "step": "Step {step} of {steps}: {message}",
        "step_done": "Step {step} of {steps} done: {message} Now step {next}.",
    },
    "ko": {
        "no_data": "Play를 누르세요: 확인하려면 적어도 한 epoch가 끝나야 합니다.",
        "metric_ok": "epoch {epoch}: {metric} {value} {op} {target}.",
        "metric_now": "epoch {epoch}: {metric} {value}. 목표: {op} {target}.",
        "within": "epoch {epoch}: {metric} {value}. 목표: {limit} epoch 안에 {op} {target}.",
        "within_missed": "{limit} epoch 안에 {metric} {op} {target}에 이르지 못했습니다 "
                         "(최고 {best}). 설정을 바꾸고 Reset을 눌러 다시 해 보세요.",
        "after_wait": "계속 학습하세요: epoch {limit}에서 확인합니다 (지금 {epoch}).",
        "grad_ok": "{layer}의 평균 |∂J/∂W|는 {reference}의 {ratio}배입니다 ({op} {target}).",
        "grad_now": "{layer}의 평균 |∂J/∂W|는 {reference}의 {ratio}배입니다. 목표는 "
                    "{op} {target}.",
        "grad_none": "Play를 누르세요: 층별 기울기가 필요합니다.",
        "grad_zero": "{reference}의 기울기가 0이라 비율을 정할 수 없습니다.",
        "overfit_ok": "과적합 확인: 테스트 손실이 최저 {best} (epoch {best_epoch})에서 {value}로 "
                      "올랐고, 훈련 손실은 {train}로 내려갔습니다.",
        "overfit_now": "테스트 손실 {value} (최저 {best}, epoch {best_epoch}). 훈련 손실이 "
                       "내려가는 동안 테스트 손실이 최저의 {ratio}배 넘게 오를 때까지 "
                       "학습하세요.",
        "manual": "이 단계를 마치면 완료로 표시하세요.",
        "manual_done": "완료.",
        "all_ok": "모든 조건을 만족합니다.",
        "task_done": "과제 완료.",
        "step": "{steps}단계 중 {step}단계: {message}",
        "step_done": "{steps}단계 중 {step}단계 완료: {message} 이제 {next}단계입니다.",
    },
}


_METRIC_NAMES: dict[str, dict[str, str]] = {
    "en": {"train_loss": "training loss", "test_loss": "test loss",
           "train_accuracy": "training accuracy", "test_accuracy": "test accuracy",
           "gap": "test − training loss", "epoch": "epoch"},
    "ko": {"train_loss": "훈련 손실", "test_loss": "테스트 손실", "train_accuracy": "훈련 정확도",
           "test_accuracy": "테스트 정확도", "gap": "테스트 − 훈련 손실", "epoch": "epoch"},
}


def metric_name(language: str, metric: str) -> str:
    """A history metric's name for people, e.g. ``test_accuracy`` -> ``test accuracy``."""
    return _METRIC_NAMES.get(language, _METRIC_NAMES["en"]).get(metric, metric)


def message(language: str, key: str, **values: Any) -> str:
    """A status message in ``language`` (English when it has no such message)."""
    table = _MESSAGES.get(language, _MESSAGES["en"])
    text = table.get(key, _MESSAGES["en"][key]).format(**values)
    return text[:1].upper() + text[1:] if language not in _MESSAGES or language == "en" \
        else text


def _num(value: float) -> str:
    if value != value:  # nan
        return "n/a"
    if value == 0 or 1e-3 <= abs(value) < 1e4:
        return f"{value:.3g}" if abs(value) < 1 else f"{value:.4g}"
    return f"{value:.2e}"


_OP_TEXT = {">=": "≥", ">": ">", "<=": "≤", "<": "<"}


def _metric_num(metric: str, value: float) -> str:
    """Accuracies as percentages (``95 %``), everything else as :func:`_num`."""
    if "accuracy" in metric and value == value:
        return f"{100 * value:.3g} %"
    return _num(value)


def _compare(value: float, op: str, target: float) -> bool:
    if value != value:
        return False
    return {">=": value >= target, ">": value > target, "<=": value <= target,
            "<": value < target}[op]


def _row_value(row: Mapping[str, Any], metric: str) -> float:
    if metric == "gap":
        return float(row.get("test_loss", math.nan)) - float(row.get("train_loss", math.nan))
    value = row.get(metric)
    return math.nan if value is None else float(value)


def layer_label(language: str, index: int, n_layers: int) -> str:
    """``first hidden layer`` ... ``output layer`` for layer ``index`` of ``n_layers``."""
    if language == "ko":
        if index == n_layers - 1:
            return "출력층"
        return {0: "첫 번째", 1: "두 번째", 2: "세 번째"}.get(index, f"{index + 1}번째") + " 은닉층"
    if index == n_layers - 1:
        return "output layer"
    ordinal = {0: "first", 1: "second", 2: "third"}.get(index, f"{index + 1}th")
    return f"{ordinal} hidden layer"


def _layer_index(ref: str | int, n: int) -> int:
    if ref == "first":
        return 0
    if ref == "last":
        return n - 1
    if ref == "last_hidden":
        return max(n - 2, 0)
    return int(ref) % n if n else 0


def _grads_from(rows: Sequence[Mapping[str, Any]], grad_means: Sequence[float] | None
                ) -> list[float] | None:
    if grad_means is not None and len(grad_means) > 0:
        return [float(g) for g in grad_means]
    if rows:
        last = rows[-1]
        keys = sorted((k for k in last if k.startswith("grad/layer")),
                      key=lambda k: int(k[len("grad/layer"):]))
        if keys:
            return [float(last[k]) for k in keys]
    return None


def _check(check: Mapping[str, Any], rows: Sequence[Mapping[str, Any]],
           grads: Sequence[float] | None, lang: str, manual_done: bool) -> tuple[bool, str]:
    kind = check["type"]
    if kind == "manual":
        return (True, message(lang, "manual_done")) if manual_done else \
            (False, message(lang, "manual"))
    if kind == "all":
        results = [_check(c, rows, grads, lang, manual_done) for c in check["checks"]]
        for ok, msg in results:
            if not ok:
                return False, msg
        return True, " ".join(msg for _, msg in results)
    if not rows and not (kind == "gradient_ratio" and grads):
        return False, message(lang, "no_data")
    if kind == "metric":
        metric, op, target = check["metric"], check["op"], check["value"]
        names = {"metric": metric_name(lang, metric), "op": _OP_TEXT[op],
                 "target": _metric_num(metric, target)}
        last = rows[-1]
        epoch = int(last.get("epoch", len(rows)))
        if "within_epochs" in check:
            limit = check["within_epochs"]
            for row in rows:
                row_epoch = int(row.get("epoch", 0))
                value = _row_value(row, metric)
                if row_epoch <= limit and _compare(value, op, target):
                    return True, message(lang, "metric_ok", value=_metric_num(metric, value),
                                         epoch=row_epoch, **names)
            values = [_row_value(r, metric) for r in rows if int(r.get("epoch", 0)) <= limit]
            values = [v for v in values if v == v]
            if epoch >= limit:
                best = (max(values) if op in (">=", ">") else min(values)) if values \
                    else math.nan
                return False, message(lang, "within_missed", limit=limit,
                                      best=_metric_num(metric, best), **names)
            return False, message(lang, "within", value=_metric_num(metric, _row_value(last,
                                                                                    metric)),
                                  epoch=epoch, limit=limit, **names)
        if "after_epochs" in check and epoch < check["after_epochs"]:
            return False, message(lang, "after_wait", limit=check["after_epochs"], epoch=epoch)
        value = _row_value(last, metric)
        key = "metric_ok" if _compare(value, op, target) else "metric_now"
        return key == "metric_ok", message(lang, key, value=_metric_num(metric, value),
                                           epoch=epoch, **names)
    if kind == "gradient_ratio":
        epoch = int(rows[-1].get("epoch", len(rows))) if rows else 0
        if rows and epoch < check["after_epochs"]:
            return False, message(lang, "after_wait", limit=check["after_epochs"], epoch=epoch)
        g = _grads_from(rows, grads)
        if g is None:
            return False, message(lang, "grad_none")
        layer = _layer_index(check["layer"], len(g))
        reference = _layer_index(check["reference"], len(g))
        names = {"layer": layer_label(lang, layer, len(g)),
                 "reference": layer_label(lang, reference, len(g)), "op": _OP_TEXT[check["op"]],
                 "target": _num(check["value"])}
        if g[reference] == 0:
            return False, message(lang, "grad_zero", **names)
        ratio = g[layer] / g[reference]
        ok = _compare(ratio, check["op"], check["value"])
        return ok, message(lang, "grad_ok" if ok else "grad_now", ratio=_num(ratio), **names)
    # overfitting: the test loss climbs ``ratio`` above its minimum while training improves
    tests = [_row_value(r, "test_loss") for r in rows]
    valid = [(v, k) for k, v in enumerate(tests) if v == v]
    if not valid:
        return False, message(lang, "no_data")
    best, at = min(valid)
    last = rows[-1]
    value, train = _row_value(last, "test_loss"), _row_value(last, "train_loss")
    names = {"best": _num(best), "best_epoch": int(rows[at].get("epoch", at + 1)),
             "value": _num(value), "train": _num(train), "ratio": _num(check["ratio"])}
    ok = value >= check["ratio"] * best and train < _row_value(rows[at], "train_loss")
    return ok, message(lang, "overfit_ok" if ok else "overfit_now", **names)


def check_task(lesson: Lesson, history_rows: Sequence[Mapping[str, Any]],
               grad_means: Sequence[float] | None = None, step: int = 0,
               manual_done: bool = False) -> tuple[bool, str]:
    """Whether step ``step`` of the lesson's task is done, with a message for the student.

    ``history_rows``: the current run's per-epoch rows (``epoch``, ``train_loss``,
    ``test_loss``, ``train_accuracy``, ``test_accuracy``, ``grad/layer{i}``), oldest first.
    ``grad_means``: the latest mean |∂J/∂W| per layer (e.g. the newest row of a snapshot's
    gradients); without it the last history row's ``grad/layer{i}`` are used.
    ``manual_done``: the student marked a "manual" step as done. Messages are in the
    lesson's language.
    """
    if not 0 <= step < len(lesson.steps):
        raise NNStudioError(f"lesson {lesson.id!r} has {len(lesson.steps)} step(s), no step "
                            f"{step}")
    return _check(lesson.steps[step].check, list(history_rows), grad_means, lesson.language,
                  manual_done)


class TaskProgress:
    """Walks through a task's steps: a step, once done, stays done for later runs."""

    def __init__(self, lesson: Lesson) -> None:
        self.lesson = lesson
        self.step = 0  # the current (first unfinished) step
        self.message = check_task(lesson, [], None, 0)[1]

    @property
    def done(self) -> bool:
        return self.step >= len(self.lesson.steps)

    @property
    def needs_manual(self) -> bool:
        """Whether the current step is one the student marks done by hand."""
        return not self.done and self.lesson.steps[self.step].check["type"] == "manual"

    def update(self, history_rows: Sequence[Mapping[str, Any]],
               grad_means: Sequence[float] | None = None, manual_done: bool = False
               ) -> tuple[bool, str]:
        """Check the current step; on success move on (at most one step per call, since
        the next step usually needs a changed experiment). Returns (task done, message)."""
        lang = self.lesson.language
        if self.done:
            self.message = message(lang, "task_done")
            return True, self.message
        ok, msg = check_task(self.lesson, history_rows, grad_means, self.step, manual_done)
        steps = len(self.lesson.steps)
        if ok:
            self.step += 1
            if self.done:
                self.message = f"{msg} {message(lang, 'task_done')}"
                return True, self.message
            self.message = message(lang, "step_done", step=self.step, steps=steps, message=msg,
                                   next=self.step + 1)
            return False, self.message
        self.message = msg if steps == 1 else message(lang, "step", step=min(self.step + 1,
                                                                             steps),
                                                      steps=steps, message=msg)
        return False, self.message

    def set_language(self, lesson: Lesson) -> None:
        """The same lesson in another language (the progress is kept)."""
        self.lesson = lesson


# --- Markdown-lite -----------------------------------------------------------------------------

_INLINE = [
    (re.compile(r"\*\*(.+?)\*\*"), r"<b>\1</b>"),
    (re.compile(r"(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?![\w*])"), r"<i>\1</i>"),
    (re.compile(r"`(.+?)`"), r"<code>\1</code>"),
]


def _inline(text: str) -> str:
    from nnstudio.engine.backprop import scripts_to_html

    out = scripts_to_html(html.escape(text, quote=False))
    for pattern, repl in _INLINE:
        out = pattern.sub(repl, out)
    return out


def markdown_lite_html(text: str) -> str:
    """Markdown-lite to simple HTML: blank-line paragraphs, ``- `` bullet and ``1. ``
    numbered lists, ``> `` formula lines (shown centred, as typed), ``**bold**``,
    ``*italic*`` and ```code```; Unicode sub/superscripts (``w₁,₂⁽²⁾``) become
    ``<sub>``/``<sup>``. Everything else is escaped."""
    blocks: list[str] = []
    para: list[str] = []
    items: list[str] = []
    list_tag = ""

    def flush_para() -> None:
        if para:
            blocks.append("<p>" + " ".join(_inline(line) for line in para) + "</p>")
            para.clear()

    def flush_list() -> None:
        nonlocal list_tag
        if items:
            inner = "".join(f"<li>{item}</li>" for item in items)
            blocks.append(f"<{list_tag}>{inner}</{list_tag}>")
            items.clear()
        list_tag = ""

    for raw in text.splitlines():
        line = raw.strip()
        bullet = re.match(r"^[-*]\s+(.*)$", line)
        numbered = re.match(r"^\d+[.)]\s+(.*)$", line)
        if not line:
            flush_para()
            flush_list()
        elif line.startswith(">"):
            flush_para()
            flush_list()
            blocks.append(f'<p class="formula" align="center">{_inline(line[1:].strip())}</p>')
        elif bullet or numbered:
            flush_para()
            tag = "ul" if bullet else "ol"
            if list_tag and list_tag != tag:
                flush_list()
            list_tag = tag
            items.append(_inline((bullet or numbered).group(1)))
        elif items and raw[:1] in (" ", "\t"):
            items[-1] += " " + _inline(line)  # a list item's continuation line
        else:
            flush_list()
            para.append(line)
    flush_para()
    flush_list()
    return "\n".join(blocks)
