"""End-to-end `dvc repro` of the default pipeline (embedded sample) on a fresh clone: its time, a no-op rerun, and
which committed files it reproduces byte for byte, here and on a simulated other CPU.

Each clone is of the committed HEAD into a temp folder with an empty DVC cache, so every stage runs, as after
`git clone`. The second `dvc repro` finds nothing changed; the ratio says what the bookkeeping costs. Then `git
status` lists the committed outputs the run wrote differently. The other CPU is this machine with one core
(`taskset -c 0`) and oneDNN asked for AVX-512 in the environment (bench/cpu_paths.py): what params.yaml's `cpu`
section has to make irrelevant.
Run from the repository root: python bench/repro.py [--no-other-cpu]
"""
from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
OTHER_CPU = (["taskset", "-c", "0"], {"ONEDNN_MAX_CPU_ISA": "AVX512_CORE"})


def timed(command: list[str], cwd: Path, env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, cwd=cwd, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def changed(clone: Path) -> tuple[list[str], list[str]]:
    """Committed files the run wrote differently (git's short status lines), and where dvc.lock is one of them, the
    outputs it hashes differently."""
    status = subprocess.run(["git", "status", "--porcelain"], cwd=clone, check=True, capture_output=True, text=True)
    files = status.stdout.splitlines()
    if not any(line.endswith(" dvc.lock") for line in files):
        return files, []
    committed = subprocess.run(["git", "show", "HEAD:dvc.lock"], cwd=clone, check=True, capture_output=True,
                               text=True).stdout
    before = lock_hashes(yaml.safe_load(committed))
    after = lock_hashes(yaml.safe_load((clone / "dvc.lock").read_text()))
    return files, [path for path in sorted(before) if before[path] != after.get(path)]


def lock_hashes(lock: dict) -> dict[str, str]:
    """{output path: its md5} of every stage in a dvc.lock."""
    return {out["path"]: out.get("md5", "") for stage in lock["stages"].values() for out in stage.get("outs", [])}


def fresh_run(scratch: Path, name: str, prefix: list[str],
              extra_env: dict[str, str]) -> tuple[float, float, list[str], list[str]]:
    clone = scratch / name
    subprocess.run(["git", "clone", "--quiet", str(REPO), str(clone)], check=True)
    # The stages import xraylab from the clone, not from wherever the package is installed.
    env = {**os.environ, **extra_env, "PYTHONPATH": str(clone)}
    full = timed([*prefix, "dvc", "repro"], clone, env)
    noop = timed([*prefix, "dvc", "repro"], clone, env)
    return full, noop, *changed(clone)


def report(what: str, full: float, noop: float, files: list[str], outputs: list[str]) -> None:
    print(f"{what}: dvc repro, fresh clone     {full:7.1f} s")
    print(f"{what}: dvc repro, nothing changed {noop:7.1f} s  ({full / noop:.0f}x faster)")
    print(f"{what}: committed files written differently: {len(files)}")
    for line in files:
        print(f"    {line}")
    for path in outputs:
        print(f"      dvc.lock: {path} hashed differently")


def main(other_cpu: bool) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        report(f"this machine ({os.cpu_count()} cores)", *fresh_run(Path(scratch), "here", [], {}))
        if other_cpu:
            report("simulated other CPU (1 core, AVX-512 asked)", *fresh_run(Path(scratch), "other", *OTHER_CPU))


if __name__ == "__main__":
    main(other_cpu="--no-other-cpu" not in sys.argv[1:])
