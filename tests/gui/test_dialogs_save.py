"""The shared "save before ...?" question: its buttons, their labels and its answers."""

from __future__ import annotations

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from nnstudio.gui import dialogs


def answer_with(button: QMessageBox.StandardButton | None, seen: list) -> None:
    """Once the question is open: note its texts, then press ``button`` (None: Escape)."""

    def press() -> None:
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox):
            QTimer.singleShot(20, press)
            return
        seen.append((box.windowTitle(), box.text(),
                     box.button(QMessageBox.StandardButton.Save).text(),
                     box.button(QMessageBox.StandardButton.Discard).text()))
        if button is None:
            box.reject()  # what Escape does
        else:
            box.button(button).click()

    QTimer.singleShot(20, press)


def test_the_question_returns_what_was_pressed(qtbot):
    seen: list = []
    cases = [(QMessageBox.StandardButton.Save, dialogs.SAVE),
             (QMessageBox.StandardButton.Discard, dialogs.DISCARD),
             (QMessageBox.StandardButton.Cancel, dialogs.CANCEL),
             (None, dialogs.CANCEL)]
    for button, expected in cases:
        answer_with(button, seen)
        got = dialogs.ask_save_discard_cancel(None, "Unsaved runs", "Save 2 runs?",
                                              "They are lost otherwise.", save_text="Save runs…")
        assert got == expected
    assert seen[0] == ("Unsaved runs", "<b>Save 2 runs?</b>", "Save runs…", "Don't save")

