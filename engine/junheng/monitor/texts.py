"""The monitor's own texts, Chinese and English (kept here until the shared catalogue takes them)."""
from __future__ import annotations

TEXTS = {
    "title": ("县域义务教育均衡发展 年度监测与预警", "Annual monitoring and early warning"),
    "method": (
        "预测方法：每所学校、每个区县的每个数值字段（学生数、教师数、面积、设备值、经费、百分比等）"
        "分别按观测年份做最小二乘线性趋势，外推到预测年份，截断于0（百分比另截断于100），"
        "人数等计数四舍五入取整；指标的分子、分母由此分别预测（如学生数下降而面积不变，生均面积上升）。"
        "学校类型、是否类事实和建校年份保持最后一年的值；学校类型变化过的学校只用变化后的年份拟合；"
        "最后一年缺失的字段不预测。预测的记录与观测年份一样由规则引擎按该年评估日期评估"
        "（阈值、带期限的放宽规定、条件、差异系数均按标准计算）。",
        "Projection: every numeric field of every school and "
        "county (pupils, teachers, areas, equipment value, funds, "
        "percentages...) is projected on its own by a least-squares "
        "linear trend over the observed years, clipped at 0 "
        "(percentages also at 100), counts rounded half-up; an "
        "indicator's numerator and denominator are thus projected "
        "separately (falling pupil numbers with a fixed floor area "
        "raise the area per pupil). School type, yes/no facts "
        "and built year keep their last-year values; a school whose "
        "type changed is fitted on the years since the change; "
        "a field missing in the last year is not projected. Projected "
        "records are evaluated by the rules engine at a date "
        "in the projected year, like the observed years (thresholds, dated relaxations, conditions and CVs as the "
        "standard says)."),
    "trend": ("趋势：观测年份数值的最小二乘斜率（每年变化量）。",
              "Trend: least-squares slope of the observed values (change per year)."),
    "near": ("临界：最后一个观测年度达标，但距阈值不到阈值的 {pct}%。",
             "Near: passes in the last observed year within {pct}% of the threshold."),
    "eligibility_rule": (
        "申请资格（参考资料第8节，次级来源：河北实施细则、2024年国家认定程序）："
        "通过基本均衡国家认定至少3年后，且年度监测持续保持较高水平，方可申请优质均衡认定。"
        "“较高水平”在参考资料中没有量化标准，本工具只列出各年度评估结论，不作判断。",
        "Eligibility (reference section 8, secondary: Hebei rules, 2024 national procedure): a county may apply for "
        "high-quality balance only when it passed basic-balance certification "
        "at least 3 years earlier and its annual "
        "monitoring stayed at a high level. 'High level' is "
        "not quantified in the reference: the yearly county verdicts "
        "are listed, not judged."),
    "ranking_rule": (
        "排名：最后一个观测年度区县结论通过者在前；其次按不达标的区县项目数、无法判定的区县项目数、距达标程度"
        "（所有不达标阈值判定的相对差距之和）、不达标的学校指标数从少到多排列。",
        "Ranking: counties passing in the last observed year first; then fewer failing county items, fewer county "
        "items not evaluable, smaller distance to pass (sum of the relative shortfalls of failing threshold "
        "verdicts), fewer failing school indicators."),
    "reason_projected_fail": ("预计 {year} 年不达标", "projected to fail in {year}"),
    "reason_near": ("距阈值 {pct}", "within {pct} of the threshold"),
    "reason_relaxation": ("仅在放宽规定下达标（{params}，{end} 到期）",
                          "passes only under a dated relaxation ({params}, ends {end})"),
    "stays": ("保持达标", "stays passing"),
    "opened": ("新出现", "appears"),
    "closed": ("消失（停办或撤并）", "disappears (closed or merged)"),
    "type_changed": ("学校类型变化", "school type changed"),
    "met": ("已满足（认定满3年）", "met (3 years since certification)"),
    "not_yet": ("尚未满足", "not yet"),
    "no_cert": ("缺少字段 basic_balance_certified_year（通过基本均衡国家认定年份），无法判定",
                "not evaluable: field basic_balance_certified_year (basic-balance certification year) missing"),
    "pass": ("达标", "pass"), "fail": ("不达标", "fail"), "not_evaluable": ("无法判定", "not evaluable"),
    "not_applicable": ("不适用", "not applicable"),
    "county_pass": ("通过", "passes"), "county_fail": ("未通过", "fails"),
    "projected": ("预测", "projected"), "observed": ("观测", "observed"),
    "warnings": ("预警", "Warnings"), "counties": ("区县", "Counties"), "ranking": ("排名", "Ranking"),
    "eligibility": ("申请资格", "Eligibility"), "changes": ("学校变动", "School changes"),
    "indicators": ("学校指标", "School indicators"), "method_sheet": ("方法", "Method"),
    "cv": ("差异系数", "CV"), "contributors": ("贡献最大的学校", "largest contributors"),
    "variant_flip": ("在省级标准 {v} 下结论变化", "verdict changes under {v}"),
}


def t(key: str, lang: str = "zh", **kw) -> str:
    zh, en = TEXTS[key]
    text = en if lang == "en" else zh
    return text.format(**kw) if kw else text


def county_outcome_text(code: str, lang: str = "zh") -> str:
    """A county verdict: 通过 / 未通过 (无法判定 stays as it is)."""
    return t("county_" + code, lang) if code in ("pass", "fail") else outcome_text(code, lang)


def outcome_text(code: str, lang: str = "zh") -> str:
    return t(code, lang) if code in ("pass", "fail", "not_evaluable", "not_applicable") else (code or "")
