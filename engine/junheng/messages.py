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
    "sep.comma": ("，", ", "),
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

    # column headers shared by the tables of the terminal, HTML and XLSX reports
    "col.county": ("区县", "county"),
    "col.stage": ("学段", "stage"),
    "col.rule": ("规则", "rule"),
    "col.name": ("名称", "name"),
    "col.value": ("值", "value"),
    "col.threshold": ("阈值", "threshold"),
    "col.outcome": ("结果", "outcome"),
    "col.school_id": ("学校代码", "school"),
    "col.school_name": ("学校名称", "name"),
    "col.verdict": ("结论", "verdict"),
    "col.vetoes": ("一票否决", "vetoes"),
    "col.reason": ("说明", "reason"),
    "area.resources": ("资源配置", "resources"),
    "area.government": ("政府保障程度", "government"),
    "area.quality": ("教育质量", "quality"),
    "area.recognition": ("社会认可度", "recognition"),
    "county.pass": ("通过", "pass"),
    "county.fail": ("未通过", "fail"),

    # terminal summary (reports/terminal.py)
    "summary.as_of": ("  评估日期 {day}", "  as of {day}"),
    "summary.county_verdicts": ("区县判定", "county verdicts"),
    "summary.stage_verdicts": ("学校学段判定", "school-stage verdicts"),
    "summary.conclusion": ("评估结论", "conclusion"),
    "summary.more_rows": ("（另有 {n} 行）", "({n} more)"),
    "summary.counts": ("读入 {r} 行，评估 {e} 行，拒绝 {j} 行；学段单位 {u} 个；判定 {n} 条：达标 {p}，不达标 {f}，"
                       "无法判定 {ne}，不适用 {na}",
                       "read {r} rows, evaluated {e}, rejected {j}; {u} stage units; {n} verdicts: pass {p}, fail {f}, "
                       "not evaluable {ne}, not applicable {na}"),
    "summary.rejected_rows": ("被拒绝的行：", "rejected rows:"),
    "summary.none": ("无", "none"),

    # reading the data (records/validate.py report) and progress steps (reports/progress.py)
    "level.school": ("学校", "school"),
    "level.county": ("区县", "county"),
    "load.log": ("读入与转换（{n}）：", "reading and conversions ({n}):"),
    "load.note": ("[注]", "[note]"),
    "load.problems": ("数据问题 {n} 处（含拒绝的行 {rejected} 行）：", "{n} data problem(s) ({rejected} rejected row(s)):"),
    "load.ignored": ("忽略了 {n} 个无法识别的列：", "{n} unknown column(s) ignored: "),
    "load.file": ("{path}（{table}）：读入 {read} 行，评估 {evaluated} 行，拒绝 {rejected} 行",
                  "{path} ({table}): read {read}, evaluated {evaluated}, rejected {rejected}"),
    "step.standard": ("读取标准", "reading the standard"),
    "step.reading": ("读取数据（{n} 个文件）", "reading {n} file(s)"),
    "step.evaluating": ("评估 {n} 所学校", "evaluating {n} schools"),
    "step.counterfactuals": ("反事实分析", "counterfactuals"),

    # the junheng command (cli/main.py)
    "cli.standard_errors": ("标准文件有 {n} 处错误：", "{n} error(s) in standard files:"),
    "cli.cannot_read": ("无法读取输入：", "cannot read input:"),
    "cli.strict": ("--strict：数据有 {n} 处问题，未评估", "--strict: {n} data problem(s), not evaluated"),
    "cli.needs_out": ("--format {format} 需要 --out 文件名", "--format {format} needs --out"),
    "cli.written": ("已写入 {out}：{n} 条判定；读入 {read} 行，评估 {evaluated} 行，拒绝 {rejected} 行",
                    "wrote {out}: {n} verdicts; read {read} rows, evaluated {evaluated}, rejected {rejected}"),
    "list.title": ("可用标准", "standards"),
    "list.id": ("编号", "id"),
    "list.std_title": ("标题", "title"),
    "list.version": ("版本", "version"),
    "list.extends": ("继承", "extends"),
    "list.jurisdiction": ("辖区", "jurisdiction"),
    "check.ok_file": ("（{id}：{params} 个参数，{rules} 条规则）", "({id}: {params} parameters, {rules} rules)"),
    "check.errors": ("发现 {n} 处错误：", "{n} error(s):"),
    "check.all_ok": ("全部 {n} 个标准文件通过检查", "all {n} standard file(s) OK"),
}
