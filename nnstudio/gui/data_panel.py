"""DataPanel: choose the data set and how it is generated, split and fed to the network.

Every built-in data set is a thumbnail tile drawn from the engine's own generator (2-D
classification as class-colored points, regression as a value map or curve, logic gates
as their 4 points, iris as a petal scatter, digits as one digit image), plus "CSV…" which
opens :class:`CsvImportDialog`. Below: noise, samples, the test fraction, the seed with
"Regenerate", "Show test points", standardization, and the derived input features
(x1, x2, x1², x2², x1·x2, sin x1, sin x2) for 2-D data sets.

``changed`` is emitted after every user edit (never by ``set_data_config``);
``data_config()`` returns an :class:`~nnstudio.engine.experiment.DataConfig`.
``show_test_changed(bool)`` is separate: it only changes what the plots show.
"""

from __future__ import annotations

import copy
import random
from functools import cache
from pathlib import Path

import numpy as np
from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QIcon, QImage, QPainter, QPen, QPixmap
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSlider,
    QSpinBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from nnstudio.engine.datasets import (
    BUILTIN_DATASETS,
    GATE_EXTENT,
    MAX_NOISE,
    MIN_SAMPLES,
    PLAYGROUND_EXTENT,
    DatasetInfo,
    make_dataset,
)
from nnstudio.engine.errors import NNStudioError
from nnstudio.engine.experiment import DataConfig
from nnstudio.engine.features import expand_features, pretty_feature, validate_feature
from nnstudio.engine.grids import grid_points
from nnstudio.gui import style
from nnstudio.gui.scroll_body import scroll_body

THUMB = 36  # tile icon size (logical pixels); 6 tiles a row set the panel's minimum width
FEATURE_ICON = 30
FEATURE_COLUMNS = 4
MAX_SAMPLES_GUI = 100_000
MAX_SEED = 2**31 - 1
RAW_2D = ["x1", "x2"]
#: the input feature toggles for 2-D data sets, in the order of the network's inputs
FEATURES_2D = ["x1", "x2", "x1^2", "x2^2", "x1*x2", "sin(x1)", "sin(x2)"]
FEATURE_TIPS = {
    "x1": "The first input coordinate.",
    "x2": "The second input coordinate.",
    "x1^2": "x1 squared: lets a single neuron draw curved (parabolic) boundaries.",
    "x2^2": "x2 squared: with x1² a neuron can draw circles.",
    "x1*x2": "x1 times x2: positive in two opposite quadrants (XOR in one feature).",
    "sin(x1)": "sin of x1: a wave across the plane (helps with spirals).",
    "sin(x2)": "sin of x2: a wave across the plane (helps with spirals).",
}
SHORT_TITLES = {
    "xor": "XOR", "circles": "Circles", "gaussians": "Clouds", "spiral": "Spiral",
    "moons": "Moons", "linear": "Linear", "sine": "Sine", "plane": "Plane",
    "gauss_mix": "Bumps", "gate_and": "AND", "gate_or": "OR", "gate_nand": "NAND",
    "gate_nor": "NOR", "gate_xor": "XOR", "iris": "Iris", "digits": "Digits",
}
#: tile rows: each a list of (caption, tile keys) sections side by side;
#: "csv" and "painted" are not built-in names
TILE_ROWS = [
    [("Classification (2-D)", ["xor", "circles", "gaussians", "spiral", "moons", "linear"])],
    [("Regression", ["sine", "plane", "gauss_mix"]),
     ("Real data · CSV", ["iris", "digits", "csv"])],
    [("Logic gates (4 points)", ["gate_and", "gate_or", "gate_nand", "gate_nor", "gate_xor",
                                 "painted"])],
]
TILE_COLUMNS = 6


# --- thumbnails ------------------------------------------------------------------------------

def _canvas(size: int) -> tuple[QPixmap, QPainter]:
    ratio = 2.0  # drawn at twice the size: crisp on high-DPI screens, smooth when scaled
    pixmap = QPixmap(int(size * ratio), int(size * ratio))
    pixmap.setDevicePixelRatio(ratio)
    pixmap.fill(QColor("#ffffff"))
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(QPen(QColor(style.BORDER), 1))
    painter.drawRect(QRectF(0.5, 0.5, size - 1, size - 1))
    return pixmap, painter


def _to_canvas(X: np.ndarray, extent: tuple[float, float, float, float],
               size: int) -> np.ndarray:
    """Data coordinates to pixel positions (y up), with a small margin."""
    xmin, xmax, ymin, ymax = extent
    margin = 3.0
    px = margin + (X[:, 0] - xmin) / (xmax - xmin) * (size - 2 * margin)
    py = size - margin - (X[:, 1] - ymin) / (ymax - ymin) * (size - 2 * margin)
    return np.column_stack([px, py])


def _diverging(value: float) -> QColor:
    """-1 orange … 0 light grey … +1 blue (the regression color scale)."""
    t = max(-1.0, min(1.0, value))
    neutral = QColor(style.NEUTRAL)
    end = QColor(style.POSITIVE if t >= 0 else style.NEGATIVE)
    a = abs(t)
    return QColor(round(neutral.red() + (end.red() - neutral.red()) * a),
                  round(neutral.green() + (end.green() - neutral.green()) * a),
                  round(neutral.blue() + (end.blue() - neutral.blue()) * a))


def _dots(painter: QPainter, P: np.ndarray, colors: list[QColor], radius: float) -> None:
    painter.setPen(Qt.PenStyle.NoPen)
    for (x, y), color in zip(P.tolist(), colors):
        painter.setBrush(color)
        painter.drawEllipse(QPointF(x, y), radius, radius)


def _extent_of(X: np.ndarray) -> tuple[float, float, float, float]:
    lo, hi = X.min(axis=0), X.max(axis=0)
    pad = (hi - lo) * 0.08 + 1e-9
    return float(lo[0] - pad[0]), float(hi[0] + pad[0]), float(lo[1] - pad[1]), \
        float(hi[1] + pad[1])


@cache
def dataset_thumbnail(key: str, size: int = THUMB) -> QPixmap:
    """A small preview of a built-in data set (or the CSV / painted tile)."""
    if key == "csv":
        return _csv_thumbnail(size)
    if key == "painted":
        return _painted_thumbnail(size)
    info = BUILTIN_DATASETS[key]
    data = make_dataset(key, samples=min(info.default_samples, 300), noise=0.0, seed=1)
    pixmap, painter = _canvas(size)
    try:
        if key == "digits":
            _draw_digit(painter, data.X, data.y, size)
        elif key == "iris":
            X = data.X[:, 2:4]  # petal length, petal width: the three species separate
            P = _to_canvas(X, _extent_of(X), size)
            _dots(painter, P, [QColor(style.class_color(int(k))) for k in data.y], 1.6)
        elif info.n_features == 1:  # sine: points of the curve
            X = np.column_stack([data.X[:, 0], data.y])
            P = _to_canvas(X, (-6.5, 6.5, -1.5, 1.5), size)
            _dots(painter, P, [QColor(style.POSITIVE)] * len(P), 1.1)
        elif info.task == "regression":
            P = _to_canvas(data.X, info.extent or PLAYGROUND_EXTENT, size)
            peak = float(np.abs(data.y).max()) or 1.0
            _dots(painter, P, [_diverging(v / peak) for v in data.y.tolist()], 2.4)
        else:
            extent = info.extent or PLAYGROUND_EXTENT
            radius = 4.0 if info.group == "logic gate" else 1.3
            P = _to_canvas(data.X, extent, size)
            if info.group == "logic gate":
                painter.setPen(QPen(QColor("#c9cdd3"), 1, Qt.PenStyle.DashLine))
                corners = _to_canvas(np.array([[0.0, 0.0], [1.0, 1.0]]), GATE_EXTENT, size)
                painter.drawRect(QRectF(QPointF(*corners[0]), QPointF(*corners[1])))
            _dots(painter, P, [QColor(style.class_color(int(k))) for k in data.y], radius)
    finally:
        painter.end()
    return pixmap


def _draw_digit(painter: QPainter, X: np.ndarray, y: np.ndarray, size: int) -> None:
    """One handwritten digit (the first 3 in the data) as an 8x8 grey image."""
    index = int(np.flatnonzero(y == 3)[0]) if np.any(y == 3) else 0
    ink = np.clip(X[index].reshape(8, 8) / 16.0, 0.0, 1.0)
    gray = np.rint(255 - ink * 215).astype(np.uint8)
    rgba = np.empty((8, 8, 4), np.uint8)
    rgba[..., 0] = gray
    rgba[..., 1] = gray
    rgba[..., 2] = np.clip(gray.astype(int) + 10, 0, 255)
    rgba[..., 3] = 255
    data = np.ascontiguousarray(rgba)
    image = QImage(data.data, 8, 8, 32, QImage.Format.Format_RGBA8888).copy()
    margin = 3.0
    painter.drawImage(QRectF(margin, margin, size - 2 * margin, size - 2 * margin), image)


def _csv_thumbnail(size: int) -> QPixmap:
    pixmap, painter = _canvas(size)
    try:
        left, top, w = 7.0, 8.0, size - 14.0
        rows, cols = 4, 3
        h = (size - 18.0) / rows
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor("#dbe7fb"))
        painter.drawRect(QRectF(left, top, w, h))
        painter.setPen(QPen(QColor("#9aa0a6"), 0.8))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        for r in range(rows + 1):
            painter.drawLine(QPointF(left, top + r * h), QPointF(left + w, top + r * h))
        for c in range(cols + 1):
            x = left + c * w / cols
            painter.drawLine(QPointF(x, top), QPointF(x, top + rows * h))
        painter.setPen(QColor(style.ACCENT))
        font = QFont()
        font.setPixelSize(max(8, size // 4))
        font.setBold(True)
        painter.setFont(font)
        painter.drawText(QRectF(0, top + h, size, rows * h - h), Qt.AlignmentFlag.AlignCenter,
                         "CSV")
    finally:
        painter.end()
    return pixmap


def _painted_thumbnail(size: int) -> QPixmap:
    pixmap, painter = _canvas(size)
    try:
        pen = QPen(QColor(style.MUTED), 2.0)
        pen.setCapStyle(Qt.PenCapStyle.RoundCap)
        painter.setPen(pen)
        painter.drawLine(QPointF(size * 0.3, size * 0.72), QPointF(size * 0.72, size * 0.3))
        _dots(painter, np.array([[size * 0.3, size * 0.3], [size * 0.7, size * 0.7]]),
              [QColor(style.class_color(0)), QColor(style.class_color(1))], 4.0)
    finally:
        painter.end()
    return pixmap


@cache
def feature_icon(feature: str, size: int = FEATURE_ICON) -> QPixmap:
    """A feature over the input plane (-6..6 squared), orange negative, blue positive."""
    r = 24
    X, _, _ = grid_points(PLAYGROUND_EXTENT, r)
    values = expand_features(X, RAW_2D, [feature])[:, 0].reshape(r, r)
    values = values / (float(np.abs(values).max()) or 1.0)
    neutral = np.array(QColor(style.NEUTRAL).getRgb()[:3], float)
    pos = np.array(QColor(style.POSITIVE).getRgb()[:3], float)
    neg = np.array(QColor(style.NEGATIVE).getRgb()[:3], float)
    t = values[::-1, :, None]  # row 0 = the top = the largest x2
    rgb = np.where(t >= 0, neutral + (pos - neutral) * t, neutral + (neg - neutral) * -t)
    rgba = np.empty((r, r, 4), np.uint8)
    rgba[..., :3] = np.clip(np.rint(rgb), 0, 255)
    rgba[..., 3] = 255
    data = np.ascontiguousarray(rgba)
    image = QImage(data.data, r, r, r * 4, QImage.Format.Format_RGBA8888).copy()
    pixmap = QPixmap(size * 2, size * 2)
    pixmap.setDevicePixelRatio(2.0)
    pixmap.fill(QColor("#ffffff"))
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
    painter.drawImage(QRectF(0, 0, size, size), image)
    painter.setPen(QPen(QColor(style.BORDER), 1))
    painter.drawRect(QRectF(0.5, 0.5, size - 1, size - 1))
    painter.end()
    return pixmap


# --- widgets ----------------------------------------------------------------------------------

TILE_STYLE = f"""
QToolButton#tile {{
    border: 1px solid transparent; border-radius: 6px; padding: 2px 0px 1px 0px;
    font-size: 8pt; color: {style.TEXT};
}}
QToolButton#tile:hover {{ background: #eef1f5; border-color: {style.BORDER}; }}
QToolButton#tile:checked {{ background: #e8f0fe; border: 2px solid {style.ACCENT}; }}
QToolButton#tile:disabled {{ color: #a0a4aa; }}
"""


def _tile(text: str, icon: QPixmap, icon_size: int, tip: str) -> QToolButton:
    button = QToolButton()
    button.setObjectName("tile")
    button.setCheckable(True)
    button.setText(text)
    button.setIcon(QIcon(icon))
    button.setIconSize(QSize(icon_size, icon_size))
    button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextUnderIcon)
    button.setToolTip(tip)
    button.setStyleSheet(TILE_STYLE)
    button.setFixedWidth(icon_size + 6)
    button.setCursor(Qt.CursorShape.PointingHandCursor)
    return button


def _caption(text: str) -> QLabel:
    label = QLabel(text)
    label.setObjectName("cardTitle")
    return label


class DataPanel(QWidget):
    """Edits an experiment's :class:`DataConfig`; see the module docstring."""

    changed = Signal()
    show_test_changed = Signal(bool)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._config = DataConfig()
        self._key = "spiral"  # the selected tile
        self._extra_features: list[str] = []  # features the toggles cannot show (kept as is)
        self._gate_saved_test: int | None = None
        self._updating = False

        layout = scroll_body(self, spacing=4)

        # data set tiles
        self.tiles: dict[str, QToolButton] = {}
        self.tile_group = QButtonGroup(self)
        self.tile_group.setExclusive(True)
        self.tile_captions: dict[str, QLabel] = {}
        for sections in TILE_ROWS:
            row = QGridLayout()
            row.setHorizontalSpacing(2)
            row.setVerticalSpacing(0)
            row.setContentsMargins(0, 0, 0, 0)
            c = 0
            for caption, keys in sections:
                label = _caption(caption)
                self.tile_captions[caption] = label
                row.addWidget(label, 0, c, 1, len(keys))
                for key in keys:
                    button = _tile(self._tile_text(key), dataset_thumbnail(key), THUMB,
                                   self._tile_tip(key))
                    self.tiles[key] = button
                    self.tile_group.addButton(button)
                    row.addWidget(button, 1, c, Qt.AlignmentFlag.AlignLeft)
                    button.clicked.connect(lambda _=False, k=key: self._tile_clicked(k))
                    c += 1
            for c in range(TILE_COLUMNS):
                row.setColumnStretch(c, 1)
            layout.addLayout(row)
        self.tiles["painted"].setVisible(False)

        self.info_title = QLabel()
        self.info_title.setFont(style.ui_font(1, bold=True))
        self.info_text = QLabel()
        self.info_text.setObjectName("muted")
        self.info_text.setWordWrap(True)
        info = QFrame()
        info.setObjectName("card")
        info_layout = QVBoxLayout(info)
        info_layout.setContentsMargins(8, 6, 8, 6)
        info_layout.setSpacing(1)
        info_layout.addWidget(self.info_title)
        info_layout.addWidget(self.info_text)
        layout.addWidget(info)

        # generation and split
        layout.addWidget(_caption("Samples and split"))
        grid = QGridLayout()
        grid.setHorizontalSpacing(8)
        grid.setVerticalSpacing(6)
        self.noise = QSlider(Qt.Orientation.Horizontal)
        self.noise.setRange(0, int(MAX_NOISE * 100))
        self.noise.setSingleStep(1)
        self.noise.setPageStep(5)
        self.noise.setTracking(False)
        self.noise.setToolTip("How far labels are blurred near the boundary (or how much the "
                              "points are jittered), 0–50 %.")
        self.noise_value = QLabel()
        self.samples = QSpinBox()
        self.samples.setRange(MIN_SAMPLES, MAX_SAMPLES_GUI)
        self.samples.setMinimumWidth(70)
        self.samples.setSingleStep(50)
        self.samples.setKeyboardTracking(False)
        self.samples.setAccelerated(True)
        self.samples.setToolTip("Number of points generated (training + test).")
        self.test = QSlider(Qt.Orientation.Horizontal)
        self.test.setRange(0, 90)
        self.test.setSingleStep(5)
        self.test.setPageStep(10)
        self.test.setTracking(False)
        self.test.setToolTip("Share of the points held out as test data: never trained on, "
                             "used to see how well the network generalizes.")
        self.test_value = QLabel()
        self.seed = QSpinBox()
        self.seed.setRange(0, MAX_SEED)
        self.seed.setMinimumWidth(70)  # the 10-digit range would make the panel too wide
        self.seed.setKeyboardTracking(False)
        self.seed.setToolTip("Random seed of the data and the train/test split: the same "
                             "seed gives the same points.")
        self.regenerate = QPushButton("Regenerate")
        self.regenerate.setToolTip("New random points (and a new split) with a new seed.")
        for label in (self.noise_value, self.test_value):
            label.setMinimumWidth(38)
            label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.noise_label = QLabel("Noise")
        self.samples_label = QLabel("Samples")
        grid.addWidget(self.noise_label, 0, 0)
        grid.addWidget(self.noise, 0, 1)
        grid.addWidget(self.noise_value, 0, 2)
        grid.addWidget(QLabel("Test data"), 1, 0)
        grid.addWidget(self.test, 1, 1)
        grid.addWidget(self.test_value, 1, 2)
        grid.addWidget(self.samples_label, 2, 0)
        grid.addWidget(self.samples, 2, 1, 1, 2)
        seed_row = QHBoxLayout()
        seed_row.setSpacing(6)
        seed_row.addWidget(self.seed, 1)
        seed_row.addWidget(self.regenerate)
        grid.addWidget(QLabel("Seed"), 3, 0)
        grid.addLayout(seed_row, 3, 1, 1, 2)
        grid.setColumnStretch(1, 1)
        layout.addLayout(grid)
        self.split_label = QLabel()
        self.split_label.setObjectName("muted")
        layout.addWidget(self.split_label)

        checks = QHBoxLayout()
        self.show_test = QCheckBox("Show test points")
        self.show_test.setChecked(True)
        self.show_test.setToolTip("Draw the held-out test points on the output plot.")
        self.standardize = QCheckBox("Standardize")
        self.standardize.setChecked(True)
        self.standardize.setToolTip("Scale every input to mean 0 and standard deviation 1, "
                                    "using the training points' statistics.")
        checks.addWidget(self.show_test)
        checks.addWidget(self.standardize)
        checks.addStretch(1)
        layout.addLayout(checks)

        # input features
        layout.addWidget(_caption("Input features"))
        self.features_box = QWidget()
        feature_grid = QGridLayout(self.features_box)
        feature_grid.setContentsMargins(0, 0, 0, 0)
        feature_grid.setHorizontalSpacing(2)
        feature_grid.setVerticalSpacing(0)
        self.feature_buttons: dict[str, QToolButton] = {}
        for k, feature in enumerate(FEATURES_2D):
            button = _tile(pretty_feature(feature), feature_icon(feature), FEATURE_ICON,
                           FEATURE_TIPS[feature])
            button.setFixedWidth(FEATURE_ICON + 26)
            button.setChecked(feature in RAW_2D)
            button.toggled.connect(lambda on, f=feature: self._feature_toggled(f, on))
            self.feature_buttons[feature] = button
            row, column = divmod(k, FEATURE_COLUMNS)
            feature_grid.addWidget(button, row, column, Qt.AlignmentFlag.AlignLeft)
        for k in range(FEATURE_COLUMNS):
            feature_grid.setColumnStretch(k, 1)
        layout.addWidget(self.features_box)
        self.features_label = QLabel()
        self.features_label.setObjectName("muted")
        self.features_label.setWordWrap(True)
        layout.addWidget(self.features_label)
        layout.addStretch(1)

        self.noise.valueChanged.connect(self._on_noise)
        self.noise.sliderMoved.connect(self._show_noise)
        self.test.valueChanged.connect(self._on_test)
        self.test.sliderMoved.connect(self._show_test_fraction)
        self.samples.valueChanged.connect(self._on_edit)
        self.seed.valueChanged.connect(self._on_edit)
        self.regenerate.clicked.connect(self.regenerate_data)
        self.show_test.toggled.connect(self.show_test_changed)
        self.standardize.toggled.connect(self._on_edit)

        self.set_data_config(DataConfig())

    # --- public API ----------------------------------------------------------------------------
    def data_config(self) -> DataConfig:
        """The data settings as shown."""
        cfg = copy.deepcopy(self._config)
        cfg.seed = int(self.seed.value())
        cfg.test_fraction = self.test.value() / 100.0
        cfg.standardize = self.standardize.isChecked()
        if cfg.source == "builtin":
            info = BUILTIN_DATASETS[cfg.name]
            cfg.task = None
            cfg.noise = self.noise.value() / 100.0 if info.uses_noise else 0.0
            samples = int(self.samples.value())
            cfg.samples = samples if info.uses_samples and samples != info.default_samples \
                else None
            cfg.features = self._features() if info.is_2d else None
        elif cfg.source == "painted":
            cfg.features = self._features()
        return cfg

    def set_data_config(self, cfg: DataConfig) -> None:
        """Show ``cfg`` (does not emit ``changed``)."""
        self._updating = True
        try:
            self._config = copy.deepcopy(cfg)
            if cfg.source == "builtin":
                key = cfg.name if cfg.name in BUILTIN_DATASETS else "spiral"
                self._config.name = key
            else:
                key = "csv" if cfg.source == "csv" else "painted"
            self._key = key
            self.tiles["painted"].setVisible(cfg.source == "painted")
            self.tiles[key].setChecked(True)
            info = BUILTIN_DATASETS.get(cfg.name) if cfg.source == "builtin" else None
            self.noise.setValue(round(float(cfg.noise) * 100))
            self.samples.setValue(int(cfg.samples) if cfg.samples is not None else
                                  info.default_samples if info is not None else 500)
            self.seed.setValue(int(cfg.seed))
            self.test.setValue(round(float(cfg.test_fraction) * 100))
            self.standardize.setChecked(bool(cfg.standardize))
            self._set_features(cfg.features)
            self._gate_saved_test = None
        finally:
            self._updating = False
        self._refresh()

    def show_test_points(self) -> bool:
        return self.show_test.isChecked()

    def selected_key(self) -> str:
        """The selected tile: a built-in name, "csv" or "painted"."""
        return self._key

    def n_inputs(self) -> int | None:
        """The network's input count for built-in and painted data (None for CSV files,
        whose columns are only known after loading)."""
        cfg = self.data_config()
        if cfg.features is not None:
            return len(cfg.features)
        if cfg.source == "builtin":
            return BUILTIN_DATASETS[cfg.name].n_features
        if cfg.source == "painted":
            return 2
        return None

    def select_dataset(self, name: str) -> None:
        """Select a built-in data set as if its tile were clicked (emits ``changed``)."""
        self.tiles[name].setChecked(True)
        self._tile_clicked(name)

    def regenerate_data(self) -> None:
        """A new random seed: new points and a new split (emits ``changed``)."""
        seed = self.seed.value()
        while seed == self.seed.value():
            seed = random.randint(1, 99_999)
        self.seed.setValue(seed)  # emits changed through _on_edit

    def import_csv(self) -> bool:
        """Open the CSV dialog; True (and ``changed``) if a file was imported."""
        from nnstudio.gui.csv_import_dialog import CsvImportDialog

        current = self._config if self._config.source == "csv" else None
        dialog = CsvImportDialog(self, current)
        self._dialog = dialog  # reachable for tests while it is open
        try:
            if dialog.exec() != CsvImportDialog.DialogCode.Accepted:
                return False
            cfg = dialog.data_config(self.data_config())
        finally:
            self._dialog = None
        if cfg is None:
            return False
        self.apply_csv(cfg)
        return True

    def apply_csv(self, cfg: DataConfig) -> None:
        """Use a CSV data config (from the import dialog); emits ``changed``."""
        cfg = copy.deepcopy(cfg)
        cfg.features = None
        base = self.data_config()
        cfg.seed, cfg.test_fraction, cfg.standardize = base.seed, base.test_fraction, \
            base.standardize
        if self._config.source == "builtin":
            cfg.name = self._config.name
        self._config = cfg
        self._key = "csv"
        self.tiles["csv"].setChecked(True)
        self._restore_gate_test()
        self._refresh()
        self.changed.emit()

    # --- reactions -----------------------------------------------------------------------------
    def _tile_clicked(self, key: str) -> None:
        if key == "csv":
            previous = self._key
            if not self.import_csv():
                self.tiles[previous].setChecked(True)
            return
        if key == self._key:
            return
        if key == "painted":
            return  # painted points come from the output plot, not from here
        self._key = key
        previous_name = self._config.name
        self._config = DataConfig(name=key, seed=self.seed.value(),
                                  test_fraction=self.test.value() / 100.0,
                                  standardize=self.standardize.isChecked())
        info = BUILTIN_DATASETS[key]
        self._updating = True
        try:
            self.samples.setValue(info.default_samples)
            if info.group == "logic gate":
                if self._gate_saved_test is None:
                    self._gate_saved_test = self.test.value()
                self.test.setValue(0)  # 4 points: train on all of them
            else:
                self._restore_gate_test()
            if not info.is_2d:
                self._extra_features = []
            elif not BUILTIN_DATASETS.get(previous_name, info).is_2d:
                self._set_features(None)
        finally:
            self._updating = False
        self._refresh()
        self.changed.emit()

    def _restore_gate_test(self) -> None:
        if self._gate_saved_test is not None:
            blocked = self.test.blockSignals(True)
            self.test.setValue(self._gate_saved_test)
            self.test.blockSignals(blocked)
            self._gate_saved_test = None

    def _show_noise(self, value: int) -> None:
        # a data set without noise shows no (meaningless) percentage
        self.noise_value.setText(f"{value} %" if self.noise.isEnabled() else "—")

    def _show_test_fraction(self, value: int) -> None:
        self.test_value.setText(f"{value} %")

    def _on_noise(self, value: int) -> None:
        self._show_noise(value)
        self._on_edit()

    def _on_test(self, value: int) -> None:
        self._show_test_fraction(value)
        if self._key.startswith("gate_") and not self._updating:
            self._gate_saved_test = None  # the user chose a split for the gate
        self._on_edit()

    def _on_edit(self, *_: object) -> None:
        if self._updating:
            return
        self._refresh()
        self.changed.emit()

    # --- features ------------------------------------------------------------------------------
    def _features(self) -> list[str] | None:
        chosen = [f for f in FEATURES_2D if self.feature_buttons[f].isChecked()]
        chosen += [f for f in self._extra_features if f not in chosen]
        return None if chosen == RAW_2D else chosen

    def _set_features(self, features: list[str] | None) -> None:
        wanted = list(features) if features else list(RAW_2D)
        canonical: list[str] = []
        extra: list[str] = []
        for expr in wanted:
            try:
                name = validate_feature(expr, RAW_2D)
            except NNStudioError:
                name = expr  # not over x1/x2 (e.g. a CSV's columns): kept as it is
            (canonical if name in FEATURES_2D else extra).append(name)
        self._extra_features = extra
        for feature, button in self.feature_buttons.items():
            blocked = button.blockSignals(True)
            button.setChecked(feature in canonical)
            button.blockSignals(blocked)

    def _feature_toggled(self, feature: str, on: bool) -> None:
        if not on and not self._features_selected():
            button = self.feature_buttons[feature]
            blocked = button.blockSignals(True)
            button.setChecked(True)  # the network needs at least one input
            button.blockSignals(blocked)
            self.features_label.setText("At least one input feature is needed.")
            return
        self._on_edit()

    def _features_selected(self) -> bool:
        return any(b.isChecked() for b in self.feature_buttons.values()) or \
            bool(self._extra_features)

    # --- display -------------------------------------------------------------------------------
    @staticmethod
    def _tile_text(key: str) -> str:
        return {"csv": "CSV…", "painted": "Painted"}.get(key, SHORT_TITLES.get(key, key))

    @staticmethod
    def _tile_tip(key: str) -> str:
        if key == "csv":
            return ("Import CSV…: your own data from a CSV file (choose the target column).\n"
                    "On the command line: nnstudio train --dataset FILE.csv --target COLUMN")
        if key == "painted":
            return "Points painted by hand on the output plot."
        info = BUILTIN_DATASETS[key]
        short = SHORT_TITLES.get(key, info.title)
        name = info.title if short == info.title else f"{short} — {info.title}"
        return (f"{name}: {info.description}\n"
                f"Called \"{key}\" in experiment files and in "
                f"nnstudio train --dataset {key}")

    def _info(self) -> DatasetInfo | None:
        return BUILTIN_DATASETS.get(self._config.name) if self._config.source == "builtin" \
            else None

    def _refresh(self) -> None:
        cfg = self._config
        info = self._info()
        if info is not None:
            self.info_title.setText(info.title)
            task = {"binary": " (2 classes)", "regression": " (regression)"}.get(info.task, "")
            self.info_text.setText(info.description + task)
        elif cfg.source == "csv":
            self.info_title.setText(Path(cfg.path or "").name or "CSV file")
            target = f"target column: {cfg.target}" if cfg.target is not None \
                else "target: the last column"
            task = f" · task: {cfg.task}" if cfg.task else ""
            self.info_text.setText(f"{target}{task}. Click “CSV…” to choose another file "
                                   "or column.")
        else:
            n = len(cfg.points or [])
            self.info_title.setText("Painted points")
            self.info_text.setText(f"{n} point{'s' if n != 1 else ''} painted by hand.")
        uses_noise = info is not None and info.uses_noise
        uses_samples = info is not None and info.uses_samples
        for w in (self.noise, self.noise_value, self.noise_label):
            w.setEnabled(uses_noise)
        for w in (self.samples, self.samples_label):
            w.setEnabled(uses_samples)
        blocked = self.samples.blockSignals(True)
        if info is None:  # a file or painted points: their size is not chosen here
            self.samples.setSpecialValueText("—")
            self.samples.setValue(self.samples.minimum())
        else:
            self.samples.setSpecialValueText("")
            if not uses_samples:
                self.samples.setValue(info.default_samples)
        self.samples.blockSignals(blocked)
        reason = ("this data set has a fixed size and no noise" if info is not None
                  else "a file or painted points have a fixed size and no noise")
        self.noise.setToolTip("How far labels are blurred near the boundary (or how much the "
                              "points are jittered), 0–50 %." if uses_noise
                              else f"Not used: {reason}.")
        self.samples.setToolTip("Number of points generated (training + test)."
                                if uses_samples else f"Not used: {reason}.")
        self._show_noise(self.noise.value())
        self._show_test_fraction(self.test.value())
        self._refresh_split(info)
        self._refresh_features(info)

    def _refresh_split(self, info: DatasetInfo | None) -> None:
        if info is None:
            self.split_label.setText(f"{self.test.value()} % of the rows are held out for "
                                     "testing.")
            return
        n = self.samples.value() if info.uses_samples else info.default_samples
        n_test = round(n * self.test.value() / 100.0)
        self.split_label.setText(f"{n - n_test} training points, {n_test} test points")

    def _refresh_features(self, info: DatasetInfo | None) -> None:
        two_d = (info is not None and info.is_2d) or self._config.source == "painted"
        for button in self.feature_buttons.values():
            button.setEnabled(two_d)
        self.features_box.setVisible(two_d)  # other data feed their own columns
        if not two_d:
            if info is not None:
                n = info.n_features
                what = f"{n} input{'s' if n != 1 else ''}"
                self.features_label.setText(
                    f"Feature toggles are for 2-D data sets; {info.title} feeds its {what} "
                    "to the network as they are.")
            else:
                self.features_label.setText("Feature toggles are for 2-D data sets; the "
                                            "file's input columns feed the network directly.")
            return
        features = self._features() or RAW_2D
        shown = ", ".join(pretty_feature(f) for f in features)
        self.features_label.setText(
            f"{len(features)} network input{'s' if len(features) != 1 else ''}: {shown}")
