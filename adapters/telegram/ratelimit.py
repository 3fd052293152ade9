"""Telegram flood limits with PTB's AIORateLimiter, applied to what Telegram actually limits: sent messages.

Telegram allows about 30 messages per second overall and 20 per minute in one group. PTB's AIORateLimiter
counts every request that names a chat, so a busy group's getChatMember / deleteMessage calls would use up
the 20 messages a minute the warnings need. Here only message sends and edits go through the per-chat and
global limiters; every request still gets the RetryAfter handling: a 429 is waited out (retry_after + 0.1 s,
pausing all requests meanwhile) and retried up to `max_retries` times, never dropped silently.
"""

from __future__ import annotations

from typing import Any

from telegram.constants import FloodLimit
from telegram.ext import AIORateLimiter

# Bot API methods that post or change a message the chat sees.
MESSAGE_METHODS = frozenset({
    "sendMessage", "sendPhoto", "sendDocument", "sendMediaGroup", "sendAnimation", "sendVideo", "sendSticker",
    "copyMessage", "forwardMessage", "editMessageText", "editMessageCaption", "editMessageReplyMarkup",
})


class MessageRateLimiter(AIORateLimiter):
    def __init__(self, overall_per_second: float = FloodLimit.MESSAGES_PER_SECOND,
                 group_per_minute: float = FloodLimit.MESSAGES_PER_MINUTE_PER_GROUP, max_retries: int = 5):
        super().__init__(overall_max_rate=overall_per_second, overall_time_period=1,
                         group_max_rate=group_per_minute, group_time_period=60, max_retries=max_retries)

    async def process_request(self, callback: Any, args: Any, kwargs: dict[str, Any], endpoint: str,
                              data: dict[str, Any], rate_limit_args: int | None) -> Any:
        if endpoint not in MESSAGE_METHODS:
            data = {}  # no chat_id seen -> no flood limiter, but 429s are still waited out and retried
        return await super().process_request(callback, args, kwargs, endpoint, data, rate_limit_args)
