import csv
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
# tests mirror the package's folders; a test may reuse another folder's fixtures and expected values
for _folder in sorted(Path(__file__).resolve().parent.iterdir()):
    if _folder.is_dir() and _folder.name not in ("data", "__pycache__") and str(_folder) not in sys.path:
        sys.path.append(str(_folder))


def pytest_terminal_summary(terminalreporter):
    """The figures docs/reliability.md quotes, filled by the fuzz and no-silent-NaN tests when they ran."""
    import json

    for module, name in (("test_fuzz", "FUZZ_STATS"), ("test_no_silent_nan", "SWEEP_STATS")):
        stats = getattr(sys.modules.get(module), name, None)
        if stats:
            terminalreporter.write_line(f"{name} {json.dumps(stats, ensure_ascii=False, sort_keys=True)}")


def find_chromium() -> str:
    """Debian's chromium for the browser tests. Missing: a failure in CI (.ci/run installs it), a skip
    with the install command elsewhere."""
    import os
    import shutil

    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    if os.environ.get("CI"):
        pytest.fail("chromium is not installed (CI must have it: .ci/run installs Debian's chromium)")
    pytest.skip("chromium not installed: apt-get install -y chromium (the browser tests run in CI)")


def write_csv(path: Path, rows: list[dict], encoding="utf-8") -> Path:
    cols = []
    for r in rows:
        for k in r:
            if k not in cols:
                cols.append(k)
    with open(path, "w", newline="", encoding=encoding) as fh:
        w = csv.DictWriter(fh, fieldnames=cols)
        w.writeheader()
        for r in rows:
            w.writerow({k: ("" if r.get(k) is None else r.get(k)) for k in cols})
    return path


@pytest.fixture
def csv_writer(tmp_path):
    counter = {"n": 0}

    def _write(rows, name=None, encoding="utf-8"):
        counter["n"] += 1
        return write_csv(tmp_path / (name or f"data{counter['n']}.csv"), rows, encoding)

    return _write


def primary_school(sid="P1", county="C1", students=1000, **over):
    """A primary school whose seven resource indicators all pass (values per 1000 students):
    R1 5.0 (50 teachers), R2 1.2, R3 1.0, R4 5.0 m², R5 8.0 m², R6 2100 yuan, R7 2.5 rooms."""
    k = students / 1000
    row = dict(school_id=sid, school_name=f"学校{sid}", county_id=county, school_type="小学",
               students_primary=students, teachers_college_primary=round(20 * k),
               teachers_bachelor_primary=round(28 * k), teachers_master_primary=round(2 * k),
               teachers_doctor_primary=0, backbone_teachers_primary=round(12 * k),
               pe_teachers_primary=round(4 * k), music_teachers_primary=round(3 * k),
               fine_art_teachers_primary=round(3 * k), art_teachers_primary=0,
               teaching_aux_area=5000 * k + 300 * k, indoor_sports_area=300 * k, gym_area=0,
               sports_ground_area=8000 * k, equipment_value=2_100_000 * k, multimedia_rooms=round(25 * k))
    row.update(over)
    return row
