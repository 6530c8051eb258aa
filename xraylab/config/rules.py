"""Threshold rules: how params.yaml and `xraylab calibrate --rule` name the way a threshold is picked.

A probability in (0, 1) is used as given; `youden`, `max_f1`, `sensitivity=<fraction>` and
`specificity=<fraction>` are picked on labelled films by `xraylab.evaluation.thresholds.choose`.
"""
from __future__ import annotations

import re
from typing import Annotated

from pydantic import Field, TypeAdapter, ValidationError

from xraylab.config.wording import ConfigError, one_line

RULES = ("youden", "max_f1")
# "sensitivity=0.95": the highest threshold that still finds 95% of positives (a screening operating point);
# "specificity=0.9": the lowest threshold that still clears 90% of negatives.
TARGET_RULE = re.compile(r"^(sensitivity|specificity)=(0(?:\.\d+)?|1(?:\.0+)?)$")

Rule = Annotated[
    Annotated[float, Field(strict=True, gt=0, lt=1)]
    | Annotated[str, Field(strict=True, pattern=f"^(?:{'|'.join(RULES)})$|{TARGET_RULE.pattern}")],
    Field(description=f"a probability in (0, 1), {' or '.join(RULES)}, sensitivity=<fraction> or "
                      "specificity=<fraction>")]
_RULE = TypeAdapter(Rule)


def check_rule(rule: object, key: str) -> float | str:
    """`rule` if it is one `choose` understands (a probability as a float); else an error naming `key`."""
    try:
        return _RULE.validate_python(rule)
    except ValidationError as error:
        raise ConfigError(one_line(error, _RULE.json_schema(), root=key)) from None
