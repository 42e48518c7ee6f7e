"""An explanation as plain text: the rich Tree of ``derivation.build_tree`` drawn with the same guides
(├── └── │) a terminal shows, for the HTML report and the workbench."""
from __future__ import annotations

from rich.text import Text

from junheng.explain.derivation import build_tree


def explain_text(tree: dict, lang: str = "zh") -> str:
    """The explanation ``tree`` (explain_school / explain_county) as the text ``junheng explain`` prints."""
    return tree_text(build_tree(tree, lang))


def tree_text(tree) -> str:
    """A rich Tree as plain text, the way Console(soft_wrap=True) prints it (guides ├── └── │)."""
    lines = []

    def label(node):
        lab = node.label
        if isinstance(lab, str):
            return Text.from_markup(lab, emoji=False).plain if "[" in lab else lab
        return getattr(lab, "plain", str(lab))

    def walk(node, prefix, last, root):
        text = label(node)
        if root:
            lines.append(text)
            child_prefix = ""
        else:
            head = prefix + ("└── " if last else "├── ")
            cont = prefix + ("    " if last else "│   ")
            parts = text.split("\n")
            lines.append(head + parts[0])
            lines.extend(cont + p for p in parts[1:])
            child_prefix = cont
        kids = [c for c in node.children if not getattr(c, "hide_root", False)]
        for i, c in enumerate(kids):
            walk(c, child_prefix, i == len(kids) - 1, False)

    walk(tree, "", True, True)
    return "\n".join(line.rstrip() for line in lines) + "\n"
