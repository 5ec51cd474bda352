"""Backpropagation for one sample, written out the way the lecture notes do it by hand.

:func:`explain_sample` runs the network's own activations and loss on a single sample and
keeps every intermediate number: each neuron's ``z`` and ``a`` on the forward pass, its
``∂J/∂a`` and ``δ = ∂J/∂z`` on the backward pass, and ``∂J/∂W``, ``∂J/∂b`` of every layer.
J is the loss of DESIGN.md for a batch of one sample (no regularization). The
:class:`BackpropTrace` then explains any weight's gradient as its chain-rule factors, with
the actual numbers, e.g. for an output weight of a sigmoid/MSE network (seed 004)::

    ∂J/∂w₁,₁⁽²⁾ = ∂J/∂a₁⁽³⁾ × ∂a₁⁽³⁾/∂z₁⁽³⁾ × ∂z₁⁽³⁾/∂w₁,₁⁽²⁾
               = (a₁⁽³⁾ − y₁) × a₁⁽³⁾(1 − a₁⁽³⁾) × a₁⁽²⁾
               = (0.7514 − 0.01) × 0.1868 × 0.5933 = 0.08217

Notation follows seed 004: the input layer is layer 1, so engine layer ``L`` (0-based)
computes the neurons ``a⁽ᴸ⁺²⁾`` from the weights ``w⁽ᴸ⁺¹⁾``, and ``wⱼ,ᵢ⁽ˡ⁾`` joins unit
``i`` of layer ``l`` to unit ``j`` of layer ``l + 1`` (the engine's ``layers[l-1].W[i-1, j-1]``).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np

from nnstudio.engine.activations import Activation, make_activation
from nnstudio.engine.errors import NNStudioError
from nnstudio.engine.losses import make_loss
from nnstudio.engine.network import Network

#: losses whose output δ is the fused (p − y) when paired with these output activations
FUSED = {("binary_cross_entropy", "sigmoid"), ("cross_entropy", "softmax")}
#: sums with more terms than this are written as Σ instead of term by term
MAX_TERMS = 4

_SUB = str.maketrans("0123456789,+-()ijk", "₀₁₂₃₄₅₆₇₈₉,₊₋₍₎ᵢⱼₖ")
_SUP = str.maketrans("0123456789+-()l", "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁽⁾ˡ")


def sub(text: str | int) -> str:
    """Unicode subscript of digits, commas and i/j/k: ``sub("1,2") == "₁,₂"``."""
    return str(text).translate(_SUB)


def sup(text: str | int) -> str:
    """Unicode superscript of digits, signs and parentheses: ``sup("(2)") == "⁽²⁾"``."""
    return str(text).translate(_SUP)


_SUB_CHARS = "₀₁₂₃₄₅₆₇₈₉₊₋₍₎ᵢⱼₖ"
_SUP_CHARS = "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁽⁾ˡ"
_SUB_RUN = re.compile(f"[{_SUB_CHARS}](?:[,.]?[{_SUB_CHARS}])*")
_SUP_RUN = re.compile(f"[{_SUP_CHARS}]+")
_FROM_SUB = str.maketrans(_SUB_CHARS, "0123456789+-()ijk")
_FROM_SUP = str.maketrans(_SUP_CHARS, "0123456789+-()l")


def scripts_to_html(text: str) -> str:
    """Runs of Unicode sub/superscripts as ``<sub>``/``<sup>`` (``w₁,₂⁽²⁾`` ->
    ``w<sub>1,2</sub><sup>(2)</sup>``), which rich-text views render more legibly.
    ``text`` should already be HTML-escaped."""
    text = _SUB_RUN.sub(lambda m: f"<sub>{m.group(0).translate(_FROM_SUB)}</sub>", text)
    return _SUP_RUN.sub(lambda m: f"<sup>{m.group(0).translate(_FROM_SUP)}</sup>", text)


def fmt(value: float, digits: int = 4) -> str:
    """A number with ``digits`` significant digits and a true minus sign; tiny or huge
    values as ``1.234×10⁻⁵``."""
    v = float(value)
    if math.isnan(v):
        return "nan"
    if math.isinf(v):
        return "∞" if v > 0 else "−∞"
    if v == 0.0:
        return "0"
    if 1e-4 <= abs(v) < 10 ** digits:
        text = f"{v:.{digits}g}"
        if "e" not in text:
            return text.replace("-", "−")
    mantissa, exponent = f"{v:.{digits - 1}e}".split("e")
    mantissa = mantissa.rstrip("0").rstrip(".")
    return f"{mantissa}×10{sup(int(exponent))}".replace("-", "−")


def paren(value: float) -> str:
    """:func:`fmt`, in parentheses when negative (for products: ``0.5 × (−0.2)``)."""
    text = fmt(value)
    return f"({text})" if text.startswith("−") else text


# --- results ------------------------------------------------------------------------------

@dataclass
class LayerTrace:
    """One layer's numbers for the sample (1-D arrays; ``width`` = units, × pieces for maxout).

    ``slope`` is ``∂a/∂z`` per column (elementwise activations; for maxout 1 on the winning
    piece, 0 elsewhere) and None for softmax, whose Jacobian is not diagonal.
    ``grad_a`` is ``∂J/∂a`` (for a fused output it may be ±inf where p is exactly 0 or 1).
    """

    index: int
    activation: str
    pieces: int
    a_prev: np.ndarray  # (fan_in,) the layer's input
    W: np.ndarray  # (fan_in, width)
    b: np.ndarray  # (width,)
    z: np.ndarray  # (width,)
    a: np.ndarray  # (units,)
    grad_a: np.ndarray  # (units,)
    delta: np.ndarray  # (width,)
    slope: np.ndarray | None  # (width,)
    dW: np.ndarray  # (fan_in, width)
    db: np.ndarray  # (width,)

    @property
    def units(self) -> int:
        return int(self.a.shape[0])

    @property
    def fan_in(self) -> int:
        return int(self.a_prev.shape[0])

    @property
    def width(self) -> int:
        return int(self.z.shape[0])

    def unit_of(self, column: int) -> int:
        """The unit a column of z (or of W) feeds: itself, or ``column // pieces`` for maxout."""
        return column // self.pieces if self.activation == "maxout" else column

    def columns_of(self, unit: int) -> range:
        """The columns of z that make unit ``unit`` (one, or its pieces for maxout)."""
        if self.activation == "maxout":
            return range(unit * self.pieces, (unit + 1) * self.pieces)
        return range(unit, unit + 1)


@dataclass
class Factor:
    """One factor of a chain-rule product: ``name`` (e.g. ``∂a₁⁽³⁾/∂z₁⁽³⁾``), its formula
    (``a₁⁽³⁾(1 − a₁⁽³⁾)``), the formula with numbers and the value."""

    name: str
    formula: str
    numbers: str
    value: float
    note: str = ""


@dataclass
class WeightFactors:
    """∂J/∂w for one weight (or bias) as a product of factors, with the arithmetic."""

    layer: int
    i: int | None  # input unit (None for a bias)
    j: int  # column of W
    symbol: str  # e.g. "w₁,₁⁽²⁾" or "b₁⁽²⁾"
    chain: str  # "∂J/∂a₁⁽³⁾ × ∂a₁⁽³⁾/∂z₁⁽³⁾ × ∂z₁⁽³⁾/∂w₁,₁⁽²⁾"
    formula: str  # "(a₁⁽³⁾ − y₁) × a₁⁽³⁾(1 − a₁⁽³⁾) × a₁⁽²⁾"
    arithmetic: str  # "(0.7514 − 0.01) × 0.1868 × 0.5933"
    value: float
    factors: list[Factor]
    notes: list[str] = field(default_factory=list)

    @property
    def values(self) -> list[float]:
        return [f.value for f in self.factors]

    @property
    def text(self) -> str:
        """The whole derivation as plain text, one equation per line."""
        lead = f"∂J/∂{self.symbol} = "
        pad = " " * (len(lead) - 2)
        lines = [lead + self.chain]
        if self.formula and self.formula != self.chain:
            lines.append(f"{pad}= {self.formula}")
        lines.append(f"{pad}= {self.arithmetic} = {fmt(self.value)}")
        return "\n".join(lines + self.notes)

    def one_line(self) -> str:
        """``∂J/∂w = formula = numbers = value`` on one line."""
        return f"∂J/∂{self.symbol} = {self.formula} = {self.arithmetic} = {fmt(self.value)}"


class LayerUpdate(NamedTuple):
    """One layer's weights before and after an SGD step."""

    W_before: np.ndarray
    W_after: np.ndarray
    b_before: np.ndarray
    b_after: np.ndarray


# --- the trace ----------------------------------------------------------------------------

class BackpropTrace:
    """Every number of one forward and backward pass on one sample (see module docs)."""

    def __init__(self, network: Network, x: np.ndarray, y: np.ndarray, loss_name: str,
                 loss_value: float, layers: list[LayerTrace], input_names: list[str]) -> None:
        self.network = network
        self.x = x
        self.y = y
        self.loss_name = loss_name
        self.loss = loss_value
        self.layers = layers
        self.input_names = input_names

    # naming --------------------------------------------------------------------------
    @property
    def output(self) -> np.ndarray:
        return self.layers[-1].a

    @property
    def output_activation(self) -> str:
        return self.layers[-1].activation

    @property
    def fused(self) -> bool:
        """Whether the output δ is the fused p − y (sigmoid + BCE, softmax + CE)."""
        return (self.loss_name, self.output_activation) in FUSED

    def layer_name(self, layer: int) -> str:
        """``"Hidden 1"`` ... ``"Output"`` for engine layer ``layer``; ``"Input"`` for -1."""
        if layer < 0:
            return "Input"
        return "Output" if layer == len(self.layers) - 1 else f"Hidden {layer + 1}"

    @staticmethod
    def seed_layer(layer: int) -> int:
        """The notes' number of the neurons computed by engine layer ``layer`` (input = 1)."""
        return layer + 2

    def neuron_symbol(self, layer: int, unit: int, kind: str = "a") -> str:
        """E.g. ``a₁⁽²⁾`` for unit 0 of engine layer 0 (``layer = -1``: the inputs, ``a⁽¹⁾``)."""
        return f"{kind}{sub(unit + 1)}{sup(f'({self.seed_layer(layer)})')}"

    def column_symbol(self, layer: int, column: int, kind: str = "z") -> str:
        """A column of z or δ: as :meth:`neuron_symbol`, for maxout ``z₁.₂⁽²⁾`` (unit 1, piece 2)."""
        lt = self.layers[layer]
        if lt.activation == "maxout":
            unit, piece = divmod(column, lt.pieces)
            return f"{kind}{sub(unit + 1)}.{sub(piece + 1)}{sup(f'({self.seed_layer(layer)})')}"
        return self.neuron_symbol(layer, column, kind)

    def weight_symbol(self, layer: int, i: int, j: int) -> str:
        """``wⱼ,ᵢ⁽ˡ⁾`` in the notes' order (to, from) for the engine's ``layers[layer].W[i, j]``."""
        lt = self.layers[layer]
        to = f"{j // lt.pieces + 1}.{j % lt.pieces + 1}" if lt.activation == "maxout" else j + 1
        return f"w{sub(f'{to},{i + 1}')}{sup(f'({layer + 1})')}"

    def bias_symbol(self, layer: int, j: int) -> str:
        lt = self.layers[layer]
        to = f"{j // lt.pieces + 1}.{j % lt.pieces + 1}" if lt.activation == "maxout" else j + 1
        return f"b{sub(to)}{sup(f'({layer + 1})')}"

    def input_label(self, i: int) -> str:
        """The input's column name, e.g. ``x1`` or ``x1*x2``."""
        return self.input_names[i] if i < len(self.input_names) else f"x{i + 1}"

    # gradients --------------------------------------------------------------------------
    def gradients(self) -> list[tuple[np.ndarray, np.ndarray]]:
        """(∂J/∂W, ∂J/∂b) of every layer, as copies."""
        return [(lt.dW.copy(), lt.db.copy()) for lt in self.layers]

    def sgd_step(self, lr: float, apply: bool = False) -> list[LayerUpdate]:
        """One plain SGD step on this sample: ``W − lr·∂J/∂W`` and ``b − lr·∂J/∂b`` per layer.

        The network is left unchanged unless ``apply`` is true.
        """
        lr = float(lr)
        if not (lr > 0 and math.isfinite(lr)):
            raise NNStudioError(f"the learning rate must be a positive number, got {lr!r}")
        updates = [LayerUpdate(lt.W.copy(), lt.W - lr * lt.dW, lt.b.copy(), lt.b - lr * lt.db)
                   for lt in self.layers]
        if apply:
            self.network.set_weights([(u.W_after, u.b_after) for u in updates])
        return updates

    # chain rule ---------------------------------------------------------------------------
    def _check(self, layer: int, j: int, i: int | None = None) -> LayerTrace:
        if not 0 <= layer < len(self.layers):
            raise NNStudioError(f"there is no layer {layer}; the network has {len(self.layers)}")
        lt = self.layers[layer]
        if not 0 <= j < lt.width:
            raise NNStudioError(f"layer {layer} has no column {j}; it has {lt.width}")
        if i is not None and not 0 <= i < lt.fan_in:
            raise NNStudioError(f"layer {layer} has no input {i}; it has {lt.fan_in}")
        return lt

    def weight_factors(self, layer: int, i: int, j: int) -> WeightFactors:
        """∂J/∂W[i, j] of engine layer ``layer`` as chain-rule factors with numbers."""
        lt = self._check(layer, j, i)
        a_prev = float(lt.a_prev[i])
        prev_symbol = self.neuron_symbol(layer - 1, i)
        symbol = self.weight_symbol(layer, i, j)
        input_note = f"  ({self.input_label(i)})" if layer == 0 else ""
        last = Factor(f"∂{self.column_symbol(layer, j)}/∂{symbol}", prev_symbol, fmt(a_prev),
                      a_prev, f"the input the weight multiplies{input_note}")
        return self._factors(layer, i, j, symbol, last, float(lt.dW[i, j]))

    def bias_factors(self, layer: int, j: int) -> WeightFactors:
        """∂J/∂b[j] of engine layer ``layer``: δ × 1."""
        self._check(layer, j)
        symbol = self.bias_symbol(layer, j)
        last = Factor(f"∂{self.column_symbol(layer, j)}/∂{symbol}", "1", "1", 1.0,
                      "a bias adds 1 × b to z")
        return self._factors(layer, None, j, symbol, last, float(self.layers[layer].db[j]))

    def _factors(self, layer: int, i: int | None, j: int, symbol: str, last: Factor,
                 value: float) -> WeightFactors:
        lt = self.layers[layer]
        unit = lt.unit_of(j)
        a_sym = self.neuron_symbol(layer, unit)
        z_sym = self.column_symbol(layer, j)
        is_output = layer == len(self.layers) - 1
        notes: list[str] = []
        if is_output and self.fused:
            p, t = float(lt.a[unit]), float(self.y[unit])
            kind = "sigmoid + binary cross-entropy" if lt.activation == "sigmoid" else \
                "softmax + cross-entropy"
            delta = Factor(f"∂J/∂{z_sym}", f"{a_sym} − y{sub(unit + 1)}",
                           f"({fmt(p)} − {fmt(t)})", float(lt.delta[j]),
                           f"{kind}: the output's slope cancels, δ = p − y")
            factors = [delta, last]
            chain = f"∂J/∂{z_sym} × {last.name}"
            notes.append(f"({kind}: ∂J/∂a × ∂a/∂z = p − y, written δ{sub(unit + 1)}"
                         f"{sup(f'({self.seed_layer(layer)})')})")
        elif lt.slope is None:  # softmax with a loss other than cross-entropy
            g = lt.grad_a
            p = lt.a
            inner = float(np.dot(g, p))
            delta = Factor(f"∂J/∂{z_sym}", f"{a_sym}(∂J/∂{a_sym} − Σₖ pₖ ∂J/∂aₖ)",
                           f"{fmt(p[unit])} × ({fmt(g[unit])} − {paren(inner)})",
                           float(lt.delta[j]), "the softmax Jacobian: every output depends on "
                           "every z")
            factors = [delta, last]
            chain = f"∂J/∂{z_sym} × {last.name}"
        else:
            upstream = self._upstream(layer, unit)
            slope = self._slope(layer, j)
            factors = [upstream, slope, last]
            chain = f"{upstream.name} × {slope.name} × {last.name}"
        shown = [f for f in factors if not (f is last and i is None)]  # drop a bias's × 1
        formula = " × ".join(_group(f.formula) for f in shown)
        slope_factor = factors[1] if len(factors) == 3 else None
        arithmetic = " × ".join(_short(f, f is slope_factor) for f in shown)
        if lt.activation == "maxout":
            piece = j % lt.pieces + 1
            won = lt.slope is not None and lt.slope[j] > 0
            notes.append(f"(maxout: piece {piece} {'wins' if won else 'loses'} the max of unit "
                         f"{unit + 1}, so ∂a/∂z = {1 if won else 0})")
        return WeightFactors(layer, i, j, symbol, chain, formula, arithmetic, value, factors,
                             notes)

    def _upstream(self, layer: int, unit: int) -> Factor:
        """∂J/∂a of one unit: from the loss (output layer) or Σₖ δₖ wⱼₖ (hidden layers)."""
        lt = self.layers[layer]
        a_sym = self.neuron_symbol(layer, unit)
        name = f"∂J/∂{a_sym}"
        value = float(lt.grad_a[unit])
        if layer == len(self.layers) - 1:
            a, t = float(lt.a[unit]), float(self.y[unit])
            y_sym = f"y{sub(unit + 1)}"
            if self.loss_name == "mse":
                return Factor(name, f"({a_sym} − {y_sym})", f"({fmt(a)} − {fmt(t)})", value,
                              "J = ½ Σ (a − y)², so ∂J/∂a = a − y")
            if self.loss_name == "hinge":
                margin = 1.0 - t * a
                if margin > 0:
                    return Factor(name, f"−t{sub(unit + 1)}", paren(-t), value,
                                  f"hinge: the margin 1 − t·a = {fmt(margin)} > 0, so "
                                  "∂J/∂a = −t")
                return Factor(name, "0", "0", value,
                              f"hinge: t·a = {fmt(t * a)} ≥ 1, no loss and no gradient")
            return Factor(name, name, fmt(value), value)
        nxt = self.layers[layer + 1]
        terms_sym, terms_num = [], []
        for k in range(nxt.width):
            d_sym = self.column_symbol(layer + 1, k, "δ")
            w_sym = self.weight_symbol(layer + 1, unit, k)
            terms_sym.append(f"{d_sym} {w_sym}")
            terms_num.append(f"{paren(nxt.delta[k])} × {paren(nxt.W[unit, k])}")
        if len(terms_sym) == 1:
            formula = terms_sym[0]
            numbers = f"({fmt(nxt.delta[0])} × {paren(nxt.W[unit, 0])})"
        elif len(terms_sym) <= MAX_TERMS:
            formula = "(" + " + ".join(terms_sym) + ")"
            numbers = "(" + " + ".join(terms_num) + ")"
        else:
            up = sup(f"({self.seed_layer(layer + 1)})")
            formula = f"(Σₖ δₖ{up} wₖ,{sub(unit + 1)}{sup(f'({layer + 2})')})"
            numbers = f"(Σ of {len(terms_sym)} terms = {fmt(value)})"
        return Factor(name, formula, numbers, value,
                      "every neuron this one feeds sends its δ back through the weight")

    def _slope(self, layer: int, column: int) -> Factor:
        """∂a/∂z of one column of an elementwise (or maxout) activation."""
        lt = self.layers[layer]
        unit = lt.unit_of(column)
        a_sym = self.neuron_symbol(layer, unit)
        z_sym = self.column_symbol(layer, column)
        name = f"∂{a_sym}/∂{z_sym}"
        assert lt.slope is not None
        s = float(lt.slope[column])
        a, z = float(lt.a[unit]), float(lt.z[column])
        act = lt.activation
        if act == "sigmoid":
            return Factor(name, f"{a_sym}(1 − {a_sym})", f"{fmt(a)} × (1 − {fmt(a)})", s,
                          "σ′(z) = σ(z)(1 − σ(z)), at most 0.25")
        if act == "tanh":
            return Factor(name, f"(1 − {a_sym}²)", f"(1 − {paren(a)}²)", s,
                          "tanh′(z) = 1 − tanh²(z), at most 1")
        if act == "relu":
            return Factor(name, "1" if z > 0 else "0", fmt(s), s,
                          f"ReLU: slope 1 for z > 0, 0 otherwise (z = {fmt(z)})")
        if act == "leaky_relu":
            return Factor(name, "1" if z > 0 else "α", fmt(s), s,
                          f"leaky ReLU: slope 1 for z > 0, α otherwise (z = {fmt(z)})")
        if act == "linear":
            return Factor(name, "1", "1", s, "linear: a = z")
        if act == "step":
            return Factor(name, "0", "0", s, "the step function is flat: no gradient passes")
        if act == "maxout":
            return Factor(name, "1" if s > 0 else "0", fmt(s), s,
                          "maxout: 1 for the winning piece, 0 for the others")
        return Factor(name, f"f′({z_sym})", fmt(s), s)


def _short(factor: Factor, value_only: bool) -> str:
    """A factor in the arithmetic line: its numbers if short (``(0.7514 − 0.01)``), else
    its value (the activation's slope is always given as its value, like the notes do)."""
    text = factor.numbers
    if value_only or "Σ" in text or len(text) > 70:
        return paren(factor.value)
    if text.startswith("−") or (" " in text and not text.startswith("(")):
        return f"({text})"
    return text


def _group(formula: str) -> str:
    """Parenthesise a formula that is a sum at its top level, so products read right."""
    depth = 0
    for k, ch in enumerate(formula):
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif depth == 0 and ch in "+−" and 0 < k < len(formula) - 1 \
                and formula[k - 1] == " " and formula[k + 1] == " ":
            return f"({formula})"
    return formula


# --- the computation ------------------------------------------------------------------------

def _vector(value: object, size: int, what: str) -> np.ndarray:
    try:
        v = np.asarray(value, dtype=np.float64).reshape(-1)
    except (TypeError, ValueError):
        raise NNStudioError(f"the sample's {what} must be numbers") from None
    if v.size != size:
        raise NNStudioError(f"the sample's {what} has {v.size} value(s) but the network "
                            f"needs {size}")
    if not np.all(np.isfinite(v)):
        raise NNStudioError(f"the sample's {what} contains a missing or infinite value")
    return v


def _slopes(act: Activation, z: np.ndarray, a: np.ndarray) -> np.ndarray | None:
    """∂a/∂z per column: the activation's own backward pass applied to ∂J/∂a = 1."""
    if act.name == "softmax":
        return None
    return act.backward(z, a, np.ones_like(a), np.empty_like(z))[0].copy()


def _output_grad_a(loss_name: str, a: np.ndarray, y: np.ndarray) -> np.ndarray:
    """∂J/∂a of the output for a batch of one (DESIGN.md's losses)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        if loss_name == "mse":
            return a - y
        if loss_name == "hinge":
            return np.where(1.0 - y * a > 0, -y, 0.0)
        if loss_name == "binary_cross_entropy":
            return -y / a + (1.0 - y) / (1.0 - a)
        if loss_name == "cross_entropy":
            return -y / a
    raise NNStudioError(f"the inspector does not know the loss {loss_name!r}")


def explain_sample(network: Network, x: np.ndarray, y_encoded: np.ndarray,
                   input_names: list[str] | None = None) -> BackpropTrace:
    """Forward and backward pass of ``network`` on one sample, every number kept.

    ``x`` is the network's input row (features expanded and standardized), ``y_encoded``
    the target as the output layer sees it (see :func:`network.encode_targets`). The
    network is not changed. Raises :class:`NNStudioError` if the sizes do not fit.
    """
    spec = network.spec
    x = _vector(x, spec.inputs, "input")
    y = _vector(y_encoded, spec.n_outputs, "target")
    names = list(input_names) if input_names else list(spec.features or spec.feature_names
                                                        or [])
    weights = [(np.asarray(W, np.float64), np.asarray(b, np.float64))
               for W, b in network.get_weights()]
    acts = [make_activation(ls.activation, ls.alpha, ls.pieces) for ls in spec.layers]
    loss = make_loss(spec.loss, spec.layers[-1].activation)

    inputs, zs, as_ = [], [], []
    a = x[None, :]
    with np.errstate(over="ignore", under="ignore"):
        for (W, b), act in zip(weights, acts):
            inputs.append(a[0].copy())
            z = a @ W + b
            width = z.shape[1] // act.pieces if act.name == "maxout" else z.shape[1]
            a = act.forward(z, np.empty((1, width)))
            zs.append(z)
            as_.append(a.copy())
        n = len(weights)
        deltas: list[np.ndarray] = [np.empty(0)] * n
        grads_a: list[np.ndarray] = [np.empty(0)] * n
        delta_out = np.empty_like(zs[-1])
        J = float(loss.value_and_delta(zs[-1], as_[-1], y[None, :], acts[-1], delta_out))
        deltas[-1] = delta_out
        grads_a[-1] = _output_grad_a(spec.loss, as_[-1], y[None, :])
        for k in range(n - 2, -1, -1):
            grad_a = deltas[k + 1] @ weights[k + 1][0].T
            grads_a[k] = grad_a
            deltas[k] = acts[k].backward(zs[k], as_[k], grad_a.copy(), np.empty_like(zs[k]))
        layers = []
        for k, ((W, b), act) in enumerate(zip(weights, acts)):
            ls = spec.layers[k]
            layers.append(LayerTrace(
                index=k, activation=ls.activation, pieces=act.pieces if act.name == "maxout"
                else 1, a_prev=inputs[k], W=W.copy(), b=b.copy(), z=zs[k][0].copy(),
                a=as_[k][0].copy(), grad_a=grads_a[k][0].copy(), delta=deltas[k][0].copy(),
                slope=_slopes(act, zs[k], as_[k]), dW=np.outer(inputs[k], deltas[k][0]),
                db=deltas[k][0].copy(),
            ))
    return BackpropTrace(network, x, y, spec.loss, J, layers, names)
