"""Notices shown above the network: a warning/error banner with actions, and the lesson card
that explains what a preset experiment is about.

Their icons are drawn here (:func:`message_pixmap`, :func:`close_icon`), not taken from
emoji or symbol glyphs, which many systems lack (a missing-glyph box) or draw in color.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QIcon, QPainter, QPainterPath, QPen, QPixmap
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

#: the icon kinds :func:`message_pixmap` draws and their colors
ICON_COLORS = {"error": "#d93025", "warning": "#e37400", "info": style.ACCENT,
               "ok": style.SUCCESS}
ICON_SIZE = 20


def message_pixmap(kind: str, size: int = ICON_SIZE, ratio: float = 2.0) -> QPixmap:
    """A drawn message icon: "error" (a red disc with "!"), "warning" (an amber triangle
    with "!"), "info" (a blue disc with "i") or "ok" (a green disc with a check mark)."""
    if kind not in ICON_COLORS:
        raise ValueError(f"unknown icon kind {kind!r} (known: {', '.join(ICON_COLORS)})")
    pixmap = QPixmap(round(size * ratio), round(size * ratio))
    pixmap.setDevicePixelRatio(ratio)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor(ICON_COLORS[kind]))
    s = float(size)
    if kind == "warning":
        triangle = QPainterPath()
        triangle.moveTo(s / 2, 1.0)
        triangle.lineTo(s - 1.0, s - 2.0)
        triangle.lineTo(1.0, s - 2.0)
        triangle.closeSubpath()
        painter.drawPath(triangle)
        top, bottom = 0.36 * s, 0.64 * s  # the "!" sits low in the triangle
    else:
        painter.drawEllipse(QRectF(1.0, 1.0, s - 2.0, s - 2.0))
        top, bottom = 0.26 * s, 0.56 * s
    white = QColor("#ffffff")
    stroke = max(1.6, 0.12 * s)
    if kind == "ok":
        pen = QPen(white, stroke, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap,
                   Qt.PenJoinStyle.RoundJoin)
        painter.setPen(pen)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawPolyline([QPointF(0.29 * s, 0.52 * s), QPointF(0.44 * s, 0.67 * s),
                              QPointF(0.72 * s, 0.36 * s)])
    else:
        pen = QPen(white, stroke, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap)
        painter.setPen(pen)
        dot = QPointF(s / 2, bottom + 0.17 * s)
        if kind == "info":  # "i": the dot above the stem
            dot = QPointF(s / 2, 0.29 * s)
            top, bottom = 0.45 * s, 0.74 * s
        painter.drawLine(QPointF(s / 2, top), QPointF(s / 2, bottom))
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QBrush(white))
        painter.drawEllipse(dot, stroke * 0.62, stroke * 0.62)
    painter.end()
    return pixmap


def close_icon(color: str = style.MUTED, size: int = 12) -> QIcon:
    """A drawn "×" for close and dismiss buttons."""
    ratio = 2.0
    pixmap = QPixmap(round(size * ratio), round(size * ratio))
    pixmap.setDevicePixelRatio(ratio)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(QPen(QColor(color), 1.6, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap))
    m = 2.0
    painter.drawLine(QPointF(m, m), QPointF(size - m, size - m))
    painter.drawLine(QPointF(size - m, m), QPointF(m, size - m))
    painter.end()
    return QIcon(pixmap)


def close_button(tip: str) -> QToolButton:
    """A small flat button with a drawn "×"."""
    button = QToolButton()
    button.setIcon(close_icon())
    button.setIconSize(QSize(12, 12))
    button.setToolTip(tip)
    button.setAccessibleName("Close")
    button.setAutoRaise(True)
    return button


class MessageBanner(QFrame):
    """A dismissible banner: a bold title, an explanation and optional action buttons."""

    closed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("banner")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(12, 8, 8, 8)
        layout.setSpacing(10)
        self.icon = QLabel()
        self.icon.setFixedSize(ICON_SIZE, ICON_SIZE)
        self.icon.setAlignment(Qt.AlignmentFlag.AlignTop)
        self.kind = "warning"
        self.icon.setPixmap(message_pixmap(self.kind))
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
        close = close_button("Dismiss")
        close.clicked.connect(self.dismiss)
        layout.addWidget(self.icon, 0, Qt.AlignmentFlag.AlignTop)
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
        self.kind = "error" if error else "warning"
        self.icon.setPixmap(message_pixmap(self.kind))
        self.icon.setToolTip("Error" if error else "Warning")
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
        close = close_button("Hide this note (Help ▸ About this experiment shows it again)")
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
