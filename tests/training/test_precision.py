"""Networks trained under mixed_float16 (train.precision; the default on GPUs), run on the CPU: Keras computes
float16 there too, slowly but faithfully, so the GPU's precision path is exercised without a GPU."""
import json
import zipfile
from pathlib import Path

import keras
import numpy as np
import pandas as pd
import pytest

from conftest import page_meta, sample_images

from xraylab import saved
from xraylab.config import NetworkConfig, TrainConfig
from xraylab.explain import attribution
from xraylab.serve import export
from xraylab.training import train

NETWORK = NetworkConfig(image_size=32, channels=1, epochs=1, batch_size=8, learning_rate=1e-3, dropout=0.0,
                        filters=(4, 8))


@pytest.fixture(scope="module")
def mixed_model(tmp_path_factory) -> Path:
    """custom_cnn trained one epoch on 16 real X-rays under mixed_float16, saved as the pipeline saves it."""
    rows = pd.DataFrame([{"path": str(image), "label": label, "patient_id": image.stem}
                         for label, name in enumerate(("NORMAL", "PNEUMONIA"))
                         for image in sample_images("train", name, 8)])
    paths = train.TrainPaths.inside(tmp_path_factory.mktemp("mixed"))
    try:
        train.fit("custom_cnn", NETWORK, TrainConfig(models=("custom_cnn",), seed=0, cache_images=False,
                                                     precision="mixed_float16"),
                  rows, rows, ("NORMAL", "PNEUMONIA"), {0: 1.0, 1: 1.0}, paths)
    finally:
        keras.mixed_precision.set_global_policy("float32")  # the policy is global: leave none behind
    return paths.model_dir


def saved_policies(model_dir: Path) -> set[str]:
    with zipfile.ZipFile(model_dir / saved.KERAS_FILE) as archive:
        config = archive.read("config.json").decode()
    return {policy for policy in ("mixed_float16", "float32") if f'"name": "{policy}"' in config}


def test_training_under_mixed_precision_saves_a_mixed_network(mixed_model: Path):
    assert saved_policies(mixed_model) == {"mixed_float16", "float32"}  # float16 layers, a float32 output


def test_a_mixed_network_loads_in_float32_with_the_same_probabilities(mixed_model: Path):
    images = sample_images("test", "PNEUMONIA", 3) + sample_images("test", "NORMAL", 3)
    frame = pd.DataFrame({"path": [str(image) for image in images], "label": [1, 1, 1, 0, 0, 0]})
    loaded = saved.load(mixed_model)
    assert {layer.dtype_policy.name for layer in loaded.model.layers} == {"float32"}
    as_trained = keras.saving.load_model(mixed_model / saved.KERAS_FILE)  # computes in float16
    assert any(layer.dtype_policy.name == "mixed_float16" for layer in as_trained.layers)
    half = saved.SavedModel(loaded.meta, as_trained).predict(frame)
    full = loaded.predict(frame)
    # float16 carries about 3 significant digits; the float32 network is the same function, computed exactly
    assert np.abs(full - half).max() < 5e-3
    assert not np.array_equal(full, half)


def test_grad_cam_and_export_of_a_mixed_network(mixed_model: Path, tmp_path: Path):
    images = np.random.default_rng(0).random((2, 32, 32, 1)).astype(np.float32)
    loaded = saved.load(mixed_model).model
    maps = attribution.grad_cam(loaded, images)
    assert maps.shape == (2, 32, 32) and np.isclose(maps.max(axis=(1, 2)), 1.0).all()
    # The closed form and the gradient tape give the same maps, also for a network still computing in float16.
    as_trained = keras.saving.load_model(mixed_model / saved.KERAS_FILE)
    layer = attribution.last_conv_layer(as_trained)
    half_maps = attribution.grad_cam_graph(as_trained, layer)(images)[1].numpy()
    assert np.abs(half_maps - attribution.grad_cam_tape(as_trained, images, layer)).max() < 0.02
    assert np.abs(half_maps - maps).max() < 0.02

    export.to_tfjs(loaded, tmp_path / "web", "float16", page_meta("custom_cnn"))
    graph = json.loads((tmp_path / "web" / "model.json").read_text())
    assert sorted(graph["signature"]["outputs"]) == ["heatmap", "probability"]
    assert "DT_HALF" not in json.dumps(graph["modelTopology"])  # TF.js has no half type
