"""The Discord adapter (discord.py): the only code that talks to Discord.

    adapter.py   DiscordAdapter / DiscordSession: the client, its events, the pipeline they feed
    client.py    discord.py's client: one gateway connection, or shards (AutoShardedClient)
    convert.py   discord.py objects -> leekguard_types.Message, who is a moderator
    executor.py  actions -> Discord API calls                    commands.py  slash commands, menu, buttons
    render.py    Reply -> embeds and views                       views.py     the persistent review buttons
    texts.py     the adapter's own sentences                     invite.py    the OAuth2 invite URL

Absolute imports only: this package is named like the `discord` package (discord.py) it imports.
"""
