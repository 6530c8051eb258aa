"""The pull-request report: params, metrics and plots of one revision against a base, as markdown.

The CML job (.ci/pr-job) posts exactly this (it runs `xraylab report`), so a user without CML sees the same
locally. DVC computes the diffs; this module runs it and lays the sections out, the headline first
(metrics/headline.json: AUC and accuracy per model on validation, test and the external sets), then the paired
comparison on the same films that says which changes are beyond noise (`pr_paired`), and every other changed
number folded below it.
"""
from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from xraylab import atomic
from xraylab.commands import pr_paired, pr_plots
from xraylab.errors import UserError

LEADERBOARD = Path("metrics") / "leaderboard.md"
HEADLINE = "metrics/headline.json"


def markdown(base: str, repo: Path, head: str | None = None, plots_dir: Path | None = None,
             paired: PairedOptions | None = None) -> str:
    """`head` against `base` (`head` None: the workspace). With `plots_dir`, the changed plots are drawn there
    and linked from the report by paths relative to the report's folder, which is `plots_dir`'s parent."""
    repo = Path(repo)
    paired = paired or PairedOptions()
    revisions = [base] + ([head] if head else [])
    params = json.loads(_dvc(repo, "params", "diff", *revisions, "--json") or "{}")
    comparison = pr_paired.compare(base, head, repo, paired.resamples, paired.seed, paired.confidence)
    if paired.json_path is not None:
        atomic.write_json(paired.json_path, comparison)
    changes = json.loads(_dvc(repo, "metrics", "diff", *revisions, "--json") or "{}")
    headline = {HEADLINE: changes.pop(HEADLINE, {})}
    other_count = sum(len(rows) for rows in changes.values())
    shown = f"`{head}`" if head else "this branch"
    sections = [f"## xraylab: {shown} against `{base}`", "",
                "### Params changed", "", _params_table(params, base, head) or "No params changed.", "",
                "### Headline: ROC AUC and accuracy per model", "",
                _table(headline, base, head) if headline[HEADLINE] else "No headline score changed.", "",
                "### Beyond noise? Head against base on the same films", "", pr_paired.markdown(comparison), ""]
    if other_count:
        sections += [f"<details><summary>Every other changed number ({other_count})</summary>", "",
                     _table(changes, base, head), "", "</details>", ""]
    if plots_dir is not None:
        drawn = pr_plots.changed(base, head, repo, plots_dir)
        sections += ["### Plots that changed", ""]
        sections += [f"![{path.stem}]({path.relative_to(plots_dir.parent).as_posix()})" for path in drawn] or [
            "No plot changed."]
        sections.append("")
    if (repo / LEADERBOARD).is_file():
        sections += [f"### Leaderboard of {shown}", "", (repo / LEADERBOARD).read_text().strip(),
                     ""]
    return "\n".join(sections)


@dataclass(frozen=True)
class PairedOptions:
    """The paired bootstrap's settings, and where to write its figures as JSON (None: nowhere)."""

    resamples: int = 1000
    seed: int = 0
    confidence: float = 0.95
    json_path: Path | None = None


def _params_table(params: dict[str, dict[str, dict[str, Any]]], base: str, head: str | None) -> str:
    """`dvc params diff --json` as a table; "" when nothing changed (DVC's --md prints a header with no rows)."""
    rows = [f"| {key} | {_number(row.get('old'))} | {_number(row.get('new'))} |"
            for path, changed in params.items() for key, row in sorted(changed.items())]
    if not rows:
        return ""
    return "\n".join([f"| param | {base} | {head or 'workspace'} |", "|---|---|---|", *rows])


def _table(changes: dict[str, dict[str, dict[str, Any]]], base: str, head: str | None) -> str:
    lines = [f"| file | metric | {base} | {head or 'workspace'} | change |", "|---|---|---|---|---|"]
    for path, rows in changes.items():
        for key, row in sorted(rows.items()):
            lines.append(f"| {path} | {key} | {_number(row.get('old'))} | {_number(row.get('new'))} "
                         f"| {_number(row.get('diff'))} |")
    return "\n".join(lines)


def _number(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4f}"
    return "–" if value is None else str(value)


def _dvc(repo: Path, *arguments: str) -> str:
    # The dvc of this Python environment, so the report uses the pinned version.
    result = subprocess.run([sys.executable, "-m", "dvc", *arguments], cwd=repo, capture_output=True, text=True)
    if result.returncode != 0:
        raise UserError(f"`dvc {' '.join(arguments)}` failed in {repo}: {result.stderr.strip()}")
    return result.stdout.strip()
