"""A safe YAML loader that remembers where every key and value came from.

* built on ``yaml.SafeLoader`` (no ``!!python`` tags, no arbitrary objects);
* duplicate keys are an error (a duplicated threshold is a real editing mistake), not last-wins;
* anchors and aliases are refused (alias bombs; standard files never need them);
* NaN / Infinity literals are refused;
* bounded file size and nesting depth.

Mappings come back as :class:`LocDict` (a dict with ``loc`` and ``key_locs``/``value_locs``),
sequences as :class:`LocList` (a list with ``loc`` and ``item_locs``).
"""
from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import yaml

from junheng.errors import ErrorList, Loc, StandardError
from junheng.errors import LocatedError
from junheng.i18n import Msg
from junheng.standard import yamlslips

MAX_FILE_BYTES = 2 * 1024 * 1024
MAX_DEPTH = 40


class LocDict(dict):
    loc: Loc
    key_locs: dict
    value_locs: dict
    value_styles: dict

    def loc_of(self, key) -> Loc:
        return self.value_locs.get(key, self.key_locs.get(key, self.loc))

    def key_loc(self, key) -> Loc:
        return self.key_locs.get(key, self.loc)


class LocList(list):
    loc: Loc
    item_locs: list
    item_styles: list


class _Refused(Exception):
    def __init__(self, mark, message):
        self.mark = mark
        self.message = message


def _loc(filename: str, mark) -> Loc:
    return Loc(filename, mark.line + 1, mark.column + 1)


MAX_NODES = 200_000  # bound on constructed values when aliases are allowed (test files): no alias bomb


class _Loader(yaml.SafeLoader):
    filename = "<string>"
    allow_aliases = False  # test files may reuse a row with &anchor / *alias / <<: *alias
    nodes = 0

    def compose_node(self, parent, index):
        if self.allow_aliases:
            return super().compose_node(parent, index)
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise _Refused(event.start_mark, Msg("yaml.alias"))
        event = self.peek_event()
        anchor = getattr(event, "anchor", None)
        if anchor is not None:
            raise _Refused(event.start_mark, Msg("yaml.anchor"))
        return super().compose_node(parent, index)


def _value_loc(loader, node) -> tuple[Loc, str | None]:
    loc = _loc(loader.filename, node.start_mark)
    style = getattr(node, "style", None)
    return loc, style


def _construct_mapping(loader: _Loader, node, depth=0):
    if depth > MAX_DEPTH:
        raise _Refused(node.start_mark, Msg("yaml.too_deep_limit", limit=MAX_DEPTH))
    result = LocDict()
    result.loc = _loc(loader.filename, node.start_mark)
    result.key_locs, result.value_locs, result.value_styles = {}, {}, {}
    own = {id(k) for k, _v in node.value if k.tag != "tag:yaml.org,2002:merge"}
    loader.flatten_mapping(node)
    merged: set = set()  # keys that came from a merge (<<: *row): a key written here replaces them
    for key_node, value_node in node.value:
        key = _scalar(loader, key_node)
        if isinstance(key, (dict, list)):
            raise _Refused(key_node.start_mark, Msg("yaml.key_not_scalar"))
        if id(key_node) not in own:
            if key in result:
                continue  # PyYAML's order: the first of several merged mappings wins
            merged.add(key)
        elif key in merged:
            merged.discard(key)
        elif key in result:
            first = result.key_locs[key]
            raise _Refused(
                key_node.start_mark,
                Msg("yaml.duplicate_key", key=key, line=first.line),
            )
        result[key] = _construct_any(loader, value_node, depth + 1)
        result.key_locs[key] = _loc(loader.filename, key_node.start_mark)
        result.value_locs[key], result.value_styles[key] = _value_loc(loader, value_node)
    return result


def _construct_sequence(loader, node, depth=0):
    if depth > MAX_DEPTH:
        raise _Refused(node.start_mark, Msg("yaml.too_deep_limit", limit=MAX_DEPTH))
    result = LocList()
    result.loc = _loc(loader.filename, node.start_mark)
    result.item_locs, result.item_styles = [], []
    for child in node.value:
        result.append(_construct_any(loader, child, depth + 1))
        loc, style = _value_loc(loader, child)
        result.item_locs.append(loc)
        result.item_styles.append(style)
    return result


_PLAIN_TAGS = ("tag:yaml.org,2002:map", "tag:yaml.org,2002:seq")


def _construct_any(loader, node, depth):
    loader.nodes += 1
    if loader.nodes > MAX_NODES:
        raise _Refused(node.start_mark, f"值过多（超过 {MAX_NODES} 个，别名展开过大？）/ too many values "
                                        f"(more than {MAX_NODES}; aliases expanding too far?)")
    if isinstance(node, (yaml.MappingNode, yaml.SequenceNode)) and node.tag not in _PLAIN_TAGS:
        # e.g. !!python/object/apply on a list: never constructed, and not silently read as a plain list
        raise _Refused(node.start_mark, Msg("yaml.tag", tag=node.tag))
    if isinstance(node, yaml.MappingNode):
        return _construct_mapping(loader, node, depth)
    if isinstance(node, yaml.SequenceNode):
        return _construct_sequence(loader, node, depth)
    value = _scalar(loader, node)
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        raise _Refused(node.start_mark, Msg("yaml.nan"))
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > 10**300:
        raise _Refused(node.start_mark, Msg("yaml.number_too_large"))
    return value


def _scalar(loader, node):
    """construct_object, with impossible values (2017-13-45, a 5000-digit integer) as located errors."""
    try:
        value = loader.construct_object(node, deep=True)
        if isinstance(value, (dt.date, dt.datetime)):
            return value.isoformat()  # an unquoted date (from: 2019-12-01) is the text it shows
        return value
    except (ValueError, OverflowError) as exc:
        raise _Refused(node.start_mark, Msg("yaml.invalid_value", error=str(exc))) from None


def load_yaml_text(text: str, filename: str, test_file: bool = False):
    """Parse YAML text; raise StandardError with a located message on any problem.

    ``test_file``: a YAML test file (``junheng test``), where anchors and aliases are allowed (to reuse a
    row: ``- &s1 {...}`` then ``- {<<: *s1, school_id: S3}``), bounded by ``MAX_NODES``; a standard file
    refuses them."""
    errors = ErrorList()
    if len(text.encode("utf-8", "replace")) > MAX_FILE_BYTES:
        errors.add(Loc(filename, 1, 1), Msg("yaml.file_too_large_kib", limit=MAX_FILE_BYTES // 1024))
        errors.raise_if_any()
    slips = yamlslips.scan(text, filename)
    loader = _Loader(text)
    loader.filename = filename
    if test_file:
        loader.allow_aliases = True  # the refusal (yaml.alias / yaml.anchor) is for standard files only
    try:
        node = loader.get_single_node()
        if slips and yamlslips.blocks_loading(slips):
            raise StandardError(slips)  # it parsed, but not as meant: the slips, not their consequences
        if node is None:
            return None
        value = _construct_any(loader, node, 0)
        if slips:
            raise StandardError(slips)
        return value
    except _Refused as exc:
        errors.add(_loc(filename, exc.mark), exc.message)
    except yaml.MarkedYAMLError as exc:
        if slips:  # the slips found in the text explain the syntax error: one message each, nothing more
            raise StandardError(slips) from None
        if exc.problem_mark is not None or exc.context_mark is not None:
            errors.errors.append(yamlslips.from_marked(exc, text, filename))
        else:
            errors.add(Loc(filename), Msg("yaml.syntax", problem=exc.problem or exc.context))
    except yaml.YAMLError as exc:  # pragma: no cover - other YAML errors carry no mark
        errors.add(Loc(filename), Msg("yaml.error", error=str(exc)))
    except RecursionError:
        errors.add(Loc(filename, 1, 1), Msg("yaml.too_deep"))
    finally:
        loader.dispose()
    errors.raise_if_any()


def load_yaml_file(path: Path | str, display_name: str | None = None, test_file: bool = False):
    path = Path(path)
    name = display_name or str(path)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise StandardError([_simple(name, Msg("yaml.cannot_read", error=exc.strerror))]) from None
    if size > MAX_FILE_BYTES:
        raise StandardError([_simple(name, Msg("yaml.file_too_large", size=size, limit=MAX_FILE_BYTES))])
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise StandardError([_simple(name, Msg("yaml.not_utf8", error=exc.reason))]) from None
    return load_yaml_text(text, name, test_file)


def _simple(name, message):
    return LocatedError(Loc(name, 1, 1), message)
