"""The single perceptron of the lecture notes: weighted sum, step output and learning rules.

``S = w1·x1 + ... + wn·xn + b`` and ``output = 1 if S > 0 else 0`` (seed 004). Two rules:

- ``"perceptron"`` (seed 004): ``w_i ← w_i + η(y − o)·x_i`` and ``b ← b + η(y − o)``.
- ``"criterion"`` (seed 000): a gradient step on the perceptron criterion with the bias as
  ``w0`` and ``x0 = 1``. A sample of class ``t = ±1`` (target 1 / 0) is misclassified when
  ``t·wᵀx ≤ 0``; then ``J(w) = −t·wᵀx``, ``∂J/∂w = −t·x`` and ``w ← w − η·∂J/∂w``.

Every number the module returns is rounded to 12 decimals, so the seed's step
``0.55 + 0.05·(0 − 1)·1`` gives exactly ``0.5`` and prints as ``0.5``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from fractions import Fraction

from nnstudio.engine.errors import NNStudioError

DECIMALS = 12
RULES = ("perceptron", "criterion")
MINUS = "\u2212"


def clean(value: float) -> float:
    """``value`` rounded to 12 decimals (and ``-0.0`` turned into ``0.0``)."""
    return round(float(value), DECIMALS) + 0.0


def _vector(values: Iterable[float], what: str) -> tuple[float, ...]:
    try:
        out = tuple(float(v) for v in values)
    except (TypeError, ValueError):
        raise NNStudioError(f"{what} must be a list of numbers (got {values!r})") from None
    for i, v in enumerate(out):
        if not math.isfinite(v):
            raise NNStudioError(f"{what}: value {i + 1} is {v}, not a finite number")
    return tuple(clean(v) for v in out)


def _target(value: object, where: str) -> int:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, (int, float)) and float(value) in (0.0, 1.0):
        return int(value)
    raise NNStudioError(f"{where}: the target must be 0 or 1 (got {value!r})")


@dataclass(frozen=True)
class Update:
    """What one application of the learning rule to one sample did.

    ``s`` is the weighted sum S, ``error`` the factor that multiplies the input
    (``y − o`` for the perceptron rule; ``±1`` for a misclassified sample under the
    criterion rule, else 0). ``weights``/``bias`` are the values after the update.
    """

    x: tuple[float, ...]
    s: float
    output: int
    target: int
    error: int
    delta_weights: tuple[float, ...]
    delta_bias: float
    weights: tuple[float, ...]
    bias: float
    old_weights: tuple[float, ...]
    old_bias: float
    learning_rate: float
    rule: str = "perceptron"
    row: int | None = None
    epoch: int | None = None

    @property
    def changed(self) -> bool:
        """True when the rule changed a weight or the bias."""
        return self.error != 0

    def explain(self) -> list[str]:
        """The update written out with its numbers, one line per step (see ``explain_update``)."""
        return explain_update(self)


@dataclass
class TrainResult:
    """Outcome of :meth:`Perceptron.train` / :meth:`RuleStepper.run`.

    ``epochs`` counts completed passes over the data; ``updates`` holds one record per
    sample visited (rows whose error is 0 included). ``reason`` explains, in a sentence a
    student understands, why the rule did not converge (``None`` when it did).
    """

    converged: bool
    epochs: int
    updates: list[Update]
    weights: tuple[float, ...]
    bias: float
    errors_per_epoch: list[int] = field(default_factory=list)
    separable: bool | None = None
    cycle: tuple[int, int] | None = None
    reason: str | None = None

    @property
    def n_changes(self) -> int:
        """How many records actually changed the weights."""
        return sum(1 for u in self.updates if u.changed)


class Perceptron:
    """A single neuron with a step output: ``output(x) = 1 if w·x + b > 0 else 0``."""

    def __init__(
        self,
        weights: Sequence[float],
        bias: float = 0.0,
        learning_rate: float = 0.1,
        rule: str = "perceptron",
    ) -> None:
        self.weights = weights  # type: ignore[assignment]  (the setter validates)
        self.bias = bias
        self.learning_rate = learning_rate
        if rule not in RULES:
            raise NNStudioError(f"unknown learning rule {rule!r}; choose one of {', '.join(RULES)}")
        self.rule = rule

    # -- parameters ----------------------------------------------------------------------
    @property
    def weights(self) -> tuple[float, ...]:
        return self._weights

    @weights.setter
    def weights(self, values: Sequence[float]) -> None:
        w = _vector(values, "weights")
        if not w:
            raise NNStudioError("a perceptron needs at least one weight")
        self._weights = w

    @property
    def bias(self) -> float:
        return self._bias

    @bias.setter
    def bias(self, value: float) -> None:
        self._bias = _vector([value], "bias")[0]

    @property
    def learning_rate(self) -> float:
        return self._learning_rate

    @learning_rate.setter
    def learning_rate(self, value: float) -> None:
        eta = _vector([value], "learning rate")[0]
        if eta <= 0:
            raise NNStudioError(f"the learning rate must be greater than 0 (got {value})")
        self._learning_rate = eta

    @property
    def n_inputs(self) -> int:
        return len(self._weights)

    @property
    def augmented_weights(self) -> tuple[float, ...]:
        """Seed-000 notation ``[w0, w1, ..., wn]`` with the bias as ``w0`` (``x0 = 1``)."""
        return (self._bias, *self._weights)

    @classmethod
    def from_augmented(
        cls, augmented: Sequence[float], learning_rate: float = 1.0, rule: str = "criterion"
    ) -> Perceptron:
        """Build from ``[w0, w1, ..., wn]`` (``w0`` is the bias), e.g. seed 000's ``[-6, 2, 2]``."""
        values = list(augmented)
        if len(values) < 2:
            raise NNStudioError("augmented weights need w0 (the bias) and at least one weight")
        return cls(values[1:], values[0], learning_rate, rule)

    def copy(self) -> Perceptron:
        return Perceptron(self._weights, self._bias, self._learning_rate, self.rule)

    # -- forward -------------------------------------------------------------------------
    def _input(self, x: Sequence[float]) -> tuple[float, ...]:
        v = _vector(x, "input")
        if len(v) != self.n_inputs:
            raise NNStudioError(
                f"the input has {len(v)} value(s) but the perceptron has {self.n_inputs} weight(s)"
            )
        return v

    def weighted_sum(self, x: Sequence[float]) -> float:
        """S = w·x + b."""
        v = self._input(x)
        return clean(math.fsum([w * xi for w, xi in zip(self._weights, v)] + [self._bias]))

    def output(self, x: Sequence[float]) -> int:
        """The step function of S: 1 if S > 0 else 0."""
        return 1 if self.weighted_sum(x) > 0 else 0

    def predict(self, X: Iterable[Sequence[float]]) -> list[int]:
        return [self.output(x) for x in X]

    # -- learning ------------------------------------------------------------------------
    def learn(
        self, x: Sequence[float], target: int, *, row: int | None = None, epoch: int | None = None
    ) -> Update:
        """Apply the rule to one sample, update the weights and return the record."""
        v = self._input(x)
        t = _target(target, "learn")
        s = self.weighted_sum(v)
        o = 1 if s > 0 else 0
        if self.rule == "perceptron":
            error = t - o
        else:
            sign = 1 if t == 1 else -1
            error = sign if sign * s <= 0 else 0
        eta = self._learning_rate
        dw = tuple(clean(eta * error * xi) for xi in v)
        db = clean(eta * error)
        old_w, old_b = self._weights, self._bias
        self._weights = tuple(clean(w + d) for w, d in zip(old_w, dw))
        self._bias = clean(old_b + db)
        return Update(
            x=v,
            s=s,
            output=o,
            target=t,
            error=error,
            delta_weights=dw,
            delta_bias=db,
            weights=self._weights,
            bias=self._bias,
            old_weights=old_w,
            old_bias=old_b,
            learning_rate=eta,
            rule=self.rule,
            row=row,
            epoch=epoch,
        )

    def train(
        self, X: Sequence[Sequence[float]], Y: Sequence[int], max_epochs: int = 100
    ) -> TrainResult:
        """Pass over (X, Y) in order until an epoch makes no error or ``max_epochs`` passes."""
        stepper = RuleStepper(self, X, Y)
        return stepper.run(max_epochs)


def _dataset(
    X: Sequence[Sequence[float]], Y: Sequence[int], n_inputs: int | None = None
) -> tuple[list[tuple[float, ...]], list[int]]:
    rows = [_vector(x, f"point {i + 1}") for i, x in enumerate(X)]
    targets = [_target(y, f"target {i + 1}") for i, y in enumerate(Y)]
    if not rows:
        raise NNStudioError("the data set has no points")
    if len(rows) != len(targets):
        raise NNStudioError(
            f"{len(rows)} points but {len(targets)} targets: give one target per point"
        )
    width = n_inputs if n_inputs is not None else len(rows[0])
    for i, r in enumerate(rows):
        if len(r) != width:
            raise NNStudioError(f"point {i + 1} has {len(r)} value(s); expected {width}")
    return rows, targets


class RuleStepper:
    """Walks the learning rule over a data set one sample at a time, recording every step.

    The perceptron is updated in place. An epoch is one pass over the rows in order; the
    rule has converged when a whole epoch made no error.
    """

    def __init__(self, perceptron: Perceptron, X: Sequence[Sequence[float]], Y: Sequence[int]):
        self.perceptron = perceptron
        self.X, self.Y = _dataset(X, Y, perceptron.n_inputs)
        self.updates: list[Update] = []
        self.errors_per_epoch: list[int] = []
        self.position = 0  # index of the next row
        self.cycle: tuple[int, int] | None = None
        self._epoch_errors = 0
        self._starts: dict[tuple[tuple[float, ...], float], int] = {self._state(): 0}

    def _state(self) -> tuple[tuple[float, ...], float]:
        return self.perceptron.weights, self.perceptron.bias

    @property
    def epochs_done(self) -> int:
        return len(self.errors_per_epoch)

    @property
    def epoch(self) -> int:
        """1-based number of the epoch the next step belongs to."""
        return self.epochs_done + 1

    @property
    def converged(self) -> bool:
        return bool(self.errors_per_epoch) and self.errors_per_epoch[-1] == 0

    @property
    def separable(self) -> bool:
        return is_linearly_separable(self.X, self.Y)

    def all_correct(self) -> bool:
        """True when the current weights classify every row correctly."""
        return all(self.perceptron.output(x) == y for x, y in zip(self.X, self.Y))

    def step(self) -> Update:
        """Apply the rule to the next row (exactly one update record)."""
        row = self.position
        u = self.perceptron.learn(self.X[row], self.Y[row], row=row, epoch=self.epoch)
        self.updates.append(u)
        if u.changed:
            self._epoch_errors += 1
        self.position += 1
        if self.position == len(self.X):
            self.errors_per_epoch.append(self._epoch_errors)
            self._epoch_errors = 0
            self.position = 0
            state = self._state()
            if self.errors_per_epoch[-1] and self.cycle is None and state in self._starts:
                first = self._starts[state]
                self.cycle = (first + 1, self.epochs_done - first)
            self._starts.setdefault(state, self.epochs_done)
        return u

    def step_epoch(self) -> list[Update]:
        """Finish the current epoch (from the next row to the last one)."""
        done = self.epochs_done
        out = []
        while self.epochs_done == done:
            out.append(self.step())
        return out

    def run(self, max_epochs: int = 100) -> TrainResult:
        """Step until an epoch makes no error or ``max_epochs`` epochs are complete."""
        if int(max_epochs) < 1:
            raise NNStudioError(f"max_epochs must be at least 1 (got {max_epochs})")
        while not self.converged and self.epochs_done < int(max_epochs):
            self.step()
        return self.result()

    def result(self) -> TrainResult:
        """Summary of everything done so far (with the explanation if not converged)."""
        converged = self.converged
        separable = self.separable
        reason = None if converged else self.explain_failure(separable)
        return TrainResult(
            converged=converged,
            epochs=self.epochs_done,
            updates=list(self.updates),
            weights=self.perceptron.weights,
            bias=self.perceptron.bias,
            errors_per_epoch=list(self.errors_per_epoch),
            separable=separable,
            cycle=self.cycle,
            reason=reason,
        )

    def explain_failure(self, separable: bool | None = None) -> str:
        """Why the rule has not converged yet, in plain words."""
        if separable is None:
            separable = self.separable
        n = self.epochs_done
        last = self.errors_per_epoch[-1] if self.errors_per_epoch else None
        if not separable:
            text = (
                f"After {n} epoch(s) the rule still makes mistakes, and it always will: no "
                "straight line puts all target-1 points on one side and all target-0 points "
                "on the other (the points are not linearly separable), so every update that "
                "fixes one row breaks another."
            )
            if self.cycle is not None:
                first, period = self.cycle
                every = "after every epoch" if period == 1 else f"every {period} epochs"
                text += (
                    f" From epoch {first} on, the weights even come back to the same values "
                    f"{every}: the rule goes round in a circle."
                )
            return text + " One perceptron cannot do this; a hidden layer can."
        if n == 0:
            return "The rule has not finished an epoch yet."
        return (
            f"Stopped after {n} epoch(s); the last one still had {last} wrong sample(s). "
            "The points are linearly separable, so the rule is guaranteed to converge "
            "(perceptron convergence theorem): allow more epochs or change the learning rate."
        )


# -- exact linear separability ---------------------------------------------------------------


def _simplex_phase_one(A: list[list[Fraction]], rhs: list[Fraction]) -> tuple[bool, list[Fraction]]:
    """Is there z ≥ 0 with ``A z = rhs`` (rhs ≥ 0)? Exact phase-1 simplex, Bland's rule.

    Returns (feasible, y) where y are the final simplex multipliers: when infeasible,
    ``yᵀA ≤ 0`` column by column and ``yᵀrhs > 0`` (Farkas' certificate).
    """
    m, n = len(A), len(A[0])
    width = n + m
    T = [row[:] + [Fraction(int(k == i)) for k in range(m)] + [rhs[i]] for i, row in enumerate(A)]
    basis = [n + i for i in range(m)]
    # reduced costs of "minimise the sum of the artificial variables", basis = artificials
    obj = [-sum((T[i][j] for i in range(m)), Fraction(0)) for j in range(n)] + [Fraction(0)] * m
    obj.append(-sum(rhs, Fraction(0)))
    while True:
        enter = next((j for j in range(width) if obj[j] < 0), None)
        if enter is None:
            break
        best: tuple[Fraction, int] | None = None
        for i in range(m):
            if T[i][enter] > 0:
                ratio = T[i][-1] / T[i][enter]
                if (
                    best is None
                    or ratio < best[0]
                    or (ratio == best[0] and basis[i] < basis[best[1]])
                ):
                    best = (ratio, i)
        if best is None:  # cannot happen in phase 1 (the objective is bounded below by 0)
            break
        r = best[1]
        pivot = T[r][enter]
        T[r] = [v / pivot for v in T[r]]
        for i in range(m):
            if i != r and T[i][enter] != 0:
                f = T[i][enter]
                T[i] = [a - f * b for a, b in zip(T[i], T[r])]
        if obj[enter] != 0:
            f = obj[enter]
            obj = [a - f * b for a, b in zip(obj, T[r])]
        basis[r] = enter
    duals = [1 - obj[n + k] for k in range(m)]
    return obj[-1] == 0, duals


def separating_weights(
    X: Sequence[Sequence[float]], Y: Sequence[int]
) -> tuple[tuple[float, ...], float] | None:
    """Weights and bias that classify every point correctly, or None if none exist.

    Exact (rational arithmetic, no tolerance). By Farkas' lemma the points are *not*
    separable exactly when some weights λ ≥ 0 with Σλ = 1 give Σ λ_i t_i (x_i, 1) = 0
    (t_i = ±1): a point common to the convex hulls of both classes. A small simplex
    (one row per input, plus two) looks for it; if there is none, its certificate is a
    separating line, scaled so that t_i (w·x_i + b) ≥ 1.
    """
    rows, targets = _dataset(X, Y)
    d = len(rows[0])
    signs = [Fraction(1 if y == 1 else -1) for y in targets]
    A = [[t * Fraction(x[k]) for x, t in zip(rows, signs)] for k in range(d)]
    A.append(list(signs))
    A.append([Fraction(1)] * len(rows))
    feasible, y = _simplex_phase_one(A, [Fraction(0)] * (d + 1) + [Fraction(1)])
    if feasible:
        return None
    scale = y[d + 1]  # > 0: t_i (−y·(x_i, 1)) ≥ scale for every point
    w = tuple(clean(float(-y[k] / scale)) for k in range(d))
    return w, clean(float(-y[d] / scale))


def is_linearly_separable(X: Sequence[Sequence[float]], Y: Sequence[int]) -> bool:
    """True when some weights and bias classify every point (exact check; XOR gives False)."""
    return separating_weights(X, Y) is not None


# -- display helpers (plain strings) --------------------------------------------------------


def format_number(value: float, keep_point: bool = True) -> str:
    """Short, clean text for a number with a real minus sign: 1.0, 0.55, −0.7 (or 1 / 0).

    ``keep_point=False`` writes integral values without ``.0`` (inputs, targets, vectors).
    """
    v = clean(value)
    if not keep_point and v.is_integer() and abs(v) < 1e15:
        text = str(int(v))
    else:
        text = repr(v)
        if "e" in text or "inf" in text or "nan" in text:
            text = f"{v:.10g}"
    return text.replace("-", MINUS)


def _paren(text: str) -> str:
    return f"({text})" if text.startswith(MINUS) else text


def sum_arithmetic(weights: Sequence[float], bias: float, x: Sequence[float]) -> str:
    """S written out as in seed 004: ``1.0×0 + 1.0×1 + (−1.5) = −0.5``."""
    p = Perceptron(weights, bias)
    terms = [
        f"{_paren(format_number(w))}×{_paren(format_number(xi, keep_point=False))}"
        for w, xi in zip(p.weights, p._input(x))
    ]
    terms.append(_paren(format_number(p.bias)))
    return f"{' + '.join(terms)} = {format_number(p.weighted_sum(x))}"


def _vector_text(values: Sequence[float]) -> str:
    return "[" + ", ".join(format_number(v, keep_point=False) for v in values) + "]"


def line_equation(weights: Sequence[float], bias: float) -> str:
    """The decision boundary as text, e.g. ``1.0·x1 + 1.0·x2 − 1.5 = 0``."""
    w = _vector(weights, "weights")
    parts: list[str] = []
    for i, wi in enumerate(w):
        term = f"{format_number(abs(wi))}·x{i + 1}"
        if not parts:
            parts.append(term if wi >= 0 else MINUS + term)
        else:
            parts.append(("+ " if wi >= 0 else f"{MINUS} ") + term)
    b = clean(bias)
    if b != 0 or not parts:
        parts.append(("+ " if b >= 0 else f"{MINUS} ") + format_number(abs(b)))
    return " ".join(parts) + " = 0"


def explain_update(u: Update) -> list[str]:
    """The update written out with the actual numbers, one line per step.

    Perceptron rule (seed 004)::

        S = 0.55×0 + 0.55×1 + (−0.45) = 0.1
        output 1, target 0 → error y − o = 0 − 1 = −1
        w1 ← 0.55 + 0.05·(0 − 1)·0 = 0.55
        w2 ← 0.55 + 0.05·(0 − 1)·1 = 0.5
        b ← −0.45 + 0.05·(0 − 1)·1 = −0.5
    """
    if u.rule == "criterion":
        return _explain_criterion(u)
    s_text = sum_arithmetic(u.old_weights, u.old_bias, u.x)
    error = format_number(u.error, keep_point=False)
    if not u.changed:
        return [
            f"S = {s_text}",
            f"output {u.output} = target {u.target} → error 0: nothing to learn, no change",
        ]
    head = [
        f"S = {s_text}",
        f"output {u.output}, target {u.target} → error y − o = {u.target} − {u.output} = {error}",
    ]
    eta = format_number(u.learning_rate)
    factor = f"{eta}·({u.target} − {u.output})"
    lines = head
    for i, (old, xi, new) in enumerate(zip(u.old_weights, u.x, u.weights)):
        xs = _paren(format_number(xi, keep_point=False))
        lines.append(f"w{i + 1} ← {format_number(old)} + {factor}·{xs} = {format_number(new)}")
    lines.append(f"b ← {format_number(u.old_bias)} + {factor}·1 = {format_number(u.bias)}")
    return lines


def _explain_criterion(u: Update) -> list[str]:
    t = 1 if u.target == 1 else -1
    xa = (1.0, *u.x)
    wa = (u.old_bias, *u.old_weights)
    prods = " + ".join(
        f"{_paren(format_number(w, False))}×{_paren(format_number(x, False))}"
        for w, x in zip(wa, xa)
    )
    cls = "class +1 (target 1): needs g(x) > 0" if t == 1 else "class −1 (target 0): needs g(x) < 0"
    lines = [
        f"x = {_vector_text(xa)} (x0 = 1), {cls}",
        f"g(x) = wᵀx = {prods} = {format_number(u.s, False)}",
    ]
    if not u.changed:
        lines.append("correctly classified: J(w) = 0 for this sample, no change")
        return lines
    grad = tuple(clean(-t * v) for v in xa)
    delta = (u.delta_bias, *u.delta_weights)
    new = (u.bias, *u.weights)
    j_text = "J(w) = −wᵀx" if t == 1 else "J(w) = wᵀx"
    grad_name = "−x" if t == 1 else "x"
    lines += [
        f"misclassified: {j_text}, ∂J/∂w = {grad_name} = {_vector_text(grad)}",
        f"Δw = −η·∂J/∂w = {_vector_text(delta)}   (η = {format_number(u.learning_rate, False)})",
        f"w ← {_vector_text(wa)} + {_vector_text(delta)} = {_vector_text(new)}",
    ]
    return lines


def updates_to_csv(updates: Sequence[Update]) -> str:
    """All update records as CSV text (one row per sample visited, header first)."""
    if not updates:
        n = 0
    else:
        n = len(updates[0].x)
    xs = [f"x{i + 1}" for i in range(n)]
    header = (
        ["epoch", "row", *xs, "S", "output", "target", "error"]
        + [f"dw{i + 1}" for i in range(n)]
        + ["db"]
        + [f"w{i + 1}" for i in range(n)]
        + ["b"]
    )
    lines = [",".join(header)]

    def num(v: float) -> str:
        return format_number(v, keep_point=False).replace(MINUS, "-")

    for u in updates:
        cells = [
            "" if u.epoch is None else str(u.epoch),
            "" if u.row is None else str(u.row + 1),
            *(num(v) for v in u.x),
            num(u.s),
            str(u.output),
            str(u.target),
            str(u.error),
            *(num(v) for v in u.delta_weights),
            num(u.delta_bias),
            *(num(v) for v in u.weights),
            num(u.bias),
        ]
        lines.append(",".join(cells))
    return "\n".join(lines) + "\n"


# -- decision-line geometry (two inputs) ---------------------------------------------------

Point = tuple[float, float]
Box = tuple[float, float, float, float]  # xmin, xmax, ymin, ymax


def _two(weights: Sequence[float]) -> tuple[float, float]:
    w = tuple(float(v) for v in weights)
    if len(w) != 2:
        raise NNStudioError(f"the decision line needs exactly two weights (got {len(w)})")
    return w[0], w[1]


def has_line(weights: Sequence[float]) -> bool:
    """False when w1 = w2 = 0: then S = b everywhere and there is no line."""
    w1, w2 = _two(weights)
    return (w1, w2) != (0.0, 0.0)


def closest_point_on_line(weights: Sequence[float], bias: float, point: Point) -> Point:
    """The point of the line w·x + b = 0 nearest to ``point``."""
    w1, w2 = _two(weights)
    nn = w1 * w1 + w2 * w2
    if nn == 0:
        raise NNStudioError("w1 = w2 = 0: there is no decision line")
    k = (w1 * point[0] + w2 * point[1] + bias) / nn
    return point[0] - k * w1, point[1] - k * w2


def line_direction(weights: Sequence[float]) -> Point:
    """Unit vector along the line; the positive side (output 1) is on its left."""
    w1, w2 = _two(weights)
    r = math.hypot(w1, w2)
    if r == 0:
        raise NNStudioError("w1 = w2 = 0: there is no decision line")
    return w2 / r, -w1 / r


def line_angle(weights: Sequence[float]) -> float:
    """Angle of the line in degrees (for drawing)."""
    d = line_direction(weights)
    return math.degrees(math.atan2(d[1], d[0]))


def _rounded(values: Iterable[float], decimals: int | None) -> tuple[float, ...]:
    return tuple(clean(v if decimals is None else round(v, decimals)) for v in values)


def translate_line(weights: Sequence[float], point: Point, decimals: int | None = None) -> float:
    """The bias that makes the line (same weights) pass through ``point``."""
    w1, w2 = _two(weights)
    return _rounded([-(w1 * point[0] + w2 * point[1])], decimals)[0]


def rotate_line(
    weights: Sequence[float],
    pivot: Point,
    toward: Point,
    norm: float | None = None,
    decimals: int | None = None,
    backward: bool = False,
) -> tuple[tuple[float, float], float] | None:
    """Weights and bias of the line through ``pivot`` pointing at ``toward``.

    Keeps the length of (w1, w2) (or uses ``norm``) and which side is positive (the
    output-1 side is left of the direction pivot → toward, or right of it when
    ``backward``: a handle behind the pivot). None if ``toward`` is (almost) the pivot.
    """
    w1, w2 = _two(weights)
    r = math.hypot(w1, w2) if norm is None else float(norm)
    dx, dy = toward[0] - pivot[0], toward[1] - pivot[1]
    if backward:
        dx, dy = -dx, -dy
    length = math.hypot(dx, dy)
    if length < 1e-9 or r == 0:
        return None
    dx, dy = dx / length, dy / length
    nw = _rounded((-dy * r, dx * r), decimals)
    b = _rounded([-(nw[0] * pivot[0] + nw[1] * pivot[1])], decimals)[0]
    return (nw[0], nw[1]), b


def rotation_handle(
    weights: Sequence[float],
    pivot: Point,
    reaches: float | Sequence[float],
    avoid: Sequence[Point] = (),
    box: Box | None = None,
) -> tuple[Point, bool]:
    """Where to put the turning handle: on the line, one of ``reaches`` from the pivot.

    Tries both ends of the line at every reach, keeps the spots inside ``box`` (if any),
    and picks the one farthest from the points in ``avoid`` (the shorter reach on a tie).
    Returns the position and whether it is the backward end (pass that to
    :func:`rotate_line`).
    """
    dx, dy = line_direction(weights)
    steps = [float(reaches)] if isinstance(reaches, (int, float)) else [float(r) for r in reaches]

    def clearance(p: Point) -> float:
        return min((math.hypot(p[0] - a[0], p[1] - a[1]) for a in avoid), default=math.inf)

    def inside(p: Point) -> bool:
        return box is None or (box[0] <= p[0] <= box[1] and box[2] <= p[1] <= box[3])

    candidates: list[tuple[float, float, Point, bool]] = []
    for reach in steps:
        for backward in (False, True):
            sign = -1.0 if backward else 1.0
            p = (pivot[0] + sign * reach * dx, pivot[1] + sign * reach * dy)
            if inside(p):
                candidates.append((-clearance(p), reach, p, backward))
    if not candidates:  # nothing fits the box: the first reach, forward
        p = (pivot[0] + steps[0] * dx, pivot[1] + steps[0] * dy)
        return (clean(p[0]), clean(p[1])), False
    _, _, p, backward = min(candidates, key=lambda c: (round(c[0], 9), c[1], c[3]))
    return (clean(p[0]), clean(p[1])), backward


def clip_line(weights: Sequence[float], bias: float, box: Box) -> tuple[Point, Point] | None:
    """The segment of the line inside ``box``, or None if the line misses the box."""
    w1, w2 = _two(weights)
    if (w1, w2) == (0.0, 0.0):
        return None
    xmin, xmax, ymin, ymax = box
    eps = 1e-12 * max(1.0, abs(xmax - xmin), abs(ymax - ymin))
    pts: list[Point] = []
    if w2 != 0:
        for x in (xmin, xmax):
            y = -(w1 * x + bias) / w2
            if ymin - eps <= y <= ymax + eps:
                pts.append((x, y))
    if w1 != 0:
        for y in (ymin, ymax):
            x = -(w2 * y + bias) / w1
            if xmin - eps <= x <= xmax + eps:
                pts.append((x, y))
    pts = [(clean(x), clean(y)) for x, y in pts]
    if len(pts) < 2:
        return None
    pair = max(
        ((p, q) for i, p in enumerate(pts) for q in pts[i + 1 :]),
        key=lambda pq: math.hypot(pq[0][0] - pq[1][0], pq[0][1] - pq[1][1]),
    )
    return pair


def half_plane_polygon(weights: Sequence[float], bias: float, box: Box) -> list[Point]:
    """Corners of the part of ``box`` where w·x + b > 0 (the output-1 side), in order."""
    w1, w2 = _two(weights)
    xmin, xmax, ymin, ymax = box
    corners = [(xmin, ymin), (xmax, ymin), (xmax, ymax), (xmin, ymax)]

    def value(p: Point) -> float:
        return w1 * p[0] + w2 * p[1] + bias

    out: list[Point] = []
    for i, p in enumerate(corners):
        q = corners[(i + 1) % 4]
        vp, vq = value(p), value(q)
        if vp > 0:
            out.append(p)
        if (vp > 0 > vq) or (vp < 0 < vq):
            k = vp / (vp - vq)
            out.append((p[0] + k * (q[0] - p[0]), p[1] + k * (q[1] - p[1])))
    return [(clean(x), clean(y)) for x, y in out]
