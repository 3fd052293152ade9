"""The scaling settings (telegram.mode / telegram.webhook, discord shards): what is accepted, what a mistake
says, and that a webhook secret is never repeated in an error."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import ConfigError, load_config

SECRET = "s3cret_Webhook-token"


def load(tmp_path: Path, text: str, env: dict | None = None):
    path = tmp_path / "lg.yaml"
    path.write_text(text, encoding="utf-8")
    return load_config(path, env=env or {})


def error_of(tmp_path: Path, text: str, env: dict | None = None) -> str:
    with pytest.raises(ConfigError) as info:
        load(tmp_path, text, env)
    return info.value.format_message()


def test_polling_stays_the_default_and_webhook_settings_have_safe_defaults(tmp_path):
    tg = load(tmp_path, "telegram: {}\n").telegram
    assert tg.mode == "polling"
    assert (tg.webhook.listen, tg.webhook.port, tg.webhook.set_webhook) == ("127.0.0.1", 8443, True)
    assert tg.webhook.secret_token is None


def test_the_webhook_secret_comes_from_the_environment_over_the_file(tmp_path):
    text = "telegram:\n  mode: webhook\n  webhook: {secret_token: from_the_file, public_url: 'https://x.org/tg'}\n"
    tg = load(tmp_path, text, env={"LEEKGUARD_TELEGRAM_WEBHOOK_SECRET": SECRET}).telegram
    assert tg.mode == "webhook" and tg.webhook.secret_token.get_secret_value() == SECRET
    assert SECRET not in repr(tg)


@pytest.mark.parametrize("bad", ["has space", "semi;colon", "x" * 257, "中文"])
def test_a_secret_outside_telegrams_charset_is_refused_without_repeating_it(tmp_path, bad):
    message = error_of(tmp_path, "telegram: {mode: webhook}\n", env={"LEEKGUARD_TELEGRAM_WEBHOOK_SECRET": bad})
    assert message.startswith("config error: telegram.webhook.secret_token: must be 1-256 characters of A-Z")
    assert bad not in message


def test_a_misspelt_webhook_key_is_named_with_a_hint(tmp_path):
    message = error_of(tmp_path, "telegram:\n  webhook: {secret: abc}\n")
    assert "telegram.webhook.secret: unknown key (did you mean 'secret_token'?)" in message


def test_a_mode_that_does_not_exist_is_named(tmp_path):
    assert "telegram.mode: 'hooks' is not one of polling, webhook" in error_of(tmp_path, "telegram: {mode: hooks}\n")


def test_shards_auto_and_a_split_of_shards_are_accepted(tmp_path):
    assert load(tmp_path, "discord: {shards: auto}\n").discord.sharded
    assert not load(tmp_path, "discord: {shards: off}\n").discord.sharded  # YAML's bare off is false
    dc = load(tmp_path, "discord: {shard_ids: [1, 3], shard_count: 4}\n").discord
    assert dc.sharded and dc.shard_ids == [1, 3] and dc.shard_count == 4


@pytest.mark.parametrize("text, expected", [
    ("discord: {shard_ids: [0, 4], shard_count: 4}",
     "discord: shard_ids 4 out of range: with shard_count 4 the shard ids are 0 to 3"),
    ("discord: {shard_ids: [-1], shard_count: 2}",
     "discord: shard_ids -1 out of range: with shard_count 2 the shard ids are 0 to 1"),
    ("discord: {shard_ids: [1]}", "discord: shard_ids needs shard_count"),
    ("discord: {shard_ids: [1, 1], shard_count: 2}", "discord: shard_ids names a shard twice"),
    ("discord: {shard_ids: [], shard_count: 2}", "discord: shard_ids is empty"),
    ("discord: {shard_count: 0}", "discord.shard_count: Input should be greater than or equal to 1"),
    ("discord: {shards: many}", "discord.shards: 'many' is not one of off, auto"),
])
def test_shard_mistakes_are_explained(tmp_path, text, expected):
    assert expected in error_of(tmp_path, text + "\n")


def test_a_webhook_path_must_be_a_plain_path(tmp_path):
    assert load(tmp_path, "telegram: {webhook: {url_path: 'bot/hook-1'}}\n").telegram.webhook.url_path == "bot/hook-1"
    message = error_of(tmp_path, "telegram: {webhook: {url_path: 'hook(.*)'}}\n")
    assert "telegram.webhook.url_path: 'hook(.*)' must be a plain URL path" in message
