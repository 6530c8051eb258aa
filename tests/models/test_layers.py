import keras
import numpy as np
import pytest

from xraylab import models, saved
from xraylab.config import AugmentConfig, ConfigError, NetworkConfig
from xraylab.models import cnn
from xraylab.models.layers import RandomGamma, RandomJpeg, Standardize, augmentation


def test_standardize_undoes_exposure_and_contrast():
    rng = np.random.default_rng(0)
    film = rng.random((2, 16, 16, 1)).astype(np.float32)
    standardized = np.asarray(Standardize()(film))
    assert np.allclose(standardized.mean(axis=(1, 2, 3)), 0, atol=1e-5)
    assert np.allclose(standardized.std(axis=(1, 2, 3)), 1, atol=1e-4)
    brighter_flatter = 0.5 * film + 0.3
    np.testing.assert_allclose(np.asarray(Standardize()(brighter_flatter)), standardized, atol=1e-4)
    assert np.isfinite(np.asarray(Standardize()(np.full((1, 4, 4, 1), 0.5, np.float32)))).all()


def test_random_gamma_only_while_training_and_seeded():
    images = np.linspace(0.05, 0.95, 2 * 8 * 8).reshape(2, 8, 8, 1).astype(np.float32)
    layer = RandomGamma(0.5, seed=3)
    np.testing.assert_array_equal(np.asarray(layer(images, training=False)), images)
    changed = np.asarray(layer(images, training=True))
    assert not np.allclose(changed, images) and (changed >= 0).all() and (changed <= 1).all()
    # One gamma per image: the order of pixel values within an image is kept.
    assert (np.diff(changed[0].ravel()) > 0).all()
    again = np.asarray(RandomGamma(0.5, seed=3)(images, training=True))
    np.testing.assert_array_equal(again, changed)


def test_random_jpeg_codes_each_image_while_training_only_and_seeded():
    # A smooth film with an edge: JPEG coding at low quality leaves its blocks and ringing around it.
    ramp = np.linspace(0.1, 0.9, 32, dtype=np.float32)
    images = np.stack([np.add.outer(ramp, ramp)[..., None] / 2, np.where(np.add.outer(ramp, ramp) > 1, 0.8, 0.2)[
        ..., None]]).astype(np.float32)
    layer = RandomJpeg(10, seed=4)
    np.testing.assert_array_equal(np.asarray(layer(images, training=False)), images)
    coded = np.asarray(layer(images, training=True))
    assert coded.shape == images.shape and coded.dtype == np.float32
    assert 0.002 < np.abs(coded - images).mean() < 0.1  # changed, but still the same film
    np.testing.assert_array_equal(np.asarray(RandomJpeg(10, seed=4)(images, training=True)), coded)
    assert RandomJpeg.from_config(layer.get_config()).lowest == 10


def test_jpeg_quality_outside_1_to_95_is_named(tmp_path):
    import yaml

    from conftest import REPO
    from xraylab import config

    params = yaml.safe_load((REPO / "params.yaml").read_text())
    params["models"]["custom_cnn"]["augment"] = {"jpeg": 99}
    (tmp_path / "params.yaml").write_text(yaml.safe_dump(params))
    with pytest.raises(ConfigError, match=r"models.custom_cnn.augment.jpeg must be a JPEG quality from 1 to 95"):
        config.load(tmp_path / "params.yaml")


def test_augmentation_layers_follow_the_config():
    assert augmentation(AugmentConfig()) == []
    chosen = augmentation(AugmentConfig(contrast=0.3, gamma=0.2, rotation=0.05, noise=0.02, jpeg=50))
    assert [type(layer).__name__ for layer in chosen] == ["RandomGamma", "RandomContrast", "RandomRotation",
                                                          "RandomJpeg", "GaussianNoise"]


def test_augmentation_wraps_the_network_for_training_and_the_saved_network_has_none(tmp_path):
    cfg = NetworkConfig(image_size=32, channels=1, epochs=1, batch_size=4, learning_rate=1e-3, dropout=0.0,
                        filters=(4,), normalize="standardize",
                        augment=AugmentConfig(contrast=0.3, brightness=0.1, gamma=0.2, zoom=0.1, rotation=0.05,
                                              translate=0.05, noise=0.02))
    network = models.build("custom_cnn", cfg, 2, seed=0)
    assert network.get_layer("standardize") is not None
    assert not [layer for layer in network.layers if type(layer).__name__.startswith(("Random", "Gaussian"))]
    fitted = cnn.with_augmentation(network, cfg)
    assert [type(layer).__name__ for layer in fitted.layers[1:-1]] == [
        "RandomGamma", "RandomContrast", "RandomBrightness", "RandomZoom", "RandomRotation", "RandomTranslation",
        "GaussianNoise"]
    images = np.random.default_rng(1).random((8, 32, 32, 1)).astype(np.float32)
    fitted.compile(optimizer="adam", loss="binary_crossentropy")
    before = network.predict(images, verbose=0)
    fitted.fit(images, np.arange(8) % 2, epochs=1, verbose=0)
    first = network.predict(images, verbose=0)
    assert not np.allclose(first, before)  # fitting the wrapper trained the network inside it
    np.testing.assert_array_equal(network.predict(images, verbose=0), first)  # no randomness at inference
    assert cnn.with_augmentation(network, NetworkConfig(**{**cfg.__dict__, "augment": AugmentConfig()})) is network

    meta = saved.ModelMeta("custom_cnn", "network", 32, 1, ("NORMAL", "PNEUMONIA"))
    saved.save(tmp_path / "model", meta, network)
    reloaded = saved.load(tmp_path / "model").model
    np.testing.assert_allclose(reloaded.predict(images, verbose=0), first, atol=1e-6)
    # Standardised inputs: a brighter, flatter copy of the films gets the same probabilities.
    np.testing.assert_allclose(reloaded.predict(0.6 * images + 0.2, verbose=0), first, atol=1e-4)
