"""The lesson panel: a lesson's text, its task with a live status, language and navigation.

``LessonPanel.set_lesson(lesson_or_id)`` shows a lesson from ``resources/lessons`` and asks
the main window, through signals, to open the lesson's experiment (``open_experiment``)
and to lock the controls it names (``lock_controls``). While the network trains the
window passes the run's per-epoch history to :meth:`LessonPanel.update_progress`; the task
turns ✓ when :func:`nnstudio.engine.lessons.check_task` passes. Lessons with translations
get a language switch. :func:`lesson_list` lists the lessons for a Lessons menu.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from typing import Any

from PySide6.QtCore import Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QComboBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QTextBrowser,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from nnstudio.engine.errors import NNStudioError
from nnstudio.engine.lessons import (
    Lesson,
    TaskProgress,
    load_lessons,
    markdown_lite_html,
    next_lesson,
)
from nnstudio.gui import qtfix, style

assert qtfix  # guards against PySide6 6.12's refcount bug on void calls

LANGUAGE_NAMES = {"en": "English", "ko": "한국어", "de": "Deutsch", "fr": "Français",
                  "es": "Español", "ja": "日本語", "zh": "中文"}

#: what the panel's own labels say, per language (English for others)
_UI: dict[str, dict[str, str]] = {
    "en": {"lesson": "Lesson {n} of {total}", "task": "Task", "next": "Next lesson →",
           "restart": "Restart", "restart_tip": "Open the lesson's experiment again",
           "locked": "Locked by the lesson: {names}", "mark": "Mark as done",
           "done": "✓ Done", "close": "Close the lesson (unlocks the controls)",
           "language": "Language of the lesson"},
    "ko": {"lesson": "{total}개 중 {n}번째 강의", "task": "과제", "next": "다음 강의 →",
           "restart": "다시 시작", "restart_tip": "강의의 실험을 다시 엽니다",
           "locked": "이 강의에서 잠긴 설정: {names}", "mark": "완료로 표시",
           "done": "✓ 완료", "close": "강의 닫기 (설정 잠금 해제)",
           "language": "강의 언어"},
}

_CONTROL_NAMES: dict[str, dict[str, str]] = {
    "en": {"dataset": "data set", "features": "features", "hidden_layers": "hidden layers",
           "activation": "activation", "output": "output layer", "loss": "loss",
           "init": "initializer", "optimizer": "optimizer", "learning_rate": "learning rate",
           "batch_size": "batch size", "regularization": "regularization",
           "epochs": "epochs"},
    "ko": {"dataset": "데이터", "features": "입력 특성", "hidden_layers": "은닉층",
           "activation": "활성화 함수", "output": "출력층", "loss": "손실 함수",
           "init": "초기화", "optimizer": "옵티마이저", "learning_rate": "학습률",
           "batch_size": "배치 크기", "regularization": "정규화", "epochs": "epoch 수"},
}


def lesson_list(errors: list[str] | None = None) -> list[Lesson]:
    """The bundled lessons in menu order (``lesson.id``, ``.title``, ``.summary``,
    ``.languages``). Invalid files are skipped and reported in ``errors`` if given."""
    problems: list[str] = [] if errors is None else errors
    return load_lessons(errors=problems)


def _ui(language: str, key: str, **values: Any) -> str:
    return _UI.get(language, _UI["en"]).get(key, _UI["en"][key]).format(**values)


class LessonPanel(QWidget):
    """Shows one lesson (see the module docs).

    API for the main window:
        set_lesson(lesson_or_id, language=None)  # emits open_experiment + lock_controls
        update_progress(history_rows, grad_means=None)   # per-epoch rows of the run
        current_lesson() -> Lesson | None (in the shown language); language() -> str
        set_language(code); next_lesson(); restart(); close_lesson()
    Signals:
        open_experiment(object)   # an engine Experiment to load (replaces the current one)
        lock_controls(list)       # names from lessons.LOCKABLE; [] = unlock everything
        lesson_changed(str)       # lesson id ("" when closed)
        task_completed(str)       # lesson id, once per lesson
        closed()
    """

    open_experiment = Signal(object)
    lock_controls = Signal(list)
    lesson_changed = Signal(str)
    task_completed = Signal(str)
    closed = Signal()

    def __init__(self, parent: QWidget | None = None,
                 lessons: Sequence[Lesson] | None = None) -> None:
        super().__init__(parent)
        self._errors: list[str] = []
        self._lessons = list(lessons) if lessons is not None else lesson_list(self._errors)
        self._base: Lesson | None = None
        self._language = "en"
        self._progress: TaskProgress | None = None
        self._rows: list[Mapping[str, Any]] = []
        self._grads: Sequence[float] | None = None
        self._completed = False
        self._error = ""

        self.counter = QLabel()
        self.counter.setObjectName("muted")
        self.language_combo = QComboBox()
        self.language_combo.currentIndexChanged.connect(self._language_chosen)
        self.close_button = QToolButton()
        self.close_button.setText("✕")
        self.close_button.setAutoRaise(True)
        self.close_button.clicked.connect(self.close_lesson)
        top = QHBoxLayout()
        top.setSpacing(6)
        top.addWidget(self.counter)
        top.addStretch(1)
        top.addWidget(self.language_combo)
        top.addWidget(self.close_button)

        self.title = QLabel()
        self.title.setWordWrap(True)
        self.title.setStyleSheet("font-size: 15pt; font-weight: 600;")

        self.text = QTextBrowser()
        self.text.setOpenLinks(False)
        self.text.anchorClicked.connect(self._anchor_clicked)
        self.text.setFrameShape(QFrame.Shape.NoFrame)
        self.text.document().setDocumentMargin(2)
        self.text.document().setDefaultStyleSheet(
            f"h3 {{ font-size: 11.5pt; margin-top: 10px; margin-bottom: 2px; "
            f"color: {style.TEXT}; }} "
            f"p {{ margin-top: 3px; margin-bottom: 5px; }} "
            f"p.summary {{ color: {style.MUTED}; font-style: italic; }} "
            f"p.formula {{ margin-top: 4px; margin-bottom: 6px; font-size: 11pt; }} "
            f"li {{ margin-bottom: 3px; }} "
            f"code {{ background: #eef1f5; }}")

        self.task_box = QFrame()
        self.task_box.setObjectName("card")
        self.task_box.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
        tv = QVBoxLayout(self.task_box)
        tv.setContentsMargins(10, 8, 10, 8)
        tv.setSpacing(5)
        self.task_title = QLabel()
        self.task_title.setObjectName("cardTitle")
        self.task_text = QLabel()
        self.task_text.setWordWrap(True)
        self.task_text.setTextFormat(Qt.TextFormat.RichText)
        self.task_text.setSizePolicy(QSizePolicy.Policy.Preferred,
                                     QSizePolicy.Policy.Minimum)
        self.steps_box = QVBoxLayout()
        self.steps_box.setSpacing(3)
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.setTextFormat(Qt.TextFormat.RichText)
        self.mark_button = QPushButton()
        self.mark_button.clicked.connect(self._mark_done)
        tv.addWidget(self.task_title)
        tv.addWidget(self.task_text)
        tv.addLayout(self.steps_box)
        tv.addWidget(self.status)
        tv.addWidget(self.mark_button, 0, Qt.AlignmentFlag.AlignLeft)

        self.locked_label = QLabel()
        self.locked_label.setObjectName("muted")
        self.locked_label.setWordWrap(True)
        self.restart_button = QPushButton()
        self.restart_button.clicked.connect(self.restart)
        self.next_button = QPushButton()
        self.next_button.clicked.connect(self.next_lesson)
        bottom = QHBoxLayout()
        bottom.addWidget(self.restart_button)
        bottom.addStretch(1)
        bottom.addWidget(self.next_button)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 8, 10, 10)
        layout.setSpacing(6)
        layout.addLayout(top)
        layout.addWidget(self.title)
        layout.addWidget(self.text, 1)
        layout.addWidget(self.task_box)
        layout.addWidget(self.locked_label)
        layout.addLayout(bottom)
        self._render()

    # --- public API -----------------------------------------------------------------------
    @property
    def lessons(self) -> list[Lesson]:
        return list(self._lessons)

    @property
    def load_errors(self) -> list[str]:
        """Messages about lesson files that could not be read (those lessons are left out)."""
        return list(self._errors)

    def current_lesson(self) -> Lesson | None:
        """The open lesson in the shown language."""
        return None if self._base is None else self._base.in_language(self._language)

    def language(self) -> str:
        return self._language

    def progress(self) -> TaskProgress | None:
        return self._progress

    def set_lesson(self, lesson: Lesson | str, language: str | None = None) -> None:
        """Open a lesson (or its id): show it, lock its controls, open its experiment."""
        if isinstance(lesson, str):
            found = next((item for item in self._lessons if item.id == lesson), None)
            if found is None:
                known = ", ".join(item.id for item in self._lessons)
                raise NNStudioError(f"there is no lesson {lesson!r} (known: {known})")
            lesson = found
        self._base = lesson
        wanted = language or self._language
        self._language = wanted if wanted in lesson.languages else lesson.language
        self._progress = TaskProgress(lesson.in_language(self._language))
        self._rows, self._grads, self._completed = [], None, False
        self._fill_languages()
        self.lesson_changed.emit(lesson.id)
        self.lock_controls.emit(list(lesson.locked))
        self._open_experiment()

    def restart(self) -> None:
        """Open the lesson's experiment again (progress of finished steps is kept)."""
        if self._base is not None:
            self._rows, self._grads = [], None
            self._open_experiment()

    def next_lesson(self) -> None:
        if self._base is None:
            return
        following = next_lesson(self._base, self._lessons)
        if following is not None:
            self.set_lesson(following, self._language)

    def close_lesson(self) -> None:
        """Leave the lesson: unlock every control."""
        if self._base is None:
            return
        self._base, self._progress = None, None
        self._render()
        self.lock_controls.emit([])
        self.lesson_changed.emit("")
        self.closed.emit()

    def set_language(self, language: str) -> None:
        if self._base is None or language not in self._base.languages:
            return
        self._language = language
        index = self.language_combo.findData(language)
        if index >= 0 and index != self.language_combo.currentIndex():
            self.language_combo.setCurrentIndex(index)
            return  # _language_chosen re-renders
        if self._progress is not None:
            self._progress.set_language(self._base.in_language(language))
            self._progress.update(self._rows, self._grads)
        self._render()

    def update_progress(self, history_rows: Sequence[Mapping[str, Any]],
                        grad_means: Sequence[float] | None = None) -> None:
        """Check the task against the current run (all per-epoch rows so far, oldest
        first; ``grad_means``: the latest mean |∂J/∂W| per layer, optional)."""
        if self._progress is None:
            return
        self._rows = list(history_rows)
        self._grads = None if grad_means is None else [float(g) for g in grad_means]
        done, _msg = self._progress.update(self._rows, self._grads)
        self._after_update(done)

    # --- internals -------------------------------------------------------------------------
    def _open_experiment(self) -> None:
        assert self._base is not None
        self._error = ""
        try:
            experiment = self._base.load_experiment()
        except NNStudioError as exc:
            self._error = str(exc)
            self._render()
            return
        self._render()
        self.open_experiment.emit(experiment)

    def _anchor_clicked(self, url: QUrl) -> None:
        if url.scheme() == "lesson":
            self.set_lesson(url.path(), self._language)
        elif url.scheme() in ("http", "https"):
            QDesktopServices.openUrl(url)

    def _after_update(self, done: bool) -> None:
        self._render_task()
        if done and not self._completed and self._base is not None:
            self._completed = True
            self.task_completed.emit(self._base.id)

    def _mark_done(self) -> None:
        if self._progress is None:
            return
        done, _msg = self._progress.update(self._rows, self._grads, manual_done=True)
        self._after_update(done)

    def _fill_languages(self) -> None:
        combo = self.language_combo
        combo.blockSignals(True)
        combo.clear()
        if self._base is not None:
            for code in self._base.languages:
                combo.addItem(LANGUAGE_NAMES.get(code, code), code)
            combo.setCurrentIndex(max(combo.findData(self._language), 0))
        combo.blockSignals(False)
        combo.setVisible(combo.count() > 1)

    def _language_chosen(self, index: int) -> None:
        code = self.language_combo.itemData(index)
        if code and self._base is not None:
            self._language = code
            if self._progress is not None:
                self._progress.set_language(self._base.in_language(code))
                self._progress.update(self._rows, self._grads)
            self._render()

    def _render(self) -> None:
        lesson = self.current_lesson()
        lang = self._language
        self.close_button.setToolTip(_ui(lang, "close"))
        self.language_combo.setToolTip(_ui(lang, "language"))
        self.restart_button.setText(_ui(lang, "restart"))
        self.restart_button.setToolTip(_ui(lang, "restart_tip"))
        self.next_button.setText(_ui(lang, "next"))
        self.task_title.setText(_ui(lang, "task"))
        if lesson is None:
            self.counter.setText("")
            self.title.setText("Lessons")
            items = "".join(f"<li><a href='lesson:{item.id}'><b>{html.escape(item.title)}</b>"
                            f"</a> — {html.escape(item.summary)}</li>"
                            for item in self._lessons)
            self.text.setHtml("<p>Choose a lesson here or from the <b>Lessons</b> menu. Each "
                              "one opens an experiment, explains it and sets a task that is "
                              f"checked while the network trains.</p><ol>{items}</ol>")
            self.task_box.hide()
            self.locked_label.hide()
            for widget in (self.restart_button, self.next_button, self.close_button):
                widget.hide()
            self.language_combo.hide()
            return
        ids = [item.id for item in self._lessons]
        n = ids.index(lesson.id) + 1 if lesson.id in ids else 1
        self.counter.setText(_ui(lang, "lesson", n=n, total=max(len(ids), n)))
        self.title.setText(lesson.title)
        parts = []
        if lesson.summary:
            parts.append(f"<p class='summary'>{html.escape(lesson.summary)}</p>")
        for section in lesson.sections:
            if section.heading:
                parts.append(f"<h3>{html.escape(section.heading)}</h3>")
            parts.append(markdown_lite_html(section.text))
        scroll = self.text.verticalScrollBar().value()
        self.text.setHtml("\n".join(parts))
        self.text.verticalScrollBar().setValue(scroll)
        self.task_box.show()
        if lesson.locked:
            table = _CONTROL_NAMES.get(lang, _CONTROL_NAMES["en"])
            names = ", ".join(table.get(name, name) for name in lesson.locked)
            self.locked_label.setText(_ui(lang, "locked", names=names))
            self.locked_label.show()
        else:
            self.locked_label.hide()
        for widget in (self.restart_button, self.next_button, self.close_button):
            widget.show()
        following = next_lesson(self._base, self._lessons) if self._base else None
        self.next_button.setEnabled(following is not None)
        self.next_button.setToolTip(following.in_language(lang).title if following else "")
        self._render_task()

    def _render_task(self) -> None:
        lesson = self.current_lesson()
        progress = self._progress
        if lesson is None or progress is None:
            return
        lang = self._language
        intro = markdown_lite_html(lesson.task_text) if lesson.task_text.strip() else ""
        if len(lesson.steps) == 1:
            intro += markdown_lite_html(lesson.steps[0].text)
            marks: list[tuple[str, str, str]] = []
        else:
            marks = []
            for k, step in enumerate(lesson.steps):
                if k < progress.step:
                    mark, color = "✓", style.SUCCESS
                elif k == progress.step:
                    mark, color = "▶", style.ACCENT
                else:
                    mark, color = "○", style.MUTED
                marks.append((mark, color, markdown_lite_html(step.text)))
        self.task_text.setText(intro)
        self.task_text.setVisible(bool(intro))
        self._fill_steps(marks)
        if self._error:
            self.status.setText(f"<span style='color:{style.ERROR_BORDER}'>"
                                f"{html.escape(self._error)}</span>")
        elif progress.done:
            self.status.setText(f"<span style='color:{style.SUCCESS}; font-weight:600'>✓ "
                                f"{html.escape(progress.message)}</span>")
        else:
            self.status.setText(f"<span style='color:{style.MUTED}'>"
                                f"{html.escape(progress.message)}</span>")
        manual = progress.needs_manual
        self.mark_button.setVisible(manual or (progress.done and self._is_manual_task()))
        self.mark_button.setEnabled(manual)
        self.mark_button.setText(_ui(lang, "mark") if manual else _ui(lang, "done"))

    def _fill_steps(self, marks: list[tuple[str, str, str]]) -> None:
        """One row per step: a mark (✓ done, ▶ current, ○ later) and the step's text."""
        while self.steps_box.count():
            item = self.steps_box.takeAt(0)
            row = item.layout()
            if row is not None:
                while row.count():
                    widget = row.takeAt(0).widget()
                    if widget is not None:
                        widget.hide()
                        widget.setParent(None)
                        widget.deleteLater()
                row.deleteLater()
        for mark, color, text in marks:
            row = QHBoxLayout()
            row.setSpacing(6)
            badge = QLabel(mark)
            badge.setStyleSheet(f"color: {color}; font-weight: 700;")
            badge.setFixedWidth(14)
            badge.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignHCenter)
            label = QLabel(text)
            label.setWordWrap(True)
            label.setTextFormat(Qt.TextFormat.RichText)
            if mark == "○":
                label.setStyleSheet(f"color: {style.MUTED};")
            row.addWidget(badge, 0, Qt.AlignmentFlag.AlignTop)
            row.addWidget(label, 1)
            self.steps_box.addLayout(row)
        self.steps_box.invalidate()
        self.task_box.layout().activate()
        self.task_box.updateGeometry()

    def _is_manual_task(self) -> bool:
        lesson = self.current_lesson()
        return lesson is not None and any(s.check["type"] == "manual" for s in lesson.steps)
