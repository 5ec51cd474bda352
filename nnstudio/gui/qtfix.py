"""A guard against a reference-counting bug of PySide6 6.12 on Python 3.10/3.11.

PySide6 6.12.0's wheels return ``None``, ``True`` and ``False`` from C++ without taking a
new reference (correct on Python 3.12+, where those objects are immortal). On older Pythons
every void Qt call (``widget.update()``, ``signal.emit()``, ...) therefore steals one
reference, and after a few thousand calls the interpreter aborts with "none_dealloc:
deallocating None" or "bool_dealloc". pyqtgraph makes dozens of such calls per redraw.

``install()`` detects the bug with a probe and, if present, gives these singletons a huge
reference count, which makes them effectively immortal, as Python 3.12 does. Importing
this module installs the guard; it is a no-op on fixed versions and on Python 3.12+.
"""

from __future__ import annotations

import ctypes
import sys

_SINGLETONS = (None, True, False, Ellipsis, NotImplemented)
_BOOST = 1 << 40
_installed = False


def _leaks() -> bool:
    from PySide6 import QtCore

    probe = QtCore.QObject()
    before = sys.getrefcount(None)
    for _ in range(32):
        probe.setObjectName("probe")  # returns None
    return sys.getrefcount(None) < before - 16


def install() -> bool:
    """Apply the guard if this PySide6 needs it; returns whether it is active."""
    global _installed
    if _installed:
        return True
    if sys.version_info >= (3, 12) or sys.implementation.name != "cpython":
        return False
    if not _leaks():
        return False
    for value in _SINGLETONS:
        refcount = ctypes.c_ssize_t.from_address(id(value))
        if refcount.value < _BOOST:
            refcount.value += _BOOST
    _installed = True
    return True


install()
