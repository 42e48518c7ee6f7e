"""What `junheng plan` writes: the JSON contract, a terminal table, a Chinese HTML report and an Excel
workbook (cost by school and by kind of action, every CV before and after, the verdicts after)."""
from __future__ import annotations

import html
import json
import math

import numpy as np
import pandas as pd
from rich.table import Table

from junheng.explain.labels import field_label
from junheng.plan.government import MAX_STEP

TEXT = {
    "zh": {
        "title": "达标规划（最低成本）", "total": "总成本（元）", "lower": "下界（已证明）", "gap": "相对差距",
        "verified": "按规划调整后重新评估", "all_pass": "全部校级资源配置与差异系数指标达标",
        "not_all": "仍有 {n} 项未达标、{u} 项无法评估", "infeasible": "无可行规划",
        "by_school": "按学校汇总的成本", "by_kind": "按动作类别汇总的成本", "items": "规划明细",
        "cv": "差异系数（调整前 → 调整后）", "school": "学校", "stage": "学段", "action": "动作", "field": "字段",
        "add": "增加", "cost": "成本（元）", "units": "数量", "rule": "指标", "county": "区县", "limit": "上限",
        "before": "调整前", "after": "调整后",
        "blocked": "没有任何动作能提高 {rule}（{school} {stage}）：成本文件中无此类动作或已被禁止",
        "relax": "放宽限制：{school} 的“{action}”上限 {cap} → 至少 {need}",
        "excluded": "{n} 个学段单位数据不全，未纳入规划",
        "example": "注意：成本文件标为示例，价格为示意性占位数，不是真实报价。",
        "status": "状态", "none": "无需任何调整", "whole": "全校",
        "primary": "小学", "junior": "初中",
        "regress": "注意：以下规则在规划后由达标变为未达标（成本文件的动作未包含它们需要的字段）：{r}",
        "relax_timeout": "已证明在现有限制下无可行规划；在时限内未找到最小放宽方案",
        "gov": "政府保障程度 {rule}（纳入规划）：不达标 {b} → {a}",
        "enrol_growth": "按目标年份预测在校生规划：现有人数 × {f}（四舍五入）",
        "enrol_file": "按目标年份预测在校生规划：{file}（{n} 所学校）",
        "enrol_totals": "{stage}学生 {b} → {a} 人", "enrol_other": "班级数、教师、校舍等其他数据按现有数据",
        "gov_unreached": "；{n} 所学校在 {k} 个单位以内无法达标，未纳入",
        "gov_skipped": "政府保障程度 {rule} 未纳入规划：{why}",
        "no_plan": "未得到规划", "timeout": "在时限内未求得满足全部差异系数限值的规划（已证明的成本下界 {lb} 元）；"
                                              "可加大 --time-limit 再试",
    },
    "en": {
        "title": "Least-cost plan", "total": "total cost (yuan)", "lower": "proven lower bound", "gap": "gap",
        "verified": "records with the plan evaluated again", "all_pass": "every school rule and CV rule passes",
        "not_all": "{n} still fail, {u} not evaluable", "infeasible": "no feasible plan",
        "by_school": "cost by school", "by_kind": "cost by kind of action", "items": "plan items",
        "cv": "coefficients of variation (before → after)", "school": "school", "stage": "stage",
        "action": "action", "field": "field", "add": "add", "cost": "cost (yuan)", "units": "units",
        "rule": "rule", "county": "county", "limit": "limit", "before": "before", "after": "after",
        "blocked": "no action raises {rule} at {school} {stage}: the cost file has none or it is not allowed",
        "relax": "relax: {school} '{action}' cap {cap} → at least {need}",
        "excluded": "{n} stage units have incomplete data and are not planned",
        "example": "note: the cost file is an example; its prices are illustrative placeholders, not real prices.",
        "status": "status", "none": "nothing to change", "whole": "whole school",
        "primary": "primary", "junior": "junior",
        "regress": "note: these rules passed before the plan and not after it (the cost file's actions do not "
                   "add the fields they need): {r}",
        "relax_timeout": "proven infeasible under the current caps; the smallest relaxation was not found in time",
        "gov": "government item {rule} (planned): failing {b} → {a}",
        "enrol_growth": "planned for the projected pupils of the target year: today's × {f} (rounded half-up)",
        "enrol_file": "planned for the projected pupils of the target year: {file} ({n} schools)",
        "enrol_totals": "{stage} pupils {b} → {a}", "enrol_other": "classes, teachers, buildings and the rest as "
                                                                   "the records give them",
        "gov_unreached": "; {n} school(s) cannot pass within {k} units and are not planned",
        "gov_skipped": "government item {rule} not planned: {why}",
        "no_plan": "no plan", "timeout": "no plan meeting every CV limit was found within the time limit (proven "
                                         "lower bound of the cost: {lb} yuan); try a larger --time-limit",
    },
}


def _num(x):
    if x is None:
        return None
    x = float(x)
    return None if not math.isfinite(x) else round(x, 6)


def _unit_label(plan, u):
    sp = plan.run.spaces
    sf = sp.schools
    s = sp.u_school[u]
    return str(sf["school_id"].iloc[s]), str(sf["school_name"].iloc[s]) if "school_name" in sf else "", \
        sp.stages[sp.u_stage[u]]


def infeasible_json(plan, lang="zh") -> list:
    T = TEXT[lang]
    sf = plan.run.spaces.schools
    out = []
    for inf in plan.infeasible:
        blocked, relax, msgs = [], [], []
        for b in inf.get("blocked_indicators", []):
            sid, name, stage = _unit_label(plan, b["unit"])
            blocked.append({"school_id": sid, "school_name": name, "stage": stage, "rule": b["rule"]})
            msgs.append(T["blocked"].format(rule=b["rule"], school=name or sid, stage=T.get(stage, stage)))
        for r in inf.get("relaxation", []):
            act = plan.costs.actions[r["action"]]
            sid = str(sf["school_id"].iloc[r["school"]])
            name = str(sf["school_name"].iloc[r["school"]]) if "school_name" in sf else sid
            relax.append({"school_id": sid, "school_name": name, "action": act.id, "cap": _num(r["cap"]),
                          "needed": _num(r["needed"])})
            msgs.append(T["relax"].format(school=name, action=act.name, cap=_num(r["cap"]), need=_num(r["needed"])))
        if inf["status"] == "infeasible" and inf.get("relaxation_status"):
            msgs.append(T["relax_timeout"])
        if inf["status"] != "infeasible":
            lb = next((c["lower_bound"] for c in plan.counties if c["county_id"] == inf["county_id"]), None)
            msgs.append(T["timeout"].format(lb=_fmt(lb)))
        out.append({"county_id": inf["county_id"], "status": inf["status"],
                    "relaxation_status": inf.get("relaxation_status"), "blocked": blocked,
                    "relaxation": relax, "messages": msgs})
    return out


def cv_table(plan) -> pd.DataFrame:
    sp = plan.run.spaces
    st = plan.structure
    cid = sp.counties["county_id"].to_numpy(dtype=object)[sp.cs_county]
    stage = np.asarray(sp.stages, dtype=object)[sp.cs_stage]
    parts = []
    for cv in st.cvs:
        after = plan.after.evaluator.results[cv.id] if plan.after is not None else None
        parts.append(pd.DataFrame({
            "rule": cv.id, "county_id": cid, "stage": stage, "limit": cv.limit, "before": cv.before,
            "after": after.raw_value if after is not None else np.nan}))
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(
        columns=["rule", "county_id", "stage", "limit", "before", "after"])


def to_json(plan, lang="zh") -> dict:
    items = plan.items.drop(columns=["school_pos"], errors="ignore").copy()
    items["stage"] = items["stage"].astype(object).where(items["stage"].notna(), None)
    rows = [{k: (_num(v) if isinstance(v, (float, np.floating)) else v) for k, v in r.items()}
            for r in items.to_dict(orient="records")]
    cv = [{k: (_num(v) if isinstance(v, (float, np.floating)) else v) for k, v in r.items()}
          for r in cv_table(plan).to_dict(orient="records")]
    v = dict(plan.verified)
    v["cv"] = [{k: (_num(x) if isinstance(x, (float, np.floating)) else x) for k, x in r.items()} for r in v["cv"]]
    return {
        "standard": plan.run.standard.id,
        "as_of": str(plan.run.as_of) if plan.run.as_of else None,
        "costs": {"file": plan.costs.path,
                  "example": bool(plan.costs.meta.get("示例") or plan.costs.meta.get("example")),
                  "price_source": plan.costs.meta.get("price_source")},
        "plan": rows,
        "total_cost": _num(plan.total_cost),
        "lower_bound": _num(plan.lower_bound),
        "gap": _num(plan.gap),
        "counties": plan.counties,
        "cv": cv,
        "verified": v,
        "infeasible": infeasible_json(plan, lang) or None,
        "enrolment": plan.enrolment,
        "excluded_units": [dict(zip(("school_id", "school_name", "stage"), _unit_label(plan, u)))
                           for u in plan.excluded],
        "seconds": {k: round(x, 3) for k, x in plan.seconds.items()},
    }


def write_json(plan, path_or_stream, lang="zh"):
    text = json.dumps(to_json(plan, lang), ensure_ascii=False, indent=2, default=str)
    if hasattr(path_or_stream, "write"):
        path_or_stream.write(text + "\n")
    else:
        with open(path_or_stream, "w", encoding="utf-8") as fh:
            fh.write(text + "\n")


def by_school(plan) -> pd.DataFrame:
    it = plan.items
    if not len(it):
        return pd.DataFrame(columns=["school_id", "school_name", "cost"])
    return it.groupby(["school_id", "school_name"], as_index=False, sort=False)["cost"].sum() \
        .sort_values("cost", ascending=False)


def by_kind(plan) -> pd.DataFrame:
    it = plan.items
    if not len(it):
        return pd.DataFrame(columns=["action", "action_name", "units", "unit", "cost"])
    first = it[it["cost"] > 0] if (it["cost"] > 0).any() else it
    g = first.groupby(["action", "action_name", "unit"], as_index=False, sort=False).agg(
        units=("units", "sum"), cost=("cost", "sum"))
    return g.sort_values("cost", ascending=False)[["action", "action_name", "units", "unit", "cost"]]


def _fmt(x, d=2):
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "—"
    return f"{x:,.{d}f}"


def summary_lines(plan, lang="zh") -> list:
    T = TEXT[lang]
    out = []
    if plan.costs.meta.get("示例") or plan.costs.meta.get("example"):
        out.append(T["example"])
    out.append(f"{T['total']}: {_fmt(plan.total_cost)}   {T['lower']}: {_fmt(plan.lower_bound)}   "
               f"{T['gap']}: {_fmt(plan.gap * 100 if plan.gap is not None else None, 4)}%")
    v = plan.verified
    out.append(f"{T['verified']}: " + (T["all_pass"] if v.get("all_pass") else
                                        T["not_all"].format(n=v.get("failing"), u=v.get("not_evaluable"))))
    out += enrolment_lines(plan, lang)
    out += government_lines(plan, lang)
    if v.get("regressions"):
        out.append(T["regress"].format(r="，".join(f"{k} ×{n}" for k, n in v["regressions"].items())))
    if plan.excluded:
        out.append(T["excluded"].format(n=len(plan.excluded)))
    for inf in infeasible_json(plan, lang):
        head = T["infeasible"] if inf["status"] == "infeasible" else T["no_plan"]
        out.append(f"{head} {inf['county_id']} ({inf['status']})")
        out += ["  " + m for m in inf["messages"]]
    return out


def enrolment_lines(plan, lang="zh") -> list:
    """What the plan assumed of the target year's pupils (``--enrolment`` / ``--enrolment-growth``)."""
    e = plan.enrolment
    if not e:
        return []
    T = TEXT[lang]
    head = T["enrol_growth"].format(f=f"{e['factor']:g}") if e["method"] == "growth" else \
        T["enrol_file"].format(file=e["file"], n=e["schools_in_file"])
    sep = "；" if lang == "zh" else "; "
    parts = [T["enrol_totals"].format(stage=T.get(c.rsplit("_", 1)[1], c), b=f"{b:,.0f}",
                                      a=f"{e['students_after'].get(c, 0):,.0f}")
             for c, b in e["students_before"].items() if b or e["students_after"].get(c)]
    return [head + (sep + sep.join(parts) if parts else "") + sep + T["enrol_other"]]


def government_lines(plan, lang="zh") -> list:
    """One line per government rule planned (G3/G9/G12-like, plan/government.py) and per rule left out."""
    T = TEXT[lang]
    out = []
    for g in plan.verified.get("government", []):
        line = T["gov"].format(rule=g["rule"], b=g["fail_before"], a=g["fail_after"])
        if g["not_reached"]:
            line += T["gov_unreached"].format(n=g["not_reached"], k=MAX_STEP)
        out.append(line)
    out += [T["gov_skipped"].format(rule=x["rule"], why=x["reason"])
            for x in plan.verified.get("government_not_planned", [])]
    return out


def field_labels(plan, fields, lang: str = "zh") -> list:
    """The catalogue label of each changed column (``teachers_primary`` → 小学专任教师人数), one lookup per
    distinct column; a column the catalogue does not know keeps its id."""
    table = plan.run.evaluator.t
    known = {f: field_label(table, f, None, lang)[0] for f in pd.unique(pd.Series(fields, dtype=object))}
    return [known[f] for f in fields]


def print_table(plan, console, lang="zh"):
    T = TEXT[lang]
    t = Table(title=T["title"])
    for c in (T["school"], T["stage"], T["action"], T["units"], T["field"], T["add"], T["cost"]):
        t.add_column(c)
    for r, label in zip(plan.items.itertuples(), field_labels(plan, plan.items["field"], lang)):
        t.add_row(f"{r.school_name} {r.school_id}", T.get(r.stage, T["whole"]) if r.stage else T["whole"],
                  r.action_name, _fmt(r.units, 2), label, _fmt(r.add, 2), _fmt(r.cost, 2) if r.cost else "")
    console.print(t)
    cv = cv_table(plan)
    if len(cv):
        c = Table(title=T["cv"])
        for col in (T["rule"], T["county"], T["stage"], T["limit"], T["before"], T["after"]):
            c.add_column(col)
        for r in cv.itertuples():
            c.add_row(r.rule, str(r.county_id), T.get(r.stage, r.stage), _fmt(r.limit, 3), _fmt(r.before, 4),
                      _fmt(r.after, 4))
        console.print(c)
    for line in summary_lines(plan, lang):
        console.print(line, highlight=False, markup=False)


def _html_table(df: pd.DataFrame, headers: list) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(_cell(v))}</td>" for v in row) + "</tr>"
                   for row in df.itertuples(index=False))
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _cell(v):
    if isinstance(v, (float, np.floating)):
        return _fmt(float(v), 4 if abs(v) < 10 else 2)
    return "" if v is None else str(v)


def write_html(plan, path, lang="zh"):
    T = TEXT[lang]
    items = plan.items.drop(columns=["school_pos"], errors="ignore")
    items = items[["school_id", "school_name", "stage", "action_name", "units", "unit", "field", "add", "cost"]]
    items = items.assign(stage=items["stage"].map(lambda s: T.get(s, s) if s else T["whole"]),
                         field=field_labels(plan, items["field"], lang))
    cv = cv_table(plan).assign(stage=lambda d: d["stage"].map(lambda s: T.get(s, s)))
    parts = [f"<h1>{html.escape(T['title'])}</h1>"]
    parts += [f"<p>{html.escape(line)}</p>" for line in summary_lines(plan, lang)]
    parts.append(f"<h2>{T['by_school']}</h2>" + _html_table(by_school(plan), [T["school"], "", T["cost"]]))
    parts.append(f"<h2>{T['by_kind']}</h2>" + _html_table(by_kind(plan),
                                                           ["id", T["action"], T["units"], "", T["cost"]]))
    parts.append(f"<h2>{T['cv']}</h2>" + _html_table(cv, [T["rule"], T["county"], T["stage"], T["limit"],
                                                          T["before"], T["after"]]))
    parts.append(f"<h2>{T['items']}</h2>" + _html_table(items, [T["school"], "", T["stage"], T["action"],
                                                                T["units"], "", T["field"], T["add"], T["cost"]]))
    doc = ("<!DOCTYPE html><html lang=\"" + ("zh-CN" if lang == "zh" else "en") + "\"><head><meta charset=\"utf-8\">"
           f"<title>{html.escape(T['title'])}</title><style>body{{font-family:sans-serif;margin:2em}}"
           "table{border-collapse:collapse;margin-bottom:1.5em}td,th{border:1px solid #ccc;padding:2px 8px}"
           "</style></head><body>" + "".join(parts) + "</body></html>")
    if hasattr(path, "write"):
        path.write(doc)
    else:
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(doc)


def write_xlsx(plan, path, lang="zh"):
    from openpyxl import Workbook  # heavy optional dependency: imported when a workbook is written

    T = TEXT[lang]
    wb = Workbook()
    ws = wb.active
    ws.title = T["title"][:31]
    for line in summary_lines(plan, lang):
        ws.append([line])
    sheets = [
        (T["by_school"], by_school(plan), [T["school"], "", T["cost"]]),
        (T["by_kind"], by_kind(plan), ["id", T["action"], T["units"], "", T["cost"]]),
        (T["cv"], cv_table(plan), [T["rule"], T["county"], T["stage"], T["limit"], T["before"], T["after"]]),
        (T["items"], plan.items.drop(columns=["school_pos"], errors="ignore")
         .assign(stage=lambda d: d["stage"].map(lambda s: T.get(s, s) if s else T["whole"]),
                 field_label=lambda d: field_labels(plan, d["field"], lang)),
         [T["school"], "", T["stage"], "action", T["action"], T["units"], "", "field", T["add"], T["cost"],
          T["field"]]),
    ]
    for title, df, headers in sheets:
        s = wb.create_sheet(title[:31].replace("→", "-"))
        s.append(headers)
        for row in df.itertuples(index=False):
            s.append([None if (isinstance(v, float) and not math.isfinite(v)) else
                      (float(v) if isinstance(v, (float, np.floating)) else v) for v in row])
    wb.save(path)
