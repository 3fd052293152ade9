"""QR codes: every code in a picture is decoded, and each payload is named for what it is."""

from __future__ import annotations

import io

import pytest
from PIL import Image, ImageOps

from detectors.images.qr import classify_payload, decode_qr, host_of
from detectors.images.textcues import lookalike_checker
from fake_platforms.posters import MENU_QR, SCAM_QR, menu_poster, qr_image, scam_poster


@pytest.fixture(scope="module")
def lookalike():
    from detectors.engine import Engine

    return lookalike_checker(Engine.load())


@pytest.mark.parametrize(
    "payload, kind",
    [
        ("https://weixin.qq.com/g/AwYAAHO8zZm0Yk4x", "wechat_group"),
        ("https://u.wechat.com/EJk3nS0raVIP", "wechat_contact"),
        ("http://weixin.qq.com/r/mp/abcdef", "wechat_contact"),
        ("wxp://f2f0Ab12Cd34Ef56", "wechat_pay"),
        ("HTTPS://QR.ALIPAY.COM/FKX12345ABCDE", "alipay"),  # how Alipay really prints them
        ("https://qr.alipay.com/fkx0987", "alipay"),
        ("alipays://platformapi/startapp?appId=20000067", "alipay"),
        ("https://t.me/+AbCdEf123", "telegram"),
        ("t.me/sora_vip_group", "telegram"),
        ("tg://join?invite=AbCd", "telegram"),
        (MENU_QR, "url"),
        ("https://sora.com/explore", "url"),  # the real thing is not a look-alike
        ("Table 12 - WiFi password: noodles2024", "text"),
        ("", "text"),
    ],
)
def test_payload_kinds(payload, kind, lookalike):
    assert classify_payload(payload, lookalike).kind == kind


@pytest.mark.parametrize(
    "payload, brand",
    [
        ("https://sora-openai.cn/login", "openai"),
        ("http://0penai.com/sora", "openai"),
        ("https://chatgptplus.shop/buy", "chatgpt"),
        ("https://xn--penai-iye.com/", "openai"),  # IDN: a Cyrillic "о" in punycode
    ],
)
def test_lookalike_domains_are_named_with_the_brand_they_imitate(payload, brand, lookalike):
    p = classify_payload(payload, lookalike)
    assert p.kind == "lookalike_domain" and brand in p.brand
    assert "look-alike" in p.description[0] and "仿冒" in p.description[1]


def test_host_of_reads_bare_domains_and_decodes_punycode():
    assert host_of("weixin.qq.com/g/abc") == "weixin.qq.com"
    assert host_of("https://xn--penai-iye.com/x") == "оpenai.com"
    assert host_of("just words") is None


def test_every_qr_code_in_a_picture_is_read_top_to_bottom():
    img = Image.new("RGB", (900, 1400), "white")
    payloads = ["https://weixin.qq.com/g/first", "wxp://f2f0second", "https://t.me/third"]
    for i, p in enumerate(payloads):
        img.paste(qr_image(p, 300), (60 + (i % 2) * 450, 80 + i * 430))
    assert decode_qr(img) == payloads


def test_poster_qr_survives_jpeg_and_downscaling():
    buf = io.BytesIO()
    scam_poster().resize((540, 763), Image.LANCZOS).save(buf, "JPEG", quality=40)
    assert decode_qr(Image.open(buf).convert("RGB")) == [SCAM_QR]


def test_rotated_and_inverted_codes_are_read():
    rotated = menu_poster().rotate(90, expand=True)
    assert decode_qr(rotated) == [MENU_QR]
    inverted = ImageOps.invert(qr_image(SCAM_QR, 400))
    assert decode_qr(inverted) == [SCAM_QR]


def test_a_small_code_in_a_big_busy_picture_is_found():
    img = Image.linear_gradient("L").resize((2000, 1500)).convert("RGB")
    img.paste(qr_image(SCAM_QR, 170), (1700, 1200))
    assert decode_qr(img) == [SCAM_QR]


def test_no_code_no_payloads():
    assert decode_qr(Image.new("RGB", (800, 600), (240, 200, 200))) == []
