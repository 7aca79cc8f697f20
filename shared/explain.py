"""msgspec's validation messages ("Expected `int`, got `str` - at `$.device_id`") said as
sentences a person can act on ("the field `device_id` must be a whole number, not text").

The patterns are msgspec's own wording; a message this module does not recognise is kept as
it is after the field's name, so nothing a user needs is ever dropped.
"""

import re

_TYPE_WORDS = {
    "int": "a whole number",
    "float": "a number",
    "str": "text",
    "bool": "true or false",
    "array": "a list",
    "object": "a map",
    "None": "nothing",
    "null": "nothing",
    "bytes": "bytes",
}
_BOUNDS = {">=": "at least", "<=": "at most", ">": "more than", "<": "less than"}

_MISMATCH = re.compile(r"Expected `(\w+)`, got `(\w+)`")
_RANGE = re.compile(r"Expected `(\w+)` (>=|<=|>|<) (-?[\d.]+)")
_LENGTH = re.compile(r"Expected `(\w+)` of length (>=|<=) (\d+)")
_MISSING = re.compile(r"Object missing required field `([^`]+)`")
_UNKNOWN = re.compile(r"Object contains unknown field `([^`]+)`")
_INVALID = re.compile(r"Invalid value (.+)")


def _kind(name: str) -> str:
    return _TYPE_WORDS.get(name, f"`{name}`")


def _length(kind: str, bound: str, count: str) -> str:
    unit = "characters" if kind == "str" else "items"
    return f"must hold {_BOUNDS[bound]} {count} {unit}"


def explain_validation(message: str) -> str:
    """A sentence for one msgspec validation message."""
    text, _, where = message.partition(" - at `")
    path = where.rstrip("`").removeprefix("$").removeprefix(".")
    subject = f"the field `{path}`" if path else "the request"
    if m := _MISMATCH.fullmatch(text):
        return f"{subject} must be {_kind(m[1])}, not {_kind(m[2])}"
    if m := _RANGE.fullmatch(text):
        return f"{subject} must be {_kind(m[1])} of {_BOUNDS[m[2]]} {m[3]}"
    if m := _LENGTH.fullmatch(text):
        return f"{subject} {_length(m[1], m[2], m[3])}"
    if m := _MISSING.fullmatch(text):
        return f"{subject} lacks the field `{m[1]}`"
    if m := _UNKNOWN.fullmatch(text):
        return f"{subject} has a field the server does not know: `{m[1]}`"
    if m := _INVALID.fullmatch(text):
        if path == "type":
            return f"there is no request type {m[1]}"
        return f"{subject} has a value that is not allowed: {m[1]}"
    return f"{subject}: {text}"
