"""Configuration: YAML file + environment, validated into typed objects at start-up.

Where the file comes from: `--config PATH`, else `LEEKGUARD_CONFIG`, else ./leekguard.yaml if present, else
built-in defaults. Environment variables override the file (secrets belong there). An unknown key or a bad
value raises `ConfigError` whose message names the key, e.g.
    config error: policy.scam[1]: 'nuke' is not one of warn, delete, mute, ban, notify_admins

Per-chat policy = `policy` defaults <- `chats["platform:chat_id"]` <- settings stored in the DB by /settings;
the merge lives in bot.policy.effective_settings, the validation of every layer here (`ChatOverride`).
"""

from __future__ import annotations

import difflib
import os
import re
from pathlib import Path
from typing import Annotated, Any, Literal, Mapping

import click
import yaml
from pydantic import (BaseModel, BeforeValidator, ConfigDict, Field, SecretStr, ValidationError,
                      field_validator, model_validator)

ActionName = Literal["warn", "delete", "mute", "ban", "notify_admins"]
ACTION_NAMES: tuple[str, ...] = ("warn", "delete", "mute", "ban", "notify_admins")
# "auto": each warning in the language of the message it answers; a named language always wins over it.
Language = Literal["auto", "zh-Hans", "zh-Hant", "en"]
LANGUAGES: tuple[str, ...] = ("auto", "zh-Hans", "zh-Hant", "en")
Sensitivity = Literal["low", "normal", "high"]

DEFAULT_PATH = "leekguard.yaml"

# Environment variable -> dotted config key it overrides.
ENV_OVERRIDES: dict[str, str] = {
    "LEEKGUARD_DB": "database",
    "TELEGRAM_BOT_TOKEN": "telegram.token",
    "TELEGRAM_API_BASE_URL": "telegram.base_url",
    "TELEGRAM_API_FILE_URL": "telegram.base_file_url",
    "LEEKGUARD_TELEGRAM_WEBHOOK_SECRET": "telegram.webhook.secret_token",
    "DISCORD_BOT_TOKEN": "discord.token",
    "DISCORD_API_BASE_URL": "discord.api_base_url",
    "DISCORD_GATEWAY_URL": "discord.gateway_url",
}


class ConfigError(click.ClickException):
    """A configuration problem, explained for a human.

    It is a ClickException on purpose: raised inside any `leekguard` sub-command it is printed as its plain
    message and the process exits with status 2, with no traceback, without every command catching it.
    Outside click it is an ordinary exception carrying the same message.
    """

    exit_code = 2

    def show(self, file: Any = None) -> None:
        click.echo(self.format_message(), err=True)


# ---- value parsers shared by the YAML file and /settings ----

_DURATION = re.compile(r"^\s*(\d+)\s*([smhd]?)\s*$", re.IGNORECASE)
_UNIT_SECONDS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_duration(value: Any) -> Any:
    """3600, "3600", "90m", "1h", "2d" -> seconds; anything else is left for pydantic to reject."""
    if isinstance(value, str):
        m = _DURATION.match(value)
        if not m:
            raise ValueError(f"{value!r} is not a duration (examples: 600, 10m, 1h, 1d)")
        return int(m.group(1)) * _UNIT_SECONDS[m.group(2).lower()]
    return value


def parse_action_list(value: Any) -> Any:
    """"warn, delete" -> ["warn", "delete"]; "none" or "" -> []; lists pass through."""
    if isinstance(value, str):
        if value.strip().lower() in ("", "none", "[]"):
            return []
        return [part.strip() for part in value.replace(" ", ",").split(",") if part.strip()]
    return value


Seconds = Annotated[int, BeforeValidator(parse_duration), Field(ge=0)]
ActionList = Annotated[list[ActionName], BeforeValidator(parse_action_list)]
PlatformKey = Annotated[str, Field(pattern=r"^[a-z]+:\S+$")]  # "telegram:12345"


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# ---- sections ----

class DetectionConfig(_Section):
    scam_threshold: float = Field(0.70, ge=0.0, le=1.0)
    suspicious_threshold: float = Field(0.45, ge=0.0, le=1.0)
    # a verdict that only the wording carries (no rule, price, contact, link or offer of its own) becomes a public
    # scam warning only from this score; below it the admins judge it (docs/decisions/words-only-verdicts.md)
    words_only_scam_threshold: float | None = Field(None, ge=0.0, le=1.0)

    @model_validator(mode="after")
    def _ordered(self) -> "DetectionConfig":
        if self.suspicious_threshold > self.scam_threshold:
            raise ValueError("suspicious_threshold must not be above scam_threshold")
        if self.words_only_scam_threshold is not None and self.words_only_scam_threshold < self.scam_threshold:
            raise ValueError("words_only_scam_threshold must not be below scam_threshold")
        return self


class PolicyConfig(_Section):
    scam: ActionList = ["warn", "notify_admins"]
    suspicious: ActionList = ["notify_admins"]
    mute_seconds: Seconds = 3600
    sensitivity: Sensitivity = "normal"
    dry_run: bool = False
    burst_seconds: Seconds = 600
    # what a sender's second and later flagged messages in one burst add to the chat's policy (e.g. [mute])
    repeat: ActionList = []


class ChatOverride(_Section):
    """One layer of per-chat settings (config `chats:` entry or the DB row written by /settings).

    None = not set in this layer. `language` and `admin_target` exist only per chat: the global language is
    the top-level `language`, the global admin target is the platform's (telegram.admin_chat_id, ...).
    """

    scam: ActionList | None = None
    suspicious: ActionList | None = None
    mute_seconds: Seconds | None = None
    sensitivity: Sensitivity | None = None
    dry_run: bool | None = None
    burst_seconds: Seconds | None = None
    repeat: ActionList | None = None
    language: Language | None = None
    admin_target: str | None = None  # where admin notifications go (chat / channel id); None = default

    def set_fields(self) -> dict[str, Any]:
        return self.model_dump(exclude_none=True)


CHAT_SETTING_KEYS: tuple[str, ...] = tuple(ChatOverride.model_fields)


class GuardsConfig(_Section):
    allowlist: list[PlatformKey] = []  # "platform:user_id" never acted on
    trusted_bots: list[PlatformKey] = []  # "platform:bot_user_id" never acted on
    disabled_chats: list[PlatformKey] = []  # "platform:chat_id" not moderated


class StoreConfig(_Section):
    # postgresql://user@host:5432/db (or a file path); the same as the top-level `database`, which it replaces
    url: str | None = None
    retention_days: int = Field(180, ge=1)
    text: Literal["full", "excerpt"] = "full"
    excerpt_chars: int = Field(280, ge=20)


# What Telegram accepts as a webhook's secret_token (sent back in X-Telegram-Bot-Api-Secret-Token)
WEBHOOK_SECRET = re.compile(r"^[A-Za-z0-9_-]{1,256}$")


class TelegramWebhookConfig(_Section):
    """telegram.mode: webhook. PTB's own web server listens on listen:port/url_path (behind a TLS proxy);
    Telegram posts to public_url. Whether a secret is set is checked when the adapter starts (a config shared
    with `leekguard web` needs none); its shape is checked here."""

    listen: str = "127.0.0.1"
    port: int = Field(8443, ge=1, le=65535)
    url_path: str = "telegram"
    public_url: str | None = None  # https://bot.example.org/telegram: what setWebhook registers
    secret_token: SecretStr | None = None  # better: LEEKGUARD_TELEGRAM_WEBHOOK_SECRET
    set_webhook: bool = True  # false on all workers but one: one registration, the others only serve
    max_connections: int = Field(40, ge=1, le=100)

    @field_validator("secret_token", mode="before")
    @classmethod
    def _secret_shape(cls, v: Any) -> Any:
        # the message never repeats the value: it is a secret, even when malformed
        raw = v.get_secret_value() if isinstance(v, SecretStr) else v
        if raw is not None and not (isinstance(raw, str) and WEBHOOK_SECRET.match(raw)):
            raise ValueError("must be 1-256 characters of A-Z, a-z, 0-9, _ and - (Telegram's rule)")
        return v

    @field_validator("url_path")
    @classmethod
    def _plain_path(cls, v: str) -> str:
        if not re.fullmatch(r"[A-Za-z0-9_\-/:.~]*", v):  # PTB turns it into a regular expression
            raise ValueError(f"{v!r} must be a plain URL path (letters, digits and _ - / : . ~)")
        return v

    @field_validator("public_url")
    @classmethod
    def _public_url(cls, v: str | None) -> str | None:
        if v is not None and not re.match(r"^https?://[^/\s]+", v):
            raise ValueError(f"{v!r} must be the URL Telegram posts to, e.g. https://bot.example.org/telegram")
        return v


class TelegramConfig(_Section):
    token: SecretStr | None = None
    base_url: str | None = None
    base_file_url: str | None = None
    admin_chat_id: int | str | None = None
    mode: Literal["polling", "webhook"] = "polling"
    webhook: TelegramWebhookConfig = TelegramWebhookConfig()


class DiscordConfig(_Section):
    token: SecretStr | None = None
    api_base_url: str | None = None
    gateway_url: str | None = None
    guilds: list[int] = []
    mod_log_channel_id: int | None = None
    moderator_roles: list[int | str] = []
    # Sharding: "auto" runs every shard Discord recommends in this process (AutoShardedClient); shard_ids +
    # shard_count split a fixed number of shards across processes (`leekguard run --shard-ids/--shard-count`).
    shards: Literal["off", "auto"] = "off"
    shard_ids: list[int] | None = None
    shard_count: int | None = Field(None, ge=1)

    @model_validator(mode="after")
    def _shards_fit(self) -> "DiscordConfig":
        ids, count = self.shard_ids, self.shard_count
        if ids is None:
            return self
        if count is None:
            raise ValueError("shard_ids needs shard_count (the total number of shards, across every process)")
        if not ids:
            raise ValueError("shard_ids is empty: name at least one shard, or leave it out for all")
        wrong = [i for i in ids if not 0 <= i < count]
        if wrong:
            raise ValueError(f"shard_ids {', '.join(map(str, wrong))} out of range: with shard_count {count} "
                             f"the shard ids are 0 to {count - 1}")
        if len(set(ids)) != len(ids):
            raise ValueError("shard_ids names a shard twice")
        return self

    @field_validator("shards", mode="before")
    @classmethod
    def _yaml_off(cls, v: Any) -> Any:
        return "off" if v is False else v  # YAML reads a bare `off` as false

    @property
    def sharded(self) -> bool:
        return self.shards == "auto" or self.shard_count is not None


class ImagesConfig(_Section):
    enabled: bool = False
    max_bytes: int = Field(10_000_000, gt=0)
    max_pixels: int = Field(40_000_000, gt=0)
    queue_size: int = Field(32, ge=1)
    workers: int = Field(1, ge=1)


class WebConfig(_Section):
    """The review console inside `leekguard run` (adapters/web); the token comes from LEEKGUARD_WEB_TOKEN."""

    enabled: bool = False
    host: str = "127.0.0.1"
    port: int = Field(8080, ge=1, le=65535)
    secure_cookies: bool = False  # behind an HTTPS reverse proxy
    public_url: str | None = None  # the address admins open (the proxy's), for /web sign-in links


class Config(_Section):
    database: str = "./leekguard.db"
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = "INFO"
    language: Language = "auto"
    detection: DetectionConfig = DetectionConfig()
    policy: PolicyConfig = PolicyConfig()
    guards: GuardsConfig = GuardsConfig()
    store: StoreConfig = StoreConfig()
    telegram: TelegramConfig = TelegramConfig()
    discord: DiscordConfig = DiscordConfig()
    images: ImagesConfig = ImagesConfig()
    web: WebConfig = WebConfig()
    chats: dict[PlatformKey, ChatOverride] = {}

    # Where the values came from, for messages; not part of the schema.
    source: str = Field("defaults", exclude=True)

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper(cls, v: Any) -> Any:
        return v.upper() if isinstance(v, str) else v

    @model_validator(mode="before")
    @classmethod
    def _one_database(cls, data: Any) -> Any:
        """`store.url` names the database as `database` does (the issue's word for it); a postgresql:// URL
        in either picks PostgreSQL, a path SQLite. Both given and different: which one was meant?"""
        from bot.store.dburl import redact

        store = data.get("store") if isinstance(data, dict) else None
        url = store.get("url") if isinstance(store, dict) else None
        if isinstance(url, str) and url.strip():
            if data.get("database") not in (None, url):
                raise ValueError(f"database ({redact(str(data['database']))}) and store.url ({redact(url)}) "
                                 "name two databases: keep one")
            data = {**data, "database": url.strip()}
        return data

    @field_validator("database")
    @classmethod
    def _database(cls, v: str) -> str:
        from bot.store.dburl import check_postgres_url, is_postgres_url

        if is_postgres_url(v):
            check_postgres_url(v)  # one readable line, password hidden
        return v

    def chat_override(self, chat_key: str) -> ChatOverride | None:
        return self.chats.get(chat_key)


# ---- loading ----

def load_config(path: str | os.PathLike | None = None, env: Mapping[str, str] | None = None) -> Config:
    """Read, merge and validate the configuration; raises ConfigError with a human message."""
    env = os.environ if env is None else env
    file = _pick_file(path, env)
    raw = _read_yaml(file) if file else {}
    origin = str(file) if file else "defaults"
    _apply_env(raw, env)
    if (env.get("LEEKGUARD_DB") or "").strip() and isinstance(raw.get("store"), dict):
        raw["store"].pop("url", None)  # the environment names the database: it wins over the file, as always
    try:
        return Config.model_validate({**raw, "source": origin})
    except ValidationError as exc:
        raise ConfigError(_explain(exc, origin, raw)) from None


def _pick_file(path: str | os.PathLike | None, env: Mapping[str, str]) -> Path | None:
    chosen = path or env.get("LEEKGUARD_CONFIG") or None
    if chosen:
        p = Path(chosen)
        if not p.is_file():
            raise ConfigError(f"config error: config file not found: {p}")
        return p
    default = Path(DEFAULT_PATH)
    return default if default.is_file() else None


def _read_yaml(file: Path) -> dict:
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"config error: cannot read {file}: {exc}") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        where = ""
        mark = getattr(exc, "problem_mark", None)
        if mark is not None:
            where = f" line {mark.line + 1}, column {mark.column + 1}"
        problem = getattr(exc, "problem", None) or str(exc)
        raise ConfigError(f"config error: {file}{where}: not valid YAML: {problem}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"config error: {file}: the top level must be a mapping of keys, "
                          f"not {type(data).__name__}")
    return data


def _apply_env(raw: dict, env: Mapping[str, str]) -> None:
    """Write environment overrides (non-blank variables) into the raw dict before validation."""
    for var, dotted in ENV_OVERRIDES.items():
        value = env.get(var)
        if value is None or value.strip() == "":
            continue
        *parents, leaf = dotted.split(".")
        node: Any = raw
        for name in parents:
            if isinstance(node, dict) and node.get(name) is None:
                node[name] = {}
            node = node.get(name) if isinstance(node, dict) else None
        if isinstance(node, dict):  # else the file has a scalar where a section belongs: validation says so
            node[leaf] = value.strip()


def _dotted(loc: tuple) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", str(part)):
            out += ("." if out else "") + str(part)
        else:  # chat keys such as telegram:-1001234
            out += f"[{str(part)!r}]"
    return out


def _real_loc(loc: tuple, data: Any) -> tuple:
    """The error location as the user wrote it: keep the parts that exist in the input, which drops
    pydantic's union-member tags ('int', 'str') and its '[key]' marker."""
    out, node = [], data
    for part in loc:
        if isinstance(node, dict) and part in node or \
                isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            out.append(part)
            node = node[part]
    return tuple(out)


def explain_errors(exc: ValidationError, data: Any) -> list[str]:
    """One "key: what is wrong" line per problem, keys as the user wrote them (also used by /settings)."""
    by_key: dict[str, list[dict]] = {}
    for err in exc.errors():
        loc = _real_loc(err["loc"], data)
        if "token" in loc:  # never echo a secret, not even a malformed one
            err = {**err, "input": "***", "msg": err["msg"].split(",")[0]}
        elif isinstance(err.get("input"), str):  # a database URL's password neither
            from bot.store.dburl import redact

            err = {**err, "input": redact(err["input"])}
        by_key.setdefault(_dotted(loc) or "(top level)", []).append({**err, "loc": loc})
    lines = []
    for key, errs in by_key.items():
        if len(errs) == 1:
            text = _describe(errs[0], errs[0]["loc"])
        else:  # a union: every member failed
            wanted = " or ".join(dict.fromkeys(e["msg"].removeprefix("Input should be ") for e in errs))
            text = f"{errs[0].get('input')!r} is not valid: expected {wanted}"
        lines.append(f"{key}: {text}")
    return lines


def _explain(exc: ValidationError, origin: str, data: dict) -> str:
    lines = [f"config error: {line}" for line in explain_errors(exc, data)]
    if origin != "defaults":
        lines.append(f"  in {origin}")
    return "\n".join(lines)


def _describe(err: dict, loc: tuple) -> str:
    kind, value = err["type"], err.get("input")
    if kind == "literal_error":
        expected = err.get("ctx", {}).get("expected", "")
        choices = ", ".join(re.findall(r"'([^']*)'", expected)) or expected
        return f"{value!r} is not one of {choices}"
    if kind == "extra_forbidden":
        name = str(loc[-1]) if loc else ""
        allowed = _allowed_keys(loc[:-1])
        hint = difflib.get_close_matches(name, allowed, n=1)
        tail = f" (did you mean {hint[0]!r}?)" if hint else (f" (allowed: {', '.join(allowed)})" if allowed else "")
        return f"unknown key{tail}"
    if kind == "string_pattern_mismatch":
        return f"{value!r} must look like platform:id (e.g. telegram:12345)"
    if kind == "model_type":
        return f"must be a mapping of keys (got {value!r})"
    if kind == "value_error":
        return str(err.get("ctx", {}).get("error", err["msg"]))
    msg = err["msg"]
    return f"{msg} (got {value!r})" if value is not None and not isinstance(value, (dict, list)) else msg


def _allowed_keys(loc: tuple) -> list[str]:
    """Keys allowed at a location (top level, a section, or one chat under `chats`), for hints."""
    if len(loc) == 2 and loc[0] == "chats":
        return list(CHAT_SETTING_KEYS)
    if not loc:
        return [k for k in Config.model_fields if k != "source"]
    model: Any = Config
    for part in loc:  # down through nested sections (telegram.webhook)
        field = model.model_fields.get(str(part)) if isinstance(model, type) else None
        model = getattr(field, "annotation", None)
    return list(model.model_fields) if isinstance(model, type) and issubclass(model, BaseModel) else []
