"""Many data problems (issue 18): a terminal summary, and the complete list in a file.

A messy national file has hundreds of thousands of problems; printing each line costs minutes and helps
nobody. Above ``SUMMARY_ABOVE`` problems the terminal shows counts by rule and by column and the first
few located examples; ``junheng evaluate --problems FILE`` writes the complete list (CSV, or JSON when
FILE ends in .json), atomically. The JSON output of ``evaluate`` lists every problem as before.
"""
from __future__ import annotations

from collections import Counter

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from junheng.atomic import write_bytes
from junheng.i18n import localize, t as tr

SUMMARY_ABOVE = 200  # up to this many problems every one is printed, as before
EXAMPLES = 5
TOP = 20
FIELDS = ["file", "sheet", "row", "cell", "column", "value", "field", "rule", "message", "action", "record_id",
          "record_name"]


def print_summary(err, problems: list, lang: str = "zh") -> None:
    """Counts by rule and by column, then the first EXAMPLES problems with their place."""
    first: dict = {}
    for p in problems:  # the rule as a catalogue text: shown in lang, counted by its Chinese form
        first.setdefault(str(p.rule), p.rule)
    by_rule = [(localize(first[r], lang), n) for r, n in Counter(str(p.rule) for p in problems).most_common()]
    by_col = Counter(p.field or p.column for p in problems).most_common()
    for key, counts in (("problems.by_rule", by_rule), ("problems.by_column", by_col)):
        shown = tr(lang, "sep.clause").join(f"{k} ×{n}" for k, n in counts[:TOP])
        more = tr(lang, "problems.more", n=len(counts) - TOP) if len(counts) > TOP else ""
        err.print("  " + tr(lang, key, n=len(counts)) + shown + more, markup=False, highlight=False)
    err.print("  " + tr(lang, "problems.first", n=min(EXAMPLES, len(problems))), markup=False, highlight=False)
    for p in problems[:EXAMPLES]:
        err.print(f"  {p.render(lang)}", markup=False, highlight=False)
    err.print("  " + tr(lang, "problems.full_list"), markup=False, highlight=False)


def _records(problems: list):
    """(record_id, record_name) columns: ``Problem.record`` computed once per distinct record."""
    rid, rname = [""] * len(problems), [""] * len(problems)
    seen: dict = {}
    for k, p in enumerate(problems):  # a dict lookup per problem; _shown once per record
        key = (id(p.book), p.src)
        hit = seen.get(key)
        if hit is None:
            hit = seen[key] = p.record
        rid[k], rname[k] = hit
    return rid, rname


def columns(problems: list) -> dict:
    """The problems as columns (the fields of ``Problem.to_json``)."""
    rid, rname = _records(problems)
    return {"file": [str(p.file) for p in problems], "sheet": [p.sheet for p in problems],
            "row": [p.row for p in problems], "cell": [p.cell for p in problems],
            "column": [p.column for p in problems], "value": [p.value for p in problems],
            "field": [p.field for p in problems], "rule": [p.rule for p in problems],
            "message": [p.message for p in problems], "action": [p.action for p in problems],
            "record_id": rid, "record_name": rname}


def write_problems(problems: list, target) -> None:
    """Every problem to target: JSON (a list of objects, as in the JSON output) if it ends in .json, else
    CSV (UTF-8 with BOM so that Excel shows the Chinese text), one row per problem."""
    cols = columns(problems)
    if str(target).lower().endswith(".json"):
        frame = pd.DataFrame({f: cols[f] for f in FIELDS})  # pandas' C JSON writer: one object per problem
        write_bytes(target, frame.to_json(orient="records", force_ascii=False, indent=1).encode("utf-8"))
        return
    table = pa.table({f: pa.array(cols[f], type=pa.int64() if f == "row" else pa.string()) for f in FIELDS})
    sink = pa.BufferOutputStream()
    pacsv.write_csv(table, sink)
    write_bytes(target, b"\xef\xbb\xbf" + sink.getvalue().to_pybytes())

