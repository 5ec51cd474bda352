"""The closed-form baseline: least squares by the Moore–Penrose pseudo-inverse, beside the
network's gradient-descent fit (seed 003).

``BaselineView`` fits :func:`nnstudio.engine.closed_form.fit_linear` to the regression
data it is given, both with and without the column of ones, and shows both losses next to
the network's current ones (all with DESIGN.md's ``mse``, J = ½ · mean Σ (y − ŷ)²). The
"intercept" switch chooses which of the two fits :meth:`fit` returns and
:meth:`predict` uses, e.g. for a line or plane drawn over the data.
"""

from __future__ import annotations

import html
import math

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from nnstudio.engine.closed_form import LinearFit, fit_linear
from nnstudio.engine.errors import NNStudioError
from nnstudio.gui import qtfix, style

assert qtfix  # guards against PySide6 6.12's refcount bug on void calls

ROW_WITH, ROW_WITHOUT, ROW_NETWORK = 0, 1, 2


def _loss_text(value: float | None) -> str:
    if value is None or not math.isfinite(value):
        return "—"
    return f"{value:.4g}"


class BaselineView(QWidget):
    """Closed-form least squares vs the network (see the module docs).

    API for the main window:
        set_data(X_train, y_train, X_test=None, y_test=None, input_names=None)
            # regression data as the network sees it (features, standardization)
        set_unavailable(reason)           # e.g. for classification data
        set_network_loss(train_loss, test_loss)   # the network's current J (None: unknown)
        fit() -> LinearFit | None         # the fit the intercept switch selects
        fits() -> dict[bool, LinearFit]   # both: {True: with ones column, False: without}
        predict(X) -> ndarray | None      # the selected fit's ŷ, for an overlay
        set_intercept(bool) / intercept() -> bool
        fit_changed(object)               # signal: the selected LinearFit (or None)
    """

    fit_changed = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._fits: dict[bool, LinearFit] = {}
        self._losses: dict[bool, tuple[float, float | None]] = {}
        self._network: tuple[float | None, float | None] = (None, None)
        self._names: list[str] | None = None
        self._has_test = False

        title = QLabel("Closed-form baseline: least squares")
        title.setObjectName("cardTitle")
        self.explain = QLabel(
            "The best linear model in one step, no iterations and no learning rate: "
            "β = X⁺y with the Moore–Penrose pseudo-inverse X⁺ = pinv(X). With the "
            "intercept, a column of ones is added to X so the line or plane need not pass "
            "through the origin.")
        self.explain.setWordWrap(True)
        self.explain.setObjectName("muted")
        self.intercept_box = QCheckBox("Intercept: add a column of ones to X (ŷ = Xβ + b)")
        self.intercept_box.setChecked(True)
        self.intercept_box.setToolTip("Without the ones column the fitted line/plane must "
                                      "pass through the origin; seed 003's pinv result "
                                      "matched sklearn's LinearRegression only with it.")
        self.intercept_box.toggled.connect(self._intercept_toggled)

        self.table = QTableWidget(3, 4)
        self.table.setHorizontalHeaderLabels(["Model", "training J", "test J", "fitted model"])
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.table.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        self.table.horizontalHeaderItem(1).setToolTip("J = ½ · mean over rows of Σ (y − ŷ)², "
                                                      "the network's MSE")
        names = ("pinv, with the ones column", "pinv, without the ones column",
                 "Network (gradient descent)")
        for row, name in enumerate(names):
            self.table.setItem(row, 0, QTableWidgetItem(name))
            for col in (1, 2, 3):
                item = QTableWidgetItem("—")
                if col in (1, 2):
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight |
                                          Qt.AlignmentFlag.AlignVCenter)
                    item.setFont(style.mono_font())
                self.table.setItem(row, col, item)
        self.table.resizeRowsToContents()
        height = self.table.horizontalHeader().height() + sum(
            self.table.rowHeight(r) for r in range(3)) + 4
        self.table.setFixedHeight(height)

        self.verdict = QLabel()
        self.verdict.setWordWrap(True)
        self.verdict.setTextFormat(Qt.TextFormat.RichText)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 8, 10, 8)
        layout.setSpacing(6)
        layout.addWidget(title)
        layout.addWidget(self.explain)
        layout.addWidget(self.intercept_box)
        layout.addWidget(self.table)
        layout.addWidget(self.verdict)
        layout.addStretch(1)
        self.set_unavailable("No data yet.")

    # --- public API -----------------------------------------------------------------------
    def set_data(self, X_train: object, y_train: object, X_test: object | None = None,
                 y_test: object | None = None, input_names: list[str] | None = None) -> None:
        """Fit both closed-form models to the training rows and score them on both sets.

        Bad data (empty, non-numeric, mismatched) is shown as a message, never raised.
        """
        self._names = list(input_names) if input_names else None
        self._has_test = X_test is not None and y_test is not None and len(X_test) > 0
        try:
            fits = {flag: fit_linear(X_train, y_train, intercept=flag) for flag in (True, False)}
            losses = {}
            for flag, f in fits.items():
                test = f.mse(X_test, y_test) if self._has_test else None
                losses[flag] = (f.mse(X_train, y_train), test)
        except NNStudioError as exc:
            self.set_unavailable(str(exc))
            return
        self._fits, self._losses = fits, losses
        self.setEnabled(True)
        self._refresh()
        self.fit_changed.emit(self.fit())

    def set_unavailable(self, reason: str) -> None:
        """No baseline (e.g. classification data): clear the table and say why."""
        self._fits, self._losses = {}, {}
        for row in (ROW_WITH, ROW_WITHOUT):
            for col in (1, 2, 3):
                self.table.item(row, col).setText("—")
        self.verdict.setText(f"<span style='color:{style.MUTED}'>{html.escape(reason, quote=False)}</span>")
        self.fit_changed.emit(None)

    def set_network_loss(self, train_loss: float | None, test_loss: float | None) -> None:
        self._network = (train_loss, test_loss)
        self._refresh()

    def fits(self) -> dict[bool, LinearFit]:
        return dict(self._fits)

    def fit(self) -> LinearFit | None:
        """The fit the intercept switch selects (None without data)."""
        return self._fits.get(self.intercept())

    def predict(self, X: object) -> np.ndarray | None:
        """ŷ of the selected fit for the rows of ``X`` (network inputs), or None."""
        f = self.fit()
        if f is None:
            return None
        try:
            return f.predict(X)
        except NNStudioError:
            return None

    def intercept(self) -> bool:
        return self.intercept_box.isChecked()

    def set_intercept(self, on: bool) -> None:
        self.intercept_box.setChecked(bool(on))

    # --- display ---------------------------------------------------------------------------
    def _intercept_toggled(self, _on: bool) -> None:
        self._refresh()
        self.fit_changed.emit(self.fit())

    def _refresh(self) -> None:
        selected = ROW_WITH if self.intercept() else ROW_WITHOUT
        for row, flag in ((ROW_WITH, True), (ROW_WITHOUT, False)):
            train, test = self._losses.get(flag, (None, None))
            self.table.item(row, 1).setText(_loss_text(train))
            self.table.item(row, 2).setText(_loss_text(test) if self._has_test else "no test")
            f = self._fits.get(flag)
            self.table.item(row, 3).setText(self._equation(f) if f is not None else "—")
        net_train, net_test = self._network
        self.table.item(ROW_NETWORK, 1).setText(_loss_text(net_train))
        self.table.item(ROW_NETWORK, 2).setText(_loss_text(net_test) if self._has_test
                                                else "no test")
        self.table.item(ROW_NETWORK, 3).setText("its current weights")
        for row in range(3):
            font = QFont(self.table.font())
            font.setBold(row in (selected, ROW_NETWORK))
            self.table.item(row, 0).setFont(font)
            muted = row not in (selected, ROW_NETWORK)
            for col in range(4):
                self.table.item(row, col).setForeground(QColor(style.MUTED if muted else
                                                               style.TEXT))
        if self._fits:
            self.verdict.setText(self._verdict())
        self.table.resizeColumnsToContents()
        self.table.horizontalHeader().setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)

    def _equation(self, f: LinearFit) -> str:
        if f.coef.shape[1] > 1:
            return f"{f.coef.shape[1]} outputs; " + f.equation(self._names)
        text = f.equation(self._names)
        return text if len(text) <= 90 else text[:87] + "…"

    def _verdict(self) -> str:
        """One sentence comparing the network with the selected closed-form fit."""
        train, _test = self._losses[self.intercept()]
        net_train, _net_test = self._network
        with_ones, without = self._losses[True][0], self._losses[False][0]
        parts = []
        if without > 1.05 * with_ones:
            parts.append(f"Without the ones column the fit is forced through the origin: "
                         f"J = {without:.4g} instead of {with_ones:.4g}.")
        if net_train is None or not math.isfinite(net_train):
            parts.append("Train the network to compare its loss with these.")
        elif net_train < 0.98 * train:
            parts.append(f"The network's training J ({net_train:.4g}) is below the linear "
                         f"fit's ({train:.4g}): a network with hidden layers can fit curves "
                         "that no straight line or plane can.")
        elif net_train <= 1.02 * train:
            parts.append("The network has reached the least-squares solution's loss.")
        else:
            parts.append(f"Gradient descent has not yet reached the least-squares loss "
                         f"({net_train:.4g} vs {train:.4g}).")
        return " ".join(html.escape(p, quote=False) for p in parts)
