"""One Engine for the whole test session: loading it (jieba, training) takes about a second."""

from __future__ import annotations

from functools import lru_cache

from detectors.engine import Engine


@lru_cache(maxsize=1)
def shared_engine() -> Engine:
    return Engine.load()
