"""GUI test set-up: a window with unsaved changes never opens a modal question during tests.

Closing a modified main window asks "Save the changes?" (a modal QMessageBox, which nobody
answers off-screen). Every GUI test answers "Don't save" unless it replaces this answer;
``unsaved_prompts`` lists the questions asked.
"""

from __future__ import annotations

import pytest

from nnstudio.gui import dialogs


@pytest.fixture(autouse=True)
def unsaved_prompts():
    asked: list[tuple[str, str]] = []

    def answer(parent, name: str, before: str = "closing") -> str:
        asked.append((name, before))
        return dialogs.DISCARD

    # set by hand, not with monkeypatch: a test's monkeypatch.undo() must not bring the
    # modal question back while pytest-qt closes the test's windows
    original = dialogs.ask_unsaved_changes
    dialogs.ask_unsaved_changes = answer
    yield asked
    dialogs.ask_unsaved_changes = original
