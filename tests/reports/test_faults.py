"""Fault injection (issue 14): outputs survive interruption, a full disk and refused permissions;
unwritable outputs give one located line and exit code 3; the workbench serves only standards by id,
never a server path, and keeps concurrent uploads apart; control characters and formula-like
names do not crash or arm any report.

Expected values come from the inputs (pandas, csv module, the bytes written before the fault),
never from the code under test.
"""
from __future__ import annotations

import csv
import errno
import io
import json
import os
import re
import signal
import subprocess
import sys
import threading
import zipfile
from pathlib import Path

import pandas as pd
import pytest

import junheng.cli.main as cli
import junheng.atomic as atomic
from junheng.i18n import t as tr

pytestmark = pytest.mark.slow  # the fault-injection suite (subprocesses killed mid-write): CI runs it

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "examples" / "demo-county"
STD = "national/quality-2017"
FORMATS = ["csv", "json", "parquet", "html", "xlsx"]
OLD = b"previous good report\n"


def evaluate_args(fmt, out, schools=None, extra=()):
    return [*extra, "evaluate", "--quiet", "--standard", STD, "--schools", str(schools or DEMO / "schools.csv"),
            "--counties", str(DEMO / "counties.csv"), "--format", fmt, "--out", str(out)]


def leftovers(folder: Path, keep: set) -> list:
    return sorted(p.name for p in folder.iterdir() if p.name not in keep)


# ------------------------------------------------------------------ interrupted writes

@pytest.mark.parametrize("moment", ["write", "rename"])
@pytest.mark.parametrize("fmt", FORMATS)
def test_sigterm_while_writing_keeps_the_previous_file(tmp_path, fmt, moment):
    """A real process, a real SIGTERM: while the output's first bytes are on disk (``write``), or
    when the whole file is written but not yet renamed (``rename``). The previous file is intact,
    byte for byte, and no partial or temporary file is left; exit code 143."""
    target = tmp_path / f"report.{fmt}"
    target.write_bytes(OLD)
    proc = subprocess.Popen([sys.executable, str(ROOT / "tests" / "reports" / "fault_writer.py"), moment,
                             *evaluate_args(fmt, target)], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    watchdog = threading.Timer(300, proc.kill)  # never hang the suite if the writer never stalls
    watchdog.start()
    try:
        line = proc.stdout.readline()  # blocks until the writer stalls (or the process ends)
        assert line.startswith("STALLED"), (line, proc.stderr.read())
        parts = [p for p in tmp_path.iterdir() if p.name.endswith(".part")]
        assert len(parts) == 1 and parts[0].name.startswith(f".report.{fmt}.")  # the fault hit mid-write
        assert target.read_bytes() == OLD
        proc.send_signal(signal.SIGTERM)
        rc = proc.wait(timeout=60)
    finally:
        watchdog.cancel()
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    err = proc.stderr.read()
    assert rc == 143, err
    assert "Traceback" not in err and "Exception ignored" not in err, err
    assert target.read_bytes() == OLD
    assert leftovers(tmp_path, {target.name}) == []


class Boom(Exception):
    pass


@pytest.mark.parametrize("exc", [Boom("writer failed"), KeyboardInterrupt()])
@pytest.mark.parametrize("fmt", FORMATS)
def test_exception_midway_keeps_the_previous_file(tmp_path, monkeypatch, fmt, exc):
    """The writer raises after its first bytes are on disk: the exception goes on (not hidden), the
    previous file is intact and the temporary file removed."""
    target = tmp_path / f"report.{fmt}"
    target.write_bytes(OLD)
    real_open = atomic._open_temp
    seen = []

    class Failing:
        def __init__(self, fh):
            self._fh = fh

        def write(self, data):
            self._fh.write(data)
            self._fh.flush()
            seen.append(sorted(p.name for p in tmp_path.iterdir()))
            raise exc

        def __getattr__(self, name):
            return getattr(self._fh, name)

        def __enter__(self):
            return self

        def __exit__(self, *a):
            self._fh.close()
            return False

    monkeypatch.setattr(atomic, "_open_temp", lambda *a, **k: Failing(real_open(*a, **k)))
    if isinstance(exc, KeyboardInterrupt):  # Ctrl+C: the CLI's exit code for it
        assert cli.main(evaluate_args(fmt, target)) == cli.EXIT_INTERRUPTED == 130
    else:
        with pytest.raises(Boom):  # an unexpected error is not hidden
            cli.main(evaluate_args(fmt, target))
    assert len(seen[0]) == 2  # the partial temporary file existed next to the target
    assert target.read_bytes() == OLD
    assert leftovers(tmp_path, {target.name}) == []


def test_failed_rename_keeps_the_previous_file(tmp_path, monkeypatch, capsys):
    target = tmp_path / "report.csv"
    target.write_bytes(OLD)

    def refuse(src, dst):
        raise OSError(errno.EROFS, "Read-only file system")

    monkeypatch.setattr(atomic.os, "replace", refuse)
    assert cli.main(evaluate_args("csv", target)) == cli.EXIT_OUTPUT
    assert capsys.readouterr().err.strip() == f"无法写入 {target}：只读文件系统"
    assert target.read_bytes() == OLD
    assert leftovers(tmp_path, {target.name}) == []


def test_a_good_write_replaces_the_file_whole(tmp_path):
    """The same bytes as before the change to atomic writes: the CSV of the demo county equals
    pandas' to_csv of the verdict frame (the writer's documented equivalent), replacing an old file."""
    target = tmp_path / "report.csv"
    target.write_bytes(OLD)
    assert cli.main(evaluate_args("csv", target)) == 0
    from junheng.evaluation.run import evaluate_files

    run = evaluate_files(STD, [str(DEMO / "schools.csv")], [str(DEMO / "counties.csv")])
    expected = run.verdicts.to_csv(index=False, lineterminator="\n", float_format="%.10g").encode("utf-8")
    assert target.read_bytes() == expected
    assert leftovers(tmp_path, {target.name}) == []


# ------------------------------------------------------------------ output errors: one line, exit 3

@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="no /dev/full on this system")
@pytest.mark.parametrize("fmt", FORMATS)
def test_disk_full_is_one_line_and_exit_3(fmt, capsys):
    assert cli.main(evaluate_args(fmt, "/dev/full")) == cli.EXIT_OUTPUT
    err = capsys.readouterr().err.strip()
    assert err == "无法写入 /dev/full：磁盘已满"
    assert cli.main(evaluate_args(fmt, "/dev/full", extra=("--lang", "en"))) == 3
    assert capsys.readouterr().err.strip() == "cannot write /dev/full: no space left on the device"


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="no /dev/full on this system")
@pytest.mark.parametrize("fmt", ["csv", "json", "html"])
def test_standard_output_on_a_full_disk(fmt):
    """No --out: the report goes to standard output; a full disk there is exit 3 and one line too."""
    with open("/dev/full", "w") as full:
        p = subprocess.run([sys.executable, str(ROOT / "cli.py"), "evaluate", "--quiet", "--standard", STD,
                            "--schools", str(DEMO / "schools.csv"), "--format", fmt], cwd=ROOT, stdout=full,
                           stderr=subprocess.PIPE, text=True, timeout=120)
    assert p.returncode == 3 and p.stderr.strip() == "无法写入 <stdout>：磁盘已满", p.stderr


def test_disk_full_on_a_regular_file_keeps_the_previous_one(tmp_path, monkeypatch, capsys):
    """ENOSPC in the middle of a regular file (a full disk that is not /dev/full)."""
    target = tmp_path / "report.json"
    target.write_bytes(OLD)
    real_open = atomic._open_temp

    class Full:
        def __init__(self, fh):
            self._fh = fh

        def write(self, data):
            raise OSError(errno.ENOSPC, "No space left on device")

        def __getattr__(self, name):
            return getattr(self._fh, name)

        def __enter__(self):
            return self

        def __exit__(self, *a):
            self._fh.close()
            return False

    monkeypatch.setattr(atomic, "_open_temp", lambda *a, **k: Full(real_open(*a, **k)))
    assert cli.main(evaluate_args("json", target)) == 3
    assert capsys.readouterr().err.strip() == f"无法写入 {target}：磁盘已满"
    assert target.read_bytes() == OLD
    assert leftovers(tmp_path, {target.name}) == []


@pytest.mark.parametrize("code,zh,en", [(errno.EACCES, "没有写入权限", "permission denied"),
                                        (errno.EROFS, "只读文件系统", "read-only file system")])
def test_permission_denied_is_one_line_and_exit_3(tmp_path, monkeypatch, capsys, code, zh, en):
    """Tests run as root in CI, where a read-only folder does not stop a write: the refusal is
    injected where the OS would give it (creating the file)."""
    def refuse(*a, **k):
        raise OSError(code, os.strerror(code))

    monkeypatch.setattr(atomic.os, "open", refuse)
    target = tmp_path / "report.csv"
    assert cli.main(evaluate_args("csv", target)) == 3
    assert capsys.readouterr().err.strip() == f"无法写入 {target}：{zh}"
    assert cli.main(evaluate_args("csv", target, extra=("--lang", "en"))) == 3
    assert capsys.readouterr().err.strip() == f"cannot write {target}: {en}"
    assert not target.exists()


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0,
                    reason="root ignores folder permissions; covered by test_permission_denied_is_one_line_and_exit_3")
def test_read_only_folder_for_real(tmp_path, capsys):
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        assert cli.main(evaluate_args("csv", folder / "r.csv")) == 3
        assert capsys.readouterr().err.strip() == f"无法写入 {folder / 'r.csv'}：没有写入权限"
    finally:
        folder.chmod(0o755)


def test_missing_folder_and_folder_as_out_fail_before_evaluating(tmp_path, capsys, monkeypatch):
    import junheng.evaluation.run

    def never(*a, **k):
        raise AssertionError("evaluated although the output cannot be written")

    monkeypatch.setattr(junheng.evaluation.run, "evaluate_files", never)
    missing = tmp_path / "no-such-folder" / "r.csv"
    assert cli.main(evaluate_args("csv", missing)) == 3
    assert capsys.readouterr().err.strip() == f"无法写入 {missing}：文件夹不存在"
    assert cli.main(evaluate_args("xlsx", tmp_path)) == 3
    assert capsys.readouterr().err.strip() == f"无法写入 {tmp_path}：这是一个文件夹，不是文件"
    assert list(tmp_path.iterdir()) == []


def test_diff_and_template_outputs_are_atomic_too(tmp_path, capsys):
    assert cli.main(["diff", STD, "liaoning/shenyang-2021", "--format", "json", "--out", "/dev/full"]) == 3
    assert "/dev/full" in capsys.readouterr().err
    assert cli.main(["template", "--standard", STD, "--out", str(tmp_path)]) == 3
    assert cli.main(["template", "--standard", STD, "--out", str(tmp_path / "t.xlsx")]) == 0
    assert zipfile.is_zipfile(tmp_path / "t.xlsx") and leftovers(tmp_path, {"t.xlsx"}) == []


def test_every_exit_code_is_documented():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    table = readme[readme.index("## Exit codes"):]
    for code in (cli.EXIT_OK, cli.EXIT_DATA, cli.EXIT_ERROR, cli.EXIT_OUTPUT, cli.EXIT_INTERRUPTED,
                 cli.EXIT_TERMINATED):
        assert re.search(rf"^\| `{code}` \|", table, re.M), code
    assert len({cli.EXIT_DATA, cli.EXIT_ERROR, cli.EXIT_OUTPUT}) == 3


def test_an_over_long_standard_id_is_a_clean_message(capsys):
    sid = "national/" + "a" * 300
    assert cli.main(["evaluate", "--quiet", "--standard", sid, "--schools", str(DEMO / "schools.csv")]) == 2
    err = capsys.readouterr().err
    assert "找不到标准" in err and "Traceback" not in err


def test_atomic_exclusive_never_overwrites(tmp_path):
    target = tmp_path / "a.yaml"
    target.write_text("first", encoding="utf-8")
    with pytest.raises(FileExistsError):
        with atomic.atomic_open(target, "w", exclusive=True) as fh:
            fh.write("second")
    assert target.read_text(encoding="utf-8") == "first" and leftovers(tmp_path, {"a.yaml"}) == []


# ------------------------------------------------------------------ CSV formula injection

def test_csv_neutralises_formula_text_column_wise():
    """Text cells starting with = + - @ tab CR get a leading '; numbers (a float column) do not;
    missing stays empty. The expected text is built with the csv module from the rule itself."""
    from junheng.reports.files import csv_bytes

    names = ["=HYPERLINK(\"http://x\",\"y\")", "+1+1", "-1+1", "@SUM(A1:A2)", "\tx", "\ry", "=cmd|' /C calc'!A0",
             "normal", "a=b", None, "-", "'=already"]
    values = [-1.5, 2.0, -0.25, float("nan"), 1e-7, -3.0, 0.0, 4.5, -0.0, 7.0, 8.0, 9.0]
    frame = pd.DataFrame({"school_name": pd.array(names, dtype="object"), "value": values})
    def field(t):  # csv.QUOTE_MINIMAL, with CR counted as a line break (a bare CR splits rows in Excel)
        return '"' + t.replace('"', '""') + '"' if any(ch in t for ch in ',"\n\r') else t

    buf = io.StringIO()
    buf.write("school_name,value\n")
    for n, v in zip(names, values):
        text = "" if n is None else ("'" + n if n[:1] in ("=", "+", "-", "@", "\t", "\r") else n)
        buf.write(field(text) + "," + ("" if v != v else "%.10g" % v) + "\n")
    assert csv_bytes(frame).decode("utf-8") == buf.getvalue()
    # over several blocks and through an arrow dictionary column (how the verdict table is stored)
    import pyarrow as pa

    from junheng.reports.files import csv_blocks

    table = pa.table({"school_name": pa.array(names * 50).dictionary_encode(), "value": pa.array(values * 50)})
    got = b"".join(bytes(b) for b in csv_blocks(table, rows=7)).decode("utf-8")
    body = buf.getvalue().split("\n", 1)[1]
    assert got == "school_name,value\n" + body * 50


def test_verdict_csv_of_hostile_names(tmp_path):
    d = pd.read_csv(DEMO / "schools.csv", dtype=str)
    evil = {0: "=HYPERLINK(\"http://evil.example\",\"点我\")", 1: "=cmd|' /C calc'!A0", 2: "@SUM(A1)",
            3: "-2+3", 4: "+cmd"}
    for i, name in evil.items():
        d.loc[i, "school_name"] = name
    src = tmp_path / "schools.csv"
    d.to_csv(src, index=False)
    out = tmp_path / "v.csv"
    assert cli.main(evaluate_args("csv", out, schools=src)) == 0
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    by_id = {r["school_id"]: r["school_name"] for r in rows if r["school_id"]}
    for i, name in evil.items():
        assert by_id[d.loc[i, "school_id"]] == "'" + name
    assert all(not r[k].startswith("'") for r in rows for k in ("value", "threshold", "margin"))
    assert any(r["margin"].startswith("-") for r in rows)  # negative numbers exist and stay numbers
    # every other cell is unchanged: the same CSV as pandas writes once the names are prefixed
    from junheng.evaluation.run import evaluate_files

    run = evaluate_files(STD, [str(src)], [str(DEMO / "counties.csv")])
    v = run.verdicts.copy()
    for c in v.columns:
        if v[c].dtype == object or str(v[c].dtype).startswith("str"):
            s = v[c].astype(object)
            hit = s.map(lambda x: isinstance(x, str) and x[:1] in ("=", "+", "-", "@", "\t", "\r"))
            v[c] = s.where(~hit, "'" + s.astype(str))
    assert out.read_text(encoding="utf-8") == v.to_csv(index=False, lineterminator="\n", float_format="%.10g")


# ------------------------------------------------------------------ control characters

def control_schools(tmp_path) -> Path:
    d = pd.read_csv(DEMO / "schools.csv", dtype=str)
    d.loc[0, "school_name"] = "第一\x01小学\x0b分校"
    d.loc[1, "school_name"] = "A\x1fB\x00C"
    src = tmp_path / "ctl.csv"
    d.to_csv(src, index=False)
    return src


def test_control_characters_in_names_do_not_break_xlsx(tmp_path):
    import openpyxl

    src = control_schools(tmp_path)
    out = tmp_path / "r.xlsx"
    assert cli.main(evaluate_args("xlsx", out, schools=src)) == 0
    ws = openpyxl.load_workbook(out)[tr("zh", "xlsx.schools")]  # the school sheet, by its catalogue title
    names = [c.value for c in ws["C"]]
    assert "第一\ufffd小学\ufffd分校" in names and "A\ufffdB\ufffdC" in names
    for fmt in ("csv", "json", "html", "parquet"):  # the other outputs still write
        assert cli.main(evaluate_args(fmt, tmp_path / f"r.{fmt}", schools=src)) == 0


# ------------------------------------------------------------------ the workbench

@pytest.fixture()
def web(tmp_path):
    from junheng.web.app import Settings, create_app
    from junheng.web.workspace import Workspace

    ws = Workspace(max_unpacked_mb=5)
    settings = Settings(save_dir=tmp_path / "saved")
    app = create_app(settings, ws)
    yield app, settings, ws, tmp_path
    ws.close()


def upload(client, schools_bytes, name="schools.csv", standard=STD):
    data = {"standard": standard, "as_of": "", "schools": [(io.BytesIO(schools_bytes), name)],
            "counties": [(io.BytesIO((DEMO / "counties.csv").read_bytes()), "counties.csv")]}
    return client.post("/evaluate", data=data, content_type="multipart/form-data")


def rid_of(resp):
    assert resp.status_code == 302, resp.data.decode()[:400]
    return resp.headers["Location"].rsplit("/", 1)[1]


def server_paths(web_env) -> list:
    from junheng.paths import standards_dir

    _, settings, ws, tmp_path = web_env
    return [str(p) for p in (ws.root, tmp_path, tmp_path.resolve(), standards_dir(), ROOT, Path.cwd())]


def assert_no_server_path(body: str, web_env):
    for p in server_paths(web_env):
        assert p not in body, p


def test_control_characters_download(web):
    app, *_ = web
    c = app.test_client()
    rid = rid_of(upload(c, control_schools(web[3]).read_bytes()))
    for fmt in ("xlsx", "csv", "json", "html"):
        r = c.get(f"/runs/{rid}/download/{fmt}")
        assert r.status_code == 200, (fmt, r.data[:300])
    csv_text = c.get(f"/runs/{rid}/download/csv").data.decode("utf-8")
    assert "A\x1fB" in csv_text  # the CSV keeps the text as it is
    import openpyxl

    wb = openpyxl.load_workbook(io.BytesIO(c.get(f"/runs/{rid}/download/xlsx").data))
    assert "第一\ufffd小学\ufffd分校" in [x.value for x in wb[tr("zh", "xlsx.schools")]["C"]]


def test_a_failing_download_is_a_message_not_a_partial_file(web, monkeypatch):
    """Downloads are built whole in memory before the answer starts: a writer failing midway gives a
    500 page with a Chinese message (no traceback, no path), never a truncated file."""
    import junheng.reports.xlsx_report

    app, *_ = web
    c = app.test_client()
    rid = rid_of(upload(c, (DEMO / "schools.csv").read_bytes()))

    def broken(run, path, lang=None, progress=None):
        path.write(b"PK\x03\x04partial")
        raise RuntimeError("/secret/server/path exploded")

    monkeypatch.setattr(junheng.reports.xlsx_report, "write_xlsx", broken)
    r = c.get(f"/runs/{rid}/download/xlsx")
    body = r.data.decode()
    assert r.status_code == 500 and "Content-Disposition" not in r.headers
    assert "服务器内部错误" in body and "/secret/server/path" not in body and "Traceback" not in body


def test_standards_only_by_id(web):
    """A *.yaml path (even of a real standard) is refused on every route that takes a standard; the
    file's content is not shown."""
    app, settings, ws, tmp_path = web
    secret = tmp_path / "secret.yaml"
    secret.write_text("id: x/secret\ntitle: TOP-SECRET-CONTENT\n", encoding="utf-8")
    real = str(ROOT / "standards" / "national" / "quality-2017.yaml")
    c = app.test_client()
    for ref in (str(secret), real, "../../etc/passwd", "national/../../secret", "/etc/passwd"):
        r = c.get("/whatif", query_string={"standard": ref})
        assert r.status_code == 400 and "标准编号无效" in r.data.decode(), ref
        r = upload(c, (DEMO / "schools.csv").read_bytes(), standard=ref)
        assert r.status_code == 400 and "标准编号无效" in r.data.decode(), ref
        r = c.post("/api/whatif/preview", json={"standard": ref, "edits": {}})
        doc = r.get_json()
        assert not doc["ok"] and doc["problems"][0]["field"] == "standard" and doc["yaml"] == "", ref
        assert "TOP-SECRET-CONTENT" not in r.data.decode()
        assert_no_server_path(r.data.decode(), web)
    assert c.get("/whatif", query_string={"standard": STD}).status_code == 200


def test_no_server_path_on_any_page(web):
    app, settings, ws, tmp_path = web
    c = app.test_client()
    rid = rid_of(upload(c, (DEMO / "schools.csv").read_bytes()))
    pages = ["/", "/standards", f"/standards/{STD}", f"/runs/{rid}", f"/whatif?run={rid}",
             "/standards/national/nothere", "/whatif?standard=national/nothere", "/runs/nothere",
             f"/runs/{rid}/explain?school=DEMO01-001&stage=primary"]
    for p in pages:
        r = c.get(p)
        assert r.status_code in (200, 400, 404), p
        assert_no_server_path(r.data.decode(), web)
    r = upload(c, (DEMO / "schools.csv").read_bytes(), standard="national/nothere")
    assert r.status_code == 400 and "找不到标准" in r.data.decode()
    assert_no_server_path(r.data.decode(), web)
    r = c.post("/api/whatif/preview", json={"standard": "national/nothere"})
    assert_no_server_path(r.data.decode(), web)


def test_no_server_path_in_downloads(web):
    """The reports downloaded from the workbench name the standard files by their folder's short name."""
    app, *_ = web
    c = app.test_client()
    rid = rid_of(upload(c, (DEMO / "schools.csv").read_bytes()))
    doc = json.loads(c.get(f"/runs/{rid}/download/json").data)
    assert [f["path"] for f in doc["standard"]["files"]] == ["standards/national/quality-2017.yaml"]
    assert_no_server_path(c.get(f"/runs/{rid}/download/html").data.decode("utf-8"), web)
    xlsx = c.get(f"/runs/{rid}/download/xlsx").data
    import openpyxl

    wb = openpyxl.load_workbook(io.BytesIO(xlsx))
    texts = "\n".join(str(cell.value) for ws in wb.worksheets for row in ws.iter_rows() for cell in row)
    assert "standards/national/quality-2017.yaml" in texts
    assert_no_server_path(texts, web)


def test_long_ids_and_colliding_query_parameters_are_not_500(web):
    from junheng.web.app import Settings, create_app
    from junheng.web.workspace import Workspace

    app, *_ = web
    c = app.test_client()
    rid = rid_of(upload(c, (DEMO / "schools.csv").read_bytes()))
    long = "a" * 300
    for path in (f"/standards/national/{long}", f"/whatif?standard=national/{long}", f"/runs/{long}",
                 f"/runs/{long}/explain", f"/runs/{rid}/download/{long}"):
        r = c.get(path)
        assert r.status_code in (400, 404), (path, r.status_code)
        message = re.search(r'<pre class="error">(.*?)</pre>', r.data.decode(), re.S).group(1)
        assert re.search(r"[\u4e00-\u9fff]", message), (path, message)  # a Chinese message
    r = upload(c, (DEMO / "schools.csv").read_bytes(), standard=f"national/{long}")
    assert r.status_code == 400
    r = c.post("/api/whatif/preview", json={"standard": f"national/{long}"})
    assert r.status_code == 200 and not r.get_json()["ok"]

    ws2 = Workspace()
    try:
        tapp = create_app(Settings(save_dir=web[3] / "s2", token="T"), ws2)
        tc = tapp.test_client()
        r = tc.get("/runs/abc?token=T&run_id=x")
        assert r.status_code == 302 and r.headers["Location"] == "/runs/abc?run_id=x"
        r = tc.get("/runs/abc?run_id=x")  # now with the cookie
        assert r.status_code == 404 and "这次评估已不在内存中" in r.data.decode()
        r = tc.get("/standards/national/quality-2017?token=T&sid=x")
        assert r.status_code == 302 and r.headers["Location"] == "/standards/national/quality-2017?sid=x"
    finally:
        ws2.close()


def test_whatif_accepts_a_huge_threshold(web):
    app, *_ = web
    c = app.test_client()
    rid = rid_of(upload(c, (DEMO / "schools.csv").read_bytes()))
    r = c.post("/api/whatif/preview", json={"standard": STD, "run": rid, "edits": {"R4_min": {"primary": "1e20"}}})
    doc = r.get_json()
    assert doc["ok"], doc["problems"]
    assert "values: {primary: 1.0e+20, junior: 5.8}" in doc["yaml"]
    # every primary stage with a teaching-room figure now fails R4 (no school has 1e20 m² per student)
    flipped = {row["school_id"] for row in doc["impact"]["rows"] if row["rule_id"] == "R4" and row["b"] == "fail"}
    d = pd.read_csv(DEMO / "schools.csv", dtype={"school_id": str})
    per = (d["teaching_aux_area"] - d["indoor_sports_area"]) / (
        d["students_primary"].fillna(0) + 1.1 * d["students_junior"].fillna(0).where(d["school_type"] == "九年一贯制",
                                                                                     0))
    # a 教学点 under 50 pupils is outside the resource evaluation (issue 20): R4 not_applicable, never flips
    in_scope = ~((d["school_type"] == "教学点") & (d["students_primary"].fillna(0) + d["students_junio"
                                                                                    "r"].fillna(0) < 50))
    passing_before = set(d.loc[(d["students_primary"].fillna(0) > 0) & (per >= 4.5) & in_scope, "school_id"])
    assert flipped == passing_before


def test_many_small_files_name_the_count_limit(web):
    app, settings, *_ = web
    c = app.test_client()
    files = [(io.BytesIO(b"school_id,school_name\n" + b"x" * 180 + b"\n"), f"f{i}.csv") for i in range(1500)]
    r = c.post("/evaluate", data={"standard": STD, "schools": files}, content_type="multipart/form-data")
    body = r.data.decode()
    assert r.status_code == 413
    assert f"一次上传的文件太多（上限 {settings.max_files} 个）" in body and "MB" not in body


def test_workbook_uncompressed_size_counts(web):
    app, settings, ws, tmp_path = web
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:  # 6 MB of zeros: a few KB compressed
        z.writestr("xl/worksheets/sheet1.xml", b"\0" * (6 * 1024 * 1024))
    data = buf.getvalue()
    assert len(data) < 100_000
    c = app.test_client()
    r = upload(c, data, name="bomb.xlsx")
    body = r.data.decode()
    assert r.status_code == 400 and "bomb.xlsx：工作簿解压后 6 MB，超过上限 5 MB" in body
    assert list(ws.root.iterdir()) == []  # nothing kept
    r = upload(c, b"PK\x03\x04 not really a zip", name="broken.xlsx")
    assert r.status_code == 400 and "不是有效的 Excel 工作簿" in r.data.decode()


def test_concurrent_uploads_do_not_mix(web):
    """Six uploads at once, each a different subset of the demo schools under its own name: every run
    holds exactly its own schools, and its CSV download only its own rows."""
    app, *_ = web
    d = pd.read_csv(DEMO / "schools.csv", dtype=str)
    n = 6
    subsets = [d.iloc[k::n] for k in range(n)]
    barrier = threading.Barrier(n)
    results, errors = {}, []

    def work(k):
        try:
            c = app.test_client()
            data = subsets[k].to_csv(index=False).encode("utf-8")
            barrier.wait(timeout=30)
            rid = rid_of(upload(c, data, name=f"part{k}.csv"))
            text = c.get(f"/runs/{rid}/download/csv").data.decode("utf-8")
            page = c.get(f"/runs/{rid}").data.decode("utf-8")
            results[k] = (rid, text, page)
        except BaseException as exc:  # reported below, with the thread's number
            errors.append((k, repr(exc)))

    threads = [threading.Thread(target=work, args=(k,)) for k in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert not errors, errors
    assert len({r[0] for r in results.values()}) == n
    for k, (_rid, text, page) in results.items():
        rows = list(csv.DictReader(io.StringIO(text)))
        got = {r["school_id"] for r in rows if r["school_id"]}
        assert got == set(subsets[k]["school_id"]), k
        assert f"part{k}.csv" in page and not any(f"part{j}.csv" in page for j in range(n) if j != k)


def test_concurrent_saves_of_one_id_write_one_file(web):
    app, settings, *_ = web
    body = {"standard": STD, "edits": {"R4_min": {"primary": "5"}},
            "meta": {"new_id": "national/race-2026", "title": "竞争保存", "jurisdiction": "全国", "reason": "r",
                     "document": "d", "source_status": "secondary"}}
    barrier = threading.Barrier(4)
    codes = []

    def save():
        c = app.test_client()
        barrier.wait(timeout=30)
        r = c.post("/api/whatif/save", json=body)
        codes.append((r.status_code, r.get_json()))

    threads = [threading.Thread(target=save) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert sorted(c for c, _ in codes) == [200, 400, 400, 400]
    files = sorted(p.relative_to(settings.save_dir).as_posix() for p in settings.save_dir.rglob("*") if p.is_file())
    assert files == ["national/race-2026.yaml"]
    import yaml

    assert yaml.safe_load((settings.save_dir / files[0]).read_text(encoding="utf-8"))["id"] == "national/race-2026"


def test_path_scrubber_replaces_whole_folders_only(tmp_path, monkeypatch):
    """Known folders become short names; a longer name that merely starts like one is left alone
    (the working folder /.../r must not touch /runs/... or /.../rx)."""
    import tempfile

    from junheng.paths import standards_dir
    from junheng.web.app import Settings, _path_scrubber
    from junheng.web.workspace import Workspace

    work = tmp_path / "r"
    (work / "saved").mkdir(parents=True)
    monkeypatch.chdir(work)
    tmp = tempfile.gettempdir()
    assert str(work).startswith(tmp + "/")
    ws = Workspace()
    try:
        scrub = _path_scrubber(Settings(save_dir=work / "saved"), ws)
        text = (f"searched: {work}/saved, {work}/savedx; /runs/abc {work}x {ws.root}/f.csv {work}/examples/a.csv "
                f"{standards_dir()}/national/quality-2017.yaml")  # the bundled folder, wherever installed
        rx = "tmp" + str(work)[len(tmp):] + "x"  # only the temp folder part of /.../rx is a known folder
        assert scrub(text) == (f"searched: saved, ./savedx; /runs/abc {rx} uploads/f.csv ./examples/a.csv "
                               "standards/national/quality-2017.yaml")
    finally:
        ws.close()


def test_atomic_write_through_a_symlink_keeps_the_link(tmp_path):
    real = tmp_path / "real.json"
    real.write_bytes(OLD)
    link = tmp_path / "link.json"
    link.symlink_to(real)
    atomic.write_text(link, "new\n")
    assert link.is_symlink() and real.read_text(encoding="utf-8") == "new\n"
    assert leftovers(tmp_path, {"real.json", "link.json"}) == []


def test_exclusive_without_hard_links_still_never_overwrites(tmp_path, monkeypatch):
    def no_links(src, dst):
        raise OSError(errno.EPERM, "Operation not permitted")

    monkeypatch.setattr(atomic.os, "link", no_links)
    target = tmp_path / "s.yaml"
    with atomic.atomic_open(target, "w", exclusive=True) as fh:
        fh.write("one")
    with pytest.raises(FileExistsError):
        with atomic.atomic_open(target, "w", exclusive=True) as fh:
            fh.write("two")
    assert target.read_text(encoding="utf-8") == "one" and leftovers(tmp_path, {"s.yaml"}) == []
