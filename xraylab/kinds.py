"""What a model is: the kind model.json and metrics/eval/<model>.json record, one vocabulary for all of them.

Its own module, free of TensorFlow, so the commands that only read results (leaderboard, results) stay quick.
"""
from __future__ import annotations

from enum import StrEnum


class ModelKind(StrEnum):
    NETWORK = "network"  # Keras: from scratch or on a transfer backbone
    CLASSIC = "classic"  # scikit-learn on flattened pixels
    DUMMY = "dummy"      # evaluate's majority-class baseline (scored, never saved)
