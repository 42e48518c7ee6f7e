"""The default terminal summary of an evaluation (rich tables, Chinese by default)."""
from __future__ import annotations

from rich.table import Table

from junheng.i18n import OUTCOME_LABELS, fmt_num
from junheng.reports.files import summary

MARK = {"pass": "[green]✓[/]", "fail": "[bold red]✗[/]", "not_evaluable": "[yellow]?[/]", "not_applicable": "[dim]–[/]"}
MAX_ROWS = 400


def print_summary(console, run, lang: str = "zh") -> None:
    zh = lang == "zh"
    v = run.verdicts
    std = run.standard
    L = OUTCOME_LABELS[lang]
    console.print(f"[bold]{std.title}[/]（{std.id}，{std.version}）  " + ("评估日期 " if zh else "as of ")
                  + run.as_of_text(lang))
    county = v[v.level == "county"]
    _print_conclusion(console, county, std, lang)
    if len(county):
        t = Table(title="区县判定 / county verdicts" if zh else "county verdicts")
        for c in (("区县", "county"), ("学段", "stage"), ("规则", "rule"), ("名称", "name"), ("值", "value"),
                  ("阈值", "threshold"), ("结果", "outcome")):
            t.add_column(c[0] if zh else c[1])
        for r in county.itertuples(index=False):
            stage = std.stage_label(r.stage, lang) if isinstance(r.stage, str) else ""
            t.add_row(str(r.county_id), stage, r.rule_id, r.rule_name, fmt_num(r.value),
                      (f"{r.operator} {fmt_num(r.threshold)}" if r.operator else ""),
                      f"{MARK.get(r.outcome, '')} {L.get(r.outcome, r.outcome)}"
                      + (("（仅因过渡期放宽：" if zh else " (only under a relaxation: ") + str(r.relaxation)
                         + ("）" if zh else ")") if isinstance(getattr(r, "relaxation", None), str) else ""))
        console.print(t)
    stage = v[v.level == "stage"]
    if len(stage):
        rules = list(dict.fromkeys(stage.rule_id))
        wide = stage.pivot_table(index=["county_id", "school_id", "school_name", "stage"], columns="rule_id",
                                 values="outcome", aggfunc="first", sort=False)
        t = Table(title="学校学段判定 / school-stage verdicts" if zh else "school-stage verdicts")
        for c in ("学校代码" if zh else "school", "学校名称" if zh else "name", "学段" if zh else "stage"):
            t.add_column(c)
        for rid in rules:
            t.add_column(rid, justify="center")
        for k, (idx, row) in enumerate(wide.iterrows()):
            if k >= MAX_ROWS:
                t.add_row("…", f"({len(wide) - MAX_ROWS} more)", "", *[""] * len(rules))
                break
            t.add_row(str(idx[1]), str(idx[2]), std.stage_label(idx[3], lang),
                      *[MARK.get(row.get(rid), "") for rid in rules])
        console.print(t)
    s = summary(run)
    o = s["outcomes"]
    template = ("读入 {r} 行，评估 {e} 行，拒绝 {j} 行；学段单位 {u} 个；判定 {n} 条：达标 {p}，不达标 {f}，无法判定 {ne}，"
                "不适用 {na}") if zh else \
        ("read {r} rows, evaluated {e}, rejected {j}; {u} stage units; {n} verdicts: pass {p}, fail {f}, "
         "not evaluable {ne}, not applicable {na}")
    console.print(template.format(
        r=s["rows_read"], e=s["rows_evaluated"], j=s["rows_rejected"], u=s["stage_units"], n=len(v),
        p=o["pass"], f=o["fail"], ne=o["not_evaluable"], na=o["not_applicable"]))
    if run.rejected:
        console.print("[yellow]被拒绝的行 / rejected rows:[/]")
        for r in run.rejected:
            console.print(f"  {r['file']}" + (f"[{r['sheet']}]" if r.get("sheet") else "") +
                          f":{r['row']} {r.get('id') or ''}: {r['reason']}", highlight=False, markup=False)


AREAS = ("area_resources", "area_government", "area_quality", "area_recognition")


def _print_conclusion(console, county, std, lang):
    """One line per county: the overall verdict, the four areas and any veto that fired."""
    zh = lang == "zh"
    if "county" not in set(county.rule_id):
        return
    L = OUTCOME_LABELS[lang]
    areas = [a for a in AREAS if a in set(county.rule_id)]
    t = Table(title="评估结论 / conclusion" if zh else "conclusion")
    t.add_column("区县" if zh else "county")
    eligibility = list(dict.fromkeys(county.rule_id[county.area == "eligibility"]))  # apart from the four areas
    for rid in eligibility:
        t.add_column("资格审查" if zh else "eligibility")
    t.add_column("结论" if zh else "verdict")
    short = {"area_resources": "资源配置", "area_government": "政府保障程度", "area_quality": "教育质量",
             "area_recognition": "社会认可度"}
    for a in areas:
        t.add_column(short[a] if zh else a.replace("area_", ""))
    t.add_column("一票否决" if zh else "vetoes")
    t.add_column("说明" if zh else "reason")
    for cid, g in county.groupby("county_id", sort=False):
        by = g.set_index("rule_id")
        overall = by.loc["county"]
        fired = [r for r in by.index if r.startswith("V_") and by.loc[r, "outcome"] == "fail"]
        county_word = {"pass": "通过", "fail": "未通过"} if zh else {}  # the vocabulary of real documents
        elig = [f"{MARK.get(by.loc[e, 'outcome'], '')} {L.get(by.loc[e, 'outcome'], '')}" if e in by.index else ""
                for e in eligibility]
        t.add_row(str(cid), *elig, f"{MARK.get(overall.outcome, '')} "
                            f"{county_word.get(overall.outcome) or L.get(overall.outcome, overall.outcome)}",
                  *[f"{MARK.get(by.loc[a, 'outcome'], '')} {L.get(by.loc[a, 'outcome'], '')}" for a in areas],
                  "、".join(fired) if fired else ("无" if zh else "none"), str(overall.reason))
    console.print(t)


def write_table(run, console, lang: str = "zh", progress=None) -> None:
    """The output-format table's writer (reports/formats.py): the summary on a rich console."""
    print_summary(console, run, lang)
