"""House rule 1: bot/ and detectors/ never import telegram or discord; only adapters/ does."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_core_never_imports_platform_packages():
    offenders = []
    for folder in ("bot", "detectors"):
        for path in (ROOT / folder).rglob("*.py"):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                names = []
                if isinstance(node, ast.Import):
                    names = [a.name for a in node.names]
                elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                    names = [node.module]
                for name in names:
                    if name.split(".")[0] in ("telegram", "discord"):
                        offenders.append(f"{path.relative_to(ROOT)}: {name}")
    assert not offenders, offenders


def test_engine_runs_without_platform_packages():
    import subprocess
    import sys

    code = (
        "import sys\n"
        "class Block:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name.split('.')[0] in ('telegram', 'discord'): raise ImportError('blocked ' + name)\n"
        "sys.meta_path.insert(0, Block())\n"
        "from detectors.engine import Engine\n"
        "print(Engine.load().analyze('Sora内测账号 只要299 加V私聊').label)\n"
    )
    r = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "scam"
