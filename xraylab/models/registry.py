"""The one list of models: a name exists because one builder registered it.

A builder takes the model's params section, the number of classes and a seed, and returns an unfitted
model: a `keras.Model` for networks, a scikit-learn estimator for classic models.
"""
from __future__ import annotations

from typing import Any, Callable

from xraylab.config import MODEL_TYPES, ModelConfig
from xraylab.errors import UserError

Builder = Callable[[Any, int, int], Any]

_BUILDERS: dict[str, tuple[type, Builder]] = {}


class UnknownModelError(UserError):
    pass


def register(name: str, config_type: type) -> Callable[[Builder], Builder]:
    """Decorator: `@register("lenet5", NetworkConfig)` on a builder makes `models.lenet5` trainable."""
    def add(builder: Builder) -> Builder:
        if name in _BUILDERS:
            raise ValueError(f"model {name!r} is registered twice")
        _BUILDERS[name] = (config_type, builder)
        return builder
    return add


def build(name: str, cfg: ModelConfig, num_classes: int, seed: int) -> Any:
    if name not in _BUILDERS:
        raise UnknownModelError(f"unknown model {name!r}; registered models: {names()}")
    config_type, builder = _BUILDERS[name]
    if not isinstance(cfg, config_type):
        raise UserError(f"models.{name} must have type: {_type_key(config_type)} in params.yaml, "
                        f"got a {_type_key(type(cfg))} section")
    return builder(cfg, num_classes, seed)


def names() -> list[str]:
    return sorted(_BUILDERS)


def _type_key(config_type: type) -> str:
    return next(key for key, value in MODEL_TYPES.items() if value is config_type)
