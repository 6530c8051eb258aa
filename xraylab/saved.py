"""Trained models on disk: models/<name>/ holds the fitted model and model.json describing it.

Evaluate, Grad-CAM, convert and predict all load models through here, so they agree on how pixels are
prepared and what the probabilities mean.
"""
from __future__ import annotations

import hashlib
import io
import json
import re
import zipfile
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import joblib
import keras
import numpy as np
import pandas as pd

from xraylab import atomic, labels, pipeline
from xraylab.config import ShiftConfig
from xraylab.errors import UserError
from xraylab.kinds import ModelKind
from xraylab.models import layers, scores  # noqa: F401  (registers our layers and metrics, so saved models load)

KERAS_FILE = "model.keras"
SKLEARN_FILE = "model.joblib"
META_FILE = "model.json"
PREDICT_BATCH = 64


@dataclass(frozen=True)
class ModelMeta:
    name: str
    kind: ModelKind
    image_size: int
    channels: int
    class_names: tuple[str, ...]


@dataclass(frozen=True)
class SavedModel:
    meta: ModelMeta
    model: Any

    @property
    def kind(self) -> ModelKind:
        return self.meta.kind

    def probabilities(self, frame: pd.DataFrame, shift: ShiftConfig | None = None) -> np.ndarray:
        """Class probabilities, one row per image of a manifest in order, one column per class.

        With `shift`, of the images altered by it (xraylab.evaluation.shifts).
        """
        if self.meta.kind == ModelKind.CLASSIC:
            pixels, _ = pipeline.flat_arrays(frame, self.meta.image_size, shift=shift)
            return self.model.predict_proba(pixels).astype(np.float64)
        images = pipeline.image_dataset(frame, self.meta.image_size, self.meta.channels, PREDICT_BATCH,
                                        shift=shift)
        outputs = self.model.predict(images, verbose=0).astype(np.float64)
        if outputs.shape[1] == 1:  # one sigmoid unit: the probability of class 1
            return np.column_stack([1.0 - outputs[:, 0], outputs[:, 0]])
        return outputs

    def predict(self, frame: pd.DataFrame) -> np.ndarray:
        """Probability that each image is not NORMAL (PNEUMONIA; for three classes, bacterial or viral)."""
        return labels.positive(self.probabilities(frame))


def save(directory: Path, meta: ModelMeta, model: Any) -> None:
    """Write `model` and its metadata into `directory` atomically."""
    with atomic.writing_dir(Path(directory)) as temp:
        if meta.kind == ModelKind.CLASSIC:
            joblib.dump(model, temp / SKLEARN_FILE)
        else:
            model.save(temp / KERAS_FILE)
            _make_reproducible(temp / KERAS_FILE)
        atomic.write_json(temp / META_FILE, asdict(meta))


def digest(directory: Path) -> str:
    """SHA-256 of a saved model's file: names the exact weights a calibration or release was made for.

    The files are byte-reproducible (`_make_reproducible`), so equal models give equal digests.
    """
    directory = Path(directory)
    model_file = next((directory / name for name in (KERAS_FILE, SKLEARN_FILE) if (directory / name).is_file()), None)
    if model_file is None:
        raise UserError(f"no model file ({KERAS_FILE} or {SKLEARN_FILE}) in {directory}")
    return hashlib.sha256(model_file.read_bytes()).hexdigest()


def load(directory: Path) -> SavedModel:
    directory = Path(directory)
    meta_path = directory / META_FILE
    if not meta_path.is_file():
        raise UserError(f"no trained model in {directory} ({META_FILE} missing); run `dvc repro` to train it")
    raw = json.loads(meta_path.read_text())
    meta = ModelMeta(**{**raw, "kind": ModelKind(raw["kind"]), "class_names": tuple(raw["class_names"])})
    if meta.kind == ModelKind.CLASSIC:
        return SavedModel(meta, joblib.load(directory / SKLEARN_FILE))
    return SavedModel(meta, in_float32(keras.saving.load_model(directory / KERAS_FILE)))


def in_float32(model: keras.Model) -> keras.Model:
    """The same network computing in float32, whatever dtype policy it was trained under.

    A network trained under mixed_float16 (`train.precision`, the default on GPUs) is saved with that policy,
    and would compute in float16 wherever it is loaded: TF.js has no half type, Grad-CAM would mix half feature
    maps with float weights, and a CPU runs float16 slowly. Its weights are float32 in any case, so it is rebuilt
    from its config with every layer in float32 and given the same weights. Float32 networks come back as they are.
    """
    if all(layer.dtype_policy.name == "float32" for layer in _all_layers(model)):
        return model
    config = _float32_policies(keras.saving.serialize_keras_object(model))
    rebuilt = keras.saving.deserialize_keras_object(config)
    rebuilt.set_weights(model.get_weights())
    return rebuilt


def _all_layers(model: keras.Model) -> list[keras.layers.Layer]:
    """Every layer, those of nested models (a transfer network's backbone) included."""
    return [layer for outer in model.layers
            for layer in ([outer, *_all_layers(outer)] if isinstance(outer, keras.Model) else [outer])]


def _float32_policies(config: Any) -> Any:
    """A serialized Keras config with every dtype policy replaced by float32."""
    if isinstance(config, list):
        return [_float32_policies(item) for item in config]
    if not isinstance(config, dict):
        return config
    if config.get("class_name") == "DTypePolicy":
        return {**config, "config": {**config["config"], "name": "float32"}}
    return {key: _float32_policies(value) for key, value in config.items()}


def _make_reproducible(path: Path) -> None:
    """Rewrite a .keras archive so that equal models give equal bytes.

    Keras stamps the save date and file times into the zip, and numbers shared objects in config.json by
    their Python id(), a memory address. Any of these would make DVC see a changed output on every rerun.
    The date is dropped, times are fixed and the ids are renumbered in order of appearance; the archive
    stays a normal .keras file.
    """
    with zipfile.ZipFile(path) as archive:
        members = [(info.filename, archive.read(info)) for info in archive.infolist()]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members:
            if name == "metadata.json":
                metadata = json.loads(data)
                metadata.pop("date_saved", None)
                data = json.dumps(metadata, sort_keys=True).encode()
            elif name == "config.json":
                data = _renumber_shared_objects(data.decode()).encode()
            archive.writestr(zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0)), data)
    path.write_bytes(buffer.getvalue())


def _renumber_shared_objects(config: str) -> str:
    numbers: dict[str, str] = {}

    def renumber(match: re.Match) -> str:
        number = numbers.setdefault(match.group(2), str(len(numbers) + 1))
        return match.group(1) + number

    return re.sub(r'("shared_object_id": )(\d+)', renumber, config)
