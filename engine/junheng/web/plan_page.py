"""The workbench's 达标规划 page (/runs/<id>/plan): `junheng plan` on the records of a workbench evaluation.

The user picks the cost file (the bundled 示例 by default, or one uploaded YAML/CSV, read from memory
and never stored) and a time limit; the planner runs in the request (at most ``MAX_SCHOOLS`` schools,
larger counties are sent to the command line), and the page shows the plan with the verdicts of the
records evaluated again. The last few plans of a run are kept with it for the downloads (JSON, HTML,
XLSX: the formats of `junheng plan`)."""
from __future__ import annotations

import io
import math
from collections import OrderedDict

import numpy as np
from flask import Blueprint, Response, abort, render_template, request

from junheng.errors import InputError
from junheng.evaluation.logic import PASS
from junheng.i18n import OUTCOME_LABELS, localize, t
from junheng.plan.cli import EXAMPLE_COSTS
from junheng.plan.costs import parse_costs
from junheng.plan.enrolment import project
from junheng.plan.model import PlanModelError
from junheng.plan.outputs import by_kind, by_school, cv_table, enrolment_lines, government_lines, infeasible_json
from junheng.plan.outputs import field_labels, write_html, write_json, write_xlsx
from junheng.plan.planner import OUTCOME, make_plan
from junheng.web.workspace import Workspace, display_name

MAX_SCHOOLS = 300  # planned in the request; a larger county is planned with the command line
MAX_SECONDS = 60.0
DEFAULT_SECONDS = 30.0
KEEP_PLANS = 3  # plans kept per run for the downloads
COST_SUFFIXES = (".yaml", ".yml", ".csv")
FORMATS = {"json": "application/json", "html": "text/html",
           "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}

KEYS = ("plan_page.link", "plan_page.title", "plan_page.intro", "plan_page.run", "plan_page.costs",
        "plan_page.costs_example", "plan_page.costs_upload", "plan_page.go", "plan_page.growth", "plan_page.back",
        "plan_page.summary", "plan_page.total", "plan_page.lower", "plan_page.gap", "plan_page.example_note",
        "plan_page.new_problems", "plan_page.none", "plan_page.by_school", "plan_page.by_kind", "plan_page.cv",
        "plan_page.items", "plan_page.verdicts", "plan_page.school", "plan_page.school_id", "plan_page.stage",
        "plan_page.whole", "plan_page.action", "plan_page.units", "plan_page.unit", "plan_page.field",
        "plan_page.add", "plan_page.cost", "plan_page.rule", "plan_page.county", "plan_page.limit",
        "plan_page.before", "plan_page.after", "plan_page.outcome_after", "plan_page.downloads")


def texts(lang: str) -> dict:
    out = {k.split(".", 1)[1]: t(lang, k) for k in KEYS}
    out["time_limit"] = t(lang, "plan_page.time_limit", max=f"{MAX_SECONDS:g}")
    return out


def fmt(x, digits: int = 2) -> str:
    if x is None:
        return "—"
    try:
        v = float(x)
    except (TypeError, ValueError):
        return str(x)
    return f"{v:,.{digits}f}" if math.isfinite(v) else "—"


def _stage_label(lang: str, stage) -> str:
    if stage in ("primary", "junior", "senior"):
        return t(lang, "stage." + stage)
    return t(lang, "plan_page.whole") if stage is None or stage != stage else str(stage)


def verdict_rows(plan, lang: str) -> list:
    """Every stage unit: the school rule's verdict before and after the plan; not passing first."""
    sp = plan.run.spaces
    rule = plan.structure.school_rule
    before = plan.run.evaluator.results[rule].outcome
    after = plan.after.evaluator.results[rule].outcome if plan.after is not None else before
    labels = OUTCOME_LABELS["en" if lang == "en" else "zh"]
    names = {int(c): labels.get(OUTCOME.get(int(c), ""), str(c)) for c in np.union1d(before, after)}
    sf = sp.schools
    ids = sf["school_id"].astype(str).to_numpy()[sp.u_school]
    nm = sf["school_name"].astype(str).to_numpy()[sp.u_school] if "school_name" in sf else ids
    order = np.lexsort((ids, after == PASS))  # the units not passing first
    stages = [_stage_label(lang, s) for s in sp.stages]
    return [{"school_id": ids[u], "school_name": nm[u], "stage": stages[sp.u_stage[u]],
             "before": names[int(before[u])], "after": names[int(after[u])], "ok": int(after[u]) == PASS}
            for u in order.tolist()]


def plan_view(plan, lang: str) -> dict:
    """What the page shows of a plan, in the page's language."""
    v = plan.verified
    lines = [t(lang, "plan_page.verified_pass") if v.get("all_pass") else
             t(lang, "plan_page.verified_not", n=v.get("failing"), u=v.get("not_evaluable"))]
    if v.get("regressions"):
        lines.append(t(lang, "plan_page.regressions",
                       r=tuple(f"{k} ×{n}" for k, n in v["regressions"].items())))
    meta = plan.costs.meta
    cv = cv_table(plan)
    outcomes = OUTCOME_LABELS["en" if lang == "en" else "zh"]
    after = [outcomes.get(c.get("outcome"), c.get("outcome")) for c in v.get("cv", [])]
    cv = cv.assign(stage=[_stage_label(lang, s) for s in cv["stage"]],
                   outcome=after if len(after) == len(cv) else "")
    items = plan.items.assign(stage=[_stage_label(lang, s) for s in plan.items["stage"]],
                              field_label=field_labels(plan, plan.items["field"], lang))
    return {
        "total": fmt(plan.total_cost), "lower": fmt(plan.lower_bound),
        "gap": fmt(plan.gap * 100 if plan.gap is not None else None, 4) + ("%" if plan.gap is not None else ""),
        "example": bool(meta.get("示例") or meta.get("example")),
        "price_source": t(lang, "plan_page.price_source", x=meta["price_source"]) if meta.get("price_source")
        else "",
        "costs_name": plan.costs.path,
        "lines": lines, "all_pass": bool(v.get("all_pass")),
        "government": enrolment_lines(plan, lang) + government_lines(plan, lang),
        "new_problems": list(v.get("new_data_problems") or []),
        "infeasible": [dict(x, head=t(lang, "plan_page.infeasible", county=x["county_id"], status=x["status"]))
                       for x in infeasible_json(plan, lang)],
        "by_school": by_school(plan).to_dict(orient="records"),
        "by_kind": by_kind(plan).to_dict(orient="records"),
        "cv": cv.to_dict(orient="records"),
        "plan_items": items.drop(columns=["school_pos"], errors="ignore").to_dict(orient="records"),
        "verdicts": verdict_rows(plan, lang),
    }


def _read_costs(entry, lang: str):
    """The cost file of the form: the bundled example, or the uploaded YAML/CSV (read in memory)."""
    columns = entry.run.spaces.schools.columns
    if request.form.get("costs_choice", "example") == "example":
        return parse_costs(EXAMPLE_COSTS.read_bytes(), EXAMPLE_COSTS.name, columns)
    f = request.files.get("costs_file")
    if not f or not f.filename:
        raise InputError(t(lang, "plan_page.need_costs"))
    name = display_name(f.filename)
    if not name.lower().endswith(COST_SUFFIXES):
        raise InputError(t(lang, "plan_page.cost_suffix", file=name))
    return parse_costs(f.read(), name, columns)


def _form_number(text) -> tuple[str, float]:
    """A number typed in the form: the text stripped, and its value (NaN when it is not a number)."""
    raw = (text or "").strip()
    try:
        return raw, float(raw)
    except ValueError:
        return raw, math.nan


def _time_limit(text, lang: str) -> float:
    raw, v = _form_number(text)
    if not raw:
        return DEFAULT_SECONDS
    if not (1 <= v <= MAX_SECONDS):
        raise InputError(t(lang, "plan_page.bad_time", max=f"{MAX_SECONDS:g}", text=raw[:40]))
    return v


def _growth(text, lang: str) -> float | None:
    raw, v = _form_number(text)
    if not raw:
        return None
    if not (0 < v <= 10):
        raise InputError(t(lang, "plan_page.bad_growth", text=raw[:40]))
    return v


def _keep(entry, plan) -> str:
    plans = entry.extra.setdefault("plans", OrderedDict())
    pid = Workspace.new_id()
    plans[pid] = plan
    while len(plans) > KEEP_PLANS:
        plans.popitem(last=False)
    return pid


def _make(entry, lang: str, errors: list):
    """Run the planner on the form's choices; the view of the plan, or None with the errors."""
    try:
        costs = _read_costs(entry, lang)
        seconds = _time_limit(request.form.get("time_limit"), lang)
        growth = _growth(request.form.get("growth"), lang)
        run, enrolment = entry.run, None
        if growth is not None:
            run, enrolment = project(run, growth=growth)
        plan = make_plan(run, costs, time_limit=seconds)
        plan.enrolment = enrolment
    except InputError as exc:
        errors.append(localize(exc.args[0], lang) if exc.args else str(exc))
        return None
    except PlanModelError as exc:
        errors.append(t(lang, "plan_page.cannot", e=str(exc)))
        return None
    view = plan_view(plan, lang)
    view["id"] = _keep(entry, plan)
    return view


def _download_bytes(plan, fmt_: str, lang: str) -> bytes:
    if fmt_ == "xlsx":
        buf = io.BytesIO()
        write_xlsx(plan, buf, lang)
        return buf.getvalue()
    text = io.StringIO()
    (write_json if fmt_ == "json" else write_html)(plan, text, lang)
    return text.getvalue().encode("utf-8")


def plan_blueprint(entry_of, lang_of, scrub_download) -> Blueprint:
    """``entry_of(run_id)``: the workbench's run entry (404 when there is none); ``scrub_download(data,
    fmt)``: the workbench's download scrubber (a download names no server folder; web/app.py)."""
    bp = Blueprint("plan", __name__)

    @bp.app_context_processor
    def _link_text():
        return {"plan_link_text": t(lang_of(), "plan_page.link")}

    @bp.route("/runs/<run_id>/plan", methods=["GET", "POST"])
    def plan_page(run_id):
        entry, lg = entry_of(run_id), lang_of()
        errors: list = []
        n = len(entry.run.spaces.schools)
        too_many = n > MAX_SCHOOLS
        if too_many:
            errors.append(t(lg, "plan_page.too_many", n=n, max=MAX_SCHOOLS))
        view = _make(entry, lg, errors) if request.method == "POST" and not too_many else None
        code = 400 if errors and request.method == "POST" else 200
        return render_template("plan.html", entry=entry, T=texts(lg), errors=errors, view=view, fmt=fmt,
                               too_many=too_many, form=request.form, max_seconds=MAX_SECONDS,
                               default_seconds=DEFAULT_SECONDS, formats=list(FORMATS)), code

    @bp.route("/runs/<run_id>/plan/<plan_id>/download/<fmt_>")
    def plan_download(run_id, plan_id, fmt_):
        entry, lg = entry_of(run_id), lang_of()
        plan = entry.extra.get("plans", {}).get(plan_id)
        if plan is None:
            abort(404, t(lg, "plan_page.plan_missing"))
        if fmt_ not in FORMATS:
            abort(404)
        data = scrub_download(_download_bytes(plan, fmt_, lg), fmt_)
        return Response(data, mimetype=FORMATS[fmt_],
                        headers={"Content-Disposition": f'attachment; filename="junheng-plan.{fmt_}"'})

    return bp
