"""The message catalogue (junheng.messages): both languages for every key, the same placeholders in
both, and no key that the code never uses."""
from __future__ import annotations

import re
import string
from pathlib import Path

import pytest

from junheng.i18n import OUTCOME_LABELS, t
from junheng.messages import MESSAGES

PACKAGE = Path(__file__).resolve().parent.parent / "engine" / "junheng"
CJK = re.compile(r"[\u4e00-\u9fff]")
# the language switch names the other language in that language ("中文" on the English pages), and
# a cell of a yes/no column must literally hold 是 or 否
OTHER_LANGUAGE_NAME = {"web.lang_other", "norm.bool"}


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


@pytest.mark.parametrize("key", sorted(MESSAGES))
def test_both_languages_same_placeholders(key):
    zh, en = MESSAGES[key]
    assert isinstance(zh, str) and isinstance(en, str) and zh and en, key
    if key.startswith(("rec.", "norm.")):  # Bi texts keep their older English half word for word
        assert placeholders(en) <= placeholders(zh) | {"other", "allowed"}, key
    else:
        assert placeholders(zh) == placeholders(en), key
    assert key in OTHER_LANGUAGE_NAME or not CJK.search(en), f"{key}: Chinese in the English text: {en!r}"


def test_every_key_is_used():
    """A key counts as used when the code outside the catalogue names it as a string literal."""
    code = "\n".join(p.read_text(encoding="utf-8") for p in PACKAGE.rglob("*.py") if p.name != "messages.py")
    used = set(re.findall(r"""["']([a-z_][a-z0-9_]*(?:\.[a-z0-9_]+)*)["']""", code))
    dead = sorted(k for k in MESSAGES if k not in used)
    assert not dead, f"keys no code uses: {dead}"


def test_t_fills_placeholders_and_falls_back_to_chinese():
    assert t("en", "reason.missing", name="students") == "students missing"
    assert t("zh", "reason.missing", name="students") == "students 缺失"
    assert t("fr", "outcome.pass") == "达标"  # an unknown language gets the default, Chinese
    assert OUTCOME_LABELS["en"]["not_evaluable"] == "not evaluable"
    assert OUTCOME_LABELS["zh"]["fail"] == "不达标"
    assert t("en", "paren") == " ({x})"  # without placeholders: the text as written
