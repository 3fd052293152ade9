"""The HTML pages: login, the incident list (with bulk review and export links), one incident, stats."""

from __future__ import annotations

import logging
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response, StreamingResponse

from adapters.web import csrf, exports, query, show
from adapters.web.auth import token_matches
from adapters.web.review import DECISIONS
from adapters.web.texts import language, translator
from bot.store.types import NotFound, StoreError

log = logging.getLogger("leekguard.web")
WHO = "web:admin"  # how a token holder is named in review records


def render(request: Request, name: str, status: int = 200, **context: Any) -> Response:
    lang = language(request.headers.get("accept-language"))
    return request.app.state.templates.TemplateResponse(
        request, name, {"t": translator(lang), "lang": "zh-Hans" if lang == "zh" else "en", "csrf": csrf.token(request),
                        "logged_in": bool(request.session.get("admin") or request.session.get("chats")), **context},
        status_code=status)


async def login(request: Request) -> Response:
    if request.method == "GET":
        return render(request, "login.html")
    form = await csrf.checked_form(request)
    if not token_matches(str(form.get("token") or ""), request.app.state.token):
        return render(request, "login.html", 401, failed=True)
    request.session.clear()  # a fresh session (and CSRF token) after login
    request.session["admin"] = True
    return RedirectResponse("/", 303)


async def signin(request: Request) -> Response:
    """A /web link from the bot: once, within its minutes, for the chats its admin runs."""
    from bot.web_link import read_link

    data = read_link(request.app.state.token, str(request.query_params.get("t") or ""))
    used = request.app.state.used_links
    if data is None or data["nonce"] in used:
        t = translator(language(request.headers.get("accept-language")))
        return render(request, "login.html", 403, failed_link=t("link.bad"))
    used.add(data["nonce"])
    request.session.clear()
    request.session.update({"chats": [str(c) for c in data["chats"]], "who": str(data.get("by") or "chat admin")})
    return RedirectResponse("/", 303)


def scope(request: Request) -> list[str] | None:
    """The chats this session may see (a /web link), or None: every chat (the token holder)."""
    return None if request.session.get("admin") else list(request.session.get("chats") or [])


def who(request: Request) -> str:
    return WHO if request.session.get("admin") else str(request.session.get("who"))


def incident_chat(inc: Any) -> str:
    return inc.chat_id if inc.source == "check" else inc.chat_key


async def _incident_in_scope(request: Request, incident_id: int) -> Any:
    inc = await request.app.state.store.get(incident_id)
    chats = scope(request)
    if inc is None or (chats is not None and incident_chat(inc) not in chats):
        t = translator(language(request.headers.get("accept-language")))
        raise HTTPException(404, t("not_found", id=incident_id))
    return inc


async def logout(request: Request) -> Response:
    await csrf.checked_form(request)
    request.session.clear()
    return RedirectResponse("/login", 303)


def _query(request: Request) -> query.Query:
    """The filter asked for; a /web session sees its own chats only (its first one unless it names another)."""
    params = dict(request.query_params)
    chats = scope(request)
    if chats is not None:
        params.setdefault("chat", chats[0])
        if params["chat"] not in chats:
            raise HTTPException(403, "that chat is not one of yours")
    try:
        return query.parse(params)
    except query.BadQuery as exc:
        raise HTTPException(400, str(exc)) from None


async def incident_list(request: Request) -> Response:
    q = _query(request)
    store = request.app.state.store
    page, nxt = await query.fetch(store, q)
    return render(request, "list.html", q=q, incidents=page, next_after=nxt, paged=q.after is not None,
                  flash=request.query_params.get("done"), chats=scope(request))


async def incident_page(request: Request) -> Response:
    inc = await _incident_in_scope(request, request.path_params["id"])
    lang = language(request.headers.get("accept-language"))
    return render(request, "incident.html", inc=inc, message=show.highlighted(inc.text, inc.findings),
                  statement=_statement(inc, lang), reviews=await request.app.state.store.review_log(inc.id),
                  flash=request.query_params.get("done"))


def _statement(inc: Any, lang: str) -> str | None:
    """The official statement a warning about this incident cites (as chat warnings pick it)."""
    try:
        from bot.warnings import pick_statement, products_in, statement_line

        st = pick_statement(inc.categories, products_in(inc.text), on=inc.created_at.date())
        return statement_line(st, "en" if lang == "en" else "zh-Hans") if st else None
    except Exception:
        log.exception("no statement for incident %s", inc.id)
        return None


def _decision(form: Any) -> tuple[str, str | None]:
    decision = str(form.get("decision") or "")
    if decision not in DECISIONS:
        raise HTTPException(400, "decision: confirm, dismiss or undo")
    return decision, (str(form.get("note") or "").strip() or None)


async def review(request: Request) -> Response:
    form = await csrf.checked_form(request)
    decision, note = _decision(form)
    incident_id = (await _incident_in_scope(request, request.path_params["id"])).id
    try:
        result = await request.app.state.reviewer.review(incident_id, decision, who(request), note)
    except NotFound as exc:
        raise HTTPException(404, str(exc)) from None
    except StoreError as exc:
        raise HTTPException(409, str(exc)) from None
    return RedirectResponse(f"/incidents/{incident_id}?done={result.incident.state}", 303)


async def bulk_review(request: Request) -> Response:
    form = await csrf.checked_form(request)
    decision, note = _decision(form)
    # the ticked incidents, or with "all" every incident of the page shown (the filtered page)
    ids = [int(v) for v in form.getlist("page_ids" if form.get("all") else "ids") if str(v).isdigit()]
    back = str(form.get("back") or "")
    if not ids:
        return RedirectResponse(f"/?{back}&done=none" if back else "/?done=none", 303)
    done = 0
    for incident_id in ids:
        try:
            await _incident_in_scope(request, incident_id)
            await request.app.state.reviewer.review(incident_id, decision, who(request), note)
            done += 1
        except (StoreError, HTTPException) as exc:
            log.warning("bulk review skipped incident %s: %s", incident_id, exc)
    return RedirectResponse(f"/?{back}&done={done}" if back else f"/?done={done}", 303)


async def export(request: Request) -> Response:
    fmt = request.path_params["fmt"]
    if fmt not in exports.MEDIA:
        raise HTTPException(404)
    q = _query(request)
    return StreamingResponse(exports.lines(request.app.state.store, q.filter, fmt), media_type=exports.MEDIA[fmt],
                             headers={"Content-Disposition": f'attachment; filename="incidents.{fmt}"'})


async def stats(request: Request) -> Response:
    q = _query(request)
    s = await request.app.state.store.stats(chat=q.filter.chat, since=q.filter.since)
    days = dict(reversed(list(s["by_day"].items())[:30]))  # the last 30 days that had incidents, oldest first
    return render(request, "stats.html", q=q, total=s["total"], per_day=show.bars(days),
                  per_category=show.bars(s["by_category"]), per_chat=show.bars(s["by_chat"]),
                  outcomes=show.bars(s["by_state"]), verdicts=show.bars(s["by_verdict"]), chats=scope(request))
