"""Controls a lesson locks: the names of ``engine.lessons.LOCKABLE`` mapped to the main
window's widgets, disabled with the tooltip "Locked by the lesson".

The panels rebuild some of their widgets (the designer's layer rows) and re-enable others
(the data panel's noise slider, the training bar's epoch box) as experiments change, so
:meth:`ControlLocks.apply` is called again after every such change; unlocking re-enables
the widgets and lets the panels show the experiment again, which restores the states they
choose themselves.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable
from typing import Any

from PySide6.QtCore import QObject, QTimer
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QWidget

from nnstudio.engine.lessons import LOCKABLE

LOCK_TIP = "Locked by the lesson"
_ORIGINAL_TIP = "nnstudio_unlocked_tooltip"


def _designer_rows(win: Any) -> list[Any]:
    return list(getattr(win.designer_panel, "rows", []) or [])


def _attrs(owner: Any, *names: str) -> list[Any]:
    return [w for w in (getattr(owner, n, None) for n in names) if w is not None]


def lock_targets(win: Any, name: str) -> list[Any]:
    """The widgets (and actions) the lock ``name`` disables in ``win`` right now."""
    data, designer, bar = win.data_panel, win.designer_panel, win.training_bar
    if name == "dataset":
        tiles = list(getattr(data, "tiles", {}).values())
        return tiles + _attrs(data, "noise", "samples", "test", "seed", "regenerate",
                              "standardize") + list(getattr(win, "dataset_lock_actions", []))
    if name == "features":
        return list(getattr(data, "feature_buttons", {}).values())
    if name == "hidden_layers":
        targets = _attrs(designer, "add_button")
        for row in _designer_rows(win):
            targets += _attrs(row, "units", "up", "down", "remove")
        return targets
    if name == "activation":
        targets = []
        for row in _designer_rows(win):
            targets += _attrs(row, "activation", "alpha", "pieces")
        return targets
    if name == "output":
        return _attrs(designer, "override", "out_activation")
    if name == "loss":
        return _attrs(designer, "override", "loss")
    if name == "init":
        return _attrs(designer, "init", "init_param")
    if name == "optimizer":
        return _attrs(bar, "optimizer_combo")
    if name == "learning_rate":
        return _attrs(bar, "lr_combo")
    if name == "batch_size":
        return _attrs(bar, "batch_combo")
    if name == "regularization":
        return _attrs(bar, "l1_combo", "l2_combo")
    if name == "epochs":
        return _attrs(bar, "stop_check", "stop_spin")
    return []


def _lock(target: Any) -> None:
    if isinstance(target, QAction):
        target.setEnabled(False)
        return
    tip = target.toolTip()
    if not tip.startswith(LOCK_TIP):
        target.setProperty(_ORIGINAL_TIP, tip)
        target.setToolTip(f"{LOCK_TIP}." + (f"\n{tip}" if tip else ""))
    if target.isEnabled():
        target.setEnabled(False)


def _unlock(target: Any) -> None:
    if isinstance(target, QAction):
        target.setEnabled(True)
        return
    original = target.property(_ORIGINAL_TIP)
    if original is not None:
        target.setToolTip(str(original))
        target.setProperty(_ORIGINAL_TIP, None)
    target.setEnabled(True)


class ControlLocks(QObject):
    """The set of locked controls of one main window."""

    def __init__(self, win: Any, targets: Callable[[Any, str], list[Any]] = lock_targets
                 ) -> None:
        super().__init__(win)
        self._win = win
        self._targets = targets
        self._names: list[str] = []
        self._locked: list[Any] = []
        self._later = QTimer(self)
        self._later.setSingleShot(True)
        self._later.setInterval(0)
        self._later.timeout.connect(self.apply)
        for panel in (win.data_panel, win.designer_panel):
            panel.changed.connect(self._later.start)  # rows may be rebuilt after the signal

    @property
    def names(self) -> list[str]:
        return list(self._names)

    def set_locked(self, names: Iterable[str]) -> None:
        """Lock exactly these controls (unknown names are ignored); [] unlocks all."""
        wanted = [n for n in dict.fromkeys(names) if n in LOCKABLE]
        released = set(self._names) - set(wanted)
        self._names = wanted
        if released:
            self._release()
        self.apply()

    def is_locked(self, name: str) -> bool:
        return name in self._names

    def apply(self) -> None:
        """(Re)disable every locked control (after the panels rebuilt or re-enabled some)."""
        locked: list[Any] = []
        for name in self._names:
            for target in self._targets(self._win, name):
                if target not in locked:
                    _lock(target)
                    locked.append(target)
        for target in self._locked:  # e.g. a lock dropped while its widget stayed
            if target not in locked and _alive(target):
                _unlock(target)
        self._locked = locked

    def _release(self) -> None:
        for target in self._locked:
            if _alive(target):
                _unlock(target)
        self._locked = []
        self._resync_panels()

    def _resync_panels(self) -> None:
        """Let the panels set the enabled states they choose (e.g. no noise for iris)."""
        win = self._win
        exp = copy.deepcopy(win.experiment)
        win.data_panel.set_data_config(exp.data)
        win.training_bar.set_config(exp.training)
        win.designer_panel.set_experiment(exp)


def _alive(target: QWidget | QAction) -> bool:
    try:
        target.isEnabled()
    except RuntimeError:  # the C++ object was deleted (e.g. a rebuilt designer row)
        return False
    return True
