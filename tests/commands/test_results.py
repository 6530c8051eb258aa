"""The results table from `dvc exp show --json`-shaped records."""
from xraylab.commands import results


def run(name: str, source: str, specificity: float, shifted: dict | None, fit_seconds: float | None = None,
        labels_csv: str | None = None, target: dict | None = None) -> dict:
    board = {"best_network": "custom_cnn", "threshold": {"custom_cnn": 0.42},
             "val": {"custom_cnn": {"accuracy": 0.9, "sensitivity": 0.95, "specificity": specificity,
                                    "roc_auc": 0.97}},
             "test": {"custom_cnn": {"accuracy": 0.91, "roc_auc": 0.98}}}
    if shifted is not None:
        board["val_shifted"] = {"custom_cnn": shifted}
    if target is not None:
        board["external"] = {"target_dev": {"custom_cnn": target}}
    params = {"data": {"source": source, "local": {"labels_csv": labels_csv}}, "balance": {"method": "augment"},
              "models": {"custom_cnn": {"image_size": 128, "epochs": 12, "normalize": "standardize",
                                        "augment": {"gamma": 0.3}, "batch_size": 32}}}
    metrics = {results.LEADERBOARD: {"data": board}}
    if fit_seconds is not None:
        metrics["metrics/train/custom_cnn/metrics.json"] = {"data": {"fit_seconds": fit_seconds}}
    return {"rev": "abc1234def", "name": name, "data": {"params": {"params.yaml": {"data": params}}, "metrics": metrics}}


def test_rows_cover_the_experiments_and_skip_runs_without_a_board():
    shown = [{**run(None, "sample", 0.8, None), "experiments": [
        {"revs": [run("real-baseline", "local", 0.6, {"worst_specificity": 0.1, "worst_sensitivity": 0.9},
                      fit_seconds=390.0, labels_csv="/tmp/batch-normal2.csv",
                      target={"accuracy": 0.85, "sensitivity": 0.99, "specificity": 0.64, "roc_auc": 0.957,
                              "calibrated_accuracy": 0.908, "calibrated_sensitivity": 0.915,
                              "calibrated_specificity": 0.898})]},
        {"revs": [{"rev": "ffff", "name": "failed", "data": {}}]},
        {"revs": [run(None, "local", 0.7, None)]},
    ]}]
    records = list(results.rows(shown))
    assert [record["run"] for record in records] == ["real-baseline", "abc1234"]
    assert records[1]["params"] == {"image_size": 128, "epochs": 12, "normalize": "standardize",
                                    "augment": {"gamma": 0.3}}
    table = results.markdown(records)
    assert table.splitlines()[0].startswith("| run | data | balance | model and params |")
    assert ('| real-baseline | local (batch-normal2.csv) | augment | custom_cnn (image_size=128, epochs=12, '
            'normalize="standardize", augment={"gamma":0.3}) | 0.420 | 0.900 | 0.950 | 0.600 | 0.970 | 0.900 | 0.100 '
            '| 0.910 | 0.980 | 0.957 | 0.850 / 0.990 / 0.640 | 0.908 / 0.915 / 0.898 | 6.5 |') in table
    assert "| – | – |" in table.splitlines()[3]  # an experiment without shifted scores
    # nor external scores, nor a recorded fit time
    assert table.splitlines()[3].endswith("| 0.910 | 0.980 | – | – | – | – |")


def test_the_fit_time_of_newer_experiments_comes_from_their_cached_log(tmp_path):
    """Since the training log stopped being a DVC metric, the time is read from the experiment's revision: the
    log is a cached DVC output there, so DVC's cache holds it, not git."""
    import json
    import subprocess
    import sys

    log = tmp_path / "metrics" / "train" / "custom_cnn" / "metrics.json"
    log.parent.mkdir(parents=True)
    log.write_text(json.dumps({"fit_seconds": 120.0, "accuracy": 0.9}))
    for command in (["git", "init", "-q"], [sys.executable, "-m", "dvc", "init", "-q"],
                    [sys.executable, "-m", "dvc", "add", "-q", str(log)], ["git", "add", "-A"],
                    ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qm", "run"]):
        subprocess.run(command, cwd=tmp_path, check=True)
    rev = subprocess.run(["git", "rev-parse", "HEAD"], cwd=tmp_path, capture_output=True, text=True).stdout.strip()
    log.unlink()  # read at the revision, not from the workspace
    shown = [{"experiments": [{"revs": [{**run("newer", "local", 0.7, None), "rev": rev}]}]}]
    [record] = results.rows(shown, tmp_path)
    assert record["fit_seconds"] == 120.0
    [without_repo] = results.rows(shown)
    assert without_repo["fit_seconds"] is None
