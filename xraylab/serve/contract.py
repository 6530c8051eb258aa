"""What leaves Python for the web page and `xraylab predict`: meta.json and calibration.json, typed.

convert and `xraylab release` write meta.json beside a TF.js model; `xraylab calibrate` writes calibration.json.
Each is checked against its model here before it is written, and read through it: a field the page needs cannot
go missing or change type without an error on the Python side. The JSON Schemas in docs/schema/ are generated
from these models (`python -m xraylab.serve.contract` writes them again); docs/app.js reads only what they declare
(tests/serve/test_contract.py checks the page's reads against them). The score records inside them are evaluate's
own (xraylab.evaluation.eval_file): one definition from metrics/eval/ to the page.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Optional

from pydantic import Field, ValidationError

from xraylab import atomic
from xraylab.errors import UserError
from xraylab.evaluation.eval_file import Calibrated, ExternalSet, Record, Scored

SCHEMA_DIR = Path("docs/schema")


class GateChecks(Record):
    """The chest-film gate inside the TF.js graph (its `gate` output, one score per check; over 1 refuses)."""
    checks: list[str]
    reasons: list[str]


class Independent(Record):
    """Scores measured outside this project (docs/independent-scores.json)."""
    set: str
    films: int = Field(ge=1)
    threshold: Optional[float] = None
    accuracy: float
    roc_auc: float
    sensitivity: float
    specificity: float


class Replaced(Record):
    model: Optional[str]
    experiment: Optional[str]
    revision: Optional[str]
    val: Optional[dict[str, Optional[float]]]
    independent: Optional[Independent]


class PageMeta(Record):
    """meta.json: what the page and `xraylab predict` need of a model, and what it says about itself (not
    `xraylab.saved.ModelMeta`, the saved model's own record of its input and classes)."""
    model: str
    class_names: list[str] = Field(min_length=2)
    image_size: int = Field(ge=1)
    channels: int = Field(ge=1, le=3)
    threshold: float = Field(ge=0, le=1, description="the operating threshold: positive when the probability "
                                                     "is at least this")
    threshold_rule: str
    confidence: float = Field(gt=0, lt=1)
    val: Scored
    heatmap: bool = Field(description="the graph has a `heatmap` output (closed-form Grad-CAM)")
    gate: Optional[GateChecks] = Field(default=None, description="the graph has a `gate` output")
    data_source: str
    revision: Optional[str] = Field(description="the commit whose code and params made the model")
    # The pipeline's model (convert)
    test: Optional[Scored] = None
    selected_by: Optional[str] = None
    # A release (`xraylab release`)
    release: bool = False
    model_digest: Optional[str] = Field(default=None, description="SHA-256 of the Keras model file: a calibration "
                                                                  "counts only for this one")
    held_out: Optional[Scored] = None
    val_shifted: dict[str, dict[str, Optional[float]]] = {}
    external: dict[str, ExternalSet] = {}
    trained_on: Optional[str] = None
    split: dict[str, dict[str, int]] = {}
    params: dict[str, Any] = {}
    fit_seconds: Optional[float] = None
    epochs_run: Optional[int] = None
    experiment: Optional[str] = None
    replaces: Optional[Replaced] = None
    independent: Optional[Independent] = None
    threshold_set: Optional[str] = Field(default=None, description="the external set that picked the threshold")
    validation_threshold: Optional[float] = None


class GateRefusals(Record):
    films: int
    refused: int
    rate: float
    paths: list[str]
    accepted: Optional[dict[str, Any]] = None


class Calibration(Record):
    """calibration.json: a threshold a site picked on its own labelled films (`xraylab calibrate`)."""
    model: str
    model_digest: str = Field(description="SHA-256 of the model file it was made for; stale for any other")
    threshold: float = Field(ge=0, le=1)
    rule: str
    films: str = Field(description="the folder's name")
    images: dict[str, int]
    model_threshold: float
    model_threshold_picked_on: str
    confidence: float
    at_model_threshold: Scored
    calibrated: Scored
    gate: Optional[GateRefusals]


SCHEMAS = {"meta.schema.json": PageMeta, "calibration.schema.json": Calibration}


def checked(kind: type[Record], data: dict[str, Any], source: str) -> dict[str, Any]:
    """`data` as written, after checking it against `kind`; a programming error names the first problem."""
    try:
        kind.model_validate(data)
    except ValidationError as error:
        raise ValueError(f"{source} does not match {kind.__name__} (xraylab/serve/contract.py): "
                         f"{_first(error)}") from None
    return data


def read(kind: type[Record], path: Path, what: str, remedy: str) -> Record:
    """A meta.json or calibration.json read and checked; a file that is not `what` (edited by hand, or written by
    another version) is named with the first problem and `remedy`."""
    return parse(kind, Path(path).read_text(), path, what, remedy)


def parse(kind: type[Record], text: str, path: Path, what: str, remedy: str) -> Record:
    """`read`, for the text of `path` already in hand."""
    try:
        return kind.model_validate_json(text)
    except ValidationError as error:
        raise UserError(f"{path} is not {what} ({_first(error)}); {remedy}") from None


def _first(error: ValidationError) -> str:
    problem = error.errors()[0]
    return f"{'.'.join(map(str, problem['loc'])) or 'the file'}: {problem['msg']}"


def write_schemas(directory: Path = SCHEMA_DIR) -> list[Path]:
    written = []
    for name, kind in SCHEMAS.items():
        atomic.write_text(Path(directory) / name, json.dumps(kind.model_json_schema(), indent=2, sort_keys=True) + "\n")
        written.append(Path(directory) / name)
    return written


if __name__ == "__main__":
    for path in write_schemas():
        print(f"wrote {path}")
