"""The console adapter: a chat on the terminal, with no platform account at all.

Same pipeline, policy, warnings, commands and incident log as the real platforms. Input:
    some text                 a message from the default member ("member")
    alice: some text          a message from alice (a name has no spaces or colons)
    /check [text]             a command from you, the admin at the keyboard (without text: checks the
                              previous message, as a reply would); alice: /check ... runs it as alice
    a line ending in \\        continues on the next line (one message of several lines)
    \"\"\"  ...  \"\"\"             a pasted block: everything up to the closing \"\"\" is one message
                              (the opening line may be  alice: \"\"\")
    /button confirm:12        press a button of an admin notification; /quit (or end of input) leaves
Output lines of the bot start with [LeekGuard]; on a terminal they are coloured, when piped they are plain
and the input is echoed, so `leekguard run < chat.txt > transcript.txt` reads like a chat log.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import queue
import re
import sys
import threading
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import IO, TYPE_CHECKING

from rich.console import Console
from rich.text import Text

from bot.actions import Action, ActionResult, Reply
from bot.commands import CommandContext, parse_command
from leekguard_types import Author, Message

if TYPE_CHECKING:
    from bot.runner import Services

log = logging.getLogger(__name__)

CHAT_ID = "console"
BOT_TAG = "[LeekGuard]"
ADMIN_TAG = "[LeekGuard → admins]"
KEYBOARD_USER = Author(id="you", name="you", is_admin=True)
DEFAULT_MEMBER = "member"
BLOCK = '"""'
_SPEAKER = re.compile(r"^([^\s:/][^\s:]{0,31}):\s+(.*)$", re.S)  # "alice: hi"; not "https://..."

CONSOLE_HELP = """Console: type a message to post it as "member"; "alice: text" posts as alice.
End a line with \\ to continue the message on the next line, or paste a block between two lines of \"\"\".
/check with no text checks the previous message. /button confirm:12 presses a button. /quit or Ctrl-D leaves."""


@dataclass(frozen=True, slots=True)
class Entry:
    """One logical input: who said it and what (several lines joined)."""

    speaker: Author
    text: str


def speaker_for(name: str) -> Author:
    if name.casefold() == KEYBOARD_USER.id:
        return KEYBOARD_USER
    return Author(id=name.casefold(), name=name)


def split_speaker(line: str) -> tuple[Author | None, str]:
    """'alice: hi' -> (alice, 'hi'); '/check x' -> (you, '/check x'); 'hi' -> (None = default member, 'hi')."""
    if line.startswith("/"):
        return KEYBOARD_USER, line
    m = _SPEAKER.match(line)
    if m:
        return speaker_for(m.group(1)), m.group(2)
    return None, line


class LineSource:
    """Lines from a stream, read in a daemon thread (a blocked read never holds up shutdown).

    On a terminal, input() is used so the prompt and line editing work; each line is requested only after
    the previous one is handled, so the bot's answer never lands in the middle of the prompt.
    """

    def __init__(self, stream: IO[str], interactive: bool) -> None:
        self.stream = stream
        self.interactive = interactive
        self._requests: queue.Queue[tuple[str, asyncio.Future, asyncio.AbstractEventLoop]] = queue.Queue()
        self._thread = threading.Thread(target=self._serve, name="leekguard-console-input", daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        binary = None if self.interactive else getattr(self.stream, "buffer", None)
        while True:
            prompt, fut, loop = self._requests.get()
            try:
                if self.interactive:
                    line: str | None = input(prompt)
                else:  # bytes, so one badly encoded line cannot end the chat
                    raw = binary.readline() if binary is not None else self.stream.readline()
                    raw = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw
                    line = raw.rstrip("\r\n") if raw else None
            except EOFError:
                line = None
            except UnicodeDecodeError:  # a terminal in another encoding: drop the line, keep the chat
                line = ""
            except Exception as exc:  # a broken stream ends the console like EOF, with the reason
                loop.call_soon_threadsafe(_settle, fut, None, exc)
                continue
            loop.call_soon_threadsafe(_settle, fut, line, None)

    async def readline(self, prompt: str = "") -> str | None:
        loop = asyncio.get_running_loop()
        fut: asyncio.Future = loop.create_future()
        self._requests.put((prompt, fut, loop))
        return await fut


def _settle(fut: asyncio.Future, value: str | None, exc: BaseException | None) -> None:
    if fut.done():
        return
    if exc is not None:
        fut.set_exception(exc)
    else:
        fut.set_result(value)


async def read_entries(source: LineSource):
    """Logical inputs: continuation lines and pasted blocks joined into one entry."""
    while True:
        line = await source.readline("> ")
        if line is None:
            return
        if not line.strip():
            continue
        speaker, text = split_speaker(line)
        if text.strip() == BLOCK:
            lines = []
            while (more := await source.readline("... ")) is not None and more.strip() != BLOCK:
                lines.append(more)
            text = "\n".join(lines)
        else:
            while text.endswith("\\"):
                more = await source.readline("... ")
                text = text[:-1] + ("\n" + more if more is not None else "")
                if more is None:
                    break
        yield Entry(speaker or speaker_for(DEFAULT_MEMBER), text)


def human_seconds(seconds: int | None) -> str:
    if not seconds:
        return "indefinitely"
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


class _Console(Console):
    def on_broken_pipe(self) -> None:
        # rich's default raises SystemExit, which would skip the store's clean shutdown; the reader of our
        # output is gone (`leekguard run < chat.txt | head`), so go quiet and let the adapter stop
        self.quiet = True


class ConsolePrinter:
    """Everything the console shows. Coloured on a terminal, plain text when piped."""

    def __init__(self, out: IO[str], interactive: bool) -> None:
        self.interactive = interactive
        self.console = _Console(file=out, force_terminal=interactive, no_color=not interactive,
                               color_system="auto" if interactive else None, highlight=False, markup=False,
                               emoji=False, soft_wrap=True)

    @property
    def closed(self) -> bool:
        """The output went away (a closed pipe): nobody is listening any more."""
        return self.console.quiet

    def echo(self, who: str, text: str) -> None:
        """Repeat the input when piped, so the output reads as a chat log (on a terminal it was just typed)."""
        if not self.interactive:
            self.console.print(f"{who}: {text}")

    def bot(self, text: str, *, tag: str = BOT_TAG, style: str = "bold cyan") -> None:
        lines = text.split("\n")
        pad = " " * (len(tag) + 1)
        out = Text()
        out.append(tag + " ", style=style)
        for i, line in enumerate(lines):
            if i:
                out.append("\n" + pad)
            out.append_text(self._evidence(line))
        self.console.print(out)

    def reply(self, reply: Reply, *, tag: str = BOT_TAG, style: str = "bold cyan") -> None:
        text = reply.text
        if reply.buttons:
            text += "\n" + "  ".join(f"[{b.label}: /button {b.action}]" for b in reply.buttons)
        self.bot(text, tag=tag, style=style)

    @staticmethod
    def _evidence(line: str) -> Text:
        """«evidence» in bold yellow on a terminal (no effect when colour is off)."""
        out = Text()
        for part in re.split(r"(«[^»]*»)", line):
            out.append(part, style="bold yellow" if part.startswith("«") else None)
        return out


class ConsoleExecutor:
    """Carries out actions by saying what it did."""

    def __init__(self, printer: ConsolePrinter) -> None:
        self.printer = printer

    @staticmethod
    def _line(msg: Message, action: Action, done: bool = True) -> str:
        who = msg.author.name or msg.author.id
        past, present, what = {
            "delete": ("deleted", "delete", f"message #{msg.message_id} of {who}"),
            "mute": ("muted", "mute", f"{who} for {human_seconds(action.seconds)}"),
            "ban": ("banned", "ban", who),
            "warn": ("warned", "warn", f"{who} about message #{msg.message_id}"),
            "notify_admins": ("notified", "notify", "the admins"),
            "unmute": ("unmuted", "unmute", who),
            "unban": ("unbanned", "unban", who),
        }[action.kind]
        return f"{past if done else 'would ' + present} {what}"

    async def execute(self, msg: Message, action: Action, reply: Reply | None,
                      incident_id: int | None) -> ActionResult:
        silently = " (silently)" if action.silent else ""
        if action.kind == "warn" and reply is not None:
            self.printer.reply(reply, style="bold red")
        elif action.kind == "notify_admins" and reply is not None:
            self.printer.reply(reply, tag=ADMIN_TAG, style="bold magenta")
        else:
            self.printer.bot(self._line(msg, action) + silently, style="bold red")
        return ActionResult(action, "done", "shown on the console")

    async def preview(self, msg: Message, action: Action, reply: Reply | None, incident_id: int | None) -> None:
        line = "(dry-run) " + self._line(msg, action, done=False)
        if action.kind == "warn" and reply is not None:
            line += ":\n" + reply.text
        self.printer.bot(line, style="dim")


class ConsoleAdapter:
    name = "console"

    def __init__(self, stdin: IO[str] | None = None, stdout: IO[str] | None = None,
                 interactive: bool | None = None) -> None:
        self.stdin = stdin or sys.stdin
        self.stdout = stdout or sys.stdout
        if interactive is None:
            interactive = self.stdin is sys.stdin and _isatty(self.stdin) and _isatty(self.stdout)
        self.interactive = interactive
        self._ids = itertools.count(1)
        self.last_message: Message | None = None

    async def run(self, services: "Services") -> None:
        printer = ConsolePrinter(self.stdout, self.interactive)
        executor = ConsoleExecutor(printer)
        self._printer, self._moderator = printer, services.moderator(executor)
        self._commands = services.commands(executor)
        if self.interactive:
            printer.bot("console chat. Type messages; \"alice: text\" speaks as alice; /help for commands; "
                        "Ctrl-D to leave.", style="bold green")
        async for entry in read_entries(LineSource(self.stdin, self.interactive)):
            try:
                if not await self._handle(entry) or printer.closed:
                    return
            except Exception:  # keep the chat going; the runner would restart us, losing the conversation
                log.exception("console input failed: %r", entry.text[:80])
                printer.bot("internal error (logged); carry on", style="bold red")

    async def _handle(self, entry: Entry) -> bool:
        """One input: a message for the pipeline or a command; False = leave."""
        printer = self._printer
        message_id = str(next(self._ids))  # commands are messages too, as on the platforms
        parsed = parse_command(entry.text)
        if parsed is None:
            msg = Message(platform="console", chat_id=CHAT_ID, message_id=message_id, author=entry.speaker,
                          text=entry.text, chat_title="console", date=datetime.now(timezone.utc))
            printer.echo(f"#{msg.message_id} {entry.speaker.name}", entry.text)
            await self._moderator.handle(msg)
            self.last_message = msg
            return True
        printer.echo(entry.speaker.name, entry.text)
        name, args = parsed
        ctx = CommandContext(platform="console", chat_id=CHAT_ID, user=entry.speaker,
                             is_admin=entry.speaker.is_admin, chat_title="console", message_id=message_id,
                             reply_to=self.last_message)
        if name in ("quit", "exit"):
            return False
        if name == "button":
            printer.reply(await self._commands.handle_button(args.strip(), ctx))
            return True
        reply = await self._commands.dispatch(ctx, entry.text)
        if reply is None:
            printer.bot(f"unknown command /{name}; /help lists the commands")
        elif name == "help":
            printer.reply(Reply(reply.text + "\n" + CONSOLE_HELP))
        else:
            printer.reply(reply)
        return True


def _isatty(stream: IO[str]) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False
