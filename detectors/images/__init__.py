"""Image checks (optional: `pip install 'leekguard[images]'`, and `images.enabled: true` in the config).

What a picture can carry that text rules never see: QR codes (a WeChat group, a payment code, a look-alike
of openai.com), poster text (OCR, Chinese and English), and the same scam poster posted again (perceptual
hash against posters of confirmed incidents). Nothing here imports a chat platform, and importing this
package imports no heavy library: Pillow, zxing-cpp, RapidOCR and imagehash load on first use.

API for adapters (Telegram photos and image documents, Discord attachments, `leekguard scan`, `check`):

    from detectors.images import ImageAnalyzer, image_support_status, images_available

    log.info(image_support_status(config))        # start-up line: on, or off and why
    if images_available(config):
        analyzer = ImageAnalyzer(engine, config, posters=poster_index)   # one per process
        await analyzer.warm_up()                  # optional: OCR models loaded before the first image
    ...
    if analyzer.has_capacity():                   # cheap check before downloading anything
        report = await analyzer.analyze(fetch, msg.text, chat_key="telegram:-100123",
                                        reply_to_text=msg.reply_to_text)
        # fetch: bytes, or `async def fetch() -> bytes` (called only once the image is admitted;
        # honour images.max_bytes while downloading, e.g. skip when ImageRef.size is larger)
    report.verdict        # Verdict for caption + image together (None only if engine is None). It supersedes
                          # the caption-only verdict for that message: record it under the same message id.
    report.rejected       # None, or a reason code: too_large, too_many_pixels, corrupt, format_not_allowed,
                          # empty, queue_full, fetch_failed, extra_missing (then verdict = caption only)
    report.qr             # tuple[QRPayload(text, kind, host, brand)]; kind: wechat_group, wechat_contact,
                          # wechat_pay, alipay, telegram, lookalike_domain, url, text
    report.ocr_text, report.poster_hash (PosterHash, .hex()), report.poster_match (PosterMatch | None)
    report.image_findings # the findings only the image gave (QR evidence, QR + hype, poster match)
    report.notes          # what was skipped or failed (animated: first frame only; OCR failure)
    report.summary(lang), report.to_dict(), report.timings (seconds: load, hash, qr, ocr, engine, total)
    await analyzer.close()

Findings: engine findings on the poster text have origin "image:ocr", on QR payloads "image:qr" (spans index
report.ocr_text / report.qr_text), on the caption "text" (spans index the caption, as for any message).
Image-only findings: detector "image", rules image.qr.<kind> (evidence, score 0; a look-alike domain 0.30)
and image.qr_with_hype (+0.35: a QR code alone is not a scam, a QR next to AI-product hype in the caption
or on the poster is); detector "poster_hash", rule poster_hash.confirmed_match (+0.75, origin
"image:poster"): "matches a poster already confirmed as a scam in this chat / another chat".

Known posters: bot/images/posters.py keeps the hashes of images of incidents (table poster_hashes in the
incident DB) and fills the PosterIndex with those of confirmed incidents.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from detectors.images.settings import ImageSettings, image_support_status, images_available, missing_extras

if TYPE_CHECKING:
    from detectors.images.analyzer import ImageAnalyzer
    from detectors.images.poster_hash import PosterHash, PosterIndex, PosterMatch
    from detectors.images.report import ImageReport
    from leekguard_types import ImageRejected

_LAZY = {
    "ImageAnalyzer": "detectors.images.analyzer",
    "ImageReport": "detectors.images.report",
    "ImageRejected": "leekguard_types",
    "PosterHash": "detectors.images.poster_hash",
    "PosterIndex": "detectors.images.poster_hash",
    "PosterMatch": "detectors.images.poster_hash",
    "KnownPoster": "detectors.images.poster_hash",
}

__all__ = ["ImageSettings", "image_support_status", "images_available", "missing_extras", *_LAZY]


def __getattr__(name: str):
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'detectors.images' has no attribute {name!r}")
