"""The pull request's paired comparison: every model both revisions scored, head against base on the same films.

The per-film predictions (metrics/predictions/<model>.csv, committed by evaluate, so git holds them at every
revision and experiment) are read at both revisions; on the test split and on each external set whose predictions
changed, `evaluation.paired` gives the difference in ROC AUC and accuracy with its paired-bootstrap interval.
"""
from __future__ import annotations

import io
import subprocess
from dataclasses import asdict
from pathlib import Path
from typing import Any

import pandas as pd

from xraylab.errors import UserError
from xraylab.evaluation import paired
from xraylab.evaluation.leaderboard import DUMMY

PREDICTIONS = "metrics/predictions"
SCORE_NAMES = {"roc_auc": "ROC AUC", "accuracy": "accuracy"}


def compare(base: str, head: str | None, repo: Path, resamples: int, seed: int,
            confidence: float) -> dict[str, Any]:
    """{"models": {model: {set: [difference, ...]}}, "unchanged": [model, ...], ...} for `head` (None: the
    workspace) against `base`; JSON-ready, what `markdown` lays out."""
    base_commit, head_commit = resolve(base, repo), (resolve(head, repo) if head else None)
    base_models = _models(repo, base_commit)
    head_models = _models(repo, head_commit)
    compared: dict[str, dict[str, list[dict[str, Any]]]] = {}
    unchanged, unpaired = [], []
    for model in sorted((base_models & head_models) - {DUMMY}):
        base_rows, head_rows = _predictions(repo, base_commit, model), _predictions(repo, head_commit, model)
        sets = {}
        for name in _scored_sets(base_rows) & _scored_sets(head_rows):
            base_set, head_set = (rows[rows["split"] == name].reset_index(drop=True) for rows in (base_rows, head_rows))
            if _same_predictions(base_set, head_set):
                continue
            try:
                differences = paired.compare(base_set, head_set, resamples, seed, confidence)
            except UserError as error:  # another split or data source on one side: nothing to pair
                unpaired.append(f"{model} on {name}: {error}")
                continue
            sets[name] = [asdict(difference) | {"beyond_noise": difference.beyond_noise} for difference in differences]
        if sets:
            compared[model] = dict(sorted(sets.items()))
        else:
            unchanged.append(model)
    return {"base": base, "head": head or "workspace", "resamples": resamples, "confidence": confidence,
            "seed": seed, "models": compared, "unchanged": unchanged, "unpaired": unpaired,
            "only_base": sorted(base_models - head_models - {DUMMY}),
            "only_head": sorted(head_models - base_models - {DUMMY})}


def markdown(comparison: dict[str, Any]) -> str:
    percent = f"{comparison['confidence']:.0%}"
    lines = [f"Each model both sides scored, head minus base on the same films: a paired bootstrap of "
             f"{comparison['resamples']:,} resamples, {percent} intervals. **Beyond noise** only where the interval "
             f"excludes 0."]
    if comparison["models"]:
        lines += ["", f"| model | films | score | {comparison['base']} | {comparison['head']} | change "
                      f"| {percent} interval | |", "|---|---|---|---|---|---|---|---|"]
        for model, sets in comparison["models"].items():
            for name, differences in sets.items():
                for difference in differences:
                    lines.append(f"| {model} | {name} ({difference['films']}) | {SCORE_NAMES[difference['score']]} "
                                 f"| {difference['base']:.4f} | {difference['head']:.4f} "
                                 f"| {difference['difference']:+.4f} | {_interval(difference['interval'])} "
                                 f"| {'**beyond noise**' if difference['beyond_noise'] else 'within noise'} |")
    if comparison["unchanged"]:
        lines += ["", "Same predictions on both sides: " + ", ".join(comparison["unchanged"]) + "."]
    if comparison["unpaired"]:
        lines += ["", "Not paired: " + "; ".join(comparison["unpaired"]) + "."]
    for key, side in (("only_base", comparison["base"]), ("only_head", comparison["head"])):
        if comparison[key]:
            lines += ["", f"Scored only by `{side}`, so not compared: " + ", ".join(comparison[key]) + "."]
    return "\n".join(lines)


def resolve(revision: str, repo: Path) -> str:
    """The commit of a git revision or of a DVC experiment's name (refs/exps/.../<name>)."""
    commit = _git(repo, "rev-parse", "--verify", "--quiet", f"{revision}^{{commit}}", check=False)
    if commit:
        return commit
    refs = _git(repo, "for-each-ref", "--format=%(objectname) %(refname)", "refs/exps/").splitlines()
    found = [line.split()[0] for line in refs if line.endswith(f"/{revision}")]
    if len(found) != 1:
        raise UserError(f"`{revision}` is neither a git revision nor one experiment's name in {repo}"
                        + (f" ({len(found)} experiments have it)" if found else ""))
    return found[0]


def _models(repo: Path, commit: str | None) -> set[str]:
    if commit is None:
        return {path.stem for path in (repo / PREDICTIONS).glob("*.csv")}
    listing = _git(repo, "ls-tree", "--name-only", f"{commit}:{PREDICTIONS}", check=False)
    return {Path(name).stem for name in listing.splitlines() if name.endswith(".csv")}


def _predictions(repo: Path, commit: str | None, model: str) -> pd.DataFrame:
    path = f"{PREDICTIONS}/{model}.csv"
    text = (repo / path).read_text() if commit is None else _git(repo, "show", f"{commit}:{path}")
    return pd.read_csv(io.StringIO(text))


def _scored_sets(rows: pd.DataFrame) -> set[str]:
    """The test split and each external set; validation chose the threshold, so it is not a fair judge."""
    return {name for name in rows["split"].unique() if name == "test" or name.startswith("external:")}


def _same_predictions(base: pd.DataFrame, head: pd.DataFrame) -> bool:
    columns = ["path", "label", "probability", "predicted_positive"]
    ordered = [frame[columns].sort_values("path").reset_index(drop=True) for frame in (base, head)]
    return ordered[0].equals(ordered[1])


def _interval(interval: list[float] | None) -> str:
    return "–" if interval is None else f"[{interval[0]:+.4f}, {interval[1]:+.4f}]"


def _git(repo: Path, *arguments: str, check: bool = True) -> str:
    result = subprocess.run(["git", *arguments], cwd=repo, capture_output=True, text=True)
    if check and result.returncode != 0:
        raise UserError(f"`git {' '.join(arguments)}` failed in {repo}: {result.stderr.strip()}")
    return result.stdout.strip() if result.returncode == 0 else ""
