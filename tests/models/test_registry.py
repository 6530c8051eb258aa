import numpy as np
import pytest
from sklearn.model_selection import GridSearchCV

from xraylab import models
from xraylab.config import ClassicConfig, NetworkConfig
from xraylab.errors import UserError

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


def test_rf_is_a_grouped_grid_search():
    search = models.build("rf", CLASSIC, num_classes=2, seed=0)
    assert isinstance(search, GridSearchCV) and search.param_grid == {"n_estimators": [5]}


def test_unknown_name_and_wrong_section_type():
    with pytest.raises(models.UnknownModelError, match="unknown model 'resnet9'; registered models: "):
        models.build("resnet9", NETWORK, 2, 0)
    with pytest.raises(UserError, match="models.rf must have type: classic in params.yaml, got a network"):
        models.build("rf", NETWORK, 2, 0)
