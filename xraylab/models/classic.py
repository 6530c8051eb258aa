"""Classic baselines on flattened, down-sampled pixels, tuned by grouped cross-validated grid search."""
from __future__ import annotations

from sklearn.ensemble import RandomForestClassifier
from sklearn.model_selection import GridSearchCV, GroupKFold
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

from xraylab.config import ClassicConfig
from xraylab.models.registry import register


@register("rf", ClassicConfig)
def random_forest(cfg: ClassicConfig, num_classes: int, seed: int) -> GridSearchCV:
    # One thread per forest: with n_jobs=-1, predict_proba adds the trees' outputs in thread order, so
    # scores differ in the last digits from run to run. The search runs its fits in parallel instead.
    forest = RandomForestClassifier(random_state=seed, n_jobs=1)
    return grid_search(forest, cfg, num_classes)


@register("svm", ClassicConfig)
def support_vector_machine(cfg: ClassicConfig, num_classes: int, seed: int) -> GridSearchCV:
    """An RBF support vector machine on standardised pixels; grid keys name the step, e.g. svc__C."""
    # probability=True: Platt scaling, so ROC curves and thresholds work as for the other models.
    return grid_search(make_pipeline(StandardScaler(), SVC(probability=True, random_state=seed)), cfg, num_classes)


def weight_argument(search: GridSearchCV, sample_weight) -> dict:
    """`fit` keyword for per-sample weights: a Pipeline wants them addressed to its last step."""
    estimator = search.estimator
    if isinstance(estimator, Pipeline):
        return {f"{estimator.steps[-1][0]}__sample_weight": sample_weight}
    return {"sample_weight": sample_weight}


def grid_search(estimator, cfg: ClassicConfig, num_classes: int) -> GridSearchCV:
    # Folds are grouped by patient (groups passed to fit), so CV scores are not inflated by leakage.
    # ROC AUC for two classes; for more, its macro one-vs-rest average (plain roc_auc is undefined there, and
    # every candidate would score nan, so the first would win whatever it is).
    scoring = "roc_auc" if num_classes == 2 else "roc_auc_ovr"
    return GridSearchCV(estimator, {name: list(values) for name, values in cfg.grid.items()},
                        cv=GroupKFold(n_splits=cfg.cv_folds), scoring=scoring, refit=True, n_jobs=-1)
