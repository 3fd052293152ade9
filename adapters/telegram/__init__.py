"""The Telegram adapter (python-telegram-bot): the only code that talks to Telegram.

    adapter.py        TelegramAdapter / TelegramSession: the PTB Application, its handlers, the pipeline they feed
    convert.py        Update -> leekguard_types.Message          executor.py  actions -> Bot API calls
    commands.py       commands and buttons -> bot/commands.py    render.py    Reply -> HTML + inline keyboard
    texts.py          the adapter's own sentences                admins.py    who is an admin, bot rights
    images.py         photo download within images.max_bytes     ratelimit.py Telegram's flood limits
    http_request.py   PTB's HTTP layer on aiohttp                log_redaction.py  the token out of every log line
    polling.py        long polling's one-line errors             webhook.py   telegram.mode: webhook (PTB's server)

Absolute imports only: this package is named like the `telegram` package (python-telegram-bot) it imports.
"""
