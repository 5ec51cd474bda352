"""Light and dark themes: apply the chosen theme (or the system's) to the whole application.

The dark theme darkens the application's chrome (window, panels, tool bar, menus, dialogs);
the light colors in panels' own style sheets are swapped for dark ones. Figures (every plot
canvas with its title row, the network view) stay on light "paper", as printed figures do:
their colors were chosen for a white background (class and weight colors, heatmaps faded
towards white) and they export as light images. Each figure gets the light palette and the
light style sheet, so everything drawn inside it, also later on, looks as in the light theme.
Warning and lesson callouts keep their light tints with dark text.
"""

from __future__ import annotations

import re

import shiboken6
from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication, QGraphicsView, QWidget

from nnstudio.gui import style

PAPER_PROPERTY = "nnstudio_paper"
#: the figure itself is drawn on white
PAPER_RULE = f"\n*[{PAPER_PROPERTY}=\"true\"] {{ background: {style.PANEL_BG}; }}\n"
_ORIGINAL_SHEET = "nnstudio_paper_sheet"
_STYLED = "nnstudio_paper_styled"
_filter: _DarkFilter | None = None
_touched: list[QWidget] = []  # widgets made paper or given dark colors (undone for light)
_follows_system = False


def system_theme() -> str:
    """"dark" if the desktop asks for a dark color scheme, else "light"."""
    hints = QGuiApplication.styleHints()
    scheme = getattr(hints, "colorScheme", None)
    if scheme is not None and scheme() == Qt.ColorScheme.Dark:
        return "dark"
    return "light"


def resolve(name: str) -> str:
    """The theme to draw for a setting: "system" becomes "light" or "dark"."""
    if name == "system":
        return system_theme()
    if name not in style.THEME_COLORS:
        raise ValueError(f"unknown theme {name!r} (known: system, light, dark)")
    return name


def apply_theme(name: str, app: QApplication | None = None) -> str:
    """Apply the theme ``name`` ("system", "light" or "dark") to every window; returns the
    theme drawn ("light" or "dark"). With "system", later changes of the desktop's color
    scheme are followed."""
    global _follows_system
    app = app or QApplication.instance()
    if app is None:
        raise RuntimeError("apply_theme needs a QApplication")
    resolved = resolve(name)
    _follows_system = name == "system"
    _watch_system(app)
    if resolved == style.current_theme() and app.property("nnstudio_theme") is not None:
        _set_paper_mode(app, resolved == "dark")  # also covers figures created since
        return resolved
    style.apply_style(app, resolved)
    _set_paper_mode(app, resolved == "dark")
    return resolved


def _watch_system(app: QApplication) -> None:
    if app.property("nnstudio_theme_watch"):
        return
    hints = QGuiApplication.styleHints()
    signal = getattr(hints, "colorSchemeChanged", None)
    if signal is not None:
        signal.connect(_on_system_scheme)
        app.setProperty("nnstudio_theme_watch", True)


def _on_system_scheme(*_: object) -> None:
    if _follows_system and QApplication.instance() is not None:
        apply_theme("system")


# --- light paper for figures, dark colors for the panels' own style sheets ----------------------

#: light colors in widgets' own style sheets and what they become in the dark theme
DARK_TOKENS = {
    style.TEXT: style.DARK_COLORS["text"],
    style.MUTED: style.DARK_COLORS["muted"],
    style.BORDER: style.DARK_COLORS["border"],
    style.PANEL_BG: style.DARK_COLORS["panel"],
    "white": style.DARK_COLORS["panel"],
    style.WINDOW_BG: style.DARK_COLORS["window"],
    style.ACCENT: style.DARK_COLORS["accent"],
    "#eef1f5": style.DARK_COLORS["hover"],
    "#e3e8f0": style.DARK_COLORS["pressed"],
    "#e8f0fe": style.DARK_COLORS["selected"],
    "#f1f3f4": style.DARK_COLORS["alternate"],
    "#a0a4aa": style.DARK_COLORS["disabled_text"],
    style.ERROR_BG: "#3d2624",
    style.WARNING_BG: "#3b3122",
}
_TOKEN_RE = re.compile("|".join(re.escape(t) for t in sorted(DARK_TOKENS, key=len, reverse=True))
                       + r"(?![\w-])", re.IGNORECASE)
_LOWER_TOKENS = {k.lower(): v for k, v in DARK_TOKENS.items()}
_MAPPED = "nnstudio_light_sheet"
#: widgets that stay light callouts in the dark theme (their text is drawn dark)
CALLOUTS = ("banner", "lessonCard")
#: windows drawn with light colors throughout (by class name): they stay light, as paper
LIGHT_ONLY = ("ExerciseWindow",)


def dark_sheet(sheet: str) -> str:
    """A widget's own (light) style sheet with its light colors swapped for dark ones."""
    return _TOKEN_RE.sub(lambda m: _LOWER_TOKENS[m.group(0).lower()], sheet)


def _in_paper_or_callout(widget: QWidget) -> bool:
    w: QWidget | None = widget
    while w is not None:
        if w.property(PAPER_PROPERTY) or w.objectName() in CALLOUTS:
            return True
        w = w.parentWidget()
    return False


def darken_sheet(widget: QWidget) -> None:
    """Give a panel widget's own style sheet the dark colors (figures and callouts excepted)."""
    sheet = widget.styleSheet()
    if not sheet or widget.property(_MAPPED) is not None or widget.property(PAPER_PROPERTY):
        return
    if _in_paper_or_callout(widget):
        return
    dark = dark_sheet(sheet)
    if dark != sheet:
        widget.setProperty(_MAPPED, sheet)
        widget.setStyleSheet(dark)
        _touched.append(widget)


def restore_sheet(widget: QWidget) -> None:
    original = widget.property(_MAPPED)
    if isinstance(original, str):
        widget.setProperty(_MAPPED, None)
        widget.setStyleSheet(original)


def _figure_of(view: QWidget) -> QWidget:
    """The figure a canvas belongs to: the widget holding it (with its title row)."""
    parent = view.parentWidget()
    return parent if parent is not None and not parent.isWindow() else view


def _all_widgets() -> list[QWidget]:
    """Every widget of every window (walked from the windows: ``QApplication.allWidgets``
    can hand out stale wrappers of deleted widgets)."""
    widgets: list[QWidget] = []
    for top in QApplication.topLevelWidgets():
        if shiboken6.isValid(top):
            widgets.append(top)
            widgets.extend(top.findChildren(QWidget))
    return widgets


def _figures(widgets: list[QWidget]) -> list[QWidget]:
    found: dict[int, QWidget] = {}
    for widget in widgets:
        if isinstance(widget, QGraphicsView):
            figure = _figure_of(widget)
            found[id(figure)] = figure
    return list(found.values())


def make_paper(widget: QWidget) -> None:
    """Draw ``widget`` and its children as in the light theme, on white (idempotent)."""
    if widget.property(PAPER_PROPERTY):
        return
    for child in [widget, *widget.findChildren(QWidget)]:
        restore_sheet(child)
    widget.setProperty(_ORIGINAL_SHEET, widget.styleSheet())
    widget.setProperty(_STYLED, widget.testAttribute(Qt.WidgetAttribute.WA_StyledBackground))
    widget.setProperty(PAPER_PROPERTY, True)
    _touched.append(widget)
    paper = style.palette("light")
    paper.setColor(QPalette.ColorRole.Window, QColor(style.PANEL_BG))
    widget.setPalette(paper)
    widget.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
    own = widget.styleSheet()
    widget.setStyleSheet(style.style_sheet("light") + PAPER_RULE + ("\n" + own if own else ""))


def unmake_paper(widget: QWidget) -> None:
    """Undo :func:`make_paper`."""
    if not widget.property(PAPER_PROPERTY):
        return
    widget.setProperty(PAPER_PROPERTY, False)
    original = widget.property(_ORIGINAL_SHEET)
    widget.setStyleSheet(original if isinstance(original, str) else "")
    widget.setAttribute(Qt.WidgetAttribute.WA_StyledBackground,
                        bool(widget.property(_STYLED)))
    widget.setPalette(QPalette())


class _DarkFilter(QObject):
    """While the dark theme is on, widgets created later follow it when first polished:
    canvases make their figure paper, panel widgets get dark style sheet colors."""

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        if event.type() == QEvent.Type.Polish and isinstance(obj, QWidget):
            if type(obj).__name__ in LIGHT_ONLY:
                make_paper(obj)
            elif isinstance(obj, QGraphicsView):
                make_paper(_figure_of(obj))
            elif obj.styleSheet():
                darken_sheet(obj)
        return False


def _set_paper_mode(app: QApplication, dark: bool) -> None:
    global _filter
    if dark:
        widgets = _all_widgets()
        for widget in widgets:
            if type(widget).__name__ in LIGHT_ONLY:
                make_paper(widget)
        for figure in _figures(widgets):
            make_paper(figure)
        for widget in widgets:
            darken_sheet(widget)
        if _filter is None:
            _filter = _DarkFilter()
            app.installEventFilter(_filter)
    else:
        if _filter is not None:
            app.removeEventFilter(_filter)
            _filter = None
        touched, _touched[:] = list(_touched), []
        for widget in touched:
            if shiboken6.isValid(widget):
                unmake_paper(widget)
                restore_sheet(widget)


__all__ = ["DARK_TOKENS", "apply_theme", "dark_sheet", "make_paper", "resolve",
           "system_theme", "unmake_paper"]
