"""Helper run as a subprocess by tests/test_faults.py: ``junheng evaluate`` whose output file stalls
after its first write (or just before the rename), so the test can send SIGTERM while the file is
being written. Not a test module itself (no test_ prefix).

    python tests/fault_writer.py write|rename ARGS...   (ARGS: the junheng command line)
"""
from __future__ import annotations

import os
import sys
import time


def main() -> int:
    mode, argv = sys.argv[1], sys.argv[2:]
    import junheng.atomic as atomic

    def stall(where):
        print(f"STALLED {where}", flush=True)
        time.sleep(120)  # SIGTERM arrives here; the CLI's handler raises SystemExit(143)

    if mode == "write":
        real_open = atomic._open_temp

        class Slow:
            def __init__(self, fh):
                self._fh, self._n = fh, 0

            def write(self, data):
                n = self._fh.write(data)
                self._n += 1
                if self._n == 1:
                    self._fh.flush()  # the partial file is on disk under its temporary name
                    stall(self._fh.name)
                return n

            def __getattr__(self, name):
                return getattr(self._fh, name)

            def __enter__(self):
                return self

            def __exit__(self, *exc):
                self._fh.close()
                return False

        atomic._open_temp = lambda *a, **k: Slow(real_open(*a, **k))
    else:
        real_replace = os.replace

        def slow_replace(src, dst):
            stall(src)
            return real_replace(src, dst)

        atomic.os.replace = slow_replace
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
    import junheng.cli.main as cli

    return cli.main(argv)


if __name__ == "__main__":
    sys.exit(main())
