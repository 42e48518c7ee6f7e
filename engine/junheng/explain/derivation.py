"""Explanations: the derivation of every verdict of one subject, built from the stored arrays.

For a school stage: each rule's expression, the input values, derived values, the computed value,
the threshold and the parameter it came from, the outcome, the margin and the citation. For a
county: its rules, and for each coefficient of variation the schools that contribute most to the
dispersion; then the failing schools with their failing indicators.
"""
from __future__ import annotations

import numpy as np

from junheng.standard.checker import USABLE
from junheng.i18n import OUTCOME_LABELS, t
from junheng.formatting import fmt_num
from junheng.evaluation.logic import ABSENT, FAIL, NOT_EVALUABLE, OUTCOME_NAMES
from junheng.evaluation.run import Run
from junheng.verdicts.assemble import margin_of
from junheng.explain.counterfactual import row_counterfactuals
from junheng.explain.dispersion import cv_contributions, number_or_text as _f
from junheng.standard.provenance import rule_provenance, short_text
from junheng.version import __version__
from rich.markup import escape
from rich.tree import Tree


class NotFound(Exception):
    pass


def _param_info(run: Run, pid, row_stage, lang: str = "zh"):
    p = run.standard.parameters.get(pid)
    if p is None:
        return None
    v = p.in_force(run.as_of)
    return {"id": pid, "name": (p.name_en or p.name) if lang == "en" else p.name, "unit": p.unit,
            "value": v.value_for(row_stage) if v else None,
            "source_status": (v.source_status if v else p.source_status),
            "citation": str(v.citation or p.citation) if v and (v.citation or p.citation) else None,
            "set_at": str(v.origin if v else p.origin), "effective": str(v.window) if v else None,
            "overrode": [str(o) for o in p.overrode if o]}


def _rule_node(run: Run, rid: str, row: int, lang: str, stage=None) -> dict:
    ev = run.evaluator
    rule = run.standard.rules[rid]
    res = ev.results[rid]
    space = res.space
    o = int(res.outcome[row])
    node = {"rule_id": rid, "name": rule.name_en if lang == "en" and rule.name_en else rule.name,
            "outcome": OUTCOME_NAMES.get(o, "absent"), "citation": str(rule.citation) if rule.citation else None,
            "source_status": rule.citation.source_status if rule.citation else None,
            "defined_at": str(rule.origin)}
    node["reason"] = _verdict_reason(run, rid, row)
    if res.value is not None:
        exprs = rule.value
        e = exprs.get(stage) or exprs.get("*")
        node["expression"] = e.text.strip()
        node["operator"] = rule.operator
        node["value"] = _f(res.value[row])
        if rule.round is not None:
            node["raw_value"] = _f(res.raw_value[row])
            node["rounding"] = t(lang, "explain.rounding", places=rule.round)
        node["threshold"] = _f(res.threshold[row]) if res.threshold is not None else None
        node["unit"] = rule.unit
        m = margin_of(res, [row])
        node["margin"] = _f(m[0]) if m is not None else None
        pid = res.threshold_param[row] if res.threshold_param is not None else None
        if pid:
            node["threshold_source"] = _param_info(run, pid, stage, lang)
    else:
        cond = rule.condition.get(stage) or rule.condition.get("*")
        node["expression"] = cond.text.strip()
    # inputs and derived values
    names = sorted(f for f in run.compiled.inputs.get(rid, ()) if ev.t.get(f) and ev.t.get(f).level in USABLE[space]
                   and not (ev.t.get(f).needs_stage and space not in ("stage", "county_stage")))
    node["inputs"] = {f: _f(ev.field_array(f, space)[row]) for f in names}
    derived = {}
    for d in sorted(run.compiled.deps[rid].derived):
        dd = run.standard.derived[d]
        if dd.level in USABLE[space]:
            e = dd.expr.get(stage) or dd.expr.get("*")
            derived[d] = {"name": (dd.name_en or dd.name) if lang == "en" else dd.name,
                          "expression": e.text.strip() if e else "",
                          "value": _f(ev.derived_array(d, space)[row])}
    if derived:
        node["derived"] = derived
    if space == "stage":
        split = _split_note(run, row, lang)
        if split:
            node["split"] = split
    if "weighted_cv" in node.get("expression", "") and space in ("county_stage", "county"):
        node["dispersion"] = cv_contributions(run, rule, row, lang)
    # smallest change of one input that would flip a failing verdict, and where the rule came from
    cached = run.cache.get("counterfactuals", {}).get(lang)
    if cached is not None:  # a report already computed them all
        cf = cached.get(rid, {}).get(int(row))
    else:  # only this row (on its county alone for a big run): explain of one school stays fast
        cf = row_counterfactuals(run.evaluator, rule, int(row), lang)
    if cf:
        node["counterfactual"] = cf
    node["provenance"] = rule_provenance(run, rule)
    return node


def _verdict_position(run: Run, rid: str, row: int):
    """Where the verdict of (rule, row) sits in run.verdicts: verdicts are laid out rule by rule in
    compiled order, and within a rule in unit order (absent rows skipped). Computed once per run."""
    index = run.cache.get("verdict_index")
    if index is None:
        index, pos = {}, 0
        for r in run.compiled.rules:
            keep = run.evaluator.results[r.id].outcome != ABSENT
            index[r.id] = (pos, np.cumsum(keep) - 1, keep)
            pos += int(keep.sum())
        run.cache["verdict_index"] = index
    start, rank, keep = index[rid]
    return start + int(rank[row]) if keep[row] else None


def _verdict_reason(run: Run, rid: str, row: int) -> str:
    pos = _verdict_position(run, rid, row)
    return run.reason_at(pos) if pos is not None else ""


def _split_note(run: Run, row: int, lang: str = "zh"):
    sp = run.spaces
    share = sp.u_share[row]
    if share == 1.0 or np.isnan(share):
        return None
    school = sp.u_school[row]
    stype = sp.schools["school_type"].iloc[school]
    return {"school_type": stype, "weights": run.standard.stage_weights.get(stype),
            "share": _f(share), "note": t(lang, "explain.split_note")}


def explain_school(run: Run, school_id: str, stage: str | None = None, lang: str = "zh") -> dict:
    sp = run.spaces
    ids = sp.schools["school_id"].to_numpy(dtype=object)
    hits = np.flatnonzero(ids == school_id)
    if not len(hits):
        rej = [r for r in run.rejected if r.get("id") == school_id]
        if rej:
            raise NotFound(t(lang, "explain.school_rejected", school=school_id, reason=rej[0]["reason"],
                             file=rej[0]["file"], row=rej[0]["row"]))
        raise NotFound(t(lang, "explain.no_school", school=school_id))
    s = hits[0]
    units = np.flatnonzero(sp.u_school == s)
    stages = [sp.stages[sp.u_stage[u]] for u in units]
    if stage is not None:
        if stage not in stages:
            raise NotFound(t(lang, "explain.no_stage", school=school_id, stage=stage,
                             stages=t(lang, "sep.list").join(stages)))
        units = [u for u in units if sp.stages[sp.u_stage[u]] == stage]
    out = {"subject": "school", "school_id": school_id, "school_name": sp.schools["school_name"].iloc[s]
           if "school_name" in sp.schools else None, "county_id": sp.counties["county_id"].iloc[sp.s_county[s]],
           "school_type": sp.schools["school_type"].iloc[s] if "school_type" in sp.schools else None,
           "stages": []}
    for u in units:
        st = sp.stages[sp.u_stage[u]]
        rules = [_rule_node(run, r.id, u, lang, st) for r in run.compiled.rules
                 if r.space == "stage" and run.evaluator.results[r.id].outcome[u] != ABSENT]
        out["stages"].append({"stage": st, "label": run.standard.stage_label(st, lang), "rules": rules})
    school_rules = [_rule_node(run, r.id, s, lang) for r in run.compiled.rules if r.space == "school"
                    and run.evaluator.results[r.id].outcome[s] != ABSENT]
    if school_rules:
        out["school_rules"] = school_rules
    out["provenance"] = provenance(run)
    return out


def explain_county(run: Run, county_id: str, lang: str = "zh") -> dict:
    sp = run.spaces
    ids = sp.counties["county_id"].to_numpy(dtype=object)
    hits = np.flatnonzero(ids == county_id)
    if not len(hits):
        raise NotFound(t(lang, "explain.no_county", county=county_id))
    c = hits[0]
    ev = run.evaluator
    out = {"subject": "county", "county_id": county_id,
           "county_name": sp.counties["county_name"].iloc[c] if "county_name" in sp.counties else None,
           "county_rules": [], "stage_rules": [], "failing_units": []}
    for r in run.compiled.rules:
        if r.space == "county":
            out["county_rules"].append(_rule_node(run, r.id, c, lang))
        elif r.space == "county_stage":
            for row in np.flatnonzero(sp.cs_county == c):
                st = sp.stages[sp.cs_stage[row]]
                if ev.results[r.id].outcome[row] != ABSENT:
                    node = _rule_node(run, r.id, row, lang, st)
                    node["stage"] = st
                    out["stage_rules"].append(node)
    # the stage units in the county that fail or cannot be evaluated, with the rules concerned
    units = np.flatnonzero(sp.u_county == c)
    stage_rules = [r for r in run.compiled.rules if r.space == "stage"]
    for u in units:
        bad = [(r.id, OUTCOME_NAMES[int(ev.results[r.id].outcome[u])]) for r in stage_rules
               if ev.results[r.id].outcome[u] in (FAIL, NOT_EVALUABLE)]
        if bad:
            out["failing_units"].append({"school_id": sp.schools["school_id"].iloc[sp.u_school[u]],
                                         "school_name": sp.schools["school_name"].iloc[sp.u_school[u]],
                                         "stage": sp.stages[sp.u_stage[u]], "rules": bad})
    school_rules = [r for r in run.compiled.rules if r.space == "school"]
    for si in np.flatnonzero(sp.s_county == c):
        bad = [(r.id, OUTCOME_NAMES[int(ev.results[r.id].outcome[si])]) for r in school_rules
               if ev.results[r.id].outcome[si] in (FAIL, NOT_EVALUABLE)]
        if bad:
            out["failing_units"].append({"school_id": sp.schools["school_id"].iloc[si],
                                         "school_name": sp.schools["school_name"].iloc[si],
                                         "stage": None, "rules": bad})
    out["chain"] = _chain(run)
    out["provenance"] = provenance(run)
    return out


def _chain(run: Run) -> list:
    """The county rules as a tree: the overall verdict, the rules it depends on, and so on down;
    a rule over schools (all(G3_school)) names the finer rules whose failing units explain it."""
    order = {r.id: i for i, r in enumerate(run.compiled.rules)}
    county_level = {r.id for r in run.compiled.rules if r.space in ("county", "county_stage")}
    used = set()

    def node(rid, depth=0):
        deps = sorted(run.compiled.deps[rid].rules, key=lambda d: order.get(d, 0))
        kids = [node(d, depth + 1) for d in deps if d in county_level and depth < 12]
        used.update(d for d in deps if d in county_level)
        return {"rule_id": rid, "children": kids, "finer": [d for d in deps if d not in county_level]}

    tops = [node(r.id) for r in run.compiled.rules if r.id in county_level]
    return [t for t in tops if t["rule_id"] not in used]


def provenance(run: Run) -> dict:
    std = run.standard
    return {"standard": std.id, "version": std.version,
            "files": [{"id": c.id, "path": c.path, "sha256": c.sha256} for c in std.chain],
            "engine_version": __version__, "as_of": run.as_of.isoformat() if run.as_of else None,
            "input_fingerprint": run.fingerprint()}


# ------------------------------------------------------------------ rendering

def _fmt_any(v) -> str:
    """Numbers via fmt_num; text inputs (school_type, yes/no facts) as they are (markup-escaped)."""
    return escape(v) if isinstance(v, str) else fmt_num(v)


def render(tree: dict, console, lang: str = "zh") -> None:
    """Print the explanation ``tree`` (from explain_school / explain_county) on a rich console."""
    console.print(build_tree(tree, lang))


def build_tree(tree: dict, lang: str = "zh") -> Tree:
    """The explanation ``tree`` as a rich Tree (``text.tree_text`` turns it into plain text)."""

    L = OUTCOME_LABELS[lang]
    comma, clause = t(lang, "sep.comma"), t(lang, "sep.clause")

    def par(x):
        return t(lang, "paren", x=x)

    def lab(key):
        return t(lang, key) + ": "
    style = {"pass": "green", "fail": "bold red", "not_evaluable": "yellow", "not_applicable": "dim"}

    def rule_branch(parent, node):
        o = node["outcome"]
        head = f"[{style.get(o, '')}]{L.get(o, o)}[/] [bold]{node['rule_id']}[/] {node['name']}"
        b = parent.add(head)
        if node.get("expression"):
            b.add(lab("explain.expression") + node["expression"])
        if "value" in node:
            val = fmt_num(node["value"])
            line = lab("explain.value") + f"{val} {node.get('unit') or ''} {node['operator']} " \
                f"{t(lang, 'explain.threshold')} {fmt_num(node['threshold'])}"
            if node.get("margin") is not None:
                line += par(f"{t(lang, 'explain.margin')} {fmt_num(node['margin'])}")
            b.add(line)
            if node.get("raw_value") is not None:
                b.add(lab("explain.unrounded") + f"{fmt_num(node['raw_value'])}{clause}{node['rounding']}")
            ts = node.get("threshold_source")
            if ts:
                b.add(lab("explain.threshold_from") + f"{ts['id']} {ts['name']} = "
                      f"{fmt_num(ts['value'])} {ts['unit']}{clause}{ts['citation'] or ''}{clause}"
                      f"{t(lang, 'explain.set_at')} {ts['set_at']}"
                      + (f"{clause}{t(lang, 'explain.in_force')} {ts['effective']}"
                         if ts.get("effective") and ts["effective"] != "… ~ …" else ""))
        if node.get("inputs"):
            b.add(lab("explain.inputs") + comma.join(f"{k}={_fmt_any(v)}" for k, v in node["inputs"].items()))
        for d, info in (node.get("derived") or {}).items():
            b.add(f"{d}{par(info['name'])} = {info['expression']} = {fmt_num(info['value'])}")
        if node.get("split"):
            s = node["split"]
            b.add(lab("explain.split") + f"{s['school_type']} {s['weights']}{comma}"
                  + t(lang, "explain.share", share=fmt_num(s["share"])))
        for item in node.get("dispersion") or []:
            b.add(f"  {escape(str(item['school_name']))}{par(escape(str(item['school_id'])))}"
                  + t(lang, "explain.dispersion_item", value=fmt_num(item["value"]), weight=fmt_num(item["weight"]),
                      share=fmt_num(item["share_of_variance"] * 100), direction=item["direction"]))
        if node.get("reason"):
            b.add(lab("explain.reason") + escape(str(node["reason"])))
        for opt in node.get("counterfactual") or []:
            b.add(f"[cyan]{lab('explain.to_pass')}{escape(opt['text'])}[/]")
        if node.get("citation"):
            b.add(f"[dim]{lab('explain.citation')}{node['citation']}{clause}{node['defined_at']}[/]")
        if node.get("provenance"):
            b.add(f"[dim]{lab('explain.provenance')}{escape(short_text(node['provenance'], lang))}[/]")
        return b

    if tree["subject"] == "school":
        root = Tree(f"[bold]{escape(str(tree.get('school_name') or ''))}{par(escape(str(tree['school_id'])))}[/] "
                    f"{escape(str(tree.get('school_type') or ''))} "
                    f"{t(lang, 'level.county')} {escape(str(tree['county_id']))}")
        for st in tree["stages"]:
            b = root.add(f"[bold]{st['label']}[/]")
            for node in st["rules"]:
                rule_branch(b, node)
        for node in tree.get("school_rules", []):
            rule_branch(root, node)
    else:
        root = Tree(f"[bold]{escape(str(tree.get('county_name') or ''))}{par(escape(str(tree['county_id'])))}[/]")
        by_rule = {}
        for node in tree["county_rules"]:
            by_rule.setdefault(node["rule_id"], []).append(node)
        stage_word = {"primary": t(lang, "stage.primary"), "junior": t(lang, "stage.junior")}
        for node in tree["stage_rules"]:
            node = dict(node)
            node["name"] = f"{node['name']}{par(stage_word.get(node['stage'], node['stage']))}"
            by_rule.setdefault(node["rule_id"], []).append(node)

        def chain_branch(parent, item):
            # the overall verdict first, then what it rests on; passing rules are not expanded
            for node in by_rule.get(item["rule_id"], []):
                b = rule_branch(parent, node)
                if node["outcome"] == "pass":
                    continue
                for child in item["children"]:
                    chain_branch(b, child)
                for dep in item["finer"]:
                    units = [u for u in tree["failing_units"] if any(r == dep for r, _ in u["rules"])]
                    if units:
                        ub = b.add(f"{dep} {t(lang, 'explain.failing_schools')}{par(len(units))}")
                        for u in units:
                            ub.add(f"{escape(str(u['school_name']))}{par(escape(str(u['school_id'])))}"
                                   f"{u['stage'] or ''}: " + comma.join(f"{r} {L.get(o, o)}" for r, o in u["rules"]))

        if tree.get("chain"):
            for item in tree["chain"]:
                chain_branch(root, item)
        else:
            for node in tree["county_rules"]:
                rule_branch(root, node)
        if tree["stage_rules"] and not tree.get("chain"):
            b = root.add(t(lang, "explain.per_stage"))
            for node in tree["stage_rules"]:
                node = dict(node)
                node["name"] = f"[{node['stage']}] {node['name']}"
                rule_branch(b, node)
        if tree["failing_units"] and not tree.get("chain"):
            b = root.add(t(lang, "explain.failing_stages") + par(len(tree["failing_units"])))
            for u in tree["failing_units"]:
                b.add(f"{escape(str(u['school_name']))}{par(escape(str(u['school_id'])))}{u['stage']}: " +
                      comma.join(f"{rid} {L.get(o, o)}" for rid, o in u["rules"]))
    p = tree["provenance"]
    prov = root.add(f"[dim]{t(lang, 'explain.provenance')}[/]")
    for f in p["files"]:
        prov.add(f"[dim]{f['id']} {f['path']} sha256={f['sha256'][:16]}…[/]")
    prov.add("[dim]" + t(lang, "explain.run", version=p["engine_version"], day=p["as_of"] or "—",
                         fingerprint=p["input_fingerprint"][:16]) + "[/]")
    return root
