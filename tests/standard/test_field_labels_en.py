"""English field labels: every field of the catalogue (standards/fields.yaml) and of the bundled standards'
``fields:`` has ``label_en``, every per-stage field ``labels_en`` for each of its stages; a standard file may
declare them (schema); `--lang en` shows them in the terminal explanation and the HTML report instead of
field ids. Expected labels and values are written out here (values read from the demo CSV)."""
from __future__ import annotations

import io
import re
import textwrap
from pathlib import Path

import pandas as pd
import pytest
import yaml
from rich.console import Console

from junheng.evaluation.run import evaluate_files
from junheng.explain.derivation import explain_school, render
from junheng.standard.catalogue import load_catalogue
from junheng.standard.loader import load_standard

ROOT = Path(__file__).parents[2]
DEMO = ROOT / "examples" / "demo-county"
CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")


def _bundled_field_specs():
    """(where, id, spec) of every field: the catalogue's and those the bundled standards declare."""
    out = []
    cat = yaml.safe_load((ROOT / "standards" / "fields.yaml").read_text(encoding="utf-8"))
    for table, defs in cat.items():
        out += [(f"fields.yaml {table}", fid, spec) for fid, spec in defs.items()]
    for p in sorted((ROOT / "standards").glob("*/*.yaml")):
        doc = yaml.safe_load(p.read_text(encoding="utf-8"))
        for table, defs in (doc.get("fields") or {}).items():
            out += [(f"{p.name} {table}", fid, spec) for fid, spec in defs.items()]
    return out


def test_every_field_has_an_english_label():
    specs = _bundled_field_specs()
    assert len(specs) > 100  # the whole catalogue, not an empty walk
    for where, fid, spec in specs:
        en = spec.get("label_en")
        assert en and not CJK.search(en), (where, fid, en)
        for stage in spec.get("per_stage") or []:
            se = (spec.get("labels_en") or {}).get(stage)
            assert se and not CJK.search(se), (where, fid, stage)
        assert set(spec.get("labels_en") or {}) <= set(spec.get("per_stage") or []), (where, fid)


def test_label_in():
    cat = load_catalogue()
    tb = cat.get("school", "teachers_bachelor")
    assert tb.label_in("en", "primary") == "full-time teachers with a bachelor's degree (primary)"
    assert tb.label_in("zh", "junior") == "本科学历专任教师人数（初中）"
    area = cat.get("school", "teaching_aux_area")  # a split field: one label, the stage composed
    assert area.label_in("en") == "total floor area of teaching and auxiliary rooms"
    assert area.label_in("en", "primary") == "total floor area of teaching and auxiliary rooms (primary)"
    assert area.label_in("zh", "primary") == "教学及辅助用房总面积（小学）"
    assert area.label_in("zh") == "教学及辅助用房总面积"


def test_a_standard_may_declare_english_labels(tmp_path):
    p = tmp_path / "tq" / "labels.yaml"
    p.parent.mkdir()
    p.write_text(textwrap.dedent("""\
        id: tq/labels
        title: 测试
        jurisdiction: {name: 测试省}
        version: "1"
        extends: national/quality-2017
        fields:
          school:
            lab_rooms:
              type: count
              unit: 间
              per_stage: [primary, junior]
              labels: {primary: 实验室间数（小学）, junior: 实验室间数（初中）}
              label_en: laboratories
              labels_en: {primary: primary-school laboratories, junior: junior-school laboratories}
        """), encoding="utf-8")
    std = load_standard(str(p), [str(tmp_path)])
    fd = std.extra_fields["school"]["lab_rooms"]
    assert fd.label_in("en", "junior") == "junior-school laboratories"
    assert fd.label_in("en") == "laboratories"
    assert fd.label_in("zh", "primary") == "实验室间数（小学）"


@pytest.fixture(scope="module")
def demo():
    return evaluate_files("national/quality-2017", str(DEMO / "schools.csv"), str(DEMO / "counties.csv"),
                          as_of="2024-09-01")


def test_english_labels_in_explain_and_html(demo):
    row = pd.read_csv(DEMO / "schools.csv", dtype=str).set_index("school_id").loc["DEMO01-003"]
    assert (row["teachers_bachelor_primary"], row["teaching_aux_area"]) == ("5", "684.4")
    buf = io.StringIO()
    render(explain_school(demo, "DEMO01-003", "primary", "en"), Console(file=buf, width=100000, soft_wrap=True,
                                                                        color_system=None), "en")
    inputs = [x for x in buf.getvalue().splitlines() if "inputs: " in x]
    assert inputs
    text = "\n".join(inputs)
    assert "full-time teachers with a bachelor's degree (primary) = 5" in text  # a count of people: no unit
    assert "total floor area of teaching and auxiliary rooms = 684.4 m²" in text
    assert "school in the over-crowded central district of a large city = no" in text
    labels = re.findall(r"(?:inputs: |, )([^=,]+) = ", text)  # the label part of "label = value"
    assert len(labels) > 10
    assert not [x for x in labels if CJK.search(x) or re.search(r"[a-z]_[a-z]", x)]  # values may be data (小学)

    from junheng.reports.html_report import render_html

    page = render_html(demo, "en")
    assert "full-time teachers with a bachelor&#39;s degree (primary)" in page
    assert "total floor area of teaching and auxiliary rooms" in page
