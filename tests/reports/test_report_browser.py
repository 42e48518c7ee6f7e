"""The HTML report in headless Chromium: loads with no console errors, no network, charts and tables present.

Uses Debian's `chromium` (/usr/bin/chromium). Skipped with a message only when chromium is absent
and this is not CI (in CI, .ci/run installs it and a missing browser is a failure).
"""
from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from conftest import find_chromium
from junheng.evaluation.run import evaluate_files

pytestmark = pytest.mark.slow  # see pyproject's markers: CI runs it, `-m "not slow"` leaves it out

DATA = Path(__file__).parents[1] / "data" / "reports"
STD = "national/quality-2017"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", "--enable-logging=stderr", "--v=0",
         "--hide-scrollbars"]


def _browse(tmp_path, page: Path, *extra):
    exe = find_chromium()
    profile = tmp_path / "profile"
    profile.mkdir(exist_ok=True)
    proc = subprocess.run([exe, *FLAGS, f"--user-data-dir={profile}", *extra, page.as_uri()],
                          capture_output=True, text=True, timeout=120)
    return proc


def _page_errors(stderr: str) -> list:
    """Console messages of the page and failed loads; chromium's own noise (dbus, gpu...) is ignored."""
    bad = []
    for line in stderr.splitlines():
        if "CONSOLE" in line or "Uncaught" in line or "net::ERR_" in line or "Refused to" in line:
            bad.append(line)
    return bad


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    from junheng.reports.html_report import write_html

    run = evaluate_files(STD, [str(DATA / "schools.csv")], [str(DATA / "counties.csv")])
    path = tmp_path_factory.mktemp("html") / "report.html"
    write_html(run, path)
    return path


def test_dom_loads_without_errors(report, tmp_path):
    proc = _browse(tmp_path, report, "--dump-dom")
    assert proc.returncode == 0, proc.stderr[-2000:]
    dom = proc.stdout
    assert _page_errors(proc.stderr) == []
    assert dom.count("<svg") >= 7 * 1 + 1  # a chart per resource indicator (per stage) and the CVs
    assert dom.count("<rect") > 20
    assert "<table" in dom and 'class="schools"' in dom
    assert dom.count("<details") >= 5
    # the escaped school name stays text in the DOM (no element was created from it)
    assert "<b>粗</b>" not in dom and "&lt;b&gt;粗&lt;/b&gt;" in dom
    assert not re.search(r"<script", dom, re.I)


def test_screenshot(report, tmp_path):
    shot = tmp_path / "shot.png"
    proc = _browse(tmp_path, report, f"--screenshot={shot}", "--window-size=1280,1600")
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert _page_errors(proc.stderr) == []
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 20000


def test_error_detection_works(tmp_path):
    """Guard the guard: a page with a console error and an exception is caught by _page_errors."""
    bad = tmp_path / "bad.html"
    bad.write_text('<html><body><script>console.error("boom"); undefinedFn();</script></body></html>')
    proc = _browse(tmp_path, bad, "--dump-dom")
    errors = _page_errors(proc.stderr)
    assert any("boom" in e for e in errors) and any("undefinedFn" in e for e in errors)
