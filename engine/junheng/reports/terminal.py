"""The default terminal summary of an evaluation (rich tables, Chinese by default)."""
from __future__ import annotations

from rich.markup import escape
from rich.table import Table

from junheng.i18n import OUTCOME_LABELS, t as tr
from junheng.formatting import fmt_num
from junheng.reports.conclusion import conclusion_lines
from junheng.reports.files import summary

MARK = {"pass": "[green]✓[/]", "fail": "[bold red]✗[/]", "not_evaluable": "[yellow]?[/]", "not_applicable": "[dim]–[/]"}
MAX_ROWS = 400


def print_summary(console, run, lang: str = "zh") -> None:
    v = run.verdicts
    std = run.standard
    L = OUTCOME_LABELS[lang]
    title = (std.title_en or std.title) if lang == "en" else std.title
    console.print(f"[bold]{title}[/]" + tr(lang, "paren", x=f"{std.id}{tr(lang, 'sep.comma')}{std.version}")
                  + tr(lang, "summary.as_of", day=run.as_of_text(lang)))
    county = v[v.level == "county"]
    _print_conclusion(console, county, std, lang, run)
    if len(county):
        t = Table(title=tr(lang, "summary.county_verdicts"))
        for c in ("col.county", "col.stage", "col.rule", "col.name", "col.value", "col.threshold", "col.outcome"):
            t.add_column(tr(lang, c))
        for r in county.itertuples(index=False):
            stage = std.stage_label(r.stage, lang) if isinstance(r.stage, str) else ""
            t.add_row(escape(str(r.county_id)), stage, r.rule_id, escape(str(r.rule_name)), fmt_num(r.value),
                      (f"{r.operator} {fmt_num(r.threshold)}" if r.operator else ""),
                      f"{MARK.get(r.outcome, '')} {L.get(r.outcome, r.outcome)}"
                      + (escape(tr(lang, "summary.relaxed_only", params=r.relaxation))
                         if isinstance(getattr(r, "relaxation", None), str) else ""))
        console.print(t)
    stage = v[v.level == "stage"]
    if len(stage):
        rules = list(dict.fromkeys(stage.rule_id))
        wide = stage.pivot_table(index=["county_id", "school_id", "school_name", "stage"], columns="rule_id",
                                 values="outcome", aggfunc="first", sort=False)
        t = Table(title=tr(lang, "summary.stage_verdicts"))
        for c in ("col.school_id", "col.school_name", "col.stage"):
            t.add_column(tr(lang, c))
        for rid in rules:
            t.add_column(rid, justify="center")
        for k, (idx, row) in enumerate(wide.iterrows()):
            if k >= MAX_ROWS:
                t.add_row("…", tr(lang, "summary.more_rows", n=len(wide) - MAX_ROWS), "", *[""] * len(rules))
                break
            t.add_row(escape(str(idx[1])), escape(str(idx[2])), std.stage_label(idx[3], lang),
                      *[MARK.get(row.get(rid), "") for rid in rules])
        console.print(t)
    s = summary(run)
    o = s["outcomes"]
    console.print(tr(
        lang, "summary.counts", r=s["rows_read"], e=s["rows_evaluated"], j=s["rows_rejected"], u=s["stage_units"],
        n=len(v), p=o["pass"], f=o["fail"], ne=o["not_evaluable"], na=o["not_applicable"]))
    if run.rejected:
        console.print(f"[yellow]{tr(lang, 'summary.rejected_rows')}[/]")
        for r in run.rejected:
            console.print(f"  {r['file']}" + (f"[{r['sheet']}]" if r.get("sheet") else "") +
                          f":{r['row']} {r.get('id') or ''}: {r['reason']}", highlight=False, markup=False)


def _print_conclusion(console, county, std, lang, run=None):
    """The conclusion per county as a few lines that fit a 100-column terminal: the verdict and the
    areas not met by name, each area's outcome, the vetoes that fired, the eligibility check."""
    if run is None or "county" not in set(county.rule_id):
        return
    console.print(f"[bold]{tr(lang, 'summary.conclusion')}[/]")
    for line in conclusion_lines(run, lang):
        console.print(line, markup=False, highlight=False, soft_wrap=True)


def write_table(run, console, lang: str = "zh", progress=None) -> None:
    """The output-format table's writer (reports/formats.py): the summary on a rich console."""
    print_summary(console, run, lang)
