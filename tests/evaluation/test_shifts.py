import numpy as np
import tensorflow as tf

from xraylab.config import ShiftConfig
from xraylab.evaluation import shifts


def film(seed: int = 0) -> tf.Tensor:
    rng = np.random.default_rng(seed)
    return tf.constant(0.2 + 0.6 * rng.random((32, 32, 1)), tf.float32)


def apply(shift: ShiftConfig, path: str = "a.jpeg", image: tf.Tensor | None = None) -> np.ndarray:
    return shifts.apply(film() if image is None else image, tf.constant(path), shift).numpy()


def test_the_default_changes_nothing():
    np.testing.assert_allclose(apply(ShiftConfig()), film().numpy(), atol=1e-7)


def test_each_shift_moves_the_image_the_way_it_says():
    original = film().numpy()
    assert apply(ShiftConfig(contrast=0.5)).std() < 0.6 * original.std()
    assert apply(ShiftConfig(gamma=1.5)).mean() < original.mean() < apply(ShiftConfig(gamma=0.67)).mean()
    blurred = apply(ShiftConfig(blur=1.0))
    assert abs(blurred.mean() - original.mean()) < 0.01
    assert np.abs(np.diff(blurred, axis=0)).mean() < 0.5 * np.abs(np.diff(original, axis=0)).mean()
    noisy = apply(ShiftConfig(noise=0.05))
    assert 0.04 < (noisy - original).std() < 0.06 and noisy.min() >= 0 and noisy.max() <= 1


def test_noise_is_the_same_for_a_file_and_differs_between_files():
    np.testing.assert_array_equal(apply(ShiftConfig(noise=0.05), "a.jpeg"), apply(ShiftConfig(noise=0.05), "a.jpeg"))
    assert not np.allclose(apply(ShiftConfig(noise=0.05), "a.jpeg"), apply(ShiftConfig(noise=0.05), "b.jpeg"))
