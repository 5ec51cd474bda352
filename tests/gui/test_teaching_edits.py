"""Teaching tools, the finishing touches: a weight edit while the timeline shows an earlier
moment, kept runs that are not saved when the window closes, clearing the inspector, and
the snapshot handler's bookkeeping (the timeline bar, the run store)."""

from __future__ import annotations

import json

import numpy as np

from nnstudio.gui import teaching_runs
from tests.gui.test_teaching_wiring import train_epochs


def live_weights(win):
    assert not win.running
    return win.worker._session.network.get_weights()


# --- editing weights while looking back ----------------------------------------------------------

def test_a_weight_edit_while_scrubbed_is_refused_with_a_message(qtbot, window):
    win = window()
    teaching = win.teaching
    train_epochs(qtbot, win, 3)
    before = live_weights(win)
    teaching.timeline_bar.scrub_to(1)
    qtbot.waitUntil(lambda: win.live_view_frozen, timeout=3000)

    assert not teaching.weight_edit_allowed()
    assert not teaching.edit_weight(0, 0, 0, 5.0)
    assert not teaching.edit_bias(0, 0, 5.0)
    win.edit_weight(0, 0, 0, 5.0)  # what the network view calls: dropped as well
    win.edit_bias(0, 0, 5.0)
    message = win.statusBar().currentMessage()
    assert "Return to the present to edit weights" in message and "epoch 1" in message
    assert win.wait_for_idle(3.0)
    W0, b0 = live_weights(win)[0]
    assert W0[0, 0] == before[0][0][0, 0] and b0[0] == before[0][1][0]  # live net untouched

    # back at the present, the edit goes to the live network
    teaching.timeline_bar.present_button.click()
    assert teaching.weight_edit_allowed()
    assert teaching.edit_weight(0, 0, 0, 5.0)
    assert teaching.edit_bias(0, 1, -2.0)
    qtbot.waitUntil(lambda: live_weights(win)[0][0][0, 0] == 5.0
                    and live_weights(win)[0][1][1] == -2.0, timeout=3000)


# --- kept runs that are not saved ----------------------------------------------------------------

def test_unsaved_runs_are_counted_once_compare_runs_was_used(qtbot, window, monkeypatch,
                                                              tmp_path):
    win = window()
    teaching = win.teaching
    train_epochs(qtbot, win, 2)
    # the window recorded its run, but nobody looked at the comparison: nothing to ask
    assert len(teaching.store) == 1
    assert teaching.unsaved_runs() == 0
    assert teaching.maybe_save_runs()

    teaching.show_dock(teaching.compare_dock)
    assert teaching.unsaved_runs() == 1

    asked: list[int] = []
    answers = iter([teaching_runs.CANCEL, teaching_runs.SAVE, teaching_runs.SAVE])
    monkeypatch.setattr(teaching_runs, "ask_save_runs",
                        lambda parent, count, before="closing": asked.append(count)
                        or next(answers))
    paths = iter(["", str(tmp_path / "kept.json")])
    monkeypatch.setattr(teaching_runs, "ask_runs_path", lambda parent, folder: next(paths))

    assert not teaching.maybe_save_runs()  # "Cancel": the window stays open
    assert not teaching.maybe_save_runs()  # "Save", then the file dialog was cancelled
    assert teaching.maybe_save_runs()  # saved
    assert asked == [1, 1, 1]
    saved = json.loads((tmp_path / "kept.json").read_text(encoding="utf-8"))
    assert [run["name"] for run in saved["runs"]] == [teaching.store.list()[0].name]
    assert len(saved["runs"][0]["history"]) == 2
    assert teaching.unsaved_runs() == 0
    assert teaching.maybe_save_runs()  # nothing to ask any more

    # training on changes the kept run again
    train_epochs(qtbot, win, 3)
    assert teaching.unsaved_runs() == 1
    monkeypatch.setattr(teaching_runs, "ask_save_runs",
                        lambda parent, count, before="closing": teaching_runs.DISCARD)
    assert teaching.maybe_save_runs()  # "Don't save"


def test_saving_runs_to_a_bad_place_says_why(qtbot, window, monkeypatch, tmp_path):
    win = window()
    teaching = win.teaching
    train_epochs(qtbot, win, 1)
    teaching.show_dock(teaching.compare_dock)
    monkeypatch.setattr(teaching_runs, "ask_save_runs",
                        lambda parent, count, before="closing": teaching_runs.SAVE)
    monkeypatch.setattr(teaching_runs, "ask_runs_path",
                        lambda parent, folder: str(tmp_path / "missing" / "runs.json"))
    assert not teaching.maybe_save_runs()
    assert win.banner.isVisible()
    assert "Cannot save the runs" in win.banner.title.text()
    assert teaching.unsaved_runs() == 1


# --- the inspector -------------------------------------------------------------------------------

def test_the_inspector_can_be_cleared(qtbot, window):
    win = window()
    teaching = win.teaching
    assert teaching.inspect(3)
    inspector = teaching.inspector.inspector
    assert inspector.trace is not None and inspector.tree.topLevelItemCount() > 0
    inspector.clear()
    assert inspector.trace is None and inspector.network is None
    assert inspector.tree.topLevelItemCount() == 0 and inspector.step_table.rowCount() == 0
    assert not inspector.apply_button.isEnabled()
    assert inspector.layer_combo.count() == 0
    assert "pick a training sample" in inspector.header.text()
    assert teaching.inspect(5)  # and it explains again afterwards
    assert inspector.trace is not None


# --- the snapshot handler's bookkeeping ----------------------------------------------------------

def test_the_run_store_changes_only_when_the_run_does(qtbot, window):
    win = window()
    teaching = win.teaching
    train_epochs(qtbot, win, 2)
    record = teaching.store.list()[0]
    revision = teaching.store.revision
    win.worker.request_snapshot()  # a snapshot of the paused network: nothing new
    qtbot.wait(200)
    assert teaching.store.revision == revision
    assert record.epochs_done == 2
    epochs, losses = record.column("train_loss")
    assert epochs.tolist() == [1.0, 2.0] and np.isfinite(losses).all()


def test_the_timeline_bar_follows_training(qtbot, window):
    win = window()
    teaching = win.teaching
    teaching.timeline_toolbar.show()
    train_epochs(qtbot, win, 4)
    qtbot.waitUntil(lambda: "epoch 4" in teaching.timeline_bar.status.text(), timeout=3000)
    assert teaching.timeline_bar.slider.maximum() == len(teaching.timeline)


def test_the_window_feeds_the_teaching_tools_every_snapshot_once(qtbot, window):
    win = window()
    teaching = win.teaching
    assert teaching.fed_by_window  # the window, not the worker's signal, calls on_snapshot
    emitted, fed = [], []
    win.worker.snapshot.connect(emitted.append)
    original = teaching.on_snapshot
    teaching.on_snapshot = lambda snap: fed.append(snap) or original(snap)
    train_epochs(qtbot, win, 2)
    qtbot.waitUntil(lambda: len(fed) == len(emitted), timeout=3000)
    assert [id(s) for s in fed] == [id(s) for s in emitted]
    assert len(teaching.store) == 1 and teaching.store.list()[0].epochs_done == 2
    assert teaching.timeline.epochs() == [0, 1, 2]


def test_closing_the_window_asks_about_unsaved_kept_runs(qtbot, window, unsaved_prompts):
    win = window()
    train_epochs(qtbot, win, 2)
    win.teaching.show_dock(win.teaching.compare_dock)
    assert win.teaching.unsaved_runs() == 1
    win.mark_saved()  # the experiment itself has nothing to save
    win.close()
    assert ("kept runs", "closing") in unsaved_prompts
