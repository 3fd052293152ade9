"""deploy/*.service: systemd's own verifier finds nothing, and the settings an operator relies on are there."""

from __future__ import annotations

import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.deploy_files import ROOT, read_unit

UNITS = {"leekguard.service": ["run"], "leekguard-web.service": ["web", "--host", "127.0.0.1"]}
INSTALLED = "/opt/leekguard/venv/bin/leekguard"  # where the README installs the venv


@pytest.mark.parametrize("unit", sorted(UNITS))
def test_systemd_analyze_verify_is_silent(unit, tmp_path):
    """`systemd-analyze verify` prints a line for every unknown key or bad value (and exits 0 all the same).
    It also checks that ExecStart exists: this test's own leekguard stands in for the installed one."""
    analyze = shutil.which("systemd-analyze")
    assert analyze, "systemd-analyze missing: install Debian's systemd (.ci/run does)"
    leekguard = Path(sys.executable).parent / "leekguard"
    assert leekguard.exists()
    text = (ROOT / "deploy" / unit).read_text(encoding="utf-8")
    assert INSTALLED in text
    (tmp_path / unit).write_text(text.replace(INSTALLED, str(leekguard)), encoding="utf-8")
    r = subprocess.run([analyze, "verify", str(tmp_path / unit)], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0 and not (r.stdout + r.stderr).strip(), r.stdout + r.stderr


@pytest.mark.parametrize("unit", sorted(UNITS))
def test_runs_leekguard_from_the_venv_as_a_dedicated_user(unit):
    service = read_unit(ROOT / "deploy" / unit)["Service"]
    argv = shlex.split(service["ExecStart"][-1])
    assert argv[0] == INSTALLED and argv[1:1 + len(UNITS[unit])] == UNITS[unit]
    assert service["User"] == ["leekguard"] and service["Group"] == ["leekguard"]
    assert service["Restart"] == ["on-failure"]
    assert service["RestartPreventExitStatus"] == ["2"], "a config error (exit 2) must not restart forever"
    assert service["EnvironmentFile"] == ["/etc/leekguard/leekguard.env"], "tokens come from a root-owned file"
    assert not any("TOKEN" in e for e in service.get("Environment", [])), "no secret inside the unit"


@pytest.mark.parametrize("unit", sorted(UNITS))
def test_hardened_and_writes_only_its_data_dir(unit):
    service = read_unit(ROOT / "deploy" / unit)["Service"]
    for key, value in {"NoNewPrivileges": "yes", "ProtectSystem": "strict", "ProtectHome": "yes",
                       "PrivateTmp": "yes", "PrivateDevices": "yes", "RestrictSUIDSGID": "yes",
                       "CapabilityBoundingSet": ""}.items():
        assert service.get(key) == [value], f"{unit}: {key}={value} expected, got {service.get(key)}"
    state = "/var/lib/" + service["StateDirectory"][0]
    env = dict(e.split("=", 1) for e in service["Environment"])
    assert env["LEEKGUARD_DB"].startswith(state + "/"), "the SQLite file must be in the writable data dir"
    assert service["ReadWritePaths"] == [state]
    assert service["WorkingDirectory"] == [state]
    assert read_unit(ROOT / "deploy" / unit)["Install"]["WantedBy"] == ["multi-user.target"]
