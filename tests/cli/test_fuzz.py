"""Fuzzing with a fixed seed and a bounded number of cases (project issue 8, part 2).

1. random and mutated expressions → engine.parser.parse_expression and compile_standard on a
   small standard file holding the expression (and, when it compiles, evaluation of a county);
2. mutated standard files (lines deleted / duplicated / swapped, values retyped, expressions
   mangled, files truncated) → ``junheng check`` (cli.main in process, output captured);
3. mutated record files → evaluate (JSON and CSV output) and explain.

Only clean located errors are allowed: exit code 0/1/2, no traceback, every standard-file error
carries file:line:col. Cases are counted and the count of tracebacks must be zero. Any crasher
found is kept in tests/data/fuzz/crashers/ and replayed by test_crasher_corpus.

Figures reported in docs/reliability.md come from FUZZ_STATS (printed at the end of the pytest run, see
conftest.pytest_terminal_summary).
"""
from __future__ import annotations

import contextlib
import io
import json
import random
import re
import traceback
from pathlib import Path

import pytest

import junheng.cli.main as cli
from junheng.standard.catalogue import load_catalogue
from junheng.standard.checker import compile_standard
from junheng.errors import InputError, StandardError
from junheng.explain.derivation import NotFound, explain_county, explain_school
from junheng.standard.loader import load_standard
from junheng.reports.files import write_csv, write_json
from junheng.language.parser import ExprSyntaxError, parse_expression
from junheng.evaluation.run import evaluate_files, evaluate_records
from junheng.records.loading import load_records

pytestmark = pytest.mark.slow  # see pyproject's markers: CI runs it, `-m "not slow"` leaves it out

HERE = Path(__file__).parents[1]  # tests/
ROOT = HERE.parent
FUZZ = HERE / "data" / "fuzz"
CRASHERS = FUZZ / "crashers"
BASE_SCHOOLS = FUZZ / "base_schools.csv"
BASE_COUNTIES = FUZZ / "base_counties.csv"
STD = "national/quality-2017"
SEED = 20240808

N_EXPR = 600          # expressions through the parser
N_EXPR_COMPILE = 60   # of those, also through compile_standard (+ evaluation when they compile)
N_STD = 80            # mutated small standard files through `junheng check`
N_STD_BUNDLED = 12    # mutated copies of the bundled national standard through `junheng check`
N_REC = 8             # mutated record files (each ~10 rows x 4 cell mutations) through evaluate + explain
REPLICAS = 10

FUZZ_STATS: dict = {}
LOC_RE = re.compile(r"^(.+):(\d+):(\d+): ")

# ------------------------------------------------------------------ expressions

NAMES = ["students", "teachers_bachelor", "equipment_value", "teaching_aux_area", "school_type", "urban_rural",
         "boarding", "built_year", "retention_rate", "county_id", "R1", "R2", "P1", "P2", "stage", "unknown_x",
         "学生数", "D1"]
FUNCS = ["weighted_cv", "weighted_mean", "at_least", "count_passed", "round", "ceil", "floor", "abs", "min",
         "max", "sum", "mean", "count", "share", "all", "any", "coalesce", "value", "threshold", "passed",
         "failed", "in_force", "eval", "__import__", "open"]
NUMBERS = ["0", "1", "0.5", "100", "85", "1e400", "1e-400", "99999999999999999999999999", "0.000", "2.675",
           "1" * 400, "1e308", "4.2"]
JUNK = ["≥", "≤", "≠", "×", "÷", "（", "）", "，", "“x”", "'a'", '"城区"', "\n", "\t", "\x00", "😀", "\\", "#",
        ":", "{", "}", "&", "|", "$", "`", "%", "!", "@", "..", "=", "==", ";", "\u200b", "\ufeff"]
OPS = ["+", "-", "*", "/", ">=", "<=", ">", "<", "==", "!=", "and", "or", "not", "in", "is", "missing",
       "if", "then", "else", ",", "(", ")", "[", "]", "=", "weight", "where", "rest_reach", "true", "false"]


def gen_expr(rnd: random.Random, depth=0) -> str:
    """A random, mostly well-formed expression over the grammar."""
    if depth > 4 or rnd.random() < 0.3:
        return rnd.choice(NAMES + NUMBERS[:6] + ['"城区"', "true", "false"])
    k = rnd.randrange(10)
    a = lambda: gen_expr(rnd, depth + 1)  # noqa: E731
    if k == 0:
        return f"{a()} {rnd.choice(['+', '-', '*', '/'])} {a()}"
    if k == 1:
        return f"{a()} {rnd.choice(['>=', '<=', '>', '<', '==', '!=', '≥', '≤'])} {a()}"
    if k == 2:
        return f"({a()} {rnd.choice(['and', 'or'])} {a()})"
    if k == 3:
        return f"not {a()}"
    if k == 4:
        return f"if {a()} then {a()} else {a()}"
    if k == 5:
        f = rnd.choice(FUNCS)
        args = ", ".join(a() for _ in range(rnd.randrange(4)))
        kw = rnd.choice(["", ", weight = students", ", where = boarding", ", rest_reach = 0.85", ", x = 1"])
        return f"{f}({args}{kw})"
    if k == 6:
        items = ", ".join(rnd.choice(['"城区"', "1", "students"]) for _ in range(rnd.randrange(3)))
        return f"{a()} in [{items}]"
    if k == 7:
        return f"{a()} is {rnd.choice(['missing', 'not missing'])}"
    if k == 8:
        items = ", ".join(rnd.choice(["R1", "R2", "P1"]) for _ in range(rnd.randrange(3)))
        return f"at_least({rnd.choice(['6', 'P1', 'students'])}, [{items}])"
    return f"-{a()}"


def mutate_text(rnd: random.Random, text: str) -> str:
    chars = list(text)
    for _ in range(rnd.randrange(1, 4)):
        op = rnd.randrange(6)
        pos = rnd.randrange(len(chars) + 1)
        if op == 0 and chars:
            del chars[min(pos, len(chars) - 1)]
        elif op == 1:
            chars[pos:pos] = list(rnd.choice(JUNK + OPS + NUMBERS[:8]))
        elif op == 2 and chars:
            chars = chars[:pos]
        elif op == 3 and len(chars) > 2:
            i, j = rnd.randrange(len(chars)), rnd.randrange(len(chars))
            chars[i], chars[j] = chars[j], chars[i]
        elif op == 4:
            chars[pos:pos] = list(" ".join(rnd.choice(OPS) for _ in range(rnd.randrange(1, 4))))
        else:
            chars = list("(" * rnd.randrange(1, 80) + "".join(chars) + ")" * rnd.randrange(0, 80))
    return "".join(chars)


def token_soup(rnd: random.Random) -> str:
    pool = NAMES + FUNCS + NUMBERS + OPS + JUNK
    return " ".join(rnd.choice(pool) for _ in range(rnd.randrange(1, 25)))


def expressions(n: int, seed: int):
    rnd = random.Random(seed)
    out = []
    for _i in range(n):
        r = rnd.random()
        e = gen_expr(rnd) if r < 0.45 else mutate_text(rnd, gen_expr(rnd)) if r < 0.85 else token_soup(rnd)
        out.append(e)
    return out


MINI_STD = """\
id: fuzz/mini
title: 模糊测试标准
version: "1"
jurisdiction: {{code: X, name: 测试}}
documents:
  d: {{title: 测试文件, source_status: secondary}}
stages:
  primary: {{label: 小学}}
  junior: {{label: 初中}}
school_types:
  小学: [primary]
  初中: [junior]
  九年一贯制: [primary, junior]
stage_weights:
  weights:
    九年一贯制: {{primary: 1, junior: 1.1}}
parameters:
  P1:
    value: 1
    citation: {{document: d, article: a1}}
  P2:
    values: {{primary: 4.2, junior: 5.3}}
    citation: {{document: d, article: a2}}
derived:
  D1:
    level: stage
    expr: teachers_bachelor + teachers_master
rules:
  - id: R1
    level: stage
    name: 规则一
    value: D1 / students * 100
    operator: ">="
    threshold: P2
    citation: {{document: d, article: r1}}
  - id: R2
    level: county
    per_stage: true
    name: 规则二
    value: weighted_cv(value(R1), weight = students)
    round: 3
    operator: "<="
    threshold: P1
    citation: {{document: d, article: r2}}
  - id: R3
    level: {level}
    name: 规则三
{body}
    citation: {{document: d, article: r3}}
"""


def yaml_quote(expr: str, rnd: random.Random) -> tuple[str, str]:
    """(style, rendered value) — JSON strings are valid YAML double-quoted scalars."""
    style = rnd.choice(["dq", "dq", "block", "plain"])
    if style == "block" and "\n" not in expr and "\x00" not in expr:
        return style, "|\n      " + expr
    if style == "plain" and re.fullmatch(r"[A-Za-z_0-9 ()+*/.\u4e00-\u9fff]+", expr or "-"):
        return style, expr
    return "dq", json.dumps(expr)


def mini_standard(expr: str, rnd: random.Random) -> str:
    level = rnd.choice(["stage", "school", "county"])
    _, v = yaml_quote(expr, rnd)
    if rnd.random() < 0.5:
        body = f"    value: {v}\n    operator: \">=\"\n    threshold: P1"
    else:
        body = f"    condition: {v}"
    return MINI_STD.format(level=level, body=body)


def assert_located(exc: StandardError, path: Path, text: str):
    n_lines = max(1, text.count("\n") + 1)
    assert exc.errors, "a StandardError without errors"
    for e in exc.errors:
        s = str(e)
        m = LOC_RE.match(s)
        assert m, f"error without file:line:col: {s!r}"
        assert 1 <= int(m.group(2)) <= n_lines + 1 and int(m.group(3)) >= 1, s


def _save_crasher(name: str, content: str | bytes, note: str):
    CRASHERS.mkdir(parents=True, exist_ok=True)
    p = CRASHERS / name
    if isinstance(content, bytes):
        p.write_bytes(content)
    else:
        p.write_text(content, encoding="utf-8")
    (CRASHERS / (name + ".why")).write_text(note, encoding="utf-8")


def test_fuzz_expressions_parse_and_compile(tmp_path):
    exprs = expressions(N_EXPR, SEED)
    rnd = random.Random(SEED + 1)
    tracebacks, parsed, rejected, compiled_ok, evaluated = [], 0, 0, 0, 0
    for e in exprs:
        try:
            parse_expression(e)
            parsed += 1
        except ExprSyntaxError as exc:
            rejected += 1
            assert exc.line >= 1 and exc.col >= 1 and exc.message
        except Exception:  # noqa: BLE001 - this is what we are hunting
            tracebacks.append((e, traceback.format_exc()))
    cat = load_catalogue()
    srs = load_records(BASE_SCHOOLS, "school", cat)
    crs = load_records(BASE_COUNTIES, "county", cat)
    for i, e in enumerate(exprs[:N_EXPR_COMPILE]):
        text = mini_standard(e, rnd)
        p = tmp_path / f"e{i}.yaml"
        p.write_text(text, encoding="utf-8")
        try:
            std = load_standard(str(p))
            comp = compile_standard(std, cat)
            compiled_ok += 1
        except StandardError as exc:
            assert_located(exc, p, text)
            continue
        except Exception:  # noqa: BLE001
            tracebacks.append((text, traceback.format_exc()))
            continue
        try:
            run = evaluate_records(std, comp, srs, crs, None, True)
            write_json(run, io.StringIO())
            evaluated += 1
        except Exception:  # noqa: BLE001
            tracebacks.append((text, traceback.format_exc()))
    FUZZ_STATS["expressions"] = dict(parsed=parsed, syntax_errors=rejected, through_compile=N_EXPR_COMPILE,
                                     compiled=compiled_ok, evaluated=evaluated, tracebacks=len(tracebacks))
    assert parsed + rejected + sum(1 for _ in []) >= N_EXPR - len(tracebacks)
    assert not tracebacks, tracebacks[0][1] + "\n--- input ---\n" + tracebacks[0][0]


# ------------------------------------------------------------------ mutated standard files

RETYPES = ["[]", "{}", "null", "1.0e+400", "1" * 400, "-1", "true", '"x"', "[1, [2, [3]]]",
           "!!python/object:os.system x",
           "*alias", "&a 1", ".nan", ".inf", "2017-13-45", '"../../etc/passwd"', "'>= 1'"]


def mutate_yaml(rnd: random.Random, text: str) -> str:
    lines = text.split("\n")
    for _ in range(rnd.randrange(1, 4)):
        op = rnd.randrange(8)
        i = rnd.randrange(len(lines))
        if op == 0:
            del lines[i]
        elif op == 1:
            lines.insert(i, lines[i])  # duplicate a line: duplicate key or duplicate list item
        elif op == 2 and ":" in lines[i]:
            k = lines[i].split(":", 1)[0]
            lines[i] = f"{k}: {rnd.choice(RETYPES)}"
        elif op == 3:
            j = rnd.randrange(len(lines))
            lines[i], lines[j] = lines[j], lines[i]
        elif op == 4 and ":" in lines[i]:
            k, v = lines[i].split(":", 1)
            lines[i] = f"{k}:{mutate_text(rnd, v)}"
        elif op == 5:
            lines[i] = " " * rnd.randrange(0, 7) + lines[i].lstrip()
        elif op == 6:
            lines = lines[:i]
            if not lines:
                lines = [""]
        else:
            k = rnd.choice(["extends", "id", "version", "round", "operator", "level", "stages", "effective"])
            lines.insert(i, f"{'  ' * rnd.randrange(3)}{k}: {rnd.choice(RETYPES + ['national/quality-2017', 'x'])}")
    return "\n".join(lines)


def run_cli(argv) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli.main(argv)
    return code, out.getvalue() + err.getvalue()


def _check_cli_file(p: Path, text: str, tracebacks: list, codes: dict):
    try:
        code, output = run_cli(["check", str(p)])
    except SystemExit as exc:  # argparse only
        code, output = exc.code, ""
    except Exception:  # noqa: BLE001
        tracebacks.append((text, traceback.format_exc()))
        return
    codes[code] = codes.get(code, 0) + 1
    assert code in (0, 1, 2), code
    assert "Traceback" not in output
    if code == 2:
        errs = [ln for ln in output.splitlines() if ln.startswith(str(p)) or ln.startswith("<")]
        assert errs, output
        for ln in errs:
            assert LOC_RE.match(ln), f"unlocated error line: {ln!r}\n{text}"


def test_fuzz_mutated_standard_files_through_check(tmp_path):
    rnd = random.Random(SEED + 2)
    base = MINI_STD.format(level="stage", body="    condition: R1 and passed(R1)")
    tracebacks, codes = [], {}
    for i in range(N_STD):
        text = mutate_yaml(rnd, base)
        p = tmp_path / f"s{i}.yaml"
        p.write_text(text, encoding="utf-8")
        _check_cli_file(p, text, tracebacks, codes)
    bundled = (ROOT / "standards" / "national" / "quality-2017.yaml").read_text(encoding="utf-8")
    for i in range(N_STD_BUNDLED):
        text = mutate_yaml(rnd, bundled)
        p = tmp_path / f"b{i}.yaml"
        p.write_text(text, encoding="utf-8")
        _check_cli_file(p, text, tracebacks, codes)
    FUZZ_STATS["standard_files"] = dict(cases=N_STD + N_STD_BUNDLED, exit_codes=codes, tracebacks=len(tracebacks))
    assert not tracebacks, tracebacks[0][1] + "\n--- input ---\n" + tracebacks[0][0]
    assert codes.get(2, 0) > N_STD // 3  # the mutations do break files


# ------------------------------------------------------------------ mutated record files

CELL_JUNK = ["", "—", "abc", "-5", "1.5", "1e400", "inf", "NaN", '=HYPERLINK("http://x","y")', "１２３", "1,234",
             "95%", "3万元", "9" * 400, "0", "\x00", "😀", "20018", "是", "  ", "-0", "1e-400", "0x10", "+7",
             "1_000", "١٢٣"]


def replicate(text: str, k: int) -> str:
    """The base county k times over, with unique school ids (same county)."""
    lines = text.strip("\n").split("\n")
    out = [lines[0]]
    for r in range(k):
        for ln in lines[1:]:
            cells = ln.split(",")
            cells[0] = f"{cells[0]}_{r}" if r else cells[0]
            out.append(",".join(cells))
    return "\n".join(out) + "\n"


CELL_MUTATIONS = 0
INPUT_ERRORS: list = []


def mutate_csv(rnd: random.Random, text: str, n_mut: int | None = None) -> bytes:
    global CELL_MUTATIONS
    rows = [ln.split(",") for ln in text.strip("\n").split("\n")]
    for _ in range(n_mut or rnd.randrange(1, 5)):
        op = rnd.randrange(9)
        r = rnd.randrange(len(rows))
        c = rnd.randrange(len(rows[0]))
        if op in (0, 1, 2):
            if r > 0 and c < len(rows[r]):
                junk = rnd.choice(CELL_JUNK)
                rows[r][c] = '"' + junk.replace('"', '""') + '"' if "," in junk or '"' in junk else junk
                CELL_MUTATIONS += 1
        elif op == 3 and len(rows) > 1:
            rows.insert(r, list(rows[max(r, 1)]))  # duplicate row
        elif op == 4 and r > 0:
            del rows[r]
        elif op == 5:
            rows[0][c] = rnd.choice(["", "学校代码", "students", "学校代码", rows[0][c] + "（万元）", "未知列"])
        elif op == 6:
            for row in rows:
                if c < len(row):
                    del row[c]
        elif op == 7 and r > 0:
            rows[r] = rows[r][: rnd.randrange(len(rows[r]) + 1)]
        else:
            rows.insert(rnd.randrange(1, len(rows) + 1), [""] * len(rows[0]))
    body = "\n".join(",".join(row) for row in rows) + "\n"
    enc = rnd.choice(["utf-8", "utf-8", "utf-8-sig", "gb18030"])
    data = body.encode(enc, errors="replace")
    if rnd.random() < 0.1:
        data = data[: rnd.randrange(len(data) + 1)]
    if rnd.random() < 0.05:
        data = bytes(rnd.randrange(256) for _ in range(50)) + data
    return data


def test_fuzz_mutated_record_files_through_evaluate_and_explain(tmp_path):
    rnd = random.Random(SEED + 3)
    base = replicate(BASE_SCHOOLS.read_text(encoding="utf-8"), REPLICAS)
    n_rows = base.count("\n") - 1
    tracebacks, outcomes, rows_in, rows_lost = [], {"evaluated": 0, "input_error": 0}, 0, 0
    for i in range(N_REC):
        data = mutate_csv(rnd, base, n_mut=4 * n_rows // 3)
        p = tmp_path / f"r{i}.csv"
        p.write_bytes(data)
        try:
            run = evaluate_files(STD, [str(p)], [str(BASE_COUNTIES)])
        except InputError as exc:
            outcomes["input_error"] += 1
            INPUT_ERRORS.append(str(exc)[:200])
            assert str(p) in str(exc)
            continue
        except Exception:  # noqa: BLE001
            tracebacks.append((data, traceback.format_exc()))
            continue
        try:
            outcomes["evaluated"] += 1
            s = json.loads(_to_json(run))["summary"]
            rows_in += s["rows_read"]
            # every row is accounted for: evaluated or rejected, none lost
            if s["rows_read"] != s["rows_evaluated"] + s["rows_rejected"] or \
                    s["rows_evaluated"] != len(run.schools.frame) + len(run.counties.frame):
                rows_lost += 1
            write_csv(run, io.StringIO())
            for sid in list(run.spaces.schools["school_id"][:2]) + ["S1", "nope"]:
                try:
                    explain_school(run, sid)
                except NotFound:
                    pass
            try:
                explain_county(run, "C1")
            except NotFound:
                pass
        except Exception:  # noqa: BLE001
            tracebacks.append((data, traceback.format_exc()))
    # and a few through the CLI itself (exit codes, no traceback)
    cli_codes = {}
    for i in range(2):
        p = tmp_path / f"cli{i}.csv"
        p.write_bytes(mutate_csv(rnd, base))
        for argv in (["evaluate", "--standard", STD, "--schools", str(p), "--counties", str(BASE_COUNTIES),
                      "--format", "json", "--quiet"],
                     ["explain", "--standard", STD, "--schools", str(p), "--county", "C1", "--quiet"]):
            try:
                code, output = run_cli(argv)
            except Exception:  # noqa: BLE001
                tracebacks.append((p.read_bytes(), traceback.format_exc()))
                continue
            assert code in (0, 1, 2) and "Traceback" not in output
            cli_codes[code] = cli_codes.get(code, 0) + 1
    FUZZ_STATS["record_files"] = dict(files=N_REC + 2, cell_mutations=CELL_MUTATIONS, outcomes=outcomes,
                                      cli_exit_codes=cli_codes,
                                      rows_read=rows_in, cases_losing_rows=rows_lost, tracebacks=len(tracebacks))
    assert not tracebacks, tracebacks[0][1]
    assert rows_lost == 0


def _to_json(run) -> str:
    buf = io.StringIO()
    write_json(run, buf)
    return buf.getvalue()


# ------------------------------------------------------------------ crasher corpus (regressions)

def _crasher_cases():
    if not CRASHERS.is_dir():
        return []
    return sorted(p for p in CRASHERS.iterdir() if not p.name.endswith(".why"))


@pytest.mark.parametrize("path", _crasher_cases(), ids=lambda p: p.name)
def test_crasher_corpus(path, tmp_path):
    """Every input that once crashed the engine now gives a clean, located answer."""
    if path.suffix == ".expr":
        text = path.read_text(encoding="utf-8")
        try:
            parse_expression(text)
        except ExprSyntaxError as exc:
            assert exc.line >= 1 and exc.col >= 1
        return
    if path.suffix in (".yaml", ".yml"):
        code, output = run_cli(["check", str(path)])
        assert code in (0, 2) and "Traceback" not in output
        for ln in output.splitlines():
            if ln.startswith(str(path)):
                assert LOC_RE.match(ln), ln
        return
    if path.suffix in (".csv", ".json", ".jsonl"):
        code, output = run_cli(["evaluate", "--standard", STD, "--schools", str(path), "--counties",
                                str(BASE_COUNTIES), "--format", "json", "--quiet", "--out", str(tmp_path / "o.json")])
        assert code in (0, 1, 2) and "Traceback" not in output
        return
    pytest.fail(f"unknown crasher kind {path}")


# ------------------------------------------------------------------ bounds: size and depth

def test_expression_too_long_is_a_clear_error():
    with pytest.raises(ExprSyntaxError, match="过长|too long"):
        parse_expression("students + " * 1000 + "1")


def test_expression_too_deep_is_a_clear_error():
    # (redundant parentheses alone add no depth to the tree: "((((1))))" is just 1)
    for text in ("(" * 5000 + "1" + ")" * 5000, "(1 + " * 300 + "1" + ")" * 300, "not " * 900 + "true",
                 "-" * 3000 + "1", "abs(" * 100 + "1" + ")" * 100, "[" * 500 + "]" * 500):
        with pytest.raises(ExprSyntaxError, match="过深|过长|too deep|too long"):
            parse_expression(text)


def test_deep_expression_in_standard_file_is_located(tmp_path):
    text = MINI_STD.format(level="stage", body="    condition: \"" + "not " * 200 + "R1\"")
    p = tmp_path / "deep.yaml"
    p.write_text(text, encoding="utf-8")
    code, output = run_cli(["check", str(p)])
    assert code == 2 and "Traceback" not in output
    assert re.search(re.escape(str(p)) + r":\d+:\d+: .*(过深|too deep)", output), output


def test_standard_file_too_large_is_a_clear_error(tmp_path):
    from junheng.standard import yamlsafe

    p = tmp_path / "huge.yaml"
    p.write_text(MINI_STD.format(level="stage", body="    condition: R1") + "#" * (yamlsafe.MAX_FILE_BYTES + 10),
                 encoding="utf-8")
    code, output = run_cli(["check", str(p)])
    assert code == 2 and "Traceback" not in output
    assert "过大" in output or "too large" in output


def test_yaml_nesting_too_deep_is_a_clear_error(tmp_path):
    p = tmp_path / "nest.yaml"
    p.write_text("a: " + "[" * 200 + "]" * 200 + "\n", encoding="utf-8")
    code, output = run_cli(["check", str(p)])
    assert code == 2 and "Traceback" not in output
    assert "嵌套" in output or "nest" in output


def test_record_file_too_large_is_a_clear_error(tmp_path, monkeypatch):
    from junheng.records import readers

    monkeypatch.setattr(readers, "MAX_INPUT_BYTES", 100)
    p = tmp_path / "big.csv"
    p.write_text(BASE_SCHOOLS.read_text(encoding="utf-8"), encoding="utf-8")
    code, output = run_cli(["evaluate", "--standard", STD, "--schools", str(p), "--format", "json", "--quiet"])
    assert code == 2 and "Traceback" not in output
    assert "过大" in output or "too large" in output
