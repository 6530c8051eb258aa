from pathlib import Path

import h5py
import keras
import numpy as np
import pytest
from keras.src.legacy.saving import legacy_h5_format

from xraylab.config import TransferConfig
from xraylab.errors import UserError
from xraylab.models import transfer

CFG = TransferConfig(image_size=32, epochs=1, batch_size=4, learning_rate=1e-3, dropout=0.0, weights=None,
                     mode="finetune")


def test_missing_imagenet_weights_name_the_file_and_the_way_out(tmp_path: Path):
    with pytest.raises(UserError) as error:
        transfer.build_transfer("resnet50", TransferConfig(**{**CFG.__dict__, "weights": "imagenet"}), 2,
                                cache=tmp_path)
    expected = tmp_path / "resnet50_weights_tf_dim_ordering_tf_kernels_notop.h5"
    assert str(error.value) == (f"ImageNet weights for resnet50 not found at {expected}; place the file there "
                                "(this machine cannot download it) or set models.resnet50.weights: null")


def test_a_weights_file_that_is_an_html_page_is_named(tmp_path: Path):
    cached = tmp_path / transfer.BACKBONES["resnet50"].imagenet_file
    cached.write_text("<!DOCTYPE html><html><body>403 Forbidden</body></html>")  # a failed browser download
    with pytest.raises(UserError) as error:
        transfer.build_transfer("resnet50", TransferConfig(**{**CFG.__dict__, "weights": "imagenet"}), 2,
                                cache=tmp_path)
    assert str(error.value) == (f"models.resnet50.weights: {cached} is an HTML page (a failed download?), not a "
                                "Keras weights file; download it again or set models.resnet50.weights: null")
    (tmp_path / "empty.h5").write_bytes(b"")
    with pytest.raises(UserError, match=r"empty\.h5 is empty, not a Keras weights file"):
        transfer.build_transfer("resnet50", TransferConfig(**{**CFG.__dict__, "weights": str(tmp_path / "empty.h5")}),
                                2)


def test_weights_from_a_file_are_loaded(tmp_path: Path):
    # A backbone's own weights saved by the test stand in for the ImageNet file Keras would cache.
    donor = keras.applications.MobileNetV3Small(include_top=False, weights=None, input_shape=(32, 32, 3),
                                                include_preprocessing=False)
    donor.set_weights([np.random.default_rng(0).normal(size=w.shape).astype("float32") for w in donor.get_weights()])
    # Keras caches ImageNet weights in its legacy HDF5 layout (a .h5 name, not .weights.h5).
    cached = tmp_path / transfer.BACKBONES["mobilenet_v3_small"].imagenet_file
    with h5py.File(cached, "w") as stream:
        legacy_h5_format.save_weights_to_hdf5_group(stream, donor)
    own_format = tmp_path / "donor.weights.h5"
    donor.save_weights(own_format)
    model = transfer.build_transfer("mobilenet_v3_small", TransferConfig(**{**CFG.__dict__, "weights": "imagenet"}),
                                    2, cache=tmp_path)
    from_file = transfer.build_transfer("mobilenet_v3_small",
                                        TransferConfig(**{**CFG.__dict__, "weights": str(own_format)}), 2)
    expected = donor.get_weights()
    for built in (model, from_file):
        # Backbone weights come first (the preprocessing layer has none), the head's last.
        for loaded, wanted in zip(built.get_weights()[: len(expected)], expected):
            np.testing.assert_array_equal(loaded, wanted)
    with pytest.raises(UserError, match="models.mobilenet_v3_small.weights file nowhere.h5 not found"):
        transfer.build_transfer("mobilenet_v3_small", TransferConfig(**{**CFG.__dict__, "weights": "nowhere.h5"}), 2)


def test_bottleneck_freezes_the_backbone_and_inputs_are_preprocessed():
    frozen = transfer.build_transfer("vgg16_imagenet", TransferConfig(**{**CFG.__dict__, "mode": "bottleneck"}), 2)
    trainable = {weight.path for weight in frozen.trainable_weights}
    assert trainable and all("probability" in path for path in trainable)
    tuned = transfer.build_transfer("vgg16_imagenet", CFG, 2)
    assert len(tuned.trainable_weights) > len(trainable)


def test_too_small_input_is_refused():
    with pytest.raises(UserError, match="models.inception_v3.image_size must be at least 75"):
        transfer.build_transfer("inception_v3", CFG, 2)


# The report's bottleneck backbones at their smallest input (random weights: no ImageNet files offline). The
# pipeline runs one transfer network end to end (tests/e2e/test_repro_three_class.py, mobilenet_v3_small);
# what differs between backbones is checked here, in seconds instead of minutes of `dvc exp run -n bottleneck`:
# each builds, splits at its pooled features into the parts bottleneck training fits, and has the Grad-CAM
# layer whose closed form the page computes.
@pytest.mark.slow
@pytest.mark.parametrize("name", ["vgg16_imagenet", "resnet50", "inception_v3", "xception", "inception_resnet_v2"])
def test_each_backbone_splits_at_its_features_and_has_the_pages_grad_cam(name: str):
    import tensorflow as tf

    from xraylab.explain import attribution

    size = max(transfer.BACKBONES[name].min_size, 32)
    cfg = TransferConfig(**{**CFG.__dict__, "image_size": size, "mode": "bottleneck"})
    model = transfer.build_transfer(name, cfg, 2)
    images = np.random.default_rng(0).random((2, size, size, 3), dtype=np.float32)
    whole = model.predict(images, verbose=0)
    extractor, head = transfer.bottleneck_parts(model)
    np.testing.assert_allclose(head.predict(extractor.predict(images, verbose=0), verbose=0), whole, atol=1e-5)
    layer = attribution.gradcam_layer(model)
    assert attribution.dense_head(model, layer) is not None, f"{name}: no closed-form Grad-CAM at {layer}"
    outputs, maps = attribution.grad_cam_graph(model, layer)(tf.constant(images))
    np.testing.assert_allclose(outputs.numpy(), whole, atol=1e-5)
    np.testing.assert_allclose(maps.numpy(), attribution.grad_cam_tape(model, images, layer), atol=1e-4)
    assert maps.shape == (2, size, size)
