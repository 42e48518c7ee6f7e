"""The workbench's monitoring page (/monitor): one school file with a year column → the monitor's HTML."""
from __future__ import annotations

import io

import pandas as pd
import pytest

from junheng.web.app import Settings, create_app
from junheng.web.workspace import Workspace


@pytest.fixture()
def client(tmp_path):
    ws = Workspace()
    app = create_app(Settings(save_dir=tmp_path / "saved"), ws)
    yield app.test_client(), ws
    ws.close()


def csv_bytes(rows) -> bytes:
    return pd.DataFrame(rows).to_csv(index=False).encode("utf-8")


def test_monitor_page_builds_the_report(client):
    c, ws = client
    assert "多年监测" in c.get("/monitor").get_data(as_text=True)
    rows = [{"year": y, "school_id": "A", "school_name": "甲小学", "county_id": "C1", "school_type": "小学",
             "students_primary": n, "teaching_aux_area": 900, "indoor_sports_area": 0}
            for y, n in ((2022, 181), (2023, 190), (2024, 200))]
    r = c.post("/monitor", data={"standard": "national/quality-2017", "horizon": "2",
                                 "schools": (io.BytesIO(csv_bytes(rows)), "学校.csv")},
               content_type="multipart/form-data")
    text = r.get_data(as_text=True)
    assert r.status_code == 200 and "<svg" in text and "<script" not in text
    # R4: 900/200 = 4.5 passes at the threshold in 2024; pupils projected to 209 in 2025 (see tests/monitor)
    assert "预计 2025 年不达标" in text
    assert not any(ws.root.iterdir())  # the uploads are removed after the run


def test_monitor_page_names_rows_without_a_year(client):
    c, _ = client
    rows = [{"year": "x", "school_id": "A", "school_name": "甲", "county_id": "C1", "school_type": "小学"}]
    r = c.post("/monitor", data={"schools": (io.BytesIO(csv_bytes(rows)), "学校.csv")},
               content_type="multipart/form-data")
    assert r.status_code == 400 and "学校.csv:2" in r.get_data(as_text=True)
