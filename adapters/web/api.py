"""The JSON API for scripts (Bearer token only): list with the pages' filters, one incident, review."""

from __future__ import annotations

import json

from starlette.requests import Request
from starlette.responses import JSONResponse

from adapters.web import query
from adapters.web.review import DECISIONS
from bot.store.types import StoreError

WHO = "api:token"


async def list_incidents(request: Request) -> JSONResponse:
    try:
        q = query.parse(request.query_params, max_limit=1000)
    except query.BadQuery as exc:
        return JSONResponse({"error": str(exc)}, 400)
    page, nxt = await query.fetch(request.app.state.store, q)
    return JSONResponse({"incidents": [i.to_dict() for i in page], "next_after": nxt})


async def get_incident(request: Request) -> JSONResponse:
    inc = await request.app.state.store.get(request.path_params["id"])
    if inc is None:
        return JSONResponse({"error": "no such incident"}, 404)
    reviews = await request.app.state.store.review_log(inc.id)
    return JSONResponse({**inc.to_dict(), "reviews": [{**r, "at": r["at"].isoformat()} for r in reviews]})


async def review(request: Request) -> JSONResponse:
    try:
        body = await request.json()
    except (ValueError, json.JSONDecodeError):
        return JSONResponse({"error": "a JSON body: {\"decision\": \"confirm\" | \"dismiss\", \"note\": \"...\"}"}, 400)
    decision = body.get("decision") if isinstance(body, dict) else None
    note = body.get("note") if isinstance(body, dict) else None
    if decision not in DECISIONS or (note is not None and not isinstance(note, str)):
        return JSONResponse({"error": f"decision: one of {', '.join(DECISIONS)}; note: a string"}, 400)
    incident_id = request.path_params["id"]
    if await request.app.state.store.get(incident_id) is None:
        return JSONResponse({"error": "no such incident"}, 404)
    try:
        result = await request.app.state.reviewer.review(incident_id, decision, WHO, note)
    except StoreError as exc:
        return JSONResponse({"error": str(exc)}, 409)
    return JSONResponse({"incident": result.incident.to_dict(), "previous_state": result.previous_state,
                         "learned": result.sample.label if result.sample else None})
