"""params.yaml as typed, frozen objects, validated once at a stage's entry by one declarative schema.

`sections.py` and `model_params.py` declare every key with its type, its allowed values and its default (the
only place a default lives), in pydantic's own constraints (`fields.py` holds the common ones); `wording.py` words
the first wrong value as one line with its full key path (`models.custom_cnn.epochs must be an integer >= 1, got
True`) instead of a traceback from deep inside Keras; `rules.py` is the vocabulary of threshold rules. Nothing
below a stage's entry point reads params.yaml; it receives these objects instead.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping

import yaml
from pydantic import ValidationError, model_validator

from xraylab.config.fields import Section
from xraylab.config.wording import ConfigError, one_line
from xraylab.config.model_params import (MODEL_TYPES, NORMALIZE, SCHEDULES, TRANSFER_MODES, AugmentConfig,
                                         ClassicConfig, ModelConfig, NetworkConfig, TransferConfig)
from xraylab.config.sections import (BALANCE_METHODS, CPU_ISAS, DATA_SOURCES, PRECISIONS, QUANTIZE, SELECT_METRICS,
                                     TASKS, BalanceConfig, ConvertConfig, CpuConfig, DataConfig, EvaluateConfig,
                                     ExternalConfig, GateConfig, GradcamConfig, KaggleConfig, KermanyUrlConfig, LocalConfig,
                                     MuraConfig, ShiftConfig, SplitConfig, SyntheticConfig, TrainConfig)

__all__ = [
    "BALANCE_METHODS", "CPU_ISAS", "DATA_SOURCES", "MODEL_TYPES", "NORMALIZE", "PRECISIONS", "QUANTIZE", "SCHEDULES",
    "SELECT_METRICS", "TASKS", "TRANSFER_MODES", "AugmentConfig", "BalanceConfig", "ClassicConfig", "Config",
    "ConfigError", "ConvertConfig", "CpuConfig", "DataConfig", "EvaluateConfig", "ExternalConfig", "GateConfig", "GradcamConfig",
    "KaggleConfig", "KermanyUrlConfig", "LocalConfig", "ModelConfig", "MuraConfig", "NetworkConfig", "ShiftConfig",
    "SplitConfig", "SyntheticConfig", "TrainConfig", "TransferConfig", "load", "parse", "read_mapping",
]


class Config(Section):
    data: DataConfig
    split: SplitConfig
    balance: BalanceConfig
    train: TrainConfig
    cpu: CpuConfig
    models: dict[str, ModelConfig]
    evaluate: EvaluateConfig
    gradcam: GradcamConfig
    convert: ConvertConfig
    gate: GateConfig

    @model_validator(mode="after")
    def _trained_models_have_sections(self) -> Config:
        for index, name in enumerate(self.train.models):
            if name not in self.models:
                raise ValueError(f"train.models[{index}] {name!r} is not a section of models: "
                                 f"known {sorted(self.models)}")
        return self


_SCHEMA = Config.model_json_schema()


def load(path: Path | str = "params.yaml") -> Config:
    """Read and validate a params file."""
    return parse(read_mapping(path, "params file", "run from the repository root or pass --params"))


def read_mapping(path: Path | str, what: str, hint: str) -> dict[str, Any]:
    """A YAML file holding a mapping; `what` and `hint` word the error when it is missing."""
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"{what} {path} not found; {hint}")
    with path.open() as stream:
        try:
            raw = yaml.safe_load(stream)
        except yaml.YAMLError as error:
            raise ConfigError(f"{path} is not valid YAML: {error}") from None
    if not isinstance(raw, dict):
        raise ConfigError(f"{path} must hold a mapping of sections, got {type(raw).__name__}")
    return raw


def parse(raw: Mapping[str, Any]) -> Config:
    """Validate an already-parsed params mapping; the first wrong value is a ConfigError naming its key."""
    try:
        return Config.model_validate(dict(raw))
    except ValidationError as error:
        raise ConfigError(one_line(error, _SCHEMA)) from None
