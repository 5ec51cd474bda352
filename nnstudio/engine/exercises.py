"""Perceptron exercises: loading the JSON files of ``resources/exercises/`` and checking answers.

The file format is documented in ``resources/exercises/README.md`` (a teacher can add an
exercise by dropping a new ``.json`` file there). ``check`` tells a student which rows are
still wrong and, after repeated failed checks, gives the exercise's hints.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from nnstudio.engine.errors import NNStudioError
from nnstudio.engine.perceptron import (
    RULES,
    Perceptron,
    format_number,
    is_linearly_separable,
    sum_arithmetic,
)

FORMAT = "nnstudio.exercise"
VERSION = 1
KINDS = ("by_hand", "learning_rule", "free_points")
DEFAULT_RANGE = (-3.0, 3.0)
_ID = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
_KEYS = {
    "format", "version", "id", "title", "kind", "order", "instructions", "inputs", "points",
    "targets", "initial", "rule", "max_epochs", "ranges", "hints", "hint_after", "solution",
    "solvable", "explanation", "preset",
}  # fmt: skip


class ExerciseError(NNStudioError):
    """An exercise file cannot be used; the message names the file and the key."""


@dataclass(frozen=True)
class Exercise:
    """One exercise, as read from its file (see the README next to the files)."""

    id: str
    title: str
    kind: str
    instructions: str
    points: tuple[tuple[float, ...], ...]
    targets: tuple[int, ...]
    input_names: tuple[str, ...]
    weights: tuple[float, ...]
    bias: float
    learning_rate: float
    rule: str = "perceptron"
    max_epochs: int = 20
    weight_range: tuple[float, float] = DEFAULT_RANGE
    bias_range: tuple[float, float] = DEFAULT_RANGE
    hints: tuple[str, ...] = ()
    hint_after: int = 2
    solution: tuple[tuple[float, ...], float] | None = None
    solvable: bool = True
    explanation: str = ""
    preset: str | None = None
    order: int = 1000
    source: str = "<memory>"

    @property
    def n_inputs(self) -> int:
        return len(self.input_names)

    @property
    def uses_rule(self) -> bool:
        """True for exercises where the learning rule does the work (the stepper is shown)."""
        return self.kind == "learning_rule"

    def perceptron(self) -> Perceptron:
        """A fresh perceptron with the exercise's starting weights, bias, η and rule."""
        return Perceptron(self.weights, self.bias, self.learning_rate, self.rule)


@dataclass(frozen=True)
class RowCheck:
    """One row of the truth table for given weights."""

    index: int
    x: tuple[float, ...]
    s: float
    output: int
    target: int
    arithmetic: str

    @property
    def correct(self) -> bool:
        return self.output == self.target


@dataclass(frozen=True)
class CheckResult:
    """Outcome of :func:`check`: per-row results, a verdict, a message and maybe a hint."""

    rows: tuple[RowCheck, ...]
    solved: bool
    message: str
    hint: str | None = None

    @property
    def wrong_rows(self) -> list[int]:
        return [r.index for r in self.rows if not r.correct]


# -- loading -----------------------------------------------------------------------------------


def _fail(source: str, key: str | None, what: str) -> ExerciseError:
    where = f"{source}: key '{key}'" if key else source
    return ExerciseError(f"{where}: {what}")


def _number(value: object, source: str, key: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise _fail(source, key, f"expected a number, got {json.dumps(value)}")
    return float(value)


def _numbers(value: object, source: str, key: str, length: int | None = None) -> tuple[float, ...]:
    if not isinstance(value, list) or not value:
        raise _fail(source, key, f"expected a non-empty list of numbers, got {json.dumps(value)}")
    out = tuple(_number(v, source, key) for v in value)
    if length is not None and len(out) != length:
        raise _fail(source, key, f"expected {length} number(s), one per input, got {len(out)}")
    return out


def _text(value: object, source: str, key: str, allow_empty: bool = False) -> str:
    if not isinstance(value, str) or (not allow_empty and not value.strip()):
        raise _fail(source, key, f"expected a non-empty text, got {json.dumps(value)}")
    return value.strip()


def _range(value: object, source: str, key: str) -> tuple[float, float]:
    pair = _numbers(value, source, key)
    if len(pair) != 2 or not pair[0] < pair[1]:
        raise _fail(source, key, f"expected [low, high] with low < high, got {json.dumps(value)}")
    return pair[0], pair[1]


def parse_exercise(data: object, source: str = "<memory>") -> Exercise:
    """Validate the decoded JSON of one exercise file; errors name ``source`` and the key."""
    if not isinstance(data, dict):
        raise _fail(source, None, "the file must hold one JSON object ({ ... })")
    unknown = sorted(set(data) - _KEYS)
    if unknown:
        raise _fail(source, unknown[0], f"unknown key (known keys: {', '.join(sorted(_KEYS))})")
    for key in ("id", "title", "kind", "instructions", "points", "targets"):
        if key not in data:
            raise _fail(source, key, "this key is required")
    if "format" in data and data["format"] != FORMAT:
        raise _fail(source, "format", f'expected "{FORMAT}", got {json.dumps(data["format"])}')
    if "version" in data and data["version"] != VERSION:
        raise _fail(
            source, "version", f"this nnstudio reads version {VERSION}, got {data['version']!r}"
        )

    ex_id = _text(data["id"], source, "id")
    if not _ID.match(ex_id):
        raise _fail(source, "id", f"use lower-case letters, digits, _ and - only (got {ex_id!r})")
    kind = _text(data["kind"], source, "kind")
    if kind not in KINDS:
        raise _fail(source, "kind", f"expected one of {', '.join(KINDS)}, got {kind!r}")

    raw_points = data["points"]
    if not isinstance(raw_points, list) or not raw_points:
        raise _fail(source, "points", "expected a non-empty list of points like [[0, 0], [0, 1]]")
    first = raw_points[0]
    width = len(first) if isinstance(first, list) else 0
    if width == 0:
        raise _fail(source, "points", "each point must be a list of input values, e.g. [0, 1]")
    points = []
    for i, p in enumerate(raw_points):
        if not isinstance(p, list) or len(p) != width:
            raise _fail(source, "points", f"point {i + 1} must be a list of {width} numbers")
        points.append(_numbers(p, source, f"points[{i}]"))

    raw_targets = data["targets"]
    if not isinstance(raw_targets, list) or len(raw_targets) != len(points):
        count = len(raw_targets) if isinstance(raw_targets, list) else "no list of"
        raise _fail(
            source,
            "targets",
            f"expected one 0/1 target per point: {len(points)} points but {count} targets",
        )
    targets = []
    for i, t in enumerate(raw_targets):
        if isinstance(t, bool) or t not in (0, 1):
            raise _fail(source, "targets", f"target {i + 1} must be 0 or 1, got {json.dumps(t)}")
        targets.append(int(t))

    names: tuple[str, ...] = tuple(f"x{i + 1}" for i in range(width))
    if "inputs" in data:
        raw = data["inputs"]
        if (
            not isinstance(raw, list)
            or len(raw) != width
            or not all(isinstance(n, str) and n.strip() for n in raw)
        ):
            raise _fail(source, "inputs", f'expected {width} input name(s), e.g. ["x1", "x2"]')
        names = tuple(n.strip() for n in raw)

    initial = data.get("initial", {})
    if not isinstance(initial, dict):
        raise _fail(
            source, "initial", 'expected {"weights": [...], "bias": ..., "learning_rate": ...}'
        )
    extra = sorted(set(initial) - {"weights", "bias", "learning_rate"})
    if extra:
        raise _fail(source, f"initial.{extra[0]}", "unknown key (use weights, bias, learning_rate)")
    weights = (
        _numbers(initial["weights"], source, "initial.weights", width)
        if "weights" in initial
        else (0.0,) * width
    )
    bias = _number(initial.get("bias", 0.0), source, "initial.bias")
    eta = _number(initial.get("learning_rate", 0.1), source, "initial.learning_rate")
    if eta <= 0:
        raise _fail(source, "initial.learning_rate", f"must be greater than 0, got {eta}")

    rule = data.get("rule", "perceptron")
    if rule not in RULES:
        raise _fail(source, "rule", f"expected one of {', '.join(RULES)}, got {json.dumps(rule)}")
    max_epochs = data.get("max_epochs", 20)
    if (
        isinstance(max_epochs, bool)
        or not isinstance(max_epochs, int)
        or not 1 <= max_epochs <= 100000
    ):
        raise _fail(
            source, "max_epochs", f"expected a whole number from 1 to 100000, got {max_epochs!r}"
        )

    ranges = data.get("ranges", {})
    if not isinstance(ranges, dict) or set(ranges) - {"weights", "bias"}:
        raise _fail(source, "ranges", 'expected {"weights": [low, high], "bias": [low, high]}')
    w_range = (
        _range(ranges["weights"], source, "ranges.weights")
        if "weights" in ranges
        else DEFAULT_RANGE
    )
    b_range = _range(ranges["bias"], source, "ranges.bias") if "bias" in ranges else DEFAULT_RANGE

    hints = data.get("hints", [])
    if not isinstance(hints, list) or not all(isinstance(h, str) and h.strip() for h in hints):
        raise _fail(source, "hints", "expected a list of texts")
    hint_after = data.get("hint_after", 2)
    if isinstance(hint_after, bool) or not isinstance(hint_after, int) or hint_after < 0:
        raise _fail(source, "hint_after", f"expected a whole number ≥ 0, got {hint_after!r}")

    solvable = data.get("solvable", True)
    if not isinstance(solvable, bool):
        raise _fail(source, "solvable", f"expected true or false, got {json.dumps(solvable)}")
    solution = None
    if "solution" in data:
        raw = data["solution"]
        if not isinstance(raw, dict) or set(raw) != {"weights", "bias"}:
            raise _fail(source, "solution", 'expected {"weights": [...], "bias": ...}')
        solution = (
            _numbers(raw["weights"], source, "solution.weights", width),
            _number(raw["bias"], source, "solution.bias"),
        )

    preset = data.get("preset")
    if preset is not None and (
        not isinstance(preset, str) or not re.match(r"^[\w.-]+\.(json|toml)$", preset)
    ):
        raise _fail(
            source, "preset", f'expected a preset file name like "xor.json", got {preset!r}'
        )
    order = data.get("order", 1000)
    if isinstance(order, bool) or not isinstance(order, int):
        raise _fail(source, "order", f"expected a whole number, got {order!r}")

    exercise = Exercise(
        id=ex_id,
        title=_text(data["title"], source, "title"),
        kind=kind,
        instructions=_text(data["instructions"], source, "instructions"),
        points=tuple(points),
        targets=tuple(targets),
        input_names=names,
        weights=weights,
        bias=bias,
        learning_rate=eta,
        rule=rule,
        max_epochs=max_epochs,
        weight_range=w_range,
        bias_range=b_range,
        hints=tuple(h.strip() for h in hints),
        hint_after=hint_after,
        solution=solution,
        solvable=solvable,
        explanation=_text(data.get("explanation", ""), source, "explanation", allow_empty=True),
        preset=preset,
        order=order,
        source=source,
    )
    _check_consistency(exercise)
    return exercise


def _check_consistency(ex: Exercise) -> None:
    """The solution must work, and ``solvable`` must match what the points allow."""
    separable = is_linearly_separable(ex.points, ex.targets)
    if not ex.solvable:
        if ex.solution is not None:
            raise _fail(ex.source, "solution", 'an exercise with "solvable": false has no solution')
        if separable:
            raise _fail(
                ex.source, "solvable", "is false, but a straight line does separate these points"
            )
        return
    if not separable:
        raise _fail(
            ex.source,
            "points",
            'no weights classify every point (not linearly separable); add "solvable": false',
        )
    if ex.solution is not None:
        result = check(ex, *ex.solution)
        if not result.solved:
            row = result.rows[result.wrong_rows[0]]
            raise _fail(
                ex.source,
                "solution",
                f"these weights get row {row.index + 1} (x = {_point_text(row.x)}) wrong",
            )


def load_exercise(path: str | Path) -> Exercise:
    """Read and validate one exercise file."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise _fail(p.name, None, "is not UTF-8 text") from None
    except OSError as exc:
        raise _fail(p.name, None, f"cannot be read ({exc.strerror or exc})") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise _fail(
            p.name, None, f"is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})"
        ) from None
    return parse_exercise(data, p.name)


def default_folder() -> Path:
    from nnstudio.paths import resource

    return resource("exercises")


def load_exercises(
    folders: Path | str | Iterable[Path | str] | None = None,
    errors: list[ExerciseError] | None = None,
) -> list[Exercise]:
    """All ``*.json`` exercises of the folders (default: the bundled ones), in ``order``.

    With an ``errors`` list, bad files are reported there and skipped; without one the
    first bad file raises :class:`ExerciseError`. A later folder's exercise replaces an
    earlier one with the same id (a teacher's copy overrides the bundled one).
    """
    if folders is None:
        folders = [default_folder()]
    elif isinstance(folders, (str, Path)):
        folders = [folders]
    by_id: dict[str, Exercise] = {}
    for folder in folders:
        folder = Path(folder)
        if not folder.is_dir():
            continue
        seen: dict[str, str] = {}
        for path in sorted(folder.glob("*.json")):
            try:
                ex = load_exercise(path)
                if ex.id in seen:
                    raise _fail(path.name, "id", f"{ex.id!r} is already used by {seen[ex.id]}")
            except ExerciseError as exc:
                if errors is None:
                    raise
                errors.append(exc)
                continue
            seen[ex.id] = path.name
            by_id[ex.id] = ex
    return sorted(by_id.values(), key=lambda e: (e.order, e.title.lower()))


# -- checking ----------------------------------------------------------------------------------


def _point_text(x: Sequence[float]) -> str:
    return "(" + ", ".join(format_number(v, keep_point=False) for v in x) + ")"


def truth_table(ex: Exercise, weights: Sequence[float], bias: float) -> tuple[RowCheck, ...]:
    """Every row with its weighted sum written out, output and target."""
    p = Perceptron(weights, bias)
    if p.n_inputs != ex.n_inputs:
        raise NNStudioError(
            f"exercise {ex.id!r} has {ex.n_inputs} inputs but {p.n_inputs} weights were given"
        )
    rows = []
    for i, (x, t) in enumerate(zip(ex.points, ex.targets)):
        s = p.weighted_sum(x)
        rows.append(
            RowCheck(
                index=i,
                x=x,
                s=s,
                output=1 if s > 0 else 0,
                target=t,
                arithmetic=sum_arithmetic(p.weights, p.bias, x),
            )
        )
    return tuple(rows)


def _row_problem(r: RowCheck) -> str:
    s = format_number(r.s)
    if r.output == 1:
        return (
            f"row {r.index + 1}, x = {_point_text(r.x)}: S = {s} > 0 gives output 1, but the "
            "target is 0 — S must be 0 or less here"
        )
    return (
        f"row {r.index + 1}, x = {_point_text(r.x)}: S = {s} gives output 0, but the target "
        "is 1 — S must be greater than 0 here"
    )


def check(ex: Exercise, weights: Sequence[float], bias: float, attempt: int = 1) -> CheckResult:
    """Check weights against the exercise. ``attempt`` counts the student's checks (1, 2, …).

    Once ``attempt`` exceeds the exercise's ``hint_after`` a failed check carries a hint
    (the first hint, then the next one on each further attempt).
    """
    rows = truth_table(ex, weights, bias)
    wrong = [r for r in rows if not r.correct]
    if not wrong:
        message = f"Solved! All {len(rows)} rows give their target."
        if ex.explanation:
            message += " " + ex.explanation
        return CheckResult(rows, True, message)
    n = len(wrong)
    head = (
        f"{n} of {len(rows)} rows {'is' if n == 1 else 'are'} still wrong:"
        if n < len(rows)
        else f"All {len(rows)} rows are wrong:"
    )
    shown = [f"• {_row_problem(r)}" for r in wrong[:3]]
    if n > 3:
        shown.append(f"• … and {n - 3} more")
    message = "\n".join([head, *shown])
    hint = None
    if ex.hints and attempt > ex.hint_after:
        hint = ex.hints[min(attempt - ex.hint_after - 1, len(ex.hints) - 1)]
    return CheckResult(rows, False, message, hint)
