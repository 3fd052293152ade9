"""ImageReport: everything one image analysis found, in a form adapters, the CLI and the store can use."""

from __future__ import annotations

from dataclasses import dataclass, field

from detectors.images.poster_hash import PosterHash, PosterMatch
from detectors.images.qr import QRPayload
from leekguard_types import Finding, Verdict


@dataclass(frozen=True, slots=True)
class ImageReport:
    """Result of ImageAnalyzer.analyze().

    Span offsets of a finding refer to the text named by its origin: "text" -> the caption (the message
    text), "image:ocr" -> `ocr_text`, "image:qr" -> `qr_text` (the payloads joined by newlines).
    """

    verdict: Verdict | None  # caption + image combined; None only when no engine was given
    rejected: str | None = None  # reason code (leekguard_types.images.REASONS) when the image was not analysed
    rejected_detail: str = ""
    format: str = ""
    width: int = 0
    height: int = 0
    animated: bool = False
    qr: tuple[QRPayload, ...] = ()
    ocr_text: str = ""
    poster_hash: PosterHash | None = None
    poster_match: PosterMatch | None = None
    image_findings: tuple[Finding, ...] = ()  # findings that exist only because of the image
    notes: tuple[str, ...] = ()  # what was skipped or failed, said plainly (animated frames, OCR failure)
    timings: dict[str, float] = field(default_factory=dict, compare=False)  # seconds: load, hash, qr, ocr, engine, total

    @property
    def analysed(self) -> bool:
        return self.rejected is None

    @property
    def qr_text(self) -> str:
        return "\n".join(p.text for p in self.qr)

    @property
    def is_hit(self) -> bool:
        return self.verdict is not None and self.verdict.is_hit

    def summary(self, lang: str = "en") -> str:
        """One line a human reads: what the image held."""
        zh = lang.startswith("zh")
        if self.rejected:
            from leekguard_types.images import REASONS, REASONS_ZH

            why = (REASONS_ZH if zh else REASONS).get(self.rejected, self.rejected)
            detail = f" ({self.rejected_detail})" if self.rejected_detail else ""
            return f"图片未分析：{why}{detail}" if zh else f"image not analysed: {why}{detail}"
        parts = []
        if self.qr:
            kinds = ", ".join(p.description[1 if zh else 0] for p in self.qr)
            parts.append(f"{len(self.qr)} 个二维码（{kinds}）" if zh else f"{len(self.qr)} QR code(s) ({kinds})")
        else:
            parts.append("无二维码" if zh else "no QR code")
        n = len(self.ocr_text)
        parts.append(f"识别文字 {n} 字" if zh else f"{n} characters of text read")
        if self.poster_match:
            where = ("本群" if self.poster_match.same_chat else "其他群") if zh else (
                "this chat" if self.poster_match.same_chat else "another chat")
            parts.append(f"与{where}已确认的诈骗海报相同" if zh else f"same poster as a confirmed scam in {where}")
        return ("；" if zh else "; ").join(parts)

    def to_dict(self) -> dict:
        """The image's own details; the verdict (caption and image together) is reported beside them."""
        return {
            "analysed": self.analysed,
            "rejected": self.rejected,
            "rejected_detail": self.rejected_detail or None,
            "format": self.format or None,
            "width": self.width,
            "height": self.height,
            "animated": self.animated,
            "qr": [p.to_dict() for p in self.qr],
            "ocr_text": self.ocr_text,
            "poster_hash": self.poster_hash.hex() if self.poster_hash else None,
            "poster_match": (
                {"incident_id": self.poster_match.incident_id, "chat": self.poster_match.chat_key,
                 "distance": self.poster_match.distance, "same_chat": self.poster_match.same_chat}
                if self.poster_match else None
            ),
            "notes": list(self.notes),
            "timings_ms": {k: round(v * 1000, 1) for k, v in self.timings.items()},
        }
