"""metrics/eval/<model>.json, typed: what evaluate writes for each model and convert, gradcam, predict and
release read back, and the score records inside it that meta.json and calibration.json carry on (serve/contract.py).

`scoring.evaluate` builds the file's contents (a test checks they fit this schema); `read` gives them back as an
`EvalResult`, so a reader names a field the schema has (a typo fails at once) instead of a string key, and a missing
or foreign file is a clear error.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Mapping, Optional

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from xraylab.errors import UserError
from xraylab.kinds import ModelKind


class Record(BaseModel):
    # Unknown keys are an error: what Python writes is what the schema declares.
    model_config = ConfigDict(extra="forbid")

    def as_written(self) -> dict[str, Any]:
        """The record as JSON values, with the keys it was read with and no others: copied into another file
        (meta.json), it keeps the bytes it had."""
        return self.model_dump(mode="json", exclude_unset=True)


class Scored(Record):
    """Scores at one threshold with their bootstrap intervals (xraylab.evaluation.scoring.scored)."""
    scores: dict[str, Optional[float]]
    interval: dict[str, tuple[float, float]] = Field(description="[low, high] at the file's confidence")


class Calibrated(Scored):
    rule: str
    threshold: float = Field(ge=0, le=1)


class ExternalSet(Record):
    """A labelled set from elsewhere (evaluate.external), at the validation threshold and at its own."""
    count: int = Field(ge=0)
    at_val_threshold: Scored
    calibrated: Optional[Calibrated] = None


class EvalResult(Record):
    model_config = ConfigDict(frozen=True)

    kind: ModelKind
    threshold_rule: str     # the rule (or fixed probability) the threshold was picked by on validation
    threshold: float        # positive when the probability is >= it
    confidence: float       # of the bootstrap intervals
    val: Scored
    test: Scored
    test_confusion: list[list[int]]  # rows true classes, columns predicted (xraylab.evaluation.metrics.confusion)
    val_shifted: dict[str, dict[str, Optional[float]]] = {}  # by evaluate.shifts name
    external: dict[str, ExternalSet] = {}  # by evaluate.external name
    classes: Optional[dict[str, Any]] = None  # one-vs-rest scores, three classes only
    studies: Optional[dict[str, Any]] = None  # study-level scores (MURA)
    # by "val", "test" and external set: what the model's gate refused ({"films", "refused", "rate", "paths"}, and
    # for an external set "accepted": its scores on the rest); the dummy has no gate
    gate: Optional[dict[str, dict[str, Any]]] = None

    @classmethod
    def from_json(cls, raw: Mapping[str, Any], source: str = "an evaluate result") -> EvalResult:
        try:
            return cls.model_validate(raw)
        except ValidationError as error:
            problem = error.errors()[0]
            where = ".".join(map(str, problem["loc"]))
            raise UserError(f"{source} is not an evaluate result of this version ({where}: {problem['msg']}); "
                            "rerun `dvc repro evaluate`") from None


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
