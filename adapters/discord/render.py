"""Platform-neutral replies -> Discord embeds and views.

Two safety rules apply to everything rendered here:
- only official links are clickable: any other URL (a scammer's, quoted as evidence) is shown as inline code,
  which Discord never turns into a link;
- quoted user text cannot format or ping: markdown and @everyone / @here / <@id> are escaped (and every send
  also passes AllowedMentions.none()).
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Iterable

import discord

from adapters.discord.views import ReviewButton
from bot.actions import Button, Reply
from bot.warnings import load_products, load_statements

EMBED_TITLE = 256
EMBED_DESCRIPTION = 4096
COLOURS = {
    "scam": discord.Colour.red(),
    "suspicious": discord.Colour.orange(),
    "warning": discord.Colour.orange(),
    "admin_notice": discord.Colour.red(),
    "clean": discord.Colour.green(),
    "error": discord.Colour.dark_grey(),
}
# URLs are ASCII: the match stops at the first space or non-ASCII character (Chinese text runs right up to
# links, with full-width brackets around them)
_URL = re.compile(r"(?i)\b[a-z][a-z0-9+.\-]*://[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]+")
_TRAILING = ".,;:!?'\")]"
DISCORD_PERMALINK = "https://discord.com/channels/"  # jump links to messages: stay inside Discord
_STYLES = {
    "primary": discord.ButtonStyle.primary,
    "danger": discord.ButtonStyle.danger,
    "success": discord.ButtonStyle.success,
    "secondary": discord.ButtonStyle.secondary,
}
NO_MENTIONS = discord.AllowedMentions.none()


@lru_cache(maxsize=1)
def official_urls() -> frozenset[str]:
    """Links a warning may make clickable: official product sites and the sources of official statements."""
    urls = {url for p in load_products() for url in p.official}
    urls.update(s.url for s in load_statements() if s.url)
    return frozenset(u.rstrip("/") for u in urls)


def _is_official(url: str) -> bool:
    url = url.rstrip(_TRAILING).rstrip("/")
    if url.startswith(DISCORD_PERMALINK):
        return True
    return any(url == ok or url.startswith(ok + "/") for ok in official_urls())


def defang(text: str) -> str:
    """Every non-official URL as inline code (not clickable)."""
    def sub(m: re.Match) -> str:
        url = m.group(0)
        tail = url[len(url.rstrip(_TRAILING)):]
        url = url[: len(url) - len(tail)]
        return url + tail if _is_official(url) else f"`{url}`{tail}"
    return _URL.sub(sub, text)


def safe(text: str, limit: int | None = None) -> str:
    """User-visible text: markdown and mentions escaped, non-official links disabled, cut to `limit`."""
    text = discord.utils.escape_mentions(discord.utils.escape_markdown(text, ignore_links=True))
    text = defang(text)
    if limit is not None and len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return text


def shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def colour_of(reply: Reply) -> discord.Colour:
    verdict = dict(reply.fields).get("verdict")
    for key in (reply.extra.get("label"), verdict, reply.extra.get("kind")):
        if key in COLOURS:
            return COLOURS[key]
    return discord.Colour.blurple()


def warning_embed(reply: Reply) -> discord.Embed:
    """The warning under a scam message: the headline (category) as title, then evidence, the official
    statement with its date and source, and the official site: each line of reply.text, made safe."""
    lines = [ln for ln in reply.text.splitlines() if ln.strip()]
    head, rest = (lines[0], lines[1:]) if lines else ("LeekGuard", [])
    embed = discord.Embed(title=shorten(head, EMBED_TITLE), description=safe("\n".join(rest), EMBED_DESCRIPTION),
                          colour=colour_of(reply))
    embed.set_footer(text="LeekGuard")
    return embed


def reply_embed(reply: Reply) -> discord.Embed:
    """Any other reply (command answers, mod-log notices). Reply.text is complete on its own, so it is the
    whole embed: its first line becomes the title when it starts with reply.title ("LeekGuard check (#3)").
    Reply.fields repeat the text for platforms that lay them out; here they only choose the colour."""
    lines = reply.text.splitlines()
    title = reply.title or None
    if title and lines and lines[0].startswith(title):
        title, lines = lines[0], lines[1:]
    text = "\n".join(lines).strip()
    return discord.Embed(title=shorten(title, EMBED_TITLE) if title else None,
                         description=safe(text, EMBED_DESCRIPTION) if text else None, colour=colour_of(reply))


def official_link_buttons(reply: Reply) -> list[discord.ui.Button]:
    """Link buttons for the official URLs a warning cites (never any other URL)."""
    urls = [m.group(0).rstrip(_TRAILING) for m in _URL.finditer(reply.text)]
    out: list[discord.ui.Button] = []
    for url in dict.fromkeys(urls):
        if _is_official(url) and not url.startswith(DISCORD_PERMALINK) and len(out) < 3:
            label = re.sub(r"^https?://(www\.)?", "", url)[:80]
            out.append(discord.ui.Button(style=discord.ButtonStyle.link, url=url, label=label))
    return out


def review_buttons(buttons: Iterable[Button]) -> list[ReviewButton]:
    out = []
    for b in buttons:
        verb, _, incident = b.action.partition(":")
        if incident.isdigit() and verb in ReviewButton.VERBS:
            out.append(ReviewButton(verb, int(incident), label=b.label[:80],
                                    style=_STYLES.get(b.style, discord.ButtonStyle.secondary)))
    return out


def view_for(reply: Reply, *, warning: bool = False) -> discord.ui.View | None:
    items: list[discord.ui.Item] = official_link_buttons(reply) if warning else []
    items += review_buttons(reply.buttons)
    if not items:
        return None
    view = discord.ui.View(timeout=None)
    for item in items[:25]:
        view.add_item(item)
    return view


def render(reply: Reply) -> dict:
    """Keyword arguments for send / edit / interaction responses."""
    warning = reply.extra.get("kind") == "warning"
    kwargs: dict = {"embed": warning_embed(reply) if warning else reply_embed(reply), "allowed_mentions": NO_MENTIONS}
    view = view_for(reply, warning=warning)
    if view is not None:
        kwargs["view"] = view
    return kwargs
