"""Several years of records: ``2022=FILE`` arguments, or one file with a ``year`` (填报年度) column split
into one source per year. A split keeps every row's file, sheet and row number, so a problem found in
one year's rows is located in the file as the user sees it."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from junheng.errors import InputError
from junheng.records.frames import FrameSource
from junheng.records.readers import RawTable, read_records, source_name, source_path
from junheng.records.recordset import sha256_bytes

YEAR_HEADERS = ("year", "填报年度", "年度", "年份")
MIN_YEAR, MAX_YEAR = 1990, 2100


class NoYearColumn(InputError):
    """A single file given for several years has no year column."""


@dataclass(frozen=True, eq=False)
class YearSlice(FrameSource):
    """The rows of one year of a file (read like a file: origins are the file's own rows)."""
    raw: RawTable | None = None
    digest: str = ""
    keep_year: bool = False
    meta: dict = field(default_factory=dict)

    def raw_table(self) -> RawTable:
        assert self.raw is not None  # split_by_year always gives one
        return self.raw

    def sha256(self) -> str:
        return self.digest


def _year_of(text: str):
    try:
        y = int(text)
    except ValueError:
        return None
    return y if MIN_YEAR <= y <= MAX_YEAR else None


def parse_year_args(items, what: str) -> dict | None:
    """``["2022=a.csv", "2023=b.csv"]`` → {2022: "a.csv", ...}; None when no item has ``=``."""
    if not items:
        return None
    pairs = [i for i in items if isinstance(i, str) and "=" in i and _year_of(i.split("=", 1)[0].strip()) is not None]
    if not pairs:
        return None
    if len(pairs) != len(items):
        bad = [i for i in items if i not in pairs]
        raise InputError(f"{what}: 每项应写成 年份=文件，如 2023=schools-2023.csv / give YEAR=FILE for every item: "
                         + ", ".join(bad))
    out: dict = {}
    for i in pairs:
        y, path = i.split("=", 1)
        y = _year_of(y.strip())
        if y in out:
            raise InputError(f"{what}: 年份 {y} 给了两次 / year {y} given twice")
        out[y] = path.strip()
    return dict(sorted(out.items()))


def split_by_year(path, what: str, keep_year: bool) -> dict:
    """One file with a year column → {year: YearSlice}. Every row without a readable year is named (all at once)."""
    raws = read_records(path)
    digest = sha256_bytes(source_path(path))
    name = source_name(path)
    parts: dict = {}
    bad = []
    found = False
    for raw in raws:
        if raw.layout == "empty" or not len(raw.frame):
            continue
        col = next((c for c in raw.frame.columns if str(c).strip().lower() in YEAR_HEADERS), None)
        if col is None:
            continue
        found = True
        text = raw.frame[col].astype(str).str.strip().str.replace(r"\.0$", "", regex=True)
        years = pd.to_numeric(text, errors="coerce").to_numpy(float)
        ok = (years >= MIN_YEAR) & (years <= MAX_YEAR) & (np.floor(years) == years)
        for i in np.flatnonzero(~ok):
            sheet = f"[{raw.sheet[i]}]" if raw.sheet[i] else ""
            bad.append(f"{raw.file}{sheet}:{raw.row[i]} 列「{col}」值「{raw.frame[col].iloc[i]}」")
        for y in np.unique(years[ok]).astype(int):
            idx = np.flatnonzero(ok & (years == y))
            frame = raw.frame.iloc[idx].reset_index(drop=True)
            if not keep_year:
                frame = frame.drop(columns=[col])
            sub = RawTable(frame, raw.file, [raw.sheet[i] for i in idx], [raw.row[i] for i in idx],
                           raw.encoding, raw.layout, raw.units,
                           {k: v for k, v in (raw.columns or {}).items() if k in frame.columns} or None, None)
            parts.setdefault(int(y), []).append(sub)
    if not found:
        raise NoYearColumn(f"{name}: {what}只给了一个文件，但其中没有“年份/year/填报年度”列；请写成 2023=文件 / "
                         f"one {what} file without a year column: give YEAR=FILE per year")
    if bad:
        raise InputError(f"{name}: {len(bad)} 行没有有效的年份 / rows without a valid year:\n  " + "\n  ".join(bad))
    out = {}
    for y, subs in sorted(parts.items()):
        raw = subs[0] if len(subs) == 1 else RawTable(
            pd.concat([s.frame for s in subs], ignore_index=True), subs[0].file,
            [x for s in subs for x in s.sheet], [x for s in subs for x in s.row])
        out[y] = YearSlice(pd.DataFrame(), f"{raw.file}（{y}年）", raw=raw, digest=digest, keep_year=keep_year)
    return out


def year_sources(schools, counties) -> dict:
    """{year: (schools source, counties source or None)} from the command's --schools / --counties items."""
    s = parse_year_args(schools, "--schools")
    if s is None:
        if len(schools) != 1:
            raise InputError("--schools: 多个文件时请写成 年份=文件 / several files: give YEAR=FILE")
        s = split_by_year(schools[0], "学校数据", keep_year=False)
    c = parse_year_args(counties, "--counties") if counties else None
    if counties and c is None:
        if len(counties) != 1:
            raise InputError("--counties: 多个文件时请写成 年份=文件 / several files: give YEAR=FILE")
        try:
            c = split_by_year(counties[0], "区县数据", keep_year=True)
        except NoYearColumn:
            c = {y: counties[0] for y in s}  # one county file for every year
        if len(c) == 1 and len(s) > 1:  # a year column with one year: the same counties every year
            only = next(iter(c.values()))
            c = {y: only for y in s}
    if c is not None:
        missing = sorted(set(s) - set(c))
        if missing:
            raise InputError("--counties: 缺少这些年份的区县数据 / no county data for years " +
                             ", ".join(map(str, missing)))
    if len(s) < 1:
        raise InputError("--schools: 没有数据 / no data")
    return {y: (s[y], c[y] if c is not None else None) for y in s}
