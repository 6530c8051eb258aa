"""Fitting one registry model on the balanced manifest and saving it under models/<name>/.

Reads straight down: seed, build data, build model, callbacks, fit, save.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import keras
import numpy as np
import pandas as pd
import tensorflow as tf
from dvclive import Live
from dvclive.keras import DVCLiveCallback

from xraylab import atomic, determinism, models, pipeline, saved
from xraylab.config import ClassicConfig, ConfigError, ModelConfig, NetworkConfig, TrainConfig, TransferConfig
from xraylab.data import manifest
from xraylab.kinds import ModelKind
from xraylab.models import classic, cnn, scores, transfer
from xraylab.training import features, resume


TIMING_FILE = "timing.json"


@dataclass(frozen=True)
class TrainPaths:
    model_dir: Path     # the saved model (a DVC out)
    live_dir: Path      # DVCLive's curves and scores
    backup_dir: Path    # an unfinished run, resumed by the next run with the same inputs; removed at the end
    features_dir: Path  # bottleneck features, extracted once per backbone and data (outside DVC's outputs)

    @property
    def timing_file(self) -> Path:
        """How long the last fit took: beside DVCLive's log, but no output of the stage and ignored by git, so a
        rerun that gives the same weights leaves every tracked file (and dvc.lock) as it was."""
        return self.live_dir / TIMING_FILE

    @classmethod
    def inside(cls, root: Path) -> TrainPaths:
        """All four in one folder, for a run outside the pipeline (a notebook, a test)."""
        root = Path(root)
        return cls(root / "model", root / "live", root / "backup", root / "features")


def fit(name: str, cfg: ModelConfig, train_cfg: TrainConfig, train: pd.DataFrame, val: pd.DataFrame,
        class_names: tuple[str, ...], class_weights: dict[int, float], paths: TrainPaths) -> float:
    """Train model `name` and save it to `paths.model_dir`; curves and scores are logged by DVCLive.

    `class_weights` scale each label's loss (all 1 unless balance.method is class_weight). Returns the seconds
    the fit took (a resumed run counts its own part), also written to `paths.timing_file`.
    """
    determinism.seed_everything(train_cfg.seed)
    started = time.perf_counter()
    if isinstance(cfg, ClassicConfig):
        _fit_classic(name, cfg, train_cfg.seed, train, class_names, class_weights, paths)
    else:
        _fit_network(name, cfg, train_cfg, train, val, class_names, class_weights, paths)
    seconds = round(time.perf_counter() - started, 1)
    atomic.write_json(paths.timing_file, {"fit_seconds": seconds})
    return seconds


def _fit_network(name: str, cfg: NetworkConfig | TransferConfig, train_cfg: TrainConfig, train: pd.DataFrame,
                 val: pd.DataFrame, class_names: tuple[str, ...], class_weights: dict[int, float],
                 paths: TrainPaths) -> None:
    seed = train_cfg.seed
    epoch = tf.Variable(0, dtype=tf.int64, trainable=False)  # which epoch's shuffle order the data follows
    strategy = _strategy(train_cfg.precision)
    with strategy.scope():
        model = models.build(name, cfg, len(class_names), seed)
        if isinstance(cfg, TransferConfig) and cfg.mode == "bottleneck":
            extractor, fitted = transfer.bottleneck_parts(model)
            train_data = pipeline.feature_dataset(
                *features.cached(extractor, train, cfg.image_size, "train", paths.features_dir),
                cfg.batch_size, shuffle_seed=seed, epoch=epoch)
            val_data = pipeline.feature_dataset(
                *features.cached(extractor, val, cfg.image_size, "val", paths.features_dir), cfg.batch_size)
        else:
            fitted = cnn.with_augmentation(model, cfg) if isinstance(cfg, NetworkConfig) else model
            train_data = pipeline.image_dataset(train, cfg.image_size, cfg.channels, cfg.batch_size,
                                                shuffle_seed=seed, cache=train_cfg.cache_images, epoch=epoch)
            val_data = pipeline.image_dataset(val, cfg.image_size, cfg.channels, cfg.batch_size,
                                              cache=train_cfg.cache_images)

    inputs = resume.fingerprint(name, cfg.model_dump(), seed, class_names, class_weights,
                                manifest.digest(train), manifest.digest(val))
    resuming = resume.open_backup(paths.backup_dir, inputs)
    if resuming:
        resume.restore_log(paths.backup_dir, paths.live_dir)
    with _live(paths.live_dir, resume=resuming) as live:
        fitting = _Fitting(fitted, strategy, train_data, val_data, class_weights, len(class_names),
                           cfg.label_smoothing, epoch, live, paths)
        start = 0
        for phase, warmup in enumerate(cfg.warmup if isinstance(cfg, TransferConfig) else (), start=1):
            # Constant rate, no validation callbacks: a warm-up phase always runs its epochs.
            transfer.unfreeze_top(model, warmup.unfreeze)
            fitting.run(lambda: keras.optimizers.Adam(warmup.learning_rate), [], start, start + warmup.epochs,
                        phase)
            start += warmup.epochs
        if start:
            transfer.unfreeze_all(model)
        fitting.run(lambda: _optimizer(cfg, len(train)), _validation_callbacks(cfg), start, start + cfg.epochs, None)

    meta = saved.ModelMeta(name, ModelKind.NETWORK, cfg.image_size, cfg.channels, class_names)
    saved.save(paths.model_dir, meta, model)
    resume.close_backup(paths.backup_dir)


@dataclass(frozen=True)
class _Fitting:
    """What every phase of one network's training shares: each phase compiles its own optimizer and fits on."""

    fitted: keras.Model
    strategy: tf.distribute.Strategy
    train_data: tf.data.Dataset
    val_data: tf.data.Dataset
    class_weights: dict[int, float]
    num_classes: int
    label_smoothing: float
    epoch: tf.Variable
    live: Live
    paths: TrainPaths

    def run(self, optimizer: Callable[[], keras.optimizers.Optimizer], stateful: list[keras.callbacks.Callback],
            start: int, end: int, phase: int | None) -> None:
        """Epochs `start` to `end` (counted from the start of training); `phase` names the warm-up phase (None: the
        main fit), whose backup a rerun resumes from. `optimizer` is called inside the strategy's scope: an
        optimizer made outside it has variables a MirroredStrategy refuses ("Mixing different tf.distribute.Strategy
        objects", seen with two logical CPUs)."""
        with self.strategy.scope():
            self.fitted.compile(optimizer=optimizer(), loss=_loss(self.num_classes, self.label_smoothing),
                                metrics=["accuracy", _auc(self.num_classes)])
        callbacks = [
            _EpochClock(self.epoch, self.live), *stateful, DVCLiveCallback(live=self.live),
            # After the logger: a crash between the two leaves the log an epoch ahead, which a resumed run
            # trims (resume.trim_log), rather than an epoch never logged.
            resume.TrainingState(self.paths.backup_dir, stateful, self.paths.live_dir, start=start),
            resume.WeightsBackup(resume.phase_backup(self.paths.backup_dir, phase)),
        ]
        self.fitted.fit(self.train_data, validation_data=self.val_data, initial_epoch=start, epochs=end,
                        callbacks=callbacks, verbose=2, class_weight=self.class_weights)


def _optimizer(cfg: NetworkConfig | TransferConfig, train_rows: int) -> keras.optimizers.Optimizer:
    """Adam at the configured rate, decayed by cosine over the run where asked, with a weight average (EMA)."""
    rate = cfg.learning_rate
    if cfg.schedule == "cosine":
        rate = keras.optimizers.schedules.CosineDecay(cfg.learning_rate, -(-train_rows // cfg.batch_size) * cfg.epochs)
    ema = cfg.ema
    # With use_ema, fit() ends by writing the averaged weights into the model, so the saved model is the average.
    return keras.optimizers.Adam(rate, use_ema=ema is not None, ema_momentum=ema or 0.99)


def _validation_callbacks(cfg: NetworkConfig | TransferConfig) -> list[keras.callbacks.Callback]:
    """What validation steers: lr x0.1 when val loss stalls, stop when it stops improving (Kermany MSc report,
    ch. 4); nothing under a cosine schedule, which runs every epoch at the rates it set out."""
    if cfg.schedule == "cosine":
        return []
    return [keras.callbacks.ReduceLROnPlateau(monitor="val_loss", factor=0.1, patience=2),
            keras.callbacks.EarlyStopping(monitor="val_loss", patience=4, restore_best_weights=True)]


def _auc(num_classes: int) -> keras.metrics.Metric:
    """ROC AUC per epoch: of the sigmoid unit for two classes, micro-averaged over the softmax's for more."""
    return keras.metrics.AUC(name="auc") if num_classes == 2 else scores.OneHotAUC(num_classes, name="auc")


def _loss(num_classes: int, label_smoothing: float) -> keras.losses.Loss:
    if num_classes == 2:
        return keras.losses.BinaryCrossentropy(label_smoothing=label_smoothing)
    if label_smoothing:
        # Keras's sparse loss has no smoothing; the labels are integers, so smoothing needs one-hot targets.
        raise ConfigError("label_smoothing is implemented for the binary task only; set it to 0 for three_class")
    return keras.losses.SparseCategoricalCrossentropy()


class _EpochClock(keras.callbacks.Callback):
    """Tells the input pipeline and the log which epoch runs, also when a resumed run starts mid-way."""

    def __init__(self, epoch: tf.Variable, live: Live) -> None:
        super().__init__()
        self.epoch = epoch
        self.live = live
        self.first = True

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        # ReduceLROnPlateau reports the rate it set; a schedule reports nothing, so the curve shows it here.
        if logs is not None and "learning_rate" not in logs:
            logs["learning_rate"] = float(keras.ops.convert_to_numpy(self.model.optimizer.learning_rate))

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        if self.first and epoch > 0:
            resume.trim_log(self.live.dir, epoch)
        self.first = False
        self.epoch.assign(epoch)
        self.live.step = epoch


def _fit_classic(name: str, cfg: ClassicConfig, seed: int, train: pd.DataFrame, class_names: tuple[str, ...],
                 class_weights: dict[int, float], paths: TrainPaths) -> None:
    pixels, labels = pipeline.flat_arrays(train, cfg.image_size)
    search = models.build(name, cfg, len(class_names), seed)
    weights = np.array([class_weights[label] for label in labels])
    search.fit(pixels, labels, groups=train["patient_id"].to_numpy(), **classic.weight_argument(search, weights))

    with _live(paths.live_dir) as live:
        for key, value in search.best_params_.items():
            # As metrics, not log_params: that would write a params.yaml the stage does not declare.
            live.log_metric(f"best_{key}", value if isinstance(value, (int, float)) else str(value), plot=False)
        live.log_metric("cv_roc_auc", round(float(search.best_score_), 6), plot=False)
        # The search itself as a plot: grouped-CV ROC AUC of every grid candidate. DVC draws a data file's last
        # field against the row number (dvc/render/converter/vega.py, `_infer_y_from_data`), and the stage
        # declares this folder without axes (networks' curves share it): so the score comes last.
        candidates = [{"candidate": index, "params": str(params), "cv_roc_auc": round(float(score), 6)}
                      for index, (params, score) in enumerate(zip(search.cv_results_["params"],
                                                                  search.cv_results_["mean_test_score"]))]
        live.log_plot("grid_search", candidates, x="candidate", y="cv_roc_auc", template="linear",
                      title=f"{name}: grouped {cfg.cv_folds}-fold CV ROC AUC per grid candidate")

    meta = saved.ModelMeta(name, ModelKind.CLASSIC, cfg.image_size, 1, class_names)
    saved.save(paths.model_dir, meta, search.best_estimator_)


def _live(live_dir: Path, resume: bool = False) -> Live:
    # The stage declares DVCLive's outputs in dvc.yaml itself: no dvc.yaml edits, report or experiment refs.
    # Resuming keeps the curves of the epochs run before the crash.
    return Live(str(live_dir), save_dvc_exp=False, dvcyaml=None, report=None, resume=resume)


def _strategy(precision: str) -> tf.distribute.Strategy:
    """TensorFlow's own strategy for what is present: a TPU, several GPUs, one GPU, or the CPU.

    The global dtype policy is set here too (`train.precision`): on GPUs, mixed precision (float16 compute,
    float32 weights and outputs) roughly doubles throughput. Models are saved with their policy; `saved.load`
    runs them in float32 for evaluation, explanations and export.
    """
    try:
        resolver = tf.distribute.cluster_resolver.TPUClusterResolver()
        tf.config.experimental_connect_to_cluster(resolver)
        tf.tpu.experimental.initialize_tpu_system(resolver)
        print(f"train: TPU strategy on {resolver.master()}")
        return tf.distribute.TPUStrategy(resolver)
    except (ValueError, tf.errors.NotFoundError):
        pass  # no TPU here
    gpus = tf.config.list_physical_devices("GPU")
    mixed = precision == "mixed_float16" or (precision == "auto" and bool(gpus))
    # Set either way: the policy is global, and a model trained earlier in this process must not leak it.
    keras.mixed_precision.set_global_policy("mixed_float16" if mixed else "float32")
    policy = "mixed precision" if mixed else "float32"
    if len(gpus) > 1:
        print(f"train: MirroredStrategy over {len(gpus)} GPUs, {policy}")
        return tf.distribute.MirroredStrategy()
    if gpus:
        print(f"train: one GPU, {policy}")
        return tf.distribute.OneDeviceStrategy("/gpu:0")
    print(f"train: CPU, {policy}")
    return tf.distribute.get_strategy()
