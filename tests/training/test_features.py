"""Bottleneck features are extracted once and reused only while everything that made them is unchanged."""
from pathlib import Path

import keras
import numpy as np
import pandas as pd

from xraylab.training import features


def extractor(seed: int) -> keras.Model:
    keras.utils.set_random_seed(seed)
    image = keras.Input((16, 16, 3))
    pooled = keras.layers.GlobalAveragePooling2D()(keras.layers.Conv2D(5, 3)(image))
    return keras.Model(image, pooled, name="backbone_features")


def test_features_are_cached_and_invalidated(tiny_manifest: pd.DataFrame, tmp_path: Path, capsys):
    backbone = extractor(0)
    first, labels = features.cached(backbone, tiny_manifest, 16, "train", tmp_path)
    assert first.shape == (16, 5) and list(labels) == list(tiny_manifest["label"])
    assert "extracting train features of 16 images" in capsys.readouterr().out
    stamp = (tmp_path / "train.npz").stat().st_mtime_ns

    again, _ = features.cached(backbone, tiny_manifest, 16, "train", tmp_path)
    np.testing.assert_array_equal(again, first)
    assert "train features from" in capsys.readouterr().out
    assert (tmp_path / "train.npz").stat().st_mtime_ns == stamp

    other_weights, _ = features.cached(extractor(1), tiny_manifest, 16, "train", tmp_path)
    assert "extracting" in capsys.readouterr().out and not np.allclose(other_weights, first)

    fewer, fewer_labels = features.cached(extractor(1), tiny_manifest.iloc[:10], 16, "train", tmp_path)
    assert "extracting" in capsys.readouterr().out and fewer.shape == (10, 5) and len(fewer_labels) == 10
    np.testing.assert_array_equal(fewer, other_weights[:10])
