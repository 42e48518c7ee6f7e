"""One registry each: output formats (reports/formats.py), input formats (records/readers.py
INPUT_FORMATS) and expression functions (language/functions.py). The CLI, the workbench and the
docs read them; adding an entry is the only change a new format or function needs."""
from __future__ import annotations

import io
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import junheng.cli.main as cli
from junheng.language.functions import FUNCTIONS, is_aggregate
from junheng.records.readers import INPUT_FORMATS, INPUT_SUFFIXES, input_format
from junheng.reports.formats import OUTPUT_FORMATS
from junheng.web import workspace

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "examples" / "demo-county"


def test_cli_format_choices_are_the_output_registry():
    p = cli._parser()
    sub = next(a for a in p._actions if a.dest == "command")
    fmt = next(a for a in sub.choices["evaluate"]._actions if a.dest == "format")
    assert fmt.choices == list(OUTPUT_FORMATS)
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "[--format " + "|".join(OUTPUT_FORMATS) + "]" in readme


@pytest.mark.parametrize("name", [n for n, f in OUTPUT_FORMATS.items() if f.needs_out])
def test_formats_that_need_out_say_so_before_evaluating(name, capsys):
    code = cli.main(["evaluate", "--standard", "national/quality-2017", "--schools", "/no/such/file.csv",
                     "--format", name])
    assert code == cli.EXIT_ERROR and name in capsys.readouterr().err


def test_every_downloadable_format_is_offered_by_the_workbench():
    from junheng.web.app import Settings, create_app
    from junheng.web.workspace import Workspace

    ws = Workspace()
    try:
        app = create_app(Settings(), ws)
        c = app.test_client()
        data = {"standard": "national/quality-2017", "as_of": "2024-09-01",
                "schools": [(io.BytesIO((DEMO / "schools.csv").read_bytes()), "schools.csv")],
                "counties": [(io.BytesIO((DEMO / "counties.csv").read_bytes()), "counties.csv")]}
        r = c.post("/evaluate", data=data, content_type="multipart/form-data")
        rid = r.headers["Location"].rstrip("/").split("/")[-1]
        for name, spec in OUTPUT_FORMATS.items():
            r = c.get(f"/runs/{rid}/download/{name}")
            if spec.download:
                assert r.status_code == 200 and r.mimetype == spec.mime.split(";")[0], name
                assert r.data
            else:
                assert r.status_code == 404, name
        csv = pd.read_csv(io.BytesIO(c.get(f"/runs/{rid}/download/csv").data))
        assert len(csv) == 619  # 30 schools, 35 stage units: the README run's verdicts
    finally:
        ws.close()


def test_input_registry_drives_reader_and_upload_check():
    assert set(INPUT_SUFFIXES) == {s for f in INPUT_FORMATS for s in f.suffixes}
    assert workspace.ALLOWED_SUFFIXES == INPUT_SUFFIXES
    assert input_format("a/b/学校.XLSX").name == "xlsx" and input_format("x.ndjson").name == "jsonl"
    assert input_format("x.pdf") is None
    with pytest.raises(workspace.UploadRefused):
        workspace.suffix_of("report.pdf")


def test_function_table_has_spec_and_implementation_for_every_function():
    assert all(callable(f.evaluate) and f.doc for f in FUNCTIONS.values())
    # the grammar's function names are the table's: every function the docs list is in it
    arch = (ROOT / "README.md").read_text(encoding="utf-8")
    listed = set(re.findall(r"`(\w+)`", arch[arch.index("Expressions have"):arch.index("See `docs/architecture.md`")]))
    assert {"round", "ceil", "floor", "sum", "mean", "min", "max", "count", "share", "all", "any", "weighted_mean",
            "weighted_cv"} <= listed <= set(FUNCTIONS) | {"if", "in", "not", "and", "or", "where"}
    assert is_aggregate("min", 1) and not is_aggregate("min", 2)


def test_an_implementation_is_what_the_evaluator_runs(monkeypatch):
    """Replacing a table entry's implementation changes the verdicts: the evaluator has no copy of its own."""
    import dataclasses

    import junheng

    base = junheng.evaluate_files("national/quality-2017", str(DEMO / "schools.csv"), str(DEMO / "counties.csv"),
                                  as_of="2024-09-01").verdicts
    spec = FUNCTIONS["weighted_cv"]
    monkeypatch.setitem(FUNCTIONS, "weighted_cv", dataclasses.replace(
        spec, evaluate=lambda ev, node, space, override=None: np.full(ev.n(space), 9.0)))
    changed = junheng.evaluate_files("national/quality-2017", str(DEMO / "schools.csv"), str(DEMO / "counties.csv"),
                                     as_of="2024-09-01").verdicts
    cv_rows = base.rule_id.str.endswith("_cv")
    assert (changed.loc[cv_rows, "value"] == 9.0).all() and (base.loc[cv_rows, "value"] < 1).all()
