"""The message catalogue: every user-facing text of junheng, in Chinese and English.

    MESSAGES[key] = (zh, en)

Read with ``junheng.i18n.t(lang, key, **placeholders)``. A Python module rather than a YAML file:
it is compiled once with the package (no file to find through importlib.resources, no parse at each
start, nothing to go stale in a wheel), and the two texts of a key sit side by side for review.
tests/test_messages.py checks that both texts of a key have the same ``{placeholders}`` and that
every key is used by the code (no dead keys). Keys are grouped by where the text appears.
Texts that come from the data or the standard files (school names, rule names, citations) are not
here: they are printed as given (rule names in English from the standard's ``name_en``).
"""
from __future__ import annotations

MESSAGES: dict[str, tuple[str, str]] = {
    # outcomes
    "outcome.pass": ("达标", "pass"),
    "outcome.fail": ("不达标", "fail"),
    "outcome.not_evaluable": ("无法判定", "not evaluable"),
    "outcome.not_applicable": ("不适用", "not applicable"),

    # punctuation that differs between the two languages
    "sep.list": ("、", ", "),
    "sep.clause": ("；", "; "),
    "paren": ("（{x}）", " ({x})"),
    "colon": ("{x}：", "{x}: "),

    # verdict reasons (verdicts/reasons.py); the zh texts are written byte for byte into the outputs
    "not_applicable": ("不适用：{cond} 不成立", "not applicable: {cond} does not hold"),
    "applies_unknown": ("无法判定是否适用：{cond}", "cannot tell whether it applies: {cond}"),
    "dep_unknown": ("所依据的规则无法判定：{rules}", "rules it depends on are not evaluable: {rules}"),
    "invalid_result": ("计算结果无效（如除数为零）：{inputs}", "invalid result (e.g. division by zero): {inputs}"),
    "cond_pass": ("条件成立", "condition holds"),
    "cond_fail": ("条件不成立", "condition does not hold"),
    "threshold_from": ("阈值取自参数 {param}", "threshold from parameter {param}"),
    "reason.misses": (" 未满足 {op} ", " does not meet {op} "),
    "reason.meets": ("，达标", ": meets"),
    "reason.veto": ("{rule}（一票否决：{name}）", "{rule} (veto: {name})"),
    "reason.failed": ("未达标：", "failed: "),
    "reason.unknown": ("无法判定：", "not evaluable: "),
    "reason.rule_failed": ("{rule} 未达标", "{rule} failed"),
    "reason.rule_unknown": ("{rule} 无法判定", "{rule} not evaluable"),
    "reason.at_least": (" 项达标（要求至少 {k} 项）", " indicators met (at least {k} required)"),
    "reason.below": ("，低于", ", below "),
    "reason.missing": ("{name} 缺失", "{name} missing"),
    "reason.missing_split": ("{name} 缺失（或拆分所需的各学段学生数缺失）",
                             "{name} missing (or the stage enrolments needed to split it)"),
    "reason.invalid_field": ("{col} 无效：{why}", "{col} invalid: {why}"),
    "reason.more": (" 等 {n} 个", " ({n} in all)"),
    "reason.in_force": ("，生效 {window}", ", in force {window}"),
}
