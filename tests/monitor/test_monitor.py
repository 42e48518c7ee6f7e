"""junheng monitor: projections computed by hand, a school that closes, a school that changes from 小学 to
九年一贯制, a relaxation that ends inside the projection window, eligibility, inputs by year column, views."""
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import cli
from junheng.errors import InputError
from junheng.monitor.inputs import year_sources
from junheng.monitor.project import fit_lines
from junheng.monitor.series import Options, document, run_monitor

STD = "national/quality-2017"
PROVINCES = Path(__file__).parents[1] / "data" / "provinces"


def school(sid, stype, year, **kw):
    row = {"school_id": sid, "school_name": f"学校{sid}", "county_id": "C1", "school_type": stype}
    row.update(kw)
    return row


def write_years(tmp_path, rows_by_year, counties_by_year=None):
    """One schools-YEAR.csv (and counties-YEAR.csv) per year; returns the --schools / --counties items."""
    s_items, c_items = [], []
    for y, rows in rows_by_year.items():
        p = tmp_path / f"schools-{y}.csv"
        pd.DataFrame(rows).to_csv(p, index=False)
        s_items.append(f"{y}={p}")
        if counties_by_year:
            q = tmp_path / f"counties-{y}.csv"
            pd.DataFrame(counties_by_year[y]).to_csv(q, index=False)
            c_items.append(f"{y}={q}")
    return s_items, (c_items or None)


def unit(doc_or_mon, sid, rule, stage="primary"):
    u = doc_or_mon.units
    i = np.flatnonzero((u["school_id"] == sid).to_numpy() & (u["rule_id"] == rule).to_numpy()
                       & (u["stage"] == stage).to_numpy())
    assert len(i) == 1, (sid, rule, stage, i)
    return int(i[0])


# ------------------------------------------------------------------------------------------ least squares

def test_fit_lines_by_hand():
    years = [2022, 2023, 2024]
    y = np.array([[181.0, 190.0, 200.0], [5.0, np.nan, 9.0], [7.0, np.nan, np.nan], [np.nan] * 3])
    slope, tbar, ybar, n = fit_lines(years, y)
    # row 0: t̄ = 2023, ȳ = 571/3; Sxy = (-1)(181-ȳ) + (1)(200-ȳ) = 19, Sxx = 2 → 9.5
    assert slope[0] == pytest.approx(9.5) and ybar[0] == pytest.approx(571 / 3) and tbar[0] == 2023
    # row 1: two points 2022 → 5, 2024 → 9: slope 2, line through (2023, 7)
    assert slope[1] == pytest.approx(2.0) and ybar[1] == pytest.approx(7.0) and tbar[1] == pytest.approx(2023)
    assert slope[2] == 0 and ybar[2] == 7 and list(n) == [3, 2, 1, 0]
    assert np.isnan(slope[3])


def test_fit_lines_complete_rows_equal_polyfit():
    # every year observed (the fast path: one matrix product) against numpy's polyfit row by row,
    # alone and mixed with a row that misses a year (the general formula for that row)
    rng = np.random.default_rng(7)
    years = [2020, 2021, 2022, 2023, 2024]
    y = rng.normal(100, 20, size=(50, 5))
    for vals in (y, np.vstack([y, [[1.0, np.nan, 3.0, np.nan, 5.0]]])):
        slope, tbar, ybar, n = fit_lines(years, vals)
        for i in range(50):
            b, a = np.polyfit(years, vals[i], 1)
            assert slope[i] == pytest.approx(b, rel=1e-9) and ybar[i] + slope[i] * (2026 - tbar[i]) == \
                pytest.approx(a + b * 2026, rel=1e-9)
    assert slope[50] == pytest.approx(1.0) and n[50] == 3  # (2020, 1), (2022, 3), (2024, 5)


def test_projected_count_on_an_exact_half_rounds_up():
    # 10, 10, 10, 11, 10 pupils in 2020-2024: ȳ = 10.2, slope = Σ(t−t̄)y / Σ(t−t̄)² = 1/10, so 2025 lies on
    # 10.2 + 3 × 0.1 = 10.5 exactly → 11 (half-up), whatever float noise the fit leaves; 2026: 10.6 → 11
    from junheng.monitor.project import project_frame

    years = [2020, 2021, 2022, 2023, 2024]
    frames = {y: pd.DataFrame({"school_id": ["A", "B"], "students_primary": [v, 7.0]})
              for y, v in zip(years, [10.0, 10.0, 10.0, 11.0, 10.0])}
    out = project_frame(frames, years, "school_id", [("students_primary", "count")], [2025, 2026])
    assert list(out[2025]["students_primary"]) == [11.0, 7.0] and list(out[2026]["students_primary"]) == [11.0, 7.0]


# ------------------------------------------------------------------------------------------ projections by hand

@pytest.fixture(scope="module")
def three_years(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("mon")
    base = dict(teaching_aux_area=900, indoor_sports_area=0)
    rows = {
        2022: [school("A", "小学", 2022, students_primary=181, **base),
               school("B", "小学", 2022, students_primary=300, teaching_aux_area=2000, indoor_sports_area=0),
               school("T", "小学", 2022, students_primary=100, teaching_aux_area=3100, indoor_sports_area=0)],
        2023: [school("A", "小学", 2023, students_primary=190, **base),
               school("B", "小学", 2023, students_primary=300, teaching_aux_area=2000, indoor_sports_area=0),
               school("T", "小学", 2023, students_primary=300, teaching_aux_area=3100, indoor_sports_area=0)],
        # B closes; T becomes a nine-year school with 400 primary and 200 junior pupils
        2024: [school("A", "小学", 2024, students_primary=200, **base),
               school("T", "九年一贯制", 2024, students_primary=400, students_junior=200, teaching_aux_area=3100,
                      indoor_sports_area=0)],
    }
    s, _ = write_years(tmp, rows)
    mon = run_monitor(STD, s, None, opts=Options(horizon=2))
    return mon, document(mon, detail=True), s


def test_numerator_and_denominator_projected_separately(three_years):
    mon, doc, _ = three_years
    i = unit(mon, "A", "R4")
    v = mon.matrices["value"][i]
    assert list(v[:3]) == pytest.approx([900 / 181, 900 / 190, 900 / 200])
    # students: slope 9.5 (test above), 2025 → 571/3 + 9.5·2 = 209.33 → 209; 2026 → 218.83 → 219
    # floor area: constant 900. The projected value is 900 / projected pupils, not a trend of the ratio.
    assert v[3] == pytest.approx(900 / 209) and v[4] == pytest.approx(900 / 219)
    # 900/200 = 4.5 passes exactly at the threshold 4.5 (tolerant comparison); 900/209 fails
    o = mon.matrices["outcome"][i]
    assert list(o) == [1, 1, 1, 0, 0]
    [w] = [w for w in doc["warnings"] if w["school_id"] == "A" and w["rule_id"] == "R4"]
    assert w["projected_fail_year"] == 2025 and w["threshold"] == 4.5 and w["margin"] == 0
    assert w["values"] == pytest.approx({"2022": 900 / 181, "2023": 900 / 190, "2024": 4.5})
    assert w["projected_values"]["2025"] == pytest.approx(900 / 209)
    # trend of the observed ratio: least-squares slope by hand
    y = np.array([900 / 181, 900 / 190, 900 / 200])
    assert w["trend"] == pytest.approx(((y[2] - y.mean()) - (y[0] - y.mean())) / 2)
    assert set(w) >= {"school_id", "school_name", "stage", "rule_id", "values", "threshold", "margin",
                      "projected_fail_year"}
    assert "最小二乘" in doc["method"]["projection"] and "截断于0" in doc["method"]["projection"]


def test_school_that_closes(three_years):
    mon, doc, _ = three_years
    closed = [c for c in doc["changes"] if c["school_id"] == "B"]
    assert closed == [{"school_id": "B", "school_name": "学校B", "county_id": "C1", "kind": "closed", "year": 2024,
                       "before": "小学", "after": None}]
    i = unit(mon, "B", "R4")
    # evaluated in 2022 and 2023, no verdict after it closed, never projected
    assert list(mon.matrices["outcome"][i]) == [1, 1, -1, -1, -1]
    assert not any(w["school_id"] == "B" for w in doc["warnings"])
    [b] = [x for x in doc["indicators"] if x["school_id"] == "B" and x["rule_id"] == "R4"]
    assert b["outcome"] is None and b["values"]["2024"] is None and set(b["projected_values"].values()) == {None}
    assert b["values"]["2023"] == pytest.approx(2000 / 300)


def test_school_that_changes_type(three_years):
    mon, doc, _ = three_years
    [c] = [c for c in doc["changes"] if c["school_id"] == "T"]
    assert (c["kind"], c["year"], c["before"], c["after"]) == ("type_changed", 2024, "小学", "九年一贯制")
    # primary share of the floor area: 3100 · 400 / (400 + 1.1 · 200) = 2000 → 2000 / 400 = 5.0;
    # junior: 3100 · 220 / 620 = 1100 → 1100 / 200 = 5.5 (< 5.8)
    p, j = unit(mon, "T", "R4", "primary"), unit(mon, "T", "R4", "junior")
    vp, vj = mon.matrices["value"][p], mon.matrices["value"][j]
    assert vp[2] == pytest.approx(5.0) and vj[2] == pytest.approx(5.5)
    # the trend uses only the years since the change (one year): the projection stays at the 2024 values,
    # not the 100 → 300 → 400 pupils of the primary school before
    assert list(vp[3:]) == pytest.approx([5.0, 5.0]) and list(vj[3:]) == pytest.approx([5.5, 5.5])
    assert list(mon.matrices["outcome"][j][:2]) == [-1, -1]  # no junior stage before 2024


# ------------------------------------------------------------------------------------------ relaxation

def test_relaxation_ending_inside_the_projection_window(tmp_path):
    # a primary school built in 2005 with 2200 pupils: above the size limit 2000, within the 2019 relaxation
    # (2400 for schools built by 2010) that is in force until the end of 2022
    rows = {y: [school("S", "小学", y, students_primary=2200, built_year=2005, migrant_students=0)]
            for y in (2020, 2021, 2022)}
    s, _ = write_years(tmp_path, rows)
    mon = run_monitor(STD, s, None, opts=Options(horizon=2))
    doc = document(mon)
    i = int(np.flatnonzero((mon.units["rule_id"] == "G4_school").to_numpy())[0])
    assert list(mon.matrices["threshold"][i]) == [2400, 2400, 2400, 2000, 2000]
    assert list(mon.matrices["outcome"][i]) == [1, 1, 1, 0, 0]
    [w] = [w for w in doc["warnings"] if w["rule_id"] == "G4_school"]
    assert w["projected_fail_year"] == 2023
    # from the engine's verdict column of the last observed year: the single-school limit the threshold
    # was taken from (2400 = G4_size_max_relaxed_single), in force 2019-01-01 ~ 2022-12-31
    assert w["relaxation"] == {"ends": "2022-12-31", "parameters": ["G4_size_max_relaxed_single"],
                               "verdict": "G4_size_max_relaxed_single 2019-01-01 ~ 2022-12-31"}
    v = mon.last_run.verdicts
    assert v.loc[v["rule_id"] == "G4_school", "relaxation"].tolist() == [w["relaxation"]["verdict"]]
    assert any("2022-12-31" in r for r in w["reasons"])
    # the county item that aggregates it inherits the relaxation (both size parameters reach G4)
    [g] = [w for w in doc["warnings"] if w["rule_id"] == "G4"]
    assert g["relaxation"]["ends"] == "2022-12-31"
    assert g["relaxation"]["parameters"] == ["G4_size_max_relaxed_combined", "G4_size_max_relaxed_single"]
    # 2020-2022 observed: the relaxation is in force every year; only the last year's verdict makes the warning,
    # and a relaxation already ended is not one: evaluated in 2023 the same school fails with no relaxation
    mon23 = run_monitor(STD, s[1:] + [s[-1].replace("2022=", "2023=")], None, opts=Options(horizon=1))
    j = int(np.flatnonzero((mon23.units["rule_id"] == "G4_school").to_numpy())[0])
    assert list(mon23.matrices["outcome"][j]) == [1, 1, 0, 0] and len(mon23.relax) == 0


# ------------------------------------------------------------------------------------------ eligibility

def test_eligibility_three_years_after_certification(tmp_path):
    rows = {y: [school("A", "小学", y, students_primary=200, county_id=c) for c in ("C1", "C2", "C3")]
            for y in (2022, 2023, 2024)}
    for y in rows:
        for k, r in enumerate(rows[y]):
            r["school_id"] = f"S{k}"
    counties = {y: [{"county_id": "C1", "county_name": "甲县", "basic_balance_certified_year": 2020},
                    {"county_id": "C2", "county_name": "乙县", "basic_balance_certified_year": 2022},
                    {"county_id": "C3", "county_name": "丙县"}] for y in rows}
    s, c = write_years(tmp_path, rows, counties)
    doc = document(run_monitor(STD, s, c, opts=Options(horizon=1)))
    el = {x["county_id"]: x["eligibility"] for x in doc["counties"]}
    assert el["C1"]["earliest_application_year"] == 2023 and el["C1"]["status"] == "met"
    assert list(el["C1"]["monitored_years"]) == ["2022", "2023", "2024"]
    assert el["C2"]["earliest_application_year"] == 2025 and el["C2"]["status"] == "not_yet"
    assert list(el["C2"]["monitored_years"]) == ["2023", "2024"]
    assert el["C3"]["status"] == "not_evaluable" and "basic_balance_certified_year" in el["C3"]["text"]


# ------------------------------------------------------------------------------------------ inputs

def test_one_file_with_a_year_column_keeps_file_rows(tmp_path):
    p = tmp_path / "all.csv"
    pd.DataFrame([school("A", "小学", 0, students_primary=100) | {"year": 2023},
                  school("A", "小学", 0, students_primary=90) | {"year": 2024},
                  school("B", "小学", 0, students_primary=-5) | {"year": 2024}]).to_csv(p, index=False)
    src = year_sources([str(p)], None)
    assert sorted(src) == [2023, 2024]
    mon = run_monitor(STD, [str(p)], None, opts=Options(horizon=1))
    probs = mon.records[2024][0].problems
    # B's negative count is reported at its row in the file (row 4: header + 3 rows)
    assert any(pr.row == 4 and pr.file == str(p) and pr.column == "students_primary" for pr in probs)


def test_rows_without_a_year_are_all_named(tmp_path):
    p = tmp_path / "all.csv"
    pd.DataFrame([school("A", "小学", 0) | {"year": "2023"}, school("B", "小学", 0) | {"year": "x"},
                  school("C", "小学", 0) | {"year": ""}]).to_csv(p, index=False)
    with pytest.raises(InputError) as e:
        year_sources([str(p)], None)
    assert ":3 " in str(e.value) and ":4 " in str(e.value) and "2 行" in str(e.value)


def test_year_arguments_checked(tmp_path):
    with pytest.raises(InputError):
        year_sources(["2023=a.csv", "b.csv"], None)
    with pytest.raises(InputError):
        year_sources(["2023=a.csv", "2023=b.csv"], None)
    with pytest.raises(InputError):
        year_sources(["2023=a.csv", "2024=b.csv"], ["2023=c.csv"])


# ------------------------------------------------------------------------------------------ province view

def test_variant_flips_come_from_diff_impact(tmp_path):
    s = [f"{y}={PROVINCES / 'schools.csv'}" for y in (2023, 2024)]
    c = [f"{y}={PROVINCES / 'counties.csv'}" for y in (2023, 2024)]
    mon = run_monitor("tbase/base", s, c, dirs=[str(PROVINCES)], opts=Options(horizon=1, variant="tprov/quota"))
    doc = document(mon)
    # hand: tprov/quota raises G14 from 50 % to 60 %; a county passing under the base standard flips when its
    # quota share is in [50, 60)
    cf = pd.read_csv(PROVINCES / "counties.csv")
    share = dict(zip(cf["county_id"], cf["senior_quota_allocated"] / cf["senior_quota_total"] * 100))
    passing = {r["county_id"] for r in doc["ranking"] if r["passes_this_year"]}
    expect = {cid for cid in passing if 50 <= share[cid] < 60}
    flipped = {r["county_id"] for r in doc["ranking"] if r["variant_flips"]}
    assert flipped == expect
    # ranking: every county once; passing counties first
    ranks = [r["passes_this_year"] for r in doc["ranking"]]
    assert ranks == sorted(ranks, reverse=True) and len(doc["ranking"]) == len(cf)


def test_cli_views(tmp_path, three_years):
    items = three_years[2]
    out = tmp_path / "m.json"
    assert cli.main(["monitor", "--standard", STD, "--schools", *items, "--format", "json", "--out", str(out),
                     "--quiet"]) == 0
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert set(doc) >= {"warnings", "counties", "ranking", "changes", "method"}
    html = tmp_path / "m.html"
    assert cli.main(["monitor", "--standard", STD, "--schools", *items, "--format", "html", "--out", str(html),
                     "--quiet"]) == 0
    text = html.read_text(encoding="utf-8")
    assert "<svg" in text and "<script" not in text and "http" not in text.replace("http://www.w3.org/2000/svg", "")
    xlsx = tmp_path / "m.xlsx"
    assert cli.main(["monitor", "--standard", STD, "--schools", *items, "--format", "xlsx", "--out", str(xlsx),
                     "--detail", "--quiet"]) == 0
    from openpyxl import load_workbook

    wb = load_workbook(xlsx)
    assert wb.sheetnames == ["预警", "区县", "排名", "申请资格", "学校变动", "学校指标", "方法"]
    # Chinese throughout: headers, stages, summary and method labels (no field names or stage codes)
    head = [c.value for c in wb["预警"][1]]
    assert head[:4] == ["区县", "学校代码", "学校", "学段"] and "school_id" not in head
    assert {r[3].value for r in wb["预警"].iter_rows(min_row=2)} <= {"小学", "初中", None}
    labels = [r[0].value for r in wb["方法"].iter_rows()]
    assert "预测方法" in labels and "各年评估日期" in labels
    assert all(any("\u4e00" <= ch <= "\u9fff" for ch in x) for x in labels), labels
    assert "本年达标" in text and "passing_now" not in text and "<td>primary</td>" not in text
    assert doc["stage_labels"] == {"primary": "小学", "junior": "初中"}


def test_xlsx_text_never_becomes_a_formula(tmp_path, three_years):
    import copy

    from openpyxl import load_workbook

    from junheng.monitor.render import write_xlsx

    doc = copy.deepcopy(three_years[1])
    doc["warnings"][0]["school_name"] = '=HYPERLINK("http://x","y")'
    doc["changes"][0]["school_name"] = "+1+1"
    p = tmp_path / "f.xlsx"
    write_xlsx(doc, p)
    wb = load_workbook(p)
    cell = wb["预警"]["C2"]
    assert cell.value == '=HYPERLINK("http://x","y")' and cell.data_type == "s"
    assert wb["学校变动"]["B2"].value.startswith("+1+1") and wb["学校变动"]["B2"].data_type == "s"


def test_one_county_file_for_every_year(tmp_path):
    c = tmp_path / "c.csv"
    pd.DataFrame([{"county_id": "C1", "county_name": "甲县"}]).to_csv(c, index=False)
    src = year_sources(["2023=a.csv", "2024=b.csv"], [str(c)])
    assert src == {2023: ("a.csv", str(c)), 2024: ("b.csv", str(c))}
    both = tmp_path / "cy.csv"
    pd.DataFrame([{"county_id": "C1", "year": 2023}, {"county_id": "C1", "year": 2024}]).to_csv(both, index=False)
    src = year_sources(["2023=a.csv", "2024=b.csv"], [str(both)])
    assert [s[1].raw.row for s in src.values()] == [[2], [3]]  # each year's row keeps its file row


def test_county_cv_projected_and_its_contributors(three_years):
    mon, doc, _ = three_years
    [c1] = [c for c in doc["counties"] if c["county_id"] == "C1"]
    # 2025, primary stage units of C1: A (900/209 m² per pupil, 209 pupils) and T (5.0, 400 pupils)
    x = np.array([900 / 209, 5.0])
    p = np.array([209.0, 400.0])
    mean = (p * x).sum() / p.sum()
    cv = np.sqrt(((p / p.sum()) * (x - mean) ** 2).sum()) / mean
    assert c1["years"]["2025"]["cv"]["R4_cv"]["primary"] == pytest.approx(round(cv, 3), abs=1e-12)
    assert c1["years"]["2025"]["projected"] is True and c1["years"]["2024"]["projected"] is False
    # 2024: A 4.5 (200 pupils), T 5.0 (400 pupils): X̄ = 29/6; shares (w/P)(x−X̄)² = 1/27 (A) and 1/54 (T)
    top = c1["cv_contributors"]["R4_cv"]["primary"]
    x, p = np.array([4.5, 5.0]), np.array([200.0, 400.0])
    mean = (p * x).sum() / p.sum()
    share = (p / p.sum()) * (x - mean) ** 2
    assert [t["school_id"] for t in top] == ["A", "T"] and share[0] == pytest.approx(1 / 27)
    assert [t["share_of_variance"] for t in top] == pytest.approx(list(share / share.sum()))


def test_generator_series_has_trends_and_consistent_counts():
    import sys

    sys.path.insert(0, str(Path(__file__).parents[2]))
    from examples.generate import generate, generate_series

    series = generate_series(2, 150, seed=3, years=4, last_year=2024, turnover=0.02)
    assert sorted(series) == [2021, 2022, 2023, 2024]
    last_s, last_c = series[2024]
    base_s, _ = generate(2, 150, 3, year=2024)
    pd.testing.assert_frame_equal(last_s, base_s, check_dtype=False)  # the last year is generate()'s output
    assert (last_c["year"] == 2024).all() and last_c["basic_balance_certified_year"].between(2013, 2022).all()
    first = series[2021][0].set_index("school_id")
    both = first.index.intersection(last_s["school_id"])
    last = last_s.set_index("school_id").loc[both]
    first = first.loc[both]
    # falling enrolment on average (mean trend -3 % a year), buildings unchanged
    assert last["students_primary"].sum() < first["students_primary"].sum()
    assert (last["teaching_aux_area"].astype(float) == first["teaching_aux_area"].astype(float)).all()
    for _, (s, _) in series.items():
        deg = s[["teachers_college_primary", "teachers_bachelor_primary", "teachers_master_primary",
                 "teachers_doctor_primary"]].astype("Float64").fillna(0).sum(axis=1)
        assert (deg <= s["teachers_primary"].astype("Float64").fillna(0)).all()
    ids = {y: set(s["school_id"]) for y, (s, _) in series.items()}
    assert ids[2021] - ids[2024] and ids[2024] - ids[2021]  # some close, some open


def test_contributors_of_every_county_equal_explain_one_by_one(tmp_path):
    # the column-wise top contributors against explain.dispersion.cv_contributions run county by county
    import sys

    from junheng.explain.dispersion import cv_contributions
    from junheng.monitor.series import _cv_rules, contributors

    sys.path.insert(0, str(Path(__file__).parents[2]))
    from examples.generate import generate_series

    series = generate_series(4, 40, seed=5, years=2, last_year=2024)
    s_items, c_items = [], []
    for y, (s, c) in series.items():
        s.to_csv(tmp_path / f"s{y}.csv", index=False)
        c.to_csv(tmp_path / f"c{y}.csv", index=False)
        s_items.append(f"{y}={tmp_path / f's{y}.csv'}")
        c_items.append(f"{y}={tmp_path / f'c{y}.csv'}")
    mon = run_monitor(STD, s_items, c_items, opts=Options(horizon=1, contributors=4))
    got = contributors(mon)
    run = mon.last_run
    sp = run.evaluator.sp
    cids = sp.counties["county_id"].astype(str).to_numpy()
    n = 0
    for rule in _cv_rules(run):
        assert rule.space == "county_stage"
        for row in range(len(sp.cs_county)):
            want = cv_contributions(run, rule, row, "zh", top=4)
            have = got[(cids[sp.cs_county[row]], sp.stages[sp.cs_stage[row]], rule.id)]
            assert [h["school_id"] for h in have] == [w["school_id"] for w in want]
            for h, w in zip(have, want):
                assert h.keys() == w.keys() and h["direction"] == w["direction"]
                for k in ("value", "weight", "county_mean", "share_of_variance"):
                    assert h[k] == pytest.approx(w[k], rel=1e-12)
            n += len(have)
    assert n > 50
