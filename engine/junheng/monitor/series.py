"""``junheng monitor``: several years of records → per-unit series, projections, early warnings, county CVs,
eligibility and a ranking of counties.

Every value comes from the engine: each observed year is evaluated (``load_inputs`` +
``evaluate_records``, as ``evaluate_files`` does) at a date in that year; projected years are the
engine's evaluation of projected records (``project.py``); a verdict that passes only under a dated
parameter version (a relaxation) is found by evaluating the last year's records again the day after
that version ends. Nothing here recomputes an indicator.
"""
from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from junheng.evaluation.run import Run, evaluate_records, load_inputs
from junheng.standard.catalogue import load_catalogue
from junheng.standard.checker import compile_standard
from junheng.standard.loader import load_standard
from junheng.explain.dispersion import is_cv_rule
from junheng.i18n import t as t_engine
from junheng.monitor.inputs import year_sources
from junheng.monitor.project import fit_lines, project_frame, projected_recordset
from junheng.monitor.texts import t
from junheng.tools.diff import _top_rules, impact_of
from junheng.monitor.units import KEYS, Keeper, matrices
from junheng.monitor.alerts import _num, rows_of as _rows_of, warning_columns, warnings_json, warnings_list

CODES = {"fail": 0, "pass": 1, "not_evaluable": 2, "not_applicable": 3}
NAMES = np.array(["fail", "pass", "not_evaluable", "not_applicable", None], dtype=object)  # index -1 → None
CERT_FIELD = "basic_balance_certified_year"
ELIGIBILITY_GAP = 3  # reference §8: certified at least 3 years earlier


@dataclass
class Options:
    horizon: int = 3  # projected years
    warn_within: int = 2  # projected failure within this many years → warning
    near: float = 0.05  # relative margin below this → warning
    day: str = "09-01"  # the evaluation date in each year (MM-DD)
    variant: str | None = None  # a provincial standard to compare the last year with
    contributors: int = 3
    lang: str = "zh"


@dataclass
class Monitor:
    standard: str
    years: list
    projected: list
    days: dict
    last_run: Run  # the last observed year's run (CV contributors, the variant comparison)
    records: dict  # observed year → (schools RecordSet, counties RecordSet)
    inputs: dict  # observed year → the run's input summary
    rejected: dict  # observed year → rejected rows
    units: pd.DataFrame  # one row per (level, county, school, stage, rule)
    matrices: dict  # name → units × all years
    options: Options
    changes: pd.DataFrame
    relax: pd.DataFrame
    variant_run: Run | None = None
    notes: list = field(default_factory=list)
    timings: dict = field(default_factory=dict)  # seconds per phase (benchmarks)


def day_in(year: int, day: str) -> dt.date:
    m, d = (int(x) for x in day.split("-"))
    return dt.date(year, m, d)


class Standards:
    """One standard loaded once and compiled for each evaluation date (the parameters and rules in force)."""

    def __init__(self, ref: str, dirs=()):
        self.std = load_standard(ref, tuple(dirs), collect=True)
        self.compiled: dict = {}

    def at(self, day):
        if day not in self.compiled:
            self.compiled[day] = compile_standard(self.std, load_catalogue(), day)
        return self.std, self.compiled[day]


def evaluate_sources(stds: Standards, schools, counties, day, lang, reasons=True) -> Run:
    """The engine's evaluation of one year's files at ``day`` (what ``evaluate_files`` does, standard loaded once)."""
    std, compiled = stds.at(day)
    srs, crs = load_inputs(compiled, schools, counties)
    return evaluate_records(std, compiled, srs, crs, day, county_file_given=bool(counties), lang=lang,
                            reasons=reasons)


def run_monitor(standard: str, schools, counties=None, dirs=(), opts: Options | None = None, progress=None) -> Monitor:
    """Evaluate every observed year, project and evaluate the coming years. Of each year only the coded
    verdict numbers (``units.Keeper``) and, for observed years, the records are kept; the full run is kept
    for the last observed year only."""
    opts = opts or Options()
    sources = year_sources(schools, counties)
    years = sorted(sources)
    stds = Standards(standard, dirs)
    keeper = Keeper()
    days: dict = {}
    records, inputs, rejected = {}, {}, {}
    last = years[-1]
    run = None
    clock = [time.perf_counter()]
    timings: dict = {}

    def lap(name):
        clock.append(time.perf_counter())
        timings[name] = round(clock[-1] - clock[-2], 3)

    for y in years:
        s, c = sources[y]
        days[y] = day_in(y, opts.day)
        # the variant comparison reads the reasons of the last year's verdicts; nothing else does
        run = evaluate_sources(stds, s, c, days[y], opts.lang, reasons=bool(opts.variant) and y == last)
        keeper.keep(y, run)
        records[y] = (run.schools, run.counties)
        inputs[y], rejected[y] = run.input_summary(), run.rejected
        if y != last:
            run = None  # the spaces, evaluator and verdict columns of the year are not kept
        lap(f"observed {y}")
        if progress:
            progress(y)
    assert run is not None
    county_given = sources[last][1] is not None
    projected = [last + k for k in range(1, opts.horizon + 1)]
    _project(stds, opts, years, projected, records, run, days, county_given, keeper)
    lap("projected years")
    units, mats = matrices(keeper, years + projected)
    keeper.years.clear()  # each year's rows are in the matrices now
    relax = _relaxations(keeper, mats, years.index(last))
    mon = Monitor(standard, years, projected, days, run, records, inputs, rejected, units, mats, opts,
                  _changes(records, years), relax, timings=timings)
    lap("matrices")
    if opts.variant:
        s, c = sources[last]
        vs = Standards(opts.variant, dirs)
        std_v, comp_v = vs.at(days[last])
        if comp_v.table.catalogue == run.compiled.table.catalogue:  # same fields: the records read once serve both
            mon.variant_run = evaluate_records(std_v, comp_v, run.schools, run.counties, days[last],
                                               county_file_given=county_given, lang=opts.lang)
        else:
            mon.variant_run = evaluate_sources(vs, s, c, days[last], opts.lang)
    return mon


def _project(stds, opts, years, projected, records, last, days, county_given, keeper):
    cat = last.compiled.table.catalogue
    scols = [(c.id, c.field.type) for c in cat.columns("school")]
    ccols = [(c.id, c.field.type) for c in cat.columns("county")]
    sf = project_frame({y: records[y][0].frame for y in years}, years, "school_id", scols, projected, "school_type",
                       {y: records[y][0].invalid for y in years})
    cf = {}
    if county_given and len(last.counties.frame):
        cf = project_frame({y: records[y][1].frame for y in years}, years, "county_id", ccols, projected,
                           invalid={y: records[y][1].invalid for y in years})
    for y in projected:
        days[y] = day_in(y, opts.day)
        std, compiled = stds.at(days[y])
        srs = projected_recordset(last.schools, sf.pop(y), y)
        crs = last.counties
        if y in cf:
            frame = cf.pop(y)
            if "year" in frame.columns:
                frame["year"] = float(y)
            crs = projected_recordset(last.counties, frame, y)
        keeper.keep(y, evaluate_records(std, compiled, srs, crs, days[y], county_file_given=county_given,
                                        lang=opts.lang, reasons=False))


def _relaxations(keeper: Keeper, mats: dict, li: int) -> pd.DataFrame:
    """Units whose last observed verdict passes only under a dated relaxation: the engine's ``relaxation``
    verdict column, with the parameters and the day the relaxation ends."""
    code = mats["relaxation"][:, li]
    idx = np.flatnonzero((code >= 0) & (mats["outcome"][:, li] == 1))
    texts = keeper.relax.values()
    meta = [keeper.relax_meta.get(x, ([], None)) for x in texts]  # a handful of distinct texts
    ends = np.array([m[1] for m in meta] or [None], dtype=object)
    params = np.array([",".join(m[0]) for m in meta] or [""], dtype=object)
    return pd.DataFrame({"unit": idx, "ends": ends[code[idx]] if len(idx) else [],
                         "params": params[code[idx]] if len(idx) else [],
                         "text": texts[code[idx]] if len(idx) else []})


def _changes(records: dict, years: list) -> pd.DataFrame:
    """Schools that appear, disappear or change type, matched across years by school code."""
    frames = []
    for y in years:
        f = records[y][0].frame
        frames.append(pd.DataFrame({"school_id": f["school_id"].astype(str), "school_name": f["school_name"],
                                    "county_id": f["county_id"], "school_type": f["school_type"].astype(object),
                                    "year": y}))
    a = pd.concat(frames, ignore_index=True).drop_duplicates(["school_id", "year"])
    first, last = years[0], years[-1]
    span = a.groupby("school_id").agg(first=("year", "min"), last=("year", "max"), name=("school_name", "last"),
                                      county=("county_id", "last"), type=("school_type", "last"))
    out = []
    op = span[span["first"] > first]
    out.append(pd.DataFrame({"school_id": op.index, "school_name": op["name"], "county_id": op["county"],
                             "kind": "opened", "year": op["first"], "before": None, "after": op["type"]}))
    cl = span[span["last"] < last]
    out.append(pd.DataFrame({"school_id": cl.index, "school_name": cl["name"], "county_id": cl["county"],
                             "kind": "closed",  # the first observed year without it
                             "year": np.asarray(years)[np.searchsorted(years, cl["last"].to_numpy(), side="right")],
                             "before": cl["type"], "after": None}))
    a = a.sort_values(["school_id", "year"])
    prev = a.groupby("school_id")["school_type"].shift()
    ch = a[prev.notna() & a["school_type"].notna() & (prev != a["school_type"])]
    out.append(pd.DataFrame({"school_id": ch["school_id"], "school_name": ch["school_name"],
                             "county_id": ch["county_id"], "kind": "type_changed", "year": ch["year"],
                             "before": prev[ch.index], "after": ch["school_type"]}))
    res = pd.concat(out, ignore_index=True)
    return res.sort_values(["county_id", "school_id", "year"], kind="stable").reset_index(drop=True)


# ------------------------------------------------------------------------------------------ derived views

def unit_table(mon: Monitor) -> pd.DataFrame:
    """Per unit: latest outcome, margins, trend, projected first failure and the warning flags."""
    years, proj = mon.years, mon.projected
    allyears = years + proj
    li = len(years) - 1
    m = mon.matrices
    u = mon.units[KEYS + ["school_name", "rule_name", "operator", "unit"]].copy()
    out_last = m["outcome"][:, li]
    thr = m["threshold"][:, li]
    margin = m["margin"][:, li]
    with np.errstate(invalid="ignore", divide="ignore"):
        rel = np.where(np.abs(thr) > 0, margin / np.abs(thr), np.nan)
    slope, _, _, _ = fit_lines(years, m["value"][:, :len(years)])
    pf = m["outcome"][:, len(years):] == 0
    first_fail = np.where(pf.any(axis=1), np.asarray(proj)[np.argmax(pf, axis=1)] if proj else 0, 0)
    passing = out_last == 1
    u["outcome"] = pd.Series(NAMES[out_last], dtype=object)
    u["value"] = m["value"][:, li]
    u["threshold"] = thr
    u["margin"] = margin
    u["relative_margin"] = rel
    u["trend"] = slope
    u["projected_fail_year"] = np.where(passing & (first_fail > 0), first_fail, 0)
    u["stays_passing"] = passing & ~pf.any(axis=1) & (m["outcome"][:, len(years):] == 1).all(axis=1)
    warn_fail = passing & (first_fail > 0) & (first_fail <= years[-1] + mon.options.warn_within)
    warn_near = passing & (rel < mon.options.near) & ~np.isnan(rel)
    relax = np.zeros(len(u), dtype=bool)
    relax[mon.relax["unit"].to_numpy(int)] = True
    ends = np.full(len(u), None, dtype=object)
    params = np.full(len(u), None, dtype=object)
    texts = np.full(len(u), None, dtype=object)
    ends[mon.relax["unit"].to_numpy(int)] = mon.relax["ends"].to_numpy(object)
    params[mon.relax["unit"].to_numpy(int)] = mon.relax["params"].to_numpy(object)
    texts[mon.relax["unit"].to_numpy(int)] = mon.relax["text"].to_numpy(object)
    u["warn_projected_fail"] = warn_fail
    u["warn_near"] = warn_near
    u["warn_relaxation"] = relax
    u["relaxation_ends"] = pd.Series(ends, dtype=object)
    u["relaxation_params"] = pd.Series(params, dtype=object)
    u["relaxation_text"] = pd.Series(texts, dtype=object)
    u["warning"] = warn_fail | warn_near | relax
    u.attrs["years"] = allyears
    return u


def county_names(mon: Monitor) -> dict:
    names = {}
    for y in mon.years:
        f = mon.records[y][1].frame
        if len(f) and "county_name" in f.columns:
            names.update(dict(zip(f["county_id"].astype(str), f["county_name"])))
    return names


def _cv_rules(run: Run) -> list:
    return [r for r in run.compiled.rules if is_cv_rule(r)]


def contributors(mon: Monitor) -> dict:
    """(county, stage, rule) → the schools contributing most to that CV in the last observed year (what
    ``explain.dispersion.cv_contributions`` gives for one county, for every county at once)."""
    run = mon.last_run
    sp = run.evaluator.sp
    cids = sp.counties["county_id"].astype(str).to_numpy(dtype=object)
    stages = np.asarray(sp.stages, dtype=object)
    out: dict = {}
    for rule in _cv_rules(run):
        if rule.space == "county_stage":
            keys = list(zip(cids[sp.cs_county], stages[sp.cs_stage] if len(stages) else [""] * len(sp.cs_county)))
        else:
            keys = [(c, "") for c in cids]
        lists = top_contributions(run, rule, mon.options.lang, mon.options.contributors)
        out.update({(c, st, rule.id): lists.get(row, []) for row, (c, st) in enumerate(keys)})
    return out


def top_contributions(run: Run, rule, lang: str, top: int) -> dict:
    """Group row (county or county-stage) → its ``top`` units by share of the weighted variance, largest
    first, column-wise over every group (a group with a missing value or no weight has none)."""
    ev = run.evaluator
    sp = ev.sp
    expr = rule.value.get("*").node
    x = np.asarray(ev.node_values(expr.args[0], "stage"), dtype=float)
    w = np.asarray(ev.node_values(expr.kwargs["weight"], "stage"), dtype=float)
    g = np.asarray(sp.u_cs if rule.space == "county_stage" else sp.u_county, dtype=np.intp)
    ng = int(g.max()) + 1 if len(g) else 0
    bad = np.isnan(x) | np.isnan(w)
    xs, ws = np.where(bad, 0.0, x), np.where(bad, 0.0, w)
    P = np.bincount(g, weights=ws, minlength=ng)
    ok = (np.bincount(g, weights=bad, minlength=ng) == 0) & (P != 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.bincount(g, weights=ws * xs, minlength=ng) / P
        contrib = (ws / P[g]) * (xs - mean[g]) ** 2
    total = np.bincount(g, weights=np.where(ok[g], contrib, 0.0), minlength=ng)
    sel = np.flatnonzero(ok[g])
    order = sel[np.lexsort((-contrib[sel], g[sel]))]
    gs = g[order]
    rank = np.arange(len(order)) - np.searchsorted(gs, gs, side="left")
    keep = order[rank < top]
    if not len(keep):
        return {}
    kg = g[keep]
    sids = sp.schools["school_id"].to_numpy(dtype=object)[sp.u_school[keep]]
    names = sp.schools["school_name"].to_numpy(dtype=object)[sp.u_school[keep]]
    share = np.where(total[kg] > 0, contrib[keep] / np.where(total[kg] > 0, total[kg], 1.0), 0.0)
    below, above = t_engine(lang, "explain.below_mean"), t_engine(lang, "explain.above_mean")
    direction = np.where(x[keep] < mean[kg], below, above)
    items = [{"school_id": a, "school_name": b, "value": c, "weight": d, "county_mean": e, "share_of_variance": f,
              "direction": h} for a, b, c, d, e, f, h in zip(sids, names, x[keep].tolist(), w[keep].tolist(),
                                                             mean[kg].tolist(), share.tolist(), direction.tolist())]
    bounds = np.flatnonzero(np.diff(kg)) + 1
    starts = np.concatenate([[0], bounds]).tolist()
    ends = np.concatenate([bounds, [len(kg)]]).tolist()
    return {int(kg[a]): items[a:b] for a, b in zip(starts, ends)}


def counties_view(mon: Monitor, ut: pd.DataFrame) -> list:
    """Per county and year: the county-level outcomes and the CVs (observed and projected)."""
    run = mon.last_run
    cv_ids = {r.id for r in _cv_rules(run)}
    top = verdict_rules(run.standard, run.as_of)
    allyears = mon.years + mon.projected
    names = county_names(mon)
    contrib = contributors(mon)
    cert = eligibility(mon)
    u = mon.units
    idx = np.flatnonzero((u["level"] == "county").to_numpy())
    cid_arr = u["county_id"].to_numpy(object)[idx]
    idx = idx[np.argsort(pd.factorize(cid_arr)[0], kind="stable")]  # county by county (first seen first)
    cid_arr, rid_arr, st_arr = (u[c].to_numpy(object)[idx] for c in ("county_id", "rule_id", "stage"))
    o, v = mon.matrices["outcome"][idx], mon.matrices["value"][idx]
    labels = np.where(st_arr == "", rid_arr, rid_arr + ":" + st_arr) if len(idx) else np.zeros(0, dtype=object)
    names_o = NAMES[o]  # -1 → None
    is_top, is_cv = np.isin(rid_arr, list(top)), np.isin(rid_arr, list(cv_ids))
    st_key = np.where(st_arr == "", "all", st_arr) if len(idx) else st_arr
    vals = np.where(np.isnan(v), None, v).astype(object)
    bounds = np.flatnonzero(cid_arr[1:] != cid_arr[:-1]) + 1
    res = []
    for a, b in zip(np.concatenate([[0], bounds]).tolist(), np.concatenate([bounds, [len(idx)]]).tolist()):
        cid = cid_arr[a]
        years = {}
        for j, y in enumerate(allyears):  # per county and year: its items at once
            there = o[a:b, j] >= 0
            tops = names_o[a:b, j][there & is_top[a:b]]
            cv: dict = {}
            for rid, st, val in zip(rid_arr[a:b][there & is_cv[a:b]], st_key[a:b][there & is_cv[a:b]],
                                    vals[a:b, j][there & is_cv[a:b]]):
                cv.setdefault(rid, {})[st] = val
            years[str(y)] = {"projected": y in mon.projected, "outcome": tops[-1] if len(tops) else None,
                             "outcomes": dict(zip(labels[a:b][there].tolist(), names_o[a:b, j][there].tolist())),
                             "cv": cv}
        cvc: dict = {}
        for rid, st, stk in zip(rid_arr[a:b][is_cv[a:b]], st_arr[a:b][is_cv[a:b]], st_key[a:b][is_cv[a:b]]):
            if (cid, st, rid) in contrib:
                cvc.setdefault(rid, {})[stk] = contrib[(cid, st, rid)]
        res.append({"county_id": cid, "county_name": names.get(cid), "years": years, "cv_contributors": cvc,
                    "eligibility": cert.get(cid)})
    return res


def verdict_rules(std, day) -> set:
    """The county verdict: the rule of area ``county`` (评估结论). Other rules no rule uses, such as the
    eligibility check E_eligibility (reported apart, not part of the verdict), are not the verdict; a standard
    without a ``county`` area falls back to every such top rule."""
    top = _top_rules(std, day)
    return {rid for rid in top if std.rules[rid].area == "county"} or top


def eligibility(mon: Monitor) -> dict:
    """Per county: certification year (county field), earliest application year (+3, reference §8) and the
    monitored years behind an application with each year's county verdict."""
    lang = mon.options.lang
    last = mon.years[-1]
    cert: dict = {}
    for y in mon.years:
        f = mon.records[y][1].frame
        if len(f) and CERT_FIELD in f.columns:
            s = pd.to_numeric(f[CERT_FIELD], errors="coerce")
            ok = s.notna()
            cert.update(dict(zip(f.loc[ok, "county_id"].astype(str), s[ok].astype(int))))
    run = mon.last_run
    top = verdict_rules(run.standard, run.as_of)
    u = mon.units
    sel = np.flatnonzero((u["level"] == "county").to_numpy() & u["rule_id"].isin(top).to_numpy())
    verdict = {}
    for i in sel:
        verdict[u["county_id"].iat[i]] = {str(y): NAMES[int(mon.matrices["outcome"][i, j])]
                                          for j, y in enumerate(mon.years) if mon.matrices["outcome"][i, j] >= 0}
    out = {}
    all_c = set(verdict) | set(cert)
    for cid in sorted(all_c):
        cy = cert.get(cid)
        yearly = verdict.get(cid, {})
        if cy is None:
            out[cid] = {"certified_year": None, "status": "not_evaluable", "text": t("no_cert", lang),
                        "monitored_years": yearly}
            continue
        earliest = cy + ELIGIBILITY_GAP
        behind = {y: o for y, o in yearly.items() if int(y) > cy}
        out[cid] = {"certified_year": cy, "earliest_application_year": earliest,
                    "status": "met" if last >= earliest else "not_yet",
                    "text": t("met", lang) if last >= earliest else t("not_yet", lang) + (
                        f"（{earliest}年起）" if lang == "zh" else f" (from {earliest})"),
                    "monitored_years": behind, "monitored_years_count": len(behind)}
    return out


def ranking(mon: Monitor, ut: pd.DataFrame) -> list:
    """Counties ranked by readiness in the last observed year: county verdict, failing county items, failing
    school stages, items not evaluable, distance to pass (sum of relative shortfalls of failing thresholds)."""
    run = mon.last_run
    top = verdict_rules(run.standard, run.as_of)
    names = county_names(mon)
    u = ut
    code = mon.matrices["outcome"][:, len(mon.years) - 1]  # the last observed year's outcome codes
    fail, ne = code == CODES["fail"], code == CODES["not_evaluable"]
    county = (u["level"] == "county").to_numpy()
    is_top = u["rule_id"].isin(top).to_numpy()
    short = np.where(fail & ~np.isnan(u["relative_margin"].to_numpy(float)), -u["relative_margin"].to_numpy(float), 0)
    cc, cu = pd.factorize(u["county_id"].to_numpy(dtype=object), sort=True)  # grouped by code, not by text
    df = pd.DataFrame({"county": cc, "top_pass": county & is_top & (code == CODES["pass"]),
                       "top_fail": county & is_top & fail,
                       "failing_items": county & ~is_top & fail, "not_evaluable_items": county & ~is_top & ne,
                       "failing_school_units": ~county & fail, "distance": short,
                       "warnings": u["warning"].to_numpy(dtype=int)})
    g = df.groupby("county").agg(passes=("top_pass", "any"), fails=("top_fail", "any"),
                                 failing_items=("failing_items", "sum"),
                                 not_evaluable_items=("not_evaluable_items", "sum"),
                                 failing_school_units=("failing_school_units", "sum"), distance=("distance", "sum"),
                                 warnings=("warnings", "sum"))
    g.index = pd.Index(np.asarray(cu, dtype=object)[g.index.to_numpy()], dtype=object, name="county_id")
    flips: dict = {}
    if mon.variant_run is not None:
        imp = impact_of(run, mon.variant_run)
        for c in imp["counties"]:
            flips.setdefault(c["county_id"], []).append({"rule_id": c["rule_id"], "stage": c["stage"],
                                                         "from": c["a"], "to": c["b"]})
    g = g.sort_values(["passes", "failing_items", "not_evaluable_items", "distance", "failing_school_units"],
                      ascending=[False, True, True, True, True])
    out = []
    for rank, (cid, r) in enumerate(g.iterrows(), start=1):
        outcome = "pass" if r["passes"] else ("fail" if r["fails"] else "not_evaluable")
        item = {"rank": rank, "county_id": cid, "county_name": names.get(cid), "outcome": outcome,
                "passes_this_year": bool(r["passes"]), "failing_items": int(r["failing_items"]),
                "not_evaluable_items": int(r["not_evaluable_items"]),
                "failing_school_units": int(r["failing_school_units"]), "distance_to_pass": float(r["distance"]),
                "warnings": int(r["warnings"])}
        if mon.variant_run is not None:
            item["variant"] = mon.options.variant
            item["variant_flips"] = flips.get(cid, [])
        out.append(item)
    return out


def changes_list(mon: Monitor) -> list:
    c = mon.changes
    return [{"school_id": r.school_id, "school_name": r.school_name, "county_id": r.county_id, "kind": r.kind,
             "year": int(r.year), "before": r.before, "after": r.after} for r in c.itertuples(index=False)]


def document(mon: Monitor, detail: bool = False, json_text: bool = False) -> dict:
    """The JSON document (also what the HTML, XLSX and table views are drawn from). ``json_text``: the
    warnings as JSON text built column-wise (``jsonout.Raw``, for ``render.write_json``), not dicts."""
    lang = mon.options.lang
    ut = unit_table(mon)
    wc = warning_columns(mon, ut)
    doc = {
        "standard": mon.standard, "years": mon.years, "projected_years": mon.projected,
        "as_of": {str(y): d.isoformat() for y, d in mon.days.items()},
        "method": {"projection": t("method", lang), "trend": t("trend", lang),
                   "near": t("near", lang, pct=f"{mon.options.near * 100:g}"),
                   "warn_within_years": mon.options.warn_within, "eligibility": t("eligibility_rule", lang),
                   "ranking": t("ranking_rule", lang)},
        "inputs": {str(y): mon.inputs[y] for y in mon.years},
        "rejected": {str(y): mon.rejected[y] for y in mon.years if mon.rejected[y]},
        "summary": {"units": int(len(ut)), "passing_now": int((ut["outcome"] == "pass").sum()),
                    "failing_now": int((ut["outcome"] == "fail").sum()),
                    "stays_passing": int(ut["stays_passing"].sum()), "warnings": int(ut["warning"].sum()),
                    "projected_to_fail": int((ut["projected_fail_year"] > 0).sum()),
                    "near_threshold": int(ut["warn_near"].sum()), "relaxation": int(ut["warn_relaxation"].sum())},
        "stage_labels": {st: mon.last_run.standard.stage_label(st, lang) for st in mon.last_run.evaluator.sp.stages},
        "changes": changes_list(mon),
        "warnings": warnings_json(mon, ut, wc) if json_text else warnings_list(mon, ut, wc),
        "counties": counties_view(mon, ut),
        "ranking": ranking(mon, ut),
    }
    if detail:
        doc["indicators"] = indicators_list(mon, ut)
    return doc


def indicators_list(mon: Monitor, ut: pd.DataFrame) -> list:
    """Every school/stage indicator with a value: series, margin, trend, first projected failure."""
    m = mon.matrices
    k = len(mon.years)
    sel = np.flatnonzero((ut["level"] != "county").to_numpy() & ~np.isnan(m["value"]).all(axis=1))
    out = []
    vals, pvals = _rows_of(m["value"][sel, :k], mon.years), _rows_of(m["value"][sel, k:], mon.projected)
    for j, r in enumerate(ut.iloc[sel].itertuples(index=False)):
        out.append({"county_id": r.county_id, "school_id": r.school_id, "school_name": r.school_name,
                    "stage": r.stage or None, "rule_id": r.rule_id,
                    "outcome": r.outcome if isinstance(r.outcome, str) else None,
                    "values": vals[j], "projected_values": pvals[j],
                    "threshold": _num(r.threshold), "margin": _num(r.margin),
                    "relative_margin": _num(r.relative_margin), "trend": _num(r.trend),
                    "projected_fail_year": int(r.projected_fail_year) or None,
                    "stays_passing": bool(r.stays_passing)})
    return out
