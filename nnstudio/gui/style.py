"""Colors, fonts and the application style sheet: one light, quiet look for every panel.

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


STYLE_SHEET = f"""
QMainWindow, QDialog {{ background: {WINDOW_BG}; }}
QWidget {{ color: {TEXT}; }}
QToolTip {{
    background: #ffffff; color: {TEXT}; border: 1px solid {BORDER}; padding: 4px;
}}
QDockWidget {{ font-weight: 600; }}
QDockWidget::title {{
    background: {WINDOW_BG}; padding: 6px 8px; border-bottom: 1px solid {BORDER};
    text-align: left;
}}
QToolBar {{
    background: {PANEL_BG}; border: none; border-bottom: 1px solid {BORDER};
    spacing: 3px; padding: 4px 6px;
}}
QToolBar QLabel {{ color: {MUTED}; }}
QToolButton {{
    border: 1px solid transparent; border-radius: 6px; padding: 4px 7px;
}}
QToolButton:hover {{ background: #eef1f5; border-color: {BORDER}; }}
QToolButton:pressed, QToolButton:checked {{ background: #e3e8f0; }}
QToolButton#playButton {{
    background: {ACCENT}; color: white; font-weight: 600; border-radius: 14px;
    padding: 4px 10px;
}}
QToolButton#playButton:hover {{ background: {ACCENT_DARK}; }}
QToolButton#playButton:checked {{ background: #5f6368; }}
QPushButton {{
    background: {PANEL_BG}; border: 1px solid {BORDER}; border-radius: 6px; padding: 4px 12px;
}}
QPushButton:hover {{ background: #eef1f5; }}
QPushButton:default {{ border-color: {ACCENT}; }}
QComboBox, QSpinBox, QDoubleSpinBox, QLineEdit {{
    background: {PANEL_BG}; border: 1px solid {BORDER}; border-radius: 5px;
    padding: 2px 6px; min-height: 20px;
}}
QComboBox:focus, QSpinBox:focus, QDoubleSpinBox:focus, QLineEdit:focus {{
    border-color: {ACCENT};
}}
QComboBox:disabled, QSpinBox:disabled, QDoubleSpinBox:disabled {{ color: #a0a4aa; }}
QTabWidget::pane {{ border: 1px solid {BORDER}; border-radius: 4px; background: {PANEL_BG}; }}
QTabBar::tab {{
    background: transparent; padding: 5px 12px; border: none; color: {MUTED};
    border-bottom: 2px solid transparent;
}}
QTabBar::tab:selected {{ color: {TEXT}; border-bottom: 2px solid {ACCENT}; font-weight: 600; }}
QTabBar::tab:hover {{ color: {TEXT}; }}
QStatusBar {{ background: {PANEL_BG}; border-top: 1px solid {BORDER}; color: {MUTED}; }}
QStatusBar QLabel {{ color: {TEXT}; padding: 0 6px; }}
QGroupBox {{
    border: 1px solid {BORDER}; border-radius: 6px; margin-top: 12px; padding-top: 6px;
    background: {PANEL_BG};
}}
QGroupBox::title {{ subcontrol-origin: margin; left: 8px; padding: 0 4px; color: {MUTED}; }}
QFrame#banner {{
    background: {WARNING_BG}; border: 1px solid {WARNING_BORDER}; border-radius: 6px;
}}
QFrame#card {{ background: {PANEL_BG}; border: 1px solid {BORDER}; border-radius: 6px; }}
QLabel#cardTitle {{ color: {MUTED}; font-weight: 600; }}
QLabel#epochLabel {{ font-size: 15px; font-weight: 600; color: {TEXT}; }}
QLabel#muted {{ color: {MUTED}; }}
QSplitter::handle {{ background: {WINDOW_BG}; }}
QMenuBar {{ background: {PANEL_BG}; border-bottom: 1px solid {BORDER}; }}
QMenuBar::item:selected {{ background: #eef1f5; }}
QMenu {{ background: {PANEL_BG}; border: 1px solid {BORDER}; }}
QMenu::item {{ padding: 5px 24px 5px 20px; }}
QMenu::item:selected {{ background: #e8f0fe; color: {TEXT}; }}
"""


def apply_style(app: QApplication) -> None:
    """Fusion style, a light palette and the style sheet, for the whole application."""
    app.setStyle("Fusion")
    palette = QPalette()
    palette.setColor(QPalette.ColorRole.Window, QColor(WINDOW_BG))
    palette.setColor(QPalette.ColorRole.WindowText, QColor(TEXT))
    palette.setColor(QPalette.ColorRole.Base, QColor(PANEL_BG))
    palette.setColor(QPalette.ColorRole.AlternateBase, QColor("#f1f3f4"))
    palette.setColor(QPalette.ColorRole.Text, QColor(TEXT))
    palette.setColor(QPalette.ColorRole.Button, QColor(PANEL_BG))
    palette.setColor(QPalette.ColorRole.ButtonText, QColor(TEXT))
    palette.setColor(QPalette.ColorRole.Highlight, QColor(ACCENT))
    palette.setColor(QPalette.ColorRole.HighlightedText, QColor("#ffffff"))
    palette.setColor(QPalette.ColorRole.ToolTipBase, QColor("#ffffff"))
    palette.setColor(QPalette.ColorRole.ToolTipText, QColor(TEXT))
    palette.setColor(QPalette.ColorRole.PlaceholderText, QColor(MUTED))
    app.setPalette(palette)
    app.setStyleSheet(STYLE_SHEET)
