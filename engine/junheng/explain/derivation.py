"""Explanations: the derivation of every verdict of one subject, built from the stored arrays.

For a school stage: each rule's expression, the input values, derived values, the computed value,
the threshold and the parameter it came from, the outcome, the margin and the citation. For a
county: its rules, and for each coefficient of variation the schools that contribute most to the
dispersion; then the failing schools with their failing indicators.
"""
from __future__ import annotations

import difflib

import numpy as np
import pandas as pd

from junheng.standard.checker import USABLE
from junheng.i18n import OUTCOME_LABELS, t
from junheng.formatting import fmt_num
from junheng.evaluation.logic import ABSENT, FAIL, NOT_EVALUABLE, OUTCOME_NAMES
from junheng.evaluation.run import Run
from junheng.verdicts.assemble import margin_of
from junheng.explain.counterfactual import row_counterfactuals
from junheng.explain.dispersion import cv_contributions, number_or_text as _f
from junheng.explain.labels import input_labels, value_text
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
    node["input_labels"] = input_labels(ev.t, names, stage, lang)  # rendering: catalogue label and unit
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
        units = getattr(run.columns, "units", None)
        kept = iter(units) if units is not None else None
        for r in run.compiled.rules:
            if kept is not None:  # the kept rows of each rule as assembled (rules without any are skipped)
                keep = run.evaluator.results[r.id].outcome != ABSENT
                idx = next(kept)[1] if keep.any() else np.zeros(0, dtype=np.int64)
            else:
                idx = np.flatnonzero(run.evaluator.results[r.id].outcome != ABSENT)
            index[r.id] = (pos, idx)
            pos += len(idx)
        run.cache["verdict_index"] = index
    start, idx = index[rid]
    k = int(np.searchsorted(idx, row))
    return start + k if k < len(idx) and idx[k] == row else None


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


def _equal_rows(col, q: str) -> np.ndarray:
    """Rows of a column whose text (``str`` of the value) is q: a text column compared as it is (arrow),
    any other converted first."""
    if not pd.api.types.is_string_dtype(col.dtype) or col.dtype == object:
        col = col.astype(str)
    return np.flatnonzero((col == q).to_numpy(dtype=bool, na_value=False))


STAGE_ALIASES = {"小学": "primary", "初中": "junior", "高中": "senior", "primary": "primary", "junior": "junior",
                 "senior": "senior"}


def resolve_stage(run: Run, stage: str | None) -> str | None:
    """``小学``/``初中`` (or the standard's stage labels, any case of primary/junior) → the stage id."""
    if stage is None:
        return None
    key = stage.strip()
    if key.lower() in STAGE_ALIASES:
        return STAGE_ALIASES[key.lower()]
    if key in STAGE_ALIASES:
        return STAGE_ALIASES[key]
    for sid in run.standard.stages:
        if key in (run.standard.stage_label(sid, "zh"), run.standard.stage_label(sid, "en")):
            return sid
    return key


def resolve_school(run: Run, query: str, lang: str = "zh") -> int:
    """The school row for a code or an exact name; ambiguous names list the candidates, unknown ones
    get "did you mean" over the codes and names (difflib)."""
    sp = run.spaces
    q = (query or "").strip()
    hits = _equal_rows(sp.schools["school_id"], q)  # compared as text, no conversion of the whole column
    if not len(hits) and "school_name" in sp.schools:
        hits = _equal_rows(sp.schools["school_name"], q)
        if len(hits) > 1:
            ids = sp.schools["school_id"].astype(str).to_numpy(dtype=object)
            cands = t(lang, "sep.list").join(f"{ids[h]} {q}" for h in hits)
            raise NotFound(t(lang, "explain.ambiguous_school", school=q, n=len(hits), candidates=cands))
    if len(hits):
        return int(hits[0])
    ids = sp.schools["school_id"].astype(str).to_numpy(dtype=object)
    names = sp.schools["school_name"].astype(str).to_numpy(dtype=object) if "school_name" in sp.schools \
        else np.array([], dtype=object)
    rej = [r for r in run.rejected if r.get("id") == q]
    if rej:
        raise NotFound(t(lang, "explain.school_rejected", school=q, reason=rej[0]["reason"],
                         file=rej[0]["file"], row=rej[0]["row"]))
    label = {**{str(i): str(i) for i in ids}, **{str(n): f"{n}（{i}）" if lang == "zh" else f"{n} ({i})"
                                                 for i, n in zip(ids, names)}}
    close = difflib.get_close_matches(q, list(label), n=5, cutoff=0.5)
    if close:
        raise NotFound(t(lang, "explain.no_school_did_you_mean", school=q,
                         candidates=t(lang, "sep.list").join(dict.fromkeys(label[c] for c in close))))
    raise NotFound(t(lang, "explain.no_school", school=q))


def explain_school(run: Run, school_id: str, stage: str | None = None, lang: str = "zh") -> dict:
    """A school's explanation; ``school_id`` is its code or exact name, ``stage`` primary/junior or 小学/初中."""
    sp = run.spaces
    s = resolve_school(run, school_id, lang)
    school_id = str(sp.schools["school_id"].iloc[s])
    stage = resolve_stage(run, stage)
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


def render(tree: dict, console, lang: str = "zh", full: bool = False) -> None:
    """Print the explanation ``tree`` (from explain_school / explain_county) on a rich console:
    failures first, then not_evaluable, then passes (folded to one line per group unless ``full``)."""
    console.print(build_tree(tree, lang, full))


OUTCOME_ORDER = {"fail": 0, "not_evaluable": 1, "pass": 2, "not_applicable": 3}


def by_outcome(nodes: list, outcome=lambda n: n["outcome"]) -> list:
    """Failures first, then not_evaluable, passes, not_applicable; the standard's order within each."""
    return sorted(nodes, key=lambda n: OUTCOME_ORDER.get(outcome(n), 4))


def _add_rules(parent, nodes: list, lang: str, full: bool, outcome=lambda n: n["outcome"], add=None) -> None:
    """The rules of one group in outcome order; the passing ones as one summary line unless ``full``."""
    add = add or (lambda p, n: _rule_branch(p, n, lang, full))
    nodes = by_outcome(nodes, outcome)
    passing = [n for n in nodes if outcome(n) == "pass"]
    folded = False
    for n in nodes:
        if outcome(n) == "pass" and not full:
            if not folded:
                ids = t(lang, "sep.list").join(_rule_id(p) for p in passing)
                parent.add(f"[green]{t(lang, 'explain.passed_folded', n=len(passing), rules=ids)}[/]")
                folded = True
            continue
        add(parent, n)


def _rule_id(n) -> str:
    return n["rule_id"] if "rule_id" in n else n[0]["rule_id"]


_STYLE = {"pass": "green", "fail": "bold red", "not_evaluable": "yellow", "not_applicable": "dim"}


def _par(lang: str, x) -> str:
    return t(lang, "paren", x=x)


def _lab(lang: str, key: str) -> str:
    return t(lang, key) + ": "


def _add_value_lines(b, node: dict, lang: str) -> None:
    """The compared value, its threshold and margin, the unrounded value and where the threshold comes from."""
    clause = t(lang, "sep.clause")
    val = fmt_num(node["value"])
    line = _lab(lang, "explain.value") + f"{val} {node.get('unit') or ''} {node['operator']} " \
        f"{t(lang, 'explain.threshold')} {fmt_num(node['threshold'])}"
    if node.get("margin") is not None:
        line += _par(lang, f"{t(lang, 'explain.margin')} {fmt_num(node['margin'])}")
    b.add(line)
    if node.get("raw_value") is not None:
        b.add(_lab(lang, "explain.unrounded") + f"{fmt_num(node['raw_value'])}{clause}{node['rounding']}")
    ts = node.get("threshold_source")
    if ts:
        b.add(_lab(lang, "explain.threshold_from") + f"{ts['id']} {ts['name']} = "
              f"{fmt_num(ts['value'])} {ts['unit']}{clause}{ts['citation'] or ''}{clause}"
              f"{t(lang, 'explain.set_at')} {ts['set_at']}"
              + (f"{clause}{t(lang, 'explain.in_force')} {ts['effective']}"
                 if ts.get("effective") and ts["effective"] != "… ~ …" else ""))


def _add_input_lines(b, node: dict, lang: str, full: bool) -> None:
    """The inputs under their catalogue labels with units (本科学历专任教师人数（小学） = 5 人); with ``full``
    (``--all``) also a technical line with the field ids as the expression reads them."""
    comma = t(lang, "sep.comma")
    labels = node.get("input_labels") or {}
    words = []
    for k, v in node["inputs"].items():
        label, unit = labels.get(k) or (k, "")
        words.append(f"{escape(str(label))} = {escape(value_text(v, unit, lang))}")
    b.add(_lab(lang, "explain.inputs") + comma.join(words))
    if full:
        b.add(f"[dim]{_lab(lang, 'explain.field_ids')}"
              + comma.join(f"{k}={_fmt_any(v)}" for k, v in node["inputs"].items()) + "[/]")


def _rule_branch(parent, node, lang: str, full: bool = True):
    """One rule's verdict with its value, threshold, inputs, reason and citation as a branch of parent;
    ``full`` adds the technical lines (field ids)."""
    L = OUTCOME_LABELS[lang]
    comma, clause = t(lang, "sep.comma"), t(lang, "sep.clause")
    o = node["outcome"]
    head = f"[{_STYLE.get(o, '')}]{L.get(o, o)}[/] [bold]{node['rule_id']}[/] {node['name']}"
    b = parent.add(head)
    if node.get("expression"):
        b.add(_lab(lang, "explain.expression") + node["expression"])
    if "value" in node:
        _add_value_lines(b, node, lang)
    if node.get("inputs"):
        _add_input_lines(b, node, lang, full)
    for d, info in (node.get("derived") or {}).items():
        b.add(f"{d}{_par(lang, info['name'])} = {info['expression']} = {fmt_num(info['value'])}")
    if node.get("split"):
        s = node["split"]
        b.add(_lab(lang, "explain.split") + f"{s['school_type']} {s['weights']}{comma}"
              + t(lang, "explain.share", share=fmt_num(s["share"])))
    for item in node.get("dispersion") or []:
        b.add(f"  {escape(str(item['school_name']))}{_par(lang, escape(str(item['school_id'])))}"
              + t(lang, "explain.dispersion_item", value=fmt_num(item["value"]), weight=fmt_num(item["weight"]),
                  share=fmt_num(item["share_of_variance"] * 100), direction=item["direction"]))
    if node.get("reason"):
        b.add(_lab(lang, "explain.reason") + escape(str(node["reason"])))
    for opt in node.get("counterfactual") or []:
        b.add(f"[cyan]{_lab(lang, 'explain.to_pass')}{escape(opt['text'])}[/]")
    if node.get("citation"):
        b.add(f"[dim]{_lab(lang, 'explain.citation')}{node['citation']}{clause}{node['defined_at']}[/]")
    if node.get("provenance"):
        b.add(f"[dim]{_lab(lang, 'explain.provenance')}{escape(short_text(node['provenance'], lang))}[/]")
    return b


def _school_root(tree: dict, lang: str, full: bool = False) -> Tree:
    """A school's explanation: its stages' rules, then its school-level rules (failures first)."""
    root = Tree(f"[bold]{escape(str(tree.get('school_name') or ''))}{_par(lang, escape(str(tree['school_id'])))}[/] "
                f"{escape(str(tree.get('school_type') or ''))} "
                f"{t(lang, 'level.county')} {escape(str(tree['county_id']))}")
    for st in tree["stages"]:
        b = root.add(f"[bold]{st['label']}[/]")
        _add_rules(b, st["rules"], lang, full)
    _add_rules(root, tree.get("school_rules", []), lang, full)
    return root


def _county_root(tree: dict, lang: str, full: bool = False) -> Tree:
    """A county's explanation: the chain of its verdicts (or its rules), per-stage rules and failing units."""
    L = OUTCOME_LABELS[lang]
    comma = t(lang, "sep.comma")
    root = Tree(f"[bold]{escape(str(tree.get('county_name') or ''))}{_par(lang, escape(str(tree['county_id'])))}[/]")
    by_rule = {}
    for node in tree["county_rules"]:
        by_rule.setdefault(node["rule_id"], []).append(node)
    stage_word = {"primary": t(lang, "stage.primary"), "junior": t(lang, "stage.junior")}
    for node in tree["stage_rules"]:
        node = dict(node)
        node["name"] = f"{node['name']}{_par(lang, stage_word.get(node['stage'], node['stage']))}"
        by_rule.setdefault(node["rule_id"], []).append(node)

    def outcome_of(item):  # a chain item's outcome: its worst verdict (a per-stage rule has one per stage)
        nodes = by_rule.get(item["rule_id"], [])
        return by_outcome(nodes)[0]["outcome"] if nodes else "not_applicable"

    def chain_branch(parent, item):
        # the overall verdict first, then what it rests on, failures first; passing rules are not expanded
        for node in by_outcome(by_rule.get(item["rule_id"], [])):
            b = _rule_branch(parent, node, lang, full)
            if node["outcome"] == "pass":
                continue
            _add_rules(b, item["children"], lang, full, outcome_of, chain_branch)
            for dep in item["finer"]:
                units = [u for u in tree["failing_units"] if any(r == dep for r, _ in u["rules"])]
                if units:
                    ub = b.add(f"{dep} {t(lang, 'explain.failing_schools')}{_par(lang, len(units))}")
                    for u in units:
                        where = stage_word.get(u["stage"], u["stage"] or "")
                        ub.add(f"{escape(str(u['school_name']))}{_par(lang, escape(str(u['school_id'])))}"
                               f"{where}: " + comma.join(f"{r} {L.get(o, o)}" for r, o in u["rules"]))

    if tree.get("chain"):
        _add_rules(root, tree["chain"], lang, True, outcome_of, chain_branch)
    else:
        _add_rules(root, tree["county_rules"], lang, full)
    if not tree.get("chain"):
        _add_unchained(root, tree, lang, full)
    return root


def _add_unchained(root: Tree, tree: dict, lang: str, full: bool = True) -> None:
    """Without a verdict chain: the per-stage rules and the failing stage units as flat lists."""
    L = OUTCOME_LABELS[lang]
    comma = t(lang, "sep.comma")
    if tree["stage_rules"]:
        b = root.add(t(lang, "explain.per_stage"))
        for node in tree["stage_rules"]:
            node = dict(node)
            node["name"] = f"[{node['stage']}] {node['name']}"
            _rule_branch(b, node, lang, full)
    if tree["failing_units"]:
        b = root.add(t(lang, "explain.failing_stages") + _par(lang, len(tree["failing_units"])))
        for u in tree["failing_units"]:
            b.add(f"{escape(str(u['school_name']))}{_par(lang, escape(str(u['school_id'])))}{u['stage']}: " +
                  comma.join(f"{rid} {L.get(o, o)}" for rid, o in u["rules"]))


def build_tree(tree: dict, lang: str = "zh", full: bool = True) -> Tree:
    """The explanation ``tree`` as a rich Tree (``text.tree_text`` turns it into plain text); failures
    first; ``full=False`` folds the passing rules of each group into one line."""
    root = _school_root(tree, lang, full) if tree["subject"] == "school" else _county_root(tree, lang, full)
    p = tree["provenance"]
    prov = root.add(f"[dim]{t(lang, 'explain.provenance')}[/]")
    for f in p["files"]:
        prov.add(f"[dim]{f['id']} {f['path']} sha256={f['sha256'][:16]}…[/]")
    prov.add("[dim]" + t(lang, "explain.run", version=p["engine_version"], day=p["as_of"] or "—",
                         fingerprint=p["input_fingerprint"][:16]) + "[/]")
    return root
