"""Parse rule expressions with Lark (LALR) into the typed AST of :mod:`engine.ast`.

Expressions are data: they are parsed and then compiled to array operations, never handed to
Python's ``eval``. Size and depth are bounded so a hostile file cannot hang or exhaust the engine.
"""
from __future__ import annotations

from functools import lru_cache
from typing import cast
from importlib import resources

from lark import Lark, Token, Tree
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken

from junheng.language import nodes as ast
from junheng.i18n import Msg

MAX_EXPR_CHARS = 4000
MAX_DEPTH = 60

_OPS = {"≥": ">=", "≤": "<=", "≠": "!=", "×": "*", "÷": "/"}


class ExprSyntaxError(Exception):
    def __init__(self, message: str, line: int, col: int, text: str = ""):
        super().__init__(message)
        self.message, self.line, self.col, self.text = message, line, col, text


@lru_cache(maxsize=1)
def _parser() -> Lark:
    grammar = resources.files("junheng.language").joinpath("grammar.lark").read_text(encoding="utf-8")
    return Lark(grammar, parser="lalr", propagate_positions=True, maybe_placeholders=True)


def _depth(tree) -> int:
    best = 0
    stack = [(tree, 1)]
    while stack:
        node, d = stack.pop()
        best = max(best, d)
        if isinstance(node, Tree):
            stack.extend((c, d + 1) for c in node.children)
    return best


def _describe_expected(expected) -> tuple:
    pretty = {
        "NAME": Msg("parse.tok_name"), "NUMBER": Msg("parse.tok_number"), "STRING": Msg("parse.tok_string"),
        "RPAR": ")", "LPAR": "(", "RSQB": "]", "LSQB": "[", "COMMA": ",", "COMP_OP": Msg("parse.tok_comp"),
        "ADD_OP": "+/-", "MUL_OP": "*//", "MINUS": "-", "__ANON_0": Msg("parse.tok_comp"),
    }
    names = sorted({pretty.get(e, e.strip('"').lower()) for e in expected})
    return tuple(names[:8])  # a tuple: joined with the separator of the language it is printed in


def parse_expression(text: str) -> ast.Node:
    """Parse one expression. Raises :class:`ExprSyntaxError` with a position on any mistake."""
    if not isinstance(text, str):
        raise ExprSyntaxError(Msg("parse.not_text"), 1, 1)
    if not text.strip():
        raise ExprSyntaxError(Msg("parse.empty"), 1, 1)
    if len(text) > MAX_EXPR_CHARS:
        raise ExprSyntaxError(Msg("parse.too_long", n=len(text), limit=MAX_EXPR_CHARS), 1, 1)
    try:
        tree = _parser().parse(text)
    except UnexpectedCharacters as exc:
        pos = exc.pos_in_stream or 0
        ch = text[pos] if pos < len(text) else ""
        raise ExprSyntaxError(Msg("parse.bad_char", ch=ch), exc.line, exc.column, ch) from None
    except UnexpectedEOF as exc:
        lines = text.splitlines() or [""]
        raise ExprSyntaxError(Msg("parse.incomplete", expected=_describe_expected(exc.expected)),
                              len(lines), len(lines[-1]) + 1) from None
    except UnexpectedToken as exc:
        tok = exc.token
        if tok.type == "$END":
            lines = text.splitlines() or [""]
            raise ExprSyntaxError(Msg("parse.incomplete", expected=_describe_expected(exc.expected)),
                                  len(lines), len(lines[-1]) + 1) from None
        raise ExprSyntaxError(Msg("parse.unexpected", tok=str(tok), expected=_describe_expected(exc.expected)),
                              tok.line, tok.column, str(tok)) from None
    except UnexpectedInput as exc:  # pragma: no cover - covered by the cases above
        raise ExprSyntaxError(Msg("parse.syntax"), getattr(exc, "line", 1), getattr(exc, "column", 1)) from None
    except RecursionError:
        raise ExprSyntaxError(Msg("parse.too_deep"), 1, 1) from None
    if _depth(tree) > MAX_DEPTH:
        raise ExprSyntaxError(Msg("parse.too_deep_limit", limit=MAX_DEPTH), 1, 1)
    return _build(tree, text)


def _pos(meta_holder) -> dict:
    if isinstance(meta_holder, Token):
        return dict(line=meta_holder.line, col=meta_holder.column,
                    start=meta_holder.start_pos, end=meta_holder.end_pos)
    m = meta_holder.meta
    if getattr(m, "empty", True):
        return dict(line=1, col=1, start=0, end=0)
    return dict(line=m.line, col=m.column, start=m.start_pos, end=m.end_pos)


def _build(node, text: str) -> ast.Node:
    if isinstance(node, Token):  # a bare token only appears for parenthesised atoms
        raise ExprSyntaxError(Msg("parse.syntax"), node.line or 1, node.column or 1, str(node))
    kind = node.data if isinstance(node.data, str) else node.data.value
    c = node.children
    p = _pos(node)
    if kind == "number":
        value = float(c[0])
        if value in (float("inf"), float("-inf")):  # 1e400 would compare as equal to any huge value
            raise ExprSyntaxError(Msg("parse.number_too_large", number=c[0][:20]), p["line"], p["col"], str(c[0])[:20])
        return ast.Number(value, **p)
    if kind == "string":
        return ast.String(str(c[0])[1:-1], **p)
    if kind == "true":
        return ast.Bool(True, **p)
    if kind == "false":
        return ast.Bool(False, **p)
    if kind == "name":
        return ast.Name(str(c[0]), **p)
    if kind == "list":
        return ast.ListExpr([_build(x, text) for x in c if x is not None], **p)
    if kind == "call":
        name, arglist = c
        args, kwargs, kw_pos = [], {}, {}
        if arglist is not None:
            for a in arglist.children:
                if isinstance(a, Tree) and a.data == "kwarg":
                    tok = cast(Token, a.children[0])
                    key = str(tok)
                    if key in kwargs:
                        raise ExprSyntaxError(Msg("parse.duplicate_argument", key=key), tok.line or 1,
                                              tok.column or 1, key)
                    kwargs[key] = _build(a.children[1], text)
                    kw_pos[key] = (tok.line or 1, tok.column or 1)
                else:
                    if kwargs:
                        pp = _pos(a)
                        raise ExprSyntaxError(Msg("parse.positional_after_keyword"),
                                              pp["line"], pp["col"])
                    args.append(_build(a, text))
        return ast.Call(str(name), args, kwargs, kw_pos, **p)
    if kind == "binop":
        op = _OPS.get(str(c[1]), str(c[1]))
        return ast.BinOp(op, _build(c[0], text), _build(c[2], text), **p)
    if kind == "compare":
        op = _OPS.get(str(c[1]), str(c[1]))
        return ast.Compare(op, _build(c[0], text), _build(c[2], text), **p)
    if kind == "and_":
        return ast.And(_build(c[0], text), _build(c[1], text), **p)
    if kind == "or_":
        return ast.Or(_build(c[0], text), _build(c[1], text), **p)
    if kind == "not_":
        return ast.Not(_build(c[0], text), **p)
    if kind == "neg":
        return ast.Neg(_build(c[0], text), **p)
    if kind == "if_":
        return ast.If(_build(c[0], text), _build(c[1], text), _build(c[2], text), **p)
    if kind in ("in_", "not_in"):
        return ast.In(_build(c[0], text), cast(ast.ListExpr, _build(c[1], text)), negate=(kind == "not_in"), **p)
    if kind in ("is_missing", "is_present"):
        return ast.IsMissing(_build(c[0], text), negate=(kind == "is_present"), **p)
    raise ExprSyntaxError(Msg("parse.unknown_node", kind=kind), p["line"], p["col"])  # pragma: no cover


def source_of(node: ast.Node, text: str) -> str:
    return text[node.start:node.end] if node.end > node.start else ""
