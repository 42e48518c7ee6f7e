"""What a standard changes against its parent, part by part (issue 21): used by ``junheng show`` (an
override shows how it differs from the rule it replaces, not the parent's formula) and by ``junheng diff``
(fields and derived values, besides parameters and rules)."""
from __future__ import annotations

from junheng.standard.catalogue import load_catalogue


def expr_text(d) -> str | None:
    """A stage expression dict as one line: ``x`` or ``primary: x; junior: y``; None when absent."""
    if not d:
        return None
    if set(d) == {"*"}:
        return " ".join(d["*"].text.split())
    return "; ".join(f"{s}: {' '.join(e.text.split())}" for s, e in d.items())


def rule_parts(r) -> dict:
    return {"value": expr_text(r.value), "operator": r.operator, "threshold": expr_text(r.threshold),
            "condition": expr_text(r.condition),
            "applies_when": " ".join(r.applies_when.text.split()) if r.applies_when else None,
            "stages": list(r.stages) if r.stages else None, "name": r.name, "round": r.round, "veto": r.veto,
            "record": r.record, "effective": str(r.window)}


def derived_parts(d) -> dict:
    return {"level": d.level, "type": "condition" if d.kind == "bool" else "number", "expr": expr_text(d.expr),
            "name": d.name, "unit": d.unit}


def field_parts(f) -> dict:
    return {"type": f.type, "label": f.label, "unit": f.unit, "values": list(f.values),
            "per_stage": list(f.per_stage), "split": f.split}


PART_ZH = {"value": "数值", "operator": "比较", "threshold": "阈值", "condition": "条件", "applies_when": "适用条件",
           "stages": "适用学段", "name": "名称", "round": "取整位数", "veto": "一票否决", "record": "仅记录",
           "effective": "生效期", "level": "层级", "type": "类型", "expr": "表达式", "unit": "单位", "label": "名称",
           "values": "取值范围", "per_stage": "分学段", "split": "拆分"}


def show_value(v, lang="zh") -> str:
    if v is None or v == [] or v == "":
        return "（无）" if lang == "zh" else "(none)"
    if isinstance(v, list):
        return "、".join(map(str, v)) if lang == "zh" else ", ".join(map(str, v))
    return str(v)


def delta(a: dict, b: dict) -> list:
    """[(part, old, new)] for the parts that differ."""
    return [(k, a.get(k), b.get(k)) for k in b if a.get(k) != b.get(k)]


def delta_text(items, lang="zh") -> str:
    sep = "；" if lang == "zh" else "; "
    return sep.join(f"{PART_ZH.get(k, k) if lang == 'zh' else k}：{show_value(x, lang)} → {show_value(y, lang)}"
                    for k, x, y in items)


def _changes(kind_zh, kind, ids_a: dict, ids_b: dict, parts, lang) -> list:
    out = []
    for oid in list(ids_a) + [i for i in ids_b if i not in ids_a]:
        x, y = ids_a.get(oid), ids_b.get(oid)
        if x is None:
            pb = parts(y)
            words = (f"新增{kind_zh} {oid}：" if lang == "zh" else f"new {kind} {oid}: ") + \
                delta_text([(k, None, v) for k, v in pb.items() if v not in (None, "", [], False)], lang)
            out.append({"id": oid, "change": "added", "b": pb, "words": words})
        elif y is None:
            out.append({"id": oid, "change": "removed", "a": parts(x),
                        "words": f"删除{kind_zh} {oid}" if lang == "zh" else f"{kind} {oid} removed"})
        else:
            d = delta(parts(x), parts(y))
            if d:
                out.append({"id": oid, "change": "changed", "what": [k for k, _a, _b in d], "a": parts(x),
                            "b": parts(y), "words": (f"{kind_zh} {oid}：" if lang == "zh" else f"{kind} {oid}: ")
                            + delta_text(d, lang)})
    return out


def field_changes(a, b, lang="zh") -> list:
    """Fields a standard defines or redefines (``fields:``), school and county tables."""
    out = []
    for table in ("school", "county"):
        fa, fb = dict(a.extra_fields.get(table, {})), dict(b.extra_fields.get(table, {}))
        for one, other in ((fa, fb), (fb, fa)):  # a redefined catalogue field is compared with the catalogue's
            for fid in other:
                if fid not in one and load_catalogue().get(table, fid) is not None:
                    one[fid] = load_catalogue().get(table, fid)
        tz = {"school": "学校", "county": "区县"}[table]
        for c in _changes(f"{tz}字段", f"{table} field", fa, fb, field_parts, lang):
            c["table"] = table
            out.append(c)
    return out


def derived_changes(a, b, lang="zh") -> list:
    return _changes("派生值", "derived value", a.derived, b.derived, derived_parts, lang)


def citation_changes(a, day_a, b, day_b, lang="zh") -> list:
    """Items whose value and wording are the same but whose citation differs (a province citing its own text
    for a value equal to the parent's): not a semantic change, listed so that the diff never says 'identical'."""
    out = []
    for pid, pb in b.parameters.items():
        pa = a.parameters.get(pid)
        va, vb = (pa.in_force(day_a) if pa else None), pb.in_force(day_b)
        if pa is None or va is None or vb is None:
            continue
        ca, cb = str(va.citation or pa.citation or ""), str(vb.citation or pb.citation or "")
        if ca != cb:
            out.append({"id": pid, "kind": "parameter", "a": ca, "b": cb})
    for kind, da, db in (("derived", a.derived, b.derived), ("rule", a.rules, b.rules)):
        for oid, y in db.items():
            x = da.get(oid)
            if x is None:
                continue
            ca, cb = str(x.citation or ""), str(y.citation or "")
            if ca != cb:
                out.append({"id": oid, "kind": kind, "a": ca, "b": cb})
    for c in out:
        c["words"] = (f"{c['id']}：出处 {c['a'] or '（无）'} → {c['b']}" if lang == "zh" else
                      f"{c['id']}: citation {c['a'] or '(none)'} → {c['b']}")
    return out
