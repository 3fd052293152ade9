"""Configuration: where it is read from, what a mistake looks like, and that secrets stay secret."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from bot.config import Config, ConfigError, load_config

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "123456:AAE-secret-token-value"


def write(tmp_path: Path, text: str, name: str = "lg.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def error_of(tmp_path: Path, text: str, env: dict | None = None) -> str:
    with pytest.raises(ConfigError) as info:
        load_config(write(tmp_path, text), env=env or {})
    return info.value.format_message()


def test_no_file_gives_the_documented_defaults(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    config = load_config(env={})
    assert config.database == "./leekguard.db"
    assert config.language == "auto"
    assert config.policy.scam == ["warn", "notify_admins"]
    assert config.policy.suspicious == ["notify_admins"]
    assert (config.detection.scam_threshold, config.detection.suspicious_threshold) == (0.70, 0.45)
    assert config.source == "defaults"


def test_file_is_found_by_flag_then_env_then_current_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write(tmp_path, "language: en\n", "leekguard.yaml")
    env_file = write(tmp_path, "language: zh-Hant\n", "env.yaml")
    flag_file = write(tmp_path, "language: zh-Hans\nlog_level: debug\n", "flag.yaml")
    assert load_config(env={}).language == "en"
    assert load_config(env={"LEEKGUARD_CONFIG": str(env_file)}).language == "zh-Hant"
    flagged = load_config(flag_file, env={"LEEKGUARD_CONFIG": str(env_file)})
    assert (flagged.language, flagged.log_level) == ("zh-Hans", "DEBUG")


def test_missing_file_named_explicitly_is_an_error(tmp_path):
    with pytest.raises(ConfigError, match="config file not found: .*nope.yaml"):
        load_config(tmp_path / "nope.yaml", env={})


@pytest.mark.parametrize("text, expected", [
    ("policy:\n  scam: [warn, nuke]\n",
     "config error: policy.scam[1]: 'nuke' is not one of warn, delete, mute, ban, notify_admins"),
    ("polcy: {}\n", "config error: polcy: unknown key (did you mean 'policy'?)"),
    ("policy:\n  mute_second: 60\n", "config error: policy.mute_second: unknown key (did you mean 'mute_seconds'?)"),
    ("policy:\n  mute_seconds: a week\n",
     "config error: policy.mute_seconds: 'a week' is not a duration (examples: 600, 10m, 1h, 1d)"),
    ("detection:\n  scam_threshold: 0.3\n",
     "config error: detection: suspicious_threshold must not be above scam_threshold"),
    ("detection:\n  scam_threshold: 1.5\n", "config error: detection.scam_threshold: "),
    ("detection:\n  words_only_scam_threshold: 0.6\n",
     "config error: detection: words_only_scam_threshold must not be below scam_threshold"),
    ("language: fr\n", "config error: language: 'fr' is not one of auto, zh-Hans, zh-Hant, en"),
    ("guards:\n  allowlist: [12345]\n", "config error: guards.allowlist[0]: "),
    ("guards:\n  allowlist: ['12345']\n",
     "config error: guards.allowlist[0]: '12345' must look like platform:id (e.g. telegram:12345)"),
    ("chats:\n  'telegram:-1':\n    langauge: en\n",
     "config error: chats['telegram:-1'].langauge: unknown key (did you mean 'language'?)"),
    ("chats:\n  'telegram:-1':\n    scam: [warn, shout]\n",
     "config error: chats['telegram:-1'].scam[1]: 'shout' is not one of warn, delete, mute, ban, notify_admins"),
    ("store: {text: half}\n", "config error: store.text: 'half' is not one of full, excerpt"),
    ("policy: 5\n", "config error: policy: must be a mapping of keys (got 5)"),
    ("discord:\n  guilds: [abc]\n", "config error: discord.guilds[0]: "),
])
def test_a_mistake_names_the_key(tmp_path, text, expected):
    message = error_of(tmp_path, text)
    assert message.splitlines()[0].startswith(expected), message
    assert message.splitlines()[-1] == f"  in {tmp_path / 'lg.yaml'}"


def test_every_mistake_is_reported_at_once(tmp_path):
    message = error_of(tmp_path, "polcy: 1\nlanguage: fr\n")
    assert "polcy" in message and "language" in message


@pytest.mark.parametrize("text, expected", [
    ("policy:\n  scam: [warn\n", r"lg\.yaml line \d+, column \d+: not valid YAML"),
    ("- just\n- a list\n", "the top level must be a mapping of keys, not list"),
])
def test_broken_yaml_is_a_clear_error(tmp_path, text, expected):
    assert re.search(expected, error_of(tmp_path, text))


def test_empty_file_means_defaults(tmp_path):
    assert load_config(write(tmp_path, ""), env={}).policy == Config().policy


def test_environment_overrides_file_and_tokens_are_secret(tmp_path):
    path = write(tmp_path, "database: /file.db\ntelegram:\n  base_url: http://file\n")
    config = load_config(path, env={"LEEKGUARD_DB": "/env.db", "TELEGRAM_BOT_TOKEN": TOKEN,
                                    "TELEGRAM_API_BASE_URL": "http://127.0.0.1:8081/bot",
                                    "DISCORD_BOT_TOKEN": "  ", "DISCORD_GATEWAY_URL": "ws://127.0.0.1:1"})
    assert config.database == "/env.db"
    assert config.telegram.base_url == "http://127.0.0.1:8081/bot"
    assert config.telegram.token.get_secret_value() == TOKEN
    assert config.discord.token is None  # blank variable = not set
    assert config.discord.gateway_url == "ws://127.0.0.1:1"
    for shown in (repr(config), str(config), config.model_dump_json(), repr(config.telegram)):
        assert TOKEN not in shown


def test_a_malformed_token_is_not_echoed(tmp_path):
    message = error_of(tmp_path, "telegram:\n  token: [987654321, 'secretpart']\n")
    assert "telegram.token" in message
    assert "987654321" not in message and "secretpart" not in message


def test_environment_token_with_a_broken_section_is_an_error_without_the_token(tmp_path):
    message = error_of(tmp_path, "telegram: 5\n", env={"TELEGRAM_BOT_TOKEN": TOKEN})
    assert "config error: telegram: must be a mapping" in message and TOKEN not in message


def test_durations_and_action_lists_read_like_people_write_them(tmp_path):
    config = load_config(write(tmp_path, "policy:\n  mute_seconds: 2h\n  burst_seconds: 90m\n"
                                         "  suspicious: []\nchats:\n  'discord:9':\n    scam: warn, ban\n"), env={})
    assert (config.policy.mute_seconds, config.policy.burst_seconds) == (7200, 5400)
    assert config.policy.suspicious == []
    assert config.chats["discord:9"].scam == ["warn", "ban"]


def test_the_example_file_is_valid_documents_every_key_and_keeps_the_defaults():
    example = ROOT / "config.example.yaml"
    config = load_config(example, env={})
    assert config.model_dump(exclude={"chats"}) == Config().model_dump(exclude={"chats"})
    data = yaml.safe_load(example.read_text(encoding="utf-8"))
    for section, model in Config.model_fields.items():
        if section == "source":
            continue
        assert section in data, f"{section} missing from config.example.yaml"
        sub = getattr(model.annotation, "model_fields", None)
        if sub and section != "chats":
            assert set(data[section]) == set(sub), section
    for line in example.read_text(encoding="utf-8").splitlines():
        if re.match(r"^\s*[\w\"'][^#]*:", line) and not line.strip().startswith("#"):
            assert "#" in line or line.startswith("    "), f"undocumented line: {line!r}"


def test_cli_prints_the_config_error_and_exits_2(tmp_path):
    from cli.main import main

    bad = write(tmp_path, "policy:\n  scam: [warn, nuke]\n")
    result = CliRunner().invoke(main, ["--config", str(bad), "run"])
    assert result.exit_code == 2
    assert "config error: policy.scam[1]: 'nuke' is not one of" in result.output
    assert "Traceback" not in result.output


def test_logging_never_prints_a_token_even_inside_a_traceback():
    import io
    import logging

    from cli.logs import setup_logging

    stream = io.StringIO()
    setup_logging("INFO", [TOKEN], stream=stream)
    log = logging.getLogger("leekguard.test")
    try:
        raise ConnectionError(f"POST https://api.telegram.org/bot{TOKEN}/getMe failed")
    except ConnectionError:
        log.exception("telegram start failed for %s", f"bot{TOKEN}")
    log.info("plain line")
    out = stream.getvalue()
    assert TOKEN not in out
    assert "telegram start failed for bot***" in out and "/bot***/getMe" in out and "plain line" in out
    logging.getLogger().handlers = [h for h in logging.getLogger().handlers if not getattr(h, "_leekguard", 0)]
