"""xraylab/evaluation/paired.py on the committed per-film predictions of the sample's test films."""
import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import accuracy_score, roc_auc_score

from conftest import REPO
from xraylab.errors import UserError
from xraylab.evaluation import bootstrap, paired


def scored_test_films(model: str) -> pd.DataFrame:
    frame = pd.read_csv(REPO / "metrics" / "predictions" / f"{model}.csv")
    return frame[frame["split"] == "test"].reset_index(drop=True)


def by_score(differences: list[paired.PairedDifference]) -> dict[str, paired.PairedDifference]:
    return {difference.score: difference for difference in differences}


def test_the_same_predictions_differ_by_nothing():
    rf = scored_test_films("rf")
    result = by_score(paired.compare(rf, rf, resamples=200, seed=0, confidence=0.95))
    for score in paired.SCORES:
        assert result[score].difference == 0 and result[score].interval == (0.0, 0.0)
        assert not result[score].beyond_noise


def test_point_differences_are_scikit_learn_scores_of_each_side():
    rf, cnn = scored_test_films("rf"), scored_test_films("custom_cnn")
    # Rows in another order on one side: films are matched by path, not by position.
    result = by_score(paired.compare(rf, cnn.iloc[::-1], resamples=100, seed=0, confidence=0.95))
    positive = (rf["label"] != 0).astype(int)
    assert result["roc_auc"].films == len(rf) == 213
    assert result["roc_auc"].base == pytest.approx(roc_auc_score(positive, rf["probability"]), abs=1e-6)
    assert result["roc_auc"].head == pytest.approx(roc_auc_score(positive, cnn["probability"]), abs=1e-6)
    assert result["accuracy"].difference == pytest.approx(
        accuracy_score(positive, cnn["predicted_positive"]) - accuracy_score(positive, rf["predicted_positive"]),
        abs=1e-6)
    for difference in result.values():
        low, high = difference.interval
        assert low <= difference.difference <= high


def test_interval_is_the_percentiles_of_differences_on_shared_draws():
    """Rebuilt by hand with scikit-learn: each resample scores both sides on one draw of films."""
    rf, cnn = scored_test_films("rf"), scored_test_films("custom_cnn")
    result = by_score(paired.compare(rf, cnn, resamples=40, seed=7, confidence=0.9))
    rows = np.random.default_rng(7).integers(0, len(rf), (40, len(rf)))
    positive = (rf["label"] != 0).to_numpy().astype(int)
    auc = [roc_auc_score(positive[row], cnn["probability"].to_numpy()[row])
           - roc_auc_score(positive[row], rf["probability"].to_numpy()[row]) for row in rows]
    accuracy = [accuracy_score(positive[row], cnn["predicted_positive"].to_numpy()[row])
                - accuracy_score(positive[row], rf["predicted_positive"].to_numpy()[row]) for row in rows]
    for score, values in (("roc_auc", auc), ("accuracy", accuracy)):
        assert result[score].interval == pytest.approx(tuple(np.quantile(values, [0.05, 0.95])), abs=1e-6)
    assert bootstrap.CHUNK > 40  # one chunk: the draws above are the ones compare made


def test_a_real_gain_is_beyond_noise_and_one_film_is_not():
    rf = scored_test_films("rf")
    positive = (rf["label"] != 0).astype(int)
    perfect = rf.assign(probability=positive.astype(float), predicted_positive=positive)
    gain = by_score(paired.compare(rf, perfect, resamples=300, seed=0, confidence=0.95))
    assert gain["roc_auc"].beyond_noise and gain["accuracy"].beyond_noise and gain["accuracy"].interval[0] > 0
    # One film called the other way: a change of 1/213 in accuracy, inside the noise.
    wrong = rf.index[rf["predicted_positive"] != positive][0]
    one_film = rf.copy()
    one_film.loc[wrong, "predicted_positive"] = positive[wrong]
    small = by_score(paired.compare(rf, one_film, resamples=300, seed=0, confidence=0.95))
    assert small["accuracy"].difference == pytest.approx(1 / 213, abs=1e-6)
    assert not small["accuracy"].beyond_noise


def test_different_films_or_labels_cannot_be_paired():
    rf = scored_test_films("rf")
    with pytest.raises(UserError, match="scored different films \\(213 and 212, 212 in common\\)"):
        paired.compare(rf, rf.iloc[1:], resamples=10, seed=0, confidence=0.95)
    relabelled = rf.assign(label=1 - rf["label"])
    with pytest.raises(UserError, match="different labels"):
        paired.compare(rf, relabelled, resamples=10, seed=0, confidence=0.95)
