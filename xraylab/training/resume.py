"""Resuming a network's training after a crash: rerunning the same stage continues where it stopped.

`WeightsBackup` keeps the weights, the optimizer state (learning rate included) and the epoch to resume at, as
Keras's BackupAndRestore does, but crash-safe. `TrainingState` adds what the plateau and early-stopping callbacks
have counted so far and the state of the seed generators that draw dropout masks, and a fingerprint tells whether
the params changed since. So a resumed run ends with the weights an uninterrupted run would have reached, and a
backup from other params or data is set aside rather than resumed.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path
from typing import Any

import keras
import numpy as np

from xraylab import atomic

FINGERPRINT_FILE = "fingerprint.json"
KERAS_BACKUP = "keras"  # WeightsBackup's folder inside the backup
EPOCH_FILE = "epoch.json"  # in KERAS_BACKUP: the epoch to resume at and the weights file saved after it
LOG_BACKUP = "live"  # a copy of the DVCLive log as of the last saved epoch
_KEPT = {  # the counters each callback carries from one epoch to the next
    keras.callbacks.ReduceLROnPlateau: ("wait", "best", "cooldown_counter"),
    keras.callbacks.EarlyStopping: ("wait", "best", "best_epoch", "stopped_epoch"),
}


def fingerprint(*parts: Any) -> str:
    """A digest of everything that decides the weights (params, seed, manifests), JSON-serialisable parts."""
    text = json.dumps(parts, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def open_backup(backup_dir: Path, digest: str) -> bool:
    """Make `backup_dir` ready for this run; True when it holds an interrupted run of the same inputs.

    A backup made under another fingerprint cannot be resumed: it is removed (it is only ever written by
    training itself, never user data) and training starts from epoch 1.
    """
    backup_dir = Path(backup_dir)
    stamp = backup_dir / FINGERPRINT_FILE
    if backup_dir.exists():
        if stamp.is_file() and json.loads(stamp.read_text()) == {"fingerprint": digest}:
            return any(path.is_dir() for path in backup_dir.glob(f"{KERAS_BACKUP}*"))  # a phase saved an epoch
        print(f"train: {backup_dir} holds a run with other params or data; starting afresh")
        shutil.rmtree(backup_dir)
    atomic.write_json(stamp, {"fingerprint": digest})
    return False


def phase_backup(backup_dir: Path, phase: int | None) -> Path:
    """WeightsBackup's folder for a warm-up phase (1, 2, ...) or the main fit (None): each phase compiles its own
    optimizer, so each keeps its own weights and optimizer state, and a rerun replays finished phases from them."""
    return Path(backup_dir) / (KERAS_BACKUP if phase is None else f"{KERAS_BACKUP}_warmup{phase}")


def close_backup(backup_dir: Path) -> None:
    """Training finished and its model is saved: nothing is left to resume."""
    shutil.rmtree(backup_dir, ignore_errors=True)


def restore_log(backup_dir: Path, live_dir: Path) -> None:
    """Put back the DVCLive log of the epochs run before the crash.

    The log is a DVC output without `persist` (so the stage stays run-cacheable): DVC removes it before
    rerunning the stage, and the copy `TrainingState` keeps in the backup is all that is left of it.
    """
    saved = Path(backup_dir) / LOG_BACKUP
    if saved.is_dir():
        with atomic.writing_dir(Path(live_dir)) as temp:
            shutil.copytree(saved, temp, dirs_exist_ok=True)


def trim_log(live_dir: Path, epoch: int) -> None:
    """Drop the DVCLive curve rows of `epoch` and later, which a resumed run is about to log again.

    A crash after DVCLive logged an epoch but before its backup was written leaves the log one epoch
    ahead of the backup; without this that epoch would appear twice in the plots.
    """
    for curve in sorted((Path(live_dir) / "plots" / "metrics").rglob("*.tsv")):
        header, *rows = curve.read_text().splitlines(keepends=True)
        kept = [row for row in rows if int(row.split("\t", 1)[0]) < epoch]  # DVCLive's first column: step
        if len(kept) < len(rows):
            atomic.write_text(curve, "".join([header, *kept]))


class TrainingState(keras.callbacks.Callback):
    """Saves the listed callbacks' counters, the model's seed states and a copy of the DVCLive log after every
    epoch; restores the counters and seed states (`restore_log` puts the log back before DVCLive opens it).

    Place it after those callbacks and the logger (so it saves their updated state) and before WeightsBackup.
    A crash between the two saves leaves counters one epoch ahead of the backup; the counters of the
    epoch before are kept for that case, and the first epoch that runs picks the matching ones.
    """

    def __init__(self, backup_dir: Path, callbacks: list[keras.callbacks.Callback],
                 live_dir: Path | None = None, start: int = 0) -> None:
        super().__init__()
        self.backup_dir = Path(backup_dir)
        self.callbacks = callbacks
        self.live_dir = live_dir
        self.start = start  # the epoch this fit begins at when nothing is resumed (after warm-up phases: > 0)
        self._restored = 0  # epochs done according to the counters in place
        self._first_epoch = True

    def on_train_begin(self, logs: dict | None = None) -> None:
        # Restored here already, not only at the first epoch: when the backup holds the last epoch, no
        # epoch runs, and early stopping's best weights must still be there at the end of training.
        saved = sorted(int(path.stem.removeprefix("callbacks_epoch"))
                       for path in self.backup_dir.glob("callbacks_epoch*.json"))
        if saved:
            self._restore(saved[-1])

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        if not self._first_epoch:
            return
        self._first_epoch = False
        if epoch == self.start:
            if self._restored:  # counters of an epoch whose backup never got written: start clean
                for callback in self.callbacks:
                    callback.on_train_begin()  # their own reset
            return
        if epoch != self._restored:
            self._restore(epoch)
        print(f"train: resuming at epoch {epoch + 1} from {self.backup_dir}")

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        done = epoch + 1
        counters = [{name: _plain(getattr(callback, name)) for name in _KEPT[type(callback)]}
                    for callback in self.callbacks]
        arrays = {f"{index}_{layer}": weights
                  for index, callback in enumerate(self.callbacks)
                  for layer, weights in enumerate(getattr(callback, "best_weights", None) or [])}
        arrays.update({f"seed_{index}": variable.numpy() for index, variable in enumerate(self._seed_states())})
        with atomic.writing(self._weights_path(done)) as temp:
            with open(temp, "wb") as handle:
                np.savez(handle, **arrays)
        if self.live_dir is not None and Path(self.live_dir).is_dir():
            with atomic.writing_dir(self.backup_dir / LOG_BACKUP) as temp:
                shutil.copytree(self.live_dir, temp, dirs_exist_ok=True)
        atomic.write_json(self._counters_path(done), counters)  # written last: it marks the epoch saved
        self._counters_path(done - 2).unlink(missing_ok=True)
        self._weights_path(done - 2).unlink(missing_ok=True)

    def _restore(self, done: int) -> None:
        counters = json.loads(self._counters_path(done).read_text())
        with np.load(self._weights_path(done)) as arrays:
            for index, (callback, values) in enumerate(zip(self.callbacks, counters)):
                for name, value in values.items():
                    setattr(callback, name, value)
                layers = sorted((key for key in arrays.files if key.startswith(f"{index}_")),
                                key=lambda key: int(key.split("_")[1]))
                if layers:
                    callback.best_weights = [arrays[key] for key in layers]
            for index, variable in enumerate(self._seed_states()):
                variable.assign(arrays[f"seed_{index}"])
        self._restored = done

    def _seed_states(self) -> list:
        # Model state that is not a weight: the seed generators of dropout and other random layers.
        weights = {variable.path for variable in self.model.weights}
        return [variable for variable in self.model.variables if variable.path not in weights]

    def _counters_path(self, done: int) -> Path:
        return self.backup_dir / f"callbacks_epoch{done}.json"

    def _weights_path(self, done: int) -> Path:
        return self.backup_dir / f"best_weights_epoch{done}.npz"


class WeightsBackup(keras.callbacks.Callback):
    """The model's weights and optimizer state after every epoch, and on a rerun the epoch to go on from.

    What keras.callbacks.BackupAndRestore does, made crash-safe. Keras writes the new weights over the old file and
    then the epoch number into another: a crash between the two (tests/e2e/test_repro_resume.py's kill landed there
    now and then) resumed this epoch's weights as the previous epoch's, trained that epoch twice and ended with other
    weights. Here each epoch's weights go to a file of their own, and EPOCH_FILE, which names them, is replaced
    last and atomically: wherever a run stops, it names weights that were written completely.
    """

    def __init__(self, directory: Path) -> None:
        super().__init__()
        self.directory = Path(directory)

    def on_train_begin(self, logs: dict | None = None) -> None:
        state = self.directory / EPOCH_FILE
        if not state.is_file():
            return
        saved = json.loads(state.read_text())
        if self.model.optimizer is not None and not self.model.optimizer.built:
            self.model.optimizer.build(self.model.trainable_variables)  # its variables must exist to be loaded
        self.model.load_weights(self.directory / saved["weights"])
        self.model._initial_epoch = saved["epoch"]  # where fit() starts: Keras's BackupAndRestore sets the same

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        name = f"epoch{epoch + 1}.weights.h5"
        temp = self.directory / f".{name}.tmp.weights.h5"  # Keras wants the .weights.h5 ending
        self.model.save_weights(temp, overwrite=True)
        os.replace(temp, self.directory / name)
        atomic.write_json(self.directory / EPOCH_FILE, {"epoch": epoch + 1, "weights": name})
        for older in self.directory.glob("epoch*.weights.h5"):
            if older.name != name:
                older.unlink()


def _plain(value: Any) -> Any:
    # Monitored values may arrive as NumPy or TensorFlow scalars; JSON keeps Python numbers (floats exactly).
    return None if value is None else np.asarray(value).item()
