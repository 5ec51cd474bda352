"""Colors, fonts, palettes and style sheets: a quiet light look for every panel, and a dark
variant of it (``style_sheet("dark")``, ``palette("dark")``; see :mod:`nnstudio.gui.theme`).

Class and weight colors follow TensorFlow Playground (orange for class 0 / negative
weights, blue for class 1 / positive weights) so that students who know it feel at home.
"""

from __future__ import annotations

from PySide6.QtGui import QColor, QFont, QPalette
from PySide6.QtWidgets import QApplication

# --- data and weight colors ---------------------------------------------------------------
CLASS_COLORS: list[str] = [
    "#f59322",  # class 0: orange
    "#0877bd",  # class 1: blue
    "#2ca02c",  # green
    "#9467bd",  # purple
    "#d62728",  # red
    "#8c564b",  # brown
    "#e377c2",  # pink
    "#7f7f7f",  # grey
    "#bcbd22",  # olive
    "#17becf",  # cyan
]
POSITIVE = "#0877bd"  # positive weights / high output
NEGATIVE = "#f59322"  # negative weights / low output
NEUTRAL = "#e8eaed"  # zero, background of heatmaps

# Layer depth: first layers dark violet, last layers warm yellow (viridis-like, readable
# on white). Gradient curves use it so "deep = dark, near the output = light" reads at once.
_DEPTH_STOPS = [
    (0.00, (68, 1, 84)),
    (0.25, (59, 82, 139)),
    (0.50, (33, 145, 140)),
    (0.75, (94, 201, 98)),
    (1.00, (223, 190, 30)),
]

# --- interface colors ---------------------------------------------------------------------
WINDOW_BG = "#f6f7f9"
PANEL_BG = "#ffffff"
BORDER = "#d9dce1"
TEXT = "#1f2328"
MUTED = "#5f6670"
ACCENT = "#1a73e8"
ACCENT_DARK = "#1559b3"
WARNING_BG = "#fff4e5"
WARNING_BORDER = "#f0a44b"
ERROR_BG = "#fdecea"
ERROR_BORDER = "#e06c60"
SUCCESS = "#1e8e3e"

TRAIN_COLOR = "#1a73e8"
TEST_COLOR = "#e8710a"
BATCH_COLOR = "#9aa0a6"


def class_color(index: int) -> str:
    """The color of class ``index`` (cycles after ten classes)."""
    return CLASS_COLORS[index % len(CLASS_COLORS)]


def depth_color(layer: int, n_layers: int) -> QColor:
    """The color of layer ``layer`` (0-based) of ``n_layers``: dark near the input, light near the output."""
    t = 0.0 if n_layers <= 1 else layer / (n_layers - 1)
    for (t0, c0), (t1, c1) in zip(_DEPTH_STOPS, _DEPTH_STOPS[1:]):
        if t <= t1:
            f = 0.0 if t1 == t0 else (t - t0) / (t1 - t0)
            return QColor(*(round(a + f * (b - a)) for a, b in zip(c0, c1)))
    return QColor(*_DEPTH_STOPS[-1][1])


def weight_color(value: float, max_abs: float = 1.0) -> QColor:
    """Blue for positive, orange for negative; opacity grows with |value| / max_abs."""
    color = QColor(POSITIVE if value >= 0 else NEGATIVE)
    strength = min(1.0, abs(value) / max_abs) if max_abs > 0 else 0.0
    color.setAlphaF(0.15 + 0.85 * strength)
    return color


def ui_font(point_delta: float = 0.0, bold: bool = False) -> QFont:
    """The application font, optionally larger/smaller and bold."""
    font = QFont(QApplication.font())
    if point_delta:
        font.setPointSizeF(max(6.0, font.pointSizeF() + point_delta))
    font.setBold(bold)
    return font


def mono_font() -> QFont:
    font = QFont("DejaVu Sans Mono")
    font.setStyleHint(QFont.StyleHint.Monospace)
    return font


#: interface colors per theme (the module constants above are the light theme's)
LIGHT_COLORS: dict[str, str] = {
    "window": WINDOW_BG, "panel": PANEL_BG, "border": BORDER, "text": TEXT, "muted": MUTED,
    "accent": ACCENT, "accent_dark": ACCENT_DARK, "accent_text": "#ffffff",
    "hover": "#eef1f5", "pressed": "#e3e8f0", "selected": "#e8f0fe",
    "alternate": "#f1f3f4", "disabled_text": "#a0a4aa", "disabled_bg": "#f1f3f4",
    "disabled_border": "#e3e5e8", "arrow": "#5f6670", "play_checked": "#5f6368",
    "callout_text": TEXT, "check_border": "#9aa0a6",
}
DARK_COLORS: dict[str, str] = {
    "window": "#1d1f23", "panel": "#26292e", "border": "#3b4048", "text": "#e4e7eb",
    "muted": "#a3aab4", "accent": "#5a9cf8", "accent_dark": "#3f86ee", "accent_text": "#0d1117",
    "hover": "#31353b", "pressed": "#3a3f46", "selected": "#2b3a52",
    "alternate": "#2b2e33", "disabled_text": "#6c727b", "disabled_bg": "#2a2d32",
    "disabled_border": "#33373d", "arrow": "#b9bfc8", "play_checked": "#6b7078",
    "callout_text": TEXT,  # the warning/lesson callouts keep their light tints
    "check_border": "#6c727b",
}
THEME_COLORS = {"light": LIGHT_COLORS, "dark": DARK_COLORS}


def theme_colors(theme: str = "light") -> dict[str, str]:
    """The interface colors of ``theme`` ("light" or "dark")."""
    try:
        return THEME_COLORS[theme]
    except KeyError:
        raise ValueError(f"unknown theme {theme!r} (known: light, dark)") from None


def _icon(name: str) -> str:
    """A style sheet ``image`` value for a bundled interface icon (resources/icons/ui)."""
    from nnstudio.paths import resource

    try:
        path = resource("icons", "ui", name)
    except FileNotFoundError:
        return "none"
    return f'url("{path.as_posix()}")' if path.is_file() else "none"


def _arrow(direction: str, theme: str, disabled: bool = False) -> str:
    """The ``image`` of a spin box or combo box arrow."""
    return _icon(f"arrow-{direction}-{theme}{'-disabled' if disabled else ''}.svg")


def style_sheet(theme: str = "light") -> str:
    """The application style sheet for ``theme`` ("light" or "dark")."""
    c = theme_colors(theme)
    return f"""
QMainWindow, QDialog {{ background: {c['window']}; }}
QWidget {{ color: {c['text']}; }}
QToolTip {{
    background: {c['panel']}; color: {c['text']}; border: 1px solid {c['border']}; padding: 4px;
}}
QDockWidget {{ font-weight: 600; }}
QDockWidget::title {{
    background: {c['window']}; padding: 6px 8px; border-bottom: 1px solid {c['border']};
    text-align: left;
}}
QToolBar {{
    background: {c['panel']}; border: none; border-bottom: 1px solid {c['border']};
    spacing: 3px; padding: 4px 6px;
}}
QToolBar QLabel {{ color: {c['muted']}; }}
QToolButton {{
    border: 1px solid transparent; border-radius: 6px; padding: 4px 7px;
}}
QToolButton:hover {{ background: {c['hover']}; border-color: {c['border']}; }}
QToolButton:pressed, QToolButton:checked {{ background: {c['pressed']}; }}
QToolButton:disabled {{ color: {c['disabled_text']}; }}
QToolButton#playButton {{
    background: {c['accent']}; color: {c['accent_text']}; font-weight: 600;
    border-radius: 14px; padding: 4px 10px;
}}
QToolButton#playButton:hover {{ background: {c['accent_dark']}; }}
QToolButton#playButton:checked {{ background: {c['play_checked']}; color: #ffffff; }}
QPushButton {{
    background: {c['panel']}; border: 1px solid {c['border']}; border-radius: 6px;
    padding: 4px 12px;
}}
QPushButton:hover {{ background: {c['hover']}; }}
QPushButton:pressed, QPushButton:checked {{ background: {c['pressed']}; }}
QPushButton:default {{ border-color: {c['accent']}; }}
QPushButton:disabled {{
    color: {c['disabled_text']}; background: {c['disabled_bg']};
    border-color: {c['disabled_border']};
}}
QComboBox, QSpinBox, QDoubleSpinBox, QLineEdit {{
    background: {c['panel']}; border: 1px solid {c['border']}; border-radius: 5px;
    padding: 2px 6px; min-height: 20px;
}}
QComboBox:focus, QSpinBox:focus, QDoubleSpinBox:focus, QLineEdit:focus {{
    border-color: {c['accent']};
}}
QComboBox:disabled, QSpinBox:disabled, QDoubleSpinBox:disabled, QLineEdit:disabled {{
    color: {c['disabled_text']}; background: {c['disabled_bg']};
}}
QSpinBox::up-button, QDoubleSpinBox::up-button {{
    subcontrol-origin: border; subcontrol-position: top right; width: 16px;
    border-left: 1px solid {c['border']}; border-top-right-radius: 5px;
}}
QSpinBox::down-button, QDoubleSpinBox::down-button {{
    subcontrol-origin: border; subcontrol-position: bottom right; width: 16px;
    border-left: 1px solid {c['border']}; border-bottom-right-radius: 5px;
}}
QSpinBox::up-button:hover, QDoubleSpinBox::up-button:hover,
QSpinBox::down-button:hover, QDoubleSpinBox::down-button:hover {{ background: {c['hover']}; }}
QSpinBox::up-arrow, QDoubleSpinBox::up-arrow {{
    image: {_arrow("up", theme)}; width: 9px; height: 6px;
}}
QSpinBox::down-arrow, QDoubleSpinBox::down-arrow {{
    image: {_arrow("down", theme)}; width: 9px; height: 6px;
}}
QSpinBox::up-arrow:disabled, QDoubleSpinBox::up-arrow:disabled,
QSpinBox::up-arrow:off, QDoubleSpinBox::up-arrow:off {{
    image: {_arrow("up", theme, disabled=True)};
}}
QSpinBox::down-arrow:disabled, QDoubleSpinBox::down-arrow:disabled,
QSpinBox::down-arrow:off, QDoubleSpinBox::down-arrow:off {{
    image: {_arrow("down", theme, disabled=True)};
}}
QComboBox::drop-down {{
    subcontrol-origin: border; subcontrol-position: top right; width: 18px;
    border-left: 1px solid {c['border']}; border-top-right-radius: 5px;
    border-bottom-right-radius: 5px;
}}
QComboBox::drop-down:hover {{ background: {c['hover']}; }}
QComboBox::down-arrow {{ image: {_arrow("down", theme)}; width: 9px; height: 6px; }}
QComboBox::down-arrow:disabled {{ image: {_arrow("down", theme, disabled=True)}; }}
QComboBox QAbstractItemView {{
    background: {c['panel']}; border: 1px solid {c['border']};
    selection-background-color: {c['selected']}; selection-color: {c['text']};
}}
QCheckBox {{ spacing: 6px; }}
QCheckBox::indicator {{
    width: 13px; height: 13px; border: 1px solid {c['check_border']}; border-radius: 3px;
    background: {c['panel']};
}}
QCheckBox::indicator:hover {{ border-color: {c['accent']}; }}
QCheckBox::indicator:checked {{
    background: {c['accent']}; border-color: {c['accent']}; image: {_icon("check.svg")};
}}
QCheckBox::indicator:disabled {{
    background: {c['disabled_bg']}; border-color: {c['disabled_border']};
}}
QCheckBox::indicator:checked:disabled {{ background: {c['disabled_text']}; }}
QCheckBox:disabled, QLabel:disabled {{ color: {c['disabled_text']}; }}
QAbstractItemView {{
    background: {c['panel']}; color: {c['text']};
    alternate-background-color: {c['alternate']};
}}
QHeaderView::section {{
    background: {c['alternate']}; color: {c['text']}; padding: 2px 1px; border: none;
    border-right: 1px solid {c['border']}; border-bottom: 1px solid {c['border']};
}}
QTabWidget::pane {{
    border: 1px solid {c['border']}; border-radius: 4px; background: {c['panel']};
}}
QTabBar::tab {{
    background: transparent; padding: 5px 12px; border: none; color: {c['muted']};
    border-bottom: 2px solid transparent;
}}
QTabBar::tab:selected {{
    color: {c['text']}; border-bottom: 2px solid {c['accent']}; font-weight: 600;
}}
QTabBar::tab:hover {{ color: {c['text']}; }}
QStatusBar {{
    background: {c['panel']}; border-top: 1px solid {c['border']}; color: {c['muted']};
}}
QStatusBar QLabel {{ color: {c['text']}; padding: 0 6px; }}
QGroupBox {{
    border: 1px solid {c['border']}; border-radius: 6px; margin-top: 12px; padding-top: 6px;
    background: {c['panel']};
}}
QGroupBox::title {{ subcontrol-origin: margin; left: 8px; padding: 0 4px; color: {c['muted']}; }}
QFrame#banner {{
    background: {WARNING_BG}; border: 1px solid {WARNING_BORDER}; border-radius: 6px;
}}
QFrame#banner QLabel, QFrame#banner QToolButton,
QFrame#lessonCard QLabel, QFrame#lessonCard QToolButton {{ color: {c['callout_text']}; }}
QFrame#banner QPushButton {{ background: #ffffff; color: {TEXT}; border-color: {BORDER}; }}
QFrame#banner QPushButton:hover {{ background: #eef1f5; }}
QFrame#card, QWidget#card {{
    background: {c['panel']}; border: 1px solid {c['border']}; border-radius: 6px;
}}
QLabel#cardTitle {{ color: {c['muted']}; font-weight: 600; }}
QLabel#epochLabel {{ font-size: 15px; font-weight: 600; color: {c['text']}; }}
QLabel#muted {{ color: {c['muted']}; }}
QSplitter::handle {{ background: {c['window']}; }}
QMenuBar {{ background: {c['panel']}; border-bottom: 1px solid {c['border']}; }}
QMenuBar::item {{ background: transparent; padding: 4px 8px; }}
QMenuBar::item:selected {{ background: {c['hover']}; }}
QMenu {{ background: {c['panel']}; border: 1px solid {c['border']}; }}
QMenu::item {{ padding: 5px 24px 5px 20px; }}
QMenu::item:selected {{ background: {c['selected']}; color: {c['text']}; }}
QMenu::item:disabled {{ color: {c['disabled_text']}; }}
QMenu::separator {{ height: 1px; background: {c['border']}; margin: 4px 8px; }}
"""


STYLE_SHEET = style_sheet("light")


def palette(theme: str = "light") -> QPalette:
    """The application palette for ``theme`` (what Fusion draws unstyled widgets with)."""
    c = theme_colors(theme)
    pal = QPalette()
    roles = QPalette.ColorRole
    for role, key in ((roles.Window, "window"), (roles.WindowText, "text"),
                      (roles.Base, "panel"), (roles.AlternateBase, "alternate"),
                      (roles.Text, "text"), (roles.Button, "panel"), (roles.ButtonText, "text"),
                      (roles.Highlight, "accent"), (roles.HighlightedText, "accent_text"),
                      (roles.ToolTipBase, "panel"), (roles.ToolTipText, "text"),
                      (roles.PlaceholderText, "muted"), (roles.Link, "accent")):
        pal.setColor(role, QColor(c[key]))
    if theme == "dark":
        pal.setColor(roles.Mid, QColor(c["border"]))
        pal.setColor(roles.Midlight, QColor(c["hover"]))
        pal.setColor(roles.Light, QColor("#3a3f46"))
        pal.setColor(roles.Dark, QColor("#15171a"))
        pal.setColor(roles.Shadow, QColor("#000000"))
        pal.setColor(roles.BrightText, QColor("#ffffff"))
    disabled = QPalette.ColorGroup.Disabled
    for role in (roles.WindowText, roles.Text, roles.ButtonText):
        pal.setColor(disabled, role, QColor(c["disabled_text"]))
    # Fusion fills a slider's groove with Highlight: a disabled slider is drawn grey
    pal.setColor(disabled, roles.Highlight, QColor(c["disabled_border"]))
    return pal


def apply_style(app: QApplication, theme: str = "light") -> None:
    """Fusion style, the palette and the style sheet of ``theme``, for the whole application."""
    app.setStyle("Fusion")
    app.setPalette(palette(theme))
    app.setStyleSheet(style_sheet(theme))
    app.setProperty("nnstudio_theme", theme)


def current_theme() -> str:
    """The theme applied with :func:`apply_style` ("light" if none was)."""
    app = QApplication.instance()
    value = app.property("nnstudio_theme") if app is not None else None
    return value if value in THEME_COLORS else "light"
