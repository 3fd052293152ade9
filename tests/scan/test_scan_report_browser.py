"""The HTML report opened in a real browser (Debian's chromium, headless): it renders and its chart is drawn."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner
from PIL import Image

from bot.scan.report import category_colour
from cli.main import main
import cli.scan as cli_scan
from tests.support.exports import MarkerEngine, telegram_export, tg_message

pytestmark = pytest.mark.browser
DAY = 86400
T0 = 1740819600  # 2025-03-01 09:00 UTC


def chromium() -> str:
    for name in ("chromium", "chromium-browser"):
        path = shutil.which(name)
        if path:
            return path
    pytest.skip("Debian chromium is not installed (apt-get install -y chromium); CI installs it")


def run_chromium(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    cmd = [chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
           "--disable-component-update", "--disable-sync", "--no-first-run", "--hide-scrollbars",
           f"--user-data-dir={tmp_path / 'profile'}", *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False)


@pytest.fixture
def report(tmp_path, monkeypatch) -> Path:
    """A scan report whose chart has 3 bars: day 1 two paid_course, day 2 nothing, day 3 one fake_api and
    three group_recruiting, plus a clean message."""
    export = telegram_export(tmp_path / "result.json", [
        tg_message(1, "[scam:paid_course] 零基础月入过万", "张老师", "user9", unix=T0),
        tg_message(2, "[scam:paid_course] <b>报名</b>", "张老师", "user9", unix=T0 + 60),
        tg_message(3, "大家好", "李明", "user2", unix=T0 + DAY),
        tg_message(4, "[suspicious:fake_api] 中转 API", "王五", "user5", unix=T0 + 2 * DAY),
        *(tg_message(10 + i, f"[scam:group_recruiting] 进群 {i}", "拉群哥", "user7", unix=T0 + 2 * DAY + i)
          for i in range(3)),
    ])
    monkeypatch.setattr(cli_scan, "_load_engine", lambda config: MarkerEngine())
    monkeypatch.setenv("LEEKGUARD_DB", str(tmp_path / "unused.db"))
    out = tmp_path / "report.html"
    res = CliRunner().invoke(main, ["scan", str(export), "--report", str(out)], catch_exceptions=False)
    assert res.exit_code == 1, res.output
    return out


def test_report_renders_in_chromium_with_its_chart(report, tmp_path):
    dom = run_chromium(tmp_path, "--dump-dom", report.as_uri())
    assert dom.returncode == 0, dom.stderr[-2000:]
    html = dom.stdout
    assert "<h1>LeekGuard scan report</h1>" in html
    bars = re.findall(r'<rect class="bar"[^>]*data-period="([^"]+)" data-category="([^"]+)" data-count="(\d+)"',
                      html)
    assert sorted(bars) == [("2025-03-01", "paid_course", "2"), ("2025-03-03", "fake_api", "1"),
                            ("2025-03-03", "group_recruiting", "3")]
    assert len(re.findall(r'<article class="msg', html)) == 6
    assert "&lt;b&gt;报名&lt;/b&gt;" in html  # exported markup shown as text, not obeyed

    shot = tmp_path / "shot.png"
    res = run_chromium(tmp_path, "--window-size=1000,2200", f"--screenshot={shot}", report.as_uri())
    assert res.returncode == 0 and shot.exists(), res.stderr[-2000:]
    colours = {rgb: n for n, rgb in Image.open(shot).convert("RGB").getcolors(maxcolors=1 << 24)}

    def painted(category: str) -> int:
        return colours.get(tuple(int(category_colour(category)[i:i + 2], 16) for i in (1, 3, 5)), 0)

    # every charted category fills a bar (far more pixels than its 11x11 legend swatch); the tallest bar
    # (3 group_recruiting) is painted larger than the single fake_api one; an absent category is not drawn
    recruiting, api = painted("group_recruiting"), painted("fake_api")
    assert api > 2_000 and recruiting > 2 * api
    assert painted("fake_authority") == 0
