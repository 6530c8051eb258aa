import keras
import numpy as np
import pytest
import tensorflow as tf

from xraylab import determinism, models
from xraylab.config import NetworkConfig
from xraylab.explain import attribution

CFG = NetworkConfig(image_size=32, channels=1, epochs=1, batch_size=4, learning_rate=1e-3, dropout=0.0,
                    filters=(4, 8))


def test_maps_have_the_image_size_and_unit_range():
    network = models.build("custom_cnn", CFG, 2, seed=0)
    images = np.random.default_rng(0).random((3, 32, 32, 1), dtype=np.float32)
    assert attribution.last_conv_layer(network) == "last_conv"
    maps = attribution.grad_cam(network, images)
    assert maps.shape == (3, 32, 32)
    assert maps.min() >= 0 and maps.max() <= 1
    assert all(heatmap.max() in (0.0, 1.0) for heatmap in maps)


@pytest.mark.parametrize("classes", [2, 3])
def test_closed_form_equals_the_gradient_tape(classes):
    # The closed form is what the browser runs; it must be Grad-CAM, not an approximation of it.
    network = models.build("custom_cnn", CFG, classes, seed=0)
    images = np.random.default_rng(1).random((4, 32, 32, 1), dtype=np.float32)
    outputs, maps = attribution.grad_cam_graph(network)(tf.constant(images))
    taped = attribution.grad_cam_tape(network, images, "last_conv")
    np.testing.assert_allclose(outputs.numpy(), network.predict(images, verbose=0), atol=1e-6)
    assert taped.max() == 1.0
    np.testing.assert_allclose(maps.numpy(), taped, atol=1e-5)


def test_other_heads_fall_back_to_the_tape():
    network = models.build("lenet5", NetworkConfig(**{**CFG.__dict__, "filters": None}), 2, seed=0)
    assert attribution.dense_head(network, "last_conv") is None
    with pytest.raises(ValueError, match="no closed form"):
        attribution.grad_cam_graph(network)
    maps = attribution.grad_cam(network, np.random.default_rng(2).random((2, 32, 32, 1), dtype=np.float32))
    assert maps.shape == (2, 32, 32) and maps.max() == 1.0


def test_map_follows_the_evidence():
    # A network whose evidence for the positive class is brightness: the map must sit on the bright patch.
    image = keras.Input((16, 16, 1))
    conv = keras.layers.Conv2D(2, 3, padding="same", use_bias=False, name="conv", kernel_initializer="ones")(image)
    pooled = keras.layers.GlobalAveragePooling2D()(conv)
    output = keras.layers.Dense(1, activation="sigmoid", kernel_initializer="ones")(pooled)
    network = keras.Model(image, output)
    images = np.zeros((1, 16, 16, 1), np.float32)
    images[0, 2:6, 9:13] = 1.0
    maps = attribution.grad_cam(network, images)
    around_patch = maps[0, 1:7, 8:14].sum()  # the patch plus the 3x3 kernel's reach
    assert around_patch / maps[0].sum() > 0.95
    assert maps[0, 3, 10] == 1.0 and maps[0, 12, 3] == 0.0


def test_model_without_convolutions_is_refused():
    dense = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])
    with pytest.raises(ValueError, match="has no Conv2D layer"):
        attribution.last_conv_layer(dense)


SIZE = 48
PATCH = (slice(4, 24), slice(4, 24))  # the evidence: a bright square in the upper left, 17% of the image


@pytest.fixture(scope="module")
def patch_network() -> tuple[keras.Model, np.ndarray]:
    """custom_cnn trained on dark noise where PNEUMONIA means a bright square in a known place."""
    determinism.seed_everything(0)
    rng = np.random.default_rng(0)
    images = (0.1 * rng.random((160, SIZE, SIZE, 1))).astype(np.float32)
    labels = np.arange(160) % 2
    images[labels == 1, PATCH[0], PATCH[1]] += 0.5
    cfg = NetworkConfig(image_size=SIZE, channels=1, epochs=6, batch_size=16, learning_rate=3e-3, dropout=0.0,
                        filters=(8, 16))
    network = models.build("custom_cnn", cfg, 2, seed=0)
    network.compile(optimizer=keras.optimizers.Adam(cfg.learning_rate), loss="binary_crossentropy",
                    metrics=["accuracy"])
    network.fit(images, labels, epochs=cfg.epochs, batch_size=cfg.batch_size, verbose=0)
    assert network.evaluate(images, labels, verbose=0)[1] == 1.0
    return network, images[labels == 1][:4]


def mass_inside_patch(maps: np.ndarray) -> np.ndarray:
    return maps[:, PATCH[0], PATCH[1]].sum(axis=(1, 2)) / maps.sum(axis=(1, 2))


def test_grad_cam_and_occlusion_find_the_patch(patch_network):
    network, positives = patch_network
    for maps in (attribution.grad_cam(network, positives), attribution.occlusion(network, positives, patch=8, stride=4)):
        assert maps.shape == (4, SIZE, SIZE) and maps.min() >= 0 and maps.max() == 1.0
        assert (mass_inside_patch(maps) >= 0.6).all(), mass_inside_patch(maps)
        far_corner = maps[:, 32:, 32:]
        assert far_corner.max() < 0.2


def test_occlusion_covers_every_pixel_and_checks_its_window(patch_network):
    network, positives = patch_network
    # 48 is not a multiple of 10: a last square flush with the far edge still covers the border.
    maps = attribution.occlusion(network, positives[:1], patch=10, stride=10)
    assert np.isfinite(maps).all()
    with pytest.raises(ValueError, match="occlusion patch must be in"):
        attribution.occlusion(network, positives[:1], patch=64, stride=4)


def test_first_layer_filters_and_activations(patch_network):
    network, positives = patch_network
    layer = attribution.first_conv_layer(network)
    assert layer.get_weights()[0].shape == (3, 3, 1, 8)
    assert attribution.activations(network, positives[0]).shape == (SIZE, SIZE, 8)
