"""Pictures in the bot: the platform-neutral use of detectors.images.

    moderation.py  ImageChecks: chat pictures analysed in the background after the text was handled
    check.py       `leekguard check --image` and the photos of a chat export: a file through the analyzer
    posters.py     PosterStore: poster hashes of incidents, kept in the incident database
"""
