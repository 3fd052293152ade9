"""CSRF: a random token kept in the signed session, echoed by every form (the synchronizer-token pattern).

The session cookie is signed by Starlette's SessionMiddleware (itsdangerous) and SameSite=strict; the token
comes from `secrets` and is compared in constant time. No crypto of our own.
"""

from __future__ import annotations

import secrets

from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request

FIELD = "csrf"


def token(request: Request) -> str:
    value = request.session.get(FIELD)
    if not value:
        value = request.session[FIELD] = secrets.token_urlsafe(32)
    return value


async def checked_form(request: Request) -> FormData:
    """The posted form, once its CSRF token matches the session's; 403 otherwise."""
    form = await request.form()
    sent, expected = str(form.get(FIELD) or ""), request.session.get(FIELD) or ""
    if not expected or not secrets.compare_digest(sent.encode(), expected.encode()):
        raise HTTPException(403, "CSRF token missing or wrong; reload the page and try again")
    return form
