"""Predictions for image files outside any manifest: what `xraylab predict` prints.

The model is the release model (release/, trained on real X-rays) unless another is named: "best" is the
network evaluate ranked best on validation, any other name a model under models/. The threshold is the
one picked on validation for that model, so a file gets the label the leaderboard (or release) gives it.
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

import pandas as pd
from PIL import Image, UnidentifiedImageError

from xraylab import explain, leaderboard, overlay, pipeline, release, saved
from xraylab.errors import UserError

READABLE = ("JPEG", "PNG", "BMP", "GIF")  # what tf.io.decode_image reads


@dataclass(frozen=True)
class Prediction:
    path: str
    probability: float  # of the positive class
    label: str
    positive_class: str  # e.g. PNEUMONIA
    threshold: float
    model: str

    def json(self) -> str:
        return json.dumps(asdict(self))

    def text(self) -> str:
        return (f"{self.path}: {self.label} (probability of {self.positive_class} {self.probability:.4f}, "
                f"threshold {self.threshold:.4f}, {self.model})")


RELEASE = "release"
BEST = "best"


@dataclass(frozen=True)
class ChosenModel:
    name: str           # what its calibration is filed under: "release", or its folder under models/
    model: saved.SavedModel
    directory: Path     # the saved model's folder: its file's digest ties a calibration to it
    threshold: float    # the one picked on validation


def resolve_model(name: str, models_dir: Path, metrics_dir: Path,
                  release_dir: Path = release.RELEASE_DIR) -> ChosenModel:
    """The model `name` ("release", "best" or one under models/) and the threshold picked for it on validation."""
    if name == RELEASE:
        model, meta = release.load(release_dir)
        return ChosenModel(RELEASE, model, Path(release_dir) / release.MODEL_DIR, float(meta["threshold"]))
    if name == BEST:
        name = leaderboard.best(metrics_dir)
    directory = models_dir / name
    if not (directory / saved.META_FILE).is_file():
        trained = sorted(path.parent.name for path in models_dir.glob(f"*/{saved.META_FILE}"))
        raise UserError(f"unknown model {name!r}: no trained model in {directory}; trained: "
                        f"{', '.join(trained) or 'none (run dvc repro)'}")
    result_path = metrics_dir / "eval" / f"{name}.json"
    if not result_path.is_file():
        raise UserError(f"{result_path} not found, so {name} has no threshold yet; run `dvc repro evaluate`")
    return ChosenModel(name, saved.load(directory), directory, float(json.loads(result_path.read_text())["threshold"]))


SUFFIXES = (".jpeg", ".jpg", ".png", ".bmp", ".gif")


def expand(paths: list[Path]) -> list[Path]:
    """Files as given; a folder becomes the image files directly inside it (by suffix, in name order)."""
    expanded = []
    for path in paths:
        if path.is_dir():
            inside = sorted(child for child in path.iterdir() if child.suffix.lower() in SUFFIXES and child.is_file())
            if not inside:
                raise UserError(f"{path} is a folder with no image files ({', '.join(SUFFIXES)})")
            expanded += inside
        else:
            expanded.append(path)
    return expanded


def check_images(paths: list[Path]) -> None:
    """Fail on the first path that is missing or not an image TensorFlow can decode, naming it."""
    for path in paths:
        if not path.is_file():
            raise UserError(f"{path} not found")
        try:
            with Image.open(path) as image:
                kind = image.format
        except (UnidentifiedImageError, OSError):
            raise UserError(f"{path} is not an image (expected {', '.join(READABLE)})") from None
        if kind not in READABLE:
            raise UserError(f"{path} is a {kind} image; expected {', '.join(READABLE)}")


def predict(model: saved.SavedModel, threshold: float, paths: list[Path]) -> list[Prediction]:
    check_images(paths)
    frame = pd.DataFrame({"path": [str(path) for path in paths], "label": 0})
    probabilities = model.predict(frame)
    names = model.meta.class_names
    return [Prediction(str(path), float(probability), names[1] if probability >= threshold else names[0],
                       names[1], threshold, model.meta.name)
            for path, probability in zip(paths, probabilities)]


def save_heatmap(model: saved.SavedModel, prediction: Prediction, target: Path, alpha: float = 0.45) -> None:
    """The image beside its Grad-CAM overlay, as the gradcam stage draws them."""
    if model.meta.kind != "network":
        raise UserError(f"heat-maps need a network; {model.meta.name} is a {model.meta.kind} model")
    frame = pd.DataFrame({"path": [prediction.path], "label": 0})
    image = next(iter(pipeline.image_dataset(frame, model.meta.image_size, model.meta.channels, 1)))[0].numpy()
    heatmap = explain.grad_cam(model.model, image)[0]
    title = f"{Path(prediction.path).name}: {prediction.label}, p = {prediction.probability:.3f}"
    overlay.save_overlay(image[0], {"Grad-CAM": heatmap}, title, alpha, target)


def heatmap_path(target: Path, image: Path, several: bool) -> Path:
    """`target` for one image; for several, `<target stem>_<image stem><suffix>` beside it."""
    return target.with_name(f"{target.stem}_{image.stem}{target.suffix}") if several else target
