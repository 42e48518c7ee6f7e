"""Messages in Chinese (default) and English: the API over the one catalogue in ``junheng.messages``.

    t(lang, key, **kw)   the text of a key in zh or en, placeholders filled
    OUTCOME_LABELS outcome labels per language (read from the catalogue)

Number formatting shared by every output is in ``junheng.formatting``."""
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
        return t(lang, self.key, **self.kw)  # a Msg among kw in the same language (t's _in)

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
