"""Platform adapters: translate a platform's events into leekguard_types.Message and carry out decided actions.

adapters/telegram/ and adapters/discord/ (one package per platform), console.py (a chat on the terminal) and
exports/ (chat-export readers for `leekguard scan`). Adapters use bot/'s public services (bot.runner.Services);
only the command line (cli/) chooses and starts them.
"""
