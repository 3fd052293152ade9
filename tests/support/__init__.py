"""Helpers shared by the test groups (nothing here is a test).

    bot_core.py   a fixed-answer engine, a recording executor and a chat transcript (errbot style)
    engine.py     one real Engine for the whole session
    incidents.py  an incident factory for the store tests      exports.py  a marker engine and export writers

The fake Telegram and Discord servers and the synthetic posters live in fake_platforms/ (bench/ uses them too).
"""
