"""The output formats, one entry each: what writes it, its MIME type, whether it needs ``--out``,
whether it is a report with suggestions (counterfactuals computed first), whether the workbench
offers it for download. The CLI's ``--format`` choices and help, the workbench's downloads and the
docs read this table; a new format is one entry here.

Writers are named as ``module:function`` and imported when a format is used, so that reading the
table (``junheng --help``) loads neither pandas nor openpyxl.
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass


@dataclass(frozen=True)
class OutputFormat:
    name: str
    writer: str  # "module:function"; called as writer(run, target, lang, progress)
    mime: str
    binary: bool = False  # writes bytes (a binary stream or a file)
    needs_out: bool = False  # cannot be written to standard output
    report: bool = False  # carries suggestions: counterfactuals are computed first
    download: bool = False  # offered by the workbench
    help: str = ""  # one line, Chinese (the CLI's help language)

    def write(self, run, target, lang: str = "zh", progress=None) -> None:
        module, function = self.writer.split(":")
        getattr(importlib.import_module(module), function)(run, target, lang, progress)


OUTPUT_FORMATS = {f.name: f for f in (
    OutputFormat("table", "junheng.reports.terminal:write_table", "text/plain", help="终端表格（默认）"),
    OutputFormat("json", "junheng.reports.files:write_json_report", "application/json", download=True,
                 help="判定与来源的 JSON（schemas/verdicts.schema.json）"),
    OutputFormat("csv", "junheng.reports.files:write_csv_report", "text/csv; charset=utf-8", download=True,
                 help="判定表 CSV（以 = + - @ 开头的文字前加 '）"),
    OutputFormat("parquet", "junheng.reports.files:write_parquet_report", "application/vnd.apache.parquet",
                 binary=True, needs_out=True, help="判定表 Parquet（列同 CSV，全国规模推荐）"),
    OutputFormat("html", "junheng.reports.html_report:write_html_report", "text/html; charset=utf-8", report=True,
                 download=True, help="单文件 HTML 报告（图表、学校表、解释、如何达标、来源）"),
    OutputFormat("xlsx", "junheng.reports.xlsx_report:write_xlsx_report",
                 "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", binary=True, needs_out=True,
                 report=True, download=True, help="Excel 报告"),
)}


def format_help() -> str:
    return "；".join(f"{f.name}：{f.help}" + ("（需 --out）" if f.needs_out else "") for f in OUTPUT_FORMATS.values())
