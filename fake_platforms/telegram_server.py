"""A fake Telegram Bot API server on 127.0.0.1 that the real python-telegram-bot talks to.

    server = FakeTelegramServer()
    await server.start()                       # random port
    app = ApplicationBuilder().token(server.token).base_url(server.base_url) \
        .base_file_url(server.base_file_url).build()
    group = server.add_chat(-1001, title="AI fans")
    alice = server.add_user(42, "Alice")
    server.push_message(group, alice, "hello")  # an Update waits for getUpdates
    [call] = await server.wait_for_calls("sendMessage")

It keeps the state the bot can observe (chats, members and their rights, messages, files), answers with the
JSON shapes of the real API (fake_platforms/telegram_shapes.py), records every call, and can be told to fail the
next N calls of a method with HTTP 429 (parameters.retry_after) or 500. Used by tests and by bench/.
"""

from __future__ import annotations

import itertools
import json
import time
from typing import Any

from aiohttp import web

from fake_platforms import telegram_shapes as shapes
from fake_platforms.telegram_html import HTMLError, check_html
from fake_platforms.telegram_webhook import check_webhook_url
from fake_platforms.telegram_world import ApiError, Call, TelegramWorld

JSON = dict[str, Any]
_INT_PARAMS = {"chat_id", "message_id", "user_id", "sender_chat_id", "offset", "limit", "timeout", "until_date",
               "cache_time", "from_chat_id", "message_thread_id", "reply_to_message_id", "max_connections"}
_BOOL_PARAMS = {"disable_notification", "show_alert", "revoke_messages", "only_if_banned", "drop_pending_updates",
                "use_independent_chat_permissions", "disable_web_page_preview", "protect_content",
                "allow_sending_without_reply"}
_JSON_PARAMS = {"reply_markup", "permissions", "allowed_updates", "commands", "scope", "link_preview_options",
                "reply_parameters", "entities", "caption_entities"}


class FakeTelegramServer(TelegramWorld):
    def __init__(self, token: str = "123456789:TEST-token_abcdefghijklmnopqrstuvwxyz", *,
                 bot_username: str = "leekguard_test_bot", privacy_mode: bool = True):
        super().__init__(token, bot_username=bot_username, privacy_mode=privacy_mode)
        self._runner: web.AppRunner | None = None

    # ---- lifecycle ----

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/file/bot"

    async def start(self) -> "FakeTelegramServer":
        app = web.Application(client_max_size=20 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_api)
        app.router.add_get("/file/bot{token}/{path:.+}", self._handle_file)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return self

    async def stop(self) -> None:
        self._closing = True
        self._new_update.notify()  # release long polls so shutdown is quick
        await self.webhook.close()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> "FakeTelegramServer":
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # ---- HTTP ----

    async def _handle_file(self, request: web.Request) -> web.StreamResponse:
        if request.match_info["token"] != self.token:
            return web.json_response(shapes.error(401, "Unauthorized"), status=401)
        path = request.match_info["path"]
        if self.file_gate is not None:
            await self.file_gate.wait()
        for file_path, data in self._files.values():
            if file_path == path:
                return web.Response(body=data, content_type="application/octet-stream")
        return web.json_response(shapes.error(404, "Not Found"), status=404)

    async def _handle_api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        params = await _read_params(request)
        call = Call(method, params, 200, time.perf_counter())
        self.calls.append(call)
        self._new_call.notify()  # a long poll counts as arrived at once (it answers only later)
        try:
            if request.match_info["token"] != self.token:
                raise ApiError(401, "Unauthorized")
            if faults := self._faults.get(method.lower()):
                f = faults.popleft()
                raise ApiError(f.status, f.description, f.retry_after)
            handler = getattr(self, f"_api_{method.lower()}", None)
            if handler is None:
                raise ApiError(404, "Not Found: method not found")
            call.result = await handler(params)
            body: JSON = {"ok": True, "result": call.result}
        except ApiError as e:
            call.status = e.code
            body = shapes.error(e.code, e.description, e.retry_after)
        finally:
            self._new_call.notify()
        return web.json_response(body, status=call.status)

    # ---- Bot API methods (each takes the decoded params and returns `result`) ----

    async def _api_getme(self, p: JSON) -> JSON:
        return self.bot_user

    async def _api_deletewebhook(self, p: JSON) -> bool:
        if p.get("drop_pending_updates"):
            self._updates.clear()
        self.webhook.clear()
        return True

    async def _api_setwebhook(self, p: JSON) -> bool:
        url = str(p.get("url") or "")
        if not url:  # an empty URL removes the webhook, as in the real API
            return await self._api_deletewebhook(p)
        if refusal := check_webhook_url(url):
            raise ApiError(400, refusal)
        if p.get("drop_pending_updates"):
            self._updates.clear()
        try:
            self.webhook.set(url, p.get("secret_token"), p.get("allowed_updates"), int(p.get("max_connections", 40)))
        except ValueError as exc:
            raise ApiError(400, str(exc)) from None
        while self._updates:  # what waited for getUpdates now goes to the webhook
            update = self._updates.popleft()
            if self._wanted(update):
                self.webhook.enqueue(update)
        return True

    async def _api_getwebhookinfo(self, p: JSON) -> JSON:
        return self.webhook.info(len(self._updates))

    async def _api_getupdates(self, p: JSON) -> list[JSON]:
        if self.webhook.url is not None:
            raise ApiError(409, "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook "
                                "to delete the webhook first")
        offset, limit = p.get("offset", 0), min(max(p.get("limit", 100), 1), 100)
        if "allowed_updates" in p:
            self._allowed_updates = p["allowed_updates"] or []
        deadline = time.monotonic() + float(p.get("timeout", 0))
        while True:
            while self._updates and offset and self._updates[0]["update_id"] < offset:
                self._updates.popleft()  # confirmed by the offset
            ready = [u for u in itertools.islice(self._updates, limit) if self._wanted(u)]
            left = deadline - time.monotonic()
            if ready or left <= 0 or self._closing:
                return ready
            await self._new_update.wait(left)

    async def _api_sendmessage(self, p: JSON) -> JSON:
        c = self._chat(p)
        self._require_member(c)
        text = str(p.get("text", ""))
        plain = self._render(text, p.get("parse_mode"))
        if not plain.strip():
            raise ApiError(400, "Bad Request: message text is empty")
        if len(plain.encode("utf-16-le")) // 2 > 4096:  # Telegram counts UTF-16 units
            raise ApiError(400, "Bad Request: message is too long")
        reply_to = None
        rp = p.get("reply_parameters") or {}
        reply_id = rp.get("message_id") or p.get("reply_to_message_id")
        if reply_id:
            reply_to = self.messages.get((c["id"], int(reply_id)))
            if reply_to is None and not (rp.get("allow_sending_without_reply")
                                         or p.get("allow_sending_without_reply")):
                raise ApiError(400, "Bad Request: message to be replied not found")
        return self.new_message(c, self.bot_user, plain, reply_to=reply_to, reply_markup=p.get("reply_markup"))

    async def _api_editmessagetext(self, p: JSON) -> JSON:
        c = self._chat(p)
        msg = self._message(c, p, "Bad Request: message to edit not found")
        plain = self._render(str(p.get("text", "")), p.get("parse_mode"))
        if msg.get("text") == plain and msg.get("reply_markup") == p.get("reply_markup"):
            raise ApiError(400, "Bad Request: message is not modified: specified new message content and reply "
                                "markup are exactly the same as a current content and reply markup of the message")
        edited = {**msg, "text": plain, "edit_date": shapes.now()}
        edited.pop("reply_markup", None)
        if p.get("reply_markup"):
            edited["reply_markup"] = p["reply_markup"]
        self.messages[(c["id"], msg["message_id"])] = edited
        return edited

    async def _api_editmessagereplymarkup(self, p: JSON) -> JSON:
        c = self._chat(p)
        msg = self._message(c, p, "Bad Request: message to edit not found")
        edited = {k: v for k, v in msg.items() if k != "reply_markup"}
        if p.get("reply_markup"):
            edited["reply_markup"] = p["reply_markup"]
        self.messages[(c["id"], msg["message_id"])] = edited
        return edited

    async def _api_deletemessage(self, p: JSON) -> bool:
        c = self._chat(p)
        msg = self._message(c, p, "Bad Request: message to delete not found")
        if (msg.get("from") or {}).get("id") != self.bot_user["id"] and c["type"] != "private":
            self._require_right(c, "can_delete_messages", "Bad Request: message can't be deleted")
        del self.messages[(c["id"], msg["message_id"])]
        return True

    async def _api_restrictchatmember(self, p: JSON) -> bool:
        c, target = self._restrict_target(p, "restrict/unrestrict")
        if c["type"] != "supergroup":
            raise ApiError(400, "Bad Request: method is available only for supergroups")
        perms = p.get("permissions") or {}
        defaults = self.chat_permissions.get(c["id"])
        everyone_may = [k for k, v in defaults.items() if v] if defaults is not None else \
            [k for k in shapes.MEMBER_PERMISSIONS if k != "can_edit_tag"]
        if all(perms.get(k) for k in everyone_may):  # no less than every member may: the restriction is lifted
            if self.member(c["id"], target["id"])["status"] == "restricted":
                self.set_member(c["id"], target, "member")
        else:
            self.set_member(c["id"], target, "restricted", until_date=p.get("until_date") or 0, **perms)
        return True

    async def _api_banchatmember(self, p: JSON) -> bool:
        c, target = self._restrict_target(p, "restrict/unrestrict")
        self.set_member(c["id"], target, "kicked", until_date=p.get("until_date") or 0)
        return True

    async def _api_unbanchatmember(self, p: JSON) -> bool:
        c, target = self._restrict_target(p, "restrict/unrestrict")
        status = self.member(c["id"], target["id"])["status"]
        if not p.get("only_if_banned") or status == "kicked":
            self.set_member(c["id"], target, "left")
        return True

    async def _api_banchatsenderchat(self, p: JSON) -> bool:
        c = self._chat(p)
        self._require_right(c, "can_restrict_members", "Bad Request: not enough rights")
        self.banned_sender_chats.add((c["id"], int(p["sender_chat_id"])))
        return True

    async def _api_unbanchatsenderchat(self, p: JSON) -> bool:
        c = self._chat(p)
        self._require_right(c, "can_restrict_members", "Bad Request: not enough rights")
        self.banned_sender_chats.discard((c["id"], int(p["sender_chat_id"])))
        return True

    async def _api_getchatmember(self, p: JSON) -> JSON:
        c = self._chat(p)
        return self.member(c["id"], int(p["user_id"]))

    async def _api_getchatadministrators(self, p: JSON) -> list[JSON]:
        c = self._chat(p)
        return [m for (chat_id, _), m in self.members.items()
                if chat_id == c["id"] and m["status"] in ("creator", "administrator")]

    async def _api_getchat(self, p: JSON) -> JSON:
        c = self._chat(p)
        info = shapes.chat_full_info(c)
        if c["id"] in self.chat_permissions:
            info["permissions"] = self.chat_permissions[c["id"]]
        return info

    async def _api_answercallbackquery(self, p: JSON) -> bool:
        qid = str(p.get("callback_query_id", ""))
        if not qid.startswith("cq") or qid in self.callback_answers:
            raise ApiError(400, "Bad Request: query is too old and response timeout expired or query ID is invalid")
        self.callback_answers[qid] = p
        return True

    async def _api_setmycommands(self, p: JSON) -> bool:
        scope = (p.get("scope") or {}).get("type", "default")
        self.commands[(scope, p.get("language_code", ""))] = list(p.get("commands") or [])
        return True

    async def _api_getmycommands(self, p: JSON) -> list[JSON]:
        scope = (p.get("scope") or {}).get("type", "default")
        return self.commands.get((scope, p.get("language_code", "")), [])

    async def _api_deletemycommands(self, p: JSON) -> bool:
        self.commands.pop(((p.get("scope") or {}).get("type", "default"), p.get("language_code", "")), None)
        return True

    async def _api_senddocument(self, p: JSON) -> JSON:
        """Uploads arrive as multipart parts; the call records their name, size and type under __uploads__."""
        c = self._chat(p)
        upload = (p.get("__uploads__") or {}).get("document")
        if upload is None:
            raise ApiError(400, "Bad Request: there is no document in the request")
        return self.new_message(c, self.bot_user, caption=p.get("caption"),
                                extra={"document": {"file_id": f"DOC{upload['size']}", "file_unique_id": "d",
                                                    "file_name": upload["filename"], "file_size": upload["size"]}})

    async def _api_sendchataction(self, p: JSON) -> bool:
        self._chat(p)
        return True

    async def _api_getfile(self, p: JSON) -> JSON:
        file_id = str(p.get("file_id", ""))
        if file_id not in self._files:
            raise ApiError(400, "Bad Request: invalid file_id")
        path, data = self._files[file_id]
        return {"file_id": file_id, "file_unique_id": f"u{file_id}", "file_size": len(data), "file_path": path}

    async def _api_close(self, p: JSON) -> bool:
        return True

    # ---- checks shared by the methods ----

    def _chat(self, p: JSON) -> JSON:
        c = self.chats.get(p.get("chat_id"))  # type: ignore[arg-type]
        if c is None and p.get("chat_id") in self.users:  # a user who never opened a chat with the bot
            raise ApiError(403, "Forbidden: bot can't initiate conversation with a user")
        if c is None:
            raise ApiError(400, "Bad Request: chat not found")
        return c

    def _message(self, c: JSON, p: JSON, missing: str) -> JSON:
        msg = self.messages.get((c["id"], int(p.get("message_id", 0))))
        if msg is None:
            raise ApiError(400, missing)
        return msg

    def _require_member(self, c: JSON) -> None:
        if c["type"] != "private" and self.member(c["id"], self.bot_user["id"])["status"] in ("left", "kicked"):
            raise ApiError(403, f"Forbidden: bot is not a member of the {c['type']} chat")

    def _require_right(self, c: JSON, right: str, description: str) -> None:
        me = self.member(c["id"], self.bot_user["id"])
        if me["status"] != "creator" and not (me["status"] == "administrator" and me.get(right)):
            raise ApiError(400, description)

    def _restrict_target(self, p: JSON, verb: str) -> tuple[JSON, JSON]:
        c = self._chat(p)
        if c["type"] == "private":
            raise ApiError(400, "Bad Request: chat member status can't be changed in private chats")
        self._require_right(c, "can_restrict_members", f"Bad Request: not enough rights to {verb} chat member")
        user_id = int(p["user_id"])
        if self.member(c["id"], user_id)["status"] in ("creator", "administrator"):
            raise ApiError(400, "Bad Request: user is an administrator of the chat")
        return c, self.users.get(user_id) or shapes.user(user_id, f"User{user_id}")

    @staticmethod
    def _render(text: str, parse_mode: str | None) -> str:
        """The plain text Telegram would show; HTML that Telegram would refuse is refused here too."""
        if (parse_mode or "").upper() != "HTML":
            return text
        try:
            return check_html(text)
        except HTMLError as e:
            raise ApiError(400, f"Bad Request: can't parse entities: {e}") from None


async def _read_params(request: web.Request) -> JSON:
    """PTB sends url-encoded (or multipart) forms whose complex values are JSON strings; JSON bodies work too."""
    if request.content_type == "application/json":
        return await request.json()
    if request.method == "GET":
        raw: dict[str, Any] = dict(request.query)
    else:
        form = await request.post()
        raw = {k: v for k, v in form.items() if isinstance(v, str)}
        uploads = {k: {"filename": v.filename, "size": len(v.file.read()), "content_type": v.content_type}
                   for k, v in form.items() if not isinstance(v, str)}
        if uploads:
            raw["__uploads__"] = json.dumps(uploads)
    params: JSON = {}
    for k, v in raw.items():
        if k in _JSON_PARAMS or k == "__uploads__":
            params[k] = json.loads(v)
        elif k in _INT_PARAMS and v.lstrip("-").isdigit():
            params[k] = int(v)
        elif k in _BOOL_PARAMS:
            params[k] = v.lower() == "true"
        else:
            params[k] = v
    return params
