"""A progress bar on stderr for long runs (rich), off with ``--quiet`` or when stderr is not a terminal.

    with Steps(err_console, enabled=not args.quiet) as steps:
        run = evaluate_with_progress(..., steps=steps)
        steps.start("生成报告", total=n)      # one bar per phase
        steps.advance()

Set ``JUNHENG_PROGRESS=1`` to force it on (e.g. to see it through a pipe), ``=0`` to force it off.
"""
from __future__ import annotations

import os
import time
from junheng.evaluation.run import evaluate_records, load_inputs, prepare, resolve_day
from junheng.explain.counterfactual import all_counterfactuals
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from junheng.i18n import t


class Steps:
    def __init__(self, console=None, enabled: bool = True, transient: bool = True):
        force = os.environ.get("JUNHENG_PROGRESS")
        if force is not None:
            enabled = enabled and force not in ("0", "", "no")
        else:
            enabled = enabled and console is not None and console.is_terminal
        self.enabled = enabled
        self._p = None
        self._task = None
        self._console = console
        self._transient = transient

    def __enter__(self):
        if self.enabled:
            self._p = Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                               TimeElapsedColumn(), console=self._console, transient=self._transient)
            self._p.__enter__()
        return self

    def __exit__(self, *exc):
        if self._p is not None:
            self._finish()
            self._p.__exit__(*exc)
            self._p = None
        return False

    def _finish(self):
        if self._p is not None and self._task is not None:
            t = self._p.tasks[-1]
            if t.total is not None:
                self._p.update(self._task, completed=t.total)

    def start(self, description: str, total: int | None = 1) -> None:
        if self._p is None:
            return
        self._finish()
        self._task = self._p.add_task(description, total=total)

    def advance(self, n: int = 1) -> None:
        if self._p is not None and self._task is not None:
            self._p.advance(self._task, n)

    def __call__(self, *_):  # usable as a plain callback: one step
        self.advance()


class _Off(Steps):
    def __init__(self):
        super().__init__(None, False)


OFF = _Off()


def evaluate_with_progress(standard, schools, counties=None, as_of=None, standards_dirs=(), lang="zh", steps=None):
    """``run.evaluate_files`` in its three phases, each shown as a step."""
    steps = steps or OFF
    t0 = time.perf_counter()
    day, given = resolve_day(as_of)
    steps.start(t(lang, "step.standard"))
    std, compiled = prepare(standard, standards_dirs, day)
    t1 = time.perf_counter()
    steps.start(t(lang, "step.reading", n=len(schools) + len(counties or [])))
    srs, crs = load_inputs(compiled, schools, counties)
    t2 = time.perf_counter()
    steps.start(t(lang, "step.evaluating", n=len(srs.frame)))
    run = evaluate_records(std, compiled, srs, crs, day, county_file_given=bool(counties), lang=lang,
                           as_of_given=given)
    run.timings.update(load_standard=t1 - t0, read_inputs=t2 - t1)
    return run


def counterfactuals_with_progress(run, steps=None, lang=None):
    steps = steps or OFF
    rules = [r for r in run.compiled.rules if r.kind == "threshold"]
    steps.start(t(lang, "step.counterfactuals"), total=len(rules))
    return all_counterfactuals(run, lang, progress=steps)
