"""Why an image was not analysed: ImageRejected(reason, detail), with the reason codes in English and Chinese.

Raised by image loading (detectors.images.loading) and by the adapters' and the CLI's fetchers (a file over
images.max_bytes is refused before it is downloaded). Nothing here imports a chat-platform package, an image
library or any module of LeekGuard.
"""

from __future__ import annotations

REASONS = {
    "too_large": "the file is larger than the size limit",
    "too_many_pixels": "the image has more pixels than the limit (decompression-bomb guard)",
    "format_not_allowed": "the file is not an image format we analyse",
    "corrupt": "the file is not a readable image",
    "empty": "the file is empty",
    "queue_full": "too many images are being analysed; this one was skipped",
    "fetch_failed": "the image could not be downloaded",
    "extra_missing": "image support (the 'images' extra) is not installed",
    "failed": "image analysis failed",
}


REASONS_ZH = {
    "too_large": "文件超过大小上限",
    "too_many_pixels": "图片像素超过上限（防解压炸弹）",
    "format_not_allowed": "不是支持分析的图片格式",
    "corrupt": "文件不是可读的图片",
    "empty": "文件为空",
    "queue_full": "正在分析的图片过多，已跳过此图",
    "fetch_failed": "图片下载失败",
    "extra_missing": "未安装图片支持（images 扩展）",
    "failed": "图片分析失败",
}


class ImageRejected(Exception):
    """An image we refuse to analyse. `reason` is a stable code (see REASONS); `detail` says what we saw."""

    def __init__(self, reason: str, detail: str = "") -> None:
        self.reason = reason
        self.detail = detail
        super().__init__(f"{reason}: {detail}" if detail else reason)

    @property
    def explanation(self) -> str:
        base = REASONS.get(self.reason, self.reason)
        return f"{base} ({self.detail})" if self.detail else base
