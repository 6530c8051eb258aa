"""Classic baselines on flattened, down-sampled pixels, tuned by grouped cross-validated grid search."""
from __future__ import annotations

from sklearn.ensemble import RandomForestClassifier
from sklearn.model_selection import GridSearchCV, GroupKFold

from xraylab.config import ClassicConfig
from xraylab.models.registry import register


@register("rf", ClassicConfig)
def random_forest(cfg: ClassicConfig, num_classes: int, seed: int) -> GridSearchCV:
    del num_classes  # a forest handles any number of classes
    forest = RandomForestClassifier(random_state=seed, n_jobs=-1)
    return grid_search(forest, cfg)


def grid_search(estimator, cfg: ClassicConfig) -> GridSearchCV:
    # Folds are grouped by patient (groups passed to fit), so CV scores are not inflated by leakage.
    return GridSearchCV(estimator, {name: list(values) for name, values in cfg.grid.items()},
                        cv=GroupKFold(n_splits=cfg.cv_folds), scoring="roc_auc", refit=True)
