"""The pull-request report: params and metrics of the workspace against a base revision, as markdown.

The CML workflow posts exactly this (it runs `xraylab report`), so a user without CML sees the same locally.
DVC computes the diffs; this module only runs it and lays the sections out.
"""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from xraylab.errors import UserError

LEADERBOARD = Path("metrics") / "leaderboard.md"


def markdown(base: str, repo: Path) -> str:
    repo = Path(repo)
    params = _dvc(repo, "params", "diff", base, "--md")
    metrics = _dvc(repo, "metrics", "diff", base, "--md", "--precision", "4")
    sections = [f"## xraylab: this branch against `{base}`", "",
                "### Params changed", "", params or "No params changed.", "",
                "### Metrics", "", metrics or "No metric changed.", ""]
    if (repo / LEADERBOARD).is_file():
        sections += ["### Leaderboard on this branch", "", (repo / LEADERBOARD).read_text().strip(), ""]
    return "\n".join(sections)


def _dvc(repo: Path, *arguments: str) -> str:
    # The dvc of this Python environment, so the report uses the pinned version.
    result = subprocess.run([sys.executable, "-m", "dvc", *arguments], cwd=repo, capture_output=True, text=True)
    if result.returncode != 0:
        raise UserError(f"`dvc {' '.join(arguments)}` failed in {repo}: {result.stderr.strip()}")
    return result.stdout.strip()
