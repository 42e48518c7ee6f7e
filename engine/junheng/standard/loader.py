"""Load standard files: YAML → schema check → model, following ``extends`` chains.

All mistakes are collected and raised together as a :class:`StandardError` (``file:line:col``).
"""
from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import jsonschema

from junheng.standard.catalogue import field_from_yaml
from junheng.standard.fieldmerge import merge_field
from junheng.errors import ErrorList, Loc, StandardError
from junheng.i18n import Msg
from junheng.paths import display_path, schemas_dir, standards_dir
from junheng.standard.registry import resolve_extends, resolve_standard
from junheng.standard import schema_messages
from junheng.standard.model import (Citation, Derived, Parameter, ParamVersion, Rule, Standard, ChainFile, Window,
                       parse_date, parse_expr, parse_stage_exprs, sha256_file)
from junheng.standard.versions import clip_versions, shape_of, shape_text, window_problems
from junheng.standard.yamlsafe import LocDict, LocList, load_yaml_file
from junheng.language import nodes as _ast

MAX_CHAIN = 8


@lru_cache(maxsize=1)
def _schema_validator():
    schema = json.loads((schemas_dir() / "standard.schema.json").read_text(encoding="utf-8"))
    return jsonschema.Draft202012Validator(schema)


def _loc_at(data, path) -> Loc | None:
    node, loc = data, getattr(data, "loc", None)
    for key in path:
        try:
            if isinstance(node, LocDict):
                loc = node.key_loc(key) if not isinstance(node.get(key), (LocDict, LocList)) else node[key].loc
                node = node[key]
            elif isinstance(node, LocList):
                loc = node.item_locs[key]
                node = node[key]
            else:
                break
        except (KeyError, IndexError, TypeError):
            break
    return loc


def _collect_schema_errors(data, filename) -> ErrorList:
    errors = ErrorList()
    validator = _schema_validator()
    defs = validator.schema.get("$defs", {})
    for err in sorted(validator.iter_errors(data), key=lambda e: list(map(str, e.absolute_path))):
        if err.validator in ("oneOf", "anyOf") and err.context:
            # report the most relevant sub-error
            best = max(err.context, key=lambda e: len(e.absolute_path))
            loc = _loc_at(data, list(err.absolute_path) + list(best.absolute_path))
            errors.add(loc or Loc(filename), schema_messages.message(best, defs))
            continue
        extra = schema_messages.extra_key(err)
        loc = _loc_at(data, list(err.absolute_path) + ([extra] if extra is not None else []))
        errors.add(loc or Loc(filename), schema_messages.message(err, defs))
    return errors


def _citation(spec, documents, errors: ErrorList | None = None, loc: Loc | None = None) -> Citation | None:
    if not spec:
        return None
    doc_id = spec.get("document", "")
    doc = documents.get(doc_id, {})
    status = spec.get("source_status") or doc.get("source_status", "")
    return Citation(document=doc_id, article=spec.get("article", ""), source_status=status,
                    note=spec.get("note", ""), document_number=doc.get("number", ""),
                    document_title=doc.get("title", ""))


def _window(spec) -> Window:
    if not spec:
        return Window()
    return Window(parse_date(spec.get("from")), parse_date(spec.get("to"), end=True), spec.get("note", ""))


def load_standard(ref: str, search_dirs=(), _seen=None, collect: bool = False) -> Standard:
    """Load a standard by id or path, resolving its whole ``extends`` chain.

    With ``collect=True`` mistakes found while loading are kept in ``std.load_errors`` so that
    :func:`engine.checker.compile_standard` reports them together with every other problem;
    otherwise they are raised at once.
    """
    path = resolve_standard(ref, search_dirs)
    std = _load_path(path, search_dirs, _seen or [])
    if not collect and std.load_errors:
        raise StandardError(std.load_errors)
    return std


def _load_path(path: Path, search_dirs, seen: list) -> Standard:
    display = display_path(path)
    data = load_yaml_file(path, display)
    errors = ErrorList()
    if not isinstance(data, LocDict):
        errors.add(Loc(display, 1, 1), Msg("load.not_mapping"))
        errors.raise_if_any()
    errors.extend(_collect_schema_errors(data, display))
    errors.raise_if_any()
    _check_id_matches_place(data, path, errors)
    errors.raise_if_any()

    parent = None
    if data.get("extends"):
        ref = data["extends"]
        if ref in seen or ref == data["id"] or len(seen) >= MAX_CHAIN:
            errors.add(data.loc_of("extends"), Msg("load.extends_cycle", chain=" → ".join(seen + [data["id"], ref])))
            errors.raise_if_any()
        parent_path = resolve_extends(ref, search_dirs, path, data["id"], data.loc_of("extends"))
        parent = _load_path(parent_path, search_dirs, seen + [data["id"]])

    std = _build(data, display, parent, errors, path)
    std.path = display
    std.chain = (parent.chain if parent else []) + [ChainFile(std.id, display, sha256_file(path),
                                                              str(Path(path).resolve()))]
    # expression syntax errors are kept so that the checker reports them with every other problem
    std.load_errors = (parent.load_errors if parent else []) + errors.errors
    return std


def _check_id_matches_place(data, path: Path, errors: ErrorList) -> None:
    """A file inside the bundled standards folder must sit at ``<id>.yaml``: otherwise its id would
    find another file (or none), and a copy could silently stand in for the original."""
    try:
        rel = Path(path).resolve().relative_to(standards_dir().resolve())
    except (ValueError, OSError):
        return
    if "tests" in rel.parts:
        return
    expected = rel.with_suffix("").as_posix()
    if data["id"] != expected:
        errors.add(data.loc_of("id"), Msg("load.id_place", id=str(data["id"]), expected=expected), str(data["id"]))


def _build(data: LocDict, display: str, parent: Standard | None, errors: ErrorList, path: Path) -> Standard:
    text_lines = Path(path).read_text(encoding="utf-8").splitlines()
    documents = dict(parent.documents) if parent else {}
    for doc_id, spec in (data.get("documents") or {}).items():
        documents[doc_id] = dict(spec)

    std = Standard(
        id=data["id"], title=data["title"], title_en=data.get("title_en", ""), version=str(data["version"]),
        jurisdiction=dict(data["jurisdiction"]), document=dict(data.get("document") or {}),
        window=_window(data.get("effective")) if data.get("effective") or parent is None else parent.window,
        extends=data.get("extends"), documents=documents,
        loc=data.loc,
    )
    if parent:
        _inherit(std, parent)
    _merge_stages(std, data, documents)
    _merge_fields(std, data, documents, errors)
    _merge_parameters(std, data.get("parameters") or LocDict(), documents, errors, parent is not None)
    _merge_derived(std, data, documents, text_lines, errors, parent is not None)
    _merge_rules(std, data.get("rules") or LocList(), documents, text_lines, errors, parent is not None)
    _merge_removals(std, data, parent, documents, errors)
    return std


def _inherit(std: Standard, parent: Standard) -> None:
    """A child starts from copies of its parent's stages, weights, rounding, fields, parameters and rules."""
    std.stages = dict(parent.stages)
    std.school_types = dict(parent.school_types)
    std.stage_weights = dict(parent.stage_weights)
    std.stage_weights_citation = parent.stage_weights_citation
    std.whole_school_counts = list(parent.whole_school_counts)
    std.rounding_mode, std.tolerance = parent.rounding_mode, parent.tolerance
    std.extra_fields = {t: dict(d) for t, d in parent.extra_fields.items()}
    std.inputs = {t: list(v) for t, v in parent.inputs.items()}
    std.parameters = dict(parent.parameters)
    std.derived = dict(parent.derived)
    std.rules = dict(parent.rules)
    std.removed = list(parent.removed)


def _merge_stages(std: Standard, data: LocDict, documents: dict) -> None:
    """stages, school_types, stage_weights and rounding: the file's entries over the inherited ones."""
    for stage, spec in (data.get("stages") or {}).items():
        std.stages[stage] = dict(spec)
    for stype, stages in (data.get("school_types") or {}).items():
        std.school_types[stype] = list(stages)
    sw = data.get("stage_weights")
    if sw:
        for stype, weights in (sw.get("weights") or {}).items():
            std.stage_weights[stype] = dict(weights)
        std.stage_weights_citation = _citation(sw.get("citation"), documents) or std.stage_weights_citation
        if "whole_school_counts" in sw:
            std.whole_school_counts = list(sw.get("whole_school_counts") or [])
    rounding = data.get("rounding") or {}
    std.rounding_mode = rounding.get("mode", std.rounding_mode)
    std.tolerance = float(rounding.get("relative_tolerance", std.tolerance))


def _merge_fields(std: Standard, data: LocDict, documents: dict, errors: ErrorList) -> None:
    for table, defs in (data.get("fields") or {}).items():
        for fid, spec in defs.items():
            fd = field_from_yaml(fid, spec, table, defs.key_loc(fid))
            if merge_field(std, table, fid, spec, fd, documents, errors):
                std.extra_fields.setdefault(table, {})[fid] = fd
    for table, ids in (data.get("inputs") or {}).items():
        cur = std.inputs.setdefault(table, [])
        cur.extend(i for i in ids if i not in cur)


def _merge_derived(std: Standard, data: LocDict, documents: dict, text_lines: list, errors: ErrorList,
                   has_parent: bool) -> None:
    for did, spec in (data.get("derived") or {}).items():
        if not _intent_errors(Msg("kind.derived"), did, spec, data["derived"].key_loc(did),
                              std.derived.get(did), has_parent, errors):
            continue
        expr = parse_stage_exprs(spec, "expr", text_lines, errors)
        old_d = std.derived.get(did)
        std.derived[did] = Derived(did, spec["level"], expr or {}, spec.get("name", ""), spec.get("name_en", ""),
                                   spec.get("unit", ""), (data["derived"]).key_loc(did),
                                   "bool" if spec.get("type") == "condition" else "num", spec.get("note", ""),
                                   _citation(spec.get("citation"), documents),
                                   (old_d.overrode + [old_d.origin]) if old_d is not None else [])


def _merge_removals(std: Standard, data: LocDict, parent: Standard | None, documents: dict,
                    errors: ErrorList) -> None:
    """remove_rules: only a rule the parent defines and this file does not define again."""
    removed_here = []
    for i, rem in enumerate(data.get("remove_rules") or []):
        loc = data["remove_rules"].item_locs[i]
        if parent is None or rem["id"] not in parent.rules:
            errors.add(loc, Msg("load.remove_unknown", rule=rem["id"]), rem["id"])
            continue
        if rem["id"] in seen_rule_ids(data):
            errors.add(loc, Msg("load.removed_and_defined", rule=rem["id"]), rem["id"])
            continue
        del std.rules[rem["id"]]
        entry = {"id": rem["id"], "reason": rem["reason"], "citation": _citation(rem["citation"], documents),
                 "origin": loc, "removed_from": parent.rules[rem["id"]].origin}
        std.removed.append(entry)
        removed_here.append(entry)
    _check_removals(std, removed_here, errors)


def _intent_errors(kind, oid, spec, loc, old, has_parent, errors: ErrorList) -> bool:
    """``override: true`` must name something the parent defines; redefining without it is refused.

    Returns True when the item can be merged.
    """
    wants = bool(spec.get("override", False))
    if wants and old is None:
        where = Msg("load.parent_lacks" if has_parent else "load.no_extends")
        errors.add(loc, Msg("load.override_unknown", kind=kind, id=oid, where=where), oid)
        return False
    if not wants and old is not None:
        errors.add(loc, Msg("load.already_defined", kind=kind, id=oid, at=str(old.origin)), oid)
        return False
    return True


def _param_versions(pid: str, spec, loc, citation, status: str, documents, errors: ErrorList) -> list:
    """A parameter's versions: its direct value(s) (in force always) and its dated versions, each with its
    citation and source status (its own, else its citation's, else the parameter's)."""
    versions = []
    has_direct = "value" in spec or "values" in spec
    if has_direct and "versions" in spec:
        errors.add(loc, Msg("load.value_and_versions", id=pid), pid)
    if "value" in spec and "values" in spec:
        errors.add(loc, Msg("load.value_and_values", id=pid), pid)
    if has_direct:
        versions.append(ParamVersion(spec.get("value"), dict(spec["values"]) if "values" in spec else None,
                                     _window(None), citation, status, loc, spec.get("note", "")))
    for i, v in enumerate(spec.get("versions") or []):
        vloc = spec["versions"].item_locs[i]
        vc = _citation(v.get("citation"), documents) or citation
        versions.append(ParamVersion(v.get("value"), dict(v["values"]) if "values" in v else None,
                                     _window(v.get("effective")), vc,
                                     v.get("source_status") or (vc.source_status if v.get("citation") and vc
                                                                else status), vloc,
                                     v.get("note", "")))
    return versions


def _merge_parameters(std: Standard, params: LocDict, documents, errors: ErrorList, has_parent: bool = False) -> None:
    for pid, spec in params.items():
        loc = params.key_loc(pid)
        old = std.parameters.get(pid)
        if not _intent_errors(Msg("kind.param"), pid, spec, loc, old, has_parent, errors):
            continue
        citation = _citation(spec.get("citation"), documents)
        if has_parent and citation is not None and citation.document not in documents:
            errors.add(loc, Msg("load.unknown_document", kind=Msg("kind.param"), id=pid, document=citation.document),
                       citation.document)
        status = spec.get("source_status") or (citation.source_status if citation else "")
        versions = _param_versions(pid, spec, loc, citation, status, documents, errors)
        for v, message in window_problems(versions):
            errors.add(v.origin, Msg("load.param_version", id=pid, problem=message), pid)
        if len(set(shape_of(versions))) > 1:
            errors.add(loc, Msg("load.versions_shape", id=pid, shapes=shape_text(shape_of(versions))), pid)
        if old is None:
            if not versions:
                errors.add(loc, Msg("load.param_no_value", id=pid), pid)
            if citation is None and not any(v.citation for v in versions):
                errors.add(loc, Msg("load.param_no_citation", id=pid), pid)
            std.parameters[pid] = Parameter(pid, spec.get("name", ""), spec.get("name_en", ""), spec.get("unit", ""),
                                            versions, citation, status, spec.get("note", ""), loc)
            continue
        # an override
        if not versions:
            errors.add(loc, Msg("load.override_no_value", id=pid), pid)
            continue
        if citation is None and not all(v.citation for v in versions):
            errors.add(loc, Msg("load.override_no_citation", kind=Msg("kind.param"), id=pid), pid)
        elif not all(v.source_status for v in versions):
            errors.add(loc, Msg("load.override_no_status", kind=Msg("kind.param"), id=pid), pid)
        if "unit" in spec and spec["unit"] != old.unit:
            errors.add(spec.loc_of("unit"), Msg("load.override_unit", id=pid, unit=old.unit), str(spec["unit"]))
        old_shape, new_shape = shape_of(old.versions), shape_of(versions)
        if old_shape and new_shape and old_shape != new_shape:
            errors.add(loc, Msg("load.override_shape", id=pid, old=shape_text(old_shape), at=str(old.origin),
                                new=shape_text(new_shape)), pid)
        std.parameters[pid] = Parameter(
            pid, spec.get("name", old.name), spec.get("name_en", old.name_en), old.unit,
            clip_versions(old.versions, versions), citation or old.citation, status or old.source_status,
            spec.get("note", old.note), loc, old.overrode + [old.origin])


_RULE_SCALARS = ("level", "name", "name_en", "per_stage", "area", "description", "unit", "operator", "round",
                 "veto", "note", "record")


def _merge_rules(std: Standard, rules: LocList, documents, lines, errors: ErrorList, has_parent: bool = False) -> None:
    seen: dict = {}
    for i, spec in enumerate(rules):
        loc = rules.item_locs[i]
        rid = spec["id"]
        if rid in seen:
            errors.add(loc, Msg("load.duplicate_rule", rule=rid, line=seen[rid].line), rid)
            continue
        seen[rid] = loc
        old = std.rules.get(rid)
        if not _intent_errors(Msg("kind.rule"), rid, spec, loc, old, has_parent, errors):
            continue
        citation = _citation(spec.get("citation"), documents)
        _check_rule_override(spec, rid, loc, old, citation, documents, has_parent, errors)
        rule = Rule(rid, spec.get("level", old.level if old else "stage"), spec.get("name", old.name if old else ""),
                    citation or (old.citation if old else None))
        _fill_rule(rule, spec, old, lines, errors)
        rule.origin = loc
        _check_rule_shape(rule, spec, rid, loc, old, errors)
        std.rules[rid] = rule


def _check_rule_override(spec, rid: str, loc, old: Rule | None, citation, documents, has_parent: bool,
                         errors: ErrorList) -> None:
    """A rule's citation names a known document; an override cites its source and keeps level and per_stage."""
    if has_parent and citation is not None and citation.document not in documents:
        errors.add(loc, Msg("load.unknown_document", kind=Msg("kind.rule"), id=rid, document=citation.document),
                   citation.document)
    if old is not None and citation is None:
        errors.add(loc, Msg("load.override_no_citation", kind=Msg("kind.rule"), id=rid), rid)
    elif old is not None and citation is not None and not citation.source_status:
        errors.add(loc, Msg("load.override_no_status", kind=Msg("kind.rule"), id=rid), rid)
    if old is not None:
        for key in ("level", "per_stage"):
            if key in spec and spec[key] != getattr(old, key):
                errors.add(spec.loc_of(key), Msg("load.override_rule_key", rule=rid, key=key,
                                                 old=repr(getattr(old, key)), at=str(old.origin)), str(spec[key]))


def _fill_rule(rule: Rule, spec, old: Rule | None, lines, errors: ErrorList) -> None:
    """The rule's attributes: the overridden rule's first (if any), then what the spec gives."""
    if old is not None:
        for attr in _RULE_SCALARS + ("stages", "value", "threshold", "condition", "applies_when", "window"):
            setattr(rule, attr, getattr(old, attr))
        assert old.origin is not None  # every loaded rule has its origin
        rule.overrode = old.overrode + [old.origin]
    for attr in _RULE_SCALARS:
        if attr in spec:
            setattr(rule, attr, spec[attr])
    if "stages" in spec:
        rule.stages = list(spec["stages"])
    for part in ("value", "threshold", "condition"):
        if part in spec:
            setattr(rule, part, parse_stage_exprs(spec, part, lines, errors) or {})
    if old is not None and "condition" in spec:
        rule.value = rule.threshold = rule.operator = None  # a condition replaces value/operator/threshold
    if old is not None and "value" in spec and "condition" not in spec:
        rule.condition = None
    if "applies_when" in spec:
        rule.applies_when = parse_expr(spec, "applies_when", lines, errors)
    if "effective" in spec:
        rule.window = _window(spec["effective"])


def _check_rule_shape(rule: Rule, spec, rid: str, loc, old: Rule | None, errors: ErrorList) -> None:
    """A new rule has level, name and citation; a rule has a value or a condition, and a value is compared
    with an operator and a threshold unless it is only recorded."""
    if old is None:
        for key in ("level", "name", "citation"):
            if key not in spec:
                errors.add(loc, Msg("load.rule_needs", rule=rid, key=key), rid)
    if rule.value is not None and rule.condition is not None:
        errors.add(loc, Msg("load.value_and_condition", rule=rid), rid)
    elif rule.value is None and rule.condition is None:
        errors.add(loc, Msg("load.value_or_condition", rule=rid), rid)
    elif rule.record and (rule.value is None or rule.operator is not None or rule.threshold is not None):
        errors.add(loc, Msg("load.record_rule", rule=rid), rid)
    elif rule.value is not None and not rule.record and (rule.operator is None or rule.threshold is None):
        errors.add(loc, Msg("load.value_needs_threshold", rule=rid), rid)


def seen_rule_ids(data) -> set:
    return {r["id"] for r in (data.get("rules") or [])}


def names_in(rule: Rule) -> set:
    """Every bare name used in a rule's expressions (fields, parameters, derived fields, rules)."""
    out = set()
    for _part, _stage, e in rule.exprs():
        stack = [e.node]
        while stack:
            n = stack.pop()
            if isinstance(n, _ast.Name):
                out.add(n.id)
            stack.extend(n.children())
    return out


def _check_removals(std: Standard, removed_here: list, errors: ErrorList) -> None:
    """A removed rule must not be used by a rule that stays (override that rule too)."""
    for rem in removed_here:
        users = [r for r in std.rules.values() if rem["id"] in names_in(r)]
        for r in users:
            errors.add(rem["origin"], Msg("load.removed_still_used", rule=rem["id"], user=r.id, at=str(r.origin)),
                       rem["id"])
