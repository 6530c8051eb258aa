"""Run every benchmark once, in one session on this machine, and write what they print to bench/results.md.

Each script runs in its own process from the repository root; its output goes into results.md verbatim
under its name, with its wall time; a failing script is recorded as failed, and the others still run.
`--only a,b` runs a subset (results.md then holds only those). Takes about half an hour on 2 cores.
Run from the repository root after `dvc repro`: python bench/run_all.py
"""
from __future__ import annotations

import argparse
import datetime
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
from xraylab import atomic  # noqa: E402

# In the order the figures are read: data in, training, the whole pipeline, memory, serving.
SCRIPTS = ("download", "bootstrap", "input_pipeline", "train_step", "epoch_times", "repro", "stage_rss", "predict", "site")


def run(name: str) -> tuple[str, float, bool]:
    start = time.perf_counter()
    result = subprocess.run([sys.executable, f"bench/{name}.py"], cwd=REPO, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    output = result.stdout.strip()
    if result.returncode != 0:
        output += f"\n\nFAILED (exit {result.returncode}):\n" + result.stderr.strip()[-2000:]
    return output, seconds, result.returncode == 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", help="comma-separated script names, e.g. site,repro")
    names = parser.parse_args().only
    chosen = names.split(",") if names else list(SCRIPTS)
    unknown = sorted(set(chosen) - set(SCRIPTS))
    if unknown:
        parser.error(f"unknown benchmark(s) {', '.join(unknown)}; known: {', '.join(SCRIPTS)}")
    revision = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True,
                              text=True).stdout.strip()
    sections = [
        "# Benchmark results\n",
        f"Written by `python bench/run_all.py` on {datetime.date.today()} at commit {revision}: "
        f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPU cores, Python "
        f"{platform.python_version()}. Every figure below comes from this one run; see bench/README.md for "
        "what each script measures.\n",
    ]
    failed = []
    for name in chosen:
        print(f"running bench/{name}.py …", flush=True)
        output, seconds, ok = run(name)
        if not ok:
            failed.append(name)
        print(output, flush=True)
        sections.append(f"## {name}.py ({seconds:.0f} s)\n\n```\n{output}\n```\n")
    atomic.write_text(REPO / "bench" / "results.md", "\n".join(sections))
    print(f"bench/results.md written; {len(chosen) - len(failed)} of {len(chosen)} scripts succeeded")
    if failed:
        raise SystemExit(f"failed: {', '.join(failed)}")


if __name__ == "__main__":
    main()
