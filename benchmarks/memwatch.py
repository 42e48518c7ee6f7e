"""Run a command and report the peak summed memory of its process tree (benchmarks of commands that fork
workers: /usr/bin/time's %M is the largest single process only).

    python benchmarks/memwatch.py junheng monitor ...

Samples /proc every 0.2 s: PSS (shared pages split between the processes sharing them) and RSS summed over
the command and its descendants; prints both peaks to stderr. Linux only."""
from __future__ import annotations

import os
import subprocess
import sys
import time


def tree(root: int) -> list:
    kids: dict = {}
    for p in os.listdir("/proc"):
        if p.isdigit():
            try:
                with open(f"/proc/{p}/stat") as fh:
                    ppid = int(fh.read().rsplit(")", 1)[1].split()[1])
                kids.setdefault(ppid, []).append(int(p))
            except (OSError, ValueError, IndexError):
                pass
    out, todo = [], [root]
    while todo:
        x = todo.pop()
        out.append(x)
        todo += kids.get(x, [])
    return out


def memory(pid: int) -> tuple:
    pss = rss = 0
    try:
        with open(f"/proc/{pid}/smaps_rollup") as fh:
            for line in fh:
                if line.startswith("Pss:"):
                    pss = int(line.split()[1])
                elif line.startswith("Rss:"):
                    rss = int(line.split()[1])
    except OSError:
        pass
    return pss, rss


def main(argv: list) -> int:
    t0 = time.time()
    proc = subprocess.Popen(argv)
    peak_pss = peak_rss = most = 0
    while proc.poll() is None:
        pids = tree(proc.pid)
        m = [memory(x) for x in pids]
        peak_pss = max(peak_pss, sum(a for a, _ in m))
        peak_rss = max(peak_rss, sum(b for _, b in m))
        most = max(most, len(pids))
        time.sleep(0.2)
    print(f"memwatch: {time.time() - t0:.1f} s, peak tree PSS {peak_pss / 2**20:.2f} GiB, "
          f"RSS sum {peak_rss / 2**20:.2f} GiB, at most {most} processes", file=sys.stderr)
    return proc.returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
