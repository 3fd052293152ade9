"""Authentication: nothing but the login form is served to a visitor who has not proven the admin token.

Scripts send `Authorization: Bearer <token>` (the API accepts nothing else, so no cookie can be abused there);
browsers log in once with the token and then carry a signed, HttpOnly, SameSite=strict session cookie.
"""

from __future__ import annotations

import ipaddress
import os
import secrets
from typing import Any

from starlette.datastructures import Headers
from starlette.responses import JSONResponse, RedirectResponse

PUBLIC = ("/login", "/signin")
TOKEN_ENV = "LEEKGUARD_WEB_TOKEN"
MIN_TOKEN = 16


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def admin_token() -> str:
    """The admin token from the environment. ValueError (never quoting it) when it is missing or too short:
    the console serves nothing without one, on loopback or any other address."""
    token = os.environ.get(TOKEN_ENV, "").strip()
    if not token:
        raise ValueError(f"set {TOKEN_ENV} to an admin token (for example: python3 -c 'import secrets; "
                         "print(secrets.token_urlsafe(32))'); the web console serves nothing without one")
    if len(token) < MIN_TOKEN:
        raise ValueError(f"{TOKEN_ENV} is too short: use at least {MIN_TOKEN} random characters")
    return token


def token_matches(sent: str | None, token: str) -> bool:
    return bool(sent) and secrets.compare_digest(sent.encode(), token.encode())


def bearer(headers: Headers) -> str | None:
    scheme, _, value = (headers.get("authorization") or "").partition(" ")
    return value.strip() if scheme.lower() == "bearer" else None


class RequireLogin:
    """ASGI middleware (inside SessionMiddleware): /api/* needs the Bearer token, pages a logged-in session."""

    def __init__(self, app: Any, token: str) -> None:
        self.app, self.token = app, token

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["path"] in PUBLIC:
            return await self.app(scope, receive, send)
        if scope["path"].startswith("/api/"):
            if token_matches(bearer(Headers(scope=scope)), self.token):
                return await self.app(scope, receive, send)
            refused = JSONResponse({"error": "authentication required: Authorization: Bearer <token>"}, 401,
                                   headers={"WWW-Authenticate": "Bearer"})
            return await refused(scope, receive, send)
        session = scope.get("session", {})
        if session.get("admin") or session.get("chats"):  # the token holder, or a chat admin's /web link
            return await self.app(scope, receive, send)
        return await RedirectResponse("/login", 303)(scope, receive, send)


class SecurityHeaders:
    """No script may run, no other site may frame or post to the console, and no page is cached."""

    CSP = ("default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; form-action 'self'; "
           "frame-ancestors 'none'; base-uri 'none'")

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        async def send_with_headers(message: dict) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", [])
                message["headers"] += [
                    (b"content-security-policy", self.CSP.encode()), (b"x-content-type-options", b"nosniff"),
                    (b"referrer-policy", b"no-referrer"), (b"x-frame-options", b"DENY"),
                    (b"cache-control", b"no-store")]
            await send(message)

        await self.app(scope, receive, send_with_headers if scope["type"] == "http" else send)
