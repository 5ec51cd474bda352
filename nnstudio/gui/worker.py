"""The training worker: trains in its own QThread and sends snapshots to the GUI.

The GUI thread never trains and never touches the worker's network. It talks to the
worker through thread-safe command methods (``play``, ``set_learning_rate``,
``set_weight``, ...) that only put a command on a queue; the worker applies queued
commands *between* training steps. Training runs in chunks of ~15 ms; after each chunk the
worker's event loop runs, so commands and shutdown are handled promptly. At most 28 times a
second the worker emits a :class:`Snapshot` holding copies of what the views need, and
only after the GUI has acknowledged the previous one (so a slow GUI is never flooded);
while training it waits for the GUI to draw each snapshot and then trains on for a time
that keeps the GUI's share bounded (see :meth:`TrainingWorker._frame`). BLAS is pinned to one
thread while the worker runs: for small networks more threads only cost (see DESIGN.md,
"Threading").

Between snapshots the worker also measures the activation statistics on a spread of steps
(bounded in time, see :meth:`TrainingWorker._measure_every`), so that the activation plot
has dense bands even for a run that is over in a fraction of a second. A speed limit
(:meth:`TrainingWorker.set_speed_limit`) paces training so a student can watch the network
learn: the worker then waits in its event loop (its timer), never in a busy loop.
"""

from __future__ import annotations

import copy
import math
import queue
import threading
import time
from collections import deque
from typing import Any

import numpy as np
from PySide6.QtCore import QObject, QThread, QTimer, Signal, Slot
from threadpoolctl import threadpool_limits

from nnstudio.engine import grids
from nnstudio.engine.errors import NNStudioError
from nnstudio.engine.histograms import all_histograms
from nnstudio.engine.training import ActivationStats, StepReport, Trainer, activation_stats
from nnstudio.gui import qtfix
from nnstudio.gui.session import Session
from nnstudio.gui.snapshot import Snapshot

SNAPSHOT_INTERVAL = 1.0 / 28.0  # seconds between snapshots while training (<= 28 frames/s)
CHUNK_SECONDS = 0.015  # training time between two visits of the worker's event loop
ACK_TIMEOUT = 1.0  # emit anyway if the GUI has not acknowledged a snapshot for this long
DRAW_WAIT = 0.25  # while training, wait this long at most for the GUI to draw a snapshot
GUI_SHARE = 0.25  # while training, the GUI's frames may take at most this share of the time
OUTPUT_RESOLUTION = 100
NEURON_RESOLUTION = 24
MAX_PENDING_SAMPLES = 200_000  # per-step samples kept while the GUI is not listening
MAX_PENDING_PARAMS = 128  # epoch-boundary weight copies kept between two snapshots
TIMELINE_GRID = 100  # weights of every epoch up to 100, of every 2nd up to 200, 4th up to 400...
HISTOGRAM_INTERVAL = 0.1  # seconds between histograms while training (set_histogram_interval)
VIEWS_INTERVAL = 0.1  # seconds between output/neuron pictures while training (<= 10/s)
HISTOGRAM_BINS = 30
HISTOGRAM_ROWS = 256  # training rows whose activations the histograms count
INITIAL_ACT_ROWS = 2048  # training rows the activation statistics before training count
METRIC_KEYS = ("train_loss", "test_loss", "train_accuracy", "test_accuracy")
# activation statistics measured between snapshots (for the activation plot's history)
ACT_MAX_RATE = 200.0  # at most this many measurements a second ...
ACT_MAX_SHARE = 0.02  # ... and at most this share of the training time
ACT_FLOOR_STEPS = 64  # but at least every 64 steps during the first ...
ACT_FLOOR_UNTIL = 8192  # ... 8192 steps of a run (~128 samples: a short run is dense too)
MAX_PENDING_ACTS = 4096  # measurements kept while the GUI is not listening
PACE_SLACK = 0.05  # seconds a speed-limited run may fall behind and then catch up
PACE_MAX_WAIT_MS = 50  # a speed-limited worker looks at its clock at least this often

qtfix.install()  # the worker emits many signals: PySide6 6.12 on Python < 3.12 needs it


def _release_blas_control(force: bool = False) -> None:
    """threadpoolctl >= 3.8 lets one thread at a time set OpenBLAS's (process-wide) limit and
    treats a finished QThread as still alive: hand control back so the next worker can pin."""
    try:
        from threadpoolctl import OpenBLASController
    except ImportError:
        return
    clear = getattr(OpenBLASController, "clear_controlling_thread", None)
    if clear is not None:
        clear(force=force)


class TrainingWorker(QObject):
    """Owns a session's network and trainer; lives in a QThread (see :class:`TrainingThread`)."""

    snapshot = Signal(object)  # Snapshot
    diverged = Signal(str)  # a message a student understands
    finished = Signal()  # the worker has shut down (its thread may quit)
    running_changed = Signal(bool)
    limit_reached = Signal(int)  # "stop after N epochs" reached N
    error = Signal(str)  # a command or step failed; training is paused
    rendered = Signal(object)  # (request id, Snapshot | None): see render()
    _wake = Signal()

    def __init__(self, session: Session, generation: int = 0,
                 snapshot_interval: float = SNAPSHOT_INTERVAL,
                 chunk_seconds: float = CHUNK_SECONDS, draw_wait: float = DRAW_WAIT) -> None:
        super().__init__()
        self._drawn = threading.Event()
        self._draw_wait = draw_wait
        self._commands: queue.SimpleQueue[tuple[Any, ...]] = queue.SimpleQueue()
        self._session = session
        self._generation = generation
        self._snapshot_interval = snapshot_interval
        self._chunk_seconds = chunk_seconds
        self._running = False
        self._until_epoch_end = False  # "step one epoch" in progress
        self._stop_after: int | None = None
        self._shut_down = False
        self._timer: QTimer | None = None
        self._limiter: Any = None
        # per-step samples since the last snapshot
        self._steps: list[int] = []
        self._losses: list[float] = []
        self._grads: list[np.ndarray] = []
        self._history_index = 0
        self._last_act: ActivationStats | None = None
        # activation statistics measured since the last snapshot: (step, stats)
        self._act_log: list[tuple[int, ActivationStats]] = []
        self._next_act_at = 0.0  # time of the next time-spread measurement
        self._next_act_step = 0  # step of the next measurement (the floor of short runs)
        self._act_cost = 0.0  # smoothed seconds of a step that measures its activations
        # speed limit (steps a second; None: full speed) and the time the next step is due
        self._speed_limit: float | None = None
        self._next_step_at = 0.0
        #: (step, edits) when _last_act is of the whole training data (None: a mini-batch's)
        self._act_of: tuple[int, int] | None = None
        self._next_snapshot_at = 0.0
        self._frame_cost = 0.0  # smoothed seconds per frame: building + the GUI drawing it
        self._pending_since: float | None = None  # time of the unacknowledged snapshot
        self._rate_marks: deque[tuple[float, int]] = deque(maxlen=64)
        self._fresh = True
        # weight copies for the timeline since the last snapshot (see Snapshot.epoch_params)
        self._epoch_params: list[tuple[int, int, np.ndarray, dict[str, float]]] = []
        self._need_initial_params = True
        self._next_histogram_at = 0.0
        self._histogram_interval = HISTOGRAM_INTERVAL
        self._histogram_of: tuple[int, int] | None = None  # (step, edits) last counted
        self._edits = 0  # weight edits so far (edited weights need new histograms)
        self._next_views_at = 0.0
        # the input plane's grid points, transformed once per session and extent
        self._plane: grids.PlaneViews | None = None
        self._plane_of: tuple[Any, Any] | None = None  # (session, extent) it was made for
        self._wake.connect(self._on_wake)

    # --- GUI side: thread-safe commands ---------------------------------------------------
    def _send(self, *command: Any) -> None:
        self._commands.put(command)
        self._wake.emit()

    def play(self) -> None:
        self._send("play")

    def pause(self) -> None:
        self._send("pause")

    def toggle(self) -> None:
        self._send("toggle")

    def step_batch(self) -> None:
        self._send("step_batch")

    def step_epoch(self) -> None:
        self._send("step_epoch")

    def reset(self, generation: int, seed: int | None = None) -> None:
        """Re-initialize the weights (the session's seed, or ``seed``) and start over."""
        self._send("reset", generation, seed)

    def replace(self, session: Session, generation: int) -> None:
        """Train a new session from now on (the worker takes ownership of it)."""
        self._send("replace", session, generation)

    def set_learning_rate(self, lr: float) -> None:
        self._send("lr", float(lr))

    def set_optimizer(self, name: str) -> None:
        self._send("optimizer", str(name))

    def set_batch_size(self, batch_size: int | None) -> None:
        self._send("batch", batch_size)

    def set_regularization(self, l1: float, l2: float) -> None:
        self._send("reg", float(l1), float(l2))

    def set_weight(self, layer: int, i: int, j: int, value: float) -> None:
        self._send("weight", int(layer), int(i), int(j), float(value))

    def set_bias(self, layer: int, j: int, value: float) -> None:
        self._send("bias", int(layer), int(j), float(value))

    def set_weights(self, weights: list[tuple[np.ndarray, np.ndarray]]) -> None:
        """Set every layer's W and b (e.g. after the inspector's SGD step); copies are sent."""
        self._send("weights", [(np.array(W, dtype=float), np.array(b, dtype=float))
                               for W, b in weights])

    def render(self, request: int, params: np.ndarray) -> None:
        """Compute the views (output picture, neuron images, weights) for another flat
        parameter vector of the same network, e.g. a timeline snapshot, without changing the
        network; ``rendered`` answers with ``(request, Snapshot)``."""
        self._send("render", int(request), np.array(params, dtype=float))

    def rewind(self, generation: int, params: np.ndarray, epoch: int, step: int,
               history: list[dict[str, float]], steps: Any = (), losses: Any = (),
               grads: Any = ()) -> None:
        """Go back to an earlier moment of the run and train on from there: the weights
        ``params``, the epoch and step counters, the per-epoch ``history`` rows up to it and,
        for the plots, the per-step samples up to it. The optimizer starts fresh."""
        self._send("rewind", int(generation), np.array(params, dtype=float), int(epoch),
                   int(step), [dict(row) for row in history], np.array(steps, dtype=np.int64),
                   np.array(losses, dtype=float), np.array(grads, dtype=float))

    def set_histogram_interval(self, seconds: float) -> None:
        """While training, send histograms at most every ``seconds`` (e.g. less often while
        nobody looks at them)."""
        self._send("hist_interval", max(0.0, float(seconds)))

    def set_speed_limit(self, steps_per_second: float | None) -> None:
        """Train at most ``steps_per_second`` steps a second (None: at full speed), so that a
        student can watch the network learn; snapshots keep coming at their usual rate."""
        if steps_per_second is not None:
            steps_per_second = float(steps_per_second)
            if not (math.isfinite(steps_per_second) and steps_per_second > 0):
                raise ValueError(f"a speed limit must be a positive number of steps a second, "
                                 f"not {steps_per_second!r}")
        self._send("speed", steps_per_second)

    @property
    def speed_limit(self) -> float | None:
        """The speed limit in force (steps a second; None: full speed)."""
        return self._speed_limit

    def set_stop_after(self, epochs: int | None) -> None:
        """Pause when the epoch count reaches ``epochs`` (None: train until paused)."""
        self._send("stop_after", epochs)

    def request_snapshot(self) -> None:
        self._send("snapshot")

    def shutdown(self) -> None:
        """Stop training and let the thread finish (``finished`` is emitted)."""
        self._send("quit")

    def acknowledge(self) -> None:
        """The GUI has drawn the last snapshot; the next one may be sent."""
        self._pending_since = None
        self._drawn.set()

    # --- worker side ----------------------------------------------------------------------
    @property
    def running(self) -> bool:
        return self._running

    @Slot()
    def start(self) -> None:
        """Runs in the worker thread when it starts: pin BLAS, create the loop timer."""
        _release_blas_control(force=True)
        self._limiter = threadpool_limits(limits=1)
        self._timer = QTimer(self)
        self._timer.setInterval(0)
        self._timer.timeout.connect(self._tick)
        self._emit_snapshot()
        self._drain()

    @Slot()
    def _on_wake(self) -> None:
        if self._timer is None and not self._shut_down:
            return  # not started yet: start() drains the queue
        self._drain()

    def _drain(self) -> None:
        """Apply every queued command (between steps)."""
        while not self._shut_down:
            try:
                command = self._commands.get_nowait()
            except queue.Empty:
                return
            try:
                self._apply(command)
            except Exception as exc:  # a bad value must not kill the thread
                self._set_running(False)
                self.error.emit(str(exc) or type(exc).__name__)

    def _apply(self, command: tuple[Any, ...]) -> None:
        name, args = command[0], command[1:]
        trainer = self._session.trainer
        network = self._session.network
        if name == "play":
            self._start_running()
        elif name == "pause":
            self._until_epoch_end = False
            self._set_running(False)
            self._emit_snapshot()
        elif name == "toggle":
            if self._running:
                self._apply(("pause",))
            else:
                self._start_running()
        elif name == "step_batch":
            self._until_epoch_end = False
            self._set_running(False)
            if self._check_not_diverged():
                self._log_initial_params()
                self._record(trainer.step(collect_activations=True))
                self._after_manual_step()
        elif name == "step_epoch":
            if self._check_not_diverged():
                self._until_epoch_end = True
                self._set_running(True)
        elif name == "reset":
            self._reset(args[0], args[1])
        elif name == "replace":
            self._session, self._generation = args[0], args[1]
            self._restart_counters()
            self._until_epoch_end = False
            self._set_running(False)
            self._emit_snapshot()
        elif name == "lr":
            trainer.set_learning_rate(args[0])
        elif name == "optimizer":
            trainer.set_optimizer(args[0])
        elif name == "batch":
            trainer.set_batch_size(args[0])
        elif name == "reg":
            trainer.set_regularization(args[0], args[1])
        elif name == "weight":
            network.set_weight(*args)
            self._after_edit()
        elif name == "bias":
            network.set_bias(*args)
            self._after_edit()
        elif name == "weights":
            network.set_weights(args[0])
            self._after_edit()
        elif name == "render":
            self._render(args[0], args[1])
        elif name == "rewind":
            self._rewind(*args)
        elif name == "hist_interval":
            self._histogram_interval = args[0]
            self._next_histogram_at = min(self._next_histogram_at,
                                          time.perf_counter() + args[0])
        elif name == "stop_after":
            self._stop_after = None if args[0] is None else int(args[0])
        elif name == "speed":
            self._speed_limit = args[0]
            self._next_step_at = time.perf_counter()  # the new pace starts now
            self._rate_marks.clear()  # (the reported steps/s: measured at the new pace only)
            if self._running and self._timer is not None:
                self._timer.start(0)  # (it may be waiting for a slower pace's next step)
        elif name == "snapshot":
            self._emit_snapshot()
        elif name == "quit":
            self._quit()
        else:
            raise ValueError(f"unknown worker command {name!r}")

    def _check_not_diverged(self) -> bool:
        message = self._session.trainer.diverged
        if message:
            self._set_running(False)
            self.diverged.emit(message)
            return False
        return True

    def _start_running(self) -> None:
        if not self._check_not_diverged():
            return
        if self._stop_after is not None and self._session.trainer.epoch >= self._stop_after:
            self.limit_reached.emit(self._stop_after)
            return
        self._until_epoch_end = False
        self._set_running(True)

    def _set_running(self, running: bool) -> None:
        if running == self._running:
            return
        self._running = running
        if self._timer is not None:
            if running:
                self._timer.start()
            else:
                self._timer.stop()
        if running:
            now = time.perf_counter()
            self._rate_marks.clear()
            self._rate_marks.append((now, self._session.trainer.step_count))
            self._next_step_at = now
        self.running_changed.emit(running)

    def _after_edit(self) -> None:
        self._edits += 1
        if not self._running:
            self._emit_snapshot()

    def _after_manual_step(self) -> None:
        if self._session.trainer.diverged:
            self._on_diverged(self._session.trainer.diverged)
        else:
            self._emit_snapshot()

    def _restart_counters(self) -> None:
        self._steps.clear()
        self._losses.clear()
        self._grads.clear()
        self._history_index = 0
        self._last_act = None
        self._act_log = []
        self._next_act_at = 0.0
        self._next_act_step = 0
        self._rate_marks.clear()
        self._fresh = True
        self._epoch_params = []
        self._need_initial_params = True
        self._next_histogram_at = 0.0
        self._histogram_of = None
        self._next_views_at = 0.0

    def _reset(self, generation: int, seed: int | None) -> None:
        session = self._session
        old = session.trainer
        if seed is not None:
            session.seed = int(seed)
        session.network.reinitialize(session.seed)
        config = copy.deepcopy(old.config)
        session.trainer = Trainer(session.network, old.X_train, old.Y_train, old.X_test,
                                  old.Y_test, config)
        self._generation = generation
        self._restart_counters()
        self._until_epoch_end = False
        self._set_running(False)
        self._emit_snapshot()

    def _quit(self) -> None:
        self._set_running(False)
        self._shut_down = True
        if self._timer is not None:
            self._timer.stop()
        if self._limiter is not None:
            self._limiter.restore_original_limits()
            self._limiter = None
            _release_blas_control()
        self.finished.emit()
        thread = self.thread()
        if thread is not None and thread is QThread.currentThread():
            thread.quit()  # a direct call: the GUI thread may be blocked in wait()

    @Slot()
    def _tick(self) -> None:
        """One chunk of training (~15 ms), then back to the event loop. Under a speed limit
        the chunk ends when the next step is not due yet, and the timer fires again when it
        is (the worker waits in its event loop: commands stay prompt)."""
        self._drain()
        if not self._running or self._shut_down:
            return
        trainer = self._session.trainer
        commands = self._commands
        now = time.perf_counter()
        deadline = now + self._chunk_seconds
        self._log_initial_params()
        limit = self._speed_limit
        period = 0.0 if limit is None else 1.0 / limit
        next_step_at = self._next_step_at
        if limit is not None and next_step_at < now - PACE_SLACK:
            next_step_at = now - PACE_SLACK  # fell behind (a long frame): no long burst
        next_act_at, next_act_step = self._next_act_at, self._next_act_step
        # a speed limit of one frame a step or slower: every step is shown
        every_step = limit is not None and limit * self._snapshot_interval <= 1.0
        wait = 0.0
        try:
            # the per-step bookkeeping of _record and whether a snapshot is due, inlined
            # with local names: at ~20 us a step, attribute look-ups and calls would cost
            # several per cent
            steps, losses, grads = self._steps, self._losses, self._grads
            while True:
                if limit is not None:
                    if now < next_step_at:
                        wait = next_step_at - now
                        return
                    next_step_at += period
                due = (every_step or now >= self._next_snapshot_at) and (
                    self._pending_since is None or now - self._pending_since >= ACK_TIMEOUT)
                measure = due or now >= next_act_at or trainer.step_count >= next_act_step
                report = trainer.step(collect_activations=measure)
                steps.append(report.step)
                losses.append(report.loss)
                grads.append(report.grad_mean_abs)
                if measure:
                    next_act_at, next_act_step = self._measured(report, now)
                if report.diverged:
                    self._on_diverged(report.diverged)
                    return
                if report.epoch_end:
                    if _on_timeline_grid(trainer.epoch):
                        self._log_params()
                    if self._until_epoch_end:
                        self._until_epoch_end = False
                        self._set_running(False)
                        self._log_params()  # where training stops, off the grid or not
                        self._emit_snapshot()
                        return
                    if self._stop_after is not None and trainer.epoch >= self._stop_after:
                        self._log_params()
                        self._set_running(False)
                        # the limit first: the GUI then shows the snapshot as "stopped at"
                        self.limit_reached.emit(self._stop_after)
                        self._emit_snapshot()
                        return
                if due:
                    self._frame()  # (the snapshot took the sample lists: new ones now)
                    steps, losses, grads = self._steps, self._losses, self._grads
                elif len(steps) > MAX_PENDING_SAMPLES:
                    self._thin_samples()  # nobody is listening: keep every 2nd
                    steps, losses, grads = self._steps, self._losses, self._grads
                now = time.perf_counter()
                if now >= deadline:
                    return
                if not commands.empty():
                    self._drain()
                    if not self._running or self._shut_down:
                        return
                    trainer = self._session.trainer
                    steps, losses, grads = self._steps, self._losses, self._grads
                    next_act_at, next_act_step = self._next_act_at, self._next_act_step
                    if self._speed_limit != limit:
                        return  # a new pace: the next chunk keeps it
        except Exception as exc:  # never let an engine error kill the thread
            self._set_running(False)
            self.error.emit(f"Training stopped: {exc}")
        finally:
            if limit is not None and self._speed_limit == limit:
                self._next_step_at = next_step_at
            self._pace_timer(wait)

    def _pace_timer(self, wait: float) -> None:
        """Let the timer fire again at once (``wait`` 0) or after ``wait`` seconds (the next
        step of a speed-limited run), looking at the clock at least every
        PACE_MAX_WAIT_MS."""
        timer = self._timer
        if timer is None or not self._running or self._shut_down:
            return
        ms = 0 if wait <= 0 else min(max(1, math.ceil(wait * 1000.0)), PACE_MAX_WAIT_MS)
        if timer.interval() != ms:
            timer.start(ms)

    def _measured(self, report: StepReport, started: float) -> tuple[float, int]:
        """Log the activation statistics a step measured; when the next measurement is due:
        (time, step). Measurements are spread over time, at most ACT_MAX_RATE a second and
        at most ACT_MAX_SHARE of the training time (the cost of a measuring step is
        followed), and for the first ACT_FLOOR_UNTIL steps of a run at least every
        ACT_FLOOR_STEPS steps (a run over in a fraction of a second gets dense bands too)."""
        now = time.perf_counter()
        act = report.act
        if act is not None:
            self._last_act, self._act_of = act, None  # (a mini-batch's)
            log = self._act_log
            log.append((report.step, act))
            if len(log) > MAX_PENDING_ACTS:  # nobody is listening: keep every 2nd
                del log[::2]
        cost = now - started  # the whole step (an upper bound of the measuring's cost)
        self._act_cost = cost if self._act_cost == 0 else 0.9 * self._act_cost + 0.1 * cost
        self._next_act_at = now + max(1.0 / ACT_MAX_RATE, self._act_cost / ACT_MAX_SHARE)
        self._next_act_step = report.step + ACT_FLOOR_STEPS \
            if report.step < ACT_FLOOR_UNTIL else 1 << 62
        return self._next_act_at, self._next_act_step

    def _frame(self) -> None:
        """Send a snapshot while training and let the GUI draw it.

        Both threads run mostly Python, so they cannot draw and train at the same time
        anyway (the GIL), and competing for the GIL costs the waiting side up to a switch
        interval (5 ms) per hand-over, and PySide keeps the GIL while Qt paints. So the
        worker waits (bounded) until the GUI has drawn the snapshot, then trains for at
        least ``(1 - GUI_SHARE) / GUI_SHARE`` times as long as that frame took: the GUI
        gets at most ``GUI_SHARE`` of the time, and up to 28 frames a second.
        """
        start = time.perf_counter()
        self._emit_snapshot()
        if self._draw_wait > 0:
            self._drawn.wait(self._draw_wait)
        end = time.perf_counter()
        cost = end - start
        self._frame_cost = cost if self._frame_cost == 0 else \
            0.8 * self._frame_cost + 0.2 * cost
        train = max(self._snapshot_interval - self._frame_cost,
                    self._frame_cost * (1.0 - GUI_SHARE) / GUI_SHARE)
        self._next_snapshot_at = end + train

    def _record(self, report: StepReport) -> None:
        self._steps.append(report.step)
        self._losses.append(report.loss)
        self._grads.append(report.grad_mean_abs)
        if report.act is not None:
            self._last_act, self._act_of = report.act, None  # (a mini-batch's)
            self._act_log.append((report.step, report.act))
        if report.epoch_end and _on_timeline_grid(self._session.trainer.epoch):
            self._log_params()
        if len(self._steps) > MAX_PENDING_SAMPLES:  # nobody is listening: keep every 2nd
            self._thin_samples()

    def _thin_samples(self) -> None:
        self._steps = self._steps[1::2]
        self._losses = self._losses[1::2]
        self._grads = self._grads[1::2]

    # --- the timeline's weight copies, rendering and rewinding -----------------------------
    def _log_initial_params(self) -> None:
        """The weights when training begins (epoch 0, or where a rewind left off)."""
        if self._need_initial_params:
            self._need_initial_params = False
            self._log_params()

    def _log_params(self) -> None:
        trainer, network = self._session.trainer, self._session.network
        if self._epoch_params and self._epoch_params[-1][1] == trainer.step_count:
            return  # this moment is logged already
        row = trainer.history[-1] if trainer.history else {}
        metrics = {k: float(row[k]) for k in METRIC_KEYS
                   if isinstance(row.get(k), (int, float)) and math.isfinite(row[k])}
        log = self._epoch_params
        log.append((trainer.epoch, trainer.step_count, network.params.copy(), metrics))
        if len(log) > MAX_PENDING_PARAMS:  # the GUI is not keeping up: keep every other one
            last = log[-1]
            del log[1::2]
            if log[-1] is not last:
                log.append(last)

    def _render(self, request: int, params: np.ndarray) -> None:
        session = self._session
        if params.shape != session.network.params.shape:
            self.rendered.emit((request, None))  # from another network: nothing to show
            return
        display = session.network.copy()
        np.copyto(display.params, params)
        snap = Snapshot(step=session.trainer.step_count, epoch=session.trainer.epoch,
                        weights=display.get_weights(), generation=self._generation)
        with np.errstate(all="ignore"):
            self._add_views(snap, session, display)
        self.rendered.emit((request, snap))

    def _rewind(self, generation: int, params: np.ndarray, epoch: int, step: int,
                history: list[dict[str, float]], steps: np.ndarray, losses: np.ndarray,
                grads: np.ndarray) -> None:
        session = self._session
        network = session.network
        if params.shape != network.params.shape:
            raise NNStudioError(f"these weights have {params.size} parameters but the network "
                                f"has {network.params.size}; they belong to another network")
        np.copyto(network.params, params)
        old = session.trainer
        trainer = Trainer(network, old.X_train, old.Y_train, old.X_test, old.Y_test,
                          copy.deepcopy(old.config))
        trainer.epoch, trainer.step_count = int(epoch), int(step)
        trainer.history = [dict(row) for row in history]
        session.trainer = trainer
        self._generation = generation
        self._restart_counters()
        n_layers = network.n_layers
        if len(steps) and grads.ndim == 2 and grads.shape == (len(steps), n_layers) \
                and len(losses) == len(steps):
            self._steps = [int(s) for s in steps]
            self._losses = [float(v) for v in losses]
            self._grads = list(grads)
        self._until_epoch_end = False
        self._set_running(False)
        self._emit_snapshot()

    def _on_diverged(self, message: str) -> None:
        self._until_epoch_end = False
        self._set_running(False)
        self._emit_snapshot()
        self.diverged.emit(message)

    # --- snapshots ------------------------------------------------------------------------
    def _steps_per_second(self, now: float, step: int) -> float:
        if not self._running:
            return 0.0
        marks = self._rate_marks
        marks.append((now, step))
        while len(marks) > 2 and now - marks[0][0] > 1.0:
            marks.popleft()
        t0, s0 = marks[0]
        return (step - s0) / (now - t0) if now > t0 else 0.0

    def _emit_snapshot(self) -> None:
        now = time.perf_counter()
        snap = self._build_snapshot(now)
        self._next_snapshot_at = now + self._snapshot_interval
        self._pending_since = now
        self._drawn.clear()
        self.snapshot.emit(snap)

    def _build_snapshot(self, now: float) -> Snapshot:
        session = self._session
        trainer, network = session.trainer, session.network
        n_layers = network.n_layers
        steps = np.asarray(self._steps, dtype=np.int64)
        losses = np.asarray(self._losses, dtype=np.float64)
        # (one concatenate of the 1-D rows: np.vstack costs a Python call per row)
        grads = np.concatenate(self._grads).reshape(len(self._grads), -1) if self._grads \
            else np.zeros((0, n_layers))
        self._steps, self._losses, self._grads = [], [], []
        history = trainer.history
        epochs = [dict(row) for row in history[self._history_index:]]
        self._history_index = len(history)
        metrics: dict[str, float | None] = {}
        if history:
            last = history[-1]
            for key in ("train_loss", "test_loss", "train_accuracy", "test_accuracy"):
                value = last.get(key)
                metrics[key] = None if value is None or (isinstance(value, float)
                                                         and math.isnan(value)) else value
        act = self._last_act
        moment = (trainer.step_count, self._edits)
        if act is None or (not self._running and self._act_of != moment):
            # nothing measured yet (a new run, a reset, a rewind), or paused: the network as
            # it is, on the training data (not the last measured mini-batch's, which may be
            # thousands of steps old, or a weight edit ago)
            act = self._last_act = self._initial_activation_stats()
            self._act_of = moment
            if act is not None:  # (a new reading of this moment replaces a logged one)
                log = self._act_log
                if log and log[-1][0] == trainer.step_count:
                    log.pop()
                log.append((trainer.step_count, act))
        snap = Snapshot(
            step=trainer.step_count, epoch=trainer.epoch,
            steps_per_second=self._steps_per_second(now, trainer.step_count),
            running=self._running, steps=steps, losses=losses, grads=grads, epochs=epochs,
            act=act, weights=network.get_weights(), diverged=trainer.diverged,
            metrics=metrics, fresh=self._fresh, generation=self._generation,
            epoch_params=self._epoch_params,
        )
        self._epoch_params = []
        if self._act_log:
            log, self._act_log = self._act_log, []
            snap.act_steps = np.fromiter((step for step, _ in log), dtype=np.int64,
                                         count=len(log))
            snap.act_percentiles = np.stack([a.percentiles for _, a in log])
            snap.act_saturated = np.stack([a.saturated for _, a in log])
            snap.act_dead = np.stack([a.dead for _, a in log])
        self._fresh = False
        # the pictures (100x100 output grid, neuron grids) and the histograms cost more
        # than the rest of a snapshot: while training each is computed at most every
        # VIEWS_INTERVAL / the histogram interval, and not both in one snapshot (the cost is
        # spread over the frames); the snapshots in between carry None and the views keep
        # their last picture
        # (at a speed limit of one frame per step or slower, every step's pictures are
        # shown: the worker has time to spare)
        limit = self._speed_limit
        every = not self._running or (limit is not None
                                      and limit * self._snapshot_interval <= 1.0)
        views = every or now >= self._next_views_at
        moment = (trainer.step_count, self._edits)  # histograms only of new weights
        histograms = moment != self._histogram_of and (
            every or now >= self._next_histogram_at)
        if not every and views and histograms:  # both due: the one waiting longer
            if self._next_histogram_at < self._next_views_at:
                views = False
            else:
                histograms = False
        if histograms:
            self._next_histogram_at = now + self._histogram_interval
            self._histogram_of = moment
            with np.errstate(all="ignore"):
                snap.histograms = all_histograms(network, HISTOGRAM_BINS,
                                                 X=trainer.X_train[:HISTOGRAM_ROWS])
        if views:
            self._next_views_at = now + VIEWS_INTERVAL
            self._add_views(snap, session)
        return snap

    def _initial_activation_stats(self) -> ActivationStats | None:
        """The activation statistics of the network as it is, over (up to
        INITIAL_ACT_ROWS of) the training data: what the activation plot shows at the start
        of a run, before a training step has measured any."""
        network = self._session.network
        X = self._session.trainer.X_train
        if not len(X):
            return None
        with np.errstate(all="ignore"):
            network.forward(X[:INITIAL_ACT_ROWS])
            return activation_stats(network)

    def _add_views(self, snap: Snapshot, session: Session, network: Any = None) -> None:
        """The output picture for the current weights (grids are computed here, not in the
        GUI); ``network``: another network than the session's (e.g. a timeline moment)."""
        network = session.network if network is None else network
        if not np.isfinite(network.params).all():
            return  # diverged weights: nothing meaningful to draw
        transform = session.prepared.transform
        extent = session.context.extent
        if extent is not None:
            snap.output, snap.neuron_images = self._plane_views(session).evaluate(
                network.params)
        elif session.x_range is not None:
            snap.curve = grids.regression_curve(network, transform, session.x_range)
        elif session.task != "regression":
            X, y = session.eval_set()
            predicted = network.predict_classes(X)
            snap.confusion = grids.confusion_matrix(y, predicted, max(session.n_classes, 2))


    def _plane_views(self, session: Session) -> grids.PlaneViews:
        """The evaluator of the session's input plane (made again for a new session or
        extent: the grid points only change with the data)."""
        extent = session.context.extent
        plane = self._plane
        if plane is None or self._plane_of is None or self._plane_of[0] is not session \
                or self._plane_of[1] != extent or not plane.fits(session.network):
            plane = self._plane = grids.PlaneViews(session.network, session.prepared.transform,
                                                   extent, OUTPUT_RESOLUTION,
                                                   NEURON_RESOLUTION)
            self._plane_of = (session, extent)
        return plane


def _on_timeline_grid(epoch: int) -> bool:
    """Whether the weights after ``epoch`` go to the timeline: every epoch up to
    TIMELINE_GRID, then every 2nd up to twice that, every 4th up to four times ... (the
    timeline keeps a bounded, evenly spread subset anyway; copying every epoch of a fast
    run would only cost time in both threads)."""
    stride = 1
    while epoch > TIMELINE_GRID * stride:
        stride *= 2
    return epoch % stride == 0


class TrainingThread(QObject):
    """A :class:`TrainingWorker` in its own QThread, with a clean shutdown."""

    def __init__(self, session: Session, generation: int = 0, parent: QObject | None = None,
                 **worker_options: float) -> None:
        super().__init__(parent)
        self.thread = QThread()
        self.thread.setObjectName("nnstudio-training")
        self.worker = TrainingWorker(session, generation, **worker_options)
        self.worker.moveToThread(self.thread)
        self.thread.started.connect(self.worker.start)

    def start(self) -> None:
        self.thread.start()

    def shutdown(self, timeout_ms: int = 10_000) -> bool:
        """Stop the worker and join its thread. Returns False if it did not end in time."""
        if not self.thread.isRunning():
            return True
        self.worker.shutdown()
        self.worker.acknowledge()  # do not let it wait for a frame that will not be drawn
        finished = self.thread.wait(timeout_ms)
        if not finished:  # should not happen: chunks are short
            self.thread.quit()
            finished = self.thread.wait(2000)
        return bool(finished)
