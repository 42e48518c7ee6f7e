"""The typed AST of rule expressions. Every node keeps its position in the expression text."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterator


@dataclass(eq=False)
class Node:
    line: int = field(default=1, kw_only=True)  # 1-based, within the expression text
    col: int = field(default=1, kw_only=True)
    start: int = field(default=0, kw_only=True)  # character offsets in the expression text
    end: int = field(default=0, kw_only=True)

    def children(self) -> Iterator["Node"]:
        return iter(())

    def walk(self) -> Iterator["Node"]:
        stack = [self]
        while stack:
            node = stack.pop()
            yield node
            stack.extend(reversed(list(node.children())))


@dataclass(eq=False)
class Number(Node):
    value: float


@dataclass(eq=False)
class String(Node):
    value: str


@dataclass(eq=False)
class Bool(Node):
    value: bool


@dataclass(eq=False)
class Name(Node):
    id: str


@dataclass(eq=False)
class ListExpr(Node):
    items: list[Node]

    def children(self):
        return iter(self.items)


@dataclass(eq=False)
class Call(Node):
    func: str
    args: list[Node]
    kwargs: dict[str, Node]
    kw_pos: dict[str, tuple[int, int]] = field(default_factory=dict)

    def children(self):
        yield from self.args
        yield from self.kwargs.values()


@dataclass(eq=False)
class BinOp(Node):
    op: str  # + - * /
    left: Node
    right: Node

    def children(self):
        yield self.left
        yield self.right


@dataclass(eq=False)
class Compare(Node):
    op: str  # >= <= == != > <
    left: Node
    right: Node

    def children(self):
        yield self.left
        yield self.right


@dataclass(eq=False)
class And(Node):
    left: Node
    right: Node

    def children(self):
        yield self.left
        yield self.right


@dataclass(eq=False)
class Or(Node):
    left: Node
    right: Node

    def children(self):
        yield self.left
        yield self.right


@dataclass(eq=False)
class Not(Node):
    operand: Node

    def children(self):
        yield self.operand


@dataclass(eq=False)
class Neg(Node):
    operand: Node

    def children(self):
        yield self.operand


@dataclass(eq=False)
class If(Node):
    cond: Node
    then: Node
    other: Node

    def children(self):
        yield self.cond
        yield self.then
        yield self.other


@dataclass(eq=False)
class In(Node):
    operand: Node
    options: ListExpr
    negate: bool = False

    def children(self):
        yield self.operand
        yield self.options


@dataclass(eq=False)
class IsMissing(Node):
    operand: Node
    negate: bool = False

    def children(self):
        yield self.operand


def names_in(node: Node) -> list[Name]:
    return [n for n in node.walk() if isinstance(n, Name)]
