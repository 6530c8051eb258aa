"""The experiment table of docs/results.md, from `dvc exp show --json`: what was tried and how it held up.

One row per experiment (`dvc exp run`, on any commit): the params that define it, the chosen network's validation
scores on unaltered images, its worst validation scores under shift (evaluate.shifts), and its scores on the
first external set (evaluate.external: the target films), at the validation threshold and at the set's own.
"""
from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any, Iterator

from xraylab.errors import UserError

LEADERBOARD = "metrics/leaderboard.json"
MODEL_PARAMS = ("image_size", "filters", "epochs", "normalize", "label_smoothing", "augment", "schedule", "ema",
                "weights", "mode", "learning_rate", "warmup")


def experiments(repo: Path) -> list[dict[str, Any]]:
    """`dvc exp show --json --all-commits` of `repo`: every commit and the experiments based on it."""
    command = ["dvc", "exp", "show", "--json", "--all-commits"]
    result = subprocess.run(command, cwd=repo, capture_output=True, text=True)
    if result.returncode != 0:
        raise UserError(f"`{' '.join(command)}` failed in {repo}: {result.stderr.strip()}")
    return json.loads(result.stdout)


def rows(shown: list[dict[str, Any]], repo: Path | None = None) -> Iterator[dict[str, Any]]:
    """Flat records of the experiments that have a leaderboard (commits themselves are not experiments).

    The fitting time is read from the training log: a DVC metric in experiments made before 2026-12, a cached
    output since (timings are not metrics), read at the experiment's revision in `repo`."""
    for entry in shown:
        for run in (rev for experiment in entry.get("experiments") or [] for rev in experiment["revs"]):
            data = run.get("data") or {}
            board = ((data.get("metrics") or {}).get(LEADERBOARD) or {}).get("data")
            params = ((data.get("params") or {}).get("params.yaml") or {}).get("data")
            if not board or not params or not board.get("best_network"):
                continue
            name = board["best_network"]
            log = f"metrics/train/{name}/metrics.json"
            trained = (((data.get("metrics") or {}).get(log) or {}).get("data")
                       or (_logged_json(repo, run.get("rev", ""), log) if repo else {}))
            labels = (params["data"].get("local") or {}).get("labels_csv")
            yield {
                "run": run.get("name") or data.get("rev") or run.get("rev", "")[:7],
                # a labels CSV redraws the split (e.g. `xraylab batch-split`), so it is part of what the data is
                "source": params["data"]["source"] + (f" ({Path(labels).name})" if labels else ""),
                "fit_seconds": trained.get("fit_seconds"),
                "balance": params["balance"]["method"],
                "model": name,
                "params": {key: params["models"][name][key] for key in MODEL_PARAMS if key in params["models"][name]},
                "threshold": board["threshold"][name],
                "val": board["val"][name],
                "shifted": (board.get("val_shifted") or {}).get(name, {}),
                "test": board["test"][name],
                "target": next(iter((board.get("external") or {}).values()), {}).get(name, {}),
            }


def _logged_json(repo: Path, rev: str, path: str) -> dict[str, Any]:
    """The JSON file `path` as it was at `rev`, from git or from DVC's cache ({} where neither has it)."""
    import dvc.api

    try:
        return json.loads(dvc.api.read(path, repo=str(repo), rev=rev))
    except Exception:  # noqa: BLE001 - any miss (no such file, object not in the cache) just leaves the cell empty
        return {}


def markdown(records: list[dict[str, Any]]) -> str:
    header = ("| run | data | balance | model and params | threshold | val acc | val sens | val spec | val AUC "
              "| shifted worst sens | shifted worst spec | held-out acc | held-out AUC | target AUC "
              "| target acc / sens / spec | at target's own threshold | fit min |")
    lines = [header, "|" + "---|" * (header.count("|") - 1)]
    for record in records:
        params = ", ".join(f"{key}={json.dumps(value, separators=(',', ':'))}"
                           for key, value in record["params"].items())
        val, shifted, test, target = record["val"], record["shifted"], record["test"], record["target"]
        lines.append(" | ".join([
            f"| {record['run']}", record["source"], record["balance"], f"{record['model']} ({params})",
            f"{record['threshold']:.3f}", _number(val.get("accuracy")), _number(val.get("sensitivity")),
            _number(val.get("specificity")), _number(val.get("roc_auc")),
            _number(shifted.get("worst_sensitivity")), _number(shifted.get("worst_specificity")),
            _number(test.get("accuracy")), _number(test.get("roc_auc")), _number(target.get("roc_auc")),
            _triple(target, ""), _triple(target, "calibrated_"),
            ("–" if record["fit_seconds"] is None else f"{record['fit_seconds'] / 60:.1f}") + " |"]))
    return "\n".join(lines) + "\n"


def _triple(scores: dict[str, Any], prefix: str) -> str:
    """accuracy / sensitivity / specificity, e.g. at the validation threshold ("") or the calibrated one."""
    values = [scores.get(f"{prefix}{name}") for name in ("accuracy", "sensitivity", "specificity")]
    return "–" if values[0] is None else " / ".join(_number(value) for value in values)


def _number(value: float | None) -> str:
    return "–" if value is None else f"{value:.3f}"
