"""Resume bookkeeping: which backups are resumed, the weights backup, and the training state it leaves out."""
from pathlib import Path

import keras
import numpy as np
import pytest

from xraylab.training import resume


def test_a_backup_is_resumed_only_under_the_same_fingerprint(tmp_path: Path, capsys):
    backup = tmp_path / "backup"
    assert resume.open_backup(backup, resume.fingerprint({"lr": 0.001}, "manifest-digest")) is False
    (backup / resume.KERAS_BACKUP).mkdir()  # what WeightsBackup writes after an epoch
    assert resume.open_backup(backup, resume.fingerprint({"lr": 0.001}, "manifest-digest")) is True

    assert resume.open_backup(backup, resume.fingerprint({"lr": 0.01}, "manifest-digest")) is False
    assert "holds a run with other params or data; starting afresh" in capsys.readouterr().out
    assert not (backup / resume.KERAS_BACKUP).exists()
    resume.close_backup(backup)
    assert not backup.exists()


def test_fingerprints_follow_their_parts():
    assert resume.fingerprint({"a": 1, "b": 2}) == resume.fingerprint({"b": 2, "a": 1})
    assert resume.fingerprint({"a": 1}) != resume.fingerprint({"a": 2})


def tiny_model() -> keras.Model:
    keras.utils.set_random_seed(0)
    image = keras.Input((4,))
    hidden = keras.layers.Dropout(0.5)(keras.layers.Dense(8, activation="relu")(image))
    model = keras.Model(image, keras.layers.Dense(1, activation="sigmoid")(hidden))
    model.compile(optimizer="adam", loss="binary_crossentropy")
    return model


@pytest.mark.parametrize("epochs", [3, 5])
def test_training_state_puts_back_counters_best_weights_and_seeds(tmp_path: Path, epochs: int):
    rng = np.random.default_rng(0)
    features, labels = rng.normal(size=(32, 4)), rng.integers(0, 2, 32)
    model = tiny_model()
    plateau = keras.callbacks.ReduceLROnPlateau(monitor="loss", patience=1, min_delta=10.0)  # always "stalled"
    stopper = keras.callbacks.EarlyStopping(monitor="loss", patience=10, restore_best_weights=True)
    state = resume.TrainingState(tmp_path, [plateau, stopper])
    model.fit(features, labels, epochs=epochs, batch_size=8, verbose=0, callbacks=[plateau, stopper, state])
    assert sorted(path.name for path in tmp_path.glob("callbacks_epoch*.json")) == \
        [f"callbacks_epoch{epochs - 1}.json", f"callbacks_epoch{epochs}.json"]  # the last two only

    fresh = tiny_model()
    new_plateau = keras.callbacks.ReduceLROnPlateau(monitor="loss", patience=1, min_delta=10.0)
    new_stopper = keras.callbacks.EarlyStopping(monitor="loss", patience=10, restore_best_weights=True)
    for callback in (new_plateau, new_stopper):
        callback.on_train_begin()
    restored = resume.TrainingState(tmp_path, [new_plateau, new_stopper])
    restored.set_model(fresh)
    restored.on_train_begin()
    for old, new in ((plateau, new_plateau), (stopper, new_stopper)):
        for name in ("wait", "best"):
            assert getattr(new, name) == getattr(old, name), name
    assert new_plateau.cooldown_counter == plateau.cooldown_counter
    assert new_stopper.best_epoch == stopper.best_epoch
    for new, old in zip(new_stopper.best_weights, stopper.best_weights, strict=True):
        np.testing.assert_array_equal(new, old)
    seeds = [variable.numpy() for variable in model.variables if "seed" in variable.path]
    assert seeds and seeds[0][1] == epochs * 4  # the dropout generator advanced once per step
    for new, old in zip((v.numpy() for v in fresh.variables if "seed" in v.path), seeds, strict=True):
        np.testing.assert_array_equal(new, old)


def test_trim_log_drops_rows_a_resumed_run_logs_again(tmp_path: Path):
    curve = tmp_path / "plots" / "metrics" / "eval" / "loss.tsv"
    curve.parent.mkdir(parents=True)
    curve.write_text("step\tloss\n0\t0.9\n1\t0.7\n2\t0.6\n")
    untouched = tmp_path / "plots" / "metrics" / "train" / "loss.tsv"
    untouched.parent.mkdir(parents=True)
    untouched.write_text("step\tloss\n0\t0.8\n")
    resume.trim_log(tmp_path, epoch=2)
    assert curve.read_text() == "step\tloss\n0\t0.9\n1\t0.7\n"
    assert untouched.read_text() == "step\tloss\n0\t0.8\n"


class FakeLogger(keras.callbacks.Callback):
    """Appends a row per epoch to a DVCLive-style curve, as DVCLiveCallback does before TrainingState runs."""

    def __init__(self, live_dir: Path) -> None:
        super().__init__()
        self.curve = live_dir / "plots" / "metrics" / "loss.tsv"

    def on_epoch_end(self, epoch, logs=None):
        self.curve.parent.mkdir(parents=True, exist_ok=True)
        if not self.curve.exists():
            self.curve.write_text("step\tloss\n")
        self.curve.write_text(self.curve.read_text() + f"{epoch}\t{logs['loss']:.4f}\n")


def test_the_log_of_saved_epochs_comes_back_after_dvc_removed_it(tmp_path: Path):
    live, backup = tmp_path / "live", tmp_path / "backup"
    rng = np.random.default_rng(0)
    model = tiny_model()
    model.fit(rng.normal(size=(16, 4)), rng.integers(0, 2, 16), epochs=3, batch_size=8, verbose=0,
              callbacks=[FakeLogger(live), resume.TrainingState(backup, [], live)])
    logged = (live / "plots" / "metrics" / "loss.tsv").read_text()
    assert len(logged.splitlines()) == 4  # header and three epochs

    (live / "plots" / "metrics" / "loss.tsv").unlink()  # what DVC does to a stage's outputs before a rerun
    resume.restore_log(backup, live)
    assert (live / "plots" / "metrics" / "loss.tsv").read_text() == logged
    resume.restore_log(tmp_path / "no-backup", live)  # nothing saved: the log is left as it is
    assert (live / "plots" / "metrics" / "loss.tsv").read_text() == logged


def plain_model() -> keras.Model:
    keras.utils.set_random_seed(0)
    image = keras.Input((4,))
    model = keras.Model(image, keras.layers.Dense(1, activation="sigmoid")(keras.layers.Dense(8, "relu")(image)))
    model.compile(optimizer="adam", loss="binary_crossentropy")
    return model


def test_the_weights_backup_resumes_where_it_stopped_even_if_the_last_save_was_cut(tmp_path: Path):
    rng = np.random.default_rng(0)
    features, labels = rng.normal(size=(32, 4)), rng.integers(0, 2, 32)
    fit = dict(batch_size=8, verbose=0, shuffle=False)
    uninterrupted = plain_model()
    uninterrupted.fit(features, labels, epochs=4, **fit)

    first = plain_model()
    first.fit(features, labels, epochs=2, callbacks=[resume.WeightsBackup(tmp_path)], **fit)
    assert sorted(path.name for path in tmp_path.iterdir()) == [resume.EPOCH_FILE, "epoch2.weights.h5"]
    # A crash while epoch 3 was being saved: its weights are on disk, the epoch file still names epoch 2.
    first.fit(features, labels, epochs=1, **fit)
    first.save_weights(tmp_path / "epoch3.weights.h5")

    resumed = plain_model()
    history = resumed.fit(features, labels, epochs=4, callbacks=[resume.WeightsBackup(tmp_path)], **fit)
    assert len(history.epoch) == 2 and history.epoch[0] == 2  # epochs 3 and 4 ran, from epoch 2's weights
    for got, expected in zip(resumed.get_weights(), uninterrupted.get_weights(), strict=True):
        np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-7)
    assert sorted(path.name for path in tmp_path.iterdir()) == [resume.EPOCH_FILE, "epoch4.weights.h5"]
