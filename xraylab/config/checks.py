"""The building blocks of the params schema: value checks that word their errors, and the one-line error.

A check raises `problem("must be ...")`; pydantic records where in params.yaml it happened, and
`one_line` turns the first error into `models.custom_cnn.epochs must be an integer >= 1, got True`.
"""
from __future__ import annotations

from typing import Annotated, Any, Callable, ClassVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, ValidationError, model_validator
from pydantic_core import PydanticCustomError

from xraylab.errors import UserError

VALUE = "xraylab_value"        # "<key> <message>, got <value>"
KEYED = "xraylab_keyed"        # "<key> <message>" (the message says what it got)
SENTENCE = "xraylab_sentence"  # the message alone: it names its keys itself


class ConfigError(UserError):
    """A value in params.yaml is missing or wrong; the message names the key."""


def problem(message: str) -> PydanticCustomError:
    """A wrong value: the key and the value are added to `message` where the error is worded."""
    return PydanticCustomError(VALUE, "{message}", {"message": message})


def keyed(message: str) -> PydanticCustomError:
    """A wrong value whose message says what it got; one starting with "." names a key inside the one at fault."""
    return PydanticCustomError(KEYED, "{message}", {"message": message})


def sentence(message: str) -> PydanticCustomError:
    """An error between several keys, worded in full by the check that finds it."""
    return PydanticCustomError(SENTENCE, "{message}", {"message": message})


class Section(BaseModel):
    """A params section: frozen, and an unknown key is named with the keys it could have been."""

    model_config = ConfigDict(frozen=True)
    shape: ClassVar[str] = "must be a mapping"  # what the section looks like, for a value that is not one

    @model_validator(mode="before")
    @classmethod
    def _known_keys(cls, raw: Any) -> Any:
        if isinstance(raw, dict):
            unknown = sorted(set(raw) - set(cls.model_fields))
            if unknown:
                raise keyed(f"has unknown keys {unknown}; expected {sorted(cls.model_fields)}")
        elif not isinstance(raw, cls):
            raise problem(cls.shape)
        return raw


def checked(check: Callable[[Any], bool], message: str, convert: Callable[[Any], Any] = lambda value: value):
    """A value check for an `Annotated` field: `problem(message)` where `check` fails, else the converted value."""
    def validate(value: Any) -> Any:
        if not check(value):
            raise problem(message)
        return convert(value)
    return BeforeValidator(validate)


def is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)  # `epochs: true` is a typo, not 1


def is_integer(value: Any) -> bool:
    return is_number(value) and isinstance(value, int)


def Integer(minimum: int) -> Any:  # noqa: N802  (a type, used like one)
    return Annotated[int, checked(lambda value: is_integer(value) and value >= minimum,
                                  f"must be an integer >= {minimum}")]


def Number(low: float = float("-inf"), high: float = float("inf"), *, low_open: bool = False,
           high_open: bool = False, message: str | None = None) -> Any:  # noqa: N802
    """A number within [low, high] (an open end where asked), as a float."""
    def inside(value: Any) -> bool:
        return is_number(value) and (value > low if low_open else value >= low) and \
            (value < high if high_open else value <= high)
    if message is None:
        message = "must be a number" if low == float("-inf") and high == float("inf") else \
            f"must be in {'(' if low_open else '['}{low:g}, {high:g}{')' if high_open else ']'}"
    return Annotated[float, checked(inside, message, float)]


Fraction = Number(0, 1, low_open=True, high_open=True, message="must be a fraction in (0, 1)")
NonNegative = Number(0, message="must be >= 0")
Boolean = Annotated[bool, checked(lambda value: isinstance(value, bool), "must be true or false")]
Text = Annotated[str, checked(lambda value: isinstance(value, str) and bool(value), "must be a non-empty string")]
OptionalText = Annotated[str | None, checked(lambda value: value is None or (isinstance(value, str) and bool(value)),
                                              "must be a non-empty string or null")]


def Choice(*choices: str) -> Any:  # noqa: N802
    return Annotated[str, checked(lambda value: value in choices, f"must be one of {list(choices)}")]


def one_line(error: ValidationError, tags: tuple[str, ...] = ()) -> str:
    """The first error of a validation, worded with the full key path; `tags` are union tags to leave out."""
    first = error.errors()[0]
    loc = [str(part) for index, part in enumerate(first["loc"]) if not (index == 2 and part in tags)]
    key = ".".join(loc)
    kind, given = first["type"], first.get("input")
    message = (first.get("ctx") or {}).get("message", first["msg"])
    if kind == SENTENCE:
        return message
    if kind == "missing":
        return f"params has no '{key}' section" if len(loc) == 1 else f"{key} is missing"
    if kind == KEYED:
        return f"{key}{message}" if message.startswith(".") else f"{key} {message}"
    if kind == VALUE:
        return f"{key} {message}, got {given!r}"
    return f"{key}: {first['msg']}, got {given!r}"
