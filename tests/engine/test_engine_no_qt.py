"""The engine never imports Qt: importing every engine module loads no PySide6 or pyqtgraph."""

from __future__ import annotations

import json
import pkgutil
import subprocess
import sys
from pathlib import Path

import nnstudio.engine

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = """
import importlib, json, pkgutil, sys
import nnstudio.engine
names = sorted(m.name for m in pkgutil.iter_modules(nnstudio.engine.__path__))
for name in names:
    importlib.import_module("nnstudio.engine." + name)
qt = sorted(m for m in sys.modules if m.split(".")[0] in ("PySide6", "shiboken6", "pyqtgraph",
                                                           "PyQt5", "PyQt6", "PySide2"))
print(json.dumps({"modules": names, "qt": qt}))
"""


def test_engine_imports_without_qt() -> None:
    result = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True,
                            cwd=ROOT, timeout=120)
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout.strip().splitlines()[-1])
    expected = sorted(m.name for m in pkgutil.iter_modules(nnstudio.engine.__path__))
    assert found["modules"] == expected
    for core in ("activations", "losses", "initializers", "optimizers", "network", "training",
                 "errors", "fileio"):
        assert core in found["modules"]
    assert found["qt"] == [], f"the engine loaded Qt modules: {found['qt']}"
