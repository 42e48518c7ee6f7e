"""Provenance: where every verdict's rule and threshold came from.

One table per run, keyed by rule id (verdicts reference it through their ``rule_id``, which keeps
the JSON small for big runs): the rule's file:line and what it overrode in the ``extends`` chain,
its citation and source status, its effective window, and for each parameter its threshold reads,
the file:line of the parameter, of the version in force at ``--as-of`` and that version's window.
Run-level entries: standard id and version, sha256 of every file of the chain, engine version,
as-of date and the input fingerprint.
"""
from __future__ import annotations

from junheng.version import __version__
from junheng.i18n import t
from junheng.language.nodes import Name


STATUS_KEYS = {"verified": "status.verified", "secondary": "status.secondary", "recalled": "status.recalled",
               "": "status.none"}
STATUSES = ("verified", "secondary", "recalled")


def source_status_label(status, lang) -> str:
    """verified / secondary / recalled as the catalogue's words (已核实, 二手来源, 凭记忆); no status: 未注明;
    a status the catalogue does not know: as written."""
    key = STATUS_KEYS.get(status or "")
    return t(lang, key) if key else str(status)


def _loc(x):
    return str(x) if x else None


def _citation(c):
    if c is None:
        return None
    return {"document": c.document_number or c.document, "title": c.document_title or None,
            "article": c.article or None, "source_status": c.source_status or None, "text": str(c)}


def threshold_params(std, rule) -> list[str]:
    seen = []
    for part in (rule.threshold or {}).values():
        for node in part.node.walk():
            if isinstance(node, Name) and node.id in std.parameters and node.id not in seen:
                seen.append(node.id)
    return seen


def param_provenance(run, pid: str) -> dict:
    p = run.standard.parameters[pid]
    v = p.in_force(run.as_of)
    out = {"id": pid, "name": p.name, "unit": p.unit or None, "set_at": _loc(p.origin),
           "overrode": [_loc(o) for o in p.overrode if o]}
    if v is None:
        out["in_force"] = None
    else:
        out["in_force"] = {"value": v.value, "values": dict(v.values) if v.values is not None else None,
                           "set_at": _loc(v.origin), "effective": v.window.to_json(),
                           "citation": _citation(v.citation or p.citation),
                           "source_status": v.source_status or p.source_status or None}
    out["versions"] = len(p.versions)
    return out


def rule_provenance(run, rule) -> dict:
    return {"rule_id": rule.id, "defined_at": _loc(rule.origin), "overrode": [_loc(o) for o in rule.overrode if o],
            "citation": _citation(rule.citation),
            "source_status": rule.citation.source_status if rule.citation else None,
            "effective": rule.window.to_json(),
            "thresholds": [param_provenance(run, pid) for pid in threshold_params(run.standard, rule)]}


def run_provenance(run, rules: bool = True) -> dict:
    std = run.standard
    out = {"standard": std.id, "version": std.version, "title": std.title,
           "files": [{"id": c.id, "path": c.path, "sha256": c.sha256} for c in std.chain],
           "engine_version": __version__, "as_of": run.as_of.isoformat() if run.as_of else None,
           "as_of_text": run.as_of_text() if hasattr(run, "as_of_text") else None,
           "input_fingerprint": run.fingerprint()}
    if rules:
        out["rules"] = {r.id: rule_provenance(run, r) for r in run.compiled.rules}
    return out


def short_text(prov: dict, lang: str = "zh") -> str:
    """One line for a rule: 'R3 defined at f:12:5; threshold R3_min set at f:80:3 (2017-01-01 ~ …)'."""
    sep = t(lang, "sep.list")
    parts = [t(lang, "prov.defined_at", rule=prov["rule_id"], at=prov["defined_at"])]
    for th in prov["thresholds"]:
        v = th.get("in_force") or {}
        eff = v.get("effective") or {}
        window = f"{eff.get('from') or '…'} ~ {eff.get('to') or '…'}"
        parts.append(t(lang, "prov.threshold_set_at", id=th["id"], at=v.get("set_at") or th["set_at"], window=window))
        if th["overrode"]:
            parts.append(t(lang, "prov.overrode", what=sep.join(th["overrode"])))
    if prov["overrode"]:
        parts.append(t(lang, "prov.rule_overrode", what=sep.join(prov["overrode"])))
    return t(lang, "sep.clause").join(parts)
