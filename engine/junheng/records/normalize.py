"""Turn raw cell text into typed values, recording every conversion and every problem.

Blank cells and dashes (—, -, 无, /) are *missing*, never zero. Full-width digits, thousands
separators, ``95%`` and ``是/否`` are understood. The work is column-wise (pandas string ops).
"""
from __future__ import annotations

import unicodedata

import numpy as np
import pandas as pd

from junheng.i18n import Bi, BiTight, Msg

MISSING_TOKENS = {"", "—", "——", "-", "--", "－", "/", "无", "n/a", "na", "nan", "none", "null", "#n/a", "缺"}
TRUE_TOKENS = {"是", "有", "y", "yes", "true", "1", "√", "✓"}
FALSE_TOKENS = {"否", "无", "n", "no", "false", "0", "×", "✗"}


def _nfkc(s: pd.Series) -> pd.Series:
    """NFKC of every cell, one call per column (cells joined by NUL, which NFKC leaves alone)."""
    s = s.astype("string")
    pa_arr = getattr(s.array, "_pa_array", None)
    if pa_arr is not None:  # pyarrow-backed: test for ASCII in C, no Python string per cell
        import pyarrow as pa
        import pyarrow.compute as pc

        if pc.all(pc.string_is_ascii(pa_arr)).as_py() is not False:
            return s
        enc = pc.dictionary_encode(pa_arr).combine_chunks()
        if len(enc.dictionary) * 2 <= len(enc):  # few distinct texts (categories, 是/否): fold each once
            d = pd.Series(enc.dictionary.to_numpy(zero_copy_only=False), dtype="string")
            texts = _nfkc(d).to_numpy(dtype=object, na_value=None)  # type: ignore[call-overload]  # stubs omit na_value=None
            folded = pa.array(texts, type=enc.dictionary.type)
            return pd.Series(pd.arrays.ArrowStringArray(pa.chunked_array([folded.take(enc.indices)])),
                             index=s.index, name=s.name)
        present = pa_arr.combine_chunks().drop_null()
        joined = pc.binary_join(pa.ListArray.from_arrays(pa.array([0, len(present)], pa.int32()), present),
                                pa.scalar("\x00", present.type))
        text = joined[0].as_py() or ""
        if unicodedata.is_normalized("NFKC", text):  # the usual case: nothing to fold
            return s
    vals = s.to_numpy(dtype=object, na_value=None)  # type: ignore[call-overload]  # stubs omit na_value=None
    if pa_arr is None:
        cells = [v for v in vals if v is not None]
        if not cells:
            return s
        text = "\x00".join(cells)
        if text.isascii():
            return s
    parts = iter(unicodedata.normalize("NFKC", text).split("\x00"))  # an arrow column: the text checked above
    out = [next(parts) if v is not None else None for v in vals]
    return pd.Series(out, index=s.index, dtype="string")


def _as_mask(m) -> np.ndarray:
    """A boolean mask as numpy (a pandas mask's <NA> as False)."""
    if isinstance(m, pd.Series):
        return m.fillna(False).to_numpy(dtype=bool)
    return np.asarray(m, dtype=bool)


def _counter(weights=None):
    """count(mask): how many cells a mask stands for; ``weights``: cells per row (rows are distinct texts)."""
    if weights is None:
        return lambda m: int(_as_mask(m).sum())
    return lambda m: int(weights[_as_mask(m)].sum())


class _Distinct:
    """A text column as its distinct texts (``uniq``, a Series, <NA> last when the column has blanks) and
    each cell's position among them (``codes``): a column of a few categories or 是/否 is normalised
    text by text and spread back with one take."""

    def __init__(self, raw: pd.Series, uniq: pd.Series, codes: np.ndarray, weights: np.ndarray):
        self.raw, self.uniq, self.codes = raw, uniq, codes
        self.count = _counter(weights)

    @classmethod
    def of(cls, raw: pd.Series):
        """The column's distinct texts when it is arrow-backed and has at most half as many as cells, else None."""
        a = getattr(raw.array, "_pa_array", None)
        if a is None or len(raw) < 64:
            return None
        import pyarrow.compute as pc

        enc = pc.dictionary_encode(a).combine_chunks()
        k = len(enc.dictionary)
        if k * 2 > len(enc):
            return None
        codes = pc.fill_null(enc.indices, k).to_numpy(zero_copy_only=False).astype(np.int64)
        texts = enc.dictionary.to_pylist() + ([None] if enc.indices.null_count else [])
        weights = np.bincount(codes, minlength=len(texts))
        return cls(raw, pd.Series(texts, dtype=raw.dtype, name=raw.name), codes, weights)

    def spread(self, *cols: pd.Series) -> list:
        """Each Series computed on ``uniq`` as one for every cell of the column."""
        out = []
        for c in cols:
            arr = c.to_numpy()
            out.append(pd.Series(arr[self.codes], index=self.raw.index, dtype=c.dtype))
        return out


def _clean_text(s: pd.Series) -> pd.Series:
    return _nfkc(s).str.strip()


def _common_notes(raw: pd.Series, missing: pd.Series, folded: pd.Series | None = None, count=None) -> list:
    """Notes shared by all kinds: full-width characters folded, dashes/无 read as missing.
    ``folded``: _nfkc(raw) when the caller has it already; ``count(mask)``: how many cells a mask stands
    for (default: its number of True)."""
    count = count or _counter()
    notes = []
    orig = raw.astype("string")
    folded = _nfkc(orig) if folded is None else folded
    changed = (folded != orig).fillna(False)
    if changed.any():
        notes.append(Msg("norm.fullwidth", n=count(changed)))
    t = orig.fillna("").str.strip()
    dash = missing & (t != "")
    if dash.any():
        tokens = "、".join(sorted(set(t[dash].tolist())))[:40]
        notes.append(Msg("norm.dashes", tokens=tokens, n=count(dash)))
    return notes


def missing_mask(s: pd.Series) -> pd.Series:
    t = _clean_text(s)
    return t.isna() | t.str.lower().isin(MISSING_TOKENS)


# a cell that is plainly a number: digits, at most one decimal point, at most 15 digits in all, a minus sign
# in front allowed (parsed exactly alike by arrow and pandas: correctly rounded); years: digits only (2005.5
# is read as a date)
_PLAIN_BYTES = 16  # digits and the point, the sign not counted


def _utf8_bytes(a):
    """(data bytes, start, end) of the cells of an arrow string array: numpy views of its buffers."""
    import pyarrow as pa

    if isinstance(a, pa.ChunkedArray):
        a = a.combine_chunks()
    if a.type not in (pa.string(), pa.large_string()):
        a = a.cast(pa.large_string())
    bufs = a.buffers()
    width = np.int64 if a.type == pa.large_string() else np.int32
    offs = np.frombuffer(bufs[1], dtype=width)[a.offset:a.offset + len(a) + 1].astype(np.int64)
    data = np.frombuffer(bufs[2], dtype=np.uint8) if bufs[2] is not None else np.empty(0, dtype=np.uint8)
    return a, data[offs[0]:offs[-1]] if len(offs) else data[:0], offs[:-1] - offs[0], offs[1:] - offs[0]


_SIGNED = r"^-?[0-9]+(\.[0-9]+)?$"
_SIGNED_YEAR = r"^-?[0-9]+$"


def _plain_cells(cells: tuple, ftype: str) -> np.ndarray:
    """Which cells (``_utf8_bytes`` of an arrow string array) are plainly a number (see above). A column
    whose bytes are all digits (counts) or digits and points (areas, money) is judged from its bytes in
    numpy (cell lengths; points per cell from a cumulative sum, first and last characters); any other column
    by a regular expression (arrow's RE2, in C)."""
    arr, d, start, end = cells
    length = end - start
    filled = length > 0
    if not len(d):
        return np.zeros(len(start), dtype=bool)
    digit = (d - 48) < 10
    if digit.all():  # only digits: every filled cell of at most 16 of them
        return filled & (length <= _PLAIN_BYTES)
    dot = d == 46
    if ftype != "year" and (digit | dot).all():
        cum_dot = np.concatenate(([0], np.cumsum(dot, dtype=np.int64)))
        dots = cum_dot[end] - cum_dot[start]
        last = len(d) - 1
        edge = (d[np.minimum(start, last)] == 46) | (d[np.maximum(end - 1, 0)] == 46)
        return filled & (length <= _PLAIN_BYTES) & (dots <= 1) & ~edge
    import pyarrow.compute as pc

    num = pc.fill_null(pc.match_substring_regex(arr, _SIGNED_YEAR if ftype == "year" else _SIGNED), False)
    neg = filled & (d[np.minimum(start, len(d) - 1)] == 45)
    return np.asarray(num.to_numpy(zero_copy_only=False), dtype=bool) & (length - neg <= _PLAIN_BYTES)


def _fast_numeric(raw: pd.Series, ftype: str):
    """(values, plain) for an arrow-backed text column: the cells that are blank or plainly a number
    parsed in C (NaN for blank); None when the column is not arrow-backed. Only the other cells need
    the full normaliser: a blank or plain cell has nothing to note or report. A minus zero (-0, -0.0)
    is left to the normaliser (it reads it as 0)."""
    a = getattr(raw.array, "_pa_array", None)
    if a is None:
        return None
    import pyarrow as pa
    import pyarrow.compute as pc

    cells = _utf8_bytes(a)
    arr, _, start, end = cells
    num = _plain_cells(cells, ftype)
    valid = arr.is_valid().to_numpy(zero_copy_only=False) if arr.null_count else np.ones(len(arr), dtype=bool)
    num &= valid
    values = np.full(len(arr), np.nan)
    if num.any():
        part = arr if num.all() else arr.filter(pa.array(num))
        values[num] = pc.cast(part, pa.float64()).to_numpy(zero_copy_only=False)
        minus_zero = num & (values == 0) & np.signbit(values)
        if minus_zero.any():
            num &= ~minus_zero
            values[minus_zero] = np.nan
    plain = num | (end == start) | ~valid
    return values, plain


def _factor_note(factor: float, n: int) -> str:
    return Msg("norm.wan" if factor == 10000.0 else "norm.scaled", factor=f"{factor:g}", n=n)


def to_number(raw: pd.Series, ftype: str, factor: float = 1.0):
    """Return (values float64, problems: Series of message or <NA>, notes: list of str).

    Blank and plainly numeric cells are parsed in C; only the remaining cells (if any) go through the
    full normaliser, each distinct text once (its counts weighted by how often it occurs), so its notes,
    messages and counts are those of the whole column."""
    fast = _fast_numeric(raw, ftype)
    if fast is None:
        return _to_number_all(raw, ftype, factor)
    vals, plain = fast
    if factor != 1.0:
        vals = np.round(vals * factor, 6)
    notes: list = []
    prob = np.full(len(vals), pd.NA, dtype=object)  # numpy keeps the message objects (pandas may cast one to str)
    if plain.all():
        n = int((~np.isnan(vals)).sum())
        notes = [_factor_note(factor, n)] if factor != 1.0 and n else []
    else:
        rest = np.flatnonzero(~plain)
        texts = raw.array._pa_array.take(rest)
        codes, uniq = pd.factorize(np.asarray(texts.to_numpy(zero_copy_only=False), dtype=object))
        weights = np.bincount(codes, minlength=len(uniq))
        sv, sp, notes = _to_number_all(pd.Series(uniq, dtype=raw.dtype, name=raw.name), ftype, factor,
                                       more_present=int((~np.isnan(vals[plain])).sum()), weights=weights)
        vals[rest] = sv.to_numpy(dtype="float64")[codes]
        prob[rest] = sp.to_numpy(dtype=object)[codes]
    _check_array(vals, prob, ftype)  # the normaliser's cells are checked already: a second check finds nothing
    index = raw.index
    return pd.Series(vals, index=index, name=raw.name), pd.Series(prob, index=index, dtype="object"), notes


def _to_number_all(raw: pd.Series, ftype: str, factor: float = 1.0, more_present: int = 0, weights=None):
    """The full normaliser; ``more_present``: values of the same column parsed by the fast path
    (counted in the unit-conversion note); ``weights``: how many cells each row of ``raw`` stands for
    (``to_number`` gives each distinct text once), counted in the notes."""
    count = _counter(weights)
    folded = _nfkc(raw)
    text = folded.str.strip()
    missing = text.isna() | text.str.lower().isin(MISSING_TOKENS - {"0"})
    notes = _common_notes(raw, missing, folded, count)
    t = text.fillna("")
    plain = pd.to_numeric(t.where(~missing, None), errors="coerce")
    if factor == 1.0 and ftype != "year" and not (plain.isna() & ~missing).any():
        return _checked(plain.astype("float64"), raw, ftype, notes)
    if ftype == "year":
        dated = t.str.match(r"^\d{4}\s*(?:[-/.年]\s*\d{1,2}.*)?$") & ~t.str.fullmatch(r"\d{4}")
        if dated.any():
            notes.append(Msg("norm.year_from_date", n=count(dated)))
            t = t.where(~dated, t.str.slice(0, 4))
    # each rewrite only when some cell needs it (the regex rewrites run in Python, cell by cell; t is stripped)
    had_sep = t.str.contains(r"\d,\d{3}", regex=True)
    if had_sep.any():
        notes.append(Msg("norm.thousands", n=count(had_sep)))
        t = t.str.replace(r"(?<=\d),(?=\d{3})", "", regex=True)
    pct = t.str.endswith("%")
    if pct.any():
        notes.append(Msg("norm.percent_signs", n=count(pct)))
        t = t.str.rstrip("%").str.strip()
    wan = t.str.endswith("万元") | t.str.endswith("万")
    if t.str.endswith(("万", "元", "米", "㎡", "人", "间", "个", "台", "册")).any():  # the suffixes removed below
        t = t.str.replace(r"\s*万元?$", "", regex=True).str.replace(r"\s*(元|平方米|㎡|人|间|个|台|册)$", "",
                                                                    regex=True)
    values = pd.to_numeric(t.where(~missing, None), errors="coerce").astype("float64")
    bad = (~missing) & values.isna()
    if wan.any():
        values = values.where(~wan, values * 10000.0)
        notes.append(Msg("norm.wan_cells", n=count(wan)))
    if factor != 1.0:
        values = (values * factor).round(6)
        n = count(values.notna()) + more_present
        if n:
            notes.append(_factor_note(factor, n))
    problems = pd.Series(pd.NA, index=raw.index, dtype="object")
    problems[bad] = Bi("norm.not_number")
    if ftype != "percent" and pct.any():
        wrong = pct & ~missing
        problems[wrong] = Bi("norm.percent_sign")
        values[wrong] = np.nan
    return _checked(values, raw, ftype, notes, problems)


def _checked(values: pd.Series, raw: pd.Series, ftype: str, notes: list, problems=None):
    """Range checks by type (``_check_array``) of a column's values, as Series."""
    arr = values.to_numpy(dtype="float64", copy=True)
    prob = np.full(len(arr), pd.NA, dtype=object) if problems is None else problems.to_numpy(dtype=object, copy=True)
    _check_array(arr, prob, ftype)
    index = values.index
    return pd.Series(arr, index=index, name=values.name), pd.Series(prob, index=index, dtype="object"), notes


# Upper bounds of plausibility, not of any standard: no school or county has 100 million of anything it
# counts (people, classes, rooms, books), 1 billion square metres of floor or ground, or 100 billion yuan. A
# cell above them is a slip (an ID or phone number in a count column, a run of 9s, a value in 分 for 元) and
# is ignored with its located problem instead of deciding a verdict (a school does not pass R4 on 1e12 m²).
PLAUSIBLE_MAX = {"count": 1e8, "number": 1e9, "money": 1e11}


def _check_array(arr: np.ndarray, prob: np.ndarray, ftype: str) -> None:
    """Range checks by type: finite, non-negative, whole counts, 0-100 percents, plausible years
    (numpy over the column, in place; a cell that fails gets its message and becomes missing)."""
    def flag(mask, message):
        prob[mask] = message
        arr[mask] = np.nan

    with np.errstate(invalid="ignore"):
        flag(~(np.isfinite(arr) | np.isnan(arr)), BiTight("norm.infinite"))
        if ftype in ("count", "number", "money", "percent", "year", "score"):
            flag(arr < 0, Bi("norm.negative"))
        if ftype == "count":
            flag(~np.isnan(arr) & (np.abs(arr - np.round(arr)) > 1e-9), Bi("norm.whole"))
        if ftype == "percent":
            flag(arr > 100, Bi("norm.percent_range"))
        if ftype in PLAUSIBLE_MAX:
            flag(arr > PLAUSIBLE_MAX[ftype], Bi("norm.implausible", max=f"{PLAUSIBLE_MAX[ftype]:,.0f}"))
        if ftype == "year":
            flag(~np.isnan(arr) & ((arr < 1800) | (arr > 2200) | (np.abs(arr - np.round(arr)) > 0)),
                 Bi("norm.year"))


def to_bool(raw: pd.Series, count=None):
    """(values 1/0/NaN, problems, notes) of a yes/no column; a column of few distinct texts is read text by
    text (``count``: how many cells a mask of distinct texts stands for)."""
    d = _Distinct.of(raw) if count is None else None
    if d is not None:
        values, problems, notes = to_bool(d.uniq, d.count)
        return (*d.spread(values, problems), notes)
    count = count or _counter()
    folded = _nfkc(raw)
    text = folded.str.strip()
    low = text.str.lower()
    missing = text.isna() | low.isin(MISSING_TOKENS - {"无"})
    values = pd.Series(np.nan, index=raw.index, dtype="float64")
    values[low.isin(TRUE_TOKENS).fillna(False)] = 1.0
    values[low.isin(FALSE_TOKENS).fillna(False)] = 0.0
    bad = (~missing) & values.isna()
    problems = pd.Series(pd.NA, index=raw.index, dtype="object")
    problems[bad] = Bi("norm.bool")
    notes = _common_notes(raw, missing & text.notna() & (text != ""), folded, count)
    other = values.notna() & ~low.isin({"是", "否"}).fillna(False)
    if other.any():
        tokens = "、".join(sorted(set(text[other].tolist())))[:40]
        notes.append(Msg("norm.read_as_bool", tokens=tokens, n=count(other)))
    return values, problems, notes


def to_text(raw: pd.Series, allowed: list | None = None, count=None):
    """Categories are folded (NFKC) to match their allowed values; free text such as a school
    name is kept exactly as written (only stripped): 示范县（合成数据） stays with its brackets.
    A column of few distinct texts is read text by text (``count``: as in ``to_bool``)."""
    d = _Distinct.of(raw) if count is None else None
    if d is not None:
        values, problems, notes = to_text(d.uniq, allowed, d.count)
        return (*d.spread(values, problems), notes)
    count = count or _counter()
    folded = _nfkc(raw)
    text = folded.str.strip()
    invisible = 0
    if allowed:
        text, invisible = fold_invisible(text, count)
        text = text.str.strip()
    missing = text.isna() | text.str.lower().isin(MISSING_TOKENS - {"无"})
    if allowed:
        values = text.where(~missing, None).astype("object")
    else:
        values = raw.astype("string").str.strip().where(~missing, None).astype("object")
    values = values.where(values.notna(), None)
    problems = pd.Series(pd.NA, index=raw.index, dtype="object")
    if allowed:
        bad = values.notna() & ~values.isin(allowed)
        problems[bad] = Bi("norm.one_of", values="/".join(allowed), allowed=str(allowed))
        values[bad] = None
        notes = _common_notes(raw, missing & text.notna() & (text != ""), folded, count)
        if invisible:
            notes.append(f"不可见字符已去掉 {invisible} 处 / invisible characters removed")
        return values, problems, notes
    return values, problems, [n for n in _common_notes(raw, missing & text.notna() & (text != ""), folded, count)
                              if not n.startswith("全角")]


# invisible format characters (zero-width space/joiners, BOM, soft hyphen, word joiner, bidi marks) and
# look-alike dashes that NFKC leaves alone; removed / folded in codes and categories
_INVISIBLE = "[\u00ad\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]"
_DASHES = "[\u2010-\u2015\u2212\ufe58\ufe63]"


def _all_ascii(s: pd.Series) -> bool:
    a = getattr(s.array, "_pa_array", None)
    if a is not None:
        import pyarrow.compute as pc

        return pc.all(pc.string_is_ascii(a)).as_py() is not False
    return all(v.isascii() for v in s.dropna().tolist())


def fold_invisible(text: pd.Series, count=None) -> tuple[pd.Series, int]:
    """(text without invisible characters and with look-alike dashes as '-', number of cells changed;
    ``count``: as in ``to_bool``)."""
    if _all_ascii(text):  # nothing to fold (the usual national file): no regex pass
        return text, 0
    out = text.str.replace(_INVISIBLE, "", regex=True).str.replace(_DASHES, "-", regex=True)
    return out, (count or _counter())((out != text).fillna(False))


def to_id(raw: pd.Series, notes: list | None = None):
    """Codes (school_id, county_id): text; a float like 2101020001.0 read from Excel loses its .0;
    full-width letters folded (NFKC), invisible characters removed and look-alike dashes read as '-'
    (each counted in ``notes`` when given), so S１ and S1\u200b are the same school as S1."""
    folded = _nfkc(raw)
    text, n = fold_invisible(folded.str.strip())
    text = text.str.strip()
    if notes is not None:
        wide = int((folded != raw.astype("string")).fillna(False).sum())
        if wide:
            notes.append(f"代码中的全角字符转为半角 {wide} 处 / full-width characters in codes folded")
        if n:
            notes.append(f"代码中的不可见字符已去掉、近似连字符读作 - {n} 处 / invisible characters removed from codes")
    text = text.str.replace(r"^(\d+)\.0$", r"\1", regex=True)
    missing = text.isna() | text.str.lower().isin(MISSING_TOKENS)
    values = text.where(~missing, None).astype("object")
    return values.where(values.notna(), None)
