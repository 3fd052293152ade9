"""`leekguard web`: the review console (adapters/web) over the incident store the bot writes.

Nothing is served without the admin token (LEEKGUARD_WEB_TOKEN): the console refuses to start without one,
on any address. It binds 127.0.0.1 unless told otherwise; put a TLS reverse proxy in front to reach it from
elsewhere (README: "Web review console").
"""

from __future__ import annotations

import asyncio

import click

@click.command("web")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to bind. Anything but loopback is refused without a token; prefer a reverse proxy.")
@click.option("--port", type=click.IntRange(1, 65535), default=8080, show_default=True)
@click.option("--db", type=click.Path(dir_okay=False), help="Database file (default: config `database`, or LEEKGUARD_DB).")
@click.option("--secure-cookies", is_flag=True, help="Mark the session cookie Secure (behind an HTTPS proxy).")
@click.pass_context
def web(ctx: click.Context, host: str, port: int, db: str | None, secure_cookies: bool) -> None:
    """Serve the web review console: incidents, reviews, exports, stats and a JSON API.

    \b
        LEEKGUARD_WEB_TOKEN=... leekguard web --port 8080
    Browsers log in with the token; scripts send `Authorization: Bearer <token>` to /api/incidents.
    """
    from adapters.web.auth import admin_token
    from cli.incidents import _db_path
    from cli.logs import setup_logging

    try:
        token = admin_token()
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    setup_logging("INFO", [token])
    path = _db_path(ctx, db)
    try:
        asyncio.run(serve(path, token, host, port, secure_cookies=secure_cookies))
    except KeyboardInterrupt:
        pass


async def serve(path: str, token: str, host: str, port: int, *, secure_cookies: bool = False) -> None:
    from adapters.web.server import serve_app
    from bot.store.service import IncidentStore
    from bot.store.types import StoreError

    try:
        store = await IncidentStore.open(path, retention_days=None, create=False, maintenance=False,
                                         busy_timeout_ms=5000)
    except StoreError as exc:
        raise click.ClickException(str(exc)) from None
    try:
        click.echo(f"LeekGuard web console on http://{host}:{port}/ (database {store.label})", err=True)
        await serve_app(store, token, host, port, secure_cookies=secure_cookies)
    finally:
        await store.close()
