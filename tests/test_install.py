"""The wheel as a new user installs it: one top-level package, bundled standards found inside it,
the user's own standards written to and read from the user's folder, never into site-packages.
(Slow: builds a wheel and a virtual environment.)"""
from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out),
                    str(ROOT)], check=True, capture_output=True)
    return next(out.glob("junheng-*.whl"))


def test_wheel_has_one_top_level_package(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    tops = {n.split("/")[0] for n in names}
    assert {t for t in tops if not t.endswith(".dist-info")} == {"junheng"}
    for needed in ("junheng/standards/national/quality-2017.yaml", "junheng/standards/fields.yaml",
                   "junheng/standards/national/tests/quality-2017.yaml", "junheng/schemas/standard.schema.json",
                   "junheng/language/grammar.lark", "junheng/web/templates/base.html", "junheng/web/static/app.css",
                   "junheng/reports/templates/report_body.html", "junheng/reports/templates/report.css"):
        assert needed in names
    ep = next(n for n in names if n.endswith("entry_points.txt"))
    assert "junheng = junheng.cli.main:main" in zipfile.ZipFile(wheel).read(ep).decode()


@pytest.fixture(scope="module")
def venv(wheel, tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("venv")
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", str(d)], check=True)
    py = d / "bin" / "python"
    subprocess.run([str(py), "-m", "pip", "install", "-q", "--no-deps", "--force-reinstall", str(wheel)], check=True,
                   capture_output=True)
    return d


def run(venv: Path, cwd: Path, *args, env=None):
    e = {k: v for k, v in os.environ.items() if k != "JUNHENG_STANDARDS_DIR"}
    e.update(env or {})
    return subprocess.run([str(venv / "bin" / "junheng"), *args], cwd=cwd, capture_output=True, text=True, env=e)


def site_packages(venv: Path) -> Path:
    out = subprocess.run([str(venv / "bin" / "python"), "-c", "import junheng, pathlib; "
                          "print(pathlib.Path(junheng.__file__).parent.parent)"], capture_output=True, text=True,
                         check=True).stdout.strip()
    return Path(out)


def test_installed_package_is_used_and_user_standards_stay_in_the_user_folder(venv, tmp_path):
    site = site_packages(venv)
    assert str(site).startswith(str(venv))  # the wheel, not the checkout
    # distractors a real machine may have: an unrelated top-level `standards` package and a `cli` module
    (site / "standards").mkdir()
    (site / "standards" / "__init__.py").write_text("")
    (site / "cli.py").write_text("def main():\n    raise SystemExit('wrong cli')\n")
    before = sorted(p.relative_to(site).as_posix() for p in (site / "junheng").rglob("*") if "__pycache_"
                                                                                             "_" not in p.parts)
    r = run(venv, tmp_path, "new", "hebei", "--extends", "national/quality-2017", "--name", "河北省")
    assert r.returncode == 0, r.stderr
    mine = tmp_path / "junheng-standards" / "hebei" / "quality-2017.yaml"
    assert mine.is_file() and (tmp_path / "junheng-standards" / "hebei" / "tests" / "quality-2017.yaml").is_file()
    after = sorted(p.relative_to(site).as_posix() for p in (site / "junheng").rglob("*") if "__pycache_"
                                                                                            "_" not in p.parts)
    assert after == before  # nothing written into the installed package
    listed = run(venv, tmp_path, "list")
    assert listed.returncode == 0
    flat = "".join(listed.stdout.split())  # the table may wrap long paths
    assert "hebei/quality-2017" in flat and "national/quality-2017" in flat
    assert "".join(str(mine.resolve()).split()) in flat
    assert "".join(str(site / "junheng" / "standards" / "national" / "quality-2017.yaml").split()) in flat
    shown = run(venv, tmp_path, "show", "hebei/quality-2017", "--format", "json")
    assert shown.returncode == 0, shown.stderr
    assert "junheng-standards/hebei/quality-2017.yaml" in shown.stdout
    assert str(site / "junheng" / "standards" / "national" / "quality-2017.yaml") in shown.stdout
    # the environment variable names another user folder: new writes there, list finds it
    other = tmp_path / "elsewhere"
    r = run(venv, tmp_path, "new", "shanxi", "--extends", "national/quality-2017",
            env={"JUNHENG_STANDARDS_DIR": str(other)})
    assert r.returncode == 0, r.stderr
    assert (other / "shanxi" / "quality-2017.yaml").is_file()
    listed = run(venv, tmp_path, "list", env={"JUNHENG_STANDARDS_DIR": str(other)})
    assert "shanxi/quality-2017" in listed.stdout and "hebei/quality-2017" in listed.stdout
    checked = run(venv, tmp_path, "check", str(mine))
    assert checked.returncode == 0, checked.stdout + checked.stderr
