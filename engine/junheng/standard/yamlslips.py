"""The YAML syntax slips of people who edit standard files like a spreadsheet, found and named in plain words.

Two sources, one message per slip, each at the real line and column and carrying its source line (shown with a
caret under the slip):

* :func:`scan` reads the text before YAML does: tabs and full-width spaces in the indentation, a full-width colon
  ``：`` where a key separator was meant, a full-width comma ``，`` between the items of ``[...]`` / ``{...}``,
  full-width quotes and brackets where YAML or an expression needs ASCII ones, ``≥``-like signs in expressions.
  Comments, quoted strings and free-text keys (``name``, ``note``, ``article`` ...) are left alone: Chinese
  punctuation is right there.
* :func:`from_marked` turns PyYAML's ``MarkedYAMLError`` into the same kind of message, moved to the line the slip
  is on (PyYAML often points at the line after a missing ``:`` or ``]``), and names an indentation slip.

The loader reports the scan's slips and stops when the text does not parse, or when it parses but a slip sits
where YAML structure was meant (its schema errors would only repeat the slip in other words).
"""
from __future__ import annotations

import re

from junheng.errors import LocatedError, Loc
from junheng.i18n import Msg

# full-width character → (what it is, the ASCII character meant)
FULL_WIDTH = {
    "：": ("slip.colon", ":"), "，": ("slip.comma", ","),
    "“": ("slip.quote", '"'), "”": ("slip.quote", '"'), "‘": ("slip.quote", "'"), "’": ("slip.quote", "'"),
    "［": ("slip.bracket", "["), "］": ("slip.bracket", "]"), "｛": ("slip.bracket", "{"), "｝": ("slip.bracket", "}"),
    "（": ("slip.bracket", "("), "）": ("slip.bracket", ")"), "＂": ("slip.quote", '"'), "＇": ("slip.quote", "'"),
}
OPERATORS = {"≥": ">=", "≤": "<=", "≠": "!=", "＞": ">", "＜": "<", "＝": "==", "＋": "+", "－": "-", "＊": "*",
             "／": "/", "×": "*", "÷": "/"}
# keys whose values are expressions (and the stage maps under them)
EXPR_KEYS = {"value", "threshold", "condition", "applies_when", "expr"}
# keys whose values are free text: Chinese punctuation is right there
TEXT_KEYS = {"title", "title_en", "name", "name_en", "note", "notes", "description", "reason", "article", "number",
             "label", "label_en", "unit", "labels", "labels_en", "aliases", "values"}

_KEY = r"[A-Za-z0-9_][A-Za-z0-9_.\-/]*"
_LINE_KEY = re.compile(r"^(\s*)(?:-\s+)?(" + _KEY + r")\s*:(?=\s|$)")
_KEY_FW_COLON = re.compile(r"^\s*(?:-\s+)?" + _KEY + r"\s*(：)")
_FLOW_FW_COLON = re.compile(r"[{,]\s*" + _KEY + r"\s*(：)")
_BLOCK_SCALAR = re.compile(r":\s*[|>][-+0-9]*\s*$")
_NEXT_IS_KEY = re.compile(r"\s*[A-Za-z_\"'][A-Za-z0-9_\"']*\s*[:：]")


def _code(line: str) -> str:
    """The line with comments cut and ASCII-quoted text blanked (same length up to the comment)."""
    out, quote, escaped = [], "", False
    for i, c in enumerate(line):
        if quote:
            closes = c == quote and not escaped
            escaped = quote == '"' and c == "\\" and not escaped  # "a \" b": the escaped quote does not close
            out.append(c if closes else " ")
            if closes:
                quote = ""
            continue
        if c == "#" and (i == 0 or line[i - 1] in " \t\u3000"):
            break
        if c in "\"'" and (i == 0 or line[i - 1] in " \t[{(,:=-\u3000"):
            quote = c
        out.append(c)
    return "".join(out)


def _flow_depths(code: str) -> list:
    """For every column of ``code``, the innermost open flow bracket ('[' or '{') or '' outside any."""
    stack: list = []
    out = []
    for c in code:
        if c in "[{":
            stack.append(c)
        out.append(stack[-1] if stack else "")
        if c in "]}" and stack:
            stack.pop()
    return out


def _slip(filename: str, lineno: int, col: int, source: str, ch: str) -> LocatedError:
    if ch == "\t":
        msg = Msg("yaml.slip_tab", line=lineno)
    elif ch == "\u3000":
        msg = Msg("yaml.slip_space", line=lineno)
    elif ch in OPERATORS:
        msg = Msg("yaml.slip_operator", line=lineno, ch=ch, fix=OPERATORS[ch])
    else:
        what, fix = FULL_WIDTH[ch]
        msg = Msg("yaml.slip_char", line=lineno, what=Msg(what), ch=ch, fix=fix)
    return LocatedError(Loc(filename, lineno, col), msg, source=source)


class _Walker:
    """Keys of the enclosing lines (by indentation) and block scalars to skip."""

    def __init__(self) -> None:
        self.stack: list = []  # (indent, key)
        self.block_indent: int | None = None

    def enter(self, line: str, code: str) -> tuple[bool, str | None, str | None]:
        """(skip this line, its key, its parent's key)."""
        stripped = line.strip()
        indent = len(line) - len(line.lstrip(" \t\u3000"))
        if self.block_indent is not None:
            if not stripped or indent > self.block_indent:
                return True, None, None
            self.block_indent = None
        if not stripped or stripped.startswith("#"):
            return True, None, None
        m = _LINE_KEY.match(code)
        key = m.group(2) if m else None
        column = m.start(2) if m else indent  # "- value: x": the key's column, not the dash's
        while self.stack and self.stack[-1][0] >= column:
            self.stack.pop()
        parent = self.stack[-1][1] if self.stack else None
        if key is not None:
            self.stack.append((column, key))
        if _BLOCK_SCALAR.search(code):
            self.block_indent = indent
        return False, key, parent


def _line_slips(line: str, code: str, key: str | None, parent: str | None) -> list:
    """(column, character) of every slip on one line."""
    found: dict = {}
    lead = len(line) - len(line.lstrip(" \t\u3000"))
    for i, c in enumerate(line[:lead]):
        if c in "\t\u3000":
            found.setdefault(i, c)
            break  # one message for the indentation of a line
    for i, c in enumerate(code):
        if c == "\t" and i >= lead:
            found.setdefault(i, c)
    depths = _flow_depths(code)
    for rx in (_KEY_FW_COLON, _FLOW_FW_COLON):
        for m in rx.finditer(code):
            if rx is _KEY_FW_COLON or depths[m.start(1)] == "{":
                found.setdefault(m.start(1), "：")
    space = re.search(r":(\u3000)", code)
    if space and _LINE_KEY.match(code.replace("\u3000", " ")):
        found.setdefault(space.start(1), "\u3000")
    for i, c in enumerate(code):
        if c == "，" and depths[i] and _comma_separates(code, i, depths[i]):
            found.setdefault(i, c)
    owner = key if key is not None else parent
    if owner in EXPR_KEYS or (key is not None and parent in EXPR_KEYS):
        found.update({i: c for i, c in _expression_slips(line, code, key).items() if i not in found})
    else:
        flagged = "“”‘’＂＇［］｛｝" if owner not in TEXT_KEYS else "［｛"  # a text may hold Chinese quotes
        for i, c in enumerate(code):
            if c in flagged and _at_token_start(code, i):
                found.setdefault(i, c)
    return _pairs_once(sorted(found.items()))


def _pairs_once(slips: list) -> list:
    """A pair of full-width quotes (“城区”) or brackets is one slip: the closing one is not reported again."""
    out, open_ = [], ""
    for i, c in slips:
        if open_ and c == _PAIRS[open_]:
            open_ = ""
            continue
        open_ = c if c in _PAIRS else ""
        out.append((i, c))
    return out


_PAIRS = {"“": "”", "‘": "’", "［": "］", "｛": "｝", "（": "）"}


def _comma_separates(code: str, i: int, bracket: str) -> bool:
    """A full-width comma inside [...] / {...} that stands between two items (not inside a text)."""
    if _NEXT_IS_KEY.match(code, i + 1):
        return True
    if bracket != "[":
        return False
    before, after = code[:i].rstrip(), code[i + 1:].lstrip()
    ok = re.compile(r"[A-Za-z0-9_.\"'\]}]")
    return bool(before) and bool(after) and bool(ok.match(before[-1])) and bool(re.match(r"[A-Za-z0-9_.\"'\[{-]",
                                                                                           after))


def _at_token_start(code: str, i: int) -> bool:
    before = code[:i].rstrip(" ")
    return not before or before[-1] in ":[{,-"


def _expression_slips(line: str, code: str, key: str | None) -> dict:
    """Full-width punctuation and ≥-like signs in an expression, outside its string literals."""
    start = 0
    if key is not None:
        m = _LINE_KEY.match(code)
        start = m.end() if m else 0
    text = line[start:]
    lead = len(text) - len(text.lstrip())
    body = text.strip()
    if len(body) >= 2 and body[0] == body[-1] and body[0] in "\"'":
        inner = _code(" " + body[1:-1].replace(body[0] * 2, "  "))[1:]  # a YAML-quoted expression
        offset = start + lead + 1
    else:
        inner = code[start:]
        offset = start
    return {offset + i: c for i, c in enumerate(inner) if (c in FULL_WIDTH or c in OPERATORS or c == "\u3000")}


_SUSPECT = re.compile("[\t\u3000" + re.escape("".join(FULL_WIDTH) + "".join(OPERATORS)) + "]")


def scan(text: str, filename: str) -> list[LocatedError]:
    """Every slip of the text, in order (see the module docstring)."""
    walker = _Walker()
    errors = []
    for n, line in enumerate(text.splitlines(), start=1):
        if not _SUSPECT.search(line):  # nothing to report on this line: only follow its key and indentation
            walker.enter(line, line)
            continue
        code = _code(line)
        skip, key, parent = walker.enter(line, code)
        if skip:
            continue
        for i, c in _line_slips(line, code, key, parent):
            errors.append(_slip(filename, n, i + 1, line, c))
    return errors


STRUCTURAL = ("yaml.slip_tab", "yaml.slip_space", "yaml.slip_char")


def blocks_loading(slips: list[LocatedError]) -> bool:
    """Slips that change what YAML reads (a key that is no key, two items read as one): stop after them."""
    return any(getattr(e.message, "key", "") in STRUCTURAL for e in slips)


# --- PyYAML's errors in plain words -----------------------------------------------------------------

_INDENT_PROBLEMS = ("expected <block end>", "did not find expected key", "did not find expected '-' indicator")


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _key_indent(line: str) -> int:
    """Columns before the key: "  - id: R4" has 4 (the dash and its space count)."""
    m = re.match(r"^( *)((?:- +)*)", line)
    return len(m.group(0)) if m else 0


def _content_before(lines: list, idx: int) -> int | None:
    """Index of the last line before ``idx`` with YAML content (not blank, not only a comment)."""
    for j in range(min(idx, len(lines)) - 1, -1, -1):
        s = lines[j].strip()
        if s and not s.startswith("#"):
            return j
    return None


def _indent_slip(lines: list, idx: int) -> tuple[Msg, int, int] | None:
    """An indentation slip on line ``idx`` or the line before it: (message, 0-based line, 0-based column), or
    None when the indentation looks fine."""
    if idx >= len(lines):
        return None
    prev = _content_before(lines, idx)
    if prev is None:
        return None
    n, m = _indent(lines[idx]), _key_indent(lines[prev])
    opens = _code(lines[prev]).rstrip().endswith(":")
    content = [j for j in range(idx) if lines[j].strip() and not lines[j].lstrip().startswith("#")]
    levels = {_indent(lines[j]) for j in content} | {_key_indent(lines[j]) for j in content}
    if n > m and not opens:
        before = _content_before(lines, prev)
        if before is not None and _key_indent(lines[before]) == n:  # the line before was moved left
            return Msg("yaml.indent_less", line=prev + 1, m=_indent(lines[prev]), before=before + 1,
                       after=idx + 1, n=n), prev, _indent(lines[prev])
        return Msg("yaml.indent_more", line=idx + 1, n=n, prev=prev + 1, m=m), idx, n
    if n < m and n not in levels:
        return Msg("yaml.indent_unaligned", line=idx + 1, n=n, prev=prev + 1, m=m), idx, n
    sibling = next((j for j in reversed(content) if _indent(lines[j]) <= n), None)
    if sibling is not None and _indent(lines[sibling]) == n and \
            lines[idx].lstrip().startswith("- ") != lines[sibling].lstrip().startswith("- "):
        return Msg("yaml.indent_mixed", line=idx + 1, prev=sibling + 1), idx, n
    return None


def _mark_of(exc, lines: list) -> tuple[int, int]:
    """(0-based line, 0-based column) of the slip PyYAML found: the context line when the problem is only
    noticed on the next line (a key without ':', an unclosed quote or bracket)."""
    pm, cm = exc.problem_mark, exc.context_mark
    if pm is None:
        return (cm.line, cm.column) if cm is not None else (0, 0)
    problem = exc.problem or ""
    if cm is not None and cm.line < pm.line:
        if "could not find expected ':'" in problem:
            return cm.line, cm.column
        if "unexpected end" in problem:
            return cm.line, cm.column
        if problem.startswith("expected ','"):
            j = _content_before(lines, pm.line)
            if j is not None:
                return j, len(lines[j].rstrip())
    return pm.line, pm.column


_OPEN_QUOTE = re.compile(r"""(?:^\s*(?:-\s+)?|:\s+|[\[{,]\s*)(["'])""")


def _unclosed_quote(lines: list, upto: int) -> tuple[int, int] | None:
    """(line, column) of a quote opened before line ``upto`` and not closed on its line: PyYAML reads on to the
    next quote of the file and stops somewhere after it."""
    for j in range(min(upto, len(lines))):
        for m in _OPEN_QUOTE.finditer(_code(lines[j])):
            q = m.group(1)
            rest = lines[j][m.end():].replace("''", "") if q == "'" else lines[j][m.end():].replace('\\"', "")
            if q not in rest:
                return j, m.start(1)
    return None


def _plain_problem(exc, lines: list, line: int) -> Msg:
    problem = exc.problem or exc.context or ""
    ln = line + 1
    if "'\\t'" in problem:
        return Msg("yaml.slip_tab", line=ln)
    if "could not find expected ':'" in problem:
        return Msg("yaml.missing_colon", line=ln)
    if "unexpected end" in problem and "quoted" in (exc.context or ""):
        return Msg("yaml.unclosed_quote", line=ln)
    if problem.startswith("expected ','"):
        close = "]" if "']'" in problem else "}"
        return Msg("yaml.unclosed_flow", line=ln, close=close)
    if "mapping values are not allowed" in problem:
        return Msg("yaml.colon_in_value", line=ln)
    return Msg("yaml.syntax_at", line=ln, problem=problem)


def from_marked(exc, text: str, filename: str) -> LocatedError:
    """One located message for a PyYAML syntax error, at the line the slip is on."""
    lines = text.splitlines()
    line, col = _mark_of(exc, lines)
    problem = exc.problem or ""
    msg: Msg | None = None
    quote = _unclosed_quote(lines, line + 1)
    if quote is not None:  # a quote left open: PyYAML reads on to the next quote of the file
        line, col = quote
        msg = Msg("yaml.unclosed_quote", line=line + 1)
    if msg is None and (any(p in problem for p in _INDENT_PROBLEMS) or "mapping values are not allowed" in problem):
        found = _indent_slip(lines, line)
        if found is not None:
            msg, line, col = found
    if msg is None:
        msg = _plain_problem(exc, lines, line)
    source = lines[line] if 0 <= line < len(lines) else ""
    return LocatedError(Loc(filename, line + 1, col + 1), msg, source=source)
