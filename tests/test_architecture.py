"""House rule 1 and the map of the rooms: layers point one way, the engine is a library, folders stay small.

The layer contracts live in pyproject.toml ([tool.importlinter]) and are checked here with import-linter's
`lint-imports`, so a broken contract fails the suite with the tool's own explanation (which import, which line).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MAX_MODULES_PER_FOLDER = 15
NOT_OURS = {"__pycache__", "build", "dist", "node_modules"}


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "PTB_TIMEDELTA"}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return env


def test_layer_contracts_hold():
    """cli -> adapters -> bot -> detectors -> leekguard_types; no chat platform below adapters; no cycles."""
    lint_imports = Path(sys.executable).parent / ("lint-imports.exe" if os.name == "nt" else "lint-imports")
    assert lint_imports.exists(), f"{lint_imports} missing: install the test extra (pip install -e '.[test]')"
    r = subprocess.run([str(lint_imports), "--no-cache", "--no-logo"], cwd=ROOT, env=_env(), capture_output=True,
                       text=True, timeout=300)
    assert r.returncode == 0, f"import-linter: a layer contract is broken\n{r.stdout}\n{r.stderr}"
    assert "0 broken" in r.stdout, r.stdout


def test_no_folder_holds_more_than_15_modules():
    crowded = {}
    for folder, dirs, files in os.walk(ROOT):
        dirs[:] = [d for d in dirs if not d.startswith(".") and d not in NOT_OURS and not d.endswith(".egg-info")]
        modules = [f for f in files if f.endswith(".py")]
        if len(modules) > MAX_MODULES_PER_FOLDER:
            crowded[str(Path(folder).relative_to(ROOT))] = len(modules)
    assert not crowded, f"folders with more than {MAX_MODULES_PER_FOLDER} modules (group them into packages): {crowded}"


def test_engine_runs_without_bot_adapters_cli_and_platform_packages():
    """The engine is a library first: detectors/ and leekguard_types/ are enough to get a verdict."""
    code = (
        "import sys\n"
        "class Block:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name.split('.')[0] in ('telegram', 'discord', 'bot', 'adapters', 'cli'):\n"
        "            raise ImportError('blocked ' + name)\n"
        "sys.meta_path.insert(0, Block())\n"
        "from detectors.engine import Engine\n"
        "print(Engine.load().analyze('Sora内测账号 只要299 加V私聊').label)\n"
    )
    r = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=_env(), capture_output=True, text=True,
                       timeout=120)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "scam"


def test_importing_the_adapters_changes_nothing_in_the_process():
    """Process-wide settings are made at start-up, explicitly: PTB's timedelta durations when the Telegram adapter
    is built, the GIL switch interval when its session starts, discord.py's REST and gateway addresses when a
    Discord session starts; never as a side effect of an import."""
    code = (
        "import os, sys\n"
        "import discord, discord.gateway, discord.http\n"
        "def state():\n"
        "    return (os.environ.get('PTB_TIMEDELTA'), sys.getswitchinterval(), discord.http.Route.BASE,\n"
        "            str(discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY))\n"
        "before = state()\n"
        "import adapters.console, adapters.discord.adapter, adapters.exports, adapters.telegram.adapter\n"
        "import cli.main, cli.wiring\n"
        "assert state() == before, (before, state())\n"
        "from adapters.telegram.adapter import TelegramAdapter\n"
        "TelegramAdapter()\n"
        "print(os.environ.get('PTB_TIMEDELTA'))\n"
    )
    r = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=_env(), capture_output=True, text=True,
                       timeout=120)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "1"  # set when the adapter is built
