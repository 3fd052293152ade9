"""compose.yaml: valid against the Compose Specification, and, once `docker compose` would have filled in the
variables from a .env made of deploy/.env.example, what a user relies on: PostgreSQL up before the bot,
consoles on loopback, secrets only from .env."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml

from tests.support.deploy_files import (ROOT, MissingVariable, exec_form, interpolate, read_dockerfile,
                                        read_env_file)

RAW = yaml.safe_load((ROOT / "compose.yaml").read_text(encoding="utf-8"))
ENV_EXAMPLE = read_env_file(ROOT / "deploy" / ".env.example")
# What a user's .env holds after filling in the example's blanks.
FILLED = {**ENV_EXAMPLE, "POSTGRES_PASSWORD": "pw-0123456789", "TELEGRAM_BOT_TOKEN": "123:abc",
          "LEEKGUARD_WEB_TOKEN": "w" * 32}
COMPOSE = interpolate(RAW, FILLED)
SERVICES = COMPOSE["services"]
SECRET_NAMES = re.compile(r"TOKEN|PASSWORD|SECRET")


def test_valid_against_the_compose_specification():
    checker = Path(sys.executable).parent / "check-jsonschema"
    assert checker.exists(), f"{checker} missing: install the test extra (pip install -e '.[test]')"
    r = subprocess.run([str(checker), "--builtin-schema", "vendor.compose-spec", "compose.yaml"], cwd=ROOT,
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr


def test_bot_web_and_postgres_services():
    assert {"bot", "web", "postgres"} <= set(SERVICES)
    assert SERVICES["bot"]["command"] == ["run"]
    web = SERVICES["web"]["command"]
    assert web[0] == "web" and web[web.index("--host") + 1] == "0.0.0.0", \
        "inside its container the console must listen on every address, or the published port reaches nothing"
    assert re.fullmatch(r"postgres:1[56](-\w+)?", SERVICES["postgres"]["image"])


def test_postgres_is_healthy_before_the_bot_and_the_console_start():
    check = SERVICES["postgres"]["healthcheck"]["test"]
    assert "pg_isready" in " ".join(check)
    for name in ("bot", "web"):
        assert SERVICES[name]["depends_on"]["postgres"]["condition"] == "service_healthy"
    volumes = SERVICES["postgres"]["volumes"]
    assert any(v.split(":")[0] in COMPOSE["volumes"] and v.endswith(":/var/lib/postgresql/data") for v in volumes), \
        "the database must live in a named volume"


def test_both_services_reach_postgres_through_leekguard_db():
    for name in ("bot", "web"):
        url = urlsplit(SERVICES[name]["environment"]["LEEKGUARD_DB"])
        assert url.scheme == "postgresql"
        assert url.hostname == "postgres" and url.port == 5432
        assert url.username == FILLED["POSTGRES_USER"] and url.password == FILLED["POSTGRES_PASSWORD"]
        assert url.path == "/" + FILLED["POSTGRES_DB"]
    # and the image they run can speak to it
    assert "postgres" in COMPOSE["x-leekguard"]["build"]["args"]["EXTRAS"].split(",")


def test_published_ports_are_on_loopback_by_default():
    published = [(name, p) for name, s in SERVICES.items() for p in s.get("ports", [])]
    assert published, "the console must be reachable from the host"
    for name, port in published:
        assert isinstance(port, str) and port.startswith("127.0.0.1:"), f"{name}: {port} is reachable from outside"
    assert "ports" not in SERVICES["postgres"]


def test_web_healthcheck_probes_the_port_the_console_listens_on():
    web = SERVICES["web"]
    port = web["command"][web["command"].index("--port") + 1]
    assert any(p.endswith(f":{port}") for p in web["ports"])
    probe = " ".join(web["healthcheck"]["test"])
    assert f"http://127.0.0.1:{port}/login" in probe  # the one page served without the token


def test_secrets_come_only_from_the_env_file():
    for name, service in RAW["services"].items():
        for key, value in (service.get("environment") or {}).items():
            if SECRET_NAMES.search(key):
                assert re.fullmatch(r"\$\{\w+(:?[-?][^}]*)?\}", str(value)), f"{name}.{key} is written inline"
    # the example names every secret and gives none of them a value
    for key, value in ENV_EXAMPLE.items():
        if SECRET_NAMES.search(key):
            assert value == "", f"deploy/.env.example sets {key}"
    # least privilege: the console never sees the bot tokens, the bot never the console token
    assert not {"TELEGRAM_BOT_TOKEN", "DISCORD_BOT_TOKEN"} & set(SERVICES["web"]["environment"])
    assert "LEEKGUARD_WEB_TOKEN" not in SERVICES["bot"]["environment"]
    assert ".env" in (ROOT / ".gitignore").read_text(encoding="utf-8").split()


@pytest.mark.parametrize("missing", ["POSTGRES_PASSWORD", "LEEKGUARD_WEB_TOKEN"])
def test_compose_refuses_to_start_without_a_required_secret(missing):
    """No default password or token: an unfilled .env stops `docker compose up` with the variable's name."""
    with pytest.raises(MissingVariable, match=missing):
        interpolate(RAW, {**FILLED, missing: ""})


def test_mounts_match_the_image():
    _, stages = read_dockerfile()
    final = stages[-1]
    image_env = dict(re.findall(r"(\w+)=(\S+)", " ".join(i.args for i in final.all("ENV"))))
    volumes = [v for ins in final.all("VOLUME") for v in exec_form(ins)]
    for name in ("bot", "web"):
        service = SERVICES[name]
        mounts = service["volumes"]
        config = [m for m in mounts if isinstance(m, dict) and m["target"] == image_env["LEEKGUARD_CONFIG"]]
        assert config and config[0]["read_only"] and config[0]["bind"]["create_host_path"] is False
        assert any(isinstance(m, str) and m.endswith(":" + volumes[0]) for m in mounts)
        assert service["init"] is True and service["read_only"] is True and "/tmp" in service["tmpfs"]
