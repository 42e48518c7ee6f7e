"""JSON-Schema errors of a standard file in the words of the people who edit it.

Every validator kind that ``schemas/standard.schema.json`` uses gets its own message (type, enum, required,
additionalProperties, pattern, minimum, maximum, minLength, maxLength, minProperties, minItems, oneOf / anyOf,
propertyNames, const): no JSON type names, no regular expressions. A number written with its unit ("4.5平方米",
"5人", "4.5 m2") is told to drop the unit; an unknown key or enum value gets "did you mean"; a key of an item that
slipped left to the level of the item ids (``source_status`` beside the parameter ids) is named as an indentation
slip.
"""
from __future__ import annotations

import re

from junheng.i18n import Msg
from junheng.standard.suggest import closest

TYPE_KEYS = {"number": "schema.t_number", "integer": "schema.t_integer", "string": "schema.t_string",
             "boolean": "schema.t_boolean", "object": "schema.t_object", "array": "schema.t_array",
             "null": "schema.t_null"}
# the patterns of the schema, each with what it asks for in words
PATTERN_KEYS = {
    r"^[A-Za-z][A-Za-z0-9_]*$": "schema.p_rule_id",
    r"^[a-z0-9_-]+(/[a-z0-9_.-]+)+$": "schema.p_standard_id",
    r"^\d{4}(-\d{2}(-\d{2})?)?$": "schema.p_date",
    r"^[a-z_]+$": "schema.p_stage",
}
_NUMBER_WITH_UNIT = re.compile(r"^\s*([-+]?\d+(?:\.\d+)?)\s*([^\d\s.,+-].*?)\s*$")
_FULL_WIDTH_DIGITS = re.compile(r"[０-９．]")
# sections whose keys are ids (parameters: R4_min, ...): an item's own key found among them slipped left
ID_SECTIONS = {"parameters": "parameter", "documents": None, "derived": None}


def shown(value) -> str:
    """A value as the user wrote it: texts in quotes, true/false, lists and mappings abbreviated."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f"“{value}”"
    if isinstance(value, dict):
        return "{…}"
    if isinstance(value, list):
        return "[…]"
    if value is None:
        return Msg("schema.t_null")
    return str(value)


def path_text(path) -> str:
    return " → ".join(f"[{p + 1}]" if isinstance(p, int) else str(p) for p in path)


def did_you_mean(word: str, choices) -> str:
    """'；是不是“X”？' for the closest choice, or ''."""
    guess = closest(word, choices)
    return Msg("schema.did_you_mean", guess=guess) if guess else ""


def _type(err) -> Msg:
    want = err.validator_value if isinstance(err.validator_value, list) else [err.validator_value]
    value = err.instance
    if "number" in want or "integer" in want:
        if isinstance(value, str):
            text = value.strip()
            m = _NUMBER_WITH_UNIT.match(text)
            if m:
                return Msg("schema.number_unit", unit=m.group(2), number=m.group(1), value=shown(value))
            if _FULL_WIDTH_DIGITS.search(text):
                return Msg("schema.number_full_width", value=shown(value))
            if re.fullmatch(r"[-+]?\d{1,3}(,\d{3})+(\.\d+)?", text):
                return Msg("schema.number_commas", value=shown(value), number=text.replace(",", ""))
    names = [Msg(TYPE_KEYS.get(w, "schema.t_object")) for w in want]
    either = names[0]
    for other in names[1:]:
        either = Msg("schema.either", a=either, b=other)
    return Msg("schema.type", want=either, value=shown(value))


def _enum(err) -> Msg:
    allowed = tuple(shown(a) for a in err.validator_value)
    return Msg("schema.enum", allowed=allowed, value=shown(err.instance),
               guess=did_you_mean(err.instance, err.validator_value))


def _required(err) -> Msg:
    missing = tuple(k for k in err.validator_value if isinstance(err.instance, dict) and k not in err.instance)
    return Msg("schema.required", keys=missing or tuple(err.validator_value))


def _additional(err) -> Msg:
    props = dict(err.schema.get("properties") or {})
    extra = [k for k in (err.instance or {}) if k not in props]
    if len(extra) > 1:
        return Msg("schema.unknown_keys", keys=tuple(f"“{k}”" for k in extra), allowed=tuple(props))
    key = extra[0] if extra else "?"
    return Msg("schema.unknown_key", key=key, guess=did_you_mean(key, props), allowed=tuple(props))


def _pattern(err) -> Msg:
    key = PATTERN_KEYS.get(err.validator_value)
    if key is None:
        return Msg("schema.pattern", value=shown(err.instance))
    return Msg(key, value=shown(err.instance))


def _limit(key: str):
    return lambda err: Msg(key, limit=err.validator_value, value=shown(err.instance))


def _one_of(err) -> Msg:
    if not err.context:  # valid under more than one choice: keys that exclude each other (value and values)
        return Msg("schema.one_of_many")
    return Msg("schema.one_of", value=shown(err.instance))


RENDER = {
    "type": _type,
    "enum": _enum,
    "required": _required,
    "additionalProperties": _additional,
    "pattern": _pattern,
    "minimum": _limit("schema.minimum"),
    "maximum": _limit("schema.maximum"),
    "exclusiveMinimum": _limit("schema.exclusive_minimum"),
    "exclusiveMaximum": _limit("schema.exclusive_maximum"),
    "minLength": _limit("schema.min_length"),
    "maxLength": _limit("schema.max_length"),
    "minProperties": _limit("schema.min_properties"),
    "minItems": _limit("schema.min_items"),
    "oneOf": _one_of,
    "anyOf": _one_of,
    "const": lambda err: Msg("schema.const", want=shown(err.validator_value), value=shown(err.instance)),
}


def slipped_key(err, schema_defs: dict) -> Msg | None:
    """``parameters → source_status`` where ``source_status`` is a key of a parameter: the line slipped left."""
    path = list(err.absolute_path)
    if len(path) != 2 or path[0] not in ID_SECTIONS:
        return None
    item = ID_SECTIONS[path[0]]
    props = (schema_defs.get(item) or {}).get("properties", {}) if item else {}
    if path[1] in props or (item is None and path[1] in ("title", "number", "source_status", "note", "issued",
                                                         "level", "expr", "name", "citation")):
        return Msg("schema.slipped_key", key=path[1], section=path[0])
    return None


def extra_key(err) -> str | None:
    """The first unknown key of an additionalProperties error (its line is where the slip is)."""
    if err.validator != "additionalProperties" or not isinstance(err.instance, dict):
        return None
    props = err.schema.get("properties") or {}
    return next((k for k in err.instance if k not in props), None)


def message(err, schema_defs: dict | None = None) -> Msg:
    """One message for one schema error, with its place in the file (the keys down to it)."""
    slipped = slipped_key(err, schema_defs or {})
    if slipped is not None:
        return slipped
    render = RENDER.get(err.validator)
    text = render(err) if render else Msg("schema.other", value=shown(err.instance))
    path = list(err.absolute_path)
    if "propertyNames" in list(err.absolute_schema_path):
        text = Msg("schema.key_name", text=text)
    where = Msg("schema.at", path=path_text(path)) if path else Msg("schema.top_level")
    return Msg("schema.with_place", text=text, where=where)
