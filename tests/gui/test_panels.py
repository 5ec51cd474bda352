"""The data panel, the CSV import dialog and the network designer (pytest-qt, off-screen)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog

from nnstudio.engine.datasets import BUILTIN_DATASETS
from nnstudio.engine.experiment import DataConfig, Experiment, build_spec, prepare_data
from nnstudio.engine.initializers import INITIALIZER_SUMMARIES
from nnstudio.engine.network import LayerSpec
from nnstudio.gui.csv_import_dialog import CsvImportDialog
from nnstudio.gui.data_panel import DataPanel, dataset_thumbnail
from nnstudio.gui.designer_panel import DesignerPanel


class Counter:
    def __init__(self, signal) -> None:
        self.calls: list[tuple] = []
        signal.connect(lambda *args: self.calls.append(args))

    def __len__(self) -> int:
        return len(self.calls)


# --- data panel -------------------------------------------------------------------------------

@pytest.fixture
def data_panel(qtbot):
    panel = DataPanel()
    qtbot.addWidget(panel)
    panel.resize(300, 800)
    panel.show()
    return panel


def test_every_builtin_data_set_has_a_drawn_thumbnail(data_panel):
    for name in BUILTIN_DATASETS:
        assert name in data_panel.tiles
        image = dataset_thumbnail(name).toImage()
        assert not image.isNull()
        colors = {image.pixel(x, y) for x in range(0, image.width(), 3)
                  for y in range(0, image.height(), 3)}
        assert len(colors) > 3, f"{name} thumbnail is blank"
    assert "csv" in data_panel.tiles


def test_default_config_is_the_two_spirals(data_panel):
    cfg = data_panel.data_config()
    assert (cfg.source, cfg.name, cfg.features, cfg.samples) == ("builtin", "spiral", None, None)
    assert cfg.test_fraction == pytest.approx(0.2)
    assert data_panel.n_inputs() == 2


def test_clicking_a_tile_selects_the_data_set_and_emits_changed(qtbot, data_panel):
    changed = Counter(data_panel.changed)
    qtbot.mouseClick(data_panel.tiles["xor"], Qt.MouseButton.LeftButton)
    assert len(changed) == 1
    assert data_panel.data_config().name == "xor"
    assert data_panel.tiles["xor"].isChecked()


def test_noise_samples_split_and_seed_edit_the_config(data_panel):
    changed = Counter(data_panel.changed)
    data_panel.noise.setValue(25)
    data_panel.samples.setValue(300)
    data_panel.test.setValue(30)
    data_panel.seed.setValue(7)
    assert len(changed) == 4
    cfg = data_panel.data_config()
    assert cfg.noise == pytest.approx(0.25)
    assert cfg.samples == 300
    assert cfg.test_fraction == pytest.approx(0.3)
    assert cfg.seed == 7
    assert data_panel.noise_value.text() == "25 %"
    assert "210 training points, 90 test points" in data_panel.split_label.text()
    data_panel.samples.setValue(BUILTIN_DATASETS["spiral"].default_samples)
    assert data_panel.data_config().samples is None  # the data set's default


def test_regenerate_picks_a_new_seed_once(qtbot, data_panel):
    changed = Counter(data_panel.changed)
    before = data_panel.data_config().seed
    qtbot.mouseClick(data_panel.regenerate, Qt.MouseButton.LeftButton)
    assert len(changed) == 1
    assert data_panel.data_config().seed != before


def test_show_test_points_has_its_own_signal(qtbot, data_panel):
    changed = Counter(data_panel.changed)
    with qtbot.waitSignal(data_panel.show_test_changed) as blocker:
        data_panel.show_test.setChecked(False)
    assert blocker.args == [False]
    assert not data_panel.show_test_points()
    assert len(changed) == 0


def test_feature_toggles_change_the_network_inputs(data_panel):
    changed = Counter(data_panel.changed)
    data_panel.feature_buttons["x1*x2"].setChecked(True)
    data_panel.feature_buttons["sin(x1)"].setChecked(True)
    cfg = data_panel.data_config()
    assert cfg.features == ["x1", "x2", "x1*x2", "sin(x1)"]
    assert data_panel.n_inputs() == 4
    assert len(changed) == 2
    assert "4 network inputs" in data_panel.features_label.text()
    prepared = prepare_data(Experiment(data=cfg))
    assert prepared.input_names == ["x1", "x2", "x1*x2", "sin(x1)"]
    assert prepared.X_train.shape[1] == 4
    # the last selected feature cannot be switched off
    for feature in ("x1", "x2", "x1*x2"):
        data_panel.feature_buttons[feature].setChecked(False)
    data_panel.feature_buttons["sin(x1)"].setChecked(False)
    assert data_panel.feature_buttons["sin(x1)"].isChecked()
    assert data_panel.data_config().features == ["sin(x1)"]


def test_controls_that_do_not_apply_are_disabled(qtbot, data_panel):
    qtbot.mouseClick(data_panel.tiles["iris"], Qt.MouseButton.LeftButton)
    cfg = data_panel.data_config()
    assert (cfg.name, cfg.features, cfg.noise, cfg.samples) == ("iris", None, 0.0, None)
    assert not data_panel.noise.isEnabled()
    assert not data_panel.samples.isEnabled()
    assert not any(b.isEnabled() for b in data_panel.feature_buttons.values())
    assert data_panel.test.isEnabled() and data_panel.seed.isEnabled()
    assert data_panel.n_inputs() == 4
    qtbot.mouseClick(data_panel.tiles["moons"], Qt.MouseButton.LeftButton)
    assert data_panel.noise.isEnabled() and data_panel.samples.isEnabled()
    assert all(b.isEnabled() for b in data_panel.feature_buttons.values())


def test_logic_gates_train_on_all_four_points(qtbot, data_panel):
    data_panel.test.setValue(30)
    qtbot.mouseClick(data_panel.tiles["gate_xor"], Qt.MouseButton.LeftButton)
    cfg = data_panel.data_config()
    assert cfg.name == "gate_xor" and cfg.test_fraction == 0.0
    assert not data_panel.noise.isEnabled()
    qtbot.mouseClick(data_panel.tiles["circles"], Qt.MouseButton.LeftButton)
    assert data_panel.data_config().test_fraction == pytest.approx(0.3)


def test_set_data_config_round_trips_without_emitting(data_panel):
    changed = Counter(data_panel.changed)
    cfg = DataConfig(name="moons", samples=250, noise=0.1, seed=42, test_fraction=0.4,
                     features=["x1", "x2^2", "sin(x2)"], standardize=False)
    data_panel.set_data_config(cfg)
    assert len(changed) == 0
    assert data_panel.data_config() == cfg
    assert data_panel.feature_buttons["x2^2"].isChecked()
    assert not data_panel.feature_buttons["x2"].isChecked()


def test_set_data_config_keeps_a_csv_source(tmp_path, data_panel):
    path = tmp_path / "d.csv"
    path.write_text("a,b,y\n1,2,0\n3,4,1\n5,6,0\n")
    cfg = DataConfig(source="csv", path=str(path), target="y", task="binary",
                     test_fraction=0.25)
    data_panel.set_data_config(cfg)
    assert data_panel.tiles["csv"].isChecked()
    assert data_panel.data_config() == cfg
    assert not data_panel.noise.isEnabled()
    assert not any(b.isEnabled() for b in data_panel.feature_buttons.values())


def _write_csv(tmp_path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def test_import_csv_tile_uses_the_dialog(qtbot, tmp_path, monkeypatch, data_panel):
    good = _write_csv(tmp_path, "flowers.csv",
                      "w,h,kind\n1,2,a\n2,1,b\n3,3,a\n4,1,b\n5,2,a\n")

    def accept(dialog):
        dialog.set_path(good)
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(CsvImportDialog, "exec", accept)
    changed = Counter(data_panel.changed)
    qtbot.mouseClick(data_panel.tiles["csv"], Qt.MouseButton.LeftButton)
    cfg = data_panel.data_config()
    assert (cfg.source, cfg.path, cfg.target) == ("csv", good, "kind")
    assert len(changed) == 1
    assert data_panel.tiles["csv"].isChecked()
    assert "flowers.csv" in data_panel.info_title.text()
    assert prepare_data(Experiment(data=cfg)).task == "binary"


def test_cancelled_csv_import_keeps_the_previous_data_set(qtbot, monkeypatch, data_panel):
    monkeypatch.setattr(CsvImportDialog, "exec", lambda dialog: QDialog.DialogCode.Rejected)
    changed = Counter(data_panel.changed)
    qtbot.mouseClick(data_panel.tiles["csv"], Qt.MouseButton.LeftButton)
    assert len(changed) == 0
    assert data_panel.tiles["spiral"].isChecked()
    assert data_panel.data_config().source == "builtin"


# --- CSV dialog -------------------------------------------------------------------------------

def test_csv_dialog_shows_the_data_error_for_a_bad_file(qtbot, tmp_path):
    bad = _write_csv(tmp_path, "bad.csv", "a,b,label\n1,2,yes\n3,,no\n5,6,yes\n")
    dialog = CsvImportDialog()
    qtbot.addWidget(dialog)
    dialog.set_path(bad)
    assert "bad.csv: row 3, column 'b': missing value" in dialog.error_text()
    assert "Traceback" not in dialog.status.text()
    assert not dialog.import_button.isEnabled()
    assert dialog.data_config() is None
    # the preview still shows the rows, numbered like the message (header = row 1)
    assert dialog.table.rowCount() == 3
    assert dialog.table.verticalHeaderItem(1).text() == "3"


def test_csv_dialog_reports_unreadable_files(qtbot, tmp_path):
    dialog = CsvImportDialog()
    qtbot.addWidget(dialog)
    dialog.set_path(str(tmp_path / "missing.csv"))
    assert "not found" in dialog.error_text()
    binary = tmp_path / "image.csv"
    binary.write_bytes(b"\x89PNG\x00\x00\x01")
    dialog.set_path(str(binary))
    assert dialog.error_text()
    assert not dialog.import_button.isEnabled()


def test_csv_dialog_returns_a_data_config_for_a_good_file(qtbot, tmp_path):
    good = _write_csv(tmp_path, "houses.csv",
                      "rooms,area,price\n3,70,210.5\n2,50,150.25\n4,90,280.75\n5,120,399.9\n")
    dialog = CsvImportDialog()
    qtbot.addWidget(dialog)
    dialog.set_path(good)
    assert dialog.target_combo.currentText() == "price"  # the last column by default
    assert dialog.table.columnCount() == 3 and dialog.table.rowCount() == 4
    assert dialog.import_button.isEnabled()
    assert "regression" in dialog.status.text()
    cfg = dialog.data_config(DataConfig(seed=5, test_fraction=0.5))
    assert (cfg.source, cfg.path, cfg.target, cfg.task) == ("csv", good, "price", None)
    assert (cfg.seed, cfg.test_fraction) == (5, 0.5)
    # another target and an explicit task
    dialog.target_combo.setCurrentText("rooms")
    dialog.task_combo.setCurrentIndex(1)  # classification
    cfg = dialog.data_config()
    assert (cfg.target, cfg.task) == ("rooms", "multiclass")
    assert prepare_data(Experiment(data=cfg)).classes == [2, 3, 4, 5]


def test_csv_dialog_explains_an_impossible_task(qtbot, tmp_path):
    path = _write_csv(tmp_path, "t.csv", "x,label\n1,cat\n2,dog\n3,cat\n")
    dialog = CsvImportDialog()
    qtbot.addWidget(dialog)
    dialog.set_path(path)
    assert dialog.import_button.isEnabled()
    dialog.task_combo.setCurrentIndex(2)  # regression on text labels
    assert "cannot be a regression target" in dialog.error_text()
    assert not dialog.import_button.isEnabled()


# --- designer ---------------------------------------------------------------------------------

@pytest.fixture
def designer(qtbot):
    panel = DesignerPanel()
    qtbot.addWidget(panel)
    panel.resize(300, 500)
    panel.show()
    return panel


def test_counts_follow_the_lecture_notes(qtbot, designer):
    designer.set_io(3, "multiclass", 2)
    changed = Counter(designer.changed)
    qtbot.mouseClick(designer.rows[1].remove, Qt.MouseButton.LeftButton)
    designer.rows[0].units.setValue(4)
    assert designer.counts() == (6, 26)
    assert designer.counts_text() == "6 neurons, 26 parameters"
    assert designer.architecture_text() == "3 → 4 → 2"
    assert len(changed) == 2
    designer.set_io(3, "binary", 2)
    qtbot.mouseClick(designer.add_button, Qt.MouseButton.LeftButton)
    assert designer.counts() == (9, 41)
    assert designer.counts_text() == "9 neurons, 41 parameters"
    assert designer.architecture_text() == "3 → 4 → 4 → 1"


def test_reorder_and_activation_edits_reach_the_experiment(qtbot, designer):
    designer.set_io(2, "binary", 2)
    designer.rows[0].units.setValue(5)
    designer.rows[1].activation.setCurrentText("relu")
    qtbot.mouseClick(designer.rows[0].down, Qt.MouseButton.LeftButton)
    assert [(h.units, h.activation) for h in designer.hidden_layers()] == \
        [(8, "relu"), (5, "tanh")]
    qtbot.mouseClick(designer.rows[1].up, Qt.MouseButton.LeftButton)
    assert [h.units for h in designer.hidden_layers()] == [5, 8]
    designer.init.setCurrentText("he_normal")
    exp = Experiment()
    assert designer.apply_to(exp)
    assert [(h.units, h.activation) for h in exp.hidden] == [(5, "tanh"), (8, "relu")]
    assert (exp.output, exp.loss, exp.init, exp.init_params) == (None, None, "he_normal", {})
    spec = build_spec(exp, prepare_data(exp))
    assert spec.sizes == [2, 5, 8, 1]
    assert (spec.n_neurons, spec.n_params) == designer.counts()


def test_activation_parameters_show_only_when_relevant(designer):
    row = designer.rows[0]
    assert not row.alpha.isVisibleTo(designer) and not row.pieces.isVisibleTo(designer)
    row.activation.setCurrentText("leaky_relu")
    assert row.alpha.isVisibleTo(designer) and not row.pieces.isVisibleTo(designer)
    row.alpha.setValue(0.2)
    row.activation.setCurrentText("maxout")
    assert row.pieces.isVisibleTo(designer) and not row.alpha.isVisibleTo(designer)
    row.pieces.setValue(3)
    designer.set_io(2, "binary", 2)
    # maxout: 3 pieces per unit -> 2*8*3 + 8*3 weights and biases in the first layer
    assert designer.counts() == (17, (2 * 24 + 24) + (8 * 8 + 8) + (8 + 1))
    exp = Experiment()
    designer.apply_to(exp)
    assert exp.hidden[0] == LayerSpec(8, "maxout", 0.2, 3)


def test_activation_and_initializer_tooltips_come_from_the_engine(designer):
    combo = designer.rows[0].activation
    names = [combo.itemText(i) for i in range(combo.count())]
    assert "softmax" not in names and {"relu", "sigmoid", "maxout", "step"} <= set(names)
    index = names.index("sigmoid")
    assert "vanish" in combo.itemData(index, Qt.ItemDataRole.ToolTipRole)
    for i in range(designer.init.count()):
        name = designer.init.itemText(i)
        assert designer.init.itemData(i, Qt.ItemDataRole.ToolTipRole) == \
            INITIALIZER_SUMMARIES[name]


def test_output_follows_the_task_by_default(designer):
    designer.set_io(4, "multiclass", 3)
    assert "softmax" in designer.default_label.text()
    assert designer.architecture_text().endswith("→ 3")
    designer.set_io(1, "regression", 0)
    assert "linear" in designer.default_label.text()
    assert "mean squared error" in designer.default_label.text()


def test_valid_override_is_applied_with_a_note(designer):
    designer.set_io(2, "binary", 2)
    changed = Counter(designer.changed)
    designer.override.setChecked(True)
    designer.loss.setCurrentText("mse")
    assert designer.is_valid()
    assert "slope" in designer.note_label.text()
    assert designer.note_label.isVisibleTo(designer)
    assert len(changed) == 2
    exp = Experiment()
    assert designer.apply_to(exp)
    assert (exp.output.activation, exp.loss) == ("sigmoid", "mse")
    designer.out_activation.setCurrentText("linear")
    designer.loss.setCurrentText("hinge")
    assert "margin" in designer.note_label.text()
    designer.apply_to(exp)
    spec = build_spec(exp, prepare_data(exp))
    assert (spec.layers[-1].activation, spec.loss) == ("linear", "hinge")


def test_invalid_override_shows_the_engine_message(designer):
    designer.set_io(2, "binary", 2)
    designer.override.setChecked(True)
    changed = Counter(designer.changed)
    designer.out_activation.setCurrentText("softmax")
    designer.loss.setCurrentText("binary_cross_entropy")
    assert not designer.is_valid()
    assert designer.error_label.isVisibleTo(designer)
    assert "needs a sigmoid output layer, not 'softmax'" in designer.error_label.text()
    assert len(changed) == 0  # an invalid design is never announced
    exp = Experiment()
    assert not designer.apply_to(exp)
    assert exp.output is None and exp.loss is None
    designer.override.setChecked(False)
    assert designer.is_valid() and not designer.error_label.isVisibleTo(designer)


def test_set_experiment_shows_the_design_without_emitting(designer):
    changed = Counter(designer.changed)
    exp = Experiment(hidden=[LayerSpec(3, "relu"), LayerSpec(6, "leaky_relu", alpha=0.1)],
                     output=LayerSpec(1, "tanh"), loss="mse", init="normal",
                     init_params={"std": 0.3})
    designer.set_experiment(exp)
    assert len(changed) == 0
    assert len(designer.rows) == 2
    assert designer.override.isChecked()
    assert designer.out_activation.currentText() == "tanh"
    assert designer.init_param.isVisibleTo(designer)
    assert designer.init_param.value() == pytest.approx(0.3)
    copy = Experiment()
    designer.apply_to(copy)
    assert copy.hidden == exp.hidden
    assert (copy.output.activation, copy.loss, copy.init, copy.init_params) == \
        ("tanh", "mse", "normal", {"std": 0.3})


def test_a_loss_without_output_activation_follows_the_engine_rule(designer):
    designer.set_io(2, "binary", 2)
    designer.set_experiment(Experiment(loss="hinge"))
    assert designer.override.isChecked()
    assert (designer.out_activation.currentText(), designer.loss.currentText()) == \
        ("linear", "hinge")
    designer.set_experiment(Experiment(output=LayerSpec(1, "tanh")))
    assert (designer.out_activation.currentText(), designer.loss.currentText()) == \
        ("tanh", "mse")


def test_panels_fit_a_300_pixel_wide_side_bar(qtbot, data_panel, designer):
    from PySide6.QtWidgets import QScrollArea

    data_panel.set_data_config(DataConfig(name="spiral", noise=0.5, seed=2**31 - 1,
                                          features=["x1", "x2", "sin(x1)", "sin(x2)"]))
    designer.set_experiment(Experiment(hidden=[LayerSpec(8, "leaky_relu"),
                                               LayerSpec(8, "maxout")],
                                       output=LayerSpec(1, "sigmoid"), init="uniform"))
    for panel in (data_panel, designer):
        body = panel.findChild(QScrollArea).widget()
        assert body.minimumSizeHint().width() <= 300, type(panel).__name__
