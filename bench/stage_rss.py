"""Peak memory (RSS) of every pipeline stage on 5,000 synthetic full-size chest JPEGs (about 1,000-1,400 px).

A clone of the committed HEAD reads bench/out/fullsize-5000 (bench/fullsize.py builds it once) as a local
source; custom_cnn trains one epoch and the bootstrap draws 200 resamples, so the run takes minutes, while
every stage still touches every image it would touch at full length. The stage commands are dvc.yaml's, run
in its order; each one's peak RSS is that process's own (os.wait4), beside its wall time. Target: <= 4 GB.
Run from the repository root: python bench/stage_rss.py
"""
from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
from fullsize import OUT, ensure_set  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
COUNT = 5000
# dvc.yaml's stage commands in dependency order (train is one stage per model of train.models).
STAGES = ["download", "split", "balance", "train custom_cnn", "train rf", "evaluate", "gradcam", "convert"]


def configure(params_path: Path, images: Path) -> None:
    params = yaml.safe_load(params_path.read_text())
    params["data"].update(source="local", local={"path": str(images), "labels_csv": None})
    params["models"]["custom_cnn"]["epochs"] = 1
    params["evaluate"]["bootstrap_resamples"] = 200
    params_path.write_text(yaml.safe_dump(params, sort_keys=False))


def run_stage(stage: str, clone: Path, env: dict[str, str]) -> tuple[float, float]:
    """Wall seconds and peak RSS in GB of `python stages/<stage>.py`."""
    script, *args = stage.split()
    start = time.perf_counter()
    process = subprocess.Popen([sys.executable, f"stages/{script}.py", *args], cwd=clone, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - start
    if status != 0:
        raise SystemExit(f"stage {stage} failed:\n{process.stderr.read().decode()[-3000:]}")
    return seconds, usage.ru_maxrss / 1e6  # Linux reports kilobytes


def main() -> None:
    ensure_set(COUNT)
    with tempfile.TemporaryDirectory() as scratch:
        clone = Path(scratch) / "xraylab"
        subprocess.run(["git", "clone", "--quiet", str(REPO), str(clone)], check=True)
        configure(clone / "params.yaml", OUT / f"fullsize-{COUNT}" / "train")
        env = {**os.environ, "PYTHONPATH": str(clone)}
        print(f"{COUNT} synthetic full-size JPEGs; custom_cnn 1 epoch, 200 bootstrap resamples")
        peaks = []
        for stage in STAGES:
            seconds, peak = run_stage(stage, clone, env)
            peaks.append(peak)
            print(f"{stage:17} {peak:5.2f} GB peak RSS {seconds:7.1f} s")
    print(f"largest: {max(peaks):.2f} GB (target <= 4 GB) -> {'met' if max(peaks) <= 4 else 'missed'}")


if __name__ == "__main__":
    main()
