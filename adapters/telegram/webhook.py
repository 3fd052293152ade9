"""Webhook mode (telegram.mode: webhook): Telegram posts updates to python-telegram-bot's own web server.

    plan = WebhookPlan.of(config.telegram)          # WebhookSettingsError: no secret, no public URL
    await start_webhook(app, plan, allowed_updates)  # after app.start(), like start_polling; app.updater.stop()
                                                     # stops the server

PTB checks the secret on every request (403 without the X-Telegram-Bot-Api-Secret-Token header or with a
wrong one), so webhook mode never runs without a secret. Several workers behind one reverse proxy each serve
on their own port; only one registers the webhook (set_webhook: true), the others serve what the proxy sends
them (ServingOnlyBot).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Sequence

from telegram.error import BadRequest
from telegram.ext import Application, ExtBot

from bot.config import TelegramConfig

log = logging.getLogger(__name__)


class WebhookSettingsError(ValueError):
    """Webhook mode cannot start with these settings."""


class WebhookRefused(RuntimeError):
    """Telegram refused setWebhook (a URL it will not post to): retrying cannot fix it."""


@dataclass(frozen=True)
class WebhookPlan:
    listen: str
    port: int
    url_path: str
    public_url: str | None
    secret: str
    set_webhook: bool
    max_connections: int

    @classmethod
    def of(cls, tg: TelegramConfig) -> "WebhookPlan":
        hook = tg.webhook
        secret = hook.secret_token.get_secret_value() if hook.secret_token is not None else ""
        if not secret:
            raise WebhookSettingsError(
                "telegram.mode is webhook but no secret token is set: set LEEKGUARD_TELEGRAM_WEBHOOK_SECRET (or "
                "telegram.webhook.secret_token) to 1-256 characters of A-Z a-z 0-9 _ -")
        if hook.set_webhook and not hook.public_url:
            raise WebhookSettingsError(
                "telegram.webhook.public_url is not set: Telegram needs the HTTPS address to post to (workers "
                "that only serve what the proxy sends them set telegram.webhook.set_webhook: false)")
        return cls(hook.listen, hook.port, hook.url_path.strip("/"), hook.public_url, secret, hook.set_webhook,
                   hook.max_connections)

    @property
    def local_url(self) -> str:
        return f"http://{self.listen}:{self.port}/{self.url_path}"

    def describe(self) -> str:
        """For the start-up log: where it listens and who registers the webhook (never the secret)."""
        where = (f"registered at {self.public_url}" if self.set_webhook else
                 "not registering it (telegram.webhook.set_webhook: false; another worker does)")
        return f"webhook server on {self.local_url}, {where}, secret token required"


class ServingOnlyBot(ExtBot):
    """The bot of a worker with set_webhook: false. PTB's start_webhook always calls setWebhook; here that
    call is answered without asking Telegram, so the worker only serves and the one registration stays the
    leader's (a second setWebhook could also drop the leader's max_connections or allowed_updates)."""

    async def set_webhook(self, *args: Any, **kwargs: Any) -> bool:
        return True


async def start_webhook(app: Application, plan: WebhookPlan, allowed_updates: Sequence[str]) -> None:
    """Start PTB's webhook server (and register the webhook unless this worker only serves)."""
    try:
        # bootstrap_retries=0: a refused URL fails at once; a network failure restarts the adapter (bot/runner.py)
        await app.updater.start_webhook(  # type: ignore[union-attr]
            listen=plan.listen, port=plan.port, url_path=plan.url_path,
            webhook_url=plan.public_url or plan.local_url, secret_token=plan.secret,
            allowed_updates=list(allowed_updates), max_connections=plan.max_connections, bootstrap_retries=0)
    except BadRequest as exc:
        raise WebhookRefused(f"Telegram refused the webhook {plan.public_url}: {exc.message}") from None
    except OSError as exc:  # the port is taken (an old worker still running?), or the address is not ours
        raise ConnectionError(f"cannot serve the Telegram webhook on {plan.listen}:{plan.port}: "
                              f"{exc.strerror or exc}") from None
