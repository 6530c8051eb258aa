"""End-to-end `dvc repro` of the default pipeline (embedded sample) on a fresh clone, then a no-op rerun.

The clone is of the committed HEAD into a temp folder with an empty DVC cache, so every stage runs, as after
`git clone`. The second `dvc repro` finds nothing changed; the ratio says what the bookkeeping costs.
Run from the repository root: python bench/repro.py
"""
from __future__ import annotations

import os
import subprocess
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def timed(command: list[str], cwd: Path, env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, cwd=cwd, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> None:
    with tempfile.TemporaryDirectory() as scratch:
        clone = Path(scratch) / "xraylab"
        subprocess.run(["git", "clone", "--quiet", str(REPO), str(clone)], check=True)
        # The stages import xraylab from the clone, not from wherever the package is installed.
        env = {**os.environ, "PYTHONPATH": str(clone)}
        full = timed(["dvc", "repro"], clone, env)
        noop = timed(["dvc", "repro"], clone, env)
    print(f"dvc repro, fresh clone     {full:7.1f} s  (every stage: {os.cpu_count()} CPU cores)")
    print(f"dvc repro, nothing changed {noop:7.1f} s  ({full / noop:.0f}x faster)")


if __name__ == "__main__":
    main()
