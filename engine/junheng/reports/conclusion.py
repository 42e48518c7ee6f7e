"""The overall conclusion per county, in words a reader of the report uses: the verdict (通过 / 未通过),
each area by its name (资源配置, not ``area_resources``), the vetoes that fired and the eligibility check
(reported apart). The terminal, the HTML report (and so the workbench) and the XLSX's first sheet show it.

Built from the county-level verdict rows of a run (one group per county; no loop over schools).
"""
from __future__ import annotations

import unicodedata

from junheng.i18n import OUTCOME_LABELS, t as tr

WIDTH = 100  # the conclusion's lines fit a terminal this many columns wide


# the areas the catalogue names (an area a standard adds is shown by its id)
AREA_KEYS = {"resources": "area.resources", "government": "area.government", "quality": "area.quality",
             "recognition": "area.recognition", "eligibility": "area.eligibility", "county": "area.county",
             "veto": "area.veto", "balance": "area.balance", "satisfaction": "area.satisfaction",
             "school_standard": "area.school_standard"}


def area_label(area, lang: str) -> str:
    """An area id (``resources``) as its name (资源配置); one the catalogue does not know, as given."""
    key = AREA_KEYS.get(area) if isinstance(area, str) else None
    return tr(lang, key) if key else (area or "")


def _name(row, lang) -> str:
    return row.rule_name if isinstance(row.rule_name, str) and row.rule_name else row.rule_id


def county_conclusions(run, lang: str) -> list:
    """One dict per county that has an overall verdict (rule ``county``): id, name, outcome, word
    (通过/未通过), areas [(name, outcome)], vetoes fired, eligibility [(name, outcome)], and ``text``,
    the conclusion as one or two sentences."""
    v = run.verdicts
    county = v[v.level == "county"]
    if "county" not in set(county.rule_id):
        return []
    rules = {r.id: r for r in run.compiled.rules}
    cf = run.spaces.counties
    names = dict(zip(cf.county_id, cf.county_name)) if "county_name" in cf else {}
    out = []
    for cid, g in county.groupby("county_id", sort=False):
        overall = g[g.rule_id == "county"]
        if not len(overall):
            continue
        outcome = overall.outcome.iloc[0]
        areas_rows = g[g.rule_id.str.startswith("area_")]
        areas = [(area_label(r.area or r.rule_id.removeprefix("area_"), lang), r.outcome)
                 for r in areas_rows.itertuples(index=False)]
        vetoes = g[g.rule_id.map(lambda x: bool(getattr(rules.get(x), "veto", False)))]
        fired = [_name(r, lang) for r in vetoes.itertuples(index=False) if r.outcome == "fail"]
        elig = [(_name(r, lang), r.outcome) for r in g[g.area == "eligibility"].itertuples(index=False)]
        name = names.get(cid) if isinstance(names.get(cid), str) else ""
        out.append({"county_id": cid, "county_name": name, "outcome": outcome,
                    "word": _word(outcome, lang), "areas": areas, "vetoes": fired, "eligibility": elig,
                    "text": _sentence(name, cid, outcome, areas, fired, lang)})
    return out


def _word(outcome, lang) -> str:
    return {"pass": tr(lang, "county.pass"), "fail": tr(lang, "county.fail")}.get(
        outcome, OUTCOME_LABELS[lang].get(outcome, outcome))


def _sentence(name, cid, outcome, areas, fired, lang) -> str:
    sep = tr(lang, "sep.list")
    who = (name or "") + tr(lang, "paren", x=cid) if name else str(cid)
    parts = [tr(lang, "concl.head", county=who, word=_word(outcome, lang))]
    failing = [a for a, o in areas if o == "fail"]
    unknown = [a for a, o in areas if o == "not_evaluable"]
    if failing:
        parts.append(tr(lang, "concl.failing", areas=sep.join(failing)))
    if unknown:
        parts.append(tr(lang, "concl.unknown", areas=sep.join(unknown)))
    if fired:
        parts.append(tr(lang, "concl.vetoes", rules=sep.join(fired)))
    if outcome == "pass" and not failing and not unknown and not fired:
        parts.append(tr(lang, "concl.all_met"))
    return "".join(parts) if lang == "zh" else " ".join(parts)


def width(text: str) -> int:
    """Terminal columns of a text (CJK and full-width characters take two)."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def wrap(text: str, columns: int = WIDTH, indent: str = "") -> list:
    """Lines of at most ``columns`` terminal columns (CJK counted as two), each after ``indent``;
    English breaks at spaces, Chinese anywhere (never inside a run of ASCII letters or digits)."""
    lines, line = [], indent
    for token in _tokens(text):
        if width(line) + width(token) > columns and line.strip():
            lines.append(line.rstrip())
            line = indent + token.lstrip()
        else:
            line += token
    if line.strip():
        lines.append(line.rstrip())
    return lines


def _tokens(text: str) -> list:
    """ASCII words (with the space before them) stay whole; every other character is a token."""
    out, word = [], ""
    for ch in text:
        if ch.isascii() and not ch.isspace():
            word += ch
            continue
        if word:
            out.append(word)
            word = ""
        out.append(ch)
    if word:
        out.append(word)
    return out


def conclusion_lines(run, lang: str, columns: int = WIDTH) -> list:
    """The terminal's conclusion block: per county the sentence, then the areas, vetoes and eligibility,
    every line within ``columns``."""
    L = OUTCOME_LABELS[lang]
    mark = {"pass": "✓", "fail": "✗", "not_evaluable": "?", "not_applicable": "–"}
    lines = []
    for c in county_conclusions(run, lang):
        lines += wrap(c["text"], columns)
        if c["areas"]:
            lines += wrap(tr(lang, "sep.clause").join(f"{a} {mark.get(o, '')} {L.get(o, o)}" for a, o in c["areas"]),
                          columns, "  ")
        vetoes = tr(lang, "sep.list").join(c["vetoes"]) if c["vetoes"] else tr(lang, "summary.none")
        lines += wrap(tr(lang, "colon", x=tr(lang, "col.vetoes")) + vetoes, columns, "  ")
        for name, o in c["eligibility"]:
            lines += wrap(tr(lang, "colon", x=tr(lang, "col.eligibility")) + f"{name} {mark.get(o, '')} {L.get(o, o)}"
                          + tr(lang, "concl.apart"), columns, "  ")
    return lines
