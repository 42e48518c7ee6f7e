"""The observed years on two cores: two forked worker processes and the main process take years from one
queue (the workers the oldest first, the main process the newest left after its own last year). Two
workers, not one: with three years each process takes one and the two cores share them, instead of one
process doing two years alone at the end (observed years of the whole country: 16 s instead of 25 s). A
worker year comes back as what the monitor keeps of it, never as a run: its coded verdict rows (a
``units.Keeper`` of its own, merged into the main one in year order) and its record sets cut down to
the columns the monitor reads again (keys, school type and the numeric fields the standard's rules read,
for the projection; the problems, rejected rows and file list for the data report).

The workers are forked before any thread is started (``start``), so they inherit the loaded standard and
the year sources (a file split by its year column is already in memory) and nothing is sent to them but
a year. Without ``fork`` (not on Linux/macOS) or for a single year, every year is evaluated here in turn.

Only the observed years are forked, at the start, while this process is still small. Forking it later
(the projected years, the county views: tried) made it slower on two shared cores: after a fork every page
either process writes is copied (copy-on-write), and with a parent of several GB that cost more CPU
(system time) than the second core gained.
"""
from __future__ import annotations

import dataclasses
import multiprocessing as mp
import threading
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from typing import Any, Callable

from junheng.monitor.units import Keeper
from junheng.records.recordset import RecordSet

KEEP_COLUMNS = ("school_id", "school_name", "county_id", "school_type")


@dataclass
class YearResult:
    """What the monitor keeps of one observed year evaluated in a worker."""
    year: int
    keeper: Keeper
    schools: RecordSet
    counties: RecordSet
    inputs: list
    rejected: list


def slim(rs: RecordSet, columns=None) -> RecordSet:
    """A record set with only ``columns`` (those present; None: all) and without the raw tables behind its
    values."""
    if columns is None:
        return dataclasses.replace(rs, segments=[], extra=None, src=None)
    want = set(columns)
    return dataclasses.replace(rs, frame=rs.frame[[c for c in rs.frame.columns if c in want]], segments=[],
                               extra=None, src=None, invalid={c: v for c, v in rs.invalid.items() if c in want})


_JOB: dict = {}  # set before the fork: the function evaluating one year (inherited by the worker)


def _in_worker(year: int) -> Any:
    return _JOB["observe"](year)


def _ready() -> bool:
    return True


def can_fork() -> bool:
    return "fork" in mp.get_all_start_methods()


class TwoCores:
    """``start`` forks the workers (call it before any thread exists); ``run`` evaluates ``own`` here and
    ``years`` shared between here and the workers; ``observe(year)`` must return a picklable result."""

    def __init__(self, observe: Callable[[int], Any], workers: int = 1):
        self.observe = observe
        self.pool: ProcessPoolExecutor | None = None
        self.workers = workers

    def start(self, years: list) -> None:
        if not years or not can_fork():
            return
        _JOB["observe"] = self.observe
        self.pool = ProcessPoolExecutor(self.workers, mp_context=mp.get_context("fork"))
        self.pool.submit(_ready).result()  # the fork happens now, in this thread

    def run(self, own: Callable[[], Any], years: list) -> tuple:
        """(own(), {year: result}); the years are taken oldest first by the worker, newest first here."""
        todo = list(years)
        lock = threading.Lock()
        results: dict = {}
        errors: list = []

        def take(newest: bool):
            with lock:
                if not todo:
                    return None
                return todo.pop() if newest else todo.pop(0)

        def remote():
            try:
                while (y := take(False)) is not None:
                    assert self.pool is not None
                    results[y] = self.pool.submit(_in_worker, y).result()
            except BaseException as exc:  # re-raised in the main thread
                errors.append(exc)

        threads = [threading.Thread(target=remote, daemon=True) for _ in range(self.workers)] if self.pool else []
        for th in threads:
            th.start()
        try:
            first = own()
            while (y := take(True)) is not None:
                results[y] = self.observe(y)
        except BaseException:
            with lock:
                todo.clear()  # the worker stops after its current year
            raise
        finally:
            for th in threads:
                th.join()
            self.close()
        if errors:
            raise errors[0]
        return first, results

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True)
            self.pool = None
        _JOB.clear()

