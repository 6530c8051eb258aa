"""Seeding, so the same params on the same machine give byte-identical weights and metrics."""
from __future__ import annotations

import keras
import tensorflow as tf


def seed_everything(seed: int) -> None:
    # Layer names come from process-wide counters; a fresh session makes a second model in the same
    # process get the same names (and so the same saved config) as the first.
    keras.backend.clear_session()
    # Seeds Python's random, NumPy and TensorFlow in one call.
    keras.utils.set_random_seed(seed)
    # Picks deterministic kernels (and fails loudly on ops that have none) instead of fast racy ones.
    tf.config.experimental.enable_op_determinism()
