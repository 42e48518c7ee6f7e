"""What a standard changes against its parent, part by part (issue 21): used by ``junheng show`` (an
override shows how it differs from the rule it replaces, not the parent's formula) and by ``junheng diff``
(fields and derived values, besides parameters and rules)."""
from __future__ import annotations

from junheng.i18n import t
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


PART_KEYS = {"value": "part.value", "operator": "part.operator", "threshold": "part.threshold",
             "condition": "part.condition", "applies_when": "part.applies_when", "stages": "part.stages",
             "name": "part.name", "round": "part.round", "veto": "part.veto", "record": "part.record",
             "effective": "part.effective", "level": "part.level", "type": "part.type", "expr": "part.expr",
             "unit": "part.unit", "label": "part.label", "values": "part.values", "per_stage": "part.per_stage",
             "split": "part.split"}


def show_value(v, lang="zh") -> str:
    if v is None or v == [] or v == "":
        return t(lang, "chg.none")
    if isinstance(v, list):
        return t(lang, "sep.list").join(map(str, v))
    return str(v)


def delta(a: dict, b: dict) -> list:
    """[(part, old, new)] for the parts that differ."""
    return [(k, a.get(k), b.get(k)) for k in b if a.get(k) != b.get(k)]


def delta_text(items, lang="zh") -> str:
    return t(lang, "sep.clause").join(
        t(lang, "chg.part", part=t(lang, PART_KEYS[k]) if k in PART_KEYS else k, a=show_value(x, lang),
          b=show_value(y, lang)) for k, x, y in items)


def _changes(kind_key: str, ids_a: dict, ids_b: dict, parts, lang) -> list:
    kind = t(lang, kind_key)
    out = []
    for oid in list(ids_a) + [i for i in ids_b if i not in ids_a]:
        x, y = ids_a.get(oid), ids_b.get(oid)
        if x is None:
            pb = parts(y)
            words = t(lang, "chg.added", kind=kind, id=oid) + \
                delta_text([(k, None, v) for k, v in pb.items() if v not in (None, "", [], False)], lang)
            out.append({"id": oid, "change": "added", "b": pb, "words": words})
        elif y is None:
            out.append({"id": oid, "change": "removed", "a": parts(x),
                        "words": t(lang, "chg.removed", kind=kind, id=oid)})
        else:
            d = delta(parts(x), parts(y))
            if d:
                out.append({"id": oid, "change": "changed", "what": [k for k, _a, _b in d], "a": parts(x),
                            "b": parts(y), "words": t(lang, "chg.changed", kind=kind, id=oid) + delta_text(d, lang)})
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
        kind_key = {"school": "chg.school_field", "county": "chg.county_field"}[table]
        for c in _changes(kind_key, fa, fb, field_parts, lang):
            c["table"] = table
            out.append(c)
    return out


def derived_changes(a, b, lang="zh") -> list:
    return _changes("chg.derived", a.derived, b.derived, derived_parts, lang)


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
        c["words"] = t(lang, "chg.citation", id=c["id"], a=c["a"] or t(lang, "chg.none"), b=c["b"])
    return out
