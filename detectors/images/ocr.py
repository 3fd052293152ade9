"""Chinese + English poster text with RapidOCR (rapidocr-onnxruntime): PP-OCRv4 models shipped inside the
wheel, so it runs offline; nothing is downloaded at run time.

One OCR engine per worker thread, created on first use (loading takes about half a second, the first run
another two while onnxruntime optimises its graphs: call warm_up() from the worker at start-up).
onnxruntime releases the GIL while it computes, so a worker thread does not stall the event loop; each run
uses `threads` cores (default 1) so a small machine keeps a core for answering text.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass

log = logging.getLogger(__name__)

MIN_CONFIDENCE = 0.5  # lines RapidOCR is less sure of are noise more often than text
# Posters are read at this size at most: 30-pixel text on a 1080x1527 poster still reads right, and the
# text detector (the slow half) costs about half of what it costs at full size (bench/bench_images.py).
OCR_MAX_SIDE = 1280

_local = threading.local()


@dataclass(frozen=True, slots=True)
class OcrLine:
    text: str
    confidence: float
    box: tuple[int, int, int, int]  # left, top, right, bottom in the analysed image


@dataclass(frozen=True, slots=True)
class OcrResult:
    lines: tuple[OcrLine, ...]

    @property
    def text(self) -> str:
        return "\n".join(line.text for line in self.lines)


def _engine(threads: int):
    eng = getattr(_local, "engine", None)
    if eng is None or getattr(_local, "threads", None) != threads:
        from rapidocr_onnxruntime import RapidOCR

        logging.getLogger("RapidOCR").setLevel(logging.WARNING)
        eng = RapidOCR(intra_op_num_threads=threads, inter_op_num_threads=1)
        _local.engine, _local.threads = eng, threads
    return eng


def warm_up(threads: int = 1) -> None:
    """Load the models in this thread and run them once on a tiny picture."""
    import numpy as np
    from PIL import Image, ImageDraw

    # Poster-sized: onnxruntime's first run on a new input size is the slow one.
    img = Image.new("RGB", (905, OCR_MAX_SIDE), "white")
    ImageDraw.Draw(img).text((40, 40), "warm up 123", fill="black")
    _engine(threads)(np.asarray(img))


def read_text(image, threads: int = 1) -> OcrResult:
    """Text lines of an RGB PIL image, top to bottom, left to right. CPU-bound: call from a worker thread."""
    import numpy as np

    if max(image.size) > OCR_MAX_SIDE:
        from PIL import Image

        image = image.copy()
        image.thumbnail((OCR_MAX_SIDE, OCR_MAX_SIDE), Image.Resampling.LANCZOS)
    # RapidOCR expects OpenCV's BGR order.
    bgr = np.ascontiguousarray(np.asarray(image.convert("RGB"))[:, :, ::-1])
    result, _ = _engine(threads)(bgr)
    lines = []
    for box, text, conf in result or ():
        conf = float(conf)
        text = str(text).strip()
        if not text or conf < MIN_CONFIDENCE:
            continue
        xs = [int(p[0]) for p in box]
        ys = [int(p[1]) for p in box]
        lines.append(OcrLine(text, round(conf, 3), (min(xs), min(ys), max(xs), max(ys))))
    # RapidOCR already returns the boxes in reading order (top to bottom, then left to right).
    return OcrResult(tuple(lines))
