"""Readers for the deployment files, as Docker, Compose and systemd read them (tests/deploy).

Small on purpose: each follows the documented rules only as far as this repository's files use them, and
raises rather than guesses when it meets something it does not know.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

ROOT = Path(__file__).resolve().parents[2]


# ---- Dockerfile ----

@dataclass
class Instruction:
    cmd: str  # upper case: FROM, RUN, COPY...
    args: str
    line: int


@dataclass
class Stage:
    image: str
    name: str | None
    instructions: list[Instruction] = field(default_factory=list)

    def all(self, cmd: str) -> list[Instruction]:
        return [i for i in self.instructions if i.cmd == cmd]


def read_dockerfile(path: Path = ROOT / "Dockerfile") -> tuple[dict[str, str], list[Stage]]:
    """(global ARG defaults, stages). Continuation lines are joined; comment lines inside them are dropped,
    as Docker does."""
    instructions: list[Instruction] = []
    buf, start = "", 0
    for n, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = raw.strip()
        if line.startswith("#") or (not line and not buf):
            continue
        if not buf:
            start = n
        if line.endswith("\\"):
            buf += line[:-1] + " "
            continue
        buf += line
        cmd, _, args = buf.partition(" ")
        instructions.append(Instruction(cmd.upper(), args.strip(), start))
        buf = ""
    assert not buf, "Dockerfile ends inside a continued line"
    global_args: dict[str, str] = {}
    stages: list[Stage] = []
    for ins in instructions:
        if ins.cmd == "FROM":
            m = re.fullmatch(r"(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?", ins.args, re.IGNORECASE)
            assert m, f"line {ins.line}: unreadable FROM {ins.args!r}"
            stages.append(Stage(m.group(1), m.group(2)))
        elif not stages:
            assert ins.cmd == "ARG", f"line {ins.line}: only ARG may precede the first FROM"
            name, _, default = ins.args.partition("=")
            global_args[name] = default
        else:
            stages[-1].instructions.append(ins)
    return global_args, stages


def exec_form(ins: Instruction) -> list[str]:
    """ENTRYPOINT/CMD/VOLUME in JSON (exec) form; shell form is refused: it would run under /bin/sh -c."""
    value = json.loads(ins.args)
    assert isinstance(value, list), f"line {ins.line}: {ins.cmd} must be in JSON form"
    return value


def copy_sources(ins: Instruction) -> list[str]:
    """The build-context sources of a COPY (none when it copies --from another stage or image)."""
    parts = ins.args.split()
    if any(p.startswith("--from") for p in parts):
        return []
    paths = [p for p in parts if not p.startswith("--")]
    return paths[:-1]


# ---- .dockerignore (moby/patternmatcher rules: last match wins, a match on a parent folder counts) ----

def _pattern_regex(pattern: str) -> re.Pattern[str]:
    out, i = "", 0
    while i < len(pattern):
        c = pattern[i]
        if pattern.startswith("**", i):
            i += 2
            if pattern.startswith("/", i):
                out += "(?:.*/)?"
                i += 1
            else:
                out += ".*"
            continue
        if c in "[\\":
            raise ValueError(f"pattern {pattern!r}: character classes and escapes are not supported here")
        out += "[^/]*" if c == "*" else "[^/]" if c == "?" else re.escape(c)
        i += 1
    return re.compile(out)


def dockerignore_rules(path: Path = ROOT / ".dockerignore") -> list[tuple[bool, re.Pattern[str]]]:
    rules = []
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        negated = line.startswith("!")
        pattern = line[1:].strip() if negated else line
        pattern = pattern.strip("/")  # Docker cleans the path: leading and trailing slashes mean nothing
        rules.append((negated, _pattern_regex(pattern)))
    return rules


def in_build_context(rel: str, rules: list[tuple[bool, re.Pattern[str]]]) -> bool:
    """Whether a path (relative to the repository, '/'-separated) reaches the Docker build context."""
    parts = rel.strip("/").split("/")
    candidates = ["/".join(parts[:k]) for k in range(1, len(parts) + 1)]
    excluded = False
    for negated, rx in rules:
        if any(rx.fullmatch(c) for c in candidates):
            excluded = not negated
    return not excluded


# ---- Compose: variable interpolation as `docker compose` does it ----

class MissingVariable(Exception):
    pass


_VAR = re.compile(r"\$(?:(\$)|\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}|([A-Za-z_][A-Za-z0-9_]*))")


def interpolate(value: Any, env: Mapping[str, str]) -> Any:
    """${VAR}, $VAR, ${VAR:-default}, ${VAR-default}, ${VAR:?error}, ${VAR?error}, $$ -> $, recursively."""
    if isinstance(value, dict):
        return {k: interpolate(v, env) for k, v in value.items()}
    if isinstance(value, list):
        return [interpolate(v, env) for v in value]
    if not isinstance(value, str):
        return value

    def one(m: re.Match[str]) -> str:
        if m.group(1):
            return "$"
        name = m.group(2) or m.group(5)
        op, arg = m.group(3), m.group(4) or ""
        current = env.get(name)
        unset = current is None or (op is not None and op.startswith(":") and current == "")
        if op and op.endswith("-"):
            return arg if unset else current
        if op and op.endswith("?"):
            if unset:
                raise MissingVariable(f"{name}: {arg}")
            return current
        return current or ""

    return _VAR.sub(one, value)


def read_env_file(path: Path) -> dict[str, str]:
    """KEY=value lines; blank lines and # comments skipped (what deploy/.env.example uses)."""
    env = {}
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        key, sep, value = line.partition("=")
        assert sep, f"{path}: not KEY=value: {line!r}"
        env[key.strip()] = value.strip()
    return env


# ---- systemd units ----

def read_unit(path: Path) -> dict[str, dict[str, list[str]]]:
    """{section: {key: [values...]}}: systemd keys may repeat (Environment=, SystemCallFilter=), which
    configparser refuses."""
    sections: dict[str, dict[str, list[str]]] = {}
    current: dict[str, list[str]] | None = None
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line[0] in "#;":
            continue
        if line.startswith("[") and line.endswith("]"):
            current = sections.setdefault(line[1:-1], {})
            continue
        assert current is not None and "=" in line, f"{path}: unreadable line {line!r}"
        key, _, value = line.partition("=")
        current.setdefault(key.strip(), []).append(value.strip())
    return sections
