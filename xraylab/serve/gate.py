"""Is this a frontal chest film? A one-class gate fitted on the training films alone.

The network answers every input, portraits and scanned reports included; the gate refuses what is unlike the
films it was trained on. It sees exactly what the network sees (the network's input: pixels in [0, 1] at its size)
and scores four checks, each higher for a stranger input:

- layout: the Mahalanobis distance of the film, shrunk to `size` × `size` grey levels and standardised (zero mean,
  unit spread), in the principal components of the training films (a linear autoencoder, the idea of Chester's
  reconstruction check): an inverted, rotated or cropped film, a photo, a page of text sits far from chest films;
- residual: what those components cannot reconstruct, for what lies outside their span;
- detail: the mean step between neighbouring pixels at the network's size (noise, text and line art are busy;
  radiographs are smooth);
- flatness: how little the grey levels spread (a blank or almost constant image): the one check with a fixed
  threshold, `BLANK_SPREAD`, since held-out films' spread says how contrasty the training films are, not what a
  blank image is (fitted, it refused real dark and low-contrast films, #37).

Each check's threshold is the `keep` quantile of held-out films' values (the validation films, and each training
film scored by components fitted without it), widened by `margin`, which keeps unseen real films (other hospitals,
exposures, sizes) from being refused for being a little further out than any held-out one. The score shown to users
is the largest ratio of a check to its threshold; above 1 the input is refused. Nothing here is fitted on pictures
that are not chest films: what it refuses is what is unlike the training films, not what resembles a list of
examples.

`scores` is TensorFlow ops only (average pooling, bilinear resizing, matrix products), so the exported TF.js graph
can compute it as one more output beside the probability.
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Mapping

import numpy as np
import pandas as pd
import tensorflow as tf

from xraylab import atomic, pipeline, saved
from xraylab.errors import UserError

GATE_FILE = "gate.json"  # in release/, beside the model
GATES_DIR = Path("gates")  # evaluate's: gates/<model>.json for each model of train.models
CHECKS = ("layout", "residual", "detail", "flatness")
REASONS = {
    "layout": "its layout is unlike the training films'",
    "residual": "its layout is unlike the training films'",
    "detail": "it is far busier than a radiograph (noise, text or line art)",
    "flatness": "it is almost blank",
}
REFUSAL = "does not look like a frontal chest X-ray"  # how every refusal begins, the gate's or a DICOM header's
BATCH = 64
FOLDS = 5  # training films scored by components fitted without them, for the thresholds
# Grey levels spreading less than this (in [0, 1], about 5 of 255, on the shrunk image) are a blank image. Real films
# copied at a third of their contrast spread 0.05-0.09 (tests/serve/test_gate.py).
BLANK_SPREAD = 0.02
STANDARD_FLOOR = 1e-3  # keeps a blank image's standardised pixels finite (the flatness check refuses it)


@dataclass(frozen=True)
class Gate:
    size: int                   # the side of the shrunk grey image the layout checks read
    mean: list[float]           # size*size: the training films' mean shrunk (standardised) image
    components: list[list[float]]  # principal directions, size*size each
    variance: list[float]       # the training films' variance along each
    thresholds: dict[str, float]  # per check of CHECKS
    keep: float
    margin: float
    image_size: int             # the network input it was fitted for
    channels: int
    films: int                  # training films it was fitted on
    val_films: int              # validation films its thresholds were picked on

    def write(self, path: Path) -> None:
        atomic.write_json(path, asdict(self))


def read(path: Path) -> Gate:
    path = Path(path)
    if not path.is_file():
        raise UserError(f"no gate at {path}: run `dvc repro` (evaluate fits one for each model of train.models)")
    return Gate(**json.loads(path.read_text()))


def read_for(path: Path, model: saved.ModelMeta) -> Gate:
    """The gate at `path`, if it was fitted for `model`'s input: a stale gate, or another model's, would judge
    other pixels than the network sees."""
    fitted = read(path)
    if (fitted.image_size, fitted.channels) != (model.image_size, model.channels):
        raise UserError(f"{path} was fitted for {fitted.image_size} px inputs with {fitted.channels} channel(s), "
                        f"but {model.name} takes {model.image_size} px with {model.channels}: run `dvc repro "
                        "evaluate` (or `xraylab gate`) for this model")
    return fitted


def features(images: tf.Tensor, size: int) -> tuple[tf.Tensor, tf.Tensor, tf.Tensor]:
    """(shrunk grey images, standardised and flattened (N, size*size), detail (N,), spread (N,)) of network inputs
    (N, H, W, C)."""
    grey = tf.reduce_mean(tf.cast(images, tf.float32), axis=-1, keepdims=True)
    steps = tf.abs(grey[:, :, 1:, :] - grey[:, :, :-1, :])
    detail = tf.reduce_mean(steps, axis=[1, 2, 3]) + tf.reduce_mean(tf.abs(grey[:, 1:] - grey[:, :-1]), axis=[1, 2, 3])
    # Average over whole blocks first (bilinear alone would read a few pixels and alias), then to `size` exactly.
    pool = max(1, int(grey.shape[1]) // size)
    shrunk = tf.image.resize(tf.nn.avg_pool2d(grey, pool, pool, "VALID"), (size, size), method="bilinear")
    flat = tf.reshape(shrunk, (-1, size * size))
    spread = tf.math.reduce_std(flat, axis=1)
    # Each image to zero mean and unit spread: exposure and contrast differ between hospitals and batches (the
    # target films' do); the layout is what tells a chest film from a photo or a crop (bench/gate.py measured both).
    standard = (flat - tf.reduce_mean(flat, axis=1, keepdims=True)) / (spread[:, None] + STANDARD_FLOOR)
    return standard, detail, spread


def check_values(gate: Gate, images: tf.Tensor) -> tf.Tensor:
    """(N, 4): each check of CHECKS, higher for a stranger input (flatness: 1 / spread)."""
    principal = (tf.constant(gate.mean, tf.float32), tf.constant(gate.components, tf.float32),
                 tf.constant(gate.variance, tf.float32))
    return _checks(*features(images, gate.size), *principal)


def _checks(standard, detail, spread, mean, components, variance) -> tf.Tensor:
    """The four checks from `features` and principal components, in the inputs' own precision (the network's
    float32 when scoring, float64 when fitting)."""
    centred = standard - mean
    coefficients = tf.matmul(centred, components, transpose_b=True)
    layout = tf.sqrt(tf.reduce_sum(coefficients ** 2 / variance, axis=1))
    residual = tf.norm(centred - tf.matmul(coefficients, components), axis=1)
    flatness = 1.0 / (spread + 1e-6)
    return tf.stack([layout, residual, detail, flatness], axis=1)


def scores(gate: Gate, images: tf.Tensor) -> tf.Tensor:
    """(N, 4): each check over its threshold; an input is refused where any is above 1."""
    return check_values(gate, images) / tf.constant([gate.thresholds[name] for name in CHECKS], tf.float32)


@dataclass(frozen=True)
class Verdict:
    score: float    # the largest check over its threshold
    check: str      # which check that is
    refused: bool

    def reason(self) -> str:
        return f"{REFUSAL} (score {self.score:.2f}, threshold 1.00: {REASONS[self.check]})"


def verdicts(gate: Gate, frame: pd.DataFrame) -> list[Verdict]:
    """The gate's verdict on each image of a manifest (its `path` column), in order."""
    over = ratios(gate, frame)
    worst = over.argmax(axis=1)
    return [Verdict(round(float(row[index]), 4), CHECKS[index], bool(row[index] > 1.0))
            for row, index in zip(over, worst)]


def refusals(gate: Gate, frame: pd.DataFrame, readable: pd.DataFrame | None = None) -> dict[str, Any]:
    """What `gate` refuses of a labelled set: how many films of how many, the share, and which (their own paths;
    `readable`: the same rows with the paths to decode, where some were converted)."""
    refused = np.array([verdict.refused for verdict in verdicts(gate, frame if readable is None else readable)],
                       dtype=bool)
    return {"films": len(frame), "refused": int(refused.sum()),
            "rate": round(float(refused.mean()), 6) if len(frame) else 0.0,
            "paths": sorted(frame["path"].astype(str)[refused])}


def ratios(gate: Gate, frame: pd.DataFrame) -> np.ndarray:
    """(N, 4): `scores` of a manifest's images as the network sees them."""
    if frame.empty:
        return np.zeros((0, len(CHECKS)))
    images = pipeline.image_dataset(frame, gate.image_size, gate.channels, BATCH)
    return np.concatenate([scores(gate, batch).numpy() for batch, _ in images]).astype(np.float64)


def _features(frame: pd.DataFrame, image_size: int, channels: int, size: int) -> tuple[np.ndarray, ...]:
    """`features` of a manifest's images as the network sees them, as numpy arrays."""
    parts = [features(batch, size) for batch, _ in pipeline.image_dataset(frame, image_size, channels, BATCH)]
    return tuple(np.concatenate([part[index].numpy() for part in parts]).astype(np.float64) for index in range(3))


def _principal(standard: np.ndarray, components: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(mean, the first `components` principal directions, the variance along each) of rows of images."""
    mean = standard.mean(axis=0)
    _, singular, directions = np.linalg.svd(standard - mean, full_matrices=False)
    return mean, directions[:components], singular[:components] ** 2 / (len(standard) - 1)


def _held_out_values(standard: np.ndarray, detail: np.ndarray, spread: np.ndarray, components: int) -> np.ndarray:
    """The checks of each training film from components fitted without it (FOLDS folds)."""
    folds = np.arange(len(standard)) % FOLDS
    return np.concatenate([
        _checks(standard[folds == fold], detail[folds == fold], spread[folds == fold],
                *_principal(standard[folds != fold], components)).numpy() for fold in range(FOLDS)])


def fit(train: pd.DataFrame, val: pd.DataFrame, image_size: int, channels: int, size: int, components: int,
        keep: float, margin: float) -> Gate:
    """Principal components of the training films. Each check's threshold: the `keep` quantile of held-out films'
    values, widened by `margin`; held out are the validation films and every training film, scored by components
    fitted without it (FOLDS-fold): a hundred-odd validation films alone put the quantile at their maximum, which
    moved by a third from one split to another (bench/gate.py)."""
    if len(train) <= components * FOLDS / (FOLDS - 1):
        raise UserError(f"gate.components is {components}, but there are only {len(train)} training films; "
                        "use fewer components")
    if len(val) < 2:
        raise UserError("the gate's thresholds are picked on validation, which holds fewer than 2 films")
    standard, detail, spread = _features(train, image_size, channels, size)
    mean, directions, variance = _principal(standard, components)
    unfitted = Gate(size, _rounded(mean), _rounded(directions), _rounded(variance), dict.fromkeys(CHECKS, 1.0), keep,
                    margin, image_size, channels, len(train), len(val))
    val_values = np.concatenate([check_values(unfitted, batch).numpy() for batch, _ in
                                 pipeline.image_dataset(val, image_size, channels, BATCH)]).astype(np.float64)
    held_out = np.concatenate([_held_out_values(standard, detail, spread, components), val_values])
    thresholds = {name: round(float(np.quantile(held_out[:, index], keep) * margin), 6)
                  for index, name in enumerate(CHECKS)}
    thresholds["flatness"] = 1.0 / BLANK_SPREAD
    return Gate(**{**asdict(unfitted), "thresholds": thresholds})


def fit_each(inputs: Mapping[str, tuple[int, int]], train: pd.DataFrame, val: pd.DataFrame, size: int,
             components: int, keep: float, margin: float) -> dict[str, Gate]:
    """A gate for each model, by name, from its input (image size, channels): one fit for each distinct input,
    shared by the models that take it (the gate reads nothing else of a model)."""
    fitted = {shape: fit(train, val, *shape, size, components, keep, margin) for shape in dict.fromkeys(inputs.values())}
    return {name: fitted[shape] for name, shape in inputs.items()}


def _rounded(values: np.ndarray) -> list[Any]:
    """Rounded to 7 significant digits (float32's precision), so the file is stable and half the size."""
    return np.vectorize(lambda value: float(f"{value:.7g}"), otypes=[float])(np.asarray(values)).tolist()
