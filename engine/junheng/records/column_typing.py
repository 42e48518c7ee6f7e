"""Typing one raw table: each header mapped to its field (``headers.HeaderMap``), each column's cells
normalised to typed values (``normalize``), every bad cell a located problem and an invalid cell (the value
missing, the message kept for the rules that need it).

Besides the catalogue's columns a table may hold stage-less items of the real collection form (专任教师总人数,
班级总数 …) and class-size bands: they go to ``extra``, to be given to a stage by ``stages``; items given in
parts (a total over several headers) are summed. A second column for the same field fills the first one's
blanks (``_merge_duplicate``); merged XLSX cells are filled down where the value is the same for every row
they span (``_fill_merged``); the reader's own findings (``RawTable.issues``) become problems here too.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from junheng.i18n import Bi, Msg
from junheng.records.cells import cell_problems_many
from junheng.records.headers import PARTS, UNSTAGED, HeaderMap, class_band
from junheng.records.normalize import to_bool, to_id, to_number, to_text
from junheng.records.problems import ProblemTable
from junheng.records.raw_table import RawTable
from junheng.records.recordset import Problem
from junheng.standard.catalogue import Catalogue

PER_CELL = False  # True: the per-cell reference path for reader problems (tests compare both)


TYPE_WORDS = {"count": "field_type.count", "number": "field_type.number", "money": "field_type.money",
              "percent": "field_type.percent", "year": "field_type.year", "score": "field_type.score",
              "bool": "field_type.bool", "text": "field_type.text", "category": "field_type.category"}


def cell_rule(field: str, kind: str) -> Msg:
    """The rule a bad cell broke: its field and type in words (teachers_primary（非负整数）)."""
    return Msg("rec.rule_cell", field=field, type=Msg(TYPE_WORDS[kind]) if kind in TYPE_WORDS else kind)


def _type_column(s: pd.Series, cid: str, col, factor: float):
    if cid in ("school_id", "county_id"):
        notes: list = []
        return to_id(s, notes), pd.Series(pd.NA, index=s.index, dtype="object"), notes
    if col.field.kind == "num":
        return to_number(s, col.field.type, factor)
    if col.field.kind == "bool":
        return to_bool(s)
    return to_text(s, col.field.values or None)


class _TableTyper:
    """The typing of one raw table (``type_table``): the typed frame, the stage-less values (``extra``),
    problems, notes, invalid cells, where each column's values came from (``locs``, ``override``) and the
    records the reader could not read whole (``reject``)."""

    def __init__(self, raw: RawTable, hmap: HeaderMap, catalogue: Catalogue, table: str):
        self.raw, self.hmap, self.catalogue, self.table = raw, hmap, catalogue, table
        self.problems = ProblemTable()
        self.notes: list = []
        self.mapped: list = []
        self.out = pd.DataFrame(index=raw.frame.index)
        self.extra = pd.DataFrame(index=raw.frame.index)
        self.invalid: dict = {}
        self.locs: dict = {}
        self.override: dict = {}
        self.reject: dict = {}
        self.seen: dict = {}
        self.column_of: dict = {}  # frame column -> where its values went (column id, or extra's name)
        self.parts: dict[str, list] = {}
        self.sheet0 = raw.sheet[0] if raw.sheet else None
        self.where = f"{raw.file}" + (f"[{self.sheet0}]" if self.sheet0 and raw.layout == "table" else "")
        self.label = raw.label

    def header_loc(self, header):
        """Where a header is: row 1 of a table, or the item's form row on the first sheet that has it."""
        raw = self.raw
        if raw.cells is not None:
            for i, loc in enumerate(raw.cells.get(header, [])):
                if loc is not None:
                    return raw.sheet[i], loc[0], f"C{loc[0]}"
        row = raw.row[0] - 1 if raw.row else 1
        letter = (raw.columns or {}).get(header, "")
        return self.sheet0, max(row, 1), f"{letter}{max(row, 1)}" if letter else ""

    def cell_problems(self, header, cid, s, probs, rule):
        raw = self.raw
        if not PER_CELL:
            return cell_problems_many(Problem, raw, header, self.label(header), cid, s, probs, rule, self.problems,
                                      self.invalid)
        bad = probs.notna().to_numpy()
        for i in np.flatnonzero(bad):
            row, cell = raw.locate(header, i)
            why = probs.iloc[i] if isinstance(probs.iloc[i], str) else str(probs.iloc[i])
            self.problems.append(Problem(raw.file, raw.sheet[i], row, self.label(header), str(s.iloc[i]), rule,
                                         why, "cell ignored", cid, cell, int(i)))
            self.invalid.setdefault(cid, {})[int(i)] = Msg("rec.invalid_cell", value=s.iloc[i], problem=why)

    def note_conversions(self, header, conv) -> None:
        self.notes.extend(Msg("rec.note_column", where=self.where, header=self.label(header), note=c) for c in conv)

    def run(self) -> dict:
        _fill_merged(self.raw, self.hmap, self.catalogue, self.table, self.notes, self.where)
        for header in self.raw.frame.columns:
            self.column(header)
        self.sum_parts()
        self.reader_issues()
        if self.mapped:
            self.notes.insert(0, Msg("rec.headers_mapped", where=self.where, mapped=tuple(self.mapped)))
        locs = self.locs
        for k in [k for k in locs if k.startswith(UNSTAGED)]:
            locs[k.replace(UNSTAGED, "")] = locs.pop(k)
        return dict(frame=self.out, extra=self.extra, problems=self.problems, notes=self.notes, invalid=self.invalid,
                    locs=locs, override=self.override, reject=self.reject)

    def column(self, header) -> None:
        """One column of the file: a class-size band, an unknown header, a stage-less item, or a field."""
        label = self.label
        band = class_band(label(header))
        if band is not None and self.table == "school":
            return self.band_column(header, band)
        cid, factor = self.hmap.match(label(header))
        if cid is None:
            sh, row, cell = self.header_loc(header)
            self.problems.append(Problem(self.raw.file, sh, row, label(header), "", Msg("rec.rule_header"),
                                         Bi("rec.unknown_column"), "column ignored", "", cell))
            return None
        if cid.startswith((UNSTAGED, PARTS)):
            return self.unstaged_column(header, cid, factor)
        return self.field_column(header, cid, factor)

    def band_column(self, header, band) -> None:
        s = self.raw.frame[header]
        values, probs, conv = to_number(s, "count")
        name = f"class_band_{band[0]}_{'up' if band[1] == float('inf') else int(band[1])}"
        self.extra[name] = values
        self.column_of[header] = name
        self.locs[f"{UNSTAGED}{name}"] = header
        bid, _ = self.hmap.match(self.label(header))  # the band as a catalogue field (classes_band_46_50) too
        if bid is not None and not bid.startswith((UNSTAGED, PARTS)) and bid not in self.seen:
            self.seen[bid] = header
            self.out[bid] = values
            self.locs[bid] = header
            self.column_of[header] = bid
        self.cell_problems(header, bid or name, s, probs, cell_rule(name, "count"))
        self.note_conversions(header, conv)
        self.mapped.append(f"{self.label(header)}→{name}")

    def unstaged_column(self, header, cid: str, factor: float) -> None:
        fid = cid.split(":", 1)[1]
        fd = self.catalogue.get(self.table, fid)
        assert fd is not None  # the header map only yields catalogue fields
        s = self.raw.frame[header]
        values, probs, conv = to_number(s, fd.type, factor)
        self.cell_problems(header, f"{fid}_*", s, probs, cell_rule(fid, fd.type))
        self.note_conversions(header, conv)
        self.mapped.append(Msg("rec.mapped_unstaged", header=self.label(header), field=fid,
                               factor=f"×{factor:g}" if factor != 1 else ""))
        if cid.startswith(PARTS):
            self.parts.setdefault(fid, []).append((header, values))
        else:
            self.extra[fid] = values
            self.column_of[header] = fid
            self.locs[f"{UNSTAGED}{fid}"] = header

    def field_column(self, header, cid: str, factor: float) -> None:
        col = _column_def(self.catalogue, self.table, cid)
        if cid in self.seen:
            _merge_duplicate(self.raw, self.out, cid, col, self.seen[cid], header, factor, self.problems,
                             self.invalid, self.override, self.header_loc)
            self.column_of[header] = cid
            return
        self.seen[cid] = header
        self.column_of[header] = cid
        if self.label(header) != cid:
            self.mapped.append(f"{self.label(header)}→{cid}" + (f"×{factor:g}" if factor != 1 else ""))
        s = self.raw.frame[header]
        values, probs, conv = _type_column(s, cid, col, factor)
        self.note_conversions(header, conv)
        self.out[cid] = values
        self.locs[cid] = header
        self.cell_problems(header, cid, s, probs, cell_rule(cid, col.field.type))

    def sum_parts(self) -> None:
        """Items given in parts (a total over several headers): summed, a row with some parts blank noted."""
        for fid, items in self.parts.items():
            stack = pd.concat([v for _, v in items], axis=1)
            total = stack.sum(axis=1, min_count=len(items))
            partial = stack.notna().any(axis=1) & stack.isna().any(axis=1)
            if partial.any():
                self.notes.append(Msg("rec.parts_blank", where=self.where, field=fid, n=len(items),
                                      rows=int(partial.sum())))
            self.extra[fid] = total
            for h, _ in items:
                self.column_of[h] = fid
            self.locs[f"{UNSTAGED}{fid}"] = items[0][0]

    def reader_issues(self) -> None:
        """What the reader found (stray quotes, formulas without a value, an item or key given twice)."""
        raw, out, extra = self.raw, self.out, self.extra
        for it in raw.issues:
            i, header = it["i"], it["header"]
            row, cell = raw.locate(header, i)
            target = self.column_of.get(header, "")
            if it["action"] == "row rejected":  # the rejection itself is the problem (apply_rejections)
                self.reject[int(i)] = it["message"]
                continue
            self.problems.append(Problem(raw.file, raw.sheet[i], row, self.label(header), str(it.get("value", "")),
                                         it["rule"], it["message"], it["action"], target, cell, int(i)))
            if it["action"] == "cell ignored" and target:
                frame = out if target in out.columns else extra if target in extra.columns else None
                if frame is not None:
                    frame.loc[frame.index[i], target] = None if frame[target].dtype == object else np.nan
                self.invalid.setdefault(target, {})[int(i)] = it["message"]


def type_table(raw: RawTable, hmap: HeaderMap, catalogue: Catalogue, table: str) -> dict:
    """One raw table typed: dict(frame, extra, problems, notes, invalid, locs, override, reject)."""
    return _TableTyper(raw, hmap, catalogue, table).run()


_type_table = type_table



# merged cells are filled down only in columns whose value is the same for every row it spans:
# codes, categories and yes/no facts (a merged count or area would be counted once per row)
_FILL_KINDS = ("text", "category", "bool")


def _fill_merged(raw: RawTable, hmap: HeaderMap, catalogue: Catalogue, table: str, notes: list, where: str) -> None:
    for header, spans in (raw.merged or {}).items():
        cid, _ = hmap.match(raw.label(header))
        if cid is None or cid.startswith((UNSTAGED, PARTS)):
            continue
        col = _column_def(catalogue, table, cid)
        if col.field.type not in _FILL_KINDS or cid == "school_name" or (cid == "school_id" and table == "school"):
            notes.append(f"{where} 列「{raw.label(header)}」: 合并单元格 {'、'.join(r for _, _, r in spans)} "
                         "只有首行有值，"
                         f"其余行按缺失处理（数值、名称和学校代码不向下填充）/ merged cells not filled down")
            continue
        s = raw.frame[header]
        filled = 0
        for top, last, _ref in spans:
            blank = s.iloc[top + 1:last + 1].map(_text_blank)
            idx = s.index[top + 1:last + 1][blank.to_numpy(dtype=bool)]
            raw.frame.loc[idx, header] = s.iloc[top]
            filled += len(idx)
        if filled:
            notes.append(f"{where} 列「{raw.label(header)}」: 合并单元格 {'、'.join(r for _, _, r in spans)} "
                         "的值向下填入 "
                         f"{filled} 行 / merged cells filled down")


def _text_blank(v) -> bool:
    return v is None or str(v).strip() == ""


def _merge_duplicate(raw, out, cid, col, first, header, factor, problems, invalid, override, header_loc):
    """A second column for the same field (a blank ``students_primary`` beside a filled 小学学生人数, or
    the same header twice): it fills the first column's blanks; where both are filled and differ the
    value is missing (a key keeps the first column's value), each place reported."""
    label = raw.label
    s = raw.frame[header]
    values, probs, _ = _type_column(s, cid, col, factor)
    a = out[cid]
    has_a = a.notna().to_numpy(dtype=bool)
    has_b = values.notna().to_numpy(dtype=bool) & ~probs.notna().to_numpy(dtype=bool)
    if col.field.kind in ("num", "bool") and cid not in ("school_id", "county_id"):
        av = pd.to_numeric(a, errors="coerce").to_numpy(dtype="float64")
        bv = pd.to_numeric(values, errors="coerce").to_numpy(dtype="float64")
        with np.errstate(invalid="ignore"):
            differ = has_a & has_b & ~(np.abs(av - bv) <= 1e-9)
    else:
        differ = has_a & has_b & (a.astype(object).to_numpy() != values.astype(object).to_numpy())
    fill = ~has_a & has_b
    key = cid in ("school_id", "county_id")
    merged = a.where(~pd.Series(fill, index=a.index), values)
    if not key:
        merged = merged.where(~pd.Series(differ, index=a.index), None if merged.dtype == object else np.nan)
    out[cid] = merged
    for i in np.flatnonzero(fill):
        override[(cid, int(i))] = header
    for i in np.flatnonzero(differ):
        row, cell = raw.locate(header, i)
        r0, c0 = raw.locate(first, i)
        msg = (f"与列「{label(first)}」（{c0 or r0}「{raw.frame[first].iloc[i]}」）不一致，"
               + ("保留前一列的代码" if key else "按缺失处理") + " / the two columns disagree")
        problems.append(Problem(raw.file, raw.sheet[i], row, label(header), str(s.iloc[i]), "重复列", msg,
                                "cell ignored", cid, cell, int(i)))
        if not key:
            invalid.setdefault(cid, {})[int(i)] = msg
    sh, row, cell = header_loc(header)
    problems.append(Problem(raw.file, sh, row, label(header), "", "表头",
                            f"与列「{label(first)}」重复（都对应 {cid}）：前一列为空的 {int(fill.sum())} 处用本列的值，"
                            f"两列不一致 {int(differ.sum())} 处 / duplicate column merged", "note", cid, cell))


def _column_def(catalogue: Catalogue, table: str, cid: str):
    for c in catalogue.columns(table):
        if c.id == cid:
            return c
    raise KeyError(cid)  # pragma: no cover - HeaderMap only returns catalogue columns
