"""Threshold rules: how params.yaml and `xraylab calibrate --rule` name the way a threshold is picked.

A probability in (0, 1) is used as given; `youden`, `max_f1`, `sensitivity=<fraction>` and
`specificity=<fraction>` are picked on labelled films by `xraylab.evaluation.thresholds.choose`.
"""
from __future__ import annotations

import re

from xraylab.errors import UserError

RULES = ("youden", "max_f1")
# "sensitivity=0.95": the highest threshold that still finds 95% of positives (a screening operating point);
# "specificity=0.9": the lowest threshold that still clears 90% of negatives.
TARGET_RULE = re.compile(r"^(sensitivity|specificity)=(0(?:\.\d+)?|1(?:\.0+)?)$")


def rule_problem(rule: object) -> str | None:
    """What is wrong with `rule` as a threshold rule, with the value it got; None when it is one."""
    if isinstance(rule, bool) or not isinstance(rule, (int, float, str)):
        return f"must be a probability or a rule, got {rule!r}"
    if isinstance(rule, str):
        if rule in RULES or TARGET_RULE.match(rule):
            return None
        return (f"must be a probability in (0, 1), {' or '.join(RULES)}, sensitivity=<fraction> or "
                f"specificity=<fraction>, got {rule!r}")
    if not 0 < rule < 1:
        return f"must be in (0, 1) or a rule such as youden, got {rule}"
    return None


def check_rule(rule: float | str, key: str) -> float | str:
    """`rule` if it is one `choose` understands; else an error naming `key` and the forms it takes."""
    wrong = rule_problem(rule)
    if wrong is not None:
        raise UserError(f"{key} {wrong}")
    return rule if isinstance(rule, str) else float(rule)
