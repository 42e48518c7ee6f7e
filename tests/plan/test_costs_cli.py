"""The cost file (YAML and CSV, located errors, the shipped example) and the `junheng plan` command."""
from __future__ import annotations

import json

import pytest
import yaml

from junheng.cli.main import main
from junheng.errors import InputError
from junheng.plan.cli import EXAMPLE_COSTS
from junheng.plan.costs import load_costs

from helpers import county_frames, primary_school

COLUMNS = ["multimedia_rooms", "backbone_teachers_primary", "teachers_primary", "sports_ground_area"]


def test_yaml_and_csv_give_the_same_actions(tmp_path):
    y = tmp_path / "c.yaml"
    y.write_text(yaml.safe_dump({"actions": [
        {"id": "room", "cost": 60000, "integer": True, "adds": {"multimedia_rooms": 1}, "max_per_school": 3},
        {"id": "bb", "cost": 8000, "integer": True, "adds": {"backbone_teachers_primary": 1},
         "cap": {"field": "teachers_primary", "minus": "backbone_teachers_primary"}}],
        "limits": [{"school_id": "A", "action": "room", "max": 0}]}), encoding="utf-8")
    c = tmp_path / "c.csv"
    c.write_text("id,cost,integer,adds,max_per_school,cap,school_id,action,max\n"
                 "room,60000,true,multimedia_rooms:1,3,,,,\n"
                 "bb,8000,是,backbone_teachers_primary:1,,teachers_primary-backbone_teachers_primary,,,\n"
                 ",,,,,,A,room,0\n", encoding="utf-8")
    a, b = load_costs(y, COLUMNS), load_costs(c, COLUMNS)
    assert [(x.id, x.cost, x.integer, x.adds, x.max_per_school, x.cap) for x in a.actions] == \
           [(x.id, x.cost, x.integer, x.adds, x.max_per_school, x.cap) for x in b.actions]
    assert a.limits == b.limits == {("A", "room"): 0.0}


def test_every_mistake_is_reported_with_its_place(tmp_path):
    y = tmp_path / "bad.yaml"
    y.write_text(yaml.safe_dump({"actions": [
        {"id": "a", "cost": -1, "adds": {"multimedia_rooms": 1}},
        {"id": "b", "cost": 5, "adds": {"no_such_field": 1}},
        {"id": "b", "cost": 5, "adds": {"multimedia_rooms": 1}},
        {"id": "b", "cost": 5, "adds": {"multimedia_rooms": 1}}],
        "limits": [{"school_id": "A", "action": "zzz", "max": 1}]}), encoding="utf-8")
    with pytest.raises(InputError) as exc:
        load_costs(y, COLUMNS)
    msg = str(exc.value)
    assert "actions[0]" in msg and "cost" in msg
    assert "actions[1]" in msg and "no_such_field" in msg
    assert "actions[3]" in msg and "duplicate" in msg
    assert "limits[0]" in msg and "zzz" in msg


def test_yaml_syntax_error_is_located(tmp_path):
    y = tmp_path / "bad.yaml"
    y.write_text("actions:\n  - id: a\n   cost: [1\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"bad.yaml:\d+:\d+"):
        load_costs(y, COLUMNS)


def test_shipped_example_is_marked_and_names_no_real_price_source():
    text = EXAMPLE_COSTS.read_text(encoding="utf-8")
    doc = yaml.safe_load(text)
    assert doc["示例"] is True and "示例" in doc["title"]
    assert "占位" in doc["price_source"] and "不是真实报价" in text


def _files(tmp_path):
    s, c = county_frames([primary_school("A", 1000, backbone_teachers_primary=9, multimedia_rooms=22),
                          primary_school("B", 500)])
    sp, cp = tmp_path / "s.csv", tmp_path / "c.csv"
    s.to_csv(sp, index=False)
    c.to_csv(cp, index=False)
    return str(sp), str(cp)


def test_cli_json_is_clean_on_stdout(tmp_path, capfd):
    sp, cp = _files(tmp_path)
    rc = main(["plan", "--standard", "national/quality-2017", "--schools", sp, "--counties", cp,
               "--costs", str(EXAMPLE_COSTS), "--format", "json", "--quiet"])
    out = json.loads(capfd.readouterr().out)  # nothing but the JSON (no solver banner)
    assert rc == 0
    # A needs one more indicator: R2 (9 → 10 backbone, 8 000 in the example) beats R7 (60 000)
    assert [(p["school_id"], p["action"], p["add"], p["cost"]) for p in out["plan"]] == \
           [("A", "train_backbone_primary", 1.0, 8000.0)]
    assert out["total_cost"] == 8000 and out["verified"]["all_pass"] is True


@pytest.mark.parametrize("fmt", ["html", "xlsx", "table"])
def test_cli_reports(tmp_path, capfd, fmt):
    sp, cp = _files(tmp_path)
    out = tmp_path / f"plan.{fmt}"
    args = ["plan", "--standard", "national/quality-2017", "--schools", sp, "--counties", cp,
            "--costs", str(EXAMPLE_COSTS), "--format", fmt, "--quiet"] + (["--out", str(out)] if fmt != "table" else [])
    assert main(args) == 0
    if fmt == "html":
        text = out.read_text(encoding="utf-8")
        assert "按学校汇总的成本" in text and "差异系数（调整前 → 调整后）" in text and "8,000.00" in text
    elif fmt == "xlsx":
        from openpyxl import load_workbook

        wb = load_workbook(out)
        assert "按学校汇总的成本" in wb.sheetnames
        rows = list(wb["按学校汇总的成本"].values)
        assert rows[1][0] == "A" and rows[1][2] == 8000
    else:
        assert "培养县级骨干教师" in capfd.readouterr().out
