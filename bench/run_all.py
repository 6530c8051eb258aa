"""Run every benchmark once, in one session on this machine, and write what they print to bench/results.md.

Each script runs in its own process from the repository root; its output goes into results.md verbatim
under its name, with its wall time; a failing script is recorded as failed, and the others still run.
`--only a,b` runs a subset: their sections are replaced, the others kept as they were (each section says when
and at which commit it was measured). Takes about 50 minutes on 2 cores.
Run from the repository root after `dvc repro`: python bench/run_all.py
"""
from __future__ import annotations

import argparse
import datetime
import os
import platform
import re
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
from xraylab import atomic
from xraylab.commands import blocks# noqa: E402

# In the order the figures are read: data in, training, the whole pipeline, memory, serving.
SCRIPTS = ("download", "bootstrap", "input_pipeline", "train_step", "epoch_times", "repro", "cpu_paths", "stage_rss",
           "predict", "site", "gate")


def run(name: str) -> tuple[str, float, bool]:
    start = time.perf_counter()
    result = subprocess.run([sys.executable, f"bench/{name}.py"], cwd=REPO, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    output = result.stdout.strip()
    if result.returncode != 0:
        output += f"\n\nFAILED (exit {result.returncode}):\n" + result.stderr.strip()[-2000:]
    return output, seconds, result.returncode == 0


def kept_sections(text: str, keep: set[str]) -> dict[str, str]:
    """{script: its section} of an earlier results.md, for the scripts in `keep`; a section written by a whole run
    (the header then named its day and commit) gets them in its own title."""
    parts = re.split(r"^(?=## \w+\.py )", text, flags=re.MULTILINE)
    whole_run = re.search(r"on (\d{4}-\d\d-\d\d) at commit (\w+)", parts[0])
    found = {}
    for part in parts[1:]:
        name = re.match(r"## (\w+)\.py ", part).group(1)
        if whole_run:
            part = re.sub(r"^(## \w+\.py \(\d+ s)\)", rf"\1; {whole_run[1]}, commit {whole_run[2]})", part)
        found[name] = part.rstrip("\n") + "\n"
    return {name: section for name, section in found.items() if name in keep}


def epoch_times_block(section: str) -> str:
    """docs/reproducing.md's epoch-times block: results.md's epoch_times section as it stands, title and all."""
    title, body = section.split("\n", 1)
    return f"From bench/results.md, {title.removeprefix('## ')}:\n{body.rstrip()}\n"


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
    results = REPO / "bench" / "results.md"
    sections = kept_sections(results.read_text() if results.is_file() else "", keep=set(SCRIPTS) - set(chosen))
    failed = []
    for name in chosen:
        print(f"running bench/{name}.py …", flush=True)
        output, seconds, ok = run(name)
        if not ok:
            failed.append(name)
        print(output, flush=True)
        sections[name] = (f"## {name}.py ({seconds:.0f} s; {datetime.date.today()}, commit {revision})\n\n"
                          f"```\n{output}\n```\n")
    header = ("# Benchmark results\n\nWritten by `python bench/run_all.py`: "
              f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPU cores, Python "
              f"{platform.python_version()}. Each section says the day and commit of the run that printed it; "
              "see bench/README.md for what each script measures.\n")
    atomic.write_text(results, "\n".join([header, *(sections[name] for name in SCRIPTS if name in sections)]))
    if "epoch_times" in chosen and "epoch_times" not in failed:
        blocks.replace(REPO / "docs" / "reproducing.md", "epoch-times", epoch_times_block(sections["epoch_times"]))
    print(f"bench/results.md written; {len(chosen) - len(failed)} of {len(chosen)} scripts succeeded")
    if failed:
        raise SystemExit(f"failed: {', '.join(failed)}")


if __name__ == "__main__":
    main()
