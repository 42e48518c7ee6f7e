"""Many data problems (issue 18): a terminal summary, and the complete list in a file.

A messy national file has hundreds of thousands of problems; printing each line costs minutes and helps
nobody. Above ``SUMMARY_ABOVE`` problems the terminal shows counts by rule and by column and the first
few located examples; ``junheng evaluate --problems FILE`` writes the complete list (CSV, or JSON when
FILE ends in .json), atomically. The JSON output of ``evaluate`` lists every problem as before.
"""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from junheng.atomic import atomic_open, write_bytes
from junheng.i18n import localize, t as tr
from junheng.records.problems import ProblemTable

SUMMARY_ABOVE = 200  # up to this many problems every one is printed, as before
EXAMPLES = 5
TOP = 20
BLOCK_ROWS = 100_000  # problem file rows converted and written at a time
FIELDS = ["file", "sheet", "row", "cell", "column", "value", "field", "rule", "message", "action", "record_id",
          "record_name"]


def _table(problems) -> ProblemTable:
    return problems if isinstance(problems, ProblemTable) else ProblemTable(problems)


def print_summary(err, problems, lang: str = "zh") -> None:
    """Counts by rule and by column, then the first EXAMPLES problems with their place (from the columns
    of the problem table; the rule as a catalogue text is shown in lang and counted by its Chinese form)."""
    problems = _table(problems)
    by_rule = [(localize(r, lang), n) for r, n in problems.counts("rule")]
    field, column = problems.column("field"), problems.column("column")
    codes, uniq = pd.factorize(field, use_na_sentinel=False)
    named = np.array([bool(x) for x in uniq], dtype=bool)  # `p.field or p.column`, decided per distinct field
    by_col = problems.counts("", np.where(named[codes], field, column) if len(field) else field)
    for key, counts in (("problems.by_rule", by_rule), ("problems.by_column", by_col)):
        shown = tr(lang, "sep.clause").join(f"{k} ×{n}" for k, n in counts[:TOP])
        more = tr(lang, "problems.more", n=len(counts) - TOP) if len(counts) > TOP else ""
        err.print("  " + tr(lang, key, n=len(counts)) + shown + more, markup=False, highlight=False)
    err.print("  " + tr(lang, "problems.first", n=min(EXAMPLES, len(problems))), markup=False, highlight=False)
    for p in problems[:EXAMPLES]:
        err.print(f"  {p.render(lang)}", markup=False, highlight=False)
    err.print("  " + tr(lang, "problems.full_list"), markup=False, highlight=False)


def columns(problems) -> dict:
    """The problems as columns (the fields of ``Problem.to_json``; file as text), read from the table."""
    cols = _table(problems).json_columns()
    codes, uniq = pd.factorize(cols["file"], use_na_sentinel=False)  # a few files: str of each once
    cols["file"] = np.array([str(u) for u in uniq] + [None], dtype=object)[:-1][codes]
    return cols


def write_problems_beside(problems, target, other) -> None:
    """``write_problems`` on a thread while ``other()`` (the verdict output) runs here: the problem file's
    arrow conversions and writes overlap the verdict file's (arrow and file writes release the GIL).
    Both finish before this returns; an error of ``other`` comes first, else the problem file's."""
    with ThreadPoolExecutor(max_workers=1) as ex:
        done = ex.submit(write_problems, problems, target)
        try:
            other()
        except BaseException:
            done.exception()  # wait for the file (written or not), then report other's error
            raise
        done.result()


def write_problems(problems, target) -> None:
    """Every problem to target: JSON (a list of objects, as in the JSON output) if it ends in .json, else
    CSV (UTF-8 with BOM so that Excel shows the Chinese text), one row per problem."""
    cols = columns(problems)
    if str(target).lower().endswith(".json"):
        frame = pd.DataFrame({f: cols[f] for f in FIELDS})  # pandas' C JSON writer: one object per problem
        write_bytes(target, frame.to_json(orient="records", force_ascii=False, indent=1).encode("utf-8"))
        return
    n = len(cols["row"])
    with atomic_open(target, "wb") as fh:  # a block of rows at a time: never the whole text in memory
        fh.write(b"\xef\xbb\xbf")
        for start in range(0, max(n, 1), BLOCK_ROWS):
            part = {f: cols[f][start:start + BLOCK_ROWS] for f in FIELDS}
            table = pa.table({f: pa.array(part[f], type=pa.int64() if f == "row" else pa.string()) for f in FIELDS})
            sink = pa.BufferOutputStream()
            pacsv.write_csv(table, sink, write_options=pacsv.WriteOptions(include_header=start == 0))
            fh.write(sink.getvalue())
