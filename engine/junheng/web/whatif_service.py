"""One what-if request, start to finish: the edits and the save fields in, a JSON answer out.

preview: parse the edits → write the child file in a scratch folder → load + static check (the
checks of ``junheng check``) → evaluate on the records of the chosen run (already read, not read
again) → the verdicts that change. save: the same, and when nothing is wrong, write the file in
the save folder and load it back from there.
"""
from __future__ import annotations

import shlex
import shutil

from junheng.errors import OutputError, StandardError
from junheng.i18n import OUTCOME_LABELS, Msg
from junheng.evaluation.finite import as_float
from junheng.web.whatif import (Meta, Problem, check_meta, child_text, current_cells, load_child, parse_day,
                     parse_edits, save_child, scratch_folder)
from junheng.standard.registry import is_standard_id
from junheng.evaluation.run import prepare
from junheng.standard.catalogue import load_catalogue
from junheng.standard.checker import compile_standard
from junheng.evaluation.run import evaluate_records
from junheng.tools.diff import impact_of
from junheng.standard.loader import load_standard


def whatif(doc: dict, save: bool, settings, ws, lang: str = "zh") -> dict:
    out = {"ok": False, "problems": [], "meta_problems": [], "changes": [], "yaml": "", "impact": None,
           "saved": None}
    try:
        day = parse_day(str(doc.get("as_of") or ""))
    except ValueError as exc:
        out["problems"] = [Problem("as_of", exc.args[0] if exc.args else str(exc)).to_json(lang)]
        return out
    sid = str(doc.get("standard") or "")
    if not (len(sid) <= 200 and is_standard_id(sid)):  # an id from the standards folders, never a path
        out["problems"] = [Problem("standard", Msg("web.not_std_id", id=sid[:80])).to_json(lang)]
        return out
    try:
        base, base_compiled = prepare(sid, settings.dirs, day)  # cached per standard
    except StandardError as exc:
        out["problems"] = [Problem("standard", e.message, str(e.loc)).to_json(lang) for e in exc.errors]
        return out
    changes, problems = parse_edits(base, day, doc.get("edits") or {})
    meta = Meta.from_json(doc.get("meta"))
    meta_problems = check_meta(meta, settings.dirs, for_save=save, base=base) if (save or meta.new_id) else []
    child = child_text(base, day, changes, meta)
    out["yaml"] = child.text
    out["changes"] = _describe(base, day, changes, lang)
    folder = scratch_folder(ws.root)
    try:
        new_std, check_problems = load_child(child, meta.new_id, folder, settings.dirs)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    problems += check_problems
    out["problems"] = [p.to_json(lang) for p in problems]
    out["meta_problems"] = [p.to_json(lang) for p in meta_problems]
    entry = ws.get(str(doc.get("run") or "")) if doc.get("run") else None
    if new_std is not None and entry is not None and changes:
        out["impact"] = _impact(entry, _base_run(entry, base, base_compiled, day, lang), new_std, day, lang)
    out["ok"] = not problems
    if save:
        if not changes:
            out["meta_problems"].append(Problem("", Msg("web.nothing_changed")).to_json(lang))
        if problems or meta_problems or not changes:
            return out
        try:
            out["saved"] = _save(child, meta, settings, entry)
        except FileExistsError:  # saved by another request since the check
            out["meta_problems"].append(Problem("meta:new_id", Msg("web.id_exists", id=meta.new_id)).to_json(lang))
        except (OSError, OutputError) as exc:
            out["meta_problems"].append(Problem("", Msg("web.cannot_write", folder=str(settings.save_dir),
                                                        error=exc.strerror)).to_json(lang))
    return out


def _describe(base, day, changes: dict, lang: str) -> list:
    rows = []
    for pid, new in changes.items():
        p = base.parameters[pid]
        old = current_cells(p, day)
        rows.append({"id": pid, "name": (p.name_en if lang == "en" and p.name_en else p.name) or pid, "unit": p.unit,
                     "cells": [{"stage": s, "label": base.stage_label(s, lang) if s != "*" else "", "old": old[s],
                                "new": new[s]} for s in new]})
    return rows


def _evaluate_on(entry, std, compiled, day, lang: str):
    """``std`` evaluated on the records the entry's run already read (not read again)."""
    compiled = compiled or compile_standard(std, load_catalogue(), day)
    return evaluate_records(std, compiled, entry.run.schools, entry.run.counties, day,
                            county_file_given=bool(entry.counties), lang=lang)


def _impact(entry, base_run, new_std, day, lang: str) -> dict:
    imp = impact_of(base_run, _evaluate_on(entry, new_std, None, day, lang))
    names = {}
    sch = base_run.spaces.schools
    if len(sch) and "school_name" in sch:
        names = dict(zip(sch["school_id"].astype(str), sch["school_name"].astype(str)))
    L = OUTCOME_LABELS[lang]

    def lab(o):
        return L.get(o, o)

    schools, rows = {}, []
    for r in imp["changed"]:
        if r.get("level") not in ("stage", "school"):
            continue
        sid = str(r.get("school_id") or "")
        stage = r.get("stage") or ""
        rows.append({"school_id": sid, "school_name": names.get(sid, ""), "stage": stage,
                     "stage_label": base_run.standard.stage_label(stage, lang) if stage else "",
                     "rule_id": r["rule_id"], "rule_name": r.get("rule_name") or "",
                     "value": _num(r.get("value_b", r.get("value_a"))), "threshold_a": _num(r.get("threshold_a")),
                     "threshold_b": _num(r.get("threshold_b")), "a": r["outcome_a"], "b": r["outcome_b"],
                     "a_label": lab(r["outcome_a"]), "b_label": lab(r["outcome_b"])})
        schools.setdefault(sid, set()).add(r["rule_id"])
    counties = [dict(c, a_label=lab(c["a"]), b_label=lab(c["b"])) for c in imp["counties"]]
    return {"schools": sorted(schools), "rows": rows, "counties": counties, "per_rule": imp["per_rule"],
            "counties_any_change": imp["counties_any_change"], "compared": imp["rows_compared"]}


def _base_run(entry, base, compiled, day, lang):
    """The run to compare with: the uploaded run itself when it used this standard on this date;
    otherwise the edited standard evaluated on the same records (cached on the entry)."""
    run = entry.run
    if run.standard.id == base.id and run.as_of == day:
        return run
    key = ("base", base.id, day)
    if key not in entry.extra:
        entry.extra[key] = _evaluate_on(entry, base, compiled, day, lang)
    return entry.extra[key]


def _num(v):
    f = as_float(v)
    return None if f is None else round(f, 6)


def _save(child, meta: Meta, settings, entry=None) -> dict:
    path = save_child(child, meta, settings.save_dir, settings.dirs)
    std = load_standard(meta.new_id, settings.dirs, collect=True)  # found by id, from the save folder
    compile_standard(std, load_catalogue())
    files = ""
    if entry is not None:  # the names the user uploaded, for a command they can adapt
        files = " --schools " + " ".join(shlex.quote(f.name) for f in entry.schools)
        if entry.counties:
            files += " --counties " + " ".join(shlex.quote(f.name) for f in entry.counties)
        if entry.as_of:
            files += f" --as-of {entry.as_of}"
    return {"id": std.id, "path": str(path), "save_dir": str(settings.save_dir),
            "command": f"junheng evaluate --standards-dir {shlex.quote(str(settings.save_dir))} --standard {std.id}"
                       + (files or " --schools …")}
