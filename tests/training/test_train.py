"""Training end to end on 16 real X-rays: saved files, reloading, and byte-identical reruns."""
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from xraylab import saved
from xraylab.config import AugmentConfig, ClassicConfig, NetworkConfig, TrainConfig, TransferConfig
from xraylab.models import efficientnet_lite, transfer
from xraylab.training import train

NETWORK = NetworkConfig(image_size=32, channels=1, epochs=2, batch_size=8, learning_rate=1e-3, dropout=0.2,
                        filters=(4, 8))
CLASSIC = ClassicConfig(image_size=16, cv_folds=2, grid={"n_estimators": [5, 10], "max_depth": [None]})
CLASSES = ("NORMAL", "PNEUMONIA")


def fit(name, cfg, manifest: pd.DataFrame, out: Path, cache: bool = False,
        weights: dict[int, float] = {0: 1.0, 1: 1.0}) -> saved.SavedModel:
    train.fit(name, cfg, TrainConfig(models=(name,), seed=1, cache_images=cache), train=manifest, val=manifest,
              class_names=CLASSES, class_weights=weights, paths=train.TrainPaths.inside(out))
    return saved.load(out / "model")


def test_network_trains_saves_logs_and_reloads(tiny_manifest: pd.DataFrame, tmp_path: Path):
    model = fit("custom_cnn", NETWORK, tiny_manifest, tmp_path)
    assert model.meta == saved.ModelMeta("custom_cnn", "network", 32, 1, CLASSES)
    probabilities = model.predict(tiny_manifest)
    assert probabilities.shape == (16,) and ((probabilities >= 0) & (probabilities <= 1)).all()
    logged = json.loads((tmp_path / "live" / "metrics.json").read_text())
    assert logged["step"] == 1 and np.isfinite(logged["eval"]["loss"])
    assert "fit_seconds" not in logged  # timing is no tracked output: a rerun with the same weights changes nothing
    assert 0 < json.loads((tmp_path / "live" / "timing.json").read_text())["fit_seconds"] < 600
    assert (tmp_path / "live" / "plots" / "metrics" / "eval" / "loss.tsv").is_file()


def test_same_seed_gives_byte_identical_model_files(tiny_manifest: pd.DataFrame, tmp_path: Path):
    # The second run reads decoded images from the cache: the stream, and so the weights, are the same.
    fit("custom_cnn", NETWORK, tiny_manifest, tmp_path / "first")
    fit("custom_cnn", NETWORK, tiny_manifest, tmp_path / "second", cache=True)
    for name in (saved.KERAS_FILE, saved.META_FILE):
        first = (tmp_path / "first" / "model" / name).read_bytes()
        assert first == (tmp_path / "second" / "model" / name).read_bytes(), name


def test_classic_model_searches_its_grid(tiny_manifest: pd.DataFrame, tmp_path: Path):
    # Two images per patient, so the grouped folds have something to group.
    manifest = tiny_manifest.assign(patient_id=[f"p{index // 2}" for index in range(16)])
    model = fit("rf", CLASSIC, manifest, tmp_path)
    assert model.meta.kind == "classic" and model.model.n_estimators in (5, 10)
    assert model.predict(manifest).shape == (16,)
    logged = json.loads((tmp_path / "live" / "metrics.json").read_text())
    assert logged["best_n_estimators"] == model.model.n_estimators
    search = (tmp_path / "live" / "plots" / "custom" / "grid_search.json").read_bytes()
    assert len(json.loads(search)) == 2
    # `dvc plots show` draws the last field of each row against its number: the CV score per candidate.
    assert [list(row)[-1] for row in json.loads(search)] == ["cv_roc_auc", "cv_roc_auc"]
    fit("rf", CLASSIC, manifest, tmp_path / "again")
    assert (tmp_path / "again" / "live" / "plots" / "custom" / "grid_search.json").read_bytes() == search
    assert (tmp_path / "again" / "model" / saved.SKLEARN_FILE).read_bytes() == \
        (tmp_path / "model" / saved.SKLEARN_FILE).read_bytes()


def test_class_weights_change_the_fit(tiny_manifest: pd.DataFrame, tmp_path: Path):
    plain = fit("custom_cnn", NETWORK, tiny_manifest, tmp_path / "plain").predict(tiny_manifest)
    weighted = fit("custom_cnn", NETWORK, tiny_manifest, tmp_path / "weighted",
                   weights={0: 3.0, 1: 0.2}).predict(tiny_manifest)
    # Weighting NORMAL up pushes every probability of PNEUMONIA down.
    assert weighted.mean() < plain.mean()


@pytest.mark.slow  # over 10 s: the full run only
def test_bottleneck_trains_the_head_on_features_extracted_once(tiny_manifest: pd.DataFrame, tmp_path: Path,
                                                              capsys):
    cfg = TransferConfig(image_size=32, epochs=2, batch_size=8, learning_rate=1e-3, dropout=0.2, weights=None,
                         mode="bottleneck")
    first = fit("mobilenet_v3_small", cfg, tiny_manifest, tmp_path)
    cached = tmp_path / "features" / "train.npz"
    assert "extracting train features" in capsys.readouterr().out and cached.is_file()
    # The saved model is backbone and head together: on images it gives what the head gives on features.
    _, head = transfer.bottleneck_parts(first.model)
    with np.load(cached) as stored:
        on_features = head.predict(stored["features"], verbose=0)[:, 0]
    np.testing.assert_allclose(first.predict(tiny_manifest), on_features, atol=1e-5)

    stamp = cached.stat().st_mtime_ns
    second = fit("mobilenet_v3_small", TransferConfig(**{**cfg.__dict__, "dropout": 0.5}), tiny_manifest, tmp_path)
    assert "train features from" in capsys.readouterr().out and cached.stat().st_mtime_ns == stamp
    # Same frozen backbone, another head.
    backbone_weights = len(transfer.bottleneck_parts(second.model)[0].get_weights())
    for a, b in zip(first.model.get_weights()[:backbone_weights], second.model.get_weights()[:backbone_weights]):
        np.testing.assert_array_equal(a, b)


def test_augmented_training_is_reproducible_and_saves_the_bare_network(tiny_manifest: pd.DataFrame, tmp_path: Path):
    cfg = NetworkConfig(**{**NETWORK.__dict__, "normalize": "standardize", "label_smoothing": 0.1,
                           "augment": AugmentConfig(gamma=0.3, rotation=0.05, noise=0.02)})
    first = fit("custom_cnn", cfg, tiny_manifest, tmp_path / "first")
    assert [layer.name for layer in first.model.layers][:2] == ["image", "standardize"]
    fit("custom_cnn", cfg, tiny_manifest, tmp_path / "second")
    assert (tmp_path / "first" / "model" / saved.KERAS_FILE).read_bytes() == \
        (tmp_path / "second" / "model" / saved.KERAS_FILE).read_bytes()


def test_loading_a_missing_model_says_what_to_do(tmp_path: Path):
    with pytest.raises(Exception, match="no trained model in .* run `dvc repro`"):
        saved.load(tmp_path / "nothing")


def test_cosine_schedule_decays_the_rate_every_epoch(tiny_manifest: pd.DataFrame, tmp_path: Path):
    cfg = NetworkConfig(**{**NETWORK.__dict__, "epochs": 3, "schedule": "cosine"})
    fit("custom_cnn", cfg, tiny_manifest, tmp_path)
    rates = pd.read_csv(tmp_path / "live" / "plots" / "metrics" / "train" / "learning_rate.tsv",
                        sep="\t")["learning_rate"]
    assert len(rates) == 3 and (np.diff(rates) < 0).all() and rates.iloc[0] < 1e-3


@pytest.mark.slow  # over 10 s: the full run only
def test_the_saved_model_is_the_weight_average(tiny_manifest: pd.DataFrame, tmp_path: Path):
    # One step an epoch (16 films, batch 16). Keras starts the average at the weights after the first step;
    # an average that barely moves (momentum 1 - 1e-7) stays there, so 4 epochs save what 1 epoch trains.
    # (Cosine: no early stopping, which would restore an earlier epoch's weights by itself.)
    one_step = NetworkConfig(**{**NETWORK.__dict__, "epochs": 1, "batch_size": 16, "schedule": "cosine"})
    four_steps = NetworkConfig(**{**one_step.__dict__, "epochs": 4})
    kernel = lambda model: model.model.get_layer("last_conv").get_weights()[0]  # noqa: E731
    first = kernel(fit("custom_cnn", one_step, tiny_manifest, tmp_path / "first"))
    averaged = kernel(fit("custom_cnn", NetworkConfig(**{**four_steps.__dict__, "ema": 1 - 1e-7}), tiny_manifest,
                          tmp_path / "averaged"))
    last = kernel(fit("custom_cnn", four_steps, tiny_manifest, tmp_path / "last"))
    assert np.abs(averaged - first).max() < 1e-6 < np.abs(last - first).max()


LITE_WARMUP = TransferConfig(image_size=32, epochs=1, batch_size=8, learning_rate=1e-4, dropout=0.2,
                             weights="imagenet", mode="finetune",
                             warmup=({"epochs": 1, "learning_rate": 1e-3, "unfreeze": 0.0},
                                     {"epochs": 1, "learning_rate": 5e-4, "unfreeze": 0.25}))


@pytest.mark.slow  # two short fits of EfficientNet-Lite0: the full run only
def test_warmup_phases_run_in_order_and_a_rerun_replays_them(tiny_manifest: pd.DataFrame, tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch):
    # A run that dies after its last epoch, before the model is saved: the weights it had are kept here.
    finished = []

    def crash(directory, meta, model):
        finished.append(model.get_weights())
        raise RuntimeError("the machine went away")

    with monkeypatch.context() as patched:
        patched.setattr(train.saved, "save", crash)
        with pytest.raises(RuntimeError):
            fit("efficientnet_lite0", LITE_WARMUP, tiny_manifest, tmp_path)
    curve_file = tmp_path / "live" / "plots" / "metrics" / "train" / "learning_rate.tsv"
    curve = curve_file.read_text()
    rates = [float(row.split("\t")[-1]) for row in curve.splitlines()[1:]]
    assert rates == pytest.approx([1e-3, 5e-4, 1e-4])  # the head, then the top quarter, then everything
    assert sorted(path.name for path in (tmp_path / "backup").glob("keras*")) == [
        "keras", "keras_warmup1", "keras_warmup2"]

    # The rerun trains no epoch again: it replays each phase from its own backup, to the same weights.
    resumed = fit("efficientnet_lite0", LITE_WARMUP, tiny_manifest, tmp_path)
    for a, b in zip(resumed.model.get_weights(), finished[0]):
        np.testing.assert_array_equal(a, b)
    assert curve_file.read_text() == curve
    stem = resumed.model.get_layer("stem_conv").get_weights()[0]
    imagenet = efficientnet_lite.pth.read_state_dict(efficientnet_lite.weights_file("efficientnet_lite0"))
    assert not np.allclose(stem, imagenet["_conv_stem.weight"].transpose(2, 3, 1, 0))  # the last phase trained it


def test_unfreezing_the_top_leaves_batch_norm_and_the_rest_frozen():
    model = transfer.build_transfer("efficientnet_lite0", LITE_WARMUP.model_copy(update={"weights": None}), 2)
    transfer.unfreeze_top(model, 0.0)
    assert {weight.path.split("/")[0] for weight in model.trainable_weights} == {"probability"}
    transfer.unfreeze_top(model, 0.25)
    trained = {weight.path.split("/")[0] for weight in model.trainable_weights}
    assert {"top_conv", "block15_project_conv", "probability"} <= trained
    assert not any(name.endswith("_bn") for name in trained) and "stem_conv" not in trained
    transfer.unfreeze_all(model)
    assert len(model.trainable_weights) == len([w for w in model.weights if "moving" not in w.path])


MIRRORED_FIT = """
import tensorflow as tf
cpu = tf.config.list_physical_devices("CPU")[0]
tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
import keras, numpy as np
from dvclive import Live
from xraylab.training import train
strategy = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
with strategy.scope():
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1, activation="sigmoid")])
data = tf.data.Dataset.from_tensor_slices((np.ones((8, 4), "float32"), np.ones((8, 1), "float32"))).batch(4)
paths = train.TrainPaths.inside({root!r})
with Live(str(paths.live_dir), save_dvc_exp=False, dvcyaml=None, report=None) as live:
    fitting = train._Fitting(model, strategy, data, data, {{0: 1.0, 1: 1.0}}, 2, 0.0,
                             tf.Variable(0, dtype=tf.int64), live, paths)
    fitting.run(lambda: keras.optimizers.Adam(1e-3), [], 0, 1, None)
    fitting.run(lambda: keras.optimizers.Adam(1e-4), [], 1, 2, 1)
print("fitted under MirroredStrategy")
"""


@pytest.mark.slow  # a process of its own: the logical devices must be set before TensorFlow starts
def test_each_phase_builds_its_optimizer_inside_a_mirrored_strategy(tmp_path: Path):
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-c", MIRRORED_FIT.format(root=str(tmp_path))], capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0 and "fitted under MirroredStrategy" in done.stdout, done.stderr[-2000:]
