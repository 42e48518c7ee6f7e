"""Template filters that put the workbench's ids into words: a rule's level (学段, 区县), its area (资源配置),
a source status (已核实), a per-stage value ({primary: 4.2, junior: 5.3} → 小学 4.2、初中 5.3) and a citation
without its ``[verified]`` tail (the status has its own column). Registered once by ``create_app``."""
from __future__ import annotations

import re

from junheng.formatting import fmt_num
from junheng.i18n import t
from junheng.reports.conclusion import area_label
from junheng.standard.provenance import source_status_label

LEVEL_KEYS = {"stage": "level.stage", "school": "level.school", "county": "level.county",
              "county_stage": "level.county_stage", "const": "level.const"}
STATUS_TAIL = re.compile(r"\s*\[(verified|secondary|recalled)\]\s*$")


def level_label(level, lang: str = "zh") -> str:
    key = LEVEL_KEYS.get(level) if isinstance(level, str) else None
    return t(lang, key) if key else (level or "")


def stage_values(value, std, lang: str = "zh") -> str:
    """A parameter value as the page shows it: a number, or each stage by its label."""
    if isinstance(value, dict):
        return t(lang, "sep.list").join(f"{std.stage_label(s, lang)} {fmt_num(v)}" for s, v in value.items())
    return "—" if value is None else fmt_num(value)


def plain_citation(text) -> str:
    return STATUS_TAIL.sub("", str(text or ""))


def register_filters(app) -> None:
    app.add_template_filter(level_label, "level_label")
    app.add_template_filter(lambda a, lang="zh": area_label(a, lang), "area_label")
    app.add_template_filter(lambda s, lang="zh": source_status_label(s, lang) if s else "", "status_label")
    app.add_template_filter(stage_values, "stage_values")
    app.add_template_filter(plain_citation, "plain_citation")
