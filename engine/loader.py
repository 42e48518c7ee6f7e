"""Load standard files: YAML → schema check → model, following ``extends`` chains.

All mistakes are collected and raised together as a :class:`StandardError` (``file:line:col``).
"""
from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import jsonschema

from .catalogue import field_from_yaml
from .errors import ErrorList, Loc, StandardError
from .paths import schemas_dir
from .registry import resolve_standard
from .standard import (Citation, Derived, Parameter, ParamVersion, Rule, Standard, ChainFile, Window,
                       parse_date, parse_expr, parse_stage_exprs, sha256_file)
from .yamlsafe import LocDict, LocList, load_yaml_file

MAX_CHAIN = 8


@lru_cache(maxsize=1)
def _schema_validator():
    schema = json.loads((schemas_dir() / "standard.schema.json").read_text(encoding="utf-8"))
    return jsonschema.Draft202012Validator(schema)


def _loc_at(data, path) -> Loc:
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


def _schema_message(err) -> str:
    v = err.validator
    if v == "required":
        return f"缺少必填项 / missing required key: {err.message.split(' ')[0]}"
    if v == "additionalProperties":
        return f"未知的键 / unknown key: {err.message}"
    if v == "enum":
        return f"取值不在允许范围内 {err.validator_value} / value not allowed: {err.instance!r}"
    if v == "type":
        return f"类型错误，应为 {err.validator_value} / wrong type: {err.instance!r}"
    if v == "pattern":
        return f"格式不符合 {err.validator_value} / bad format: {err.instance!r}"
    return err.message


def _collect_schema_errors(data, filename) -> ErrorList:
    errors = ErrorList()
    for err in sorted(_schema_validator().iter_errors(data), key=lambda e: list(map(str, e.absolute_path))):
        if err.validator in ("oneOf", "anyOf") and err.context:
            # report the most relevant sub-error
            best = max(err.context, key=lambda e: len(e.absolute_path))
            loc = _loc_at(data, list(err.absolute_path) + list(best.absolute_path))
            errors.add(loc or Loc(filename), _schema_message(best))
            continue
        loc = _loc_at(data, list(err.absolute_path))
        path = "/".join(str(p) for p in err.absolute_path)
        errors.add(loc or Loc(filename), f"{_schema_message(err)} (at {path or 'top level'})")
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


def load_standard(ref: str, search_dirs=(), _seen=None) -> Standard:
    """Load a standard by id or path, resolving its whole ``extends`` chain."""
    path = resolve_standard(ref, search_dirs)
    return _load_path(path, search_dirs, _seen or [])


def _load_path(path: Path, search_dirs, seen: list) -> Standard:
    display = str(path)
    data = load_yaml_file(path, display)
    errors = ErrorList()
    if not isinstance(data, LocDict):
        errors.add(Loc(display, 1, 1), "标准文件必须是一个映射（键: 值）/ a standard file must be a mapping")
        errors.raise_if_any()
    errors.extend(_collect_schema_errors(data, display))
    errors.raise_if_any()

    parent = None
    if data.get("extends"):
        ref = data["extends"]
        if ref in seen or len(seen) >= MAX_CHAIN:
            errors.add(data.loc_of("extends"), f"继承链出现循环或过长 / extends cycle or chain too long: {' → '.join(seen + [ref])}")
            errors.raise_if_any()
        try:
            parent = load_standard(ref, search_dirs, seen + [data["id"]])
        except StandardError as exc:
            if any(e.loc.file != display for e in exc.errors) and "找不到" in str(exc):
                errors.add(data.loc_of("extends"), f"找不到被继承的标准 / cannot find extended standard '{ref}'", ref)
                errors.raise_if_any()
            raise

    std = _build(data, display, parent, errors)
    std.path = display
    std.chain = (parent.chain if parent else []) + [ChainFile(std.id, display, sha256_file(path))]
    errors.raise_if_any()
    return std


def _build(data: LocDict, display: str, parent: Standard | None, errors: ErrorList) -> Standard:
    text_lines = Path(display).read_text(encoding="utf-8").splitlines() if Path(display).exists() else []
    documents = dict(parent.documents) if parent else {}
    for doc_id, spec in (data.get("documents") or {}).items():
        documents[doc_id] = dict(spec)

    std = Standard(
        id=data["id"], title=data["title"], title_en=data.get("title_en", ""), version=str(data["version"]),
        jurisdiction=dict(data["jurisdiction"]), document=dict(data.get("document") or {}),
        window=_window(data.get("effective")), extends=data.get("extends"), documents=documents,
        loc=data.loc,
    )
    if parent:
        std.stages = dict(parent.stages)
        std.school_types = dict(parent.school_types)
        std.stage_weights = dict(parent.stage_weights)
        std.stage_weights_citation = parent.stage_weights_citation
        std.rounding_mode, std.tolerance = parent.rounding_mode, parent.tolerance
        std.extra_fields = {t: dict(d) for t, d in parent.extra_fields.items()}
        std.inputs = {t: list(v) for t, v in parent.inputs.items()}
        std.parameters = dict(parent.parameters)
        std.derived = dict(parent.derived)
        std.rules = dict(parent.rules)
        std.removed = list(parent.removed)

    for stage, spec in (data.get("stages") or {}).items():
        std.stages[stage] = dict(spec)
    for stype, stages in (data.get("school_types") or {}).items():
        std.school_types[stype] = list(stages)
    sw = data.get("stage_weights")
    if sw:
        for stype, weights in (sw.get("weights") or {}).items():
            std.stage_weights[stype] = dict(weights)
        std.stage_weights_citation = _citation(sw.get("citation"), documents) or std.stage_weights_citation
    rounding = data.get("rounding") or {}
    std.rounding_mode = rounding.get("mode", std.rounding_mode)
    std.tolerance = float(rounding.get("relative_tolerance", std.tolerance))

    for table, defs in (data.get("fields") or {}).items():
        for fid, spec in defs.items():
            std.extra_fields.setdefault(table, {})[fid] = field_from_yaml(fid, spec, table, defs.loc_of(fid))
    for table, ids in (data.get("inputs") or {}).items():
        cur = std.inputs.setdefault(table, [])
        cur.extend(i for i in ids if i not in cur)

    _merge_parameters(std, data.get("parameters") or {}, documents, errors)
    for did, spec in (data.get("derived") or {}).items():
        expr = parse_stage_exprs(spec, "expr", text_lines, errors)
        std.derived[did] = Derived(did, spec["level"], expr or {}, spec.get("name", ""), spec.get("name_en", ""),
                                   spec.get("unit", ""), (data["derived"]).key_loc(did))
    _merge_rules(std, data.get("rules") or [], documents, text_lines, errors)

    for i, rem in enumerate(data.get("remove_rules") or []):
        loc = data["remove_rules"].item_locs[i]
        if rem["id"] not in std.rules:
            errors.add(loc, f"要删除的规则不存在 / cannot remove unknown rule '{rem['id']}'", rem["id"])
            continue
        del std.rules[rem["id"]]
        std.removed.append({"id": rem["id"], "reason": rem["reason"], "citation": _citation(rem["citation"], documents),
                            "origin": loc})
    return std


def _merge_parameters(std: Standard, params: dict, documents, errors: ErrorList) -> None:
    for pid, spec in params.items():
        loc = params.key_loc(pid)
        old = std.parameters.get(pid)
        citation = _citation(spec.get("citation"), documents)
        status = spec.get("source_status") or (citation.source_status if citation else "")
        versions = []
        has_direct = "value" in spec or "values" in spec
        if has_direct and "versions" in spec:
            errors.add(loc, f"参数 '{pid}' 不能同时给出 value/values 和 versions / give either value(s) or versions", pid)
        if "value" in spec and "values" in spec:
            errors.add(loc, f"参数 '{pid}' 不能同时给出 value 和 values / give value or values, not both", pid)
        if has_direct:
            versions.append(ParamVersion(spec.get("value"), dict(spec["values"]) if "values" in spec else None,
                                         _window(None), citation, status, loc, spec.get("note", "")))
        for i, v in enumerate(spec.get("versions") or []):
            vloc = spec["versions"].item_locs[i]
            vc = _citation(v.get("citation"), documents) or citation
            versions.append(ParamVersion(v.get("value"), dict(v["values"]) if "values" in v else None,
                                         _window(v.get("effective")), vc,
                                         v.get("source_status") or (vc.source_status if vc else status), vloc,
                                         v.get("note", "")))
        if old is None:
            if not versions:
                errors.add(loc, f"参数 '{pid}' 没有取值 / parameter '{pid}' has no value", pid)
            if citation is None and not any(v.citation for v in versions):
                errors.add(loc, f"参数 '{pid}' 缺少出处 citation / parameter '{pid}' needs a citation", pid)
            std.parameters[pid] = Parameter(pid, spec.get("name", ""), spec.get("name_en", ""), spec.get("unit", ""),
                                            versions, citation, status, spec.get("note", ""), loc)
        else:
            if versions and citation is None and not all(v.citation for v in versions):
                errors.add(loc, f"覆盖参数 '{pid}' 必须给出出处 citation / an override of '{pid}' needs a citation", pid)
            new = Parameter(pid, spec.get("name", old.name), spec.get("name_en", old.name_en),
                            spec.get("unit", old.unit), versions or old.versions, citation or old.citation,
                            status or old.source_status, spec.get("note", old.note), loc,
                            old.overrode + [old.origin])
            std.parameters[pid] = new


_RULE_SCALARS = ("level", "name", "name_en", "per_stage", "area", "description", "unit", "operator", "round",
                 "veto", "note")


def _merge_rules(std: Standard, rules: LocList, documents, lines, errors: ErrorList) -> None:
    seen = {}
    for i, spec in enumerate(rules):
        loc = rules.item_locs[i]
        rid = spec["id"]
        if rid in seen:
            errors.add(loc, f"规则 '{rid}' 重复定义（第一次在第 {seen[rid].line} 行）/ duplicate rule id", rid)
            continue
        seen[rid] = loc
        old = std.rules.get(rid)
        citation = _citation(spec.get("citation"), documents)
        if old is not None and citation is None:
            errors.add(loc, f"覆盖规则 '{rid}' 必须给出出处 citation / an override of rule '{rid}' needs a citation", rid)
        rule = Rule(rid, spec.get("level", old.level if old else "stage"), spec.get("name", old.name if old else ""),
                    citation or (old.citation if old else None))
        if old is not None:
            for attr in _RULE_SCALARS + ("stages", "value", "threshold", "condition", "applies_when", "window"):
                setattr(rule, attr, getattr(old, attr))
            rule.overrode = old.overrode + [old.origin]
        for attr in _RULE_SCALARS:
            if attr in spec:
                setattr(rule, attr, spec[attr])
        if "stages" in spec:
            rule.stages = list(spec["stages"])
        for part in ("value", "threshold", "condition"):
            if part in spec:
                setattr(rule, part, parse_stage_exprs(spec, part, lines, errors) or {})
        if "applies_when" in spec:
            rule.applies_when = parse_expr(spec, "applies_when", lines, errors)
        if "effective" in spec:
            rule.window = _window(spec["effective"])
        rule.origin = loc
        if old is None:
            for key in ("level", "name", "citation"):
                if key not in spec:
                    errors.add(loc, f"规则 '{rid}' 缺少 {key} / rule '{rid}' needs '{key}'", rid)
        if rule.value is not None and rule.condition is not None:
            errors.add(loc, f"规则 '{rid}' 不能同时有 value 和 condition / a rule has value+operator+threshold or a condition", rid)
        elif rule.value is None and rule.condition is None:
            errors.add(loc, f"规则 '{rid}' 需要 value+operator+threshold 或 condition / rule needs value or condition", rid)
        elif rule.value is not None and (rule.operator is None or rule.threshold is None):
            errors.add(loc, f"规则 '{rid}' 有 value 但缺少 operator 或 threshold / value needs operator and threshold", rid)
        std.rules[rid] = rule
