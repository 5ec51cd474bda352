"""Notices shown above the network: a warning/error banner with actions, and the lesson card
that explains what a preset experiment is about."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from nnstudio.gui import style


class MessageBanner(QFrame):
    """A dismissible banner: a bold title, an explanation and optional action buttons."""

    closed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("banner")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(12, 8, 8, 8)
        layout.setSpacing(10)
        self.icon = QLabel("⚠")
        self.icon.setStyleSheet(f"font-size: 18px; color: {style.WARNING_BORDER};")
        self.icon.setAlignment(Qt.AlignmentFlag.AlignTop)
        text_box = QVBoxLayout()
        text_box.setSpacing(2)
        self.title = QLabel()
        self.title.setStyleSheet("font-weight: 600;")
        self.text = QLabel()
        self.text.setWordWrap(True)
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.text.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        text_box.addWidget(self.title)
        text_box.addWidget(self.text)
        self.actions = QWidget()
        self.actions_box = QHBoxLayout(self.actions)
        self.actions_box.setContentsMargins(0, 4, 0, 0)
        self.actions_box.setSpacing(6)
        self.actions_box.addStretch(1)
        text_box.addWidget(self.actions)
        close = QToolButton()
        close.setText("✕")
        close.setToolTip("Dismiss")
        close.setAutoRaise(True)
        close.clicked.connect(self.dismiss)
        layout.addWidget(self.icon)
        layout.addLayout(text_box, 1)
        layout.addWidget(close, 0, Qt.AlignmentFlag.AlignTop)
        self._buttons: list[QPushButton] = []
        self.hide()

    def show_message(self, title: str, text: str, kind: str = "warning",
                     actions: list[tuple[str, Callable[[], None]]] | None = None) -> None:
        """Show ``title`` and ``text``; ``actions`` are (button label, callback) pairs."""
        error = kind == "error"
        border = style.ERROR_BORDER if error else style.WARNING_BORDER
        background = style.ERROR_BG if error else style.WARNING_BG
        self.setStyleSheet(f"QFrame#banner {{ background: {background}; border: 1px solid "
                           f"{border}; border-radius: 6px; }}")
        self.icon.setText("⛔" if error else "⚠")
        self.icon.setStyleSheet(f"font-size: 18px; color: {border};")
        self.title.setText(title)
        self.text.setText(text)
        for button in self._buttons:
            self.actions_box.removeWidget(button)
            button.deleteLater()
        self._buttons = []
        for label, callback in actions or []:
            button = QPushButton(label)
            button.clicked.connect(callback)
            self.actions_box.insertWidget(self.actions_box.count() - 1, button)
            self._buttons.append(button)
        self.actions.setVisible(bool(self._buttons))
        self.show()

    @property
    def message(self) -> str:
        return f"{self.title.text()} {self.text.text()}".strip()

    def button_labels(self) -> list[str]:
        return [b.text() for b in self._buttons]

    def click(self, label: str) -> None:
        """Press the action button labelled ``label`` (for tests and shortcuts)."""
        for button in self._buttons:
            if button.text() == label:
                button.click()
                return
        raise KeyError(label)

    def dismiss(self) -> None:
        if self.isVisible():
            self.hide()
            self.closed.emit()


class LessonCard(QFrame):
    """What the open experiment is about (its name and description), dismissible."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("lessonCard")
        self.setStyleSheet("QFrame#lessonCard { background: #eef4fd; border: 1px solid "
                           "#c6dafc; border-radius: 6px; }")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(12, 6, 6, 6)
        self.label = QLabel()
        self.label.setWordWrap(True)
        self.label.setTextFormat(Qt.TextFormat.RichText)
        self.label.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        close = QToolButton()
        close.setText("✕")
        close.setAutoRaise(True)
        close.setToolTip("Hide this note (Help ▸ About this experiment shows it again)")
        close.clicked.connect(self.hide)
        layout.addWidget(self.label, 1)
        layout.addWidget(close, 0, Qt.AlignmentFlag.AlignTop)
        self.hide()

    def set_lesson(self, name: str, description: str) -> None:
        if not description.strip():
            self.hide()
            return
        from html import escape

        self.label.setText(f"<b>{escape(name)}</b> — {escape(description)}")
        self.show()
