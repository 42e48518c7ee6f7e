"""Records: read files, map headers, normalise and validate values, and account for every row.

A row is *rejected* only when it cannot be placed at all (no id, duplicate id, no county — the last
one is decided in ``validate.py``, which sees both tables); a row with a bad cell is still
evaluated, the cell becomes missing and the rules that need it become ``not_evaluable`` with the
problem as their reason (``RecordSet.invalid``: column id -> {frame row index: message}).

Every row read is either in ``frame`` or in ``rejected``: rows read = evaluated + rejected.

Stage-less items of the real collection form (专任教师总人数, 体育专任教师人数, 班级总数, the class-size
bands 每班46-50人班级个数 …) are given to the school's stage when the school has a single stage
(its type's stages, less a stage with 0 students; 完全中学 and 十二年一贯制 count their senior stage).
For a school with two or more stages the value cannot be attributed: it is kept in ``extra`` (used
by the cross-field checks) and the per-stage cells are marked invalid with the reason.
"""
from __future__ import annotations

import bisect
import re
import hashlib
from dataclasses import dataclass, field
from dataclasses import field as dc_field
from pathlib import Path

import numpy as np
import pandas as pd

from junheng.i18n import Bi, Msg, localize, t as tr
from junheng.standard.catalogue import Catalogue
from junheng.records.cells import cell_problems_many
from junheng.records.problems import ProblemTable
from junheng.records.headers import PARTS, UNSTAGED, HeaderMap, class_band
from junheng.records.normalize import to_bool, to_id, to_number, to_text
from junheng.records.readers import input_format, NamedFile, RawTable, read_records, source_name, source_path
from junheng.records.frames import FrameSource

KEY = {"school": "school_id", "county": "county_id"}
OTHER = {"school": "county", "county": "school"}
SHARED = {"county_id"}
# stages of each school type for attributing stage-less form items (senior counts: a 完全中学's
# 专任教师总人数 includes its senior teachers, so it is not given to the junior stage)
TYPE_STAGES = {"小学": ("primary",), "教学点": ("primary",), "初中": ("junior",),
               "九年一贯制": ("primary", "junior"), "十二年一贯制": ("primary", "junior", "senior"),
               "完全中学": ("junior", "senior")}
# 超过规定班额: the form's class-size limits (小学 45, 初中 50; indicator-formulas-shenyang.xlsx)
CLASS_LIMITS = {"primary": 45, "junior": 50}
STAGE_ZH = {"primary": "小学", "junior": "初中", "senior": "高中"}


PER_CELL = False  # True: the per-cell reference path for reader problems (tests compare both)
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]+")


def _shown(v, limit: int = 24) -> str:
    """A code or name as a problem shows it: the first line only (a cell that swallowed rows), control
    characters (a bell pasted into a name) as one space, at most ``limit`` characters."""
    if v is None or (isinstance(v, float) and v != v):
        return ""
    text = str(v)
    first = text.split("\n", 1)[0]  # a cell that swallowed rows: its first line
    t = _CONTROL.sub(" ", first).strip()
    more = len(first) < len(text)
    return t + ("…" if more else "") if len(t) <= limit else t[:limit] + "…"


@dataclass
class Problem:
    file: str
    sheet: str | None
    row: int
    column: str
    value: str
    rule: str
    message: str
    action: str  # "cell ignored" | "row rejected" | "column ignored" | "cell missing" | "note"
    field: str = ""  # canonical column id the problem is about
    cell: str = ""  # spreadsheet cell such as "E52" when known
    src: int = -1  # the record's index among all rows read (-1: not about one record, e.g. a header)
    book: tuple | None = dc_field(default=None, repr=False, compare=False)  # (ids, names) of all rows read

    @property
    def record(self) -> tuple[str, str]:
        """(code, name) of the school or county the problem belongs to, as read ("" when unknown)."""
        if self.src < 0 or self.book is None or self.src >= len(self.book[0]):
            return "", ""
        ids, names = self.book
        return _shown(ids[self.src]), _shown(names[self.src])

    def to_json(self) -> dict:
        rid, rname = self.record
        return dict(file=self.file, sheet=self.sheet, row=self.row, cell=self.cell, column=self.column,
                    value=self.value, field=self.field, rule=self.rule, message=self.message, action=self.action,
                    record_id=rid, record_name=rname)

    def __str__(self) -> str:
        return self.render("zh")

    def render(self, lang: str = "zh") -> str:
        """``file[sheet]:row cell column value: message (rule; action)``, the frame in ``lang``."""
        sheet = f"[{self.sheet}]" if self.sheet else ""
        cell = f" {self.cell}" if self.cell else ""
        rid, rname = self.record
        rec = f" 〈{' '.join(x for x in (rid, rname) if x)}〉" if rid or rname else ""
        col = " " + tr(lang, "problem.column", column=self.column) if self.column else ""
        val = " " + tr(lang, "problem.value", value=_shown(self.value, 60)) if self.value not in ("", None) else ""
        tail = tr(lang, "paren", x=f"{localize(self.rule, lang)}{tr(lang, 'sep.clause')}{self.action}")
        return f"{self.file}{sheet}:{self.row}{cell}{rec}{col}{val}: {localize(self.message, lang)}{tail}"


ProblemTable.item = Problem  # a table's rows read one at a time are Problems
ProblemTable.shown = staticmethod(_shown)


@dataclass
class RecordSet:
    table: str
    frame: pd.DataFrame  # accepted rows, canonical column ids, typed
    origin: pd.DataFrame  # file, sheet, row per accepted row
    problems: ProblemTable = field(default_factory=ProblemTable)  # columnar; iterates as Problem objects
    rejected: list[dict] = field(default_factory=list)
    files: list[dict] = field(default_factory=list)
    invalid: dict = field(default_factory=dict)  # column id -> {frame index: message}
    log: list[str] = field(default_factory=list)
    # where values came from, resolved lazily: segments (first row, RawTable, column id -> header),
    # src = index of each accepted row among all rows read, override = {(column, src): header}
    segments: list = field(default_factory=list)
    extra: pd.DataFrame | None = None  # kept non-catalogue values (stage-less totals, class bands)
    src: np.ndarray | None = None
    override: dict = field(default_factory=dict)
    validated: bool = False
    book: tuple = ((), ())  # (ids, names) of all rows read, for naming the record of each problem

    def __post_init__(self):
        if not isinstance(self.problems, ProblemTable):  # a list (tests, the planner's and monitor's copies)
            self.problems = ProblemTable(self.problems)

    @property
    def rows_read(self) -> int:
        return sum(f["rows"] for f in self.files)

    def where(self, col: str, i: int | np.integer) -> tuple:
        """(file, sheet, row, cell, header, original text) of accepted row i's value of column col."""
        o = self.origin.iloc[i]
        if self.src is None or not self.segments:
            return o["file"], o["sheet"], int(o["row"]), "", col, ""
        j = int(self.src[i])
        starts = [seg[0] for seg in self.segments]
        start, raw, headers = self.segments[bisect.bisect_right(starts, j) - 1]
        header = self.override.get((col, j)) or headers.get(col)
        if header is None:
            return o["file"], o["sheet"], int(o["row"]), "", col, ""
        k = j - start
        row, cell = raw.locate(header, k)
        text = raw.frame[header].iloc[k] if header in raw.frame.columns else ""
        return o["file"], raw.sheet[k], int(row), cell, raw.label(header), str(text)


def sha256_bytes(path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def empty_recordset(table: str, catalogue: Catalogue) -> RecordSet:
    cols = [c.id for c in catalogue.columns(table)]
    return RecordSet(table, pd.DataFrame({c: pd.Series(dtype="object") for c in cols}),
                     pd.DataFrame({"file": [], "sheet": [], "row": []}), extra=pd.DataFrame())


def _belongs(raw: RawTable, table: str, hmap: HeaderMap, other: HeaderMap) -> bool:
    """Does a workbook sheet hold records of this table? (a template has both tables; forms have notes)"""
    own = {hmap.match(h)[0] for h in raw.frame.columns} - {None}
    oth = {other.match(h)[0] for h in raw.frame.columns} - {None}
    own_key, other_key = KEY[table], KEY[OTHER[table]]
    if other_key in oth and other_key not in own:
        return False
    if own_key in own and own_key not in SHARED:
        return True
    own_s, oth_s = own - SHARED, oth - SHARED
    if own_key in own:  # county_id of a county sheet
        return len(own_s) >= len(oth_s)
    return bool(own_s) and len(own_s) >= len(oth_s)


def _display(source) -> str:
    """How a record source is named in messages and outputs."""
    return str(source) if isinstance(source, FrameSource) else source_name(source)


def load_records(paths, table: str, catalogue: Catalogue) -> RecordSet:  # noqa: C901
    """Read one or more files of one table (school or county)."""
    if isinstance(paths, (str, Path, NamedFile, FrameSource)):
        paths = [paths]
    hmap = HeaderMap(catalogue, table)
    other = HeaderMap(catalogue, OTHER[table])
    frames, origins, files, log, extras = [], [], [], [], []
    problems = ProblemTable()
    invalid: dict = {}
    segments: list = []
    override: dict = {}
    rejects: dict = {}
    n_total = 0

    def known(h):
        """The field a header stands for (of either table), or None."""
        band = class_band(h)
        return hmap.match(h)[0] or other.match(h)[0] or (f"band:{band}" if band else None)

    seen_digest: dict[str, str] = {}
    for fileno, path in enumerate(paths):
        if isinstance(path, FrameSource):
            raws, digest = [path.raw_table()], path.sha256()
        else:
            raws = read_records(path, known)
            digest = sha256_bytes(source_path(path))
        if digest in seen_digest:
            log.append(f"{_display(path)}: 与 {seen_digest[digest]} 内容完全相同（同一文件给了两次），"
                       "其中的记录将作为重复代码被拒绝"
                       f" / the same file given twice")
        seen_digest.setdefault(digest, _display(path))
        n_file = 0
        for raw in raws:
            log.extend(raw.notes)
            if raw.layout == "empty" or not len(raw.frame):
                continue
            fmt = None if isinstance(path, FrameSource) else input_format(source_path(path))
            if fmt is not None and fmt.workbook \
                    and not _belongs(raw, table, hmap, other):
                what = Msg("level.school" if table == "school" else "level.county")
                log.append(Msg("rec.not_table_sheet", where=f"{raw.file}[{raw.sheet[0]}]", what=what,
                               n=len(raw.frame)))
                continue
            t = _type_table(raw, hmap, catalogue, table)
            frames.append(t["frame"])
            extras.append(t["extra"])
            origins.append(pd.DataFrame({"file": raw.file, "sheet": raw.sheet, "row": raw.row, "fileno": fileno}))
            t["problems"].shift_src(n_total)
            problems.extend(t["problems"])
            log.extend(t["notes"])
            for c, d in t["invalid"].items():
                invalid.setdefault(c, {}).update({n_total + i: m for i, m in d.items()})
            override.update({(c, n_total + i): h for (c, i), h in t["override"].items()})
            rejects.update({n_total + i: m for i, m in t["reject"].items()})
            n = len(raw.frame)
            segments.append((n_total, raw, t["locs"]))
            n_total += n
            n_file += n
        files.append({"path": _display(path), "sha256": digest, "rows": n_file, "table": table, "fileno": fileno})
    if not frames:
        rs = empty_recordset(table, catalogue)
        rs.files, rs.log = files, log
        rs.problems = problems
        return rs
    frame = pd.concat(frames, ignore_index=True)
    extra = pd.concat(extras, ignore_index=True)
    origin = pd.concat(origins, ignore_index=True)
    absent = [c for c in catalogue.columns(table) if c.id not in frame.columns]
    if absent:  # added at once (one column at a time fragments the frame)
        frame = pd.concat([frame, pd.DataFrame({c.id: pd.Series(np.nan if c.field.kind != "text" else None,
                                                                index=frame.index,
                                                                dtype="float64" if c.field.kind != "text" else object)
                                                for c in absent})], axis=1)
    rs = RecordSet(table, frame, origin, problems, [], files, invalid, log, segments, extra,
                   np.arange(len(frame), dtype=np.int64), override)
    name_col = "school_name" if table == "school" else "county_name"
    rs.book = (frame[KEY[table]].tolist(), frame[name_col].tolist() if name_col in frame else [None] * len(frame))
    problems.set_book(rs.book)
    if table == "school":
        _resolve_unstaged(rs, catalogue)
    _reject_unkeyed(rs, rejects)
    return rs


def _type_column(s: pd.Series, cid: str, col, factor: float):
    if cid in ("school_id", "county_id"):
        notes: list = []
        return to_id(s, notes), pd.Series(pd.NA, index=s.index, dtype="object"), notes
    if col.field.kind == "num":
        return to_number(s, col.field.type, factor)
    if col.field.kind == "bool":
        return to_bool(s)
    return to_text(s, col.field.values or None)


def _type_table(raw: RawTable, hmap: HeaderMap, catalogue: Catalogue, table: str) -> dict:  # noqa: C901
    problems = ProblemTable()
    notes: list = []
    mapped: list = []
    out = pd.DataFrame(index=raw.frame.index)
    extra = pd.DataFrame(index=raw.frame.index)
    invalid: dict = {}
    locs: dict = {}
    override: dict = {}
    reject: dict = {}
    seen = {}
    column_of = {}  # frame column -> where its values went (column id, or extra's name)
    parts: dict[str, list] = {}
    sheet0 = raw.sheet[0] if raw.sheet else None
    where = f"{raw.file}" + (f"[{sheet0}]" if sheet0 and raw.layout == "table" else "")
    label = raw.label

    def header_loc(header):
        """Where a header is: row 1 of a table, or the item's form row on the first sheet that has it."""
        if raw.cells is not None:
            for i, loc in enumerate(raw.cells.get(header, [])):
                if loc is not None:
                    return raw.sheet[i], loc[0], f"C{loc[0]}"
        row = raw.row[0] - 1 if raw.row else 1
        letter = (raw.columns or {}).get(header, "")
        return sheet0, max(row, 1), f"{letter}{max(row, 1)}" if letter else ""

    def cell_problems(header, cid, s, probs, rule):
        if not PER_CELL:
            return cell_problems_many(Problem, raw, header, label(header), cid, s, probs, rule, problems, invalid)
        bad = probs.notna().to_numpy()
        for i in np.flatnonzero(bad):
            row, cell = raw.locate(header, i)
            why = probs.iloc[i] if isinstance(probs.iloc[i], str) else str(probs.iloc[i])
            problems.append(Problem(raw.file, raw.sheet[i], row, label(header), str(s.iloc[i]), rule,
                                    why, "cell ignored", cid, cell, int(i)))
            invalid.setdefault(cid, {})[int(i)] = Msg("rec.invalid_cell", value=s.iloc[i], problem=why)

    _fill_merged(raw, hmap, catalogue, table, notes, where)
    for header in raw.frame.columns:
        s = raw.frame[header]
        band = class_band(label(header))
        if band is not None and table == "school":
            values, probs, conv = to_number(s, "count")
            name = f"class_band_{band[0]}_{'up' if band[1] == float('inf') else int(band[1])}"
            extra[name] = values
            column_of[header] = name
            locs[f"{UNSTAGED}{name}"] = header
            bid, _ = hmap.match(label(header))  # the band as a catalogue field (classes_band_46_50) too
            if bid is not None and not bid.startswith((UNSTAGED, PARTS)) and bid not in seen:
                seen[bid] = header
                out[bid] = values
                locs[bid] = header
                column_of[header] = bid
            cell_problems(header, bid or name, s, probs, Msg("rec.rule_cell", field=name, type="count"))
            notes.extend(Msg("rec.note_column", where=where, header=label(header), note=c) for c in conv)
            mapped.append(f"{label(header)}→{name}")
            continue
        cid, factor = hmap.match(label(header))
        if cid is None:
            sh, row, cell = header_loc(header)
            problems.append(Problem(raw.file, sh, row, label(header), "", Msg("rec.rule_header"),
                                    Bi("rec.unknown_column"), "column ignored", "", cell))
            continue
        if cid.startswith((UNSTAGED, PARTS)):
            fid = cid.split(":", 1)[1]
            fd = catalogue.get(table, fid)
            assert fd is not None  # the header map only yields catalogue fields
            values, probs, conv = to_number(s, fd.type, factor)
            cell_problems(header, f"{fid}_*", s, probs, Msg("rec.rule_cell", field=fid, type=fd.type))
            notes.extend(Msg("rec.note_column", where=where, header=label(header), note=c) for c in conv)
            mapped.append(Msg("rec.mapped_unstaged", header=label(header), field=fid,
                              factor=f"×{factor:g}" if factor != 1 else ""))
            if cid.startswith(PARTS):
                parts.setdefault(fid, []).append((header, values))
            else:
                extra[fid] = values
                column_of[header] = fid
                locs[f"{UNSTAGED}{fid}"] = header
            continue
        col = _column_def(catalogue, table, cid)
        if cid in seen:
            _merge_duplicate(raw, out, cid, col, seen[cid], header, factor, problems, invalid, override, header_loc)
            column_of[header] = cid
            continue
        seen[cid] = header
        column_of[header] = cid
        if label(header) != cid:
            mapped.append(f"{label(header)}→{cid}" + (f"×{factor:g}" if factor != 1 else ""))
        values, probs, conv = _type_column(s, cid, col, factor)
        for c in conv:
            notes.append(Msg("rec.note_column", where=where, header=label(header), note=c))
        out[cid] = values
        locs[cid] = header
        cell_problems(header, cid, s, probs, Msg("rec.rule_cell", field=cid, type=col.field.type))
    for fid, items in parts.items():
        stack = pd.concat([v for _, v in items], axis=1)
        total = stack.sum(axis=1, min_count=len(items))
        partial = stack.notna().any(axis=1) & stack.isna().any(axis=1)
        if partial.any():
            notes.append(Msg("rec.parts_blank", where=where, field=fid, n=len(items), rows=int(partial.sum())))
        extra[fid] = total
        for h, _ in items:
            column_of[h] = fid
        locs[f"{UNSTAGED}{fid}"] = items[0][0]
    # what the reader found (stray quotes, formulas without a value, an item or key given twice)
    for it in raw.issues:
        i, header = it["i"], it["header"]
        row, cell = raw.locate(header, i)
        target = column_of.get(header, "")
        if it["action"] == "row rejected":  # the rejection itself is the problem (apply_rejections)
            reject[int(i)] = it["message"]
            continue
        problems.append(Problem(raw.file, raw.sheet[i], row, label(header), str(it.get("value", "")), it["rule"],
                                it["message"], it["action"], target, cell, int(i)))
        if it["action"] == "cell ignored" and target:
            frame = out if target in out.columns else extra if target in extra.columns else None
            if frame is not None:
                frame.loc[frame.index[i], target] = None if frame[target].dtype == object else np.nan
            invalid.setdefault(target, {})[int(i)] = it["message"]
    if mapped:
        notes.insert(0, Msg("rec.headers_mapped", where=where, mapped=tuple(mapped)))
    for k in [k for k in locs if k.startswith(UNSTAGED)]:
        locs[k.replace(UNSTAGED, "")] = locs.pop(k)
    return dict(frame=out, extra=extra, problems=problems, notes=notes, invalid=invalid, locs=locs,
                override=override, reject=reject)


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


ALL_STAGES = ("primary", "junior", "senior")


def school_stage_masks(frame: pd.DataFrame) -> dict:
    """Per stage, which schools have it (type's stages less a stage with 0 students; unknown type:
    the stages with students), as boolean arrays (column-wise, no loop over schools)."""
    types = frame["school_type"] if "school_type" in frame else pd.Series(None, index=frame.index, dtype=object)
    known = types.isin(list(TYPE_STAGES)).to_numpy(dtype=bool)
    out = {}
    for s in ALL_STAGES:
        stud = pd.to_numeric(frame.get(f"students_{s}", pd.Series(np.nan, index=frame.index)),
                             errors="coerce").to_numpy(dtype="float64")
        of_type = types.isin([t for t, st in TYPE_STAGES.items() if s in st]).to_numpy(dtype=bool)
        with np.errstate(invalid="ignore"):
            out[s] = np.where(known, of_type & ~(stud == 0), stud > 0)
    return out


def school_stage_sets(frame: pd.DataFrame) -> list:
    """Per school, the set of stages it has (see ``school_stage_masks``); the sets are shared, read-only."""
    m = school_stage_masks(frame)
    code = sum(m[s].astype(np.int8) << k for k, s in enumerate(ALL_STAGES))
    sets = [frozenset(s for k, s in enumerate(ALL_STAGES) if c >> k & 1) for c in range(8)]
    return [sets[c] for c in code.tolist()]


def _resolve_unstaged(rs: RecordSet, catalogue: Catalogue) -> None:  # noqa: C901
    """Give stage-less values (专任教师总人数 …, class bands) to a single-stage school's stage."""
    ex, frame = rs.extra, rs.frame
    assert ex is not None  # set by the reader before validation
    fids = [c for c in ex.columns if catalogue.get("school", c) is not None]
    bands = [c for c in ex.columns if c.startswith("class_band_")]
    if not fids and not bands:
        return
    stages = school_stage_sets(frame)
    single = [next(iter(s)) if len(s) == 1 else None for s in stages]
    for fid in fids:
        fd = catalogue.get("school", fid)
        assert fd is not None  # fids are catalogue fields
        vals = ex[fid].to_numpy(dtype="float64")
        given = np.flatnonzero(~np.isnan(vals))
        moved, kept = 0, 0
        for i in given:
            st = single[i]
            if st in fd.per_stage:
                col = f"{fid}_{st}"
                if pd.isna(frame.at[i, col]):  # type: ignore[arg-type]  # stubs: .at's scalar union is wider
                    frame.at[i, col] = vals[i]
                    assert rs.src is not None  # read record sets know each row's source
                    rs.override[(col, int(rs.src[i]))] = rs.where(fid, i)[4]
                    moved += 1
                continue
            kept += 1
            _, _, row, cell, header, _ = rs.where(fid, i)
            o = rs.origin.iloc[i]
            msg = Bi("rec.stageless", header=header,
                     stages="、".join(STAGE_ZH.get(x, x) for x in sorted(stages[i])) or "未知")
            assert rs.src is not None  # read record sets know each row's source
            rs.problems.append(Problem(o["file"], o["sheet"], row, header, f"{vals[i]:g}",
                                       Msg("rec.rule_stage_attribution"), msg,
                                       "note", fid, cell, int(rs.src[i]), rs.book))
            for s in fd.per_stage:
                if s in stages[i] and pd.isna(frame.at[i, f"{fid}_{s}"]):  # type: ignore[arg-type]  # as above
                    rs.invalid.setdefault(f"{fid}_{s}", {})[i] = msg
        if moved:
            rs.log.append(Msg("rec.log_stageless_moved", field=fid, n=moved))
        if kept:
            rs.log.append(Msg("rec.log_stageless_kept", field=fid, n=kept))
    if bands:
        derived = 0
        for st, limit in CLASS_LIMITS.items():
            over = [c for c in bands if int(c.split("_")[2]) > limit]
            if not over:
                continue
            total = ex[over].sum(axis=1, min_count=len(over)).to_numpy(dtype="float64")
            col = f"classes_over_limit_{st}"
            for i in np.flatnonzero(~np.isnan(total)):
                if single[i] == st and col in frame and pd.isna(frame.at[i, col]):  # type: ignore[arg-type]  # as above
                    frame.at[i, col] = total[i]
                    derived += 1
        if derived:
            rs.log.append(Msg("rec.log_bands", n=derived))


def _reject_unkeyed(rs: RecordSet, unreadable: dict | None = None) -> None:
    """Reject rows without an id or with a duplicate id (the first occurrence is kept), and rows the
    reader could not read whole (``unreadable``: row -> reason, e.g. a stray quote swallowing rows)."""
    key = KEY[rs.table]
    frame = rs.frame
    reject = pd.Series(False, index=frame.index)
    reasons = pd.Series("", index=frame.index, dtype="object")
    if unreadable:
        bad = np.fromiter(unreadable, dtype=np.int64)
        reject.iloc[bad] = True
        reasons.iloc[bad] = list(unreadable.values())  # type: ignore[call-overload]  # stubs: list value
    ids = frame[key] if key in frame else pd.Series(None, index=frame.index)
    no_id = ids.isna() & ~reject
    reject |= no_id
    reasons[no_id] = Bi("rec.no_id", what=Msg("col.school_id" if key == "school_id" else "rec.county_code"), key=key)
    dup = ids.notna() & ids.where(~reject, None).duplicated(keep="first") & ~reject
    if dup.any():
        first = {}
        for j, v in enumerate(ids.where(~reject, None).tolist()):
            if v is not None and v not in first:
                first[v] = j
        for i in np.flatnonzero(dup.to_numpy()):
            f, sh, row, *_ = rs.where(key, first[ids.iloc[i]])
            reason = Bi("rec.duplicate_id", id=ids.iloc[i], where=Path(f).name + (f"[{sh}]" if sh else ""), row=row)
            reasons.iloc[i] = reason  # type: ignore[call-overload]  # stubs: an object value in an object column
    reject |= dup
    apply_rejections(rs, reject, reasons)


def apply_rejections(rs: RecordSet, reject, reasons) -> None:
    key = KEY[rs.table]
    reject = pd.Series(np.asarray(reject, dtype=bool), index=rs.frame.index)
    if not reject.any():
        return
    if isinstance(reasons, str):
        reasons = pd.Series(reasons, index=rs.frame.index, dtype="object")
    for i in np.flatnonzero(reject.to_numpy()):
        o = rs.origin.iloc[i]
        rid = rs.frame[key].iloc[i] if key in rs.frame else None
        f, sh, row, cell, header, text = rs.where(key, i)
        reason = reasons.iloc[i]
        rs.rejected.append({"table": rs.table, "file": o["file"], "sheet": o["sheet"], "row": int(o["row"]),
                            "id": rid, "reason": reason, "fileno": int(o.get("fileno", -1))})
        rs.problems.append(Problem(o["file"], o["sheet"], int(o["row"]), header if cell else key,
                                   "" if rid is None else str(rid), Msg("rec.rule_key"), reason, "row rejected", key,
                                   cell, int(rs.src[i]) if rs.src is not None else -1, rs.book))
    keep = ~reject.to_numpy()
    kept = np.flatnonzero(keep)
    remap = {old: new for new, old in enumerate(kept)}
    rs.frame = rs.frame.loc[keep].reset_index(drop=True)
    rs.origin = rs.origin.loc[keep].reset_index(drop=True)
    if rs.extra is not None and len(rs.extra.columns):
        rs.extra = rs.extra.loc[keep].reset_index(drop=True)
    elif rs.extra is not None:
        rs.extra = pd.DataFrame(index=range(len(kept)))
    if rs.src is not None:
        rs.src = rs.src[kept]
    rs.invalid = {c: {remap[i]: m for i, m in d.items() if i in remap} for c, d in rs.invalid.items()}


_apply_rejections = apply_rejections


def reject_where(rs: RecordSet, mask: np.ndarray, reason) -> None:
    """Reject accepted rows (e.g. a school whose county is not in the county table)."""
    reasons = reason if isinstance(reason, pd.Series) else (
        pd.Series(reason, index=rs.frame.index, dtype="object") if isinstance(reason, str)
        else pd.Series(list(reason), index=rs.frame.index, dtype="object"))
    apply_rejections(rs, pd.Series(mask, index=rs.frame.index), reasons)


def all_problems(*sets: RecordSet, include_ignored_columns: bool = False) -> ProblemTable:
    out = ProblemTable()
    for rs in sets:
        out.extend(rs.problems if include_ignored_columns else rs.problems.where_action(("column ignored",), False))
    return out
