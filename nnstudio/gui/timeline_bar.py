"""TimelineBar: scrub back through a run's weight snapshots.

A slider over the kept snapshots (engine.timeline.WeightTimeline) with one extra position
at the right end, "now". Moving it left shows an earlier moment; the main window restores
that snapshot's weights into a *copy* of the network used only for display, so the network
view and the decision boundary show the network as it was.

API for the main window::

    bar = TimelineBar()
    bar.set_timeline(timeline)                  # the run's WeightTimeline
    bar.refresh()                               # after timeline.add(...) (the bar also polls
                                                #  timeline.revision 4 times a second)
    bar.scrubbed.connect(show_snapshot)         # (WeightSnapshot) show this moment
    bar.present_requested.connect(show_live)    # back to the live network
    bar.resume_requested.connect(branch)        # (WeightSnapshot) restore it into the real
                                                #  network, timeline.truncate_after(epoch),
                                                #  and train on from there
    bar.is_scrubbing / bar.current_snapshot()   # state
    bar.show_present()                          # back to "now" without a signal
"""

from __future__ import annotations

from typing import Any

from PySide6 import QtCore, QtWidgets
from PySide6.QtCore import Qt, Signal

from nnstudio.gui import style
from nnstudio.gui.plots_common import MUTED_TEXT, TEXT_COLOR, set_label_font

_SCRUB_STYLE = (f"QLabel {{ background: {style.WARNING_BG}; border: 1px solid "
                f"{style.WARNING_BORDER}; border-radius: 4px; padding: 1px 6px; }}")


class TimelineBar(QtWidgets.QWidget):
    """A slider over weight snapshots with "Resume from here" and "Back to the present"."""

    scrubbed = Signal(object)  # WeightSnapshot
    resume_requested = Signal(object)  # WeightSnapshot
    present_requested = Signal()

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self._timeline: Any = None
        self._scrub_epoch: int | None = None  # the snapshot shown while scrubbing
        self._seen_revision = -1
        self._guard = False

        self.title = QtWidgets.QLabel("Timeline")
        set_label_font(self.title, 9.0, bold=True, color_=TEXT_COLOR)
        self.title.setToolTip("Weights are kept at every epoch (fewer and fewer, evenly "
                              "spread, as the run grows). Drag to look back.")
        self.start_label = QtWidgets.QLabel("")
        set_label_font(self.start_label, 8.0, color_=MUTED_TEXT)
        self.slider = QtWidgets.QSlider(Qt.Orientation.Horizontal)
        self.slider.setMinimumWidth(160)
        self.slider.setTickPosition(QtWidgets.QSlider.TickPosition.NoTicks)
        self.slider.setPageStep(1)
        self.slider.setToolTip("Drag left to see the network at an earlier epoch; the "
                               "right end is now.")
        self.slider.valueChanged.connect(self._on_slider)
        self.end_label = QtWidgets.QLabel("now")
        set_label_font(self.end_label, 8.0, color_=MUTED_TEXT)
        self.status = QtWidgets.QLabel("")
        set_label_font(self.status, 8.5, color_=TEXT_COLOR)
        # a fixed size: the text changes every epoch, and a label whose size may change
        # asks the whole window to lay out again each time
        longest = "Viewing epoch 888,888 · train loss 8.88e-05"
        self.status.setFixedSize(self.status.fontMetrics().horizontalAdvance(longest) + 12,
                                 self.status.sizeHint().height())
        self.resume_button = QtWidgets.QPushButton("Resume from here")
        self.resume_button.setToolTip("Make this moment the present: training continues "
                                      "from these weights and the later snapshots are "
                                      "dropped.")
        self.resume_button.clicked.connect(self._on_resume)
        self.present_button = QtWidgets.QPushButton("Back to the present")
        self.present_button.setToolTip("Show the network as it is now.")
        self.present_button.clicked.connect(self._on_present)

        layout = QtWidgets.QHBoxLayout(self)
        layout.setContentsMargins(8, 3, 8, 3)
        layout.setSpacing(6)
        layout.addWidget(self.title)
        layout.addSpacing(4)
        layout.addWidget(self.start_label)
        layout.addWidget(self.slider, 1)
        layout.addWidget(self.end_label)
        layout.addSpacing(6)
        layout.addWidget(self.status)
        layout.addWidget(self.resume_button)
        layout.addWidget(self.present_button)
        self.setSizePolicy(QtWidgets.QSizePolicy.Policy.Preferred,
                           QtWidgets.QSizePolicy.Policy.Fixed)

        self._poll = QtCore.QTimer(self)
        self._poll.setInterval(250)
        self._poll.timeout.connect(self._poll_timeline)
        self._poll.start()
        self.refresh()

    # --- API -----------------------------------------------------------------------------
    def set_timeline(self, timeline: Any) -> None:
        """Follow ``timeline`` (an engine.timeline.WeightTimeline); starts at "now"."""
        self._timeline = timeline
        self._scrub_epoch = None
        self._seen_revision = -1
        self.refresh()

    @property
    def is_scrubbing(self) -> bool:
        """True while an earlier moment is shown (not the live network)."""
        return self._scrub_epoch is not None

    def current_snapshot(self) -> Any:
        """The snapshot shown while scrubbing (None at "now")."""
        if self._scrub_epoch is None or self._timeline is None or not len(self._timeline):
            return None
        return self._timeline.nearest(self._scrub_epoch)

    def show_present(self) -> None:
        """Back to "now" without emitting a signal (e.g. after a reset or a resume)."""
        self._scrub_epoch = None
        self.refresh()  # nothing was scrubbed any more: refresh emits nothing

    def scrub_to(self, index: int) -> None:
        """Move to snapshot ``index`` (len(timeline) = now), as if the user dragged there."""
        self.slider.setValue(index)

    def refresh(self) -> None:
        """Re-read the timeline: slider range, labels and buttons. A scrubbed moment stays
        selected (the nearest kept snapshot, if it was thinned away)."""
        timeline = self._timeline
        n = len(timeline) if timeline is not None else 0
        self._seen_revision = getattr(timeline, "revision", -1) if timeline is not None else -1
        before = self._scrub_epoch
        self._guard = True
        try:
            self.slider.setEnabled(n > 0)
            self.slider.setRange(0, n)
            if self._scrub_epoch is None or n == 0:
                self._scrub_epoch = None
                self.slider.setValue(n)
            else:
                index = timeline.index_of(self._scrub_epoch)
                self._scrub_epoch = timeline[index].epoch
                self.slider.setValue(index)
        finally:
            self._guard = False
        self._update_labels()
        if before is not None and self._scrub_epoch is None:
            self.present_requested.emit()  # the timeline was cleared under us
        elif before is not None and self._scrub_epoch != before:
            self.scrubbed.emit(self.current_snapshot())  # thinned away: show the nearest

    # --- internals -----------------------------------------------------------------------
    def _update_labels(self) -> None:
        timeline = self._timeline
        n = len(timeline) if timeline is not None else 0
        if n == 0:
            _set_text(self.start_label, "")
            _set_text(self.end_label, "")
            self._set_status_style(f"color: {MUTED_TEXT};")
            _set_text(self.status, "Snapshots appear at every epoch")
        else:
            _set_text(self.start_label, f"epoch {timeline[0].epoch}")
            _set_text(self.end_label, "now")
            snap = self.current_snapshot()
            if snap is None:
                self._set_status_style(f"color: {TEXT_COLOR};")
                _set_text(self.status, f"Now · latest snapshot: epoch {timeline[n - 1].epoch}")
                tip = f"{n} snapshot{'s' if n != 1 else ''} kept"
                if self.status.toolTip() != tip:
                    self.status.setToolTip(tip)
            else:
                self._set_status_style(_SCRUB_STYLE)
                _set_text(self.status, f"Viewing {snap.label()}")
        scrubbing = self.is_scrubbing  # the buttons only make sense while looking back
        if self.present_button.isVisibleTo(self) != scrubbing:
            self.present_button.setVisible(scrubbing)
            self.resume_button.setVisible(scrubbing)

    def _set_status_style(self, sheet: str) -> None:
        """(A style sheet is re-applied only when it changes: applying one is slow, and the
        labels change at every epoch while training.)"""
        if self.status.styleSheet() != sheet:
            self.status.setStyleSheet(sheet)

    def _on_slider(self, value: int) -> None:
        if self._guard or self._timeline is None:
            return
        n = len(self._timeline)
        if value >= n:
            was = self._scrub_epoch is not None
            self._scrub_epoch = None
            self._update_labels()
            if was:
                self.present_requested.emit()
            return
        snap = self._timeline[value]
        self._scrub_epoch = snap.epoch
        self._update_labels()
        self.scrubbed.emit(snap)

    def _on_present(self) -> None:
        self._scrub_epoch = None
        self.refresh()
        self.present_requested.emit()

    def _on_resume(self) -> None:
        snap = self.current_snapshot()
        if snap is None:
            return
        self._scrub_epoch = None
        self.refresh()
        self.resume_requested.emit(snap)

    def _poll_timeline(self) -> None:
        timeline = self._timeline
        if timeline is not None and self.isVisible() \
                and getattr(timeline, "revision", -1) != self._seen_revision:
            self.refresh()


def _set_text(label: QtWidgets.QLabel, text: str) -> None:
    if label.text() != text:
        label.setText(text)


__all__ = ["TimelineBar"]
