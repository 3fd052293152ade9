"""Downloading a photo or image document for the image checks (bot/images/moderation.py).

Two Bot API steps: getFile (which also tells the size) and the download from the file URL. A file whose
size getFile reports over the limit is refused before a byte is downloaded; the Bot API itself serves bots
files of at most 20 MB. The file URL holds the token: errors are reported by type only (the analyzer does).
"""

from __future__ import annotations

from telegram import Bot

from leekguard_types import ImageRef, ImageRejected


async def fetch_image(bot: Bot, image: ImageRef, max_bytes: int) -> bytes:
    file = await bot.get_file(image.ref)
    if file.file_size is not None and file.file_size > max_bytes:
        raise ImageRejected("too_large", f"{file.file_size} bytes, limit {max_bytes}")
    return bytes(await file.download_as_bytearray())
