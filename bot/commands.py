"""Platform-neutral command handlers: /check /incidents /review /undo /settings /stats /help /start, buttons.

Each handler takes a CommandContext (built by the adapter, which alone knows whether the user is an admin of
the chat) and returns a bot.actions.Reply for the adapter to render. Nothing here acts on a platform, except
the "Ban user" button, which goes through the adapter's own ActionExecutor like the pipeline does.

Buttons under an admin notification may be pressed in another chat (an admin chat or mod-log channel):
adapters call `incident_chat(id)` to learn which chat's admin rights to check, then pass a context for THAT
chat to `handle_button`.
"""

from __future__ import annotations

import asyncio
import logging
import re
import shlex
from collections import OrderedDict
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from aiolimiter import AsyncLimiter

from bot.actions import Action, ActionResult, Reply
from bot.chat_settings import ChatSettingsService, SettingError
from bot.config import CHAT_SETTING_KEYS, Config
from bot.pipeline import ActionExecutor, DryRunExecutor
from bot.policy import effective_label
from bot.replies import incident_line, lift_lines, render_check, show_value
from bot.store.types import Incident, NewIncident, StoreError
from bot.texts import category_name, normalise_language, t
from bot.undo import deleted_a_message, in_effect, lift, message_of
from leekguard_types import Author, Message, Verdict

log = logging.getLogger(__name__)

CHECK_RATE = (5, 60.0)  # /check: 5 per user per minute (admins are not limited)
INCIDENTS_DEFAULT, INCIDENTS_MAX = 10, 50


@dataclass(frozen=True, slots=True)
class CommandContext:
    """Who asks, where. Built by the adapter; `is_admin` is the adapter's verdict for this chat."""

    platform: str
    chat_id: str
    user: Author
    is_admin: bool
    chat_title: str = ""
    is_private: bool = False
    message_id: str | None = None  # the command message itself
    reply_to: Message | None = None  # the message the command replies to (/check as a reply)
    language: str | None = None  # the asker's UI language if the platform tells; None = the chat's setting
    # in a private chat with the bot: chat keys where the user is an admin (for /incidents)
    admin_chats: tuple[str, ...] = field(default=())

    @property
    def chat_key(self) -> str:
        return f"{self.platform}:{self.chat_id}"

    @property
    def display(self) -> str:
        return self.user.username and f"@{self.user.username}" or self.user.name or self.user.id

    @property
    def by(self) -> str:
        """How the user is named in review records: name and platform id."""
        return f"{self.display} ({self.platform}:{self.user.id})"


_COMMAND = re.compile(r"^/(\w+)(?:@\S+)?(?:\s+(.*))?$", re.S)


def parse_command(text: str) -> tuple[str, str] | None:
    """'/check@LeekGuardBot some text' -> ('check', 'some text'); None when it is not a command."""
    m = _COMMAND.match(text.strip())
    return (m.group(1).lower(), (m.group(2) or "").strip()) if m else None


class Commands:
    def __init__(self, engine, store, config: Config, chat_settings: ChatSettingsService, *,
                 executor: ActionExecutor | None = None, check_rate: tuple[int, float] = CHECK_RATE,
                 learning=None, images=None) -> None:
        self.engine = engine
        # bot.learning.LearnedSync: when given, reviews reach the engine through it (it applies each learned
        # sample once, also those the CLI adds); without it the engine is taught directly
        self.learning = learning
        self.images = images  # bot.images.moderation.ImageChecks or None: a review confirms posters too
        self.store = store
        self.config = config
        self.chat_settings = chat_settings
        self.executor = executor
        self.check_rate = check_rate
        self._limiters: OrderedDict[str, AsyncLimiter] = OrderedDict()
        self._acting: dict[int, tuple[asyncio.Lock, list[int]]] = {}  # incident id -> (lock, [holders and waiters])

    # ---- routing ----

    async def dispatch(self, ctx: CommandContext, text: str) -> Reply | None:
        """Run the command in `text`; None when it is not one of ours (the adapter may ignore it)."""
        parsed = parse_command(text)
        if parsed is None:
            return None
        name, args = parsed
        handler = {
            "check": self.check, "incidents": self.incidents, "review": self.review, "undo": self.undo,
            "settings": self.settings, "stats": self.stats, "web": self.web,
        }.get(name)
        try:
            if handler is not None:
                return await handler(ctx, args)
            if name in ("help", "start"):
                return await (self.help if name == "help" else self.start)(ctx)
        except StoreError as exc:
            return Reply(t("store_error", await self._lang(ctx), error=str(exc)), ephemeral=True)
        except Exception:  # a bug in one command must not take the adapter down
            log.exception("command /%s failed", name)
            return Reply(t("internal_error", await self._lang(ctx)), ephemeral=True)
        return None

    async def _lang(self, ctx: CommandContext) -> str:
        if ctx.language:
            return ctx.language
        return (await self.chat_settings.get(ctx.chat_key)).language

    async def _admins_only(self, ctx: CommandContext) -> Reply | None:
        if ctx.is_admin:
            return None
        return Reply(t("admins_only", await self._lang(ctx)), ephemeral=True)

    # ---- /check ----

    async def check(self, ctx: CommandContext, text: str = "") -> Reply:
        """Check a text (or the replied-to message). Reports only; never acts."""
        lang = await self._lang(ctx)
        target = ctx.reply_to
        subject = text or (target.text if target else "")
        if not subject.strip():
            return Reply(t("check.none", lang), ephemeral=True)
        if not ctx.is_admin and not await self._allow_check(f"{ctx.platform}:{ctx.user.id}"):
            return Reply(t("check.slow", lang), ephemeral=True)
        settings = await self.chat_settings.get(ctx.chat_key)
        verdict = self.engine.analyze(subject, reply_to_text=None if text else (target and target.reply_to_text),
                                      chat_key=ctx.chat_key)
        label = effective_label(verdict, settings)
        lang = normalise_language(verdict.lang, normalise_language(lang))  # /check answers in the message's language
        incident_id = await self._record_check(ctx, subject, verdict, label, from_reply=not text)
        return render_check(subject, verdict, label, lang, incident_id)

    async def _allow_check(self, user_key: str) -> bool:
        limiter = self._limiters.get(user_key)
        if limiter is None:
            limiter = self._limiters[user_key] = AsyncLimiter(*self.check_rate)
            while len(self._limiters) > 10_000:
                self._limiters.popitem(last=False)
        self._limiters.move_to_end(user_key)
        if not limiter.has_capacity():
            return False  # answer "slow down" rather than make the user wait
        await limiter.acquire()  # returns at once: there is capacity
        return True

    async def _record_check(self, ctx: CommandContext, text: str, verdict: Verdict, label: str,
                            from_reply: bool) -> int | None:
        """A /check that finds something is logged (source "check") so admins can see what was asked."""
        if label == "clean":
            return None
        target = ctx.reply_to
        message_id = target.message_id if from_reply and target else f"text:{verdict.text_hash[:16]}"
        author = target.author if from_reply and target else ctx.user
        incident = NewIncident(
            source="check", chat_id=ctx.chat_key, chat_title=ctx.chat_title, message_id=str(message_id),
            author_id=str(author.id), author_name=author.name or author.username or "", text=text,
            text_hash=verdict.text_hash, verdict=label, score=float(verdict.score),
            categories=tuple(verdict.categories), findings=[f.to_dict() for f in verdict.findings], actions=[])
        try:
            return (await self.store.record(incident)).id
        except Exception:
            log.exception("could not record a /check result")
            return None

    # ---- /incidents ----

    async def incidents(self, ctx: CommandContext, args: str = "") -> Reply:
        if (refused := await self._admins_only(ctx)) is not None:
            return refused
        lang = await self._lang(ctx)
        limit = INCIDENTS_DEFAULT
        if args.strip():
            if not args.strip().isdigit():
                return Reply(t("bad_usage", lang, usage="/incidents [N]"), ephemeral=True)
            limit = max(1, min(INCIDENTS_MAX, int(args)))
        chats = list(ctx.admin_chats) if ctx.is_private and ctx.admin_chats else [ctx.chat_key]
        found: list[Incident] = []
        for chat in chats:
            found += await self.store.list(chat=chat, limit=limit)
            found += await self.store.list(chat=f"check:{chat}", limit=limit)
        found = sorted(found, key=lambda i: (i.created_at, i.id), reverse=True)[:limit]
        if not found:
            return Reply(t("incidents.none", lang), ephemeral=True)
        lines = [incident_line(i, lang) for i in found]
        return Reply("\n".join([t("incidents.title", lang), *lines, t("incidents.hint", lang)]),
                     title=t("incidents.title", lang), ephemeral=True,
                     extra={"incident_ids": [i.id for i in found]})

    # ---- /review, /undo and the buttons ----

    async def review(self, ctx: CommandContext, args: str = "") -> Reply:
        """/review ID confirm|dismiss [exempt] [note...]"""
        if (refused := await self._admins_only(ctx)) is not None:
            return refused
        lang = await self._lang(ctx)
        words = args.split()
        usage = Reply(t("bad_usage", lang, usage="/review ID confirm|dismiss [exempt] [note]"), ephemeral=True)
        if len(words) < 2 or not words[0].lstrip("#").isdigit() or words[1].lower() not in ("confirm", "dismiss"):
            return usage
        exempt = len(words) > 2 and words[2].lower() in ("exempt", "--exempt")
        note = " ".join(words[3 if exempt else 2:]) or None
        return await self._review(ctx, int(words[0].lstrip("#")), words[1].lower(), note, exempt, lang)

    async def _review(self, ctx: CommandContext, incident_id: int, decision: str, note: str | None,
                      exempt: bool, lang: str) -> Reply:
        incident = await self._incident_here(ctx, incident_id)
        if incident is None:
            return Reply(t("review.not_found", lang, id=incident_id), ephemeral=True)
        result = await self.store.review(incident.id, decision, by=ctx.by, note=note)
        await self._apply_learning(result.replaced, result.sample)
        await self._review_posters(incident.id, result.incident.state)
        lines = [t("review.confirmed" if decision == "confirm" else "review.dismissed", lang, id=incident.id,
                   by=ctx.display)]
        if exempt and decision == "dismiss":
            # the strongest pattern rule (findings come strongest first); only patterns can be exempted
            rule = next(iter(incident.exemptable_rules), None)
            if rule is None:
                lines.append(t("review.no_rule", lang))
            else:
                await self.store.add_exemption(ctx.chat_key, rule, by=ctx.by, incident_id=incident.id, note=note)
                self.engine.exempt(ctx.chat_key, rule)
                lines.append(t("review.exempted", lang, rule=rule))
        return Reply("\n".join(lines), extra={"incident_id": incident.id, "state": result.incident.state})

    async def undo(self, ctx: CommandContext, args: str = "") -> Reply:
        """/undo ID: reopen a reviewed incident (forget what its review taught, drop its exemption) and lift the
        mute / ban LeekGuard put on its author (bot/undo.py)."""
        if (refused := await self._admins_only(ctx)) is not None:
            return refused
        lang = await self._lang(ctx)
        if not args.strip().lstrip("#").isdigit():
            return Reply(t("bad_usage", lang, usage="/undo ID"), ephemeral=True)
        return await self._undo(ctx, int(args.strip().lstrip("#")), lang)

    @asynccontextmanager
    async def _acting_on(self, incident_id: int) -> AsyncIterator[None]:
        """One ban or undo at a time per incident. Each reads the incident's recorded actions and writes them back
        with its own added: two at once would each miss the other's (an /undo sent the moment a ban button is
        pressed would find no ban to lift, and its write could drop the ban's record)."""
        lock, users = self._acting.setdefault(incident_id, (asyncio.Lock(), [0]))
        users[0] += 1
        try:
            async with lock:
                yield
        finally:
            users[0] -= 1
            if not users[0]:
                del self._acting[incident_id]

    async def _undo(self, ctx: CommandContext, incident_id: int, lang: str) -> Reply:
        async with self._acting_on(incident_id):
            return await self._undo_now(ctx, incident_id, lang)

    async def _undo_now(self, ctx: CommandContext, incident_id: int, lang: str) -> Reply:
        incident = await self._incident_here(ctx, incident_id)
        if incident is None:
            return Reply(t("review.not_found", lang, id=incident_id), ephemeral=True)
        to_lift = in_effect(incident.action_results)
        if incident.state == "open" and not to_lift:
            return Reply(t("review.nothing_to_undo", lang, id=incident.id), ephemeral=True)
        lines, changed = [], False
        if incident.state != "open":
            result = await self.store.review(incident.id, "open", by=ctx.by)
            await self._apply_learning(result.replaced, None)
            await self._review_posters(incident.id, "open")
            for ex in await self.store.list_exemptions(ctx.chat_key):
                if ex.incident_id == incident.id:
                    await self.store.remove_exemption(ex.chat_key, ex.rule_id)
                    self.engine.unexempt(ex.chat_key, ex.rule_id)
            lines.append(t("review.undone", lang, id=incident.id))
            changed = True
        lifted: list[ActionResult] = []
        if to_lift and (self.executor is None or incident.source != ctx.platform):
            lines.append(t("undo.unavailable", lang))
        elif to_lift:
            lifted = await self._lift(ctx, incident)
            lines += lift_lines(incident.author_name or incident.author_id, lifted, lang)
            changed = changed or any(r.status == "done" for r in lifted)
        if deleted_a_message(incident.action_results):
            lines.append(t("undo.deleted_stays", lang))
        return Reply("\n".join(lines), ephemeral=not changed,
                     extra={"incident_id": incident.id, "state": "open",
                            "lifted": [r.action.kind for r in lifted if r.status == "done"]})

    async def _lift(self, ctx: CommandContext, incident: Incident) -> list[ActionResult]:
        """Lift LeekGuard's mute / ban through the adapter's executor; the results go on the incident."""
        settings = await self.chat_settings.get(ctx.chat_key)
        results = await lift(DryRunExecutor(self.executor) if settings.dry_run else self.executor, incident)
        try:
            await self.store.set_action_results(incident.id, [*incident.action_results, *results])
        except Exception:
            log.exception("could not save the undo results of incident %s", incident.id)
        return results

    async def _apply_learning(self, forget, learn) -> None:
        """The store changed the samples; the engine follows (no restart needed)."""
        if self.learning is not None:
            await self.learning.refresh()
            return
        # in a worker thread: the engine tokenises the text and replays the other reviews, and chats must not wait
        if forget is not None:
            await asyncio.to_thread(self.engine.unlearn, forget.text, forget.label)
        if learn is not None:
            await asyncio.to_thread(self.engine.learn, learn.text, learn.label)

    async def _review_posters(self, incident_id: int, state: str) -> None:
        """Posters of a confirmed incident are recognised when posted again; dismissed / reopened: no more."""
        if self.images is None:
            return
        try:
            await self.images.reviewed(incident_id, state)
        except Exception:  # the review itself stands
            log.exception("posters of incident %s not updated after its review", incident_id)

    async def incident_chat(self, incident_id: int) -> str | None:
        """The chat key ("platform:chat_id") an incident belongs to: whose admins may act on it."""
        incident = await self.store.get(incident_id)
        if incident is None:
            return None
        return incident.chat_id if incident.source == "check" else incident.chat_key

    async def _incident_here(self, ctx: CommandContext, incident_id: int) -> Incident | None:
        """The incident, if it belongs to the context's chat (an admin of one chat cannot touch another's)."""
        incident = await self.store.get(incident_id)
        if incident is None:
            return None
        chat = incident.chat_id if incident.source == "check" else incident.chat_key
        return incident if chat == ctx.chat_key else None

    async def handle_button(self, action: str, ctx: CommandContext) -> Reply:
        """"confirm:ID" | "dismiss:ID" | "ban:ID" | "undo:ID", pressed by ctx.user in the incident's chat."""
        lang = await self._lang(ctx)
        verb, _, raw_id = action.partition(":")
        if verb not in ("confirm", "dismiss", "ban", "undo") or not raw_id.isdigit():
            return Reply(t("button.unknown", lang), ephemeral=True)
        if (refused := await self._admins_only(ctx)) is not None:
            return refused
        incident_id = int(raw_id)
        try:
            if verb in ("confirm", "dismiss"):
                return await self._review(ctx, incident_id, verb, None, False, lang)
            if verb == "undo":
                return await self._undo(ctx, incident_id, lang)
            return await self._ban(ctx, incident_id, lang)
        except StoreError as exc:
            return Reply(t("store_error", lang, error=str(exc)), ephemeral=True)
        except Exception:
            log.exception("button %s failed", action)
            return Reply(t("internal_error", lang), ephemeral=True)

    async def _ban(self, ctx: CommandContext, incident_id: int, lang: str) -> Reply:
        """Ban the incident's author. A ban is not a review: it never trains the classifier."""
        async with self._acting_on(incident_id):
            return await self._ban_now(ctx, incident_id, lang)

    async def _ban_now(self, ctx: CommandContext, incident_id: int, lang: str) -> Reply:
        incident = await self._incident_here(ctx, incident_id)
        if incident is None:
            return Reply(t("review.not_found", lang, id=incident_id), ephemeral=True)
        if self.executor is None or incident.source not in (ctx.platform,):
            return Reply(t("ban.unavailable", lang), ephemeral=True)
        author = incident.author_name or incident.author_id
        msg = message_of(incident)
        settings = await self.chat_settings.get(ctx.chat_key)
        executor = DryRunExecutor(self.executor) if settings.dry_run else self.executor
        action = Action("ban")
        try:
            result = await executor.execute(msg, action, None, incident.id)
        except Exception as exc:
            result = ActionResult(action, "failed", f"{type(exc).__name__}: {exc}")
        try:
            await self.store.set_action_results(incident.id, [*incident.action_results, result])
        except Exception:
            log.exception("could not save the ban result of incident %s", incident.id)
        if result.status == "failed":
            return Reply(t("ban.failed", lang, author=author, detail=result.detail), ephemeral=True)
        return Reply(t("ban.done", lang, author=author, id=incident.id),
                     extra={"incident_id": incident.id, "status": result.status})

    # ---- /settings ----

    async def settings(self, ctx: CommandContext, args: str = "") -> Reply:
        """/settings | /settings set KEY VALUE | /settings reset KEY|all | /settings exempt|unexempt RULE"""
        if (refused := await self._admins_only(ctx)) is not None:
            return refused
        lang = await self._lang(ctx)
        try:
            words = shlex.split(args)
        except ValueError:
            words = args.split()
        verb = words[0].lower() if words else "show"
        if verb in CHAT_SETTING_KEYS:  # "/settings language en" = "/settings set language en"
            verb, words = "set", ["set", *words]
        try:
            if verb == "set" and len(words) >= 3:
                value = " ".join(words[2:])
                new = await self.chat_settings.set(ctx.chat_key, words[1], value, by=ctx.by)
                key = words[1].lower().replace("-", "_")
                return Reply(t("settings.changed", new.language, key=key, value=show_value(getattr(new, key))))
            if verb == "reset" and len(words) == 2:
                key = None if words[1].lower() == "all" else words[1]
                new = await self.chat_settings.reset(ctx.chat_key, key, by=ctx.by)
                return Reply(t("settings.reset", new.language, key=words[1]))
            if verb in ("exempt", "unexempt") and len(words) == 2:
                return await self._exempt(ctx, words[1], verb == "exempt", lang)
            if verb == "show" and len(words) <= 1:
                return await self._show_settings(ctx, lang)
        except SettingError as exc:
            return Reply(str(exc), ephemeral=True)
        return Reply(t("bad_usage", lang, usage="/settings [set KEY VALUE | reset KEY|all | exempt RULE | "
                                               "unexempt RULE]"), ephemeral=True)

    async def _show_settings(self, ctx: CommandContext, lang: str) -> Reply:
        current = await self.chat_settings.get(ctx.chat_key)
        stored = await self.chat_settings.stored(ctx.chat_key)
        configured = self.config.chat_override(ctx.chat_key)
        from_config = configured.set_fields() if configured else {}
        fields = []
        for key in CHAT_SETTING_KEYS:
            origin = "/settings" if key in stored else "config chats" if key in from_config else "default"
            fields.append((key, f"{show_value(getattr(current, key))}  ({origin})"))
        fields.append(("thresholds", f"scam ≥ {current.scam_threshold:.2f}, suspicious ≥ "
                                     f"{current.suspicious_threshold:.2f}"))
        exempt = sorted(ex.rule_id for ex in await self.store.list_exemptions(ctx.chat_key))
        lines = [t("settings.title", lang), *(f"{k}: {v}" for k, v in fields)]
        if exempt:
            lines.append(t("settings.exemptions", lang, rules=", ".join(exempt)))
        lines.append(t("settings.hint", lang))
        return Reply("\n".join(lines), title=t("settings.title", lang), fields=tuple(fields), ephemeral=True)

    async def _exempt(self, ctx: CommandContext, rule: str, add: bool, lang: str) -> Reply:
        if add:
            await self.store.add_exemption(ctx.chat_key, rule, by=ctx.by)
            self.engine.exempt(ctx.chat_key, rule)
            return Reply(t("settings.exempt_added", lang, rule=rule))
        removed = await self.store.remove_exemption(ctx.chat_key, rule)
        self.engine.unexempt(ctx.chat_key, rule)
        return Reply(t("settings.exempt_removed" if removed else "settings.exempt_missing", lang, rule=rule))

    # ---- /stats, /help, /start ----

    async def stats(self, ctx: CommandContext, args: str = "") -> Reply:
        lang = await self._lang(ctx)
        stats = await self.store.stats(chat=ctx.chat_key)

        def items(counts: dict[str, int], name=lambda k: k, limit: int = 7) -> str:
            return ", ".join(f"{name(k)} {n}" for k, n in list(counts.items())[:limit]) or "-"

        lines = [t("stats.title", lang), t("stats.total", lang, n=stats.get("total", 0))]
        if stats.get("total"):
            lines += [
                t("stats.by_verdict", lang, items=items(stats["by_verdict"], lambda k: t(f"label.{k}", lang)
                                                        if k in ("scam", "suspicious", "clean") else k)),
                t("stats.by_category", lang, items=items(stats["by_category"], lambda k: category_name(k, lang))),
                t("stats.by_state", lang, items=items(stats["by_state"], lambda k: t(f"state.{k}", lang)
                                                      if k in ("open", "confirmed", "dismissed") else k)),
                t("stats.by_day", lang, items=items(stats["by_day"], limit=7)),
            ]
        # /check results are logged as their own source; counted on their own line, as /incidents lists them
        checks = await self.store.stats(chat=f"check:{ctx.chat_key}")
        if checks.get("total"):
            lines.append(t("stats.checks", lang, n=checks["total"],
                           items=items(checks["by_verdict"], lambda k: t(f"label.{k}", lang)
                                       if k in ("scam", "suspicious", "clean") else k)))
        return Reply("\n".join(lines), title=t("stats.title", lang), extra={"stats": stats, "checks": checks})

    async def web(self, ctx: CommandContext, args: str = "") -> Reply:
        """/web in a private chat: a short-lived sign-in link to the web console, limited to the chats the
        asker administers (the adapter fills ctx.admin_chats)."""
        lang = await self._lang(ctx)
        if not ctx.is_private:
            return Reply(t("web.private_only", lang), ephemeral=True)
        if not ctx.admin_chats:
            return Reply(t("admins_only", lang), ephemeral=True)
        from bot import web_link

        token, web = web_link.web_token(), self.config.web
        if token is None:
            return Reply(t("web.off", lang), ephemeral=True)
        try:
            link = web_link.make_link(web.public_url or f"http://{web.host}:{web.port}", token, ctx.by,
                                      ctx.admin_chats)
        except ImportError:  # the `web` extra is not installed
            return Reply(t("web.off", lang), ephemeral=True)
        return Reply(t("web.link", lang, chats=", ".join(ctx.admin_chats), minutes=web_link.LINK_MINUTES, link=link),
                     ephemeral=True)

    async def help(self, ctx: CommandContext, args: str = "") -> Reply:
        lang = await self._lang(ctx)
        keys = ["help.check", "help.stats", "help.help"]
        if ctx.is_admin:
            keys[1:1] = ["help.incidents", "help.review", "help.undo", "help.settings"]
        return Reply("\n".join([t("help.title", lang), *(t(k, lang) for k in keys)]), title=t("help.title", lang))

    async def start(self, ctx: CommandContext, args: str = "") -> Reply:
        return Reply(t("start", await self._lang(ctx)))
