"""Standard tests: YAML files of small worked cases that run a standard and check its verdicts.

A test file sits next to the standard it tests (``standards/national/tests/quality-2017.yaml`` tests
``standards/national/quality-2017.yaml``)::

    standard: national/quality-2017      # optional: id, or a path relative to this file;
                                         # default: ../<file name> next to the tests folder
    schools:                             # optional default rows for every case
      - {school_id: S1, county_id: C1, school_type: 小学, students_primary: 600}
    counties:
      - {county_id: C1}
    cases:
      - name: 2350 students built in 2008 pass under the 2019 relaxation
        as_of: 2020-09-01                # optional evaluation date
        schools: [...]                   # optional: replaces the default rows
        counties: [...]
        add:                             # optional: extra rows; ``like: S1`` copies row S1 first
          schools: [{school_id: S3, like: S1, backbone_teachers_primary: 30}]
        patch:                           # optional: change some fields of default (or case) rows
          schools: {S1: {students_primary: 2350, built_year: 2008}}
          counties: {C1: {social_recognition: 84.9}}
        expect:
          - rule: G4_school
            school: S1                   # pick the verdict row: school / stage / county
            outcome: pass                # pass | fail | not_evaluable | not_applicable
            value: 2350                  # optional; compared with a relative tolerance of 1e-9
            threshold: 2400              # optional
            threshold_param: G4_size_max_relaxed_single   # optional
            reason_contains: 阈值取自参数  # optional substring of the reason

Reusing a row: test files (not standard files) may use YAML anchors and aliases, and the top-level
``base:`` key is a place for rows that are only there to be reused (it is not read otherwise)::

    base:
      - &small_school {school_id: S9, county_id: C1, school_type: 教学点, students_primary: 49}
    cases:
      - name: ...
        add: {schools: [{<<: *small_school, school_id: T1}]}

Rows go through the same reading and normalising as real files (they are written to a temporary
JSON file): ``true``/``false`` become 是/否, dates become text. ``run_paths`` returns one result per
expectation; ``junheng test`` prints them and exits 1 on any failure.
"""
from __future__ import annotations

import datetime as dt
import json
import math
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from junheng.evaluation.finite import as_float as _num
from junheng.errors import JunhengError, StandardError
from junheng.i18n import Msg, localize, t
from junheng.standard.yamlsafe import LocList, load_yaml_file
from junheng.evaluation.run import evaluate_files
from rich.markup import escape

OUTCOMES = {"pass", "fail", "not_evaluable", "not_applicable"}
REL_TOL = 1e-9
ABS_TOL = 1e-9


@dataclass
class Check:
    file: str
    line: int
    case: str
    rule: str
    ok: bool
    message: str = ""


@dataclass
class FileResult:
    path: str
    standard: str = ""
    checks: list[Check] = field(default_factory=list)
    error: str = ""  # the file itself could not be run

    @property
    def ok(self) -> bool:
        return not self.error and all(c.ok for c in self.checks)


# ------------------------------------------------------------------ discovery

def find_test_files(paths) -> list[Path]:
    """YAML test files under the given paths (a folder: every ``tests/*.yaml`` below it)."""
    out = []
    for p in paths:
        pp = Path(p)
        if pp.is_dir():
            if pp.name == "tests":
                out += sorted(pp.glob("*.yaml"))
            else:
                out += sorted(f for f in pp.rglob("*.yaml") if f.parent.name == "tests")
        elif pp.is_file():
            out.append(pp)
        else:
            raise JunhengError(Msg("stdtest.no_such_path", path=str(p)))
    return list(dict.fromkeys(out))


def standard_ref(path: Path, data) -> str:
    ref = data.get("standard") if isinstance(data, dict) else None
    if ref:
        ref = str(ref)
        if ref.endswith((".yaml", ".yml")):
            cand = (path.parent / ref)
            return str(cand if cand.exists() else Path(ref))
        return ref
    return str(path.parent.parent / path.name)


# ------------------------------------------------------------------ rows

def _cell(v):
    if isinstance(v, bool):
        return "是" if v else "否"
    if isinstance(v, (dt.date, dt.datetime)):
        return v.isoformat()
    return v


def _rows(rows, key: str, patch: dict | None, what: str, add=None) -> list[dict]:
    out = []
    for r in list(rows or []) + list(add or []):
        r = dict(r)
        like = r.pop("like", None)
        if like is not None:
            base = [x for x in out if str(x.get(key)) == str(like)]
            if not base:
                raise ValueError(Msg("stdtest.no_like_row", key=key, value=str(like)))
            r = {**base[0], **{k: _cell(v) for k, v in r.items()}}
        out.append({k: _cell(v) for k, v in r.items()})
    for rid, changes in (patch or {}).items():
        hit = [r for r in out if str(r.get(key)) == str(rid)]
        if not hit:
            raise ValueError(Msg("stdtest.no_patch_row", what=what, key=key, value=str(rid)))
        for r in hit:
            for k, v in dict(changes).items():
                if v is None:
                    r.pop(k, None)
                else:
                    r[k] = _cell(v)
    return out


def _write_json(rows: list[dict], folder: str, name: str) -> str:
    p = Path(folder) / name
    p.write_text(json.dumps(rows, ensure_ascii=False), encoding="utf-8")
    return str(p)


# ------------------------------------------------------------------ comparing

def _close(a, b) -> bool:
    if a is None or b is None:
        return a is None and b is None
    try:
        a, b = float(a), float(b)
    except (TypeError, ValueError):
        return False
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return abs(a - b) <= max(ABS_TOL, REL_TOL * max(abs(a), abs(b)))




def _select(verdicts, exp, prefix="") -> tuple:
    sel = verdicts[verdicts.rule_id == str(exp["rule"])]
    if prefix:
        sel = sel[sel["county_id"].astype(str).str.startswith(prefix)]
    for key, col in (("school", "school_id"), ("stage", "stage"), ("county", "county_id")):
        if key in exp:
            want = (prefix + str(exp[key])) if key != "stage" else str(exp[key])
            sel = sel[sel[col].astype(str) == want]
    return sel


def _check_one(verdicts, exp, file, line, case, prefix="") -> Check:
    rule = str(exp.get("rule", ""))
    where = " ".join(f"{k}={exp[k]}" for k in ("school", "stage", "county") if k in exp)
    label = f"{rule}" + (f" [{where}]" if where else "")
    sel = _select(verdicts, exp, prefix)
    if len(sel) != 1:
        found = Msg("stdtest.no_row") if len(sel) == 0 else Msg("stdtest.many_rows", n=len(sel))
        return Check(file, line, case, label, False, found)
    row = sel.iloc[0]
    problems = []
    if "outcome" in exp and str(row["outcome"]) != str(exp["outcome"]):
        problems.append(Msg("stdtest.differs", key="outcome", got=str(row["outcome"]), want=str(exp["outcome"])))
    for key in ("value", "threshold"):
        if key in exp:
            got = _num(row[key])
            want = None if exp[key] is None else exp[key]
            if not _close(got, want):
                problems.append(Msg("stdtest.differs", key=key, got=str(got), want=str(want)))
    if "threshold_param" in exp:
        got = row["threshold_param"]
        got = None if got is None or (isinstance(got, float) and math.isnan(got)) else str(got)
        if got != (None if exp["threshold_param"] is None else str(exp["threshold_param"])):
            problems.append(Msg("stdtest.differs", key="threshold_param", got=str(got),
                                want=str(exp["threshold_param"])))
    if "reason_contains" in exp and str(exp["reason_contains"]) not in str(row["reason"]):
        problems.append(Msg("stdtest.reason_lacks", text=str(exp["reason_contains"])))
    if problems:
        return Check(file, line, case, label, False, Msg("stdtest.failed", problems=tuple(problems),
                                                         value=str(_num(row["value"])),
                                                         threshold=str(_num(row["threshold"])), reason=row["reason"]))
    return Check(file, line, case, label, True)


# ------------------------------------------------------------------ running

def _validate(data, path) -> str:
    if not isinstance(data, dict):
        return Msg("stdtest.not_mapping")
    allowed = {"standard", "description", "schools", "counties", "cases", "base"}
    extra = set(data) - allowed
    if extra:
        return Msg("stdtest.unknown_keys", where="", keys=tuple(sorted(extra)))
    if not isinstance(data.get("cases"), list) or not data["cases"]:
        return Msg("stdtest.no_cases")
    for i, c in enumerate(data["cases"]):
        if not isinstance(c, dict) or "name" not in c or not isinstance(c.get("expect"), list):
            return Msg("stdtest.case_shape", i=i)
        bad = set(c) - {"name", "as_of", "schools", "counties", "add", "patch", "expect", "note"}
        if bad:
            return Msg("stdtest.unknown_keys", where=f"cases[{i}] ", keys=tuple(sorted(bad)))
        for j, e in enumerate(c["expect"]):
            if not isinstance(e, dict) or "rule" not in e:
                return Msg("stdtest.needs_rule", where=f"cases[{i}].expect[{j}]")
            if "outcome" in e and e["outcome"] not in OUTCOMES:
                return Msg("stdtest.bad_outcome", where=f"cases[{i}].expect[{j}]", outcomes=tuple(sorted(OUTCOMES)))
            bad = set(e) - {"rule", "school", "stage", "county", "outcome", "value", "threshold", "threshold_param",
                            "reason_contains"}
            if bad:
                return Msg("stdtest.unknown_keys", where=f"cases[{i}].expect[{j}] ", keys=tuple(sorted(bad)))
    return ""


def _line(obj, default=0) -> int:
    loc = getattr(obj, "loc", None)
    return getattr(loc, "line", default) or default


def run_file(path, standards_dirs=()) -> FileResult:
    path = Path(path)
    res = FileResult(str(path))
    try:
        data = load_yaml_file(path, str(path), test_file=True)
    except StandardError as exc:
        res.error = "; ".join(str(e) for e in exc.errors)
        return res
    msg = _validate(data, path)
    if msg:
        res.error = msg
        return res
    ref = standard_ref(path, data)
    res.standard = ref
    # Cases are independent counties, so the cases that share an evaluation date run together in one
    # evaluation: ids get a per-case prefix ("c3-S1"), and each expectation looks only at its own case.
    groups: dict = {}
    prepared = []
    for ci, case in enumerate(data["cases"]):
        name = str(case["name"])
        line = _line(case, 0) or (data["cases"].item_locs[ci].line if isinstance(data["cases"], LocList) else 0)
        try:
            schools, counties = _case_rows(data, case, f"c{ci}-")
        except ValueError as exc:
            prepared.append((ci, case, name, line, None, exc.args[0] if exc.args and isinstance(exc.args[0], Msg)
                             else str(exc)))
            continue
        as_of = case.get("as_of")
        as_of = as_of.isoformat() if isinstance(as_of, (dt.date, dt.datetime)) else \
            (str(as_of) if as_of is not None else None)
        key = (as_of, bool(counties))
        g = groups.setdefault(key, {"schools": [], "counties": []})
        g["schools"] += schools
        g["counties"] += counties
        prepared.append((ci, case, name, line, key, ""))
    runs, failures = _run_groups(groups, ref, standards_dirs)
    for ci, case, name, line, key, problem in prepared:
        if problem or key in failures:
            res.checks.append(Check(str(path), line, name, "*", False, problem or failures[key]))
            continue
        for exp in case["expect"]:
            res.checks.append(_check_one(runs[key].verdicts, exp, str(path), _line(exp, line), name, f"c{ci}-"))
    return res


def _case_rows(data, case, prefix: str) -> tuple[list, list]:
    """The school and county rows of one case (the file's rows, patched and added to), ids prefixed;
    ValueError when the case has no school row or a patch is wrong."""
    patch = case.get("patch") or {}
    add = case.get("add") or {}
    schools = _rows(case.get("schools", data.get("schools")), "school_id", patch.get("schools"), "schools",
                    add.get("schools"))
    counties = _rows(case.get("counties", data.get("counties")), "county_id", patch.get("counties"),
                     "counties", add.get("counties"))
    if not schools:
        raise ValueError(Msg("stdtest.no_school_row"))
    for r in schools:
        for k in ("school_id", "county_id"):
            if r.get(k) is not None:
                r[k] = prefix + str(r[k])
    for r in counties:
        if r.get("county_id") is not None:
            r["county_id"] = prefix + str(r["county_id"])
    return schools, counties


def _run_groups(groups: dict, ref, standards_dirs) -> tuple[dict, dict]:
    """One evaluation per group of cases: (runs by group key, failures by group key)."""
    runs, failures = {}, {}
    with tempfile.TemporaryDirectory(prefix="junheng-test-") as tmp:
        for gi, (key, g) in enumerate(groups.items()):
            try:
                sp = _write_json(g["schools"], tmp, f"group{gi}-schools.json")
                cp = _write_json(g["counties"], tmp, f"group{gi}-counties.json") if g["counties"] else None
                runs[key] = evaluate_files(ref, sp, cp, key[0], list(standards_dirs))
            except JunhengError as exc:
                failures[key] = Msg("stdtest.cannot_run", error=str(exc))
    return runs, failures


def run_paths(paths, standards_dirs=()) -> list[FileResult]:
    return [run_file(p, standards_dirs) for p in find_test_files(paths)]


def covered_rules(path) -> set:
    """Rule ids named by an expectation of a test file."""
    data = load_yaml_file(Path(path), str(path), test_file=True)
    out = set()
    for case in data.get("cases") or []:
        for e in case.get("expect") or []:
            if isinstance(e, dict) and "rule" in e:
                out.add(str(e["rule"]))
    return out


def report(results: list[FileResult], out=None, verbose: bool = False, lang: str = "zh") -> tuple[int, int]:
    """Print results (rich console or plain print); return (passed, failed) expectation counts."""
    def say(text, style=""):
        if out is not None:
            out.print(f"[{style}]{escape(text)}[/]" if style else text, markup=bool(style), highlight=False)
        else:  # pragma: no cover
            print(text)

    passed = failed = 0
    for r in results:
        if r.error:
            failed += 1
            say(f"✗ {r.path}: {localize(r.error, lang)}", "red")
            continue
        n_ok = sum(c.ok for c in r.checks)
        n_bad = len(r.checks) - n_ok
        passed += n_ok
        failed += n_bad
        mark = "✓" if n_bad == 0 else "✗"
        say(f"{mark} {r.path} ({r.standard}): " + t(lang, "stdtest.file_counts", ok=n_ok, bad=n_bad),
            "green" if n_bad == 0 else "red")
        for c in r.checks:
            if not c.ok:
                say(f"  ✗ {c.file}:{c.line} " + t(lang, "stdtest.case", case=c.case) + f" {c.rule}: "
                    + localize(c.message, lang), "red")
            elif verbose:
                say("  ✓ " + t(lang, "stdtest.case", case=c.case) + f" {c.rule}")
    return passed, failed


def cli(out, err, args, dirs, lang) -> int:
    """``junheng test [PATH...]``: exit 0 when every expectation holds, 1 otherwise."""
    try:
        results = run_paths(args.paths or ["standards"], dirs)
    except JunhengError as exc:
        err.print(f"[red]{localize(exc.args[0], lang) if exc.args else exc}[/]", highlight=False)
        return 2
    if not results:
        err.print(f"[yellow]{t(lang, 'stdtest.no_files')}[/]")
        return 1
    passed, failed = report(results, out, getattr(args, "verbose", False), lang)
    style = "green" if failed == 0 else "bold red"
    out.print(f"[{style}]{t(lang, 'stdtest.summary', files=len(results), passed=passed, failed=failed)}[/]")
    return 0 if failed == 0 else 1
