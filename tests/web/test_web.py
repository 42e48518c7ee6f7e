"""The workbench (engine.web) through Flask's test client: evaluation of uploads, the standards
browser, what-if preview and save, and the safety rules (host, origin, token, upload limit, file
names, save folder, temporary folder removed at exit).

Expected values are computed from the example CSV with pandas, not read from the engine.
"""
from __future__ import annotations

import io
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml

from junheng.web.app import Settings, create_app
from junheng.web.whatif import Meta, child_text, load_child, parse_edits
from junheng.web.workspace import Workspace

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "examples" / "demo-county"
STD = "national/quality-2017"


def expected_r4_flips(new_primary_min: float, old_primary_min: float = 4.5) -> set:
    """Primary stages whose teaching-room area per student lies in [old, new): they pass now and fail
    after the change. The area excludes indoor sports rooms (R4's definition in the 2017 standard);
    combined schools split it by weighted students (primary 1, junior 1.1)."""
    d = pd.read_csv(DEMO / "schools.csv", dtype={"school_id": str})
    sp = d["students_primary"].fillna(0)
    sj = d["students_junior"].fillna(0)
    weighted = sp + 1.1 * sj.where(d["school_type"].isin(["九年一贯制"]), 0)
    per_student = (d["teaching_aux_area"] - d["indoor_sports_area"]) / weighted
    has_primary = sp > 0
    # outside the resource evaluation (issue 20): teaching points under 50 pupils, special and vocational schools
    in_scope = ~(((d["school_type"] == "教学点") & (sp + sj < 50)) | d["school_type"].isin(["特殊教育学校",
                                                                                         "职业学校"]))
    hit = has_primary & in_scope & (per_student >= old_primary_min) & (per_student < new_primary_min)
    return set(d.loc[hit, "school_id"])


@pytest.fixture()
def app_env(tmp_path):
    ws = Workspace()
    settings = Settings(save_dir=tmp_path / "saved")
    app = create_app(settings, ws)
    yield app, settings, ws
    ws.close()


def upload(client, schools=("schools.csv",), counties=("counties.csv",), standard=STD, as_of="", names=None):
    data = {"standard": standard, "as_of": as_of, "schools": [], "counties": []}
    for _i, f in enumerate(schools):
        data["schools"].append((io.BytesIO((DEMO / f).read_bytes()), (names or {}).get(f, f)))
    for f in counties:
        data["counties"].append((io.BytesIO((DEMO / f).read_bytes()), f))
    return client.post("/evaluate", data=data, content_type="multipart/form-data")


def run_id_of(resp) -> str:
    assert resp.status_code == 302, resp.data.decode()[:500]
    return resp.headers["Location"].rsplit("/", 1)[1]


# ------------------------------------------------------------------ evaluate

def test_upload_evaluate_and_explain(app_env):
    app, _, ws = app_env
    c = app.test_client()
    rid = run_id_of(upload(c, names={"schools.csv": "示范县学校.csv"}))
    page = c.get(f"/runs/{rid}").data.decode()
    assert "示范县学校.csv" in page  # the user's name, not the stored one
    assert ws.root.name not in page
    d = pd.read_csv(DEMO / "schools.csv", dtype=str)
    for sid in d["school_id"]:  # every school appears in the table
        assert sid in page
    # the explanation is the text `junheng explain` prints
    text = c.get(f"/runs/{rid}/explain?school=DEMO01-001&stage=primary&fragment=1").data.decode()
    cli_text = subprocess.run([sys.executable, str(ROOT / "cli.py"), "explain", "--standard", "national/quality-2017",
                               "--schools", str(DEMO / "schools.csv"), "--counties", str(DEMO / "counties.csv"),
                               "--school", "DEMO01-001", "--stage", "primary", "--all"], capture_output=True, text=True,
                              check=True).stdout
    assert [x.rstrip() for x in text.splitlines()] == [x.rstrip() for x in cli_text.splitlines()]
    # R1 of DEMO01-001 (a primary school): college-or-above teachers per 100 students, from the CSV
    row = d.set_index("school_id").loc["DEMO01-001"]
    above = sum(int(row[f"teachers_{k}_primary"]) for k in ("college", "bachelor", "master", "doctor"))
    assert above == 58
    assert f"计算值: {above / int(row['students_primary']) * 100:g} 人 >= 阈值 4.2" in text
    county = c.get(f"/runs/{rid}/explain?county=DEMO01&fragment=1").data.decode()
    assert "DEMO01" in county


def test_downloads(app_env):
    app, _, _ = app_env
    c = app.test_client()
    rid = run_id_of(upload(c))
    j = c.get(f"/runs/{rid}/download/json")
    doc = j.get_json()
    assert doc["summary"]["rows_read"] == 31  # 30 school rows + 1 county row
    assert j.headers["Content-Disposition"] == 'attachment; filename="junheng-DEMO01.json"'
    x = c.get(f"/runs/{rid}/download/xlsx")
    assert x.data[:2] == b"PK"
    h = c.get(f"/runs/{rid}/download/html").data.decode()
    assert h.startswith("<!DOCTYPE html>") and "<details>" in h
    csv = c.get(f"/runs/{rid}/download/csv").data.decode()
    assert csv.count("\n") == len(doc["verdicts"]) + 1
    assert c.get(f"/runs/{rid}/download/exe").status_code == 404
    assert c.get("/runs/nope").status_code == 404


def test_bad_upload_is_reported_and_kept_nothing(app_env):
    app, _, ws = app_env
    c = app.test_client()
    r = c.post("/evaluate", data={"standard": STD, "schools": [(io.BytesIO(b"MZ\x90"), "../../etc/evil.exe")]},
               content_type="multipart/form-data")
    assert r.status_code == 400
    assert "evil.exe" in r.data.decode() and "不支持的文件类型" in r.data.decode()
    r = c.post("/evaluate", data={"standard": STD, "as_of": "2024-13-45",
                                  "schools": [(io.BytesIO((DEMO / "schools.csv").read_bytes()), "s.csv")]},
               content_type="multipart/form-data")
    assert r.status_code == 400 and "不是 YYYY-MM-DD" in r.data.decode()
    assert list(ws.root.iterdir()) == []  # refused uploads are deleted at once


def test_upload_name_never_a_path(app_env):
    app, _, ws = app_env
    c = app.test_client()
    rid = run_id_of(upload(c, names={"schools.csv": "../../../tmp/x/学校.csv"}))
    stored = ws.get(rid).schools[0]
    assert stored.path.parent == ws.root and re.fullmatch(r"[0-9a-f]{32}\.csv", stored.path.name)
    assert stored.name == "学校.csv"


def test_upload_limit(tmp_path):
    ws = Workspace()
    app = create_app(Settings(save_dir=tmp_path, max_upload_mb=0.01), ws)
    r = app.test_client().post("/evaluate", data={"standard": STD, "schools": [(io.BytesIO(b"x" * 20000), "a.csv")]},
                               content_type="multipart/form-data")
    assert r.status_code == 413 and "超过了上限" in r.data.decode()
    ws.close()


# ------------------------------------------------------------------ standards browser

def test_standards_browser(app_env):
    app, _, _ = app_env
    c = app.test_client()
    page = c.get("/standards").data.decode()
    for sid in ("national/quality-2017", "national/basic-2012", "liaoning/shenyang-2021", "jilin/quality-2017"):
        assert sid in page
    page = c.get("/standards/neimenggu/quality-2017?as_of=2024-09-01").data.decode()
    raw = (ROOT / "standards/neimenggu/quality-2017.yaml").read_text(encoding="utf-8").splitlines()
    line = next(i for i, s in enumerate(raw, 1) if s.startswith("  G14_quota_min:"))
    assert f"standards/neimenggu/quality-2017.yaml:{line}" in page  # the override's file:line
    assert "名额" in page and "二手来源" in page and "secondary" not in page  # statuses in words
    assert c.get("/standards/../../etc/passwd").status_code == 404


# ------------------------------------------------------------------ what-if

def test_whatif_preview_lists_the_schools_that_flip(app_env):
    app, _, _ = app_env
    c = app.test_client()
    rid = run_id_of(upload(c))
    r = c.post("/api/whatif/preview", json={"standard": STD, "run": rid, "edits": {"R4_min": {"primary": "5"}}})
    doc = r.get_json()
    assert doc["ok"] and doc["problems"] == []
    flipped = {row["school_id"] for row in doc["impact"]["rows"] if row["rule_id"] == "R4"}
    assert flipped == expected_r4_flips(5.0) and flipped
    assert all(row["a"] == "pass" and row["b"] == "fail" for row in doc["impact"]["rows"] if row["rule_id"] == "R4")
    assert doc["changes"] == [{"id": "R4_min", "name": "生均教学及辅助用房面积 达标值", "unit": "平方米",
                               "cells": [{"stage": "primary", "label": "小学", "old": 4.5, "new": 5.0},
                                         {"stage": "junior", "label": "初中", "old": 5.8, "new": 5.8}]}]


def test_whatif_bad_values_named_per_field(app_env):
    app, _, _ = app_env
    c = app.test_client()
    r = c.post("/api/whatif/preview", json={"standard": STD, "edits": {
        "R4_min": {"primary": "五"}, "R1_min": {"junior": "-1"}, "R2_min": {"senior": "3"}, "NOPE": {"*": "1"}}})
    doc = r.get_json()
    fields = {p["field"] for p in doc["problems"]}
    assert fields == {"param:R4_min:primary", "param:R1_min:junior", "param:R2_min:senior", "param:NOPE"}
    assert not doc["ok"]


def test_whatif_full_width_digits_accepted():
    from junheng.standard.loader import load_standard

    std = load_standard(STD)
    changes, problems = parse_edits(std, None, {"R6_min": {"primary": "２，５００"}})
    assert problems == [] and changes == {"R6_min": {"primary": 2500.0, "junior": 2500}}


def test_checker_errors_point_at_the_parameter(tmp_path):
    """A problem in the generated file is reported as <id>.yaml:line:col and tied to the parameter."""
    from junheng.standard.loader import load_standard

    base = load_standard(STD)
    child = child_text(base, None, {"R4_min": {"primary": 5.0, "junior": 5.8}}, Meta(new_id="national/t1"))
    child.text = child.text.replace("    override: true\n", "    override: true\n    unit: 亩\n")
    std, problems = load_child(child, "national/t1", tmp_path, [])
    assert std is None
    line = child.text.splitlines().index("    unit: 亩") + 1
    assert [(p.field, p.where) for p in problems] == [("param:R4_min", f"national/t1.yaml:{line}:11")]
    assert "不能改变单位" in problems[0].message


def _save(c, rid, new_id, **meta):
    m = {"new_id": new_id, "title": "试算", "jurisdiction": "全国" if new_id.startswith("national/") else "测试辖区",
         "reason": "提高小学生均教学用房要求",
         "document": "某市教育局文件〔2026〕1号",
         "article": "第三条", "source_status": "verified"}
    m.update(meta)
    return c.post("/api/whatif/save", json={"standard": STD, "run": rid, "edits": {"R4_min": {"primary": "5"}},
                                            "meta": m})


def test_save_requires_reason_citation_status(app_env):
    app, settings, _ = app_env
    c = app.test_client()
    r = _save(c, "", "national/q-whatif", reason="", document="", source_status="")
    assert r.status_code == 400
    assert {p["field"] for p in r.get_json()["meta_problems"]} == {"meta:reason", "meta:document",
                                                                   "meta:source_status"}
    assert not settings.save_dir.exists() or not any(settings.save_dir.rglob("*.yaml"))


def test_save_stays_in_the_folder_and_never_overwrites(app_env):
    app, settings, _ = app_env
    c = app.test_client()
    for bad in ("../evil", "national/../../evil", "/etc/x", "national/quality-2017", "National/X", "a/b.yaml"):
        r = _save(c, "", bad)
        assert r.status_code == 400, bad
        assert [p["field"] for p in r.get_json()["meta_problems"]] == ["meta:new_id"], bad
    assert _save(c, "", "liaoning/dalian-whatif").status_code == 200
    assert _save(c, "", "liaoning/dalian-whatif").status_code == 400  # exists now
    assert sorted(p.relative_to(settings.save_dir).as_posix() for p in settings.save_dir.rglob("*")) == \
        ["liaoning", "liaoning/dalian-whatif.yaml"]


def test_saved_file_checks_lists_and_evaluates_as_previewed(app_env, tmp_path, capsys):
    """The saved file passes `junheng check`, appears in `junheng list`, and `junheng evaluate` gives the
    verdicts the preview promised."""
    import junheng.cli.main as cli

    app, settings, ws = app_env
    c = app.test_client()
    rid = run_id_of(upload(c))
    r = _save(c, rid, "national/quality-2017-whatif")
    saved = r.get_json()["saved"]
    # shown by the save folder's own name, never as an absolute server path (issue 14)
    assert saved["path"] == "saved/national/quality-2017-whatif.yaml"
    # no date was chosen: the run was as of today, and the command repeats that date (issue 20: the date used)
    assert saved["command"] == ("junheng evaluate --standards-dir saved --standard "
                                "national/quality-2017-whatif --schools schools.csv --counties counties.csv "
                                f"--as-of {__import__('datetime').date.today().isoformat()}")
    path = settings.save_dir / "national" / "quality-2017-whatif.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert data["extends"] == STD and data["parameters"]["R4_min"]["values"] == {"primary": 5, "junior": 5.8}
    assert data["documents"]["whatif-basis"]["title"] == "某市教育局文件〔2026〕1号"
    assert data["parameters"]["R4_min"]["citation"]["article"] == "第三条"
    assert "提高小学生均教学用房要求" in path.read_text(encoding="utf-8")

    dirs = ["--standards-dir", str(settings.save_dir)]
    assert cli.main(dirs + ["check", str(path)]) == 0
    capsys.readouterr()
    assert cli.main(dirs + ["list"]) == 0
    assert "national/quality-2017-whatif" in capsys.readouterr().out
    out = tmp_path / "v.json"
    assert cli.main(dirs + ["evaluate", "--quiet", "--standard", "national/quality-2017-whatif", "--schools",
                            str(DEMO / "schools.csv"), "--counties", str(DEMO / "counties.csv"), "--format", "json",
                            "--out", str(out)]) == 0
    import json

    after = {(v["school_id"], v["stage"], v["rule_id"]): v["outcome"] for v in json.loads(out.read_text())["verdicts"]
             if v["level"] == "stage"}
    before = {(v["school_id"], v["stage"], v["rule_id"]): v["outcome"]
              for v in ws.get(rid).run.verdicts.to_dict("records") if v["level"] == "stage"}
    flipped = {k[0] for k in after if k[2] == "R4" and before[k] != after[k]}
    assert flipped == expected_r4_flips(5.0)


# ------------------------------------------------------------------ guard

def test_host_origin_and_token(tmp_path):
    ws = Workspace()
    app = create_app(Settings(save_dir=tmp_path), ws)
    c = app.test_client()
    assert c.get("/", headers={"Host": "attacker.example:8765"}).status_code == 403  # DNS rebinding
    assert c.get("/", headers={"Host": "localhost:8765"}).status_code == 200
    r = c.post("/api/whatif/preview", json={"standard": STD}, headers={"Origin": "http://attacker.example"})
    assert r.status_code == 403
    r = c.post("/api/whatif/preview", json={"standard": STD}, headers={"Origin": "http://localhost"})
    assert r.status_code == 200

    tapp = create_app(Settings(host="0.0.0.0", save_dir=tmp_path, token="s3cret-token"), ws)
    t = tapp.test_client()
    assert t.get("/", headers={"Host": "10.0.0.5:8765"}).status_code == 401
    assert t.get("/?token=wrong").status_code == 401
    r = t.get("/standards?token=s3cret-token")
    assert r.status_code == 302 and r.headers["Location"].endswith("/standard"
                                                                   "s") and "token" not in r.headers["Location"]
    assert "HttpOnly" in r.headers["Set-Cookie"]
    assert t.get("/standards").status_code == 200  # the cookie now carries it
    t2 = tapp.test_client()
    assert t2.get("/", headers={"X-Junheng-Token": "s3cret-token"}).status_code == 200
    ws.close()


def _serve(*args, env=None):
    return subprocess.Popen([sys.executable, str(ROOT / "cli.py"), "serve", "--port", "0", *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT,
                            env={**os.environ, **(env or {})})


def test_non_local_host_needs_a_token():
    p = subprocess.run([sys.executable, str(ROOT / "cli.py"), "serve", "--host", "0.0.0.0", "--port", "0"],
                       capture_output=True, text=True, timeout=60, env={k: v for k, v in os.environ.items()
                                                                         if k != "JUNHENG_TOKEN"})
    assert p.returncode == 2 and "需要访问令牌" in p.stderr


def test_temporary_folder_removed_at_exit(tmp_path):
    import urllib.request

    p = _serve("--save-dir", str(tmp_path / "saved"))
    try:
        lines = [p.stdout.readline() for _ in range(3)]
        url = re.search(r"http://\S+", lines[0]).group(0)
        folder = Path(re.search(r"(/\S+junheng-serve-\S+)", lines[2]).group(1))
        assert folder.is_dir()
        boundary = "XyZ"
        body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"standard\"\r\n\r\n{STD}\r\n"
                f"--{boundary}\r\nContent-Disposition: form-data; name=\"schools\"; filename=\"s.csv\"\r\n"
                f"Content-Type: text/csv\r\n\r\n").encode() + (DEMO / "schools.csv").read_bytes() + \
            f"\r\n--{boundary}--\r\n".encode()
        req = urllib.request.Request(url + "evaluate", data=body, method="POST",
                                     headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})
        with urllib.request.urlopen(req, timeout=60) as r:
            assert r.status == 200 and "/runs/" in r.url
        assert len(list(folder.iterdir())) == 1  # the upload, under a generated name
    finally:
        p.send_signal(signal.SIGTERM)
        out, _ = p.communicate(timeout=30)
    assert p.returncode == 0
    assert not folder.exists()
    assert "临时文件已删除" in out


# ------------------------------------------------------------------ the real collection form

from test_records_forms import EXPECTED as FORM_EXPECTED  # noqa: E402
from test_records_forms import STD as FORM_STD  # noqa: E402
from test_records_forms import form_files  # noqa: E402,F401  (pytest fixture)


def test_upload_real_form_layout(app_env, form_files):  # noqa: F811
    """The Shenyang vertical form (one school per sheet, 万元 rows), uploaded: the values computed by
    hand in test_records_forms, and the uploaded file's own name in every location."""
    import math

    app, _, ws = app_env
    c = app.test_client()
    schools, county = form_files
    r = c.post("/evaluate", data={"standard": FORM_STD, "as_of": "",
                                  "schools": [(io.BytesIO(schools.read_bytes()), "沈阳学校填报表.xlsx")],
                                  "counties": [(io.BytesIO(county.read_bytes()), "区县填报表.xlsx")]},
               content_type="multipart/form-data")
    rid = run_id_of(r)
    doc = c.get(f"/runs/{rid}/download/json").get_json()
    got = {(v["rule_id"], v["school_id"], v["stage"]): v for v in doc["verdicts"]}
    for key, (value, outcome) in FORM_EXPECTED.items():
        assert got[key]["outcome"] == outcome and math.isclose(got[key]["value"], value, rel_tol=1e-9), key
    assert {f["path"] for f in doc["inputs"]} == {"沈阳学校填报表.xlsx", "区县填报表.xlsx"}
    page = c.get(f"/runs/{rid}").data.decode()
    assert "沈阳学校填报表.xlsx" in page and str(ws.root) not in page


def test_whatif_compares_against_the_edited_standard_on_the_chosen_date(app_env):
    """Data evaluated with the national standard; the what-if edits Liaoning's on another date: the
    diff is Liaoning-before vs Liaoning-after on that date (no rule appears only because the
    standard or the date differs from the uploaded run's)."""
    app, _, _ = app_env
    c = app.test_client()
    rid = run_id_of(upload(c))
    doc = c.post("/api/whatif/preview", json={"standard": "liaoning/province", "as_of": "2020-09-01", "run": rid,
                                              "edits": {"R4_min": {"primary": "5"}}}).get_json()
    assert doc["ok"]
    assert {r["rule_id"] for r in doc["impact"]["rows"]} <= {"R4", "R_school"}
    assert {r["school_id"] for r in doc["impact"]["rows"] if r["rule_id"] == "R4"} == expected_r4_flips(5.0)
    assert all(p["rule_id"] in ("R4", "R_school") for p in doc["impact"]["per_rule"])


def test_unreadable_upload_named_by_its_own_name(app_env):
    app, _, ws = app_env
    r = app.test_client().post("/evaluate", data={"standard": STD, "schools": [(io.BytesIO(b"[{"), "坏文件.json")]},
                                                  content_type="multipart/form-data")
    text = r.data.decode()
    assert r.status_code == 400 and "坏文件.json: JSON 格式错误" in text and str(ws.root) not in text
    assert list(ws.root.iterdir()) == []


def test_whatif_without_data_checks_and_saves(app_env):
    app, settings, _ = app_env
    c = app.test_client()
    page = c.get("/whatif?standard=jilin/quality-2017").data.decode()
    assert 'id="no-data"' in page and 'name="G5_class_size_max:primary"' in page and 'value="45"' in page
    doc = c.post("/api/whatif/preview", json={"standard": "jilin/quality-2017",
                                              "edits": {"G5_class_size_max": {"primary": "40"}}}).get_json()
    assert doc["ok"] and doc["impact"] is None and "G5_class_size_max:" in doc["yaml"]
    assert "extends: jilin/quality-2017" in doc["yaml"]
    r = c.post("/api/whatif/save", json={"standard": "jilin/quality-2017",
                                         "edits": {"G5_class_size_max": {"primary": "40"}},
                                         "meta": {"new_id": "jilin/changchun-2026", "reason": "试算", "document": "x",
                                                  "title": "长春市试算", "jurisdiction": "长春市",
                                                  "source_status": "recalled"}})
    assert r.status_code == 200
    saved = yaml.safe_load((settings.save_dir / "jilin" / "changchun-2026.yaml").read_text(encoding="utf-8"))
    assert saved["parameters"]["G5_class_size_max"]["values"] == {"primary": 40, "junior": 50}
    assert saved["jurisdiction"] == {"name": "长春市"} and saved["title"] == "长春市试算"


def test_save_asks_for_title_and_jurisdiction(app_env):
    """A hebei/... standard made from the national one is not saved as 全国 (the base's jurisdiction)."""
    app, settings, _ = app_env
    c = app.test_client()
    page = c.get("/whatif").data.decode()
    assert 'id="jurisdiction"' in page and 'value="全国"' in page and 'id="title"' in page
    r = _save(c, "", "hebei/quality-2017-whatif", jurisdiction="全国")
    assert r.status_code == 400
    problems = r.get_json()["meta_problems"]
    assert [p["field"] for p in problems] == ["meta:jurisdiction"] and "hebei/" in problems[0]["message"]
    r = _save(c, "", "hebei/quality-2017-whatif", jurisdiction="", title="")
    assert r.status_code == 400
    assert {p["field"] for p in r.get_json()["meta_problems"]} == {"meta:jurisdiction", "meta:title"}
    assert not settings.save_dir.exists() or not any(settings.save_dir.rglob("*.yaml"))
    assert _save(c, "", "hebei/quality-2017-whatif", jurisdiction="河北省", title="河北省试算").status_code == 200
    saved = yaml.safe_load((settings.save_dir / "hebei" / "quality-2017-whatif.yaml").read_text(encoding="utf-8"))
    assert saved["jurisdiction"] == {"name": "河北省"} and saved["title"] == "河北省试算"


def test_parameter_search_box(app_env):
    app, _, _ = app_env
    page = app.test_client().get("/whatif").data.decode()
    assert 'id="param-search"' in page and "param_search.js" in page and "//cdn" not in page
    rows = re.findall(r'<tr id="p-([^"]+)" class="param-row" data-search="([^"]*)"', page)
    assert len(rows) > 20 and all(pid.lower() in hay for pid, hay in rows)
    js = app.test_client().get("/static/param_search.js")
    assert js.status_code == 200 and b"param-search" in js.data


def test_save_folder_not_writable_is_a_message(tmp_path):
    blocker = tmp_path / "file-not-folder"
    blocker.write_text("x")
    ws = Workspace()
    app = create_app(Settings(save_dir=blocker), ws)
    r = _save(app.test_client(), "", "national/q-x")
    assert r.status_code == 400
    assert "无法写入保存目录" in r.get_json()["meta_problems"][0]["message"]
    ws.close()
