import keras
import numpy as np
import pytest

from xraylab import explain, models
from xraylab.config import NetworkConfig

CFG = NetworkConfig(image_size=32, channels=1, epochs=1, batch_size=4, learning_rate=1e-3, dropout=0.0,
                    filters=(4, 8))


def test_maps_have_the_image_size_and_unit_range():
    network = models.build("custom_cnn", CFG, 2, seed=0)
    images = np.random.default_rng(0).random((3, 32, 32, 1), dtype=np.float32)
    assert explain.last_conv_layer(network) == "last_conv"
    maps = explain.grad_cam(network, images)
    assert maps.shape == (3, 32, 32)
    assert maps.min() >= 0 and maps.max() <= 1
    assert all(heatmap.max() in (0.0, 1.0) for heatmap in maps)


def test_map_follows_the_evidence():
    # A network whose evidence for the positive class is brightness: the map must sit on the bright patch.
    image = keras.Input((16, 16, 1))
    conv = keras.layers.Conv2D(2, 3, padding="same", use_bias=False, name="conv", kernel_initializer="ones")(image)
    pooled = keras.layers.GlobalAveragePooling2D()(conv)
    output = keras.layers.Dense(1, activation="sigmoid", kernel_initializer="ones")(pooled)
    network = keras.Model(image, output)
    images = np.zeros((1, 16, 16, 1), np.float32)
    images[0, 2:6, 9:13] = 1.0
    maps = explain.grad_cam(network, images)
    around_patch = maps[0, 1:7, 8:14].sum()  # the patch plus the 3x3 kernel's reach
    assert around_patch / maps[0].sum() > 0.95
    assert maps[0, 3, 10] == 1.0 and maps[0, 12, 3] == 0.0


def test_model_without_convolutions_is_refused():
    dense = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])
    with pytest.raises(ValueError, match="has no Conv2D layer"):
        explain.last_conv_layer(dense)
