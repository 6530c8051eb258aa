"""The value types params.yaml's keys are built from: pydantic's own constraints, nothing else.

A constraint is declared once here (`Field(ge=1)`, `Literal[...]`, `pattern=`) and is both the check and,
through the JSON Schema pydantic derives from it, the wording of its error (`wording.py`). `strict` keeps YAML's
typos from passing as numbers: `epochs: true` is not 1, `dropout: "0.2"` is not 0.2. A `description` replaces the
derived wording where the constraint alone would not say what the value means; `examples` are added to it.
"""
from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field


class Section(BaseModel):
    """A params section: frozen, and an unknown key is an error (named with the keys it could have been)."""

    model_config = ConfigDict(frozen=True, extra="forbid")


def _empty_when_null(value: Any) -> Any:
    return {} if value is None else value  # `external:` with every entry commented out means none


Seed = Annotated[int, Field(strict=True, ge=0)]
AtLeastOne = Annotated[int, Field(strict=True, ge=1)]
Fraction = Annotated[float, Field(strict=True, gt=0, lt=1)]
NonNegative = Annotated[float, Field(strict=True, ge=0)]
Positive = Annotated[float, Field(strict=True, gt=0)]  # a factor or exponent: 0 would erase the image
Boolean = Annotated[bool, Field(strict=True)]
Text = Annotated[str, Field(strict=True, min_length=1)]
OptionalText = Text | None
NamedMapping = BeforeValidator(_empty_when_null)
