"""A side panel's body: a vertical layout inside a frameless, vertically scrolling area."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import QFrame, QScrollArea, QVBoxLayout, QWidget


class PanelScrollArea(QScrollArea):
    """A scroll area that only scrolls vertically and is never narrower than its body needs
    (plus room for the vertical scroll bar): a dock holding it cannot be dragged, or
    squeezed by a small window, so narrow that the body's right edge is cut off."""

    def _chrome(self) -> int:
        return self.verticalScrollBar().sizeHint().width() + 2 * self.frameWidth()

    def minimumSizeHint(self) -> QSize:  # noqa: N802 - Qt override
        hint = super().minimumSizeHint()
        body = self.widget()
        if body is None:
            return hint
        return QSize(max(hint.width(), body.minimumSizeHint().width() + self._chrome()),
                     hint.height())

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt override
        hint = super().sizeHint()
        body = self.widget()
        if body is None:
            return hint
        return QSize(max(hint.width(), body.sizeHint().width() + self._chrome()), hint.height())


def scroll_body(panel: QWidget, spacing: int = 6) -> QVBoxLayout:
    """Fill ``panel`` with a scroll area (no frame, no horizontal bar, at least as wide as
    its body's minimum) and return the layout of the widget inside it, for the panel to add
    its rows to."""
    outer = QVBoxLayout(panel)
    outer.setContentsMargins(0, 0, 0, 0)
    scroll = PanelScrollArea()
    scroll.setWidgetResizable(True)
    scroll.setFrameShape(QFrame.Shape.NoFrame)
    scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    outer.addWidget(scroll)
    body = QWidget()
    scroll.setWidget(body)
    layout = QVBoxLayout(body)
    layout.setContentsMargins(8, 8, 8, 8)
    layout.setSpacing(spacing)
    return layout
