"""The CPU code path (params.yaml `cpu`, xraylab.determinism.pin_cpu): pinned, a network trained as if on another CPU
gets the same weights; unpinned, the instruction set changes them (so the check can fail).

Another CPU is simulated the way bench/cpu_paths.py does it: oneDNN's instruction-set cap in the environment and
`taskset` to one core. Each training runs in a process of its own, as a stage does: TensorFlow reads both once.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from conftest import REPO
from xraylab import config, saved
from xraylab.config import ConfigError

# 16 real films, a small network, two epochs: the kernels that differ between CPUs (convolutions, matrix products
# and their gradients) all run.
TRAIN = """
import sys
import pandas as pd
from xraylab import determinism, saved
from xraylab.config import CpuConfig, NetworkConfig, TrainConfig
from xraylab.training import train

isa, threads, manifest, out = sys.argv[1:]
determinism.pin_cpu(CpuConfig(isa=None if isa == "-" else isa, threads=None if threads == "-" else int(threads)))
network = NetworkConfig(image_size=32, channels=1, epochs=2, batch_size=8, learning_rate=1e-3, dropout=0.2,
                        filters=(4, 8))
films = pd.read_csv(manifest)
train.fit("custom_cnn", network, TrainConfig(models=("custom_cnn",), seed=1, cache_images=False), train=films,
          val=films, class_names=("NORMAL", "PNEUMONIA"), class_weights={0: 1.0, 1: 1.0},
          paths=train.TrainPaths.inside(out))
"""


def trained_weights(tmp_path: Path, films: pd.DataFrame, name: str, cpu: tuple[str, str],
                    env: dict[str, str] | None = None, one_core: bool = False) -> str:
    """The digest of the model a fresh process trains under `cpu` (isa, threads; "-" for null)."""
    manifest = tmp_path / "films.csv"
    films.to_csv(manifest, index=False)
    out = tmp_path / name
    command = [*(["taskset", "-c", "0"] if one_core else []), sys.executable, "-c", TRAIN, *cpu, str(manifest),
               str(out)]
    result = subprocess.run(command, capture_output=True, text=True, cwd=REPO,
                            env={**os.environ, "PYTHONPATH": str(REPO), **(env or {})})
    assert result.returncode == 0, result.stderr[-3000:]
    return saved.digest(out / "model")


@pytest.mark.slow  # two trainings in subprocesses
@pytest.mark.skipif(shutil.which("taskset") is None, reason="needs taskset (util-linux) to simulate a one-core CPU")
def test_pinned_training_gives_the_same_weights_on_a_simulated_other_cpu(tiny_manifest: pd.DataFrame,
                                                                         tmp_path: Path):
    pinned = ("avx2", "2")
    here = trained_weights(tmp_path, tiny_manifest, "here", pinned)
    # An environment asking for another path and one core: the pinned params win over both.
    elsewhere = trained_weights(tmp_path, tiny_manifest, "elsewhere", pinned,
                                env={"ONEDNN_MAX_CPU_ISA": "AVX512_CORE"}, one_core=True)
    assert here == elsewhere
    # The control: the same training on an SSE4.1-only CPU path takes other kernels and rounds differently.
    older = trained_weights(tmp_path, tiny_manifest, "older", ("sse41", "2"))
    assert older != here


def test_the_committed_params_pin_the_cpu_path():
    cpu = config.load(REPO / "params.yaml").cpu
    assert cpu.isa == "avx2" and cpu.threads == 2


@pytest.mark.parametrize("section, message", [
    ({"isa": "avx3", "threads": 2}, "cpu.isa must be one of ['sse41', 'avx'"),
    ({"isa": "avx2", "threads": 0}, "cpu.threads must be an integer >= 1"),
    ({"isa": "avx2"}, "cpu.threads is missing"),
    ({"isa": "avx2", "threads": 2, "cores": 4}, "cpu has unknown keys ['cores']"),
])
def test_a_bad_cpu_section_is_named(section: dict, message: str):
    import yaml

    raw = yaml.safe_load((REPO / "params.yaml").read_text())
    raw["cpu"] = section
    with pytest.raises(ConfigError, match=message.replace("[", r"\[").replace("]", r"\]")):
        config.parse(raw)
