"""Turn JSON Schema violations into one-line problems a person can act on.

jsonschema's own messages quote whole sub-documents; tcosim's say where
(key path), what was found and what was expected, with "did you mean" for
misspelt keys and values.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from typing import Any

from sim.errors import ProblemLog, suggest

_TYPE_NAMES = {
    "number": "a number",
    "integer": "a whole number",
    "string": "a string",
    "object": "a table",
    "array": "a list",
    "boolean": "true or false",
}


def report_schema_errors(log: ProblemLog, doc: Any, schema: dict[str, Any]) -> None:
    """Validate ``doc`` against ``schema``; add one problem per violation."""
    import jsonschema

    validator = jsonschema.Draft202012Validator(schema)
    errors = sorted(validator.iter_errors(doc), key=_sort_key)
    for error in errors:
        for key, message in _describe(error):
            log.add(key, message)


def _sort_key(error: Any) -> tuple[str, str]:
    return (_key_path(error.absolute_path), error.validator)


def _key_path(parts: deque[Any] | list[Any]) -> str:
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else f".{part}"
    return out.lstrip(".")


def _join(base: str, key: str) -> str:
    return f"{base}.{key}" if base else key


def _found(value: Any) -> str:
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return f"a list of {len(value)}"
    if isinstance(value, bool):
        return "true" if value else "false"
    return repr(value) if isinstance(value, str) else f"{value}"


def _describe(error: Any) -> list[tuple[str, str]]:
    key = _key_path(error.absolute_path)
    handler = _HANDLERS.get(error.validator, _generic)
    return handler(key, error)


def _additional(key: str, error: Any) -> list[tuple[str, str]]:
    allowed = sorted(error.schema.get("properties", {}))
    extras = sorted(set(error.instance) - set(allowed))
    return [
        (
            _join(key, extra),
            f"unknown key; expected one of {', '.join(allowed)}"
            + suggest(extra, allowed),
        )
        for extra in extras
    ]


def _required(key: str, error: Any) -> list[tuple[str, str]]:
    missing = [k for k in error.validator_value if k not in error.instance]
    out = []
    for name in missing:
        sub = error.schema.get("properties", {}).get(name, {})
        out.append((_join(key, name), f"missing; expected {_expected(sub)}"))
    return out


def _type(key: str, error: Any) -> list[tuple[str, str]]:
    return [
        (key, f"expected {_expected(error.schema)}, found {_found(error.instance)}")
    ]


def _bound(key: str, error: Any) -> list[tuple[str, str]]:
    ops = {
        "minimum": ">=",
        "maximum": "<=",
        "exclusiveMinimum": ">",
        "exclusiveMaximum": "<",
    }
    op = ops[error.validator]
    return [
        (
            key,
            f"{_found(error.instance)} is out of range; expected {op} "
            f"{error.validator_value}",
        )
    ]


def _enum(key: str, error: Any) -> list[tuple[str, str]]:
    allowed = [str(v) for v in error.validator_value]
    hint = suggest(str(error.instance), allowed)
    return [
        (
            key,
            f"{_found(error.instance)} is not allowed; expected one of "
            f"{', '.join(allowed)}{hint}",
        )
    ]


def _pattern(key: str, error: Any) -> list[tuple[str, str]]:
    if "\\d{4}" in error.validator_value:
        expected = "a date YYYY-MM-DD or 'YYYY-MM'"
    else:
        expected = "letters, digits, '-' or '_' only"
    return [(key, f"{_found(error.instance)} is not valid; expected {expected}")]


def _one_of(key: str, error: Any) -> list[tuple[str, str]]:
    return [
        (
            key,
            f"{_found(error.instance)} is not valid; expected "
            f"{_expected(error.schema)}",
        )
    ]


def _items(key: str, error: Any) -> list[tuple[str, str]]:
    return [(key, f"{_found(error.instance)}; expected {_expected(error.schema)}")]


def _generic(key: str, error: Any) -> list[tuple[str, str]]:
    return [(key, error.message)]


def _expected(schema: dict[str, Any]) -> str:
    """Describe what a schema accepts, in words."""
    if "oneOf" in schema:
        return " or ".join(_expected(s) for s in schema["oneOf"])
    if "enum" in schema:
        return "one of " + ", ".join(str(v) for v in schema["enum"])
    kind = schema.get("type")
    text = _TYPE_NAMES.get(str(kind), "a value")
    if kind == "array":
        text = _array_words(schema)
    return text + _range_words(schema)


def _array_words(schema: dict[str, Any]) -> str:
    lo, hi = schema.get("minItems"), schema.get("maxItems")
    item = _expected(schema.get("items", {}))
    if lo is not None and lo == hi:
        return f"a list of {lo} entries, each {item}"
    if lo:
        return f"a list of at least {lo} entries"
    return "a list"


def _range_words(schema: dict[str, Any]) -> str:
    parts = []
    for name, op in (
        ("minimum", ">="),
        ("exclusiveMinimum", ">"),
        ("maximum", "<="),
        ("exclusiveMaximum", "<"),
    ):
        if name in schema:
            parts.append(f"{op} {schema[name]}")
    return f" {' and '.join(parts)}" if parts else ""


_HANDLERS: dict[str, Callable[[str, Any], list[tuple[str, str]]]] = {
    "additionalProperties": _additional,
    "required": _required,
    "type": _type,
    "minimum": _bound,
    "maximum": _bound,
    "exclusiveMinimum": _bound,
    "exclusiveMaximum": _bound,
    "enum": _enum,
    "pattern": _pattern,
    "oneOf": _one_of,
    "minItems": _items,
    "maxItems": _items,
}
