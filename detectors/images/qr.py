"""Decode every QR code in a picture (zxing-cpp) and say what each payload is.

Two passes, merged: the working image in greyscale, then a downscaled, histogram-binarised copy. The second
finds the codes of posters whose QR is printed big, blurred by JPEG, or sits on a busy background.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

# Kinds, most specific first. A payload gets exactly one.
KINDS = ("wechat_group", "wechat_contact", "wechat_pay", "alipay", "telegram", "lookalike_domain", "url", "text")

_DESCRIBE = {
    "wechat_group": ("a WeChat group invitation", "微信群邀请"),
    "wechat_contact": ("a WeChat contact / official account", "微信联系人或公众号"),
    "wechat_pay": ("a WeChat Pay payment code", "微信支付收款码"),
    "alipay": ("an Alipay payment code", "支付宝收款码"),
    "telegram": ("a Telegram link", "Telegram 链接"),
    "lookalike_domain": ("a look-alike of an official AI product domain", "仿冒 AI 官方网站的域名"),
    "url": ("a web link", "网页链接"),
    "text": ("plain text", "纯文本"),
}
DOWNSCALED_MAX_SIDE = 800


@dataclass(frozen=True, slots=True)
class QRPayload:
    text: str
    kind: str
    host: str | None = None
    brand: str | None = None  # for lookalike_domain: the brand imitated

    @property
    def description(self) -> tuple[str, str]:
        en, zh = _DESCRIBE[self.kind]
        if self.kind == "lookalike_domain" and self.brand:
            return f"{en} ({self.host}, imitating {self.brand})", f"{zh}（{self.host}，冒充 {self.brand}）"
        return en, zh

    def to_dict(self) -> dict:
        return {"text": self.text, "kind": self.kind, "host": self.host, "brand": self.brand}


def classify_payload(text: str, lookalike: Callable[[str], str | None] | None = None) -> QRPayload:
    """What a decoded QR payload is: WeChat group/contact/pay, Alipay, Telegram, look-alike domain, URL, text.

    `lookalike(host)` names the brand a host imitates, or None (detectors.images.textcues.lookalike_checker
    wraps the engine's link checker)."""
    t = text.strip()
    low = t.lower()
    if low.startswith("wxp://"):
        return QRPayload(t, "wechat_pay")
    if low.startswith(("tg://", "t.me/", "telegram.me/")):
        return QRPayload(t, "telegram", host="t.me")
    if re.match(r"^alipays?://", low):
        return QRPayload(t, "alipay")
    host = host_of(t)
    if host is None:
        return QRPayload(t, "text")
    path = _path(t)
    if host in ("qr.alipay.com", "qr.alipay.cn") or (host.endswith(".alipay.com") and path.startswith("/fkx")):
        return QRPayload(t, "alipay", host=host)
    if host in ("weixin.qq.com", "wx.qq.com") and path.startswith("/g/"):
        return QRPayload(t, "wechat_group", host=host)
    if host in ("weixin.qq.com", "wx.qq.com") and path.startswith("/f/"):
        return QRPayload(t, "wechat_pay", host=host)
    if host in ("u.wechat.com", "weixin.qq.com", "wx.qq.com", "work.weixin.qq.com", "open.weixin.qq.com",
                "mp.weixin.qq.com"):
        return QRPayload(t, "wechat_contact", host=host)
    if host in ("t.me", "telegram.me", "telegram.dog"):
        return QRPayload(t, "telegram", host=host)
    brand = lookalike(host) if lookalike is not None else None
    if brand:
        return QRPayload(t, "lookalike_domain", host=host, brand=brand)
    return QRPayload(t, "url", host=host)


def host_of(url: str) -> str | None:
    """Lower-case host of a URL or of a bare 'domain/path', IDN (xn--) decoded so look-alike letters show."""
    s = url.strip()
    if "://" not in s:
        if not re.match(r"^[\w.-]+\.[a-z]{2,}(/|$)", s, re.I):
            return None
        s = "http://" + s
    try:
        host = urlsplit(s).hostname
    except ValueError:
        return None
    if not host:
        return None
    if "xn--" in host:
        try:
            host = host.encode("ascii").decode("idna")
        except UnicodeError:
            pass
    return host.lower().rstrip(".")


def _path(url: str) -> str:
    s = url if "://" in url else "http://" + url
    try:
        return urlsplit(s).path.lower()
    except ValueError:
        return ""


def decode_qr(image) -> list[str]:
    """Every QR code payload in `image` (an RGB PIL image), each once, in reading order. CPU-bound."""
    import zxingcpp
    from PIL import Image

    f = zxingcpp.BarcodeFormat
    formats = (f.QRCode, f.MicroQRCode, f.RMQRCode)  # zxing-cpp 3: a tuple (`|` is deprecated there)
    grey = image.convert("L")
    found: dict[str, tuple[int, int]] = {}

    def read(img, binarizer) -> None:
        for r in zxingcpp.read_barcodes(img, formats=formats, binarizer=binarizer):
            if r.valid and r.text and r.text not in found:
                scale = image.width / img.width
                found[r.text] = (int(r.position.top_left.y * scale), int(r.position.top_left.x * scale))

    read(grey, zxingcpp.Binarizer.LocalAverage)
    if max(grey.size) > DOWNSCALED_MAX_SIDE:
        small = grey.copy()
        small.thumbnail((DOWNSCALED_MAX_SIDE, DOWNSCALED_MAX_SIDE), Image.Resampling.BILINEAR)
    else:
        small = grey
    read(small, zxingcpp.Binarizer.GlobalHistogram)
    return [text for text, _ in sorted(found.items(), key=lambda kv: kv[1])]

