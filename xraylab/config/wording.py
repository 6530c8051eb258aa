"""One line for the first wrong value of a validation: its full key path, what it must be, and what it got.

pydantic reports where a value failed (`loc`) and which constraint; what the key must be is read from the JSON
Schema pydantic derives from the same declarations (fields.py), so a constraint is written once and worded
everywhere: `models.custom_cnn.epochs must be an integer >= 1, got True`.
"""
from __future__ import annotations

from typing import Any

import yaml
from pydantic import ValidationError

from xraylab.errors import UserError


class ConfigError(UserError):
    """A value in params.yaml (or an option) is missing or wrong; the message names the key."""


def one_line(error: ValidationError, schema: dict[str, Any], root: str = "params") -> str:
    """The first error of a validation against `schema` (its model's JSON Schema), worded with its key path.

    `root` names the whole value: the file for a params mapping, or an option such as `--rule`.
    """
    errors = error.errors()
    # A misspelt key is named before the key it was meant to be, which is then also missing.
    first = next((each for each in errors if each["type"] == "extra_forbidden"), errors[0])
    kind, given = first["type"], first.get("input")
    node, path = _walk(schema, first["loc"])
    key = ".".join(path) or root
    if kind == "extra_forbidden":
        unknown = sorted(str(each["loc"][-1]) for each in errors
                         if each["type"] == "extra_forbidden" and each["loc"][:-1] == first["loc"][:-1])
        return f"{key} has unknown keys {unknown}; expected {sorted(_resolve(schema, node)['properties'])}"
    if kind == "missing":
        return f"{root} has no '{key}' section" if len(path) == 1 else f"{key} is missing"
    if kind in ("union_tag_invalid", "union_tag_not_found"):
        choice = _resolve(schema, node)
        targets = {target: tag for tag, target in choice["discriminator"]["mapping"].items()}
        tags = [targets[member["$ref"]] for member in choice["oneOf"]]  # in declaration order, not sorted
        return f"{key}.type must be one of {tags}, got {given.get('type') if isinstance(given, dict) else None!r}"
    if kind == "value_error" and "properties" in _resolve(schema, node):
        # A check across keys words its own sentence, naming them; one inside a named section (a model's) is
        # prefixed with that section's path.
        message = str(first["ctx"]["error"])
        return message if message.startswith(path[0] if path else root) else f"{key}.{message}"
    return f"{key} must be {_wording(schema, node)}, got {given!r}"


def _resolve(schema: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    """`node` with its `$ref` replaced by the definition it points to (its own keys, e.g. a description, kept)."""
    while "$ref" in node:
        target = schema["$defs"][node["$ref"].rsplit("/", 1)[-1]]
        node = {**target, **{name: value for name, value in node.items() if name != "$ref"}}
    return node


def _walk(schema: dict[str, Any], loc: tuple) -> tuple[dict[str, Any], list[str]]:
    """The schema node an error's `loc` ends at, and the user's key path to it.

    A union's tag in `loc` (the model type, or a member such as `constrained-float`) is not a key: a
    discriminator's tag leads into its member; any other stops the walk at the field that holds the union.
    """
    node, path = schema, []
    for part in loc:
        current = _resolve(schema, node)
        if part in current.get("properties", {}):
            node = current["properties"][part]
            path.append(str(part))
        elif "discriminator" in current and part in current["discriminator"]["mapping"]:
            node = {"$ref": current["discriminator"]["mapping"][part]}
        elif isinstance(current.get("additionalProperties"), dict):
            node = current["additionalProperties"]
            path.append(str(part))
        elif "items" in current and isinstance(part, int):
            node = current["items"]
            path[-1] += f"[{part}]"
        else:
            break
    return node, path


def _wording(schema: dict[str, Any], node: dict[str, Any]) -> str:
    """What a value must be, as the rest of "must be ...": its description, or its constraints in words."""
    node = _resolve(schema, node)
    if "description" in node and "properties" not in node:  # a model's description is its docstring
        return node["description"]
    words = _constraints(schema, node)
    if node.get("examples"):
        example = yaml.safe_dump(node["examples"][0], default_flow_style=True, width=1000, sort_keys=False)
        words += ", e.g. " + example.strip().removesuffix("\n...")  # as it would be written in params.yaml
    return words


def _constraints(schema: dict[str, Any], node: dict[str, Any]) -> str:
    node = _resolve(schema, node)
    if "anyOf" in node:
        options = [_wording(schema, option) for option in node["anyOf"] if option.get("type") != "null"]
        nullable = any(option.get("type") == "null" for option in node["anyOf"])
        return " or ".join(options) + (" or null" if nullable else "")
    if "enum" in node:
        return f"one of {node['enum']}"
    if "const" in node:
        return repr(node["const"])
    kind = node.get("type")
    if kind in ("integer", "number"):
        return _bounds(node, integer=kind == "integer")
    if kind == "boolean":
        return "true or false"
    if kind == "string":
        return "a non-empty string" if node.get("minLength") else "a string"
    if kind == "array":
        return "a non-empty list" if node.get("minItems") else "a list"
    return "a mapping"  # an object, or a choice of objects (the model types)


def _bounds(node: dict[str, Any], integer: bool) -> str:
    low = ("(", node["exclusiveMinimum"]) if "exclusiveMinimum" in node else ("[", node.get("minimum"))
    high = (")", node["exclusiveMaximum"]) if "exclusiveMaximum" in node else ("]", node.get("maximum"))
    if low[1] is not None and high[1] is not None:
        text = f"in {low[0]}{low[1]:g}, {high[1]:g}{high[0]}"
    elif low[1] is not None:
        text = f"{'>' if low[0] == '(' else '>='} {low[1]:g}"
    elif high[1] is not None:
        text = f"{'<' if high[0] == ')' else '<='} {high[1]:g}"
    else:
        return "an integer" if integer else "a number"
    return f"an integer {text}" if integer else text
