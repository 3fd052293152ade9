"""Synthetic posters for the image tests and bench/bench_images.py.

Rendered with Pillow (text in a CJK font) and a real QR code from the `qrcode` library, so the tests exercise
the same decoders a real poster would. Nothing here is a test; test modules import it.
"""

from __future__ import annotations

import io
from pathlib import Path

import qrcode
from PIL import Image, ImageDraw, ImageFont, ImageOps

# Debian's fonts-wqy-microhei / fonts-noto-cjk; CI installs fonts-wqy-microhei.
CJK_FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
)


def cjk_font_path() -> str | None:
    for p in CJK_FONT_CANDIDATES:
        if Path(p).is_file():
            return p
    return None


NO_CJK_FONT_REASON = (
    "no CJK font installed (apt-get install fonts-wqy-microhei): posters cannot carry readable Chinese text, "
    "so OCR assertions cannot be checked"
)


def _font(size: int) -> ImageFont.ImageFont:
    path = cjk_font_path()
    if path:
        return ImageFont.truetype(path, size)
    return ImageFont.load_default(size=size)


def qr_image(payload: str, size: int) -> Image.Image:
    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=10, border=4)
    qr.add_data(payload)
    qr.make(fit=True)
    return qr.make_image(fill_color="black", back_color="white").convert("RGB").resize((size, size), Image.NEAREST)


def poster(
    lines: list[tuple[str, str]],
    qr_payload: str | None = None,
    *,
    width: int = 1080,
    height: int = 1527,
    background: tuple[tuple[int, int, int], tuple[int, int, int]] = ((255, 244, 214), (255, 255, 255)),
    qr_size: int = 420,
    font_size: int = 68,
) -> Image.Image:
    """A vertical poster: a two-colour gradient, lines of (text, colour) from the top, a QR code at the bottom."""
    top, bottom = background
    grad = Image.linear_gradient("L").resize((width, height))
    img = Image.composite(Image.new("RGB", (width, height), bottom), Image.new("RGB", (width, height), top), grad)
    draw = ImageDraw.Draw(img)
    font = _font(font_size)
    y = 90
    for text, colour in lines:
        draw.text((70, y), text, font=font, fill=colour)
        y += int(font_size * 1.6)
    # A decorative band, like most posters have: it must not confuse the hash or the QR reader.
    draw.rectangle((0, height - 90, width, height), fill=(200, 40, 40))
    if qr_payload is not None:
        q = qr_image(qr_payload, qr_size)
        img.paste(q, ((width - qr_size) // 2, height - qr_size - 150))
    return img


SCAM_LINES = [
    ("Sora 内测账号 限时出售", (20, 20, 20)),
    ("OpenAI 官方内部渠道", (180, 0, 0)),
    ("保姆级AI教程 只要 299 元", (20, 20, 20)),
    ("扫码进群 名额有限", (180, 0, 0)),
    ("Sora beta access for sale", (20, 20, 20)),
]
SCAM_QR = "https://u.wechat.com/EJk3nS0raVIP"
SCAM_CAPTION = "Sora内测账号，扫码进群，299元保姆级教程，名额有限！"
# Hype that points at a picture: suspicious on its own words (admins hear of it, nobody is warned); next to a
# WeChat QR code it is a scam. Which wording lands between the two thresholds moves a little with every batch of
# training samples, so the image tests take the first of these that the shipped engine rates "suspicious"
# (tests/support/captions.py, which fails loudly when none does).
HYPE_CANDIDATES = ("Sora内测 懂的看图", "Sora内测 详情看图", "Sora内测 看图", "Sora内测资格 看图", "Sora内测 详情见图",
                   "Sora内测 名额看图", "Sora内测 图里有", "Sora2 内测 看图", "Sora首发 请看图")
# When none of those lands there any more, the tests try these combinations in order (product, hype word, pointer
# to the picture): hype words as lexicons.yaml lists them, so the caption stays hype for the image checks.
HYPE_PRODUCTS = ("Sora", "Sora2", "Sora 2", "可灵", "即梦", "Veo")
HYPE_WORDS = ("内测", "首发", "内测资格", "内测名额", "独家", "抢先体验", "内测通道", "最新玩法")
HYPE_POINTERS = ("看图", "请看图", "见图", "详情看图", "图里有")

MENU_LINES = [
    ("欢迎光临 老王面馆", (60, 30, 10)),
    ("扫码点餐 Scan to order", (60, 30, 10)),
    ("牛肉面 28元  炸酱面 22元", (60, 30, 10)),
    ("营业时间 10:00-21:00", (60, 30, 10)),
]
MENU_QR = "https://m.laowang-noodles.cn/menu?table=12"
MENU_CAPTION = "新店开业，扫码点餐，欢迎大家来吃面"


def scam_poster() -> Image.Image:
    return poster(SCAM_LINES, SCAM_QR)


def menu_poster() -> Image.Image:
    return poster(MENU_LINES, MENU_QR, background=((230, 245, 230), (255, 255, 255)))


def recoloured_resized(img: Image.Image, scale: float = 0.6) -> Image.Image:
    """What a lazy re-poster does: shift the colours, resize, save as JPEG."""
    r, g, b = img.split()
    swapped = Image.merge("RGB", (b, r, g))  # a different palette
    swapped = ImageOps.autocontrast(swapped, cutoff=1)
    w, h = img.size
    small = swapped.resize((int(w * scale), int(h * scale)), Image.LANCZOS)
    return Image.open(io.BytesIO(to_bytes(small, "JPEG", quality=80)))


def to_bytes(img: Image.Image, fmt: str = "PNG", **kw) -> bytes:
    buf = io.BytesIO()
    img.save(buf, fmt, **kw)
    return buf.getvalue()


class KeywordEngine:
    """Stand-in for detectors.engine.Engine (same analyze() signature and Verdict) with a handful of keyword
    rules, so the image tests check the image logic itself, independent of how the real rules evolve."""

    RULES = (
        ("sora", "fake_access", 0.25),
        ("内测", "fake_access", 0.25),
        ("内部渠道", "fake_access", 0.2),
        ("保姆级", "paid_course", 0.2),
        ("进群", "group_recruiting", 0.2),
        ("名额有限", "anxiety_funnel", 0.1),
    )

    class settings:  # noqa: N801 - mimics engine.settings.thresholds
        thresholds = {"scam": 0.70, "suspicious": 0.45}

    def __init__(self) -> None:
        self.calls: list[str] = []

    def analyze(self, text: str, reply_to_text: str | None = None, chat_key: str | None = None):
        from leekguard_types import Finding, Span, Verdict

        self.calls.append(text)
        low = text.lower()
        findings = []
        for word, category, score in self.RULES:
            spans = []
            i = low.find(word)
            while i >= 0:
                spans.append(Span(i, i + len(word), text[i:i + len(word)]))
                i = low.find(word, i + 1)
            if spans:
                findings.append(Finding("pattern", category, score, f"mentions {word}", f"提到{word}",
                                        f"kw.{word}", "test", tuple(spans)))
        score = min(1.0, sum(f.score for f in findings))
        label = "scam" if score >= 0.7 else "suspicious" if score >= 0.45 else "clean"
        cats = tuple(dict.fromkeys(f.category for f in findings))
        return Verdict(label, score, cats, tuple(findings), str(hash(text)), "zh-Hans")
