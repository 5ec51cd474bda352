"""Starting the GUI: the QApplication set-up, ``run_gui`` and the ``--screenshot`` mode."""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

from PySide6.QtCore import (
    QBuffer,
    QCoreApplication,
    QEventLoop,
    QIODevice,
    QSettings,
    QTimer,
    qInstallMessageHandler,
)
from PySide6.QtGui import QGuiApplication, QIcon, QPixmap
from PySide6.QtWidgets import QApplication

APP_NAME = "nnstudio"
ORGANIZATION = "nnstudio"
DESKTOP_FILE = "io.github.nnstudio.NNStudio"
SCREENSHOT_SIZE = (1280, 800)

_settings_dir: tempfile.TemporaryDirectory[str] | None = None


def _isolate_settings() -> None:
    """With NNSTUDIO_SETTINGS_SCOPE=test (tests) or =isolated (``--screenshot``), QSettings go
    to a temporary folder: the user's real settings are neither read nor written."""
    global _settings_dir
    if os.environ.get("NNSTUDIO_SETTINGS_SCOPE") not in ("test", "isolated"):
        return
    if _settings_dir is None:
        _settings_dir = tempfile.TemporaryDirectory(prefix="nnstudio-settings-")
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    for scope in (QSettings.Scope.UserScope, QSettings.Scope.SystemScope):
        QSettings.setPath(QSettings.Format.IniFormat, scope, _settings_dir.name)
        QSettings.setPath(QSettings.Format.NativeFormat, scope, _settings_dir.name)


def settings() -> QSettings:
    """The application's settings store (a temporary one in test scope)."""
    _isolate_settings()
    return QSettings(ORGANIZATION, APP_NAME)


def app_icon() -> QIcon:
    """The nnstudio icon from the bundled resources (an empty icon if it is missing)."""
    from nnstudio.paths import resource

    icon = QIcon()
    try:
        svg = resource("icons", "nnstudio.svg")
        if svg.is_file():
            icon.addFile(str(svg))
        for size in (16, 24, 32, 48, 64, 128, 256):
            png = resource("icons", "hicolor", str(size), "nnstudio.png")
            if png.is_file():
                icon.addFile(str(png))
    except FileNotFoundError:
        pass
    return icon


def ensure_app(argv: list[str] | None = None) -> QApplication:
    """The running QApplication, created and styled on first use."""
    from nnstudio.gui import qtfix

    qtfix.install()
    app = QApplication.instance()
    if app is None:
        QCoreApplication.setApplicationName(APP_NAME)
        QCoreApplication.setOrganizationName(ORGANIZATION)
        QApplication.setDesktopFileName(DESKTOP_FILE)
        _isolate_settings()
        app = QApplication(list(argv) if argv is not None else [sys.argv[0]])
        _configure(app)
    elif not app.property("nnstudio_configured"):
        _configure(app)  # e.g. pytest-qt's application
    return app  # type: ignore[return-value]


def _configure(app: QApplication) -> None:
    import pyqtgraph as pg

    from nnstudio import __version__
    from nnstudio.gui.style import apply_style

    app.setApplicationName(APP_NAME)
    app.setOrganizationName(ORGANIZATION)
    app.setApplicationVersion(__version__)
    QApplication.setDesktopFileName(DESKTOP_FILE)
    _isolate_settings()
    app.setWindowIcon(app_icon())
    pg.setConfigOptions(antialias=True, background="w", foreground="#3c4043")
    apply_style(app)
    app.setProperty("nnstudio_configured", True)


_message_filter_installed = False


def _quiet_offscreen_messages() -> None:
    """Drop the offscreen platform's harmless "does not support propagateSizeHints()"
    warning (printed for every tool bar layout); every other Qt message passes through."""
    global _message_filter_installed
    if _message_filter_installed or QGuiApplication.platformName() != "offscreen":
        return
    previous = None

    def handler(kind, context, message):  # noqa: ANN001 - Qt's signature
        if "propagateSizeHints" in message:
            return
        if previous is not None:
            previous(kind, context, message)
        else:
            print(message, file=sys.stderr)

    previous = qInstallMessageHandler(handler)
    _message_filter_installed = True


def _load(experiment_path: str | os.PathLike[str] | None):
    """The experiment to open: the file's, or the default one."""
    from nnstudio.engine.experiment import default_experiment, load_experiment

    if experiment_path is None:
        return default_experiment(), None
    path = Path(experiment_path)
    return load_experiment(path), path


def run_gui(experiment_path: str | os.PathLike[str] | None = None) -> int:
    """Open the main window (on the experiment file, if given) and run until it closes."""
    from nnstudio.engine.errors import NNStudioError

    app = ensure_app()
    try:
        experiment, path = _load(experiment_path)
    except (NNStudioError, OSError) as exc:
        print(f"nnstudio: {exc}", file=sys.stderr)
        return 1
    from nnstudio.gui.main_window import MainWindow

    window = MainWindow(experiment, experiment_path=path)
    app.aboutToQuit.connect(window.shutdown_worker)
    window.show()
    return int(app.exec())


def _run_events(seconds: float) -> None:
    """Process events for ``seconds`` of wall time."""
    loop = QEventLoop()
    QTimer.singleShot(max(0, int(seconds * 1000)), loop.quit)
    loop.exec()


def _png_bytes(pixmap: QPixmap) -> bytes:
    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    if not pixmap.save(buffer, "PNG"):
        raise RuntimeError("could not encode the window image as PNG")
    return bytes(buffer.data())


def take_screenshot(out_path: str | os.PathLike[str], experiment_path: str | os.PathLike[str]
                    | None = None, train_seconds: float = 2.0) -> int:
    """Open the main window off-screen at 1280x800, train ``train_seconds``, save a PNG.

    Returns 0 on success; on any error prints a message to stderr and returns 1.
    """
    from nnstudio.engine.errors import NNStudioError
    from nnstudio.engine.fileio import atomic_write_bytes

    if not os.environ.get("QT_QPA_PLATFORM") and QApplication.instance() is None:
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    # a screenshot shows the default layout and leaves no trace in the recent files
    os.environ.setdefault("NNSTUDIO_SETTINGS_SCOPE", "isolated")
    out = Path(out_path)
    if out.suffix.lower() != ".png":
        print(f"nnstudio: --screenshot: {out}: the file name must end in .png", file=sys.stderr)
        return 1
    if not out.parent.exists():
        print(f"nnstudio: --screenshot: {out.parent}: folder does not exist", file=sys.stderr)
        return 1
    try:
        seconds = float(train_seconds)
    except (TypeError, ValueError):
        seconds = -1.0
    if not seconds >= 0:
        print(f"nnstudio: --train-seconds must be a number >= 0, got {train_seconds!r}",
              file=sys.stderr)
        return 1
    ensure_app()
    _quiet_offscreen_messages()
    try:
        experiment, path = _load(experiment_path)
    except (NNStudioError, OSError) as exc:
        print(f"nnstudio: {exc}", file=sys.stderr)
        return 1
    from nnstudio.gui.main_window import MainWindow

    window = None
    try:
        window = MainWindow(experiment, experiment_path=path)
        window.resize(*SCREENSHOT_SIZE)
        window.show()
        _run_events(0.3)
        if window.startup_error:
            print(f"nnstudio: {window.startup_error}", file=sys.stderr)
            return 1
        if seconds > 0:
            window.play()
            _run_events(seconds)
            window.pause()
        window.wait_for_idle(2.0)
        png = _png_bytes(window.grab())
        try:
            atomic_write_bytes(out, png)
        except OSError as exc:
            print(f"nnstudio: --screenshot: cannot write {out}: {exc.strerror or exc}",
                  file=sys.stderr)
            return 1
        return 0
    except Exception as exc:  # report, never a traceback
        print(f"nnstudio: --screenshot failed: {exc}", file=sys.stderr)
        return 1
    finally:
        if window is not None:
            window.close()
            window.deleteLater()
            deadline = time.monotonic() + 0.2
            while time.monotonic() < deadline:
                QApplication.processEvents()
