"""Issue 20: verdicts that stay true on incomplete data, and the standards' remaining gaps.

Every expected value is derived by hand in the comment next to it. The base county is the one of
standards/national/tests/quality-2017.yaml (C1: primary school S1, junior school S2, every item met).
"""
import json

import numpy as np
import pandas as pd
import pytest

from junheng.evaluation.logic import aggregate, round_half_up
from junheng.evaluation.run import evaluate_files

# the national test file's sample county, patched per case (shared with test_national_quality)
from test_national_quality import BASE, ROOT, STD, rows  # noqa: E402,F401


def run(tmp_path, schools=None, counties=None, as_of="2025-09-01", std=STD):
    sp, cp = tmp_path / "schools.json", tmp_path / "counties.json"
    sp.write_text(json.dumps(schools if schools is not None else rows("schools"), ensure_ascii=False), "utf-8")
    cp.write_text(json.dumps(counties if counties is not None else rows("counties"), ensure_ascii=False), "utf-8")
    return evaluate_files(std, str(sp), str(cp), as_of)


def v(r, rule, school=None, stage=None, county=None):
    df = r.verdicts[r.verdicts.rule_id == rule]
    if school:
        df = df[df.school_id == school]
    if stage:
        df = df[df.stage == stage]
    if county:
        df = df[df.county_id == county]
    assert len(df) == 1, (rule, school, stage, len(df))
    return df.iloc[0]


# ------------------------------------------------------------------ 1. no vacuous pass

# One group (code 0) with no unit and one group (code 1) with two units; x = [1, 1] (both true).
G = np.array([1, 1])


@pytest.mark.parametrize("func", ["all", "any", "count", "share", "sum", "mean", "min", "max"])
def test_every_aggregate_is_unknown_over_a_group_without_units(func):
    # group 0 has no unit at all: whatever the function, nothing is known about it -> NaN.
    # group 1: all([1,1]) = 1, any = 1, count = 2, share = 2/2 = 1, sum = 2, mean = 1, min = max = 1.
    expected = {"all": 1, "any": 1, "count": 2, "share": 1, "sum": 2, "mean": 1, "min": 1, "max": 1}[func]
    info = {}
    r = aggregate(func, G, 2, np.array([1.0, 1.0]), None, None, info)
    assert np.isnan(r[0]) and r[1] == expected
    assert info["empty_group"].tolist() == [True, False] and info["empty_selection"].tolist() == [False, False]


@pytest.mark.parametrize("func", ["weighted_mean", "weighted_cv"])
def test_weighted_aggregates_are_unknown_over_a_group_without_units(func):
    # group 1: values 2 and 4, weights 1 and 3 -> mean (2 + 12) / 4 = 3.5;
    # S = sqrt(1/4*(2-3.5)^2 + 3/4*(4-3.5)^2) = sqrt(0.5625 + 0.1875) = sqrt(0.75); CV = sqrt(0.75)/3.5
    r = aggregate(func, G, 2, np.array([2.0, 4.0]), None, np.array([1.0, 3.0]))
    assert np.isnan(r[0])
    assert r[1] == pytest.approx(3.5 if func == "weighted_mean" else np.sqrt(0.75) / 3.5)


def test_empty_selection_semantics():
    # group 1 has two units, where = [0, 0] selects none of them:
    # all/any unknown (nothing judged), count 0 and sum 0 (a count of none), share/mean/min/max unknown (0/0).
    where = np.array([0.0, 0.0])
    x = np.array([1.0, 1.0])
    for func, want in [("all", None), ("any", None), ("count", 0.0), ("sum", 0.0), ("share", None),
                       ("mean", None), ("min", None), ("max", None)]:
        info = {}
        r = aggregate(func, G, 2, x, where, None, info)
        assert (np.isnan(r[1]) if want is None else r[1] == want), func
        assert info["empty_selection"].tolist() == [False, True]
    # where unknown for one unit: the selection is not known to be empty -> not flagged, and all() unknown
    info = {}
    r = aggregate("all", G, 2, x, np.array([0.0, np.nan]), None, info)
    assert np.isnan(r[1]) and info["empty_selection"].tolist() == [False, False]


# The rules of national/quality-2017 that reduce a county's schools or stage units. G11 (teacher rotation) is
# made of county figures (rotated / rotation_eligible), not of schools: with county data it is still judged.
COUNTY_AGGREGATES = ["area_resources", "G3", "G4", "G5", "G6", "G9", "G12", "G13", "Q4"]


@pytest.mark.parametrize("how", ["no_school_rows", "all_rejected", "zero_pupils"])
def test_county_without_evaluable_school_is_not_evaluable(tmp_path, how):
    # C2 is a second county with every county fact of C1. Its schools: none / one with an unknown type and no
    # pupils (rejected: no stage) / one 小学 with 0 primary pupils (no stage unit: rejected as well).
    counties = rows("counties")
    c2 = dict(counties[0], county_id="C2", county_name="空县")
    schools = rows("schools")
    if how == "all_rejected":
        schools.append({"school_id": "X1", "school_name": "无学段", "county_id": "C2"})
    elif how == "zero_pupils":
        schools.append({"school_id": "X1", "school_name": "零人", "county_id": "C2", "school_type": "小学",
                        "students_primary": 0})
    r = run(tmp_path, schools, counties + [c2])
    for rule in COUNTY_AGGREGATES:
        row = v(r, rule, county="C2")
        # every one of these reduces the county's schools or stage units: the set is empty -> not_evaluable
        assert row.outcome == "not_evaluable", (rule, row.outcome, row.reason)
        if rule != "area_resources":
            assert "区县内没有可评估的学校" in row.reason, (rule, row.reason)
    assert "区县内没有可评估的学校" in v(r, "area_resources", county="C2").reason
    assert v(r, "county", county="C2").outcome == "not_evaluable"
    # C1 is unchanged: every item met
    assert v(r, "county", county="C1").outcome == "pass"


def test_county_without_small_school_g6_not_applicable(tmp_path):
    # base county: S1 1000 and S2 800 pupils, none under G6_funded_students = 100 -> G6_school not applicable
    # for both; G6 applies only when some school is under 100 -> not_applicable, never a pass over nothing.
    r = run(tmp_path)
    assert v(r, "G6_school", "S1").outcome == "not_applicable"
    assert v(r, "G6").outcome == "not_applicable"
    # S1 with 90 pupils: 90 < 100 -> G6_school applies; budget 1000000 >= 100 * (650*90)/90 = 65000 -> pass
    schools = rows("schools", S1={"students_primary": 90, "in_zone_students_primary": 90})
    r = run(tmp_path, schools)
    assert v(r, "G6_school", "S1").outcome == "pass" and v(r, "G6").outcome == "pass"


def test_county_with_only_rural_schools_g13_not_applicable(tmp_path):
    # both schools 乡村 -> G13_school (urban and town public non-boarding only) not applicable for both units,
    # G13 has nothing to judge -> not_applicable (was: pass "条件成立" over an empty set).
    schools = rows("schools", S1={"urban_rural": "乡村"}, S2={"urban_rural": "乡村"})
    r = run(tmp_path, schools)
    assert v(r, "G13_school", "S1").outcome == "not_applicable"
    assert v(r, "G13").outcome == "not_applicable"
    # area_government: a not_applicable item is no obstacle (bool_from_outcome) -> still pass
    assert v(r, "area_government").outcome == "pass"


# ------------------------------------------------------------------ 2. three-valued if

def test_if_unknown_condition_equal_branches_gives_the_value(tmp_path):
    # if <unknown> then 5 else 5 = 5 (both branches agree); if <unknown> then 5 else 6 = unknown.
    import junheng.language.nodes as A
    ev = run(tmp_path).evaluator
    unknown = A.Call("unknown", [A.String("x")], {})
    assert ev.node_values(A.If(unknown, A.Number(5.0), A.Number(5.0)), "school").tolist() == [5.0, 5.0]
    assert np.isnan(ev.node_values(A.If(unknown, A.Number(5.0), A.Number(6.0)), "school")).all()
    # text branches: if <unknown> then "a" else "a" = "a"
    assert ev.node_values(A.If(unknown, A.String("a"), A.String("a")), "school").tolist() == ["a", "a"]


def test_g3_urban_school_blank_rural_small_flag_decided_by_built_2016_relaxation(tmp_path):
    # 2020-09-01 (2019-2022 window). S1: 2 music rooms of 73-96 m2 (band 73), built 2015, rural_small_under30 blank.
    # threshold = if 73 >= 96 (no) else if (in force and rural_small_under30=?) -> unknown:
    #   then-branch: 小学 -> 54;  else-branch: built 2015 <= 2016 -> 73.  Both: 73 >= 54 and 73 >= 73 -> pass.
    schools = rows("schools", S1={"music_rooms_96": 0, "music_rooms_73": 2, "rural_small_under30": None})
    r = run(tmp_path, schools, as_of="2020-09-01")
    row = v(r, "G3_music_school", "S1")
    assert row.outcome == "pass", row.reason
    # shown: the value 73 against the strictest of the two thresholds, 73
    assert row.value == 73 and row.threshold == 73
    assert "两种情形结论相同" in row.reason
    # band 61 (two rooms of 61-73 m2): 61 >= 54 but 61 < 73 -> the two cases differ -> not_evaluable
    schools = rows("schools", S1={"music_rooms_96": 0, "music_rooms_61": 2, "rural_small_under30": None})
    r = run(tmp_path, schools, as_of="2020-09-01")
    assert v(r, "G3_music_school", "S1").outcome == "not_evaluable"
    # band 0 (no room of 61 m2 or more): 0 < 54 and 0 < 73 -> fail in both cases; shown against the lowest, 54
    schools = rows("schools", S1={"music_rooms_96": 0, "rural_small_under30": None})
    r = run(tmp_path, schools, as_of="2020-09-01")
    row = v(r, "G3_music_school", "S1")
    assert row.outcome == "fail" and row.value == 0 and row.threshold == 54


def test_r3_visiting_teachers_blank_flag_decided_when_both_cases_pass(tmp_path):
    # 2020-09-01. S1: pe_art = 5+3+3+0 = 11 of 1000 pupils; 10 visiting teachers, rural_small_50_99 blank.
    # value = (11 + (if ? then 10 else 0)) / 1000 * 100 -> between 1.1 and 2.1; both >= 0.9 -> pass, shown 1.1.
    schools = rows("schools", S1={"visiting_pe_art_teachers_primary": 10, "rural_small_50_99": None})
    r = run(tmp_path, schools, as_of="2020-09-01")
    row = v(r, "R3", "S1")
    assert row.outcome == "pass" and row.value == pytest.approx(1.1) and row.threshold == 0.9
    assert "两种情形结论相同" in row.reason and "rural_small_50_99 缺失" in row.reason
    # pe_art 5 (pe 5, no music/art): 5/1000*100 = 0.5 or (5+10)/1000*100 = 1.5 -> one fails, one passes -> unknown
    schools = rows("schools", S1={"visiting_pe_art_teachers_primary": 10, "rural_small_50_99": None,
                                  "music_teachers_primary": 0, "fine_art_teachers_primary": 0})
    r = run(tmp_path, schools, as_of="2020-09-01")
    assert v(r, "R3", "S1").outcome == "not_evaluable"
    # and with only 3 visiting: 0.5 or 0.8, both < 0.9 -> fail, shown 0.8 (the highest possible value)
    schools = rows("schools", S1={"visiting_pe_art_teachers_primary": 3, "rural_small_50_99": None,
                                  "music_teachers_primary": 0, "fine_art_teachers_primary": 0})
    r = run(tmp_path, schools, as_of="2020-09-01")
    row = v(r, "R3", "S1")
    assert row.outcome == "fail" and row.value == pytest.approx(0.8)


def test_r5_leased_area_blank_dense_flag_decided(tmp_path):
    # 2020-09-01. S1: sports 2000 + 7000 = 9000 m2 / 1000 = 9 >= 7.5 already; 500 m2 leased, dense_central_city
    # blank: 9 or (9000+500)/1000 = 9.5 -> both pass; shown 9.
    schools = rows("schools", S1={"leased_sports_area": 500, "dense_central_city": None})
    r = run(tmp_path, schools, as_of="2020-09-01")
    row = v(r, "R5", "S1")
    assert row.outcome == "pass" and row.value == 9 and row.threshold == 7.5
    assert "两种情形结论相同" in row.reason


# ------------------------------------------------------------------ 7. round()

def test_round_half_up_negative_digits():
    # 177 / 100 = 1.77 -> 2 -> 200; 150/100 = 1.5 (a half) -> up -> 200; 149 -> 1.49 -> 1 -> 100;
    # -150 -> away from zero -> -200; 2.675 to 2 decimals -> 2.68 (the known float trap); 1234.5 to 0 -> 1235
    assert round_half_up(np.array([177.0, 150.0, 149.0, -150.0]), -2).tolist() == [200.0, 200.0, 100.0, -200.0]
    assert round_half_up(np.array([2.675]), 2)[0] == 2.68 and round_half_up(np.array([1234.5]), 0)[0] == 1235
    # 1250 to -3: 1.25 -> 1 -> 1000; 1500 -> 1.5 -> 2000
    assert round_half_up(np.array([1250.0, 1500.0]), -3).tolist() == [1000.0, 2000.0]
    with pytest.raises(ValueError):
        round_half_up(np.array([1.0]), 400)


def _std_with(tmp_path, old, new):
    text = (ROOT / "standards/national/quality-2017.yaml").read_text(encoding="utf-8")
    text = text.replace("id: national/quality-2017", "id: test/round")
    assert old in text
    text = text.replace(old, new, 1)
    p = tmp_path / "round.yaml"
    p.write_text(text, encoding="utf-8")
    return p, text


def test_round_negative_digits_in_a_rule(tmp_path):
    # G4_school value rounded to hundreds: S1 1000 -> 1000, still <= 2000; S2 with 2049 junior pupils:
    # round(2049, -2) = 2000 (20.49 -> 20) <= 2000 -> pass; 2050 -> 20.5 -> 21 -> 2100 > 2000 -> fail.
    p, _ = _std_with(tmp_path, "    value: compulsory_students\n    operator: \"<=\"",
                     "    value: round(compulsory_students, -2)\n    operator: \"<=\"")
    for n, value, outcome in [(2049, 2000, "pass"), (2050, 2100, "fail")]:
        schools = rows("schools", S2={"students_junior": n, "in_zone_students_junior": n})
        r = run(tmp_path, schools, std=str(p))
        row = v(r, "G4_school", "S2")
        assert (row.value, row.outcome) == (value, outcome)


@pytest.mark.parametrize("digits, message", [("400", "-15 到 15"), ("1.5", "写明的整数"),
                                             ("G3_classes_per_room", "写明的整数"), ("-16", "-15 到 15")])
def test_round_digits_must_be_a_literal_integer_in_range(tmp_path, digits, message):
    from junheng.standard.checker import compile_standard
    from junheng.errors import StandardError
    from junheng.standard.loader import load_standard

    p, text = _std_with(tmp_path, "    value: compulsory_students\n    operator: \"<=\"",
                        f"    value: round(compulsory_students, {digits})\n    operator: \"<=\"")
    with pytest.raises(StandardError) as exc:
        compile_standard(load_standard(str(p), collect=True))
    errs = exc.value.errors
    assert len(errs) == 1 and message in errs[0].message
    # located at the digits: file:line:col of the second argument
    i = text.index(f"round(compulsory_students, {digits})") + len("round(compulsory_students, ")
    line = text.count("\n", 0, i) + 1
    col = i - (text.rfind("\n", 0, i) + 1) + 1
    assert (errs[0].loc.line, errs[0].loc.col) == (line, col)


# ------------------------------------------------------------------ 3. scope of the resource evaluation

def test_scope_teaching_point_special_and_vocational_schools(tmp_path):
    # Base S1 (小学, 1000 pupils, R1 = 5.2) and S2 (初中, 800). Added primary units:
    #   T1 教学点 49 pupils (< 50: out of scope), T2 教学点 50 pupils (boundary: in scope),
    #   X1 特殊教育学校 100 primary pupils (out), X2 职业学校 100 junior pupils (out).
    # Each added school has 0 teachers_college etc. except T2, so R1 would be 0 for the out-of-scope ones.
    base = rows("schools")
    s1 = base[0]
    extra = []
    for sid, stype, n, stage in [("T1", "教学点", 49, "primary"), ("T2", "教学点", 50, "primary"),
                                 ("X1", "特殊教育学校", 100, "primary"), ("X2", "职业学校", 100, "junior")]:
        row = {k: v for k, v in s1.items() if not k.endswith("_primary")}
        row.update(school_id=sid, school_name=sid, school_type=stype, **{f"students_{stage}": n,
                   f"teachers_{stage}": 5, f"teachers_bachelor_{stage}": 0, f"backbone_teachers_{stage}": 0})
        if sid == "T2":  # T2: R1 = (2 + 0 + 0 + 0)/50*100 = 4 (college degree teachers only)
            row.update(teachers_college_primary=2, teachers_master_primary=0, teachers_doctor_primary=0)
        extra.append(row)
    r = run(tmp_path, base + extra)
    for sid in ("T1", "X1", "X2"):
        for rule in ("R1", "R4", "R_school"):
            row = v(r, rule, sid)
            assert row.outcome == "not_applicable", (sid, rule, row.outcome)
            assert "资源配置评估范围" in row.reason
    # the catalogue knows the two new types: no data note about an unknown school_type
    assert not [p for p in r.schools.problems if "特殊教育学校" in str(p) or "职业学校" in str(p)]
    # T2 (50 pupils) is in scope: R1 = (2 + 0 + 0 + 0)/50*100 = 4 < 4.2 -> fail
    row = v(r, "R1", "T2")
    assert row.outcome == "fail" and row.value == 4
    # R1_cv primary over S1 (1000 pupils, 5.2) and T2 (50 pupils, 4) only -- T1 and X1 (R1 = 0) are left out:
    #   P = 1050; mean = (1000*5.2 + 50*4)/1050 = 5400/1050 = 5.142857...
    #   S^2 = (1000/1050)*(5.2-5.142857)^2 + (50/1050)*(4-5.142857)^2
    #       = 0.952381*0.0032653 + 0.047619*1.3061224 = 0.0031098 + 0.0621963 = 0.0653061; S = 0.255551
    #   CV = 0.255551/5.142857 = 0.049690 -> round 3 -> 0.050
    cv = v(r, "R1_cv", stage="primary")
    assert cv.value == pytest.approx(0.05)
    P, m = 1050, 5400 / 1050
    s2 = 1000 / P * (5.2 - m) ** 2 + 50 / P * (4 - m) ** 2
    assert round(np.sqrt(s2) / m, 3) == 0.05
    # junior CV: X2 is out of scope, S2 alone -> 0
    assert v(r, "R1_cv", stage="junior").value == 0


def test_value_of_a_rule_inside_an_aggregate_respects_its_applies_when(tmp_path):
    # Engine defect under item 3: value(R) in weighted_cv ignored R's applies_when. Make R1 apply only to S1's
    # county... simplest: a standard where R1 applies only when students > 999: S1 (1000) in, S2 (800 junior) out.
    # R1_cv junior then reduces no unit -> empty selection -> not_evaluable (never a CV of 0 over nothing).
    p, _ = _std_with(tmp_path, "  - id: R1\n    level: stage\n    area: resources\n    applies_when: "
                               "in_resource_scope\n",
                     "  - id: R1\n    level: stage\n    area: resources\n    applies_when: students > 999\n")
    r = run(tmp_path, std=str(p))
    assert v(r, "R1", "S2").outcome == "not_applicable"
    row = v(r, "R1_cv", stage="junior")
    assert row.outcome == "not_evaluable" and "没有适用的学校" in row.reason
    assert v(r, "R1_cv", stage="primary").value == 0  # S1 alone


# ------------------------------------------------------------------ 8. the date behind every threshold

def test_without_as_of_the_date_is_today_and_every_output_says_so(tmp_path):
    import datetime as dt
    import io

    from openpyxl import load_workbook
    from rich.console import Console

    from junheng.reports.files import to_document
    from junheng.reports.html_report import render_html
    from junheng.reports.xlsx_report import write_xlsx
    from junheng.reports.terminal import print_summary

    today = dt.date.today().isoformat()
    r = run(tmp_path, as_of=None)
    assert r.as_of.isoformat() == today and r.as_of_given is False
    doc = to_document(r)
    assert doc["as_of"] == today and doc["as_of_given"] is False
    html = render_html(r)
    assert f"{today}（未指定评估日期，按运行当天）" in html
    x = tmp_path / "r.xlsx"
    write_xlsx(r, str(x))
    cells = [c.value for ws in load_workbook(x).worksheets for row in ws.iter_rows() for c in row]
    assert f"{today}（未指定评估日期，按运行当天）" in cells
    buf = io.StringIO()
    print_summary(Console(file=buf, width=200), r)
    assert f"评估日期 {today}（未指定评估日期，按运行当天）" in buf.getvalue()
    # a given date is stated as it is, without the note
    r = run(tmp_path, as_of="2020-09-01")
    assert r.as_of_given and to_document(r)["as_of"] == "2020-09-01" and to_document(r)["as_of_given"] is True
    assert "评估日期 2020-09-01" in render_html(r) or "2020-09-01" in render_html(r)


def test_workbench_states_the_date_used(tmp_path):
    import datetime as dt
    import io

    from junheng.web.app import Settings, create_app
    from junheng.web.workspace import Workspace

    ws = Workspace()
    app = create_app(Settings(save_dir=tmp_path / "saved"), ws)
    try:
        client = app.test_client()
        sp = tmp_path / "s.json"
        sp.write_text(json.dumps(rows("schools"), ensure_ascii=False), "utf-8")
        cp = tmp_path / "c.json"
        cp.write_text(json.dumps(rows("counties"), ensure_ascii=False), "utf-8")
        data = {"standard": STD, "as_of": "", "schools": [(io.BytesIO(sp.read_bytes()), "s.json")],
                "counties": [(io.BytesIO(cp.read_bytes()), "c.json")]}
        resp = client.post("/evaluate", data=data, content_type="multipart/form-data")
        assert resp.status_code == 302, resp.data[:500]
        page = client.get(resp.headers["Location"]).get_data(as_text=True)
        assert f"{dt.date.today().isoformat()}（未指定评估日期，按运行当天）" in page
    finally:
        ws.close()


# ------------------------------------------------------------------ 4. unfounded values and citations

def _twelve_or_nine(stype):
    # S1 becomes a combined school: 1500 primary + 1300 junior (+ 500 senior for 十二年一贯制) = 2800 compulsory
    # pupils, built 2008 (<= 2010): in 2020 the relaxation is in force.
    return rows("schools", S1={"school_type": stype, "students_primary": 1500, "students_junior": 1300,
                               "students_senior": 500 if stype == "十二年一贯制" else None, "built_year": 2008})


def test_relaxed_3000_only_for_nine_year_schools(tmp_path):
    # 九年一贯制: 2800 > 2500 and built 2008 -> relaxed limit 3000; 2800 <= 3000 -> pass
    r = run(tmp_path, _twelve_or_nine("九年一贯制"), as_of="2020-09-01")
    row = v(r, "G4_school", "S1")
    assert (row.outcome, row.value, row.threshold) == ("pass", 2800, 3000)
    # 十二年一贯制: no source extends 3000 to it -> 2500; 2800 > 2500 -> fail
    r = run(tmp_path, _twelve_or_nine("十二年一贯制"), as_of="2020-09-01")
    row = v(r, "G4_school", "S1")
    assert (row.outcome, row.value, row.threshold) == ("fail", 2800, 2500)
    assert row.threshold_param == "G4_size_max_combined"


def test_g8_second_half_performance_pay(tmp_path):
    # pay 90000 >= 88000 (first half passes); performance pay not fully approved -> G8 fails
    counties = rows("counties", C1={"performance_pay_full": False})
    r = run(tmp_path, counties=counties)
    assert v(r, "G8_pay").outcome == "pass" and v(r, "G8_performance_pay").outcome == "fail"
    assert v(r, "G8").outcome == "fail" and v(r, "county").outcome == "fail"


def test_jilin_has_no_unfounded_junior_45(tmp_path):
    # junior largest class 48: national 50 applies in Jilin too (the 45 had no source) -> pass
    r = run(tmp_path, std="jilin/quality-2017")
    row = v(r, "G5_school", "S2")
    assert (row.outcome, row.value, row.threshold) == ("pass", 48, 50)


def test_2012_single_cvs_are_recorded_never_passed(tmp_path, csv_writer):
    from conftest import primary_school

    # two primary schools with different B1: the single CVs are shown as values, outcome not_applicable
    # ("仅记录"), never pass; the composite is judged as before.
    a = primary_school("P1", students=1000)
    b = primary_school("P2", students=1000, teaching_aux_area=3000)
    r = evaluate_files("national/basic-2012", str(csv_writer([a, b])), None, "2020-09-01")
    df = r.verdicts[r.verdicts.rule_id.str.match(r"B\d_cv$")]
    # the fixture leaves out teachers, books, computers...: those CVs are not computable -> not_evaluable.
    # Every computable one is a record (not_applicable, "仅记录"), none is a pass, none has a threshold.
    assert len(df) == 8 and "pass" not in set(df.outcome) and df.threshold.isna().all()
    rec = df[df.outcome == "not_applicable"]
    assert len(rec) >= 1 and rec.reason.str.startswith("仅记录（标准不设限）").all()
    # B1 (the whole teaching/auxiliary area, indoor sports rooms included in 2012): P1 5300/1000 = 5.3,
    # P2 3000/1000 = 3.0; equal weights: mean 4.15, S = sqrt((1.15^2 + 1.15^2)/2) = 1.15, CV = 1.15/4.15 = 0.27711
    # -> 0.277
    b1 = v(r, "B1_cv", stage="primary")
    assert b1.outcome == "not_applicable" and b1.value == 0.277


def test_liaoning_citation_marks_the_inference():
    from junheng.standard.loader import load_standard

    p = load_standard("liaoning/province").parameters["G2_funding_baseline_min"]
    assert "第6项" in p.citation.article and "推断" in p.note
    g = load_standard("guangxi/quality-2017")
    assert g.extra_fields["county"]["county_staff_pay"].label == "当地教职工工资总额"
    b = load_standard("national/basic-2012")
    assert b.parameters["B_satisfaction_min"].source_status == "secondary"
    assert b.stage_weights_citation.document == "split-note-2015"


# ------------------------------------------------------------------ 9. sources inside the repository

def test_every_parameter_is_in_sources_md():
    # every parameter a standard file writes (and every document it cites) is listed in standards/SOURCES.md,
    # and standards/README.md points there, not to a file outside the repository
    from junheng.standard.loader import load_standard

    text = (ROOT / "standards/SOURCES.md").read_text(encoding="utf-8")
    readme = (ROOT / "standards/README.md").read_text(encoding="utf-8")
    assert "SOURCES.md" in readme and "shared/domain" not in readme
    missing = []
    for path in sorted((ROOT / "standards").glob("*/*.yaml")):
        std = load_standard(str(path))
        for p in std.parameters.values():
            if p.origin.file.endswith(path.name) and f"`{p.id}`" not in text:
                missing.append((std.id, p.id))
        for doc_id in std.documents:
            if f"`{doc_id}`" not in text:
                missing.append((std.id, doc_id))
    assert not missing, missing


# ------------------------------------------------------------------ 6. relaxed passes are marked

def test_relaxed_pass_is_marked_with_its_window(tmp_path):
    # S1 2350 pupils, built 2008, 2020-09-01: 2350 > 2000 (normal) but <= 2400 (relaxed) -> pass only by the
    # relaxation G4_size_max_relaxed_single (2019-01-01 ~ 2022-12-31). G4 (all schools) and the county verdict
    # then pass only because of it as well. S2 (800 <= 2000) passes anyway: not marked.
    schools = rows("schools", S1={"students_primary": 2350, "in_zone_students_primary": 2350, "built_year": 2008})
    r = run(tmp_path, schools, as_of="2020-09-01")
    row = v(r, "G4_school", "S1")
    assert row.outcome == "pass"
    assert row.relaxation == "G4_size_max_relaxed_single 2019-01-01 ~ 2022-12-31"
    assert "仅因过渡期放宽而达标：G4_size_max_relaxed_single（生效 2019-01-01 ~ 2022-12-31）" in row.reason
    assert pd.isna(v(r, "G4_school", "S2").relaxation)
    assert not pd.isna(v(r, "G4").relaxation) and "G4_size_max_relaxed_single" in v(r, "G4").relaxation
    # R1 of S1 has nothing to do with relaxations
    assert pd.isna(v(r, "R1", "S1").relaxation)
    from junheng.reports.files import to_document
    recs = [x for x in to_document(r)["verdicts"] if x["rule_id"] == "G4_school" and x["school_id"] == "S1"]
    assert recs[0]["relaxation"] == "G4_size_max_relaxed_single 2019-01-01 ~ 2022-12-31"


def test_r3_pass_only_with_visiting_teachers_is_marked(tmp_path):
    # S1 rural small 50-99 flag set; pe 5 + music 0 + art 0 = 5 of 1000 -> 0.5 < 0.9; with 5 visiting:
    # (5+5)/1000*100 = 1.0 >= 0.9 -> pass only through R3_visiting_counted.
    schools = rows("schools", S1={"rural_small_50_99": True, "visiting_pe_art_teachers_primary": 5,
                                  "music_teachers_primary": 0, "fine_art_teachers_primary": 0})
    r = run(tmp_path, schools, as_of="2020-09-01")
    row = v(r, "R3", "S1")
    assert row.outcome == "pass" and row.value == 1.0
    assert row.relaxation == "R3_visiting_counted 2019-01-01 ~ 2022-12-31"
    # with 11 own PE/art teachers (the base) the pass does not depend on the visiting ones: not marked
    schools = rows("schools", S1={"rural_small_50_99": True, "visiting_pe_art_teachers_primary": 5})
    r = run(tmp_path, schools, as_of="2020-09-01")
    assert v(r, "R3", "S1").outcome == "pass" and pd.isna(v(r, "R3", "S1").relaxation)
    # after the window (2025) nothing is relaxed: the base county has no relaxation column values at all
    r = run(tmp_path, as_of="2025-09-01")
    assert r.verdicts.relaxation.isna().all()


def test_relaxed_pass_shown_in_every_output(tmp_path):
    # the case of test_relaxed_pass_is_marked_with_its_window: S1 passes G4_school only under
    # G4_size_max_relaxed_single (2019-01-01 ~ 2022-12-31)
    import io

    from openpyxl import load_workbook
    from rich.console import Console

    from junheng.reports.files import write_csv
    from junheng.reports.html_report import render_html
    from junheng.reports.xlsx_report import write_xlsx
    from junheng.reports.terminal import print_summary

    schools = rows("schools", S1={"students_primary": 2350, "in_zone_students_primary": 2350, "built_year": 2008})
    r = run(tmp_path, schools, as_of="2020-09-01")
    needle = "G4_size_max_relaxed_single 2019-01-01 ~ 2022-12-31"
    assert needle in render_html(r)  # the county section lists the relaxed school passes
    x = tmp_path / "r.xlsx"
    write_xlsx(r, str(x))
    cells = [str(c.value) for ws in load_workbook(x).worksheets for row in ws.iter_rows() for c in row]
    assert any("仅因过渡期放宽而达标" in c and "2019-01-01 ~ 2022-12-31" in c for c in cells)
    buf = io.StringIO()
    print_summary(Console(file=buf, width=300), r)
    assert "仅因过渡期放宽" in buf.getvalue()  # G4 (county) passes only through S1's relaxation
    c = tmp_path / "v.csv"
    write_csv(r, str(c))
    assert needle in c.read_text(encoding="utf-8-sig")


# ------------------------------------------------------------------ 5. eligibility

def test_eligibility_uses_the_evaluation_year_and_is_reported_apart(tmp_path):
    import io

    from openpyxl import load_workbook
    from rich.console import Console

    from junheng.reports.html_report import render_html
    from junheng.reports.xlsx_report import write_xlsx
    from junheng.reports.terminal import print_summary

    counties = rows("counties", C1={"basic_balance_certified_year": 2021})
    # as of 2024-06-30: 2024 - 2021 = 3 >= 3 -> pass; as of 2023-12-31: 2 < 3 -> fail (year precision)
    r = run(tmp_path, counties=counties, as_of="2024-06-30")
    row = v(r, "E_eligibility")
    assert (row.outcome, row.value, row.threshold, row.area) == ("pass", 3, 3, "eligibility")
    r = run(tmp_path, counties=counties, as_of="2023-12-31")
    row = v(r, "E_eligibility")
    assert (row.outcome, row.value) == ("fail", 2)
    # apart from the four areas: the county verdict does not read it (the base county passes everything else)
    assert v(r, "county").outcome == "pass"
    assert "E_eligibility" not in r.compiled.deps["county"].rules
    # terminal: a 资格审查 column in the conclusion table; HTML (and the workbench, which renders the same body)
    buf = io.StringIO()
    print_summary(Console(file=buf, width=300), r)
    assert "资格审查" in buf.getvalue()
    html = render_html(r)
    assert "资格审查（申报条件，单独报告，不计入评估结论）" in html
    x = tmp_path / "r.xlsx"
    write_xlsx(r, str(x))
    wb = load_workbook(x)
    ws = wb["区县汇总"]
    hit = [[c.value for c in row] for row in ws.iter_rows() if any(c.value == "E_eligibility" for c in row)]
    assert hit and "资格审查" in hit[0]  # the area by its name
    first = [[c.value for c in row] for row in wb.worksheets[0].iter_rows()]  # the conclusion sheet
    assert first[0][first[0].index("资格审查")] == "资格审查" and "未通过" not in first[1]


def test_as_of_year_function(tmp_path):
    # as_of_year() is the year of the evaluation date: 2020-09-01 -> 2020
    import junheng.language.nodes as A
    r = run(tmp_path, as_of="2020-09-01")
    assert r.evaluator.node_values(A.Call("as_of_year", [], {}), "county").tolist() == [2020.0]
