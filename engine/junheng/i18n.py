"""Messages in Chinese (default) and English."""
from __future__ import annotations
import numpy as np

OUTCOME_LABELS = {
    "zh": {"pass": "达标", "fail": "不达标", "not_evaluable": "无法判定", "not_applicable": "不适用"},
    "en": {"pass": "pass", "fail": "fail", "not_evaluable": "not evaluable", "not_applicable": "not applicable"},
}
LEVEL_LABELS = {
    "zh": {"stage": "学段", "school": "学校", "county": "区县"},
    "en": {"stage": "stage", "school": "school", "county": "county"},
}

MESSAGES = {
    "zh": {
        "meets": "{value} {op} {threshold}，达标",
        "misses": "{value} 未满足 {op} {threshold}",
        "missing": "缺少或无效的数据：{fields}",
        "dep_unknown": "所依据的规则无法判定：{rules}",
        "units_unknown": "{n} 个单位的数据无法计算：{units}",
        "invalid_result": "计算结果无效（如除数为零）：{inputs}",
        "not_applicable": "不适用：{cond} 不成立",
        "applies_unknown": "无法判定是否适用：{cond}",
        "at_least": "{passes} 项达标（要求至少 {k} 项）",
        "below_floor": "低于要求的 {floor}：{rules}",
        "unknown_rules": "无法判定：{rules}",
        "cond_pass": "条件成立",
        "cond_fail": "条件不成立",
        "failed_parts": "未达标：{rules}",
        "threshold_from": "阈值取自参数 {param}",
        "no_units": "区县内没有可评估的学校",
        "no_selected_units": "区县内没有适用的学校（汇总的范围为空）",
        "both_branches": "条件未知（{cond}），但两种情形结论相同",
        "relaxed": "仅因过渡期放宽而达标：{params}（生效 {window}），须在认定后三年内达到规定标准",
    },
    "en": {
        "meets": "{value} {op} {threshold}: meets",
        "misses": "{value} does not meet {op} {threshold}",
        "missing": "missing or invalid data: {fields}",
        "dep_unknown": "rules it depends on are not evaluable: {rules}",
        "units_unknown": "{n} units cannot be computed: {units}",
        "invalid_result": "invalid result (e.g. division by zero): {inputs}",
        "not_applicable": "not applicable: {cond} does not hold",
        "applies_unknown": "cannot tell whether it applies: {cond}",
        "at_least": "{passes} indicators met (at least {k} required)",
        "below_floor": "below {floor} of the requirement: {rules}",
        "unknown_rules": "not evaluable: {rules}",
        "cond_pass": "condition holds",
        "cond_fail": "condition does not hold",
        "failed_parts": "failed: {rules}",
        "threshold_from": "threshold from parameter {param}",
        "no_units": "no evaluable school in the county",
        "no_selected_units": "no school in the county to which it applies (the set reduced is empty)",
        "both_branches": "condition unknown ({cond}), but both cases give the same verdict",
        "relaxed": "passes only under a transitional relaxation: {params} (in force {window}); the normal "
                   "standard must be reached within three years of certification",
    },
}


def msg(lang: str, key: str, **kw) -> str:
    table = MESSAGES.get(lang, MESSAGES["zh"])
    return table[key].format(**kw)


def fmt_array(arr):
    """fmt_num over a whole array, vectorised: each distinct value is formatted once."""
    arr = np.round(np.asarray(arr, dtype="float64"), 4)
    if not len(arr):
        return np.zeros(0, dtype=object)
    uniq, inv = np.unique(arr, return_inverse=True)  # NaN sorts last, one per NaN: collapse them
    text = np.asarray(fmt_distinct(uniq).to_numpy(zero_copy_only=False), dtype=object)
    return text[inv.reshape(-1)]


def fmt_distinct(uniq):
    """Numbers already rounded to 4 decimals as fmt_num writes them, as an arrow string array.

    A value below 1e11 is q / 10^4 for an integer q (exact in a double), so its ``%.4f`` text is the
    digits of q with a point before the last four: built in C from q (no per-value Python string).
    Larger or non-finite values go through ``%.4f`` as before."""
    import pyarrow as pa
    import pyarrow.compute as pc

    uniq = np.asarray(uniq, dtype="float64")
    small = np.isfinite(uniq) & (np.abs(uniq) < 1e11)
    q = np.rint(np.where(small, uniq, 0.0) * 1e4).astype(np.int64)
    a = np.abs(q)
    whole = pc.cast(pa.array(a // 10000), pa.large_string())
    def lit(x):
        return pa.scalar(x, pa.large_string())

    frac = pc.utf8_rtrim(pc.utf8_lpad(pc.cast(pa.array(a % 10000), pa.large_string()), 4, "0"), "0")
    frac = pc.if_else(pa.array(a % 10000 == 0), lit(""), pc.binary_join_element_wise(lit("."), frac, lit("")))
    sign = pc.if_else(pa.array(q < 0), lit("-"), lit(""))
    text = pc.binary_join_element_wise(sign, whole, frac, lit(""))
    if small.all():
        return text
    out = np.asarray(text.to_numpy(zero_copy_only=False), dtype=object)
    for i in np.flatnonzero(~small):
        v = uniq[i]
        out[i] = "—" if np.isnan(v) else _fmt4_text(v)
    return pa.array(out, type=pa.large_string())


def _fmt4_text(v) -> str:
    t = f"{v:.4f}"
    if "." in t:
        t = t.rstrip("0").rstrip(".")
    return "0" if t == "-0" else t


def fmt_num(v) -> str:
    """Numbers as a person writes them: 0.9, 4.2, 2000, 0.487 (at most 4 decimals)."""
    if v is None or v != v:
        return "—"
    if isinstance(v, (bool,)):
        return str(v)
    r = round(float(v), 4)
    if r == int(r) and abs(r) < 1e15:
        return str(int(r))
    return f"{r:.4f}".rstrip("0").rstrip(".")
