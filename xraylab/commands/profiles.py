"""Params profiles: YAML files of overrides, shaped like params.yaml, applied as `dvc exp run -S` options.

A profile names only what differs from params.yaml (profiles/gpu.yaml: the full data set at 224 px and
every model), so params.yaml keeps the CPU-sized default and the profile runs as a DVC experiment beside it.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Mapping

from xraylab import config
from xraylab.config import ConfigError


def set_options(profile_path: Path, params_path: Path) -> list[str]:
    """`-S key=value` pairs for `dvc exp run`, after checking that params plus profile is a valid config."""
    profile = config.read_mapping(profile_path, "profile", "see profiles/ for the ones that ship")
    params = config.read_mapping(params_path, "params file", "run from the repository root or pass --params")
    try:
        config.parse(_merged(params, profile))
    except ConfigError as error:
        raise ConfigError(f"{profile_path} applied to {params_path}: {error}") from None
    options = []
    for key, value in _leaves(profile):
        # JSON is valid YAML, which is how DVC reads the value; compact, so the pair stays one word.
        # A key params.yaml lacks (e.g. one augment strength) needs Hydra's "+" to be added.
        added = "" if _has(params, key) else "+"
        options += ["-S", f"{added}{key}={json.dumps(value, separators=(',', ':'))}"]
    return options


def _has(tree: Mapping[str, Any], dotted: str) -> bool:
    for key in dotted.split("."):
        if not isinstance(tree, Mapping) or key not in tree:
            return False
        tree = tree[key]
    return True


def _merged(base: Mapping[str, Any], overrides: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in overrides.items():
        if isinstance(value, Mapping) and isinstance(base.get(key), Mapping):
            merged[key] = _merged(base[key], value)
        else:
            merged[key] = value
    return merged


def _leaves(tree: Mapping[str, Any], prefix: str = "") -> list[tuple[str, Any]]:
    """Dotted keys of the values to set; a mapping is descended into, a list is one value."""
    leaves = []
    for key, value in tree.items():
        if isinstance(value, Mapping) and value:
            leaves += _leaves(value, f"{prefix}{key}.")
        else:
            leaves.append((f"{prefix}{key}", value))
    return leaves
