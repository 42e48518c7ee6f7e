"""`junheng new` (issue 19): the generated file works exactly as it says. Its first lines say: an entry is the lines
starting with "#  ", entries are separated by lines holding only "#", and an entry is used by removing the one "#"
at the start of each of its lines. The tests do exactly that, line by line, and load, check and evaluate the result;
comments in Chinese, in English with --lang en."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

import junheng.cli.main as cli
from junheng.evaluation.run import evaluate_files
from junheng.standard.checker import compile_standard
from junheng.standard.loader import load_standard, names_in


ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "examples" / "demo-county"
CJK = re.compile(r"[\u4e00-\u9fff]")
KEYS = ["level", "county_id", "school_id", "stage", "rule_id"]


def new_standard(tmp_path, lang="zh"):
    argv = (["--lang", "en"] if lang == "en" else []) + ["new", "testprov", "--extends", "national/quality-2017",
                                                       "--dir", str(tmp_path)]
    assert cli.main(argv) == 0
    return tmp_path / "testprov" / "quality-2017.yaml"


def entries(lines):
    """The entries as the file defines them: runs of lines starting with "#  ", separated by a line "#" (or by
    any line that is not an entry line): (first index, last index)."""
    out, start = [], None
    for i, line in enumerate(lines + [""]):
        if line.startswith("#  "):
            start = i if start is None else start
        elif start is not None:
            out.append((start, i - 1))
            start = None
    return out


def use(lines, entry):
    """Use one entry: remove the one "#" at the start of each of its lines, nothing else."""
    a, b = entry
    for i in range(a, b + 1):
        assert lines[i].startswith("#")
        lines[i] = lines[i][1:]


def section_of(lines, entry):
    """The section key (documents / parameters / rules / remove_rules) an entry sits under."""
    return next(ln[:-1] for ln in reversed(lines[:entry[0]]) if re.match(r"^[a-z_]+:$", ln))


def check(path):
    std = load_standard(str(path))
    compile_standard(std)
    return std


def test_the_file_as_written_passes_and_says_how_to_edit_in_chinese(tmp_path, capsys):
    f = new_standard(tmp_path)
    text = f.read_text(encoding="utf-8")
    assert "启用一个条目 = 删去它每一行开头的那一个“#”" in text and f"junheng check {f}" in text
    assert "engine/" not in text and ".py" not in text  # no Python file for policy staff
    for key in ("documents", "parameters", "rules", "remove_rules"):  # empty above their entries, no {} / []
        assert f"\n{key}:\n#  " in text
    assert cli.main(["check", str(f)]) == 0
    std, nat = check(f), load_standard("national/quality-2017")
    assert set(std.parameters) == set(nat.parameters) and set(std.rules) == set(nat.rules)
    tests = (tmp_path / "testprov" / "tests" / "quality-2017.yaml").read_text(encoding="utf-8")
    assert "engine/" not in tests and "测试用例" in tests
    assert cli.main(["test", str(tmp_path / "testprov" / "tests" / "quality-2017.yaml")]) == 0


def test_every_entry_uncommented_checks_and_changes_no_verdict(tmp_path):
    """Every document, parameter and rule entry and the new-rule example used at once: the file checks, and the
    demo county's verdicts of every parent rule are those of the parent, inside the 2019-2022 relaxation
    windows and after them (the dated versions keep their windows)."""
    f = new_standard(tmp_path)
    lines = f.read_text(encoding="utf-8").splitlines()
    used = [e for e in entries(lines) if section_of(lines, e) != "remove_rules"]
    assert {section_of(lines, e) for e in used} == {"documents", "parameters", "rules"}
    for e in used:
        use(lines, e)
    f.write_text("\n".join(lines) + "\n", encoding="utf-8")
    std, nat = check(f), load_standard("national/quality-2017")
    assert set(std.rules) == set(nat.rules) | {"NEW_1"}
    assert all(std.parameters[p].overrode for p in nat.parameters)  # each one really is an override
    parent = {}
    for day in ("2021-09-01", "2025-09-01"):
        a = evaluate_files("national/quality-2017", DEMO / "schools.csv", DEMO / "counties.csv", as_of=day)
        b = evaluate_files("testprov/quality-2017", DEMO / "schools.csv", DEMO / "counties.csv", as_of=day,
                           standards_dirs=[tmp_path])
        va = a.verdicts.set_index(KEYS)[["outcome", "value", "threshold", "relaxation"]].sort_index()
        vb = b.verdicts[b.verdicts.rule_id != "NEW_1"].set_index(KEYS)[va.columns].sort_index()
        assert va.index.equals(vb.index)
        assert va.astype(str).equals(vb.astype(str)), day
        parent[day] = va
    # the windows matter for this county: some verdicts pass in 2021 only through a dated relaxation
    assert (parent["2021-09-01"].relaxation.astype(str).str.len() > 0).any()
    assert (parent["2021-09-01"].outcome != parent["2025-09-01"].outcome).any()


def test_one_parameter_entry_edited_as_instructed(tmp_path):
    f = new_standard(tmp_path)
    lines = f.read_text(encoding="utf-8").splitlines()
    es = entries(lines)
    doc = next(e for e in es if section_of(lines, e) == "documents")
    r4 = next(e for e in es if lines[e[0]].startswith("#  R4_min:"))
    use(lines, doc)
    use(lines, r4)
    i = next(i for i in range(*r4) if "values:" in lines[i])
    assert lines[i] == "    values: {primary: 4.5, junior: 5.8}"
    lines[i] = "    values: {primary: 5, junior: 5.8}"
    f.write_text("\n".join(lines) + "\n", encoding="utf-8")
    std = check(f)
    assert std.parameters["R4_min"].in_force(None).values == {"primary": 5, "junior": 5.8}
    assert std.parameters["R4_min"].in_force(None).citation.document == "my-doc"


def test_the_removal_example_with_a_rule_id_removes_that_rule(tmp_path):
    f = new_standard(tmp_path)
    nat = load_standard("national/quality-2017")
    used_by_others = set().union(*(names_in(r) for r in nat.rules.values()))
    rid = next(r for r in nat.rules if r not in used_by_others)
    lines = f.read_text(encoding="utf-8").splitlines()
    es = entries(lines)
    use(lines, next(e for e in es if section_of(lines, e) == "documents"))
    rem = next(e for e in es if section_of(lines, e) == "remove_rules")
    use(lines, rem)
    assert lines[rem[0]].startswith("  - id: ")
    lines[rem[0]] = f"  - id: {rid}"  # "put the id of the rule to remove", as step 3 says
    f.write_text("\n".join(lines) + "\n", encoding="utf-8")
    std = check(f)
    assert rid not in std.rules and len(std.rules) == len(nat.rules) - 1


def test_english_comments_with_lang_en_and_the_same_round_trip(tmp_path):
    f = new_standard(tmp_path, "en")
    text = f.read_text(encoding="utf-8")
    lines = text.splitlines()
    # the file's own texts are English; what comes from the parent standard (its title, names) is as written
    own = [ln for ln in lines if ln.startswith("#") and not ln.startswith("#  ") and ln != lines[0]]
    assert own and not [ln for ln in own if CJK.search(ln)]
    assert "To use an entry, remove the one “#” at the start of each of its lines" in text
    for e in entries(lines):
        if section_of(lines, e) != "remove_rules":
            use(lines, e)
    f.write_text("\n".join(lines) + "\n", encoding="utf-8")
    check(f)
    tests = (tmp_path / "testprov" / "tests" / "quality-2017.yaml").read_text(encoding="utf-8")
    assert tests.startswith("# Test cases of testprov/quality-2017")


@pytest.mark.parametrize("lang,word", [("zh", "已创建"), ("en", "created")])
def test_messages_in_the_users_language(tmp_path, capsys, lang, word):
    new_standard(tmp_path, lang)
    out = capsys.readouterr().out
    assert word in out and "junheng check" in out
