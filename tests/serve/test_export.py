import json
from pathlib import Path

import pytest

from conftest import page_meta

from xraylab import models
from xraylab.config import NetworkConfig, TransferConfig
from xraylab.explain import attribution
from xraylab.serve import export, gate

CFG = NetworkConfig(image_size=32, channels=1, epochs=1, batch_size=4, learning_rate=1e-3, dropout=0.0,
                    filters=(4, 8))


def test_tfjs_graph_model_with_meta_and_stable_bytes(tmp_path: Path):
    network = models.build("custom_cnn", CFG, 2, seed=0)
    meta = page_meta("custom_cnn")
    export.to_tfjs(network, tmp_path / "first", "float16", meta)
    export.to_tfjs(network, tmp_path / "second", "float16", meta)

    files = sorted(path.name for path in (tmp_path / "first").iterdir())
    assert files == ["group1-shard1of1.bin", "meta.json", "model.json"]
    graph = json.loads((tmp_path / "first" / "model.json").read_text())
    assert graph["format"] == "graph-model"
    float_weights = [weight for group in graph["weightsManifest"] for weight in group["weights"]
                     if weight["dtype"] == "float32"]
    assert float_weights and all(weight["quantization"]["dtype"] == "float16" for weight in float_weights)
    assert json.loads((tmp_path / "first" / "meta.json").read_text()) == {**meta, "heatmap": True, "gate": None}
    # The page reads both outputs by name; Grad-CAM is computed inside the graph, without gradient ops.
    assert sorted(graph["signature"]["outputs"]) == ["heatmap", "probability"]
    assert not any(node["op"].endswith("Grad") for node in graph["modelTopology"]["node"])
    for name in files:
        assert (tmp_path / "first" / name).read_bytes() == (tmp_path / "second" / name).read_bytes(), name


def test_the_gate_is_one_more_output_of_the_graph(sample_gate, tmp_path: Path):
    network = models.build("custom_cnn", NetworkConfig(**{**CFG.__dict__, "image_size": 128}), 2, seed=0)
    written = export.to_tfjs(network, tmp_path / "model", "float16", page_meta("custom_cnn"), sample_gate)
    graph = json.loads((tmp_path / "model" / "model.json").read_text())
    assert sorted(graph["signature"]["outputs"]) == ["gate", "heatmap", "probability"]
    # The page names the check that refused and says why in `xraylab predict`'s words.
    assert written["gate"] == {"checks": list(gate.CHECKS), "reasons": [gate.REASONS[name] for name in gate.CHECKS]}
    assert json.loads((tmp_path / "model" / "meta.json").read_text()) == written


def test_a_standardizing_network_converts(tmp_path: Path):
    # Our own layer inside the model must survive SavedModel export and the TF.js converter.
    network = models.build("custom_cnn", NetworkConfig(**{**CFG.__dict__, "normalize": "standardize"}), 2, seed=0)
    export.to_tfjs(network, tmp_path / "model", "float16", page_meta("custom_cnn"))
    graph = (tmp_path / "model" / "model.json").read_text()
    assert '"Mean"' in graph and "standardize" in graph


def test_uint8_quantizes_every_float_weight_to_a_quarter(tmp_path: Path):
    network = models.build("custom_cnn", CFG, 2, seed=0)
    export.to_tfjs(network, tmp_path / "none", "none", page_meta("custom_cnn"))
    export.to_tfjs(network, tmp_path / "uint8", "uint8", page_meta("custom_cnn"))
    graph = json.loads((tmp_path / "uint8" / "model.json").read_text())
    float_weights = [weight for group in graph["weightsManifest"] for weight in group["weights"]
                     if weight["dtype"] == "float32"]
    assert float_weights and all(weight["quantization"]["dtype"] == "uint8" for weight in float_weights)
    sizes = {name: (tmp_path / name / "group1-shard1of1.bin").stat().st_size for name in ("none", "uint8")}
    assert sizes["uint8"] < 0.3 * sizes["none"]


def test_a_network_without_a_closed_form_exports_the_probability_only(tmp_path: Path):
    network = models.build("lenet5", NetworkConfig(**{**CFG.__dict__, "filters": None}), 2, seed=0)
    export.to_tfjs(network, tmp_path / "model", "float16", page_meta("lenet5"))
    graph = json.loads((tmp_path / "model" / "model.json").read_text())
    assert list(graph["signature"]["outputs"]) == ["probability"]
    assert json.loads((tmp_path / "model" / "meta.json").read_text())["heatmap"] is False


# What the page can draw: Grad-CAM's closed form needs global average pooling and one dense layer after the
# feature maps (xraylab.explain.attribution.gradcam_layer, dense_head). LeNet-5 and AlexNet end in flattened dense layers.
HEATMAP_IN_THE_BROWSER = {"custom_cnn": True, "lenet5": False, "alexnet": False, "vgg16": True,
                          "mobilenet_v3_small": True}  # every transfer network shares transfer.py's head


@pytest.mark.parametrize("name", [pytest.param(name, marks=[pytest.mark.slow] if name == "alexnet" else [])
                                  for name in sorted(HEATMAP_IN_THE_BROWSER)])  # AlexNet: 12 s
def test_every_network_with_a_closed_form_exports_its_heatmap(name: str, tmp_path: Path):
    if name == "mobilenet_v3_small":
        cfg = TransferConfig(image_size=32, epochs=1, batch_size=4, learning_rate=1e-3, dropout=0.0, weights=None,
                             mode="bottleneck")
    else:
        cfg = NetworkConfig(**{**CFG.__dict__, "image_size": 64 if name == "alexnet" else 32,
                               "filters": CFG.filters if name == "custom_cnn" else None})
    network = models.build(name, cfg, 2, seed=0)
    assert (attribution.dense_head(network, attribution.gradcam_layer(network)) is not None) == HEATMAP_IN_THE_BROWSER[name]
    export.to_tfjs(network, tmp_path / "model", "none", page_meta(name))
    graph = json.loads((tmp_path / "model" / "model.json").read_text())
    expected = ["heatmap", "probability"] if HEATMAP_IN_THE_BROWSER[name] else ["probability"]
    assert sorted(graph["signature"]["outputs"]) == expected
    assert json.loads((tmp_path / "model" / "meta.json").read_text())["heatmap"] is HEATMAP_IN_THE_BROWSER[name]
