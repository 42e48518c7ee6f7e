"""The workbench explanation (issue 19): the plain view, not the terminal text; school names and
stage aliases; unknown names answered with the candidates."""
from __future__ import annotations

import re

import pytest

from junheng.web.app import Settings, create_app
from junheng.web.workspace import Workspace

from test_web import run_id_of, upload


@pytest.fixture()
def client(tmp_path):
    ws = Workspace()
    app = create_app(Settings(save_dir=tmp_path / "saved"), ws)
    c = app.test_client()
    yield c, run_id_of(upload(c, as_of="2024-09-01"))
    ws.close()


def test_explain_page_is_the_plain_view(client):
    c, rid = client
    page = c.get(f"/runs/{rid}/explain?school=宁溪镇宝岗村小学&stage=小学").data.decode()
    assert 'class="jx"' in page and "技术细节" in page
    assert page.index("jx-item jx-fail") < page.index('class="jx-passed"')
    assert "本科学历专任教师人数（小学） = 5 人" in page
    assert "├──" not in page  # no terminal tree pasted into the page
    visible = re.sub(r'<details class="jx-tech">.*?</details>', "", page, flags=re.S)
    assert "teachers_bachelor" not in visible and "teachers_bachelor=5" in page


def test_dialog_fragment_and_text(client):
    c, rid = client
    frag = c.get(f"/runs/{rid}/explain?school=DEMO01-003&stage=primary&fragment=html")
    assert frag.mimetype == "text/html" and "<section class=\"jx\"" in frag.data.decode()[:300]
    assert "需增加高于规定学历专任教师 2 人" in frag.data.decode()
    text = c.get(f"/runs/{rid}/explain?school=DEMO01-003&stage=primary&fragment=1").data.decode()
    assert "├── " in text  # the terminal text stays available (what `junheng explain --all` prints)


def test_unknown_school_lists_candidates(client):
    c, rid = client
    r = c.get(f"/runs/{rid}/explain?school=示范第四小学校")
    assert r.status_code == 404 and "示范第四小学（DEMO01-016）" in r.data.decode()
    county = c.get(f"/runs/{rid}/explain?county=DEMO01").data.decode()
    assert county.index("jx-item jx-fail") < county.index('class="jx-passed"')
