"""The web review console: the incident list, an incident page, reviews, exports, stats, and a JSON API.

    app.py      create_app(): routes, middleware, templates          auth.py    token, login form, sessions
    csrf.py     the per-session CSRF token of every form              query.py   query parameters -> filter
    pages.py    the HTML pages and their forms                        api.py     /api/incidents (Bearer only)
    review.py   WebReviewer: a review as chat buttons make it        show.py    evidence marks, bidi, charts
    texts.py    English and Chinese, chosen by Accept-Language        exports.py CSV / JSONL of a filter

Starlette + Jinja2 (autoescaping on); sessions are Starlette's signed cookie (itsdangerous). No JavaScript:
the Content-Security-Policy forbids every script, so even a mistake in escaping could not run one.
"""
