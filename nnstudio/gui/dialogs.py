"""The main window's small dialogs: unsaved changes, keyboard shortcuts, About nnstudio."""

from __future__ import annotations

import html
import platform
import re
from dataclasses import dataclass

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMenu,
    QMessageBox,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

SAVE, DISCARD, CANCEL = "save", "discard", "cancel"


# --- unsaved changes ----------------------------------------------------------------------------

def ask_save_discard_cancel(parent: QWidget, title: str, question: str, consequence: str,
                            save_text: str | None = None) -> str:
    """A modal "save before ...?" question (``question`` is shown bold, ``consequence``
    below it) with Save (labelled ``save_text`` if given), Don't save and Cancel: returns
    "save", "discard" or "cancel"; Escape cancels."""
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Warning)
    box.setWindowTitle(title)
    box.setText(f"<b>{question}</b>")
    box.setInformativeText(consequence)
    box.setStandardButtons(QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard
                           | QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(QMessageBox.StandardButton.Save)
    box.setEscapeButton(QMessageBox.StandardButton.Cancel)
    save = box.button(QMessageBox.StandardButton.Save)
    if save is not None and save_text:
        save.setText(save_text)
    discard = box.button(QMessageBox.StandardButton.Discard)
    if discard is not None:
        discard.setText("Don't save")
    answer = box.exec()
    if answer == QMessageBox.StandardButton.Save:
        return SAVE
    if answer == QMessageBox.StandardButton.Discard:
        return DISCARD
    return CANCEL


def ask_unsaved_changes(parent: QWidget, name: str, before: str = "closing") -> str:
    """Ask whether to save the changes to ``name`` before ``before`` ("closing", "opening
    another experiment", ...): returns "save", "discard" or "cancel"."""
    return ask_save_discard_cancel(
        parent, "Unsaved changes",
        f"Save the changes to “{html.escape(name)}” before {html.escape(before)}?",
        "The changed data, network design and training settings are lost if you don't save "
        "them.")


# --- keyboard shortcuts ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Shortcut:
    """One keyboard shortcut of the window: the keys, what it does, and where it lives."""

    keys: str
    action: str
    where: str


def _plain(text: str) -> str:
    """A menu text without its mnemonic ampersands and trailing ellipsis."""
    text = re.sub(r"&(.)", r"\1", text.replace("&&", "\0")).replace("\0", "&")
    return re.sub(r"^[^\w(]+", "", text.strip())  # "▶  Play" -> "Play"


def _keys(action: QAction) -> str:
    return ", ".join(seq.toString(QKeySequence.SequenceFormat.NativeText)
                     for seq in action.shortcuts() if not seq.isEmpty())


def window_shortcuts(window: QWidget) -> list[Shortcut]:
    """Every shortcut of ``window``'s actions: those in its menus (by menu path), then any
    other action with a shortcut that belongs to the window (e.g. tool bar actions)."""
    rows: list[Shortcut] = []
    seen: set[int] = set()

    def walk(menu: QMenu, path: str) -> None:
        for action in menu.actions():
            sub = action.menu()
            if sub is not None:
                walk(sub, f"{path} ▸ {_plain(action.text())}")
                continue
            if action.isSeparator():
                continue
            seen.add(id(action))
            keys = _keys(action)
            if keys:
                rows.append(Shortcut(keys, _plain(action.text()), path))

    menu_bar = getattr(window, "menuBar", None)
    if callable(menu_bar):
        for top in menu_bar().actions():
            if top.menu() is not None:
                walk(top.menu(), _plain(top.text()))
    for action in window.findChildren(QAction):
        if id(action) in seen or not _keys(action):
            continue
        owners = [w for w in action.associatedObjects() if isinstance(w, QWidget)]
        if owners and all(w.window() is not window for w in owners):
            continue  # another window's action (e.g. the exercises)
        seen.add(id(action))
        where = "Tool bar" if any(type(w).__name__.endswith("ToolBar") or
                                  w.inherits("QToolBar") for w in owners) else "Window"
        rows.append(Shortcut(_keys(action), _plain(action.text()), where))
    return rows


class ShortcutsDialog(QDialog):
    """Help → Keyboard shortcuts: a table made from the window's actions (so it is never out
    of date)."""

    def __init__(self, window: QWidget) -> None:
        super().__init__(window)
        self.setWindowTitle("Keyboard shortcuts")
        self.shortcuts = window_shortcuts(window)
        self.table = QTableWidget(len(self.shortcuts), 3)
        self.table.setHorizontalHeaderLabels(["Keys", "Action", "Menu"])
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.table.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.table.setShowGrid(False)
        self.table.setAlternatingRowColors(True)
        for row, shortcut in enumerate(self.shortcuts):
            keys = QTableWidgetItem(shortcut.keys)
            font = keys.font()
            font.setBold(True)
            keys.setFont(font)
            self.table.setItem(row, 0, keys)
            self.table.setItem(row, 1, QTableWidgetItem(shortcut.action))
            self.table.setItem(row, 2, QTableWidgetItem(shortcut.where))
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        note = QLabel("Space, “.” and Ctrl+. work while the window has the focus, also while "
                      "training. Click a connection or a bias in the network to type a value.")
        note.setWordWrap(True)
        note.setObjectName("muted")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table, 1)
        layout.addWidget(note)
        layout.addWidget(buttons)
        self.resize(QSize(560, min(640, 120 + 28 * max(4, len(self.shortcuts)))))


# --- About ----------------------------------------------------------------------------------------

def component_versions() -> list[tuple[str, str, str]]:
    """(component, version, license) for what nnstudio is built on."""
    import numpy
    import pyqtgraph
    import PySide6
    from PySide6 import QtCore

    rows = [
        ("Python", platform.python_version(), "PSF License"),
        ("Qt", QtCore.qVersion(), "LGPL-3.0 (Qt for open source)"),
        ("PySide6 (Qt for Python)", PySide6.__version__, "LGPL-3.0"),
        ("pyqtgraph", pyqtgraph.__version__, "MIT"),
        ("NumPy", numpy.__version__, "BSD-3-Clause"),
    ]
    try:
        import threadpoolctl

        rows.append(("threadpoolctl", threadpoolctl.__version__, "BSD-3-Clause"))
    except ImportError:  # pragma: no cover - a declared dependency
        pass
    for module, name, license_ in (("onnx", "ONNX (optional)", "Apache-2.0"),
                                   ("onnxruntime", "ONNX Runtime (optional)", "MIT")):
        try:
            mod = __import__(module)
        except ImportError:
            continue
        rows.append((name, getattr(mod, "__version__", "?"), license_))
    return rows


def data_credits_markdown() -> str:
    """The bundled data sets' sources and licenses (resources/data/README.md, without the
    notes on how the files were produced)."""
    from nnstudio.paths import resource

    try:
        text = resource("data", "README.md").read_text(encoding="utf-8")
    except (FileNotFoundError, OSError):
        return "The bundled data sets' credits (resources/data/README.md) are missing."
    start = text.find("\n## ")
    end = text.find("\n## How these files were produced")
    body = text[start if start >= 0 else 0:end if end > 0 else len(text)]
    return ("## Bundled data sets\n\nThe built-in iris and digits data sets ship with nnstudio; "
            "the other built-in data sets are generated.\n" + body.replace("\n## ", "\n### "))


def about_html() -> str:
    """The About tab: version, purpose, license, and the components with their licenses."""
    from nnstudio import __version__

    rows = "".join(
        f"<tr><td>{html.escape(name)}</td><td>{html.escape(version)}</td>"
        f"<td>{html.escape(license_)}</td></tr>" for name, version, license_ in
        component_versions())
    return (
        f"<h2>nnstudio {html.escape(__version__)}</h2>"
        "<p>A desktop laboratory for neural networks: design a network, train it and watch it "
        "learn — its loss, every layer's activations and gradients.</p>"
        "<p><b>License:</b> MIT. nnstudio is free software: use, copy, change and share it; "
        "it comes without warranty.</p>"
        "<h3>Built with</h3>"
        "<table cellpadding='3' cellspacing='0'>"
        "<tr><th align='left'>Component</th><th align='left'>Version</th>"
        f"<th align='left'>License</th></tr>{rows}</table>"
        "<p>Qt and PySide6 are used under the GNU Lesser General Public License v3: they are "
        "linked dynamically and can be replaced by other versions.</p>"
    )


class AboutDialog(QDialog):
    """Help → About nnstudio: version and licenses, and the data sets' credits."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("About nnstudio")
        from nnstudio.gui.app import app_icon

        icon = QLabel()
        pixmap = app_icon().pixmap(QSize(64, 64))
        if not pixmap.isNull():
            icon.setPixmap(pixmap)
        icon.setAlignment(Qt.AlignmentFlag.AlignTop)
        self.about = QTextBrowser()
        self.about.setOpenExternalLinks(True)
        self.about.setHtml(about_html())
        self.credits = QTextBrowser()
        self.credits.setOpenExternalLinks(True)
        self.credits.setMarkdown(data_credits_markdown())
        self.tabs = QTabWidget()
        self.tabs.addTab(self.about, "About")
        self.tabs.addTab(self.credits, "Data sets")
        top = QHBoxLayout()
        top.addWidget(icon)
        top.addWidget(self.tabs, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(top, 1)
        layout.addWidget(buttons)
        self.resize(640, 520)


__all__ = ["CANCEL", "DISCARD", "SAVE", "AboutDialog", "Shortcut", "ShortcutsDialog",
           "about_html", "ask_unsaved_changes", "component_versions", "data_credits_markdown",
           "window_shortcuts"]
