"""The `leekguard` command line: the composition root, the one package that may wire adapters in.

    main.py      the click group; each area registers its commands in COMMANDS (`leekguard = cli.main:main`)
    run.py       `leekguard run`; wiring.py chooses the adapters (one per platform with a token, else the console)
    check.py     `check` and `eval`              scan.py       `scan` (history audits, bot/scan/)
    incidents.py `incidents`, `samples`, `db`    render.py     their rich tables
    discord_setup.py  `discord invite-url`
    logs.py      logging set-up with secrets redacted;  heap.py  garbage-collector settings after the engine loads;
    timespec.py  "30d" / "2024-05-01" arguments

`python -m cli ...` is the same as `leekguard ...`.
"""
