import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.ensemble import RandomForestClassifier
from sklearn.model_selection import GridSearchCV, KFold, cross_val_score

from conftest import sample_images
from xraylab import models, pipeline
from xraylab.config import ClassicConfig, NetworkConfig, TrainConfig
from xraylab.errors import UserError
from xraylab.training import train

NETWORK = NetworkConfig(image_size=32, channels=1, epochs=1, batch_size=4, learning_rate=1e-3, dropout=0.2,
                        filters=(4, 8))
CLASSIC = ClassicConfig(image_size=16, cv_folds=2, grid={"n_estimators": (5,)})


def test_registry_lists_the_default_models():
    assert {"custom_cnn", "rf"} <= set(models.names())


def test_custom_cnn_gives_one_probability_per_image():
    network = models.build("custom_cnn", NETWORK, num_classes=2, seed=0)
    out = network.predict(np.random.default_rng(0).random((3, 32, 32, 1), dtype=np.float32), verbose=0)
    assert out.shape == (3, 1) and ((out > 0) & (out < 1)).all()
    three = models.build("custom_cnn", NETWORK, num_classes=3, seed=0)
    assert three.output_shape == (None, 3)


def test_rf_is_a_grid_search_over_its_params_grid():
    search = models.build("rf", CLASSIC, num_classes=2, seed=0)
    assert isinstance(search, GridSearchCV) and search.param_grid == {"n_estimators": [5]}


def test_the_grid_search_keeps_each_patients_films_in_one_fold(tmp_path: Path):
    # Twins: each of 40 patients has one real film twice, under a label drawn at random. The films say nothing about
    # the labels, so only a fold that splits a patient can score above chance (the forest remembers the twin).
    # Trained the pipeline's way (train.fit, patients as groups), the search must score chance; the same search
    # with plain folds, the control, scores well above it.
    films = sample_images("train", "NORMAL", 20) + sample_images("train", "PNEUMONIA", 20)
    labels = np.random.default_rng(0).permutation([0, 1] * 20)
    manifest = pd.DataFrame([{"path": str(film), "label": int(label), "patient_id": f"p{index}"}
                             for index, (film, label) in enumerate(zip(films, labels)) for _ in range(2)])
    cfg = ClassicConfig(image_size=16, cv_folds=4, grid={"n_estimators": (50,), "max_depth": (None,)})
    train.fit("rf", cfg, TrainConfig(models=("rf",), seed=0, cache_images=False), train=manifest, val=manifest,
              class_names=("NORMAL", "PNEUMONIA"), class_weights={0: 1.0, 1: 1.0},
              paths=train.TrainPaths.inside(tmp_path))
    grouped = json.loads((tmp_path / "live" / "metrics.json").read_text())["cv_roc_auc"]

    pixels, targets = pipeline.flat_arrays(manifest, cfg.image_size)
    forest = RandomForestClassifier(n_estimators=50, random_state=0, n_jobs=1)
    leaky = cross_val_score(forest, pixels, targets, cv=KFold(4, shuffle=True, random_state=0), scoring="roc_auc")
    assert grouped < 0.7 < 0.9 < leaky.mean(), (grouped, leaky.mean())


def test_unknown_name_and_wrong_section_type():
    with pytest.raises(models.UnknownModelError, match="unknown model 'resnet9'; registered models: "):
        models.build("resnet9", NETWORK, 2, 0)
    with pytest.raises(UserError, match="models.rf must have type: classic in params.yaml, got a network"):
        models.build("rf", NETWORK, 2, 0)
