"""The wheel the Docker build makes (`pip wheel` over the files the Dockerfile copies) holds everything
`leekguard run` reads: every module, every seed file (rules, samples, statements) and the web templates.
An editable install reads the source tree and never notices a file left out of package-data; an image does."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
import pytest

from tests.support.deploy_files import ROOT, copy_sources, read_dockerfile


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> tuple[set[str], zipfile.ZipFile]:
    """Built from a copy of exactly the Dockerfile's build-stage COPY sources: no build/ left-overs of an
    earlier build can fill a gap, as they could in the working tree."""
    _, stages = read_dockerfile()
    context = tmp_path_factory.mktemp("context")
    for ins in stages[0].all("COPY"):
        for src in copy_sources(ins):
            path = ROOT / src
            if path.is_dir():
                shutil.copytree(path, context / src, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
            else:
                shutil.copy2(path, context / src)
    # every file of the packages, listed before the build adds its own (build/, *.egg-info)
    package_files = {p.relative_to(context).as_posix() for p in context.rglob("*")
                     if p.is_file() and p.parent != context}
    out = tmp_path_factory.mktemp("wheels")
    r = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "--wheel-dir", str(out), "."],
                       cwd=context, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
    (built,) = out.glob("leekguard-*.whl")
    with zipfile.ZipFile(built) as zf:
        yield package_files, zf


def test_wheel_holds_every_file_of_every_package(wheel):
    expected, zf = wheel
    names = set(zf.namelist())
    assert any(n.startswith("seeds/patterns/") for n in expected)  # the test looks where the rules are
    missing = sorted(expected - names)
    assert not missing, f"not in the wheel (pyproject's package-data): {missing[:20]}"


def test_wheel_declares_the_leekguard_command(wheel):
    _, zf = wheel
    (entry_points,) = [n for n in zf.namelist() if n.endswith(".dist-info/entry_points.txt")]
    assert "leekguard = cli.main:main" in zf.read(entry_points).decode()


def test_installed_seeds_load_every_rule_and_statement(wheel, tmp_path):
    """What the bot loads from the wheel's seeds/ equals what it loads from the repository's."""
    from detectors.packs import load_pack

    _, zf = wheel
    zf.extractall(tmp_path, [n for n in zf.namelist() if n.startswith("seeds/")])
    installed, source = load_pack(tmp_path / "seeds"), load_pack(ROOT / "seeds")
    assert len(source.rules) > 0
    assert [r.id for r in installed.rules] == [r.id for r in source.rules]
    assert len(installed.statements) == len(source.statements)
