"""Seeding and the CPU code path, so the same params give byte-identical weights and metrics, run after run and on
the other x86-64 CPUs bench/cpu_paths.py simulates (TensorFlow itself promises neither across CPUs)."""
from __future__ import annotations

import os
import sys

import keras
import tensorflow as tf

from xraylab.config import CpuConfig


def seed_everything(seed: int) -> None:
    # Layer names come from process-wide counters; a fresh session makes a second model in the same
    # process get the same names (and so the same saved config) as the first.
    keras.backend.clear_session()
    # Seeds Python's random, NumPy and TensorFlow in one call.
    keras.utils.set_random_seed(seed)
    # Picks deterministic kernels (and fails loudly on ops that have none) instead of fast racy ones.
    tf.config.experimental.enable_op_determinism()


def pin_cpu(cpu: CpuConfig) -> None:
    """Make TensorFlow's CPU kernels take the same path on every machine (params.yaml `cpu`).

    Call before TensorFlow runs its first operation: oneDNN reads its instruction-set cap when it builds its first
    kernel, and the thread pool is sized once. Deterministic kernels alone give the same bytes only on the same
    kind of CPU: oneDNN picks AVX-512 or AVX2 code by what the CPU has and TensorFlow splits work by thread count,
    and both change the rounding (bench/cpu_paths.py: a different model for each). Capped at AVX2 with a fixed
    thread count, the AVX-512 path, an AVX2-only one and a single core gave the same weights there.
    """
    if os.environ.get("TF_ENABLE_ONEDNN_OPTS") == "0":
        # Read when TensorFlow is imported, so it cannot be undone here; the committed outputs came from oneDNN's.
        print("warning: TF_ENABLE_ONEDNN_OPTS=0 takes other kernels: results will differ from the committed ones",
              file=sys.stderr)
    if cpu.isa is not None:
        os.environ["ONEDNN_MAX_CPU_ISA"] = cpu.isa.upper()
    if cpu.threads is not None and tf.config.threading.get_intra_op_parallelism_threads() != cpu.threads:
        try:
            tf.config.threading.set_intra_op_parallelism_threads(cpu.threads)
        except RuntimeError as error:  # TensorFlow already ran: a programming error, not a user's
            raise RuntimeError(f"pin_cpu must run before TensorFlow's first operation: {error}") from None
