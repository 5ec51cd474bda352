"""The main window's files: experiments (new, open, save, recent), models (open, export as
.npz or ONNX), plot images and the training history, unsaved changes, drag and drop, and
the theme menu (a mixin for :class:`~nnstudio.gui.main_window.MainWindow`).

Every file is written atomically by the engine (a temporary file, then a rename): a failed
write leaves the old file as it was, says why in the window's banner, and the window stays
marked as modified, so nothing is lost.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QActionGroup, QDragEnterEvent, QDropEvent, QKeySequence
from PySide6.QtWidgets import QFileDialog, QMenu

from nnstudio.engine import experiment as experiment_api
from nnstudio.engine.errors import NNStudioError
from nnstudio.engine.fileio import atomic_write_text
from nnstudio.engine.history import history_csv
from nnstudio.engine.network import Network, default_output
from nnstudio.gui import dialogs, settings, theme

EXPERIMENT_SUFFIXES = (".json", ".toml")
MODEL_SUFFIX = ".npz"
ONNX_SUFFIX = ".onnx"
CSV_SUFFIXES = (".csv", ".tsv")
IMAGE_SUFFIXES = (".png", ".svg")

EXPERIMENT_FILTER = "Experiments (*.json *.toml);;All files (*)"
NPZ_FILTER = "nnstudio model (*.npz)"
ONNX_FILTER = "ONNX model (*.onnx)"
PNG_FILTER = "PNG image (*.png)"
SVG_FILTER = "SVG drawing (*.svg)"
CSV_FILTER = "CSV file (*.csv)"
PLOTS = (("loss", "&Loss"), ("gradients", "&Gradients"), ("activations", "&Activations"),
         ("output", "&Output"))
ONNX_MISSING_TIP = ("ONNX export needs the optional packages onnx and onnxruntime: "
                    "pip install 'nnstudio[onnx]'")


def onnx_available() -> bool:
    from nnstudio.engine.onnx_export import onnx_available as available

    return available()


class HistoryRecorder:
    """The per-epoch rows (``Trainer.history`` rows) of the current run, collected from the
    worker's snapshots; a reset or a new network starts a new run."""

    def __init__(self) -> None:
        self.rows: list[dict[str, float]] = []
        self.generation: int | None = None

    def add(self, snapshot: Any, generation: int) -> None:
        if snapshot.generation != generation:
            return  # from before a reset or a new network
        if snapshot.fresh or self.generation != generation:
            self.rows = []
            self.generation = generation
        self.rows.extend(dict(row) for row in snapshot.epochs)


class FileActions:
    """File menu, unsaved changes, drag and drop and the theme. Expects MainWindow's
    attributes (``experiment``, ``experiment_path``, ``spec``, ``banner``, ``worker``...)."""

    _saved_state: dict | None = None

    # --- set-up -----------------------------------------------------------------------------------
    def _build_file_menu(self, menu_bar: Any) -> QMenu:
        """The File menu (called while the window builds its menus)."""
        menu = menu_bar.addMenu("&File")
        menu.setToolTipsVisible(True)
        self.file_actions: dict[str, QAction] = {}
        add = self._file_action
        add(menu, "new", "&New experiment", self.new_experiment, QKeySequence.StandardKey.New,
            "Start over with the default experiment (two spirals)")
        add(menu, "open", "&Open experiment…", self.open_experiment_dialog,
            QKeySequence.StandardKey.Open, "Open an experiment file (.json or .toml)")
        self.recent_menu = menu.addMenu("Open &recent")
        self.recent_menu.setToolTipsVisible(True)
        self.recent_menu.aboutToShow.connect(self._fill_recent_menu)
        self._fill_recent_menu()
        menu.addSeparator()
        add(menu, "save", "&Save experiment", self.save_experiment,
            QKeySequence.StandardKey.Save, "Save the data, network and training settings")
        add(menu, "save_as", "Save experiment &as…", self.save_experiment_as,
            QKeySequence("Ctrl+Shift+S"), "Save the experiment to a new file")
        menu.addSeparator()
        add(menu, "open_model", "Open &model…", self.open_model_dialog, QKeySequence("Ctrl+M"),
            "Load a model file's architecture, weights and input scaling, to inspect it or "
            "train on")
        add(menu, "export_model", "&Export model…", self.export_model_dialog,
            QKeySequence("Ctrl+E"), "Save the trained network as an nnstudio model (.npz) "
            "or, if installed, ONNX")
        onnx = add(menu, "export_onnx", "Export model as O&NNX…", self.export_onnx_dialog,
                   None, "Save the trained network as an ONNX model for ONNX Runtime")
        if not onnx_available():
            onnx.setEnabled(False)
            onnx.setToolTip(ONNX_MISSING_TIP)
        plots = menu.addMenu("Export &plot")
        for name, title in PLOTS:
            add(plots, f"plot_{name}", f"{title} plot…",
                lambda key=name: self.export_plot_dialog(key), None,
                "Save this plot as a PNG image or an SVG drawing")
        add(menu, "export_history", "Export training &history…", self.export_history_dialog,
            QKeySequence("Ctrl+H"), "Save the loss, accuracy and gradient size of every epoch "
            "as CSV (the columns of nnstudio train --history)")
        menu.addSeparator()
        add(menu, "quit", "&Quit", self.close, QKeySequence("Ctrl+Q"),
            "Close nnstudio (asks first if the experiment has unsaved changes)")
        return menu

    def _file_action(self, menu: QMenu, key: str, text: str, slot: Any, shortcut: Any,
                     tip: str) -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(shortcut)
        action.setToolTip(tip)
        action.setStatusTip(tip)
        action.triggered.connect(lambda _=False: slot())
        menu.addAction(action)
        self.file_actions[key] = action
        return action

    def _build_theme_menu(self, view_menu: QMenu) -> QMenu:
        menu = view_menu.addMenu("&Theme")
        group = QActionGroup(self)
        group.setExclusive(True)
        self.theme_actions: dict[str, QAction] = {}
        current = settings.theme()
        for name in settings.THEMES:
            action = QAction(settings.THEME_TITLES[name], self)
            action.setCheckable(True)
            action.setChecked(name == current)
            action.triggered.connect(lambda _=False, key=name: self.set_theme(key))
            group.addAction(action)
            menu.addAction(action)
            self.theme_actions[name] = action
        return menu

    def _init_files(self) -> None:
        """After the window is built: saved state, theme, history, drops, recent files."""
        self.history = HistoryRecorder()
        self.setAcceptDrops(True)
        self._csv_dialog = None
        worker = self.worker
        if worker is not None:
            worker.snapshot.connect(self._on_file_snapshot)
        bar = self.training_bar
        for signal in (bar.learning_rate_changed, bar.optimizer_changed,
                       bar.batch_size_changed, bar.regularization_changed,
                       bar.stop_after_changed):
            signal.connect(self._refresh_modified)  # after the window's own handlers
        self._rebuild_timer.timeout.connect(self._refresh_modified)
        theme.apply_theme(settings.theme())
        if self.experiment_path is not None:
            settings.add_recent_file(self.experiment_path)
        self.mark_saved()

    def _on_file_snapshot(self, snapshot: Any) -> None:
        self.history.add(snapshot, self._generation)
        if not snapshot.running:  # (edits while training have their own signals; comparing
            self._refresh_modified()  # the whole experiment 30 times a second costs frames)

    # --- modified state ---------------------------------------------------------------------------
    def _experiment_state(self) -> dict:
        try:
            return self.current_experiment().to_dict()
        except (NNStudioError, TypeError, ValueError):
            return {}

    def mark_saved(self) -> None:
        """The experiment as shown is the saved one (just opened or saved)."""
        self._saved_state = self._experiment_state()
        self._refresh_modified()

    def is_modified(self) -> bool:
        """Whether the experiment differs from the file it was opened from or saved to."""
        return self._saved_state is not None and self._experiment_state() != self._saved_state

    def _refresh_modified(self, *_: object) -> None:
        self.setWindowModified(self.is_modified())

    def _document_name(self) -> str:
        if self.experiment_path is not None:
            return self.experiment_path.name
        return self.experiment.name or "Untitled"

    def maybe_save(self, before: str = "closing") -> bool:
        """True if it is fine to drop the experiment as shown: nothing unsaved, or the user
        saved it or chose not to. False if they cancelled (or saving failed)."""
        if self._rebuild_timer.isActive():
            self.rebuild_from_panels()  # a designer edit still waiting to be applied
        if not self.is_modified():
            return True
        answer = dialogs.ask_unsaved_changes(self, self._document_name(), before)
        if answer == dialogs.DISCARD:
            return True
        if answer == dialogs.SAVE:
            return self.save_experiment()
        return False

    # --- file dialogs -------------------------------------------------------------------------------
    def _start_folder(self, kind: str) -> Path:
        return settings.last_folder(kind, self._base_dir())

    def _ask_open(self, title: str, kind: str, filters: str) -> Path | None:
        path, _ = QFileDialog.getOpenFileName(self, title, str(self._start_folder(kind)),
                                              filters)
        return Path(path) if path else None

    def _ask_save(self, title: str, kind: str, name: str, filters: str) -> tuple[Path, str] | None:
        start = self._start_folder(kind) / name
        path, chosen = QFileDialog.getSaveFileName(self, title, str(start), filters)
        return (Path(path), chosen) if path else None

    def _error(self, title: str, exc: BaseException | str, actions: list | None = None) -> None:
        message = str(exc) if not isinstance(exc, OSError) else \
            f"{exc.filename or ''}: {exc.strerror or exc}".lstrip(": ")
        self.banner.show_message(title, message, kind="error", actions=actions)

    def _safe_stem(self) -> str:
        if self.experiment_path is not None:
            return self.experiment_path.stem
        name = "".join(ch if ch.isalnum() or ch in "-_" else "_"
                       for ch in (self.experiment.name or "experiment").lower())
        return name.strip("_") or "experiment"

    # --- experiments -------------------------------------------------------------------------------
    def new_experiment(self) -> bool:
        """The default experiment, after asking about unsaved changes."""
        if not self.maybe_save("starting a new experiment"):
            return False
        ok = self.open_experiment(experiment_api.default_experiment(), None)
        self.mark_saved()
        return ok

    def open_experiment_dialog(self) -> bool:
        path = self._ask_open("Open experiment", "experiment", EXPERIMENT_FILTER)
        return self.open_experiment_file(path) if path is not None else False

    def open_experiment_file(self, path: str | Path) -> bool:
        """Open an experiment file (asking about unsaved changes first)."""
        path = Path(path)
        try:
            exp = experiment_api.load_experiment(path)
        except (NNStudioError, OSError) as exc:
            self._error("Cannot open the experiment", exc)
            return False
        if not self.maybe_save("opening another experiment"):
            return False
        if not self.open_experiment(exp, path):
            return False
        self.mark_saved()
        settings.add_recent_file(path)
        settings.remember_folder("experiment", path)
        self.statusBar().showMessage(f"Opened {path}", 5000)
        return True

    def save_experiment(self) -> bool:
        if self.experiment_path is None:
            return self.save_experiment_as()
        return self.save_experiment_to(self.experiment_path)

    def save_experiment_as(self) -> bool:
        answer = self._ask_save("Save experiment as", "experiment", f"{self._safe_stem()}.json",
                                EXPERIMENT_FILTER)
        return self.save_experiment_to(answer[0]) if answer is not None else False

    def save_experiment_to(self, path: str | Path) -> bool:
        """Write the experiment as shown (atomically). On failure the banner says why, the
        old file is untouched and the window stays modified."""
        if self._rebuild_timer.isActive():
            self.rebuild_from_panels()
        path = Path(path)
        if path.suffix.lower() not in EXPERIMENT_SUFFIXES:
            path = path.with_name(path.name + ".json")
        try:
            experiment_api.save_experiment(self.current_experiment(), path)
        except (NNStudioError, OSError) as exc:
            self._error("Cannot save the experiment", exc,
                        actions=[("Save as…", self.save_experiment_as)])
            return False
        self.experiment_path = path.absolute()
        self._update_title()
        self.mark_saved()
        settings.add_recent_file(path)
        settings.remember_folder("experiment", path)
        self.banner.dismiss()
        self.statusBar().showMessage(f"Saved {path}", 5000)
        return True

    # --- recent files -------------------------------------------------------------------------------
    def _fill_recent_menu(self) -> None:
        menu = self.recent_menu
        menu.clear()
        files = settings.recent_files()
        for i, path in enumerate(files, start=1):
            prefix = f"&{i}  " if i < 10 else "1&0 "
            action = menu.addAction(f"{prefix}{path.name}")
            action.setToolTip(str(path))
            action.setStatusTip(str(path))
            action.setData(str(path))
            action.triggered.connect(lambda _=False, p=path: self.open_recent(p))
        if not files:
            menu.addAction("No recent files").setEnabled(False)
        menu.addSeparator()
        clear = menu.addAction("&Clear the list")
        clear.setEnabled(bool(files))
        clear.triggered.connect(lambda _=False: self.clear_recent_files())

    def recent_files(self) -> list[Path]:
        return settings.recent_files()

    def clear_recent_files(self) -> None:
        settings.clear_recent_files()
        self._fill_recent_menu()

    def open_recent(self, path: str | Path) -> bool:
        path = Path(path)
        if not path.is_file():
            settings.remove_recent_file(path)
            self._error("Cannot open a recent file", f"{path} no longer exists (it was moved "
                        "or deleted); it has been taken off the list.")
            return False
        return self.open_file(path)

    # --- any file: drag and drop, recent files ----------------------------------------------------------
    def open_file(self, path: str | Path) -> bool:
        """Open an experiment, a model or a CSV data set, chosen by the file's extension."""
        path = Path(path)
        suffix = path.suffix.lower()
        if suffix in EXPERIMENT_SUFFIXES:
            return self.open_experiment_file(path)
        if suffix == MODEL_SUFFIX:
            return self.open_model_file(path)
        if suffix in CSV_SUFFIXES:
            return self.import_csv_file(path)
        self._error(f"Cannot open {path.name}",
                    f"nnstudio opens experiments (.json, .toml), models (.npz) and CSV data "
                    f"(.csv); '{path.suffix or path.name}' is none of these.")
        return False

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802 - Qt override
        if any(url.isLocalFile() for url in event.mimeData().urls()):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragMoveEvent(self, event: Any) -> None:  # noqa: N802 - Qt override
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802 - Qt override
        paths = [Path(url.toLocalFile()) for url in event.mimeData().urls() if url.isLocalFile()]
        if not paths:
            event.ignore()
            return
        event.acceptProposedAction()
        self.raise_()
        self.activateWindow()
        self.open_file(paths[0])
        if len(paths) > 1:
            self.statusBar().showMessage(
                f"Opened {paths[0].name}; drop one file at a time ({len(paths) - 1} more "
                "were not opened)", 8000)

    def import_csv_file(self, path: str | Path) -> bool:
        """Use a CSV file as the data set, through the data panel's CSV import dialog (where
        the target column and task are chosen)."""
        from nnstudio.gui.csv_import_dialog import CsvImportDialog

        panel = self.data_panel
        self.data_dock.show()
        self.data_dock.raise_()
        dialog = CsvImportDialog(panel, None)
        self._csv_dialog = dialog
        try:
            dialog.set_path(str(path))
            if dialog.exec() != CsvImportDialog.DialogCode.Accepted:
                return False
            cfg = dialog.data_config(panel.data_config())
        finally:
            self._csv_dialog = None
        if cfg is None:
            return False
        settings.remember_folder("csv", path)
        panel.apply_csv(cfg)  # emits changed: the window rebuilds
        return True

    # --- models --------------------------------------------------------------------------------------
    def current_network(self) -> Network | None:
        """A copy of the network as last drawn (its spec and the latest snapshot's weights)."""
        if self.spec is None or self._latest_weights is None:
            return None
        network = Network(self.spec.copy(), seed=0)
        network.set_weights(self._latest_weights)
        return network

    def export_model_dialog(self) -> bool:
        filters = NPZ_FILTER + (f";;{ONNX_FILTER}" if onnx_available() else "")
        answer = self._ask_save("Export model", "model", f"{self._safe_stem()}.npz", filters)
        if answer is None:
            return False
        path, chosen = answer
        if path.suffix.lower() not in (MODEL_SUFFIX, ONNX_SUFFIX):
            suffix = ONNX_SUFFIX if chosen == ONNX_FILTER else MODEL_SUFFIX
            path = path.with_name(path.name + suffix)
        return self.export_model(path)

    def export_onnx_dialog(self) -> bool:
        if not onnx_available():
            self._error("ONNX export is not available", ONNX_MISSING_TIP)
            return False
        answer = self._ask_save("Export ONNX model", "model", f"{self._safe_stem()}.onnx",
                                ONNX_FILTER)
        if answer is None:
            return False
        path = answer[0]
        if path.suffix.lower() != ONNX_SUFFIX:
            path = path.with_name(path.name + ONNX_SUFFIX)
        return self.export_model(path)

    def export_model(self, path: str | Path) -> bool:
        """Write the network as drawn (the latest snapshot's weights) with its input
        standardization: ONNX for a ``.onnx`` name, else an nnstudio ``.npz`` model."""
        network = self.current_network()
        if network is None:
            self._error("Cannot export the model", "There is no network yet: the experiment "
                        "could not be prepared.")
            return False
        path = Path(path)
        onnx = path.suffix.lower() == ONNX_SUFFIX
        if not onnx and path.suffix.lower() != MODEL_SUFFIX:
            path = path.with_name(path.name + MODEL_SUFFIX)
        try:
            if onnx:
                from nnstudio.engine.onnx_export import export_onnx

                export_onnx(path, network, self.standardizer)
            else:
                from nnstudio.engine.modelfile import save_model

                save_model(path, network, self.standardizer)
        except (NNStudioError, OSError) as exc:
            self._error("Cannot export the model", exc)
            return False
        settings.remember_folder("model", path)
        epoch = self._last_snapshot.epoch if self._last_snapshot is not None else 0
        self.statusBar().showMessage(f"Exported the model (epoch {epoch:,}) to {path}", 6000)
        return True

    def open_model_dialog(self) -> bool:
        path = self._ask_open("Open model", "model", f"{NPZ_FILTER};;All files (*)")
        return self.open_model_file(path) if path is not None else False

    def open_model_file(self, path: str | Path) -> bool:
        """Load a model's architecture, weights and input standardization onto the current
        data set: the designer shows its layers, the worker trains its weights on."""
        from nnstudio.engine.model_experiment import fit_experiment_to_model
        from nnstudio.engine.modelfile import load_model

        path = Path(path)
        try:
            model = load_model(path)
            exp = self.current_experiment()
            prepared = fit_experiment_to_model(exp, model, self._base_dir(), label=path.name)
        except (NNStudioError, OSError) as exc:
            text = str(exc).rstrip()
            if isinstance(exc, NNStudioError) and "data set" in text:
                if not text.endswith((".", "!", "?")):
                    text += "."
                text += (" Choose the data the model was trained on in the Data panel, then "
                         "open the model again.")
            self._error("Cannot open the model", text)
            return False
        _tidy_output(exp, prepared)
        # the note above the network describes the loaded model, not the one it replaces
        exp.description = model_note(path.name, model.spec)
        if not self.maybe_save("opening a model"):
            return False
        ok = self.open_experiment(exp, self.experiment_path, standardizer=model.standardizer,
                                  weights=model.network.get_weights())
        if not ok:
            return False
        self.training_bar.set_reset_model(path.name)  # Reset goes back to these weights
        self._refresh_modified()
        settings.add_recent_file(path)
        settings.remember_folder("model", path)
        self.statusBar().showMessage(
            f"Loaded {path.name}: {model.spec.describe()} — press Play to train it on", 8000)
        return True

    # --- plots and history ------------------------------------------------------------------------------
    def export_plot_dialog(self, name: str) -> bool:
        answer = self._ask_save(f"Export the {name} plot", "plot",
                                f"{self._safe_stem()}-{name}.png", f"{PNG_FILTER};;{SVG_FILTER}")
        if answer is None:
            return False
        path, chosen = answer
        if path.suffix.lower() not in IMAGE_SUFFIXES:
            path = path.with_name(path.name + (".svg" if chosen == SVG_FILTER else ".png"))
        return self.export_plot(name, path)

    def export_plot(self, name: str, path: str | Path) -> bool:
        """Save one plot ("loss", "gradients", "activations", "output") as PNG or SVG."""
        try:
            written = self.plots.export_image(name, path)
        except (NNStudioError, OSError) as exc:
            self._error("Cannot export the plot", exc)
            return False
        settings.remember_folder("plot", written)
        self.statusBar().showMessage(f"Saved the {name} plot to {written}", 5000)
        return True

    def export_history_dialog(self) -> bool:
        answer = self._ask_save("Export training history", "history",
                                f"{self._safe_stem()}-history.csv", CSV_FILTER)
        if answer is None:
            return False
        path = answer[0]
        if path.suffix.lower() != ".csv":
            path = path.with_name(path.name + ".csv")
        return self.export_history(path)

    def history_text(self) -> str | None:
        """The history CSV of the current run (None before the first epoch ends)."""
        if self.spec is None or not self.history.rows:
            return None
        context = self.session_context
        has_test = context is not None and context.X_test_raw is not None \
            and len(context.X_test_raw) > 0
        return history_csv(self.history.rows, self.spec.task != "regression", has_test,
                           len(self.spec.layers))

    def export_history(self, path: str | Path) -> bool:
        """Write one row per finished epoch (the columns of ``nnstudio train --history``)."""
        text = self.history_text()
        if text is None:
            self._error("No training history yet", "Train at least one whole epoch first; "
                        "the history has one row per finished epoch.")
            return False
        path = Path(path)
        try:
            atomic_write_text(path, text)
        except OSError as exc:
            self._error("Cannot export the training history",
                        f"{path}: cannot write the file ({exc.strerror or exc})")
            return False
        settings.remember_folder("history", path)
        self.statusBar().showMessage(
            f"Saved {len(self.history.rows):,} epochs of history to {path}", 5000)
        return True

    # --- theme and help ---------------------------------------------------------------------------------
    def set_theme(self, name: str) -> str:
        """Use and remember the theme "system", "light" or "dark"; returns the drawn one."""
        settings.set_theme(name)
        action = getattr(self, "theme_actions", {}).get(name)
        if action is not None and not action.isChecked():
            action.setChecked(True)
        return theme.apply_theme(name)

    def show_shortcuts(self) -> dialogs.ShortcutsDialog:
        dialog = dialogs.ShortcutsDialog(self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.show()
        return dialog

    def show_about(self) -> dialogs.AboutDialog:
        dialog = dialogs.AboutDialog(self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.show()
        return dialog


def model_note(file_name: str, spec: Any) -> str:
    """What the window shows about a network opened from a model file."""
    hidden = spec.layers[:-1]
    if hidden:
        acts = list(dict.fromkeys(layer.activation for layer in hidden))
        count = "one hidden layer" if len(hidden) == 1 else f"{len(hidden)} hidden layers"
        layers = f"{count} ({', '.join(acts)})"
    else:
        layers = "no hidden layer"
    return (f"The network from {file_name}: {'-'.join(str(n) for n in spec.sizes)}, "
            f"{layers}, {spec.layers[-1].activation} output. It starts from the file's "
            "weights on this data set: press Play to train it on (Reset goes back to the "
            "file's weights).")


def _tidy_output(exp: Any, prepared: Any) -> None:
    """A model's output layer and loss that are the task's defaults are shown as such (the
    designer then does not mark them as chosen by hand)."""
    n_classes = len(prepared.classes or [])
    layer, loss = default_output(prepared.task, n_classes, prepared.n_targets)
    if exp.output is not None and exp.output.activation == layer.activation \
            and exp.loss == loss:
        exp.output = None
        exp.loss = None


__all__ = ["FileActions", "HistoryRecorder", "model_note"]
