"""create_app(): the Starlette application of the web console over one IncidentStore."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

import jinja2

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.routing import Route
from starlette.templating import Jinja2Templates

from adapters.web import api, pages, show
from adapters.web.auth import RequireLogin, SecurityHeaders
from adapters.web.review import WebReviewer

SESSION_HOURS = 12


def create_app(store: Any, token: str, *, learning: Any = None, secure_cookies: bool = False,
               session_secret: str | None = None) -> Starlette:
    """`token`: the admin token (required). `secure_cookies`: behind an HTTPS reverse proxy. The session key is
    random per start unless given, so a restart logs everyone out."""
    if not token:
        raise ValueError("the web console needs an admin token (LEEKGUARD_WEB_TOKEN)")
    routes = [
        Route("/login", pages.login, methods=["GET", "POST"]),
        Route("/logout", pages.logout, methods=["POST"]),
        Route("/signin", pages.signin),
        Route("/", pages.incident_list),
        Route("/incidents/{id:int}", pages.incident_page),
        Route("/incidents/{id:int}/review", pages.review, methods=["POST"]),
        Route("/review", pages.bulk_review, methods=["POST"]),
        Route("/export.{fmt}", pages.export),
        Route("/stats", pages.stats),
        Route("/api/incidents", api.list_incidents),
        Route("/api/incidents/{id:int}", api.get_incident),
        Route("/api/incidents/{id:int}/review", api.review, methods=["POST"]),
    ]
    middleware = [
        Middleware(SecurityHeaders),
        Middleware(SessionMiddleware, secret_key=session_secret or secrets.token_urlsafe(32),
                   session_cookie="leekguard_session", max_age=SESSION_HOURS * 3600, same_site="strict",
                   https_only=secure_cookies),
        Middleware(RequireLogin, token=token),
    ]
    app = Starlette(routes=routes, middleware=middleware)
    app.state.store, app.state.token = store, token
    app.state.reviewer = WebReviewer(store, learning)
    app.state.used_links = set()  # nonces of /web sign-in links already used (each works once)
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(Path(__file__).with_name("templates")), autoescape=True)
    env.globals["safe"] = show.safe  # the macros in _text.html cut names and texts into escaped pieces
    app.state.templates = Jinja2Templates(env=env)
    return app
