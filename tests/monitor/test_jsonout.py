"""The monitor's column-wise JSON: escaping and numbers as json.dumps writes them, and the warnings list
written from arrays equal to the one built as dicts (a second method)."""
import json

import numpy as np
import pandas as pd

from junheng.monitor import jsonout as J
from junheng.monitor.alerts import percent_text, warnings_json, warnings_list
from junheng.monitor.render import write_json
from junheng.monitor.series import Options, document, run_monitor, unit_table

TRICKY = ['学校"甲"', "反\\斜杠", "换\n行\t制表\x01", "", "=HYPERLINK(\"x\")", "普通", None, "学校\"甲\""]


def test_text_is_escaped_as_json_dumps():
    frags = J.text(np.array(TRICKY, dtype=object)).to_pylist()
    assert frags == [json.dumps(x, ensure_ascii=False) for x in TRICKY]
    assert [json.loads(f) for f in frags] == TRICKY


def test_numbers_round_trip_and_nan_is_null():
    v = np.array([1.0, 0.1 + 0.2, 2400.0, 1e-7, -0.5, 1e16, np.nan, np.inf, 1 / 3])
    back = [json.loads(f) for f in J.number(v).to_pylist()]
    assert back[:6] == [1.0, 0.30000000000000004, 2400.0, 1e-7, -0.5, 1e16]  # exact: shortest round trip
    assert back[6] is None and back[7] is None and back[8] == 1 / 3
    assert J.integer(np.array([2026, 0]), np.array([False, True])).to_pylist() == ["2026", "null"]


def test_text_list_leaves_out_missing_items():
    cols = [np.array(["a", None, None], dtype=object), np.array(["b", "c", None], dtype=object)]
    assert [json.loads(x) for x in J.text_list(cols).to_pylist()] == [["a", "b"], ["c"], []]


def test_percent_text_half_up_by_hand():
    # 0.0125 → 1.25 % → 1.3 % (half-up, as the standards round); 0.0405 → 4.05 % → 4.1 %; 0.05 → 5.0 %
    assert list(percent_text(np.array([0.0125, 0.0405, 0.05, 0.0, 0.00049]))) == \
        ["1.3%", "4.1%", "5.0%", "0.0%", "0.0%"]


def test_warnings_json_equals_the_dicts(tmp_path):
    # a relaxation (2200 pupils under the 2400 limit until 2022-12-31), a school near its threshold, a
    # school projected to fail, and names JSON must escape
    rows = {y: [{"school_id": "S", "school_name": TRICKY[0], "county_id": "C1", "school_type": "小学",
                 "students_primary": 2200, "built_year": 2005, "migrant_students": 0},
                {"school_id": "N", "school_name": TRICKY[2], "county_id": "C1", "school_type": "小学",
                 "students_primary": 180 + 10 * k, "teaching_aux_area": 900, "indoor_sports_area": 0},
                {"school_id": "B", "school_name": TRICKY[1], "county_id": "C2", "school_type": "小学",
                 "students_primary": 300, "teaching_aux_area": 1400, "indoor_sports_area": 0}]
            for k, y in enumerate((2020, 2021, 2022))}
    items = []
    for y, r in rows.items():
        p = tmp_path / f"s{y}.csv"
        pd.DataFrame(r).to_csv(p, index=False)
        items.append(f"{y}={p}")
    mon = run_monitor("national/quality-2017", items, None, opts=Options(horizon=2))
    doc = document(mon)
    ws = doc["warnings"]
    assert any(w["relaxation"] for w in ws) and any(w["projected_fail_year"] for w in ws)
    assert any(len(w["reasons"]) > 1 for w in ws) and {w["school_name"] for w in ws} >= {TRICKY[0], TRICKY[2]}
    raw = warnings_json(mon, unit_table(mon))
    assert len(raw) == len(ws) and json.loads(raw.text) == ws
    # the whole document written with the column-wise warnings reads back as the dict document
    out = tmp_path / "m.json"
    write_json(document(mon, json_text=True), out)
    assert json.loads(out.read_text(encoding="utf-8")) == json.loads(json.dumps(doc, ensure_ascii=False,
                                                                                 default=str))
    assert warnings_list(mon, unit_table(mon)) == ws
