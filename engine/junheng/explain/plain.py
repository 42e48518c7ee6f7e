"""An explanation for readers who do not program: the data model and its HTML (a Jinja2 template).

Built from the derivation (``derivation.explain_school`` / ``explain_county``): failing items first, then
the ones that cannot be decided, then the passing ones folded; every input under its catalogue label with
its unit ("本科学历专任教师人数（小学） = 5 人"), the threshold with its source in words, what it would take
to pass (如何达标), and the expression, field ids and file:line only inside the "技术细节" part.

``render_html(view)`` gives an HTML fragment (autoescaped template ``templates/explain_plain.html``) that the
workbench explain page and the HTML report both show.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from junheng.explain.derivation import OUTCOME_ORDER, explain_school
from junheng.explain.labels import field_label, value_text
from junheng.formatting import fmt_num
from junheng.i18n import OUTCOME_LABELS, t
from junheng.standard.provenance import STATUSES, source_status_label

OPERATOR_KEYS = {">=": "plain.op_ge", ">": "plain.op_gt", "<=": "plain.op_le", "<": "plain.op_lt"}


@dataclass
class Item:
    """One rule's verdict, in words."""
    rule_id: str
    name: str
    outcome: str
    outcome_label: str
    value: str = ""  # "3.39 人"
    required: str = ""  # "不低于 4.2 人"
    threshold_source: str = ""  # "每百名学生拥有高于规定学历教师数 达标值 4.2 人，《…》第1项"
    inputs: list = field(default_factory=list)  # [(label, "5 人")]
    derived: list = field(default_factory=list)  # [(name, "58")]
    reason: str = ""
    suggestions: list = field(default_factory=list)
    citation: str = ""
    schools: list = field(default_factory=list)  # county items: the failing schools [(name, stage, [rule names])]
    tech: dict = field(default_factory=dict)  # expression, field ids = values, file:line (技术细节)


@dataclass
class Group:
    title: str
    items: list  # failing, then not_evaluable, then not_applicable
    passed: list  # folded


@dataclass
class View:
    title: str
    subtitle: str
    outcome: str  # the overall outcome of the subject (worst of its items)
    outcome_label: str
    groups: list
    lang: str
    labels: dict = field(default_factory=dict)  # the template's words
    provenance: list = field(default_factory=list)


def _labeler(run, lang: str):
    """field id (as an expression reads it) -> (label, unit) from the field catalogue (labels.py)."""
    table = run.evaluator.t

    def label(name: str, stage: str | None):
        return field_label(table, name, stage, lang)

    label.derived = run.standard.derived  # type: ignore[attr-defined]
    return label


_value_text = value_text


def _status_words(citation: str, lang: str) -> str:
    """A citation's ``[secondary]`` tail in words of ``lang`` (二手来源)."""
    for st in STATUSES:
        citation = citation.replace(f"[{st}]", t(lang, "paren", x=source_status_label(st, lang)).strip())
    return citation


def _derived_unit(d) -> str:
    if d is None:
        return ""
    return "?" if d.kind == "bool" else d.unit or ""


def _replace_ids(text: str, names: dict) -> str:
    """Field ids inside a reason ("basic_balance_certified_year 缺失") replaced by their labels."""
    if not names or not text:
        return text
    alternatives = "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))
    pattern = re.compile(r"(?<![A-Za-z0-9_])(" + alternatives + r")(?![A-Za-z0-9_])")
    return pattern.sub(lambda m: names[m.group(1)], text)


def _item(node: dict, lang: str, label, stage: str | None) -> Item:
    L = OUTCOME_LABELS[lang]
    o = node["outcome"]
    unit = node.get("unit") or ""
    it = Item(node["rule_id"], node["name"], o, L.get(o, o), citation=_status_words(node.get("citation") or "", lang))
    inputs, ids = [], {}
    for fid, v in (node.get("inputs") or {}).items():
        lab, u = label(fid, stage)
        ids[fid] = lab
        inputs.append((lab, _value_text(v, u, lang)))
    it.inputs = inputs
    defs = getattr(label, "derived", {})
    it.derived = [(d["name"] or k, _value_text(d["value"], _derived_unit(defs.get(k)), lang))
                  for k, d in (node.get("derived") or {}).items()]
    if "value" in node:
        v = node["value"]
        it.value = t(lang, "plain.no_value") if v is None or v != v else _value_text(v, unit, lang)
        if node.get("threshold") is not None:
            it.required = t(lang, OPERATOR_KEYS.get(node.get("operator"), "plain.op_ge"),
                            threshold=_value_text(node["threshold"], unit, lang))
        ts = node.get("threshold_source")
        if ts:
            it.threshold_source = t(lang, "plain.threshold_source_text", name=ts["name"],
                                    value=_value_text(ts["value"], ts.get("unit") or "", lang),
                                    citation=_status_words(ts.get("citation") or "", lang)
                                    or t(lang, "plain.no_citation"))
    it.reason = _replace_ids(str(node.get("reason") or ""), ids)
    it.suggestions = [opt["text"] for opt in node.get("counterfactual") or []]
    tech = {"expression": node.get("expression") or "", "defined_at": node.get("defined_at") or "",
            "inputs": [f"{k}={v if isinstance(v, str) else fmt_num(v)}" for k, v in (node.get("inputs") or {}).items()],
            "derived": [f"{k} = {d['expression']}" for k, d in (node.get("derived") or {}).items()]}
    if node.get("threshold_source"):
        tech["threshold_at"] = f"{node['threshold_source']['id']} {node['threshold_source']['set_at']}"
    it.tech = tech
    return it


def _group(title: str, items: list) -> Group:
    items = sorted(items, key=lambda i: OUTCOME_ORDER.get(i.outcome, 4))
    return Group(title, [i for i in items if i.outcome != "pass"], [i for i in items if i.outcome == "pass"])


def _worst(groups: list) -> str:
    outs = [i.outcome for g in groups for i in g.items + g.passed]
    return min(outs, key=lambda o: OUTCOME_ORDER.get(o, 4)) if outs else "not_applicable"


def _labels(lang: str) -> dict:
    """The template's words and punctuation in ``lang``."""
    return {"passed": t(lang, "plain.passed"), "tech": t(lang, "plain.tech"), "value": t(lang, "plain.value"),
            "required": t(lang, "plain.required"), "threshold_source": t(lang, "plain.threshold_source"),
            "inputs": t(lang, "plain.inputs"), "derived": t(lang, "plain.derived"), "reason": t(lang, "plain.reason"),
            "how": t(lang, "plain.how"), "citation": t(lang, "plain.citation"),
            "expression": t(lang, "plain.expression"), "defined_at": t(lang, "plain.defined_at"),
            "threshold_at": t(lang, "plain.threshold_at"), "schools": t(lang, "plain.schools"),
            "provenance": t(lang, "plain.provenance"), "field_ids": t(lang, "plain.field_ids"),
            "comma": t(lang, "sep.comma"), "list": t(lang, "sep.list"), "colon": t(lang, "punct.colon"),
            "lp": t(lang, "paren", x="|").split("|")[0], "rp": t(lang, "paren", x="|").split("|")[1]}


def school_view(run, tree: dict, lang: str = "zh") -> View:
    """The plain view of ``derivation.explain_school``'s tree."""
    label = _labeler(run, lang)
    groups = [_group(st["label"], [_item(n, lang, label, st["stage"]) for n in st["rules"]]) for st in tree["stages"]]
    if tree.get("school_rules"):
        groups.append(_group(t(lang, "plain.school_rules"),
                             [_item(n, lang, label, None) for n in tree["school_rules"]]))
    title = f"{tree.get('school_name') or ''}" + t(lang, "paren", x=tree["school_id"])
    worst = _worst(groups)
    return View(title, str(tree.get("school_type") or ""), worst, OUTCOME_LABELS[lang].get(worst, worst), groups, lang,
                _labels(lang), _provenance(tree, lang))


def county_view(run, tree: dict, lang: str = "zh") -> View:
    """The plain view of ``derivation.explain_county``'s tree: its rules (failing first), the per-stage
    rules, and for a rule over schools the failing schools."""
    label = _labeler(run, lang)
    L = OUTCOME_LABELS[lang]
    names = {r.id: (r.name_en if lang == "en" and r.name_en else r.name) for r in run.compiled.rules}
    items = [_item(n, lang, label, None) for n in tree["county_rules"]]
    finer = {c["rule_id"]: c for c in _walk_chain(tree.get("chain") or [])}
    for it in items:
        deps = finer.get(it.rule_id, {}).get("finer", [])
        if it.outcome == "pass" or not deps:
            continue
        it.schools = [(u["school_name"], run.standard.stage_label(u["stage"], lang) if u["stage"] else "",
                       [names.get(r, r) + t(lang, "paren", x=L.get(o, o)) for r, o in u["rules"] if r in deps])
                      for u in tree["failing_units"] if any(r in deps for r, _ in u["rules"])]
    # the conclusion and what it rests on directly (areas, vetoes) first, then the other county items
    tops = tree.get("chain") or []
    head = {c["rule_id"] for c in tops} | {k["rule_id"] for c in tops for k in c["children"]}
    depth = {c["rule_id"]: 0 for c in tops}
    head_items = sorted((i for i in items if i.rule_id in head), key=lambda i: depth.get(i.rule_id, 1))
    groups = [_group(t(lang, "plain.conclusion"), head_items),
              _group(t(lang, "plain.county_rules"), [i for i in items if i.rule_id not in head])]
    groups = [g for g in groups if g.items or g.passed]
    if tree["stage_rules"]:
        stage_items = []
        for n in tree["stage_rules"]:
            it = _item(n, lang, label, n.get("stage"))
            it.name += t(lang, "paren", x=run.standard.stage_label(n.get("stage"), lang))
            stage_items.append(it)
        groups.append(_group(t(lang, "plain.stage_rules"), stage_items))
    overall = next((i for i in items if i.rule_id == "county"), None)
    worst = overall.outcome if overall is not None else _worst(groups)
    title = f"{tree.get('county_name') or ''}" + t(lang, "paren", x=tree["county_id"])
    return View(title, "", worst, L.get(worst, worst), groups, lang, _labels(lang), _provenance(tree, lang))


def _walk_chain(items: list):
    for it in items:
        yield it
        yield from _walk_chain(it["children"])


def _provenance(tree: dict, lang: str) -> list:
    p = tree["provenance"]
    out = [f"{f['id']} {f['path']} sha256={f['sha256'][:16]}…" for f in p["files"]]
    out.append(t(lang, "explain.run", version=p["engine_version"], day=p["as_of"] or "—",
                 fingerprint=p["input_fingerprint"][:16]))
    return out


def view_of(run, tree: dict, lang: str = "zh") -> View:
    return school_view(run, tree, lang) if tree["subject"] == "school" else county_view(run, tree, lang)


_ENV = None


def _env():
    global _ENV
    if _ENV is None:
        import jinja2  # lazy: the workbench and the HTML report need it, the engine does not

        _ENV = jinja2.Environment(loader=jinja2.PackageLoader("junheng.explain", "templates"),
                                  autoescape=True, trim_blocks=True, lstrip_blocks=True)
    return _ENV


def render_html(view: View, style: bool = True) -> str:
    """The view as an HTML fragment (``<section class="jx">…``), with its small stylesheet unless ``style``
    is false (a page that holds many of them needs it once)."""
    return _env().get_template("explain_plain.html").render(v=view, style=style)


def explain_html(run, school_id: str, stage: str | None = None, lang: str = "zh", style: bool = True) -> str:
    """The plain explanation of one school (stage) as an HTML fragment: what the HTML report embeds."""
    return render_html(school_view(run, explain_school(run, school_id, stage, lang), lang), style)
