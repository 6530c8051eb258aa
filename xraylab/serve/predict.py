"""Predictions for image files outside any manifest: what `xraylab predict` prints.

The model is the release model (release/, trained on real X-rays) unless another is named: "best" is the
network evaluate ranked best on validation, any other name a model under models/. The threshold is the
one picked on validation for that model, so a file gets the label the leaderboard (or release) gives it.
A film the model's gate (serve/gate.py) finds unlike a frontal chest X-ray gets no label but the reason, as an
unreadable file does, unless the caller forces a prediction, which is then marked.
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd

from xraylab import labels, pipeline, saved
from xraylab.data import clutter, dicom, films
from xraylab.errors import UserError
from xraylab.evaluation import eval_file, leaderboard
from xraylab.explain import attribution, overlay
from xraylab.kinds import ModelKind
from xraylab.serve import gate, release


@dataclass(frozen=True)
class Prediction:
    path: str
    probability: float  # of the positive class
    label: str  # xraylab.labels' rule: for three classes NORMAL, or the more probable kind of pneumonia
    positive_class: str  # e.g. PNEUMONIA
    threshold: float
    model: str
    classes: dict[str, float] | None = None  # each class's probability, for models of more than two classes
    forced: str | None = None  # the gate's reason for refusing it, where a prediction was forced anyway

    def json(self) -> str:
        fields = asdict(self)
        for optional in ("classes", "forced"):  # absent where unset: the format predict has always had
            if fields[optional] is None:
                del fields[optional]
        return json.dumps(fields)

    def text(self) -> str:
        kinds = "" if self.classes is None else ", " + ", ".join(
            f"{name} {probability:.4f}" for name, probability in self.classes.items())
        forced = "" if self.forced is None else f" [forced: {self.forced}]"
        return (f"{self.path}: {self.label} (probability of {self.positive_class} {self.probability:.4f}{kinds}, "
                f"threshold {self.threshold:.4f}, {self.model}){forced}")


RELEASE = "release"
BEST = "best"


@dataclass(frozen=True)
class ChosenModel:
    name: str           # what its calibration is filed under: "release", or its folder under models/
    model: saved.SavedModel
    directory: Path     # the saved model's folder: its file's digest ties a calibration to it
    threshold: float    # its own: picked on validation, or the one the release shipped with
    threshold_source: str  # where that threshold was picked, e.g. "validation" or "target_dev"
    gate: gate.Gate | None  # fitted on its training films (release/gate.json, gates/<name>.json); None: none yet


def resolve_model(name: str, models_dir: Path, metrics_dir: Path,
                  release_dir: Path = release.RELEASE_DIR, gates_dir: Path = gate.GATES_DIR) -> ChosenModel:
    """The model `name` ("release", "best" or one under models/) and its own threshold: the one the release
    shipped with (picked on validation or, with `xraylab release --threshold-from`, on target films), else the one
    picked on validation."""
    if name == RELEASE:
        model, meta = release.load(release_dir)
        return ChosenModel(RELEASE, model, Path(release_dir) / release.MODEL_DIR, meta.threshold,
                           meta.threshold_set or "validation", _gate(Path(release_dir) / gate.GATE_FILE, model))
    if name == BEST:
        name = leaderboard.best(metrics_dir)
    directory = models_dir / name
    if not (directory / saved.META_FILE).is_file():
        trained = sorted(path.parent.name for path in models_dir.glob(f"*/{saved.META_FILE}"))
        raise UserError(f"unknown model {name!r}: no trained model in {directory}; trained: "
                        f"{', '.join(trained) or 'none (run dvc repro)'}")
    threshold = eval_file.read(eval_file.path(metrics_dir, name)).threshold
    model = saved.load(directory)
    return ChosenModel(name, model, directory, float(threshold), "validation", _gate(gates_dir / f"{name}.json", model))


def _gate(path: Path, model: saved.SavedModel) -> gate.Gate | None:
    return gate.read_for(path, model.meta) if path.is_file() else None


SUFFIXES = (".jpeg", ".jpg", ".png", ".bmp", ".gif", ".tif", ".tiff", *dicom.SUFFIXES)


def expand(paths: list[Path]) -> list[Path]:
    """Files as given; a folder becomes the image files directly inside it (by suffix, in name order, without
    the files an operating system adds, such as a Mac's `._<name>.jpeg`)."""
    expanded = []
    for path in paths:
        if path.is_dir():
            inside = sorted(child for child in path.iterdir()
                            if child.suffix.lower() in SUFFIXES and child.is_file() and not clutter.is_clutter(child))
            if not inside:
                raise UserError(f"{path} is a folder with no image files ({', '.join(SUFFIXES)})")
            expanded += inside
        else:
            expanded.append(path)
    return expanded


@dataclass(frozen=True)
class Unreadable:
    """A file of the batch that got no prediction, and why."""
    path: str
    error: str

    def json(self) -> str:
        return json.dumps(asdict(self))

    def text(self) -> str:
        return f"{self.path}: error: {self.error}"


def predict(model: saved.SavedModel, threshold: float, batch: list[films.Film], film_gate: gate.Gate | None = None,
            force: bool = False) -> list[Prediction | Unreadable]:
    """A prediction for every readable film of `batch` and the reason for every other one, in order. A film
    `film_gate` refuses, or whose DICOM header says it is no frontal chest film, gets that reason instead, or with
    `force` its prediction marked with it."""
    readable = [film for film in batch if film.readable is not None]
    frame = pd.DataFrame({"path": [str(film.readable) for film in readable], "label": 0})
    verdicts = dict(zip((film.path for film in readable), gate.verdicts(film_gate, frame))) if film_gate else {}
    refused = {path: verdict.reason() for path, verdict in verdicts.items() if verdict.refused}
    # The header is the more specific reason (a CT slice may pass the pixels' checks, never its Modality).
    refused.update({film.path: f"{gate.REFUSAL} ({film.header})" for film in readable if film.header})
    answered = np.array([force or film.path not in refused for film in readable], dtype=bool)
    predicted = [film for film, answer in zip(readable, answered) if answer]
    names = model.meta.class_names
    rows = model.probabilities(frame[answered]) if predicted else np.zeros((0, len(names)))
    by_path = dict(zip((film.path for film in predicted), rows))
    results: list[Prediction | Unreadable] = []
    for film in batch:
        if film.readable is None:
            results.append(Unreadable(str(film.path), film.problem))
        elif film.path in by_path:
            results.append(replace(_prediction(str(film.path), by_path[film.path], threshold, names, model.meta.name),
                                   forced=refused.get(film.path)))
        else:
            results.append(Unreadable(str(film.path), refused[film.path]))
    return results


def _prediction(path: str, probabilities: np.ndarray, threshold: float, names: tuple[str, ...],
                model: str) -> Prediction:
    called = int(labels.predicted(probabilities[None], threshold)[0])
    classes = None if len(names) == 2 else {name: round(float(value), 6) for name, value in zip(names, probabilities)}
    return Prediction(path, float(labels.positive(probabilities[None])[0]), names[called],
                      labels.positive_class(names), threshold, model, classes)


def save_heatmap(model: saved.SavedModel, prediction: Prediction, readable: Path, target: Path,
                 alpha: float = 0.45) -> None:
    """The image (decoded from `readable`, its film or converted copy) beside its Grad-CAM overlay, as the
    gradcam stage draws them."""
    if model.meta.kind != ModelKind.NETWORK:
        raise UserError(f"heat-maps need a network; {model.meta.name} is a {model.meta.kind} model")
    frame = pd.DataFrame({"path": [str(readable)], "label": 0})
    image = next(iter(pipeline.image_dataset(frame, model.meta.image_size, model.meta.channels, 1)))[0].numpy()
    heatmap = attribution.grad_cam(model.model, image)[0]
    title = f"{Path(prediction.path).name}: {prediction.label}, p = {prediction.probability:.3f}"
    overlay.save_overlay(image[0], {"Grad-CAM": heatmap}, title, alpha, target)


def heatmap_path(target: Path, image: Path, several: bool) -> Path:
    """`target` for one image; for several, `<target stem>_<image stem><suffix>` beside it."""
    return target.with_name(f"{target.stem}_{image.stem}{target.suffix}") if several else target
