"""Messages in Chinese (default) and English: the API over the one catalogue in ``junheng.messages``.

    t(lang, key, **kw)   the text of a key in zh or en, placeholders filled
    OUTCOME_LABELS outcome labels per language (read from the catalogue)

and the number formatting shared by every output (``fmt_num``, vectorised ``fmt_array``)."""
from __future__ import annotations

from junheng.messages import MESSAGES

LANGS = ("zh", "en")


def t(lang: str, key: str, /, **kw) -> str:
    """The text of ``key`` in ``lang`` (zh when lang is anything else), its ``{placeholders}`` filled
    from ``kw``: a :class:`Msg` among them in the same language, a tuple as its items joined with the
    language's list separator. Without ``kw`` the text is returned as written (no ``format``)."""
    text = MESSAGES[key][1 if lang == "en" else 0]
    if not kw:
        return text
    return text.format(**{k: _in(v, lang) for k, v in kw.items()})


def _in(v, lang: str):
    if isinstance(v, Msg):  # in zh its str (a Bi keeps its two-language form inside Chinese texts)
        return v.in_lang(lang) if lang == "en" else str(v)
    if isinstance(v, tuple):
        return t(lang, "sep.list").join(str(_in(x, lang)) for x in v)
    return v


class Msg(str):
    """A catalogue text that keeps its key: as a ``str`` it is the Chinese text, ``in_lang(lang)``
    gives it in either language. The loader and checker build their located errors without knowing
    the user's language; the CLI prints them with :func:`localize`."""

    def __new__(cls, key: str, /, **kw):
        obj = super().__new__(cls, t("zh", key, **kw))
        obj.key, obj.kw = key, kw
        return obj

    def in_lang(self, lang: str) -> str:
        return t(lang, self.key, **self.kw)

    def __reduce__(self):
        return (_msg, (self.key, self.kw))


def _msg(key, kw):
    return Msg(key, **kw)


class Bi(Msg):
    """A catalogue text that the output files (JSON problems, rejected rows, and through invalid cells
    the verdict reasons) still carry in the older two-language form ``中文 / English``: those bytes are
    checked, so the str value keeps that form; ``in_lang`` gives one language for what is printed.
    The separator is ``" / "`` (``BiTight``: ``"/ "``, as some older texts wrote it after a ``）``)."""

    SEP = " / "

    def __new__(cls, key: str, /, **kw):
        zh, en = t("zh", key, **kw), t("en", key, **kw)
        obj = str.__new__(cls, zh + cls.SEP + en)
        obj.key, obj.kw = key, kw
        return obj

    def __reduce__(self):
        return (_bi, (self.key, self.kw))


def _bi(key, kw, cls=None):
    return (cls or Bi)(key, **kw)


class BiTight(Bi):
    SEP = "/ "

    def __reduce__(self):
        return (_bi, (self.key, self.kw, BiTight))


def localize(text, lang: str) -> str:
    """A :class:`Msg` in ``lang``; any other text as it is."""
    return text.in_lang(lang) if isinstance(text, Msg) else str(text)


msg = t  # the older name, used by the reason builder


def _table(lang: str, keys: dict) -> dict:
    return {k: t(lang, key) for k, key in keys.items()}


_OUTCOME_KEYS = {"pass": "outcome.pass", "fail": "outcome.fail", "not_evaluable": "outcome.not_evaluable",
                 "not_applicable": "outcome.not_applicable"}
OUTCOME_LABELS = {lang: _table(lang, _OUTCOME_KEYS) for lang in LANGS}


def fmt_array(arr):
    """fmt_num over a whole array, vectorised: each distinct value is formatted once."""
    import numpy as np

    arr = np.round(np.asarray(arr, dtype="float64"), 4)
    if not len(arr):
        return np.zeros(0, dtype=object)
    uniq, inv = np.unique(arr, return_inverse=True)  # NaN sorts last, one per NaN: collapse them
    text = np.asarray(fmt_distinct(uniq).to_numpy(zero_copy_only=False), dtype=object)
    return text[inv.reshape(-1)]


def fmt_distinct(uniq):
    """Numbers already rounded to 4 decimals as fmt_num writes them, as an arrow string array.

    A value below 1e11 is q / 10^4 for an integer q (exact in a double), so its ``%.4f`` text is the
    digits of q with a point before the last four: built in C from q (no per-value Python string).
    Larger or non-finite values go through ``%.4f`` as before."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    uniq = np.asarray(uniq, dtype="float64")
    small = np.isfinite(uniq) & (np.abs(uniq) < 1e11)
    q = np.rint(np.where(small, uniq, 0.0) * 1e4).astype(np.int64)
    a = np.abs(q)
    whole = pc.cast(pa.array(a // 10000), pa.large_string())
    def lit(x):
        return pa.scalar(x, pa.large_string())

    frac = pc.utf8_rtrim(pc.utf8_lpad(pc.cast(pa.array(a % 10000), pa.large_string()), 4, "0"), "0")
    frac = pc.if_else(pa.array(a % 10000 == 0), lit(""), pc.binary_join_element_wise(lit("."), frac, lit("")))
    sign = pc.if_else(pa.array(q < 0), lit("-"), lit(""))
    text = pc.binary_join_element_wise(sign, whole, frac, lit(""))
    if small.all():
        return text
    out = np.asarray(text.to_numpy(zero_copy_only=False), dtype=object)
    for i in np.flatnonzero(~small):
        v = uniq[i]
        out[i] = "—" if np.isnan(v) else _fmt4_text(v)
    return pa.array(out, type=pa.large_string())


def _fmt4_text(v) -> str:
    t = f"{v:.4f}"
    if "." in t:
        t = t.rstrip("0").rstrip(".")
    return "0" if t == "-0" else t


def fmt_num(v) -> str:
    """Numbers as a person writes them: 0.9, 4.2, 2000, 0.487 (at most 4 decimals)."""
    if v is None or v != v:
        return "—"
    if isinstance(v, (bool,)):
        return str(v)
    r = round(float(v), 4)
    if r == int(r) and abs(r) < 1e15:
        return str(int(r))
    return f"{r:.4f}".rstrip("0").rstrip(".")
