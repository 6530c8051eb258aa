"""Do the trained weights depend on the CPU? custom_cnn trained by the train stage under simulated CPUs.

The same stage command (`python stages/train.py custom_cnn`, the committed splits, params.yaml with its `cpu`
section as committed or as a setting changes it) runs once per setting, each in a fresh process with its own output
folders, and the script prints the SHA-256 of the saved weights, the stage's wall time and whether the weights equal
the committed model's. A different CPU is simulated on this machine by what TensorFlow reads at start-up:

- `ONEDNN_MAX_CPU_ISA` caps the instruction set oneDNN's kernels may use (an AVX2-only CPU runs the AVX2 ones);
- `TF_ENABLE_ONEDNN_OPTS=0` turns TensorFlow's oneDNN kernels off (Eigen's; its matrix products still call oneDNN);
- `taskset -c 0` leaves one core, as on a smaller machine (TensorFlow sizes its thread pools by the cores it sees);
- params.yaml `cpu` (xraylab.determinism.pin_cpu): the pipeline's own cap and thread count, which win over the
  environment; `cpu: null` below is `isa: null, threads: null` (the fastest path this CPU has).

Run from the repository root after `dvc repro` (it reads data/splits/ and data/raw/):
    python bench/cpu_paths.py                    # every setting below, about 15 minutes on 2 cores
    python bench/cpu_paths.py pinned unpinned    # a subset, by name
"""
from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
ONE_CORE = ["taskset", "-c", "0"]
UNPINNED = {"isa": None, "threads": None}

# name: (environment added, command prefix, params.yaml `cpu` section or None to keep the committed one).
# pinned-*: the committed `cpu` section on a simulated other CPU; unpinned-*: `cpu` off, the same CPUs.
SETTINGS: dict[str, tuple[dict[str, str], list[str], dict | None]] = {
    "pinned": ({}, [], None),
    "pinned-avx512-env": ({"ONEDNN_MAX_CPU_ISA": "AVX512_CORE"}, [], None),
    "pinned-one-core": ({}, ONE_CORE, None),
    "pinned-onednn-off": ({"TF_ENABLE_ONEDNN_OPTS": "0"}, [], None),
    "pinned-sse41": ({}, [], {"isa": "sse41", "threads": 2}),
    "unpinned": ({}, [], UNPINNED),
    "unpinned-avx2": ({"ONEDNN_MAX_CPU_ISA": "AVX2"}, [], UNPINNED),
    "unpinned-one-core": ({}, ONE_CORE, UNPINNED),
    "unpinned-onednn-off": ({"TF_ENABLE_ONEDNN_OPTS": "0"}, [], UNPINNED),
}


def weights_digest(model_file: Path) -> str:
    """SHA-256 of the weights inside a .keras archive (the archive's own bytes carry a timestamp)."""
    with zipfile.ZipFile(model_file) as archive:
        return hashlib.sha256(archive.read("model.weights.h5")).hexdigest()


def train(name: str, scratch: Path) -> tuple[str, float]:
    extra_env, prefix, cpu = SETTINGS[name]
    out = scratch / name
    out.mkdir()
    params = yaml.safe_load((REPO / "params.yaml").read_text())
    params["cpu"] = cpu or params["cpu"]
    (out / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
    env = {**os.environ, **extra_env, "PYTHONPATH": str(REPO)}
    command = [*prefix, sys.executable, "stages/train.py", "custom_cnn", "--params", str(out / "params.yaml"),
               "--models-dir", str(out / "models"), "--live-dir", str(out / "live"),
               "--backup-dir", str(out / "backup"), "--features-dir", str(out / "features")]
    started = time.perf_counter()
    subprocess.run(command, cwd=REPO, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    seconds = time.perf_counter() - started
    return weights_digest(out / "models" / "custom_cnn" / "model.keras"), seconds


def main(names: list[str]) -> None:
    unknown = sorted(set(names) - set(SETTINGS))
    if unknown:
        sys.exit(f"unknown settings {unknown}; known: {list(SETTINGS)}")
    committed = weights_digest(REPO / "models" / "custom_cnn" / "model.keras")
    print(f"committed models/custom_cnn weights {committed[:16]}")
    rows = []
    with tempfile.TemporaryDirectory() as scratch:
        for name in names:
            digest, seconds = train(name, Path(scratch))
            rows.append({"setting": name, "weights": digest[:16], "seconds": round(seconds, 1),
                         "same_as_committed": digest == committed})
            print(f"{name:20s} {digest[:16]}  {seconds:6.1f} s  same as committed: {digest == committed}", flush=True)
    print(json.dumps(rows))


if __name__ == "__main__":
    main(sys.argv[1:] or list(SETTINGS))
