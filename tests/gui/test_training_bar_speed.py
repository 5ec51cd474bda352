"""The training bar's speed control: its choices, the window's wiring and the remembered
setting (a GUI preference, not part of the experiment)."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QToolButton

from nnstudio.engine.experiment import load_experiment
from nnstudio.gui import settings
from nnstudio.gui.training_bar import SPEED_LIMITS, TrainingBar, speed_text


@pytest.fixture
def full_speed_setting():
    """Every window test after this one must train at full speed again."""
    settings.set_speed_limit(None)
    yield
    settings.set_speed_limit(None)


def test_speed_texts():
    assert speed_text(None) == "Full speed"
    assert speed_text(1000) == "1,000 steps/s"
    assert speed_text(10_000, short=True) == "10,000/s"
    assert speed_text(1) == "1 step/s"


def test_the_bar_offers_full_speed_first_and_emits_only_on_a_change(qtbot):
    bar = TrainingBar()
    qtbot.addWidget(bar)
    combo = bar.speed_combo
    assert combo.itemText(0) == "Full speed" and bar.speed_limit() is None
    assert [combo.itemText(i) for i in range(combo.count())] == \
        [speed_text(v) for v in SPEED_LIMITS]
    assert "watch" in combo.toolTip()
    seen: list = []
    bar.speed_limit_changed.connect(seen.append)
    combo.setCurrentIndex(SPEED_LIMITS.index(100))
    combo.activated.emit(SPEED_LIMITS.index(100))
    assert seen == [100.0] and bar.speed_limit() == 100.0
    assert combo.current_short_text() == "100/s"
    combo.activated.emit(SPEED_LIMITS.index(100))  # the same choice again: no signal
    assert seen == [100.0]
    bar.set_speed_limit(None)  # shown without a signal
    assert bar.speed_limit() is None and combo.currentIndex() == 0 and seen == [100.0]
    bar.set_speed_limit(900)  # not offered: the nearest offered limit
    assert bar.speed_limit() == 1000.0


def test_speed_setting_round_trip_and_bad_values(full_speed_setting):
    assert settings.speed_limit() is None
    settings.set_speed_limit(10)
    assert settings.speed_limit() == 10.0
    settings.set_speed_limit(None)
    assert settings.speed_limit() is None
    with pytest.raises(ValueError, match="positive"):
        settings.set_speed_limit(0)
    from nnstudio.gui.app import settings as store

    store().setValue(settings.SPEED_KEY, "fast")  # unreadable: full speed
    assert settings.speed_limit() is None


def test_the_window_paces_the_worker_and_remembers_the_choice(qtbot, window,
                                                              full_speed_setting, tmp_path):
    win = window()
    bar = win.training_bar
    assert bar.speed_limit() is None
    qtbot.waitUntil(lambda: win.worker.speed_limit is None, timeout=3000)
    bar.speed_combo.setCurrentIndex(SPEED_LIMITS.index(100))
    bar.speed_combo.activated.emit(SPEED_LIMITS.index(100))
    qtbot.waitUntil(lambda: win.worker.speed_limit == 100.0, timeout=3000)
    win.play()
    qtbot.waitUntil(lambda: win._last_snapshot is not None and win._last_snapshot.running
                    and win._last_snapshot.step >= 20, timeout=10_000)
    win.pause()
    qtbot.waitUntil(lambda: not win._last_snapshot.running, timeout=3000)
    # the experiment file does not carry it
    path = tmp_path / "exp.json"
    assert win.save_experiment_to(path)
    assert "speed" not in path.read_text()
    assert load_experiment(path).training.epochs == win.experiment.training.epochs
    # a second window starts with the remembered limit, and tells its worker
    other = window()
    assert other.training_bar.speed_limit() == 100.0
    assert other.training_bar.speed_combo.currentText() == "100 steps/s"
    qtbot.waitUntil(lambda: other.worker.speed_limit == 100.0, timeout=3000)
    other.set_speed_limit(None)
    assert settings.speed_limit() is None and other.training_bar.speed_limit() is None
    qtbot.waitUntil(lambda: other.worker.speed_limit is None, timeout=3000)


def test_the_bar_fits_at_1280_px(qtbot, window):
    win = window()
    bar = win.training_bar
    bar.set_speed_limit(10_000)  # the widest choice
    bar.set_epoch(12_345)
    qtbot.wait(50)
    extension = bar.findChild(QToolButton, "qt_toolbar_ext_button")
    assert extension is None or not extension.isVisible()  # nothing in the overflow menu
    assert bar.speed_combo.isVisible() and bar.stop_spin.isVisible()
    combo = bar.speed_combo
    assert combo.fontMetrics().horizontalAdvance("10,000/s") < combo.width() - 20
