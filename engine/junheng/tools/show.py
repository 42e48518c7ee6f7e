"""``junheng show ID``: a resolved standard, every parameter and rule with where it was set.

For each parameter: the value in force at ``--as-of`` (or the open-ended one with no date), unit,
citation, source_status, effective range, the file:line that set it and what it overrode; every
version is listed. For each rule: its test in words, citation, effective range, origin and overrides.
"""
from __future__ import annotations

import os

from junheng.i18n import LANGS, t as tr
from junheng.formatting import fmt_num
from junheng.standard.loader import names_in
from junheng.standard.model import Parameter, Rule, Standard
from fnmatch import fnmatchcase
from rich.table import Table
import json
from junheng.standard.loader import load_standard
from junheng.standard.model import parse_date
from junheng.tools.changes import delta, delta_text, derived_parts, field_parts, rule_parts
from junheng.standard.provenance import source_status_label

LEVEL_KEYS = {"stage": "level.stage", "school": "level.school", "county": "level.county"}

# from the catalogue (junheng.messages)
_T_KEYS = {
    "params": "show.params", "rules": "show.rules", "removed": "show.removed", "id": "show.id",
    "name": "show.name", "value": "show.value", "unit": "show.unit", "citation": "show.citation",
    "status": "show.status", "effective": "show.effective", "set_at": "show.set_at", "overrode": "show.overrode",
    "level": "show.level", "test": "show.test", "chain": "show.chain", "as_of": "show.as_of",
    "not_in_force": "show.not_in_force", "reason": "show.reason", "std_window": "show.std_window",
    "std_not_in_force": "show.std_not_in_force", "versions": "show.versions",
}
T = {lang: {k: tr(lang, key) for k, key in _T_KEYS.items()} for lang in LANGS}


def rel_path(f) -> str:
    f = str(f)
    try:
        r = os.path.relpath(f)
        if not r.startswith(".."):
            return r
    except ValueError:
        pass
    return f


def rel(loc, sources: dict | None = None) -> str:
    """``file:line:col`` of the file it was really loaded from (``sources``: the chain's output name →
    real path), relative to the working folder when it is below it."""
    if loc is None:
        return ""
    f = rel_path((sources or {}).get(loc.file, loc.file))
    return f"{f}:{loc.line}:{loc.col}" if loc.line else f


def fmt_values(v) -> str:
    """A parameter version's value: ``45``, or per stage ``primary 45, junior 50``."""
    if v is None:
        return "—"
    if v.values is not None:
        return ", ".join(f"{s} {fmt_num(x)}" for s, x in v.values.items())
    return fmt_num(v.value)


STAGE_KEYS = {"primary": "stage.primary", "junior": "stage.junior", "senior": "stage.senior"}


def values_in(value, text: str, lang: str) -> str:
    """A per-stage value as a reader of ``lang`` writes it (小学 4.2、初中 5.3); others as ``text``."""
    if lang != "zh" or not isinstance(value, dict):
        return text
    return tr(lang, "sep.list").join(f"{tr(lang, STAGE_KEYS[s]) if s in STAGE_KEYS else s} {fmt_num(v)}"
                                     for s, v in value.items())


def value_json(v):
    if v is None:
        return None
    return dict(v.values) if v.values is not None else v.value


def rule_text(r: Rule) -> str:
    """The rule's test as written: ``value op threshold`` (per stage when it differs), or its condition."""
    def join(d):
        if not d:
            return ""
        if set(d) == {"*"}:
            return " ".join(d["*"].text.split())
        return "; ".join(f"{s}: {' '.join(e.text.split())}" for s, e in d.items())
    if r.kind == "threshold":
        return f"{join(r.value)} {r.operator} {join(r.threshold)}"
    if r.kind == "record":  # no limit: the value is recorded, never judged
        return f"{join(r.value)}（仅记录，不设限 / recorded, no limit）"
    return join(r.condition)


def param_entry(p: Parameter, as_of, sources: dict | None = None) -> dict:
    cur = p.in_force(as_of)
    return {
        "id": p.id, "name": p.name, "name_en": p.name_en, "unit": p.unit,
        "value": value_json(cur), "value_text": fmt_values(cur),
        "citation": str(cur.citation) if cur and cur.citation else (str(p.citation) if p.citation else ""),
        "source_status": (cur.source_status if cur else p.source_status) or "",
        "effective": cur.window.to_json() if cur else None,
        "set_at": rel(cur.origin if cur else p.origin, sources),
        "overrode": [rel(o, sources) for o in p.overrode],
        "versions": [{"value": value_json(v), "value_text": fmt_values(v), "effective": v.window.to_json(),
                      "citation": str(v.citation) if v.citation else "", "source_status": v.source_status,
                      "set_at": rel(v.origin, sources), "in_force": v is cur} for v in p.versions],
    }


def rule_entry(r: Rule, std: Standard, as_of, sources: dict | None = None) -> dict:
    used = names_in(r)
    return {
        "id": r.id, "name": r.name, "name_en": r.name_en, "level": r.level, "per_stage": r.per_stage,
        "stages": r.stages, "area": r.area, "kind": r.kind, "test": rule_text(r), "unit": r.unit,
        "operator": r.operator, "parameters": sorted(n for n in used if n in std.parameters),
        "rules": sorted(n for n in used if n in std.rules), "veto": r.veto,
        "citation": str(r.citation) if r.citation else "",
        "source_status": r.citation.source_status if r.citation else "",
        "effective": r.window.to_json(), "in_force": r.window.contains(as_of) if as_of is not None else True,
        "set_at": rel(r.origin, sources), "overrode": [rel(o, sources) for o in r.overrode],
        "applies_when": " ".join(r.applies_when.text.split()) if r.applies_when else None, "round": r.round,
    }


def resolve_view(std: Standard, as_of=None) -> dict:
    sources = {c.path: c.source for c in std.chain if c.source}
    return {
        "id": std.id, "title": std.title, "title_en": std.title_en, "version": std.version,
        "jurisdiction": std.jurisdiction.get("name", ""), "jurisdiction_en": std.jurisdiction.get("name_en", ""),
        "extends": std.extends,
        "chain": [{"id": c.id, "path": rel_path(c.source or c.path), "sha256": c.sha256} for c in std.chain],
        "effective": std.window.to_json(), "as_of": as_of.isoformat() if as_of else None,
        "standard_in_force": std.window.contains(as_of) if as_of is not None else True,
        "parameters": [param_entry(p, as_of, sources) for p in std.parameters.values()],
        "rules": [rule_entry(r, std, as_of, sources) for r in std.rules.values()],
        "removed": [{"id": d["id"], "reason": d["reason"], "citation": str(d["citation"]) if d["citation"] else "",
                     "set_at": rel(d["origin"], sources), "removed_from": rel(d.get("removed_from"),
                                                                              sources)} for d in std.removed],
    }


def only(view: dict, patterns) -> dict:
    """Keep the parameters and rules whose id matches one of the patterns (``G14``, ``G14*``)."""
    def keep(i):
        return any(fnmatchcase(i, p) for p in patterns)
    return dict(view, parameters=[p for p in view["parameters"] if keep(p["id"])],
                rules=[r for r in view["rules"] if keep(r["id"])],
                removed=[d for d in view["removed"] if keep(d["id"])],
                derived=[d for d in view.get("derived", []) if keep(d["id"])],
                fields=[f for f in view.get("fields", []) if keep(f["id"])])


def _window_text(w, lang="zh") -> str:
    if not w:
        return "—"
    if not w.get("from") and not w.get("to"):
        return tr(lang, "show.open")
    return f"{w['from'] or '…'} ~ {w['to'] or '…'}"


def with_parent(view: dict, std: Standard, parent: Standard | None, lang: str = "zh") -> dict:
    """Add what each override changes against the parent (``changed``), the derived values and the fields."""
    sources = {c.path: c.source for c in std.chain if c.source}
    for r in view["rules"]:
        old = parent.rules.get(r["id"]) if parent else None
        if old is not None and r["overrode"]:
            r["changed"] = delta_text(delta(rule_parts(old), rule_parts(std.rules[r["id"]])), lang) or \
                ("（只改了出处或说明）" if lang == "zh" else "(citation or description only)")
    view["derived"] = [dict(derived_parts(d), id=d.id, set_at=rel(d.origin, sources),
                            citation=str(d.citation) if d.citation else "",
                            overrode=[rel(o, sources) for o in d.overrode],
                            changed=(delta_text(delta(derived_parts(parent.derived[d.id]), derived_parts(d)), lang)
                                     if parent and d.id in parent.derived and d.overrode else None))
                       for d in std.derived.values()]
    view["fields"] = [dict(field_parts(f), id=f.id, table=t, set_at=rel(f.loc, sources) if f.loc else "",
                           overrode=[rel(o, sources) for o in f.overrode])
                      for t, defs in std.extra_fields.items() for f in defs.values()]
    return view


def render(view: dict, console, lang: str = "zh", all_versions: bool = True) -> None:
    _render_head(view, console, lang)
    _render_parameters(view, console, lang, all_versions)
    _render_rules(view, console, lang)
    if view.get("derived"):
        _render_derived(view, console, lang)
    if view.get("fields"):
        _render_fields(view, console, lang)
    if view["removed"]:
        t = T[lang]
        dt_ = Table(title=t["removed"])
        for col in ("id", "reason", "citation", "set_at"):
            dt_.add_column(t[col], overflow="fold")
        for d in view["removed"]:
            dt_.add_row(d["id"], d["reason"], d["citation"], d["set_at"])
        console.print(dt_)


def _render_head(view: dict, console, lang: str) -> None:
    t = T[lang]
    title = view["title_en"] if lang == "en" and view["title_en"] else view["title"]
    where = (view.get("jurisdiction_en") or view["jurisdiction"]) if lang == "en" else view["jurisdiction"]
    which = tr(lang, "paren", x=where + tr(lang, "sep.comma") + view["version"])
    console.print(f"[bold]{view['id']}[/]  {title}" + which,
                  highlight=False)
    console.print(f"{t['chain']}: " + " → ".join(f"{c['id']} ({c['path']})" for c in view["chain"]), highlight=False)
    console.print(f"{t['std_window']}: {_window_text(view['effective'], lang)}    {t['as_of']}: {view['as_of'] or '—'}",
                  highlight=False)
    if not view["standard_in_force"]:
        console.print(f"[yellow]{t['std_not_in_force']}[/]")


def _render_parameters(view: dict, console, lang: str, all_versions: bool) -> None:
    t = T[lang]
    pt = Table(title=t["params"], show_lines=True)
    for col in ("id", "name", "value", "unit", "citation", "status", "effective", "set_at", "overrode"):
        pt.add_column(t[col], overflow="fold")
    for p in view["parameters"]:
        name = p["name_en"] if lang == "en" and p["name_en"] else p["name"]
        value = values_in(p["value"], p["value_text"], lang) if p["value"] is not None else f"— {t['not_in_force']}"
        if all_versions and len(p["versions"]) > 1:
            value += "\n" + "\n".join(f"{'▶' if v['in_force'] else '·'} "
                                      f"{values_in(v['value'], v['value_text'], lang)}  "
                                      f"[{_window_text(v['effective'], lang)}]  {v['set_at']}" for v in p["versions"])
        pt.add_row(p["id"], name, value, p["unit"], p["citation"], source_status_label(p["source_status"], lang),
                   _window_text(p["effective"], lang), p["set_at"], "\n".join(p["overrode"]) or "")
    console.print(pt)


def _rule_test(r: dict, lang: str) -> str:
    """A rule's test with its applicability, stages, rounding and veto, one per line."""
    test = r["test"]
    if r.get("applies_when"):
        test += ("\n适用条件：" if lang == "zh" else "\napplies when: ") + r["applies_when"]
    if r.get("stages"):
        test += ("\n适用学段：" if lang == "zh" else "\nstages: ") + ", ".join(r["stages"])
    if r.get("round") is not None:
        test += (f"\n取整：{r['round']} 位（四舍五入）" if lang == "zh" else f"\nrounded to {r['round']} digits")
    if r.get("veto"):
        test += "\n一票否决" if lang == "zh" else "\nveto"
    return test


def _render_rules(view: dict, console, lang: str) -> None:
    t = T[lang]
    rt = Table(title=t["rules"], show_lines=True)
    for col in ("id", "name", "level", "test", "citation", "status", "effective", "set_at", "overrode"):
        rt.add_column(t[col], overflow="fold")
    for r in view["rules"]:
        name = r["name_en"] if lang == "en" and r["name_en"] else r["name"]
        level = tr(lang, LEVEL_KEYS[r["level"]]) if r["level"] in LEVEL_KEYS else r["level"]
        if r["per_stage"]:
            level += tr(lang, "show.per_stage")
        eff = _window_text(r["effective"], lang) + ("" if r["in_force"] else f" {t['not_in_force']}")
        over = "\n".join(r["overrode"])
        if r.get("changed"):
            over = (("改动：" if lang == "zh" else "changes: ") + r["changed"] + "\n" + over).strip()
        rt.add_row(r["id"], name, level, _rule_test(r, lang), r["citation"],
                   source_status_label(r["source_status"], lang), eff, r["set_at"], over)
    console.print(rt)


def _render_derived(view: dict, console, lang: str) -> None:
    dt2 = Table(title="派生值" if lang == "zh" else "Derived values", show_lines=True)
    for col in (("编号", "id"), ("名称", "name"), ("层级", "level"), ("类型", "type"), ("表达式", "expression"),
                ("出处", "citation"), ("设定于", "set at"), ("覆盖了", "overrode")):
        dt2.add_column(col[0] if lang == "zh" else col[1], overflow="fold")
    for d in view["derived"]:
        over = "\n".join(d["overrode"])
        if d.get("changed"):
            over = (("改动：" if lang == "zh" else "changes: ") + d["changed"] + "\n" + over).strip()
        elif d["overrode"]:
            over = ("（表达式与上级相同）\n" if lang == "zh" else "(same expression as the parent)\n") + over
        dt2.add_row(d["id"], d["name"],
                    tr(lang, LEVEL_KEYS[d["level"]]) if d["level"] in LEVEL_KEYS else d["level"],
                    ("条件" if d["type"] == "condition" else "数值") if lang == "zh" else d["type"],
                    d["expr"] or "", d["citation"], d["set_at"], over)
    console.print(dt2)


def _render_fields(view: dict, console, lang: str) -> None:
    ft = Table(title="本标准定义的数据字段" if lang == "zh" else "Fields defined by the standard", show_lines=True)
    for col in (("编号", "id"), ("表", "table"), ("名称", "label"), ("类型", "type"), ("单位", "unit"),
                ("取值范围", "values"), ("设定于", "set at"), ("覆盖了", "overrode")):
        ft.add_column(col[0] if lang == "zh" else col[1], overflow="fold")
    for f in view["fields"]:
        ft.add_row(f["id"], f["table"], f["label"], f["type"], f["unit"], "、".join(f["values"]), f["set_at"],
                   "\n".join(f["overrode"]))
    console.print(ft)


def cli(out, err, args, dirs, lang) -> int:
    day = parse_date(args.as_of) if args.as_of else None
    std = load_standard(args.standard, dirs)
    parent = load_standard(std.extends, dirs) if std.extends else None
    view = with_parent(resolve_view(std, day), std, parent, lang)
    if getattr(args, "only", None):
        view = only(view, args.only)
    if args.format == "json":
        print(json.dumps(view, ensure_ascii=False, indent=2, default=str))
    else:
        render(view, out, lang)
    return 0
