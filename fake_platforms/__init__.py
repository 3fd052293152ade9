"""Fake Telegram and Discord servers on 127.0.0.1 (and a real, throw-away PostgreSQL), harnesses that run the real adapters against them, and
synthetic scam posters: shared by tests/ and bench/, never installed with the bot.

    telegram_server.py, telegram_world.py, telegram_shapes.py, telegram_html.py   the fake Bot API
    telegram_webhook.py   its webhook side: setWebhook, then updates POSTed to the bot as Telegram does
    discord_server.py, discord_rest.py, discord_gateway.py, discord_world.py, discord_payloads.py   the fake Discord
    telegram_harness.py, discord_harness.py, bot_harness.py   the real adapter, engine and store against them
    posters.py    posters rendered with Pillow and a real QR code
    postgres/     a throw-away PostgreSQL server (initdb in a temp dir): the tests' `pg` fixture, bench_store_pg.py
"""
