"""The monitor on two cores gives what one process gives; the views drawn from the warning columns give
what the dicts give; only the fields a rule reads are projected; the HTML shows a bounded number of trend
cards and says where the rest are."""
import numpy as np
import pandas as pd
import pytest

from junheng.monitor import parallel, render
from junheng.monitor.alerts import WarningTable, warning_columns
from junheng.monitor.series import Options, Standards, day_in, document, run_monitor, unit_table

STD = "national/quality-2017"


def _years(tmp_path, n_years=4):
    """Four years of six schools in two counties: enrolment rising towards the floor area per pupil, one
    school closing, one opening."""
    s_items, c_items = [], []
    for k, y in enumerate(range(2021, 2021 + n_years)):
        rows = [{"school_id": f"S{i}", "school_name": f"学校{i}", "county_id": "C1" if i < 3 else "C2",
                 "school_type": "小学", "students_primary": 190 + 10 * k + 3 * i,
                 "teaching_aux_area": 1000 + 15 * i, "indoor_sports_area": 0, "computers": 50 + k}
                for i in range(6) if not (i == 3 and k == n_years - 1) and not (i == 0 and k == 0)]
        p = tmp_path / f"s{y}.csv"
        pd.DataFrame(rows).to_csv(p, index=False)
        q = tmp_path / f"c{y}.csv"
        pd.DataFrame([{"county_id": c, "county_name": n, "basic_balance_certified_year": 2019}
                      for c, n in (("C1", "甲县"), ("C2", "乙县"))]).to_csv(q, index=False)
        s_items.append(f"{y}={p}")
        c_items.append(f"{y}={q}")
    return s_items, c_items


@pytest.fixture(scope="module")
def both(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("par")
    s, c = _years(tmp)
    two = run_monitor(STD, s, c, opts=Options(horizon=2))
    saved = parallel.can_fork
    parallel.can_fork = lambda: False  # every year evaluated here in turn (the second method)
    try:
        one = run_monitor(STD, s, c, opts=Options(horizon=2))
    finally:
        parallel.can_fork = saved
    return two, one


def test_two_cores_give_what_one_process_gives(both):
    two, one = both
    assert two.years == one.years == [2021, 2022, 2023, 2024]
    pd.testing.assert_frame_equal(two.units, one.units)
    for name in one.matrices:
        np.testing.assert_array_equal(two.matrices[name], one.matrices[name])
    assert document(two, detail=True) == document(one, detail=True)
    # the worker's years came back with their records cut to the columns read again, without raw tables
    srs = two.records[2021][0]
    assert "school_type" in srs.frame.columns and "computers" not in srs.frame.columns and srs.segments == []


def test_merged_keepers_equal_one_keeper(tmp_path):
    """Years coded in their own keepers (as the workers do) and merged give the units and matrices of one
    keeper that coded every year in turn."""
    from junheng.monitor.series import evaluate_sources
    from junheng.monitor.units import Keeper, matrices

    s, c = _years(tmp_path, 3)
    stds = Standards(STD)
    runs = {}
    for item_s, item_c in zip(s, c):
        y = int(item_s.split("=")[0])
        runs[y] = evaluate_sources(stds, item_s.split("=")[1], item_c.split("=")[1], day_in(y, "09-01"), "zh",
                                   reasons=False)
    one = Keeper()
    for y, run in runs.items():
        one.keep(y, run)
    merged = Keeper()
    for y in (2021, 2022):
        k = Keeper()
        k.keep(y, runs[y])
        merged.merge(k)
    merged.keep(2023, runs[2023])
    u1, m1 = matrices(one, list(runs))
    u2, m2 = matrices(merged, list(runs))
    pd.testing.assert_frame_equal(u1, u2)
    for name in m1:
        np.testing.assert_array_equal(m1[name], m2[name])
    assert len(u1) > 20 and set(u1["school_name"].dropna()) == {f"学校{i}" for i in range(6)}


def test_a_field_no_rule_reads_is_not_projected(both):
    from junheng.monitor.project import projected_columns

    two, _ = both
    stds = Standards(STD)
    cols = dict(projected_columns([stds.at(day_in(2024, "09-01"))[1]], "school"))
    assert cols["students_primary"] == "count" and "computers" not in cols  # computers: no rule reads it


def test_sheet_rows_from_columns_equal_the_dicts(both):
    mon, _ = both
    ut = unit_table(mon)
    wc = warning_columns(mon, ut)
    table = WarningTable(mon, wc)
    dicts = document(mon)
    labels = dicts["stage_labels"]
    assert len(table) == len(dicts["warnings"]) > 3
    by_columns = [list(r) for r in table.sheet_rows(labels, "；")]
    by_dicts = [list(r) for r in render._warning_cells(dicts["warnings"], dicts, "zh")]
    assert by_columns == by_dicts
    assert table.head(2) == dicts["warnings"][:2]


def test_html_shows_a_bounded_number_of_trend_cards(both, monkeypatch, tmp_path):
    import io

    mon, _ = both
    doc = document(mon, columns=True)
    n = len(doc["warnings"])
    assert n > 3
    monkeypatch.setattr(render, "HTML_MAX_WARNINGS", 2)
    buf = io.StringIO()
    render.write_html(doc, buf, "zh")
    page = buf.getvalue()
    warnings_part = page.split("<h2>预警")[1].split("<h2>")[0]
    assert warnings_part.count("<svg") == 2
    assert f"仅显示前 2 条（含趋势图）；其余 {n - 2} 条见 XLSX 或 JSON" in warnings_part
    buf = io.StringIO()
    render.write_html(doc, buf, "en")
    assert f"showing the first 2 (with trend charts); the other {n - 2} are in the XLSX and JSON" in buf.getvalue()

