"""extends chains: overrides (parameters, thresholds, k-of-n), additions, removals, intent errors with
file:line:col, path traversal, effective dates (clipping, as-of, overlaps and gaps)."""
import datetime as dt
import os
import textwrap
from pathlib import Path

import pytest

from junheng.errors import StandardError
from junheng.standard.loader import load_standard
from junheng.evaluation.run import evaluate_files

DATA = Path(__file__).parents[1] / "data" / "provinces"
HEAD = """id: {id}
title: 测试
jurisdiction: {{name: 测试省}}
version: "1"
extends: {extends}
documents:
  prov-doc: {{number: 测政发〔2014〕1号, source_status: secondary}}
  nostatus-doc: {{number: 无状态文件}}
"""


def write(root: Path, std_id: str, body: str, extends="tbase/base") -> Path:
    p = root / f"{std_id}.yaml"
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(HEAD.format(id=std_id, extends=extends) + textwrap.dedent(body), encoding="utf-8")
    return p


def load(p, root):
    return load_standard(str(p), [str(root), str(DATA)])


def errors_of(p, root):
    with pytest.raises(StandardError) as exc:
        load(p, root)
    return exc.value.errors


def line_of(p: Path, needle: str) -> int:
    for i, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1):
        if needle in line:
            return i
    raise AssertionError(needle)


def test_parameter_override_records_origin_and_what_it_overrode(tmp_path):
    p = write(tmp_path, "tp/a", """
        parameters:
          G14_quota_min:
            override: true
            value: 60
            citation: {document: prov-doc, article: 第3条}
    """)
    std = load(p, tmp_path)
    par = std.parameters["G14_quota_min"]
    assert par.in_force(None).value == 60
    assert par.origin.file == str(p) and par.origin.line == line_of(p, "G14_quota_min:")
    assert par.overrode[0].file.endswith("tbase/base.yaml")
    assert par.unit == "%" and par.name.startswith("优质高中")  # inherited
    assert par.in_force(None).source_status == "secondary"  # from the document
    assert [c.id for c in std.chain] == ["tbase/base", "tp/a"]


def test_redefinition_without_override_intent_is_an_error(tmp_path):
    p = write(tmp_path, "tp/b", """
        parameters:
          G14_quota_min:
            value: 60
            citation: {document: prov-doc}
        rules:
          - id: G14
            threshold: "55"
            citation: {document: prov-doc}
    """)
    errs = errors_of(p, tmp_path)
    locs = {(e.loc.line, e.loc.col) for e in errs}
    assert (line_of(p, "G14_quota_min:"), 3) in locs
    assert any("override: true" in e.message and e.loc.line == line_of(p, "- id: G14") for e in errs)
    assert all(e.loc.file == str(p) for e in errs)


def test_dangling_override_is_an_error(tmp_path):
    p = write(tmp_path, "tp/c", """
        parameters:
          G14_quota_minn:
            override: true
            value: 60
            citation: {document: prov-doc}
        rules:
          - id: G99
            override: true
            threshold: "1"
            citation: {document: prov-doc}
    """)
    errs = errors_of(p, tmp_path)
    msgs = [str(e) for e in errs]
    assert any(f"{p}:{line_of(p, 'G14_quota_minn:')}:3" in m and "不存在" in m for m in msgs)
    assert any(f":{line_of(p, '- id: G99')}:" in m and "G99" in m for m in msgs)


def test_override_cannot_change_per_stage_shape(tmp_path):
    p = write(tmp_path, "tp/d", """
        parameters:
          G5_class_size_max:
            override: true
            value: 45
            citation: {document: prov-doc}
          G14_quota_min:
            override: true
            values: {primary: 50, junior: 60}
            citation: {document: prov-doc}
    """)
    errs = errors_of(p, tmp_path)
    assert {e.loc.line for e in errs} == {line_of(p, "G5_class_size_max:"), line_of(p, "G14_quota_min:")}
    assert all("学段形态" in e.message for e in errs)
    # same stages, other numbers: fine
    p2 = write(tmp_path, "tp/d2", """
        parameters:
          G5_class_size_max:
            override: true
            values: {primary: 45, junior: 45}
            citation: {document: prov-doc}
    """)
    assert load(p2, tmp_path).parameters["G5_class_size_max"].in_force(None).values == {"primary": 45, "junior": 45}
    p3 = write(tmp_path, "tp/d3", """
        parameters:
          G5_class_size_max:
            override: true
            values: {primary: 45}
            citation: {document: prov-doc}
    """)
    assert "学段形态" in errors_of(p3, tmp_path)[0].message


def test_override_needs_citation_and_source_status(tmp_path):
    p = write(tmp_path, "tp/e", """
        parameters:
          G14_quota_min:
            override: true
            value: 60
          G7_special_ed_min:
            override: true
            value: 8000
            citation: {document: nostatus-doc}
        rules:
          - id: G14
            override: true
            name: 改名
            citation: {document: nostatus-doc}
          - id: G7
            override: true
            name: 改名
            citation: {document: no-such-doc, source_status: secondary}
    """)
    errs = errors_of(p, tmp_path)
    by_line = {e.loc.line: e.message for e in errs}
    assert "citation" in by_line[line_of(p, "G14_quota_min:")]
    assert "source_status" in by_line[line_of(p, "G7_special_ed_min:")]
    assert "source_status" in by_line[line_of(p, "- id: G14")]
    assert "未在 documents 中登记" in by_line[line_of(p, "- id: G7")]


def test_override_threshold_expression_and_k_of_n(tmp_path):
    p = write(tmp_path, "tp/f", """
        parameters:
          G_k:
            name: 至少达标项数
            value: 1
            citation: {document: prov-doc, article: 第5条}
        rules:
          - id: G14
            override: true
            threshold: G14_quota_min + 5
            citation: {document: prov-doc, article: 第4条}
          - id: G_area
            override: true
            condition: G4 and G5 and at_least(G_k, [G7, G14])
            citation: {document: prov-doc, article: 第5条}
    """)
    std = load(p, tmp_path)
    assert std.rules["G14"].threshold["*"].text == "G14_quota_min + 5"
    assert std.rules["G14"].value["*"].text.startswith("senior_quota_allocated")  # kept
    assert "at_least(G_k" in std.rules["G_area"].condition["*"].text
    run = evaluate_files(str(p), [str(DATA / "schools.csv")], [str(DATA / "counties.csv")], "2020-09-01",
                         [str(tmp_path), str(DATA)])
    v = run.verdicts.set_index(["rule_id", "county_id"])
    assert v.loc[("G14", "C1"), "threshold"] == 55 and v.loc[("G14", "C4"), "outcome"] == "pass"
    assert v.loc[("G14", "C2"), "outcome"] == "pass"  # 55 >= 55
    assert v.loc[("G14", "C3"), "outcome"] == "pass"


def test_override_cannot_change_level(tmp_path):
    p = write(tmp_path, "tp/g", """
        rules:
          - id: G14
            override: true
            level: school
            citation: {document: prov-doc}
    """)
    errs = errors_of(p, tmp_path)
    assert errs[0].loc.line == line_of(p, "level: school") and "level" in errs[0].message


def test_add_and_remove_rules(tmp_path):
    p = write(tmp_path, "tp/h", """
        parameters:
          new_min:
            name: 新参数
            unit: 元
            values: {primary: 1000, junior: 1200}
            citation: {document: prov-doc}
        rules:
          - id: G2_funding
            level: county
            per_stage: true
            name: 基准定额
            value: funding_baseline
            operator: ">="
            threshold: new_min
            citation: {document: prov-doc}
          - id: G_area
            override: true
            condition: G4 and G5 and G7 and all(G2_funding)
            citation: {document: prov-doc}
        remove_rules:
          - {id: G14, reason: 本省不考核, citation: {document: prov-doc, article: 第9条}}
    """)
    std = load(p, tmp_path)
    assert "G14" not in std.rules and std.removed[0]["id"] == "G14"
    assert std.removed[0]["origin"].line == line_of(p, "- {id: G14")
    assert list(std.rules)[-1] == "G2_funding"
    run = evaluate_files(str(p), [str(DATA / "schools.csv")], [str(DATA / "counties.csv")], None,
                         [str(tmp_path), str(DATA)])
    v = run.verdicts
    assert "G14" not in set(v.rule_id)
    g2 = v[v.rule_id == "G2_funding"].set_index(["county_id", "stage"])["outcome"]
    assert g2[("C3", "junior")] == "fail" and g2[("C1", "junior")] == "pass" and g2[("C2", "primary")] == "pass"


def test_removing_a_rule_still_used_is_an_error(tmp_path):
    p = write(tmp_path, "tp/i", """
        remove_rules:
          - {id: G14, reason: 本省不考核, citation: {document: prov-doc}}
          - {id: G404, reason: 没有这条, citation: {document: prov-doc}}
    """)
    errs = errors_of(p, tmp_path)
    msgs = {e.loc.line: e.message for e in errs}
    assert "G_area" in msgs[line_of(p, "- {id: G14")]
    assert "G404" in msgs[line_of(p, "- {id: G404")] or "不在上级" in msgs[line_of(p, "- {id: G404")]


@pytest.mark.parametrize("ref", ["../tbase/base", "/etc/passwd", "tbase/../tbase/base", "tbase/base.yaml",
                                 "./tbase/base", "tbase\\base", "tbase", "TBASE/base"])
def test_extends_takes_ids_only(tmp_path, ref):
    p = write(tmp_path, "tp/j", "", extends=f'"{ref}"' if "\\" not in ref else "'tbase\\base'")
    errs = errors_of(p, tmp_path)
    assert errs[0].loc.line == line_of(p, "extends:") and "编号" in errs[0].message


def test_extends_symlink_out_of_the_standards_folder_is_refused(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "base.yaml").write_text((DATA / "tbase" / "base.yaml").read_text(encoding="utf-8")
                                       .replace("id: tbase/base", "id: evil/base"), encoding="utf-8")
    root = tmp_path / "root"
    (root / "evil").mkdir(parents=True)
    os.symlink(outside / "base.yaml", root / "evil" / "base.yaml")
    p = write(root, "tp/k", "", extends="evil/base")
    errs = errors_of(p, root)
    assert "找不到" in errs[0].message and errs[0].loc.line == line_of(p, "extends:")


def test_extends_cycle(tmp_path):
    a = write(tmp_path, "tp/x", "", extends="tp/y")
    write(tmp_path, "tp/y", "", extends="tp/x")
    errs = errors_of(a, tmp_path)
    assert "循环" in errs[0].message


def test_missing_parent_located(tmp_path):
    p = write(tmp_path, "tp/m", "", extends="tbase/nope")
    errs = errors_of(p, tmp_path)
    assert errs[0].loc.line == line_of(p, "extends:") and "tbase/nope" in str(errs[0])


# ------------------------------------------------------------------ effective dates

def test_dated_override_layers_on_the_parent(tmp_path):
    p = write(tmp_path, "tp/n", """
        parameters:
          G14_quota_min:
            override: true
            versions:
              - {value: 60, effective: {from: "2021-01-01"}}
            citation: {document: prov-doc}
          size_max:
            override: true
            versions:
              - {value: 2200, effective: {from: "2020-01-01", to: "2020-12-31"}}
            citation: {document: prov-doc}
    """)
    std = load(p, tmp_path)
    q = std.parameters["G14_quota_min"]
    assert q.in_force(dt.date(2020, 9, 1)).value == 50
    assert q.in_force(dt.date(2021, 9, 1)).value == 60
    assert q.in_force(None).value == 60
    # the parent's version window is cut where the override is in force
    parent_v = [v for v in q.versions if v.value == 50][0]
    assert parent_v.window.end == dt.date(2020, 12, 31)
    s = std.parameters["size_max"]
    assert [s.in_force(dt.date(y, 6, 1)).value for y in (2018, 2019, 2020, 2021, 2023)] == [2000, 2000, 2200, 2400,
                                                                                            2000]


def test_as_of_changes_verdicts(tmp_path):
    files = ([str(DATA / "schools.csv")], [str(DATA / "counties.csv")])
    early = evaluate_files("tbase/base", *files, "2018-09-01", [str(DATA)]).verdicts
    relax = evaluate_files("tbase/base", *files, "2020-09-01", [str(DATA)]).verdicts
    e = early.set_index(["rule_id", "school_id"])["outcome"]
    r = relax.set_index(["rule_id", "school_id"])["outcome"]
    assert e[("G4_school", "S4")] == "fail" and r[("G4_school", "S4")] == "pass"  # 2300 students


def test_overlapping_and_gapped_versions_are_reported(tmp_path):
    p = write(tmp_path, "tp/o", """
        parameters:
          overlap_p:
            name: 重叠
            citation: {document: prov-doc}
            versions:
              - {value: 1, effective: {from: "2017-01-01", to: "2020-12-31"}}
              - {value: 2, effective: {from: "2020-06-01", to: "2023-12-31"}}
          same_p:
            name: 相同
            citation: {document: prov-doc}
            versions:
              - {value: 1, effective: {from: "2017"}}
              - {value: 2, effective: {from: "2017"}}
          gap_p:
            name: 空档
            citation: {document: prov-doc}
            versions:
              - {value: 1, effective: {from: "2017-01-01", to: "2018-12-31"}}
              - {value: 2, effective: {from: "2020-01-01"}}
          nested_ok:
            name: 嵌套（允许）
            citation: {document: prov-doc}
            versions:
              - {value: 1, effective: {from: "2017"}}
              - {value: 2, effective: {from: "2019-12-01", to: "2022-11-30"}}
          shape_p:
            name: 形态
            citation: {document: prov-doc}
            versions:
              - {value: 1, effective: {to: "2018"}}
              - {values: {primary: 1, junior: 2}, effective: {from: "2019"}}
    """)
    errs = errors_of(p, tmp_path)
    got = {(e.loc.line, e.text) for e in errs}
    assert (line_of(p, 'value: 2, effective: {from: "2020-06-01"'), "overlap_p") in got
    assert (line_of(p, 'value: 2, effective: {from: "2017"}'), "same_p") in got
    assert (line_of(p, 'value: 2, effective: {from: "2020-01-01"}'), "gap_p") in got
    assert (line_of(p, "shape_p:"), "shape_p") in got
    assert not any(t == "nested_ok" for _, t in got)
    gap = [e for e in errs if e.text == "gap_p"][0]
    assert "2019-01-01 ~ 2019-12-31" in gap.message


def test_check_command_reports_window_problems(tmp_path, capsys):
    import junheng.cli.main as cli

    p = write(tmp_path, "tp/q", """
        parameters:
          gap_p:
            name: 空档
            citation: {document: prov-doc}
            versions:
              - {value: 1, effective: {from: "2017", to: "2018"}}
              - {value: 2, effective: {from: "2020"}}
    """)
    code = cli.main(["check", "--standards-dir", str(DATA), str(p)])
    err = capsys.readouterr().err
    assert code == 2 and f"{p}:{line_of(p, 'value: 2')}:" in err and "空档" in err


def test_derived_redefinition_needs_intent(tmp_path):
    body = """
        derived:
          sports_area:
            {intent}level: stage
            expr: gym_area
    """
    root = tmp_path
    base = write(root, "tp/base2", """
        derived:
          sports_area: {level: stage, expr: gym_area + sports_ground_area}
    """)
    p = write(root, "tp/r", body.format(intent=""), extends="tp/base2")
    errs = errors_of(p, root)
    assert errs[0].loc.line == line_of(p, "sports_area:") and "override: true" in errs[0].message
    p2 = write(root, "tp/r2", body.format(intent="override: true\n            "), extends="tp/base2")
    assert load(p2, root).derived["sports_area"].expr["*"].text == "gym_area"
    assert base.exists()


def test_id_must_match_place_in_bundled_standards(tmp_path, monkeypatch):
    import junheng.standard.loader

    root = tmp_path / "standards"
    p = write(root, "tp/s", "")
    bad = root / "tp" / "copy.yaml"
    bad.write_text(p.read_text(encoding="utf-8"), encoding="utf-8")
    monkeypatch.setattr(junheng.standard.loader, "standards_dir", lambda: root)
    assert load(p, root).id == "tp/s"
    errs = errors_of(bad, root)
    assert errs[0].loc.line == line_of(bad, "id:") and "tp/copy" in errs[0].message


def test_show_lists_removed_rules(tmp_path):
    from junheng.tools.show import resolve_view

    p = write(tmp_path, "tp/t", """
        rules:
          - id: G_area
            override: true
            condition: G4 and G5 and G7
            citation: {document: prov-doc}
        remove_rules:
          - {id: G14, reason: 本省不考核, citation: {document: prov-doc, article: 第9条}}
    """)
    view = resolve_view(load(p, tmp_path))
    [d] = view["removed"]
    assert d["id"] == "G14" and d["reason"] == "本省不考核" and "第9条" in d["citation"]
    assert d["set_at"].endswith(f":{line_of(p, '- {id: G14')}:5") and "tbase/base.yaml" in d["removed_from"]
    assert "G14" not in {r["id"] for r in view["rules"]}
