"""The pull-request report: params, metrics and plots of one revision against a base, as markdown.

The CML job (.ci/pr-job) posts exactly this (it runs `xraylab report`), so a user without CML sees the same
locally. DVC computes the diffs; this module runs it and lays the sections out, the headline first
(metrics/headline.json: AUC and accuracy per model on validation, test and the external sets) and every other
changed number folded below it.
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from xraylab.commands import pr_plots
from xraylab.errors import UserError

LEADERBOARD = Path("metrics") / "leaderboard.md"
HEADLINE = "metrics/headline.json"


def markdown(base: str, repo: Path, head: str | None = None, plots_dir: Path | None = None) -> str:
    """`head` against `base` (`head` None: the workspace). With `plots_dir`, the changed plots are drawn there
    and linked from the report by paths relative to the report's folder, which is `plots_dir`'s parent."""
    repo = Path(repo)
    revisions = [base] + ([head] if head else [])
    params = _dvc(repo, "params", "diff", *revisions, "--md")
    changes = json.loads(_dvc(repo, "metrics", "diff", *revisions, "--json") or "{}")
    headline = {HEADLINE: changes.pop(HEADLINE, {})}
    other_count = sum(len(rows) for rows in changes.values())
    shown = f"`{head}`" if head else "this branch"
    sections = [f"## xraylab: {shown} against `{base}`", "",
                "### Params changed", "", params or "No params changed.", "",
                "### Headline: ROC AUC and accuracy per model", "",
                _table(headline, base, head) if headline[HEADLINE] else "No headline score changed.", ""]
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
