"""CSV record files read ahead on a thread (``readers.read_ahead``, used by ``evaluate_files`` while the
standard loads) give what reading them in place gives, errors included; and names that moved out of
``recordset`` / ``readers`` when they were split are still importable from there."""
from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from junheng.errors import InputError
from junheng.evaluation.run import evaluate_files
from junheng.records import readers
from junheng.records.readers import NamedFile, read_ahead, read_records

DATA = Path(__file__).parents[1] / "data"
SCHOOLS = DATA / "records" / "messy-schools.csv"
COUNTIES = DATA / "records" / "messy-counties.csv"


def _same_tables(a, b):
    assert len(a) == len(b)
    for x, y in zip(a, b):
        pd.testing.assert_frame_equal(x.frame, y.frame)
        assert (x.file, x.sheet, x.row, x.issues, x.labels, x.notes) == (y.file, y.sheet, y.row, y.issues, y.labels,
                                                                          y.notes)


def test_read_ahead_gives_the_same_tables_and_is_taken_once():
    direct = read_records(SCHOOLS)
    with read_ahead(SCHOOLS, [COUNTIES], None):
        assert len(readers._AHEAD) == 2
        ahead = read_records(SCHOOLS)
        assert len(readers._AHEAD) == 1  # taken: a second read reads the file again
        _same_tables(ahead, direct)
        _same_tables(read_records(SCHOOLS), direct)
    assert not readers._AHEAD  # the counties file, never taken, is dropped with the block


def test_an_error_while_reading_ahead_is_raised_by_read_records(tmp_path):
    bad = tmp_path / "garbage.csv"
    shutil.copy(DATA / "bad" / "binary_garbage.csv", bad)
    with pytest.raises(InputError) as direct:
        read_records(bad)
    with read_ahead(bad):
        with pytest.raises(InputError) as ahead:
            read_records(bad)
    assert str(ahead.value) == str(direct.value)


def test_a_file_changed_after_reading_ahead_is_read_again(tmp_path):
    p = tmp_path / "s.csv"
    shutil.copy(SCHOOLS, p)
    with read_ahead(p):
        p.write_text(SCHOOLS.read_text(encoding="utf-8").replace("小学", "初中", 1) + "\n", encoding="utf-8")
        got = read_records(p)
    _same_tables(got, read_records(p))
    assert not readers._AHEAD


def test_a_named_file_is_read_ahead_under_its_name(tmp_path):
    stored = tmp_path / "upload-1.csv"
    shutil.copy(SCHOOLS, stored)
    named = NamedFile(stored, "学校.csv")
    with read_ahead(named):
        got = read_records(named)
        assert not readers._AHEAD
    assert got[0].file == "学校.csv"


def test_evaluate_files_reads_ahead_with_the_same_verdicts(monkeypatch):
    ahead = evaluate_files("national/quality-2017", str(SCHOOLS), str(COUNTIES), "2024-09-01")
    monkeypatch.setattr("junheng.evaluation.run.read_ahead", lambda *a: _no_block())
    plain = evaluate_files("national/quality-2017", str(SCHOOLS), str(COUNTIES), "2024-09-01")
    assert len(ahead.verdicts) > 0
    pd.testing.assert_frame_equal(ahead.verdicts, plain.verdicts)
    assert ahead.schools.problems.to_json() == plain.schools.problems.to_json()


def _no_block():
    from contextlib import nullcontext

    return nullcontext()


def test_moved_names_still_import_from_their_old_modules():
    from junheng.records import column_typing, loading, recordset, rejections, stages

    assert recordset.load_records is loading.load_records
    assert recordset.reject_where is rejections.reject_where
    assert recordset.apply_rejections is rejections.apply_rejections
    assert recordset.school_stage_masks is stages.school_stage_masks
    assert recordset.TYPE_STAGES is stages.TYPE_STAGES
    assert recordset._type_table is column_typing.type_table
    with pytest.raises(AttributeError):
        recordset.PER_CELL  # noqa: B018  # moved to column_typing: patching it here would do nothing
    from junheng.records.csv_reader import _read_csv_arrow
    from junheng.records.raw_table import RawTable
    from junheng.records.text_encoding import _decode

    assert readers._read_csv_arrow is _read_csv_arrow and readers.RawTable is RawTable and readers._decode is _decode
