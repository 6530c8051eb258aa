"""metrics/eval/<model>.json, typed: what evaluate writes for each model and convert, gradcam, predict and
release read back.

`scoring.evaluate` builds the file's contents (a test checks they fit this schema); `read` gives them back as an `EvalResult`, so a reader names a
field the schema has (a typo fails at once) instead of a string key, and a missing or foreign file is a clear
error. The scores inside each part stay mappings of metric name to value (xraylab.evaluation.metrics).
"""
from __future__ import annotations

import json
from dataclasses import MISSING, dataclass, field, fields
from pathlib import Path
from typing import Any, Mapping

from xraylab.errors import UserError
from xraylab.kinds import ModelKind

Scored = Mapping[str, Any]  # {"scores": {metric: value}, "interval": {metric: [low, high]}}


@dataclass(frozen=True)
class EvalResult:
    kind: ModelKind
    threshold_rule: str     # the rule (or fixed probability) the threshold was picked by on validation
    threshold: float        # positive when the probability is >= it
    confidence: float       # of the bootstrap intervals
    val: Scored
    test: Scored
    test_confusion: list[list[int]]  # rows true classes, columns predicted (xraylab.evaluation.metrics.confusion)
    val_shifted: Mapping[str, Mapping[str, float]] = field(default_factory=dict)  # by evaluate.shifts name
    # by evaluate.external name: {"count", "at_val_threshold": Scored[, "calibrated": {"rule", "threshold", ...}]}
    external: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    classes: Mapping[str, Any] | None = None  # one-vs-rest scores, three classes only
    studies: Mapping[str, Any] | None = None  # study-level scores (MURA)
    # by "val", "test" and external set: what the model's gate refused ({"films", "refused", "rate", "paths"}, and
    # for an external set "accepted": its scores on the rest); the dummy has no gate
    gate: Mapping[str, Mapping[str, Any]] | None = None

    @classmethod
    def from_json(cls, raw: Mapping[str, Any], source: str = "an evaluate result") -> EvalResult:
        known = {item.name for item in fields(cls)}
        required = [item.name for item in fields(cls) if item.default is MISSING and item.default_factory is MISSING]
        unknown, missing = sorted(set(raw) - known), sorted(set(required) - set(raw))
        if unknown or missing:
            raise UserError(f"{source} is not an evaluate result of this version (unknown keys {unknown}, missing "
                            f"{missing}); rerun `dvc repro evaluate`")
        return cls(**{**raw, "kind": ModelKind(raw["kind"])})


def path(metrics_dir: Path, name: str) -> Path:
    """Where evaluate writes model `name`'s result under the pipeline's metrics folder."""
    return Path(metrics_dir) / "eval" / f"{name}.json"


def read(source: Path) -> EvalResult:
    """An evaluate result file; a missing one says which stage writes it."""
    source = Path(source)
    if not source.is_file():
        raise UserError(f"{source} not found, so {source.stem} has no threshold or scores yet; run `dvc repro "
                        "evaluate`")
    return EvalResult.from_json(json.loads(source.read_text()), str(source))
