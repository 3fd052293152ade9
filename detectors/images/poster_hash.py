"""Perceptual poster hashes, so the same poster posted again (re-coloured, resized, re-compressed) is known.

Two 256-bit hashes per image (imagehash.phash with hash_size=16):
  phash  - of the picture itself: survives resizing, JPEG, small edits, palette tweaks;
  edge   - of its edges (greyscale, edge filter, blur, equalise): blind to colour and even to a dark/light
           inversion, because an edge is an edge whatever colours meet there.
Two posters are the same when EITHER distance is within `max_distance` (default 26 of 256, about 10%).
64-bit hashes were too coarse: different posters built on one template came within 8 bits.
"""

from __future__ import annotations

from dataclasses import dataclass

HASH_SIZE = 16
HASH_BITS = HASH_SIZE * HASH_SIZE
_EDGE_SIDE = 512


@dataclass(frozen=True, slots=True)
class PosterHash:
    phash: int
    edge: int

    def hex(self) -> str:
        """'<phash hex>:<edge hex>', 64 + 64 hex digits: how it is stored and shown."""
        return f"{self.phash:0{HASH_BITS // 4}x}:{self.edge:0{HASH_BITS // 4}x}"

    @classmethod
    def from_hex(cls, s: str) -> PosterHash:
        p, e = s.split(":")
        return cls(int(p, 16), int(e, 16))

    def distance(self, other: PosterHash) -> int:
        """The smaller of the two Hamming distances (0..256)."""
        return min((self.phash ^ other.phash).bit_count(), (self.edge ^ other.edge).bit_count())


def poster_hash(image) -> PosterHash:
    """Both hashes of an RGB PIL image. CPU-bound (a few milliseconds on a 1080-pixel poster)."""
    import imagehash
    from PIL import Image, ImageFilter, ImageOps

    p = imagehash.phash(image, hash_size=HASH_SIZE)
    grey = ImageOps.grayscale(image)
    grey.thumbnail((_EDGE_SIDE, _EDGE_SIDE), Image.Resampling.BILINEAR)
    edges = grey.filter(ImageFilter.FIND_EDGES).filter(ImageFilter.GaussianBlur(3))
    e = imagehash.phash(ImageOps.equalize(edges), hash_size=HASH_SIZE)
    return PosterHash(_to_int(p), _to_int(e))


def _to_int(h) -> int:
    return int("".join("1" if b else "0" for b in h.hash.flatten()), 2)


@dataclass(frozen=True, slots=True)
class PosterMatch:
    """A confirmed scam poster that a new image is a copy of."""

    incident_id: int | None
    chat_key: str
    distance: int
    category: str = "group_recruiting"
    same_chat: bool = False


@dataclass(frozen=True, slots=True)
class KnownPoster:
    hash: PosterHash
    incident_id: int | None
    chat_key: str
    category: str = "group_recruiting"


class PosterIndex:
    """Hashes of posters from confirmed scam incidents, in memory. A linear scan of integers: 10,000 known
    posters take about 5 ms, far below OCR; replace with a BK-tree if that ever matters.

    Not locked: add/remove from the event loop thread, match from the same thread (the analyzer does).
    """

    def __init__(self, max_distance: int) -> None:
        self.max_distance = max_distance
        self._known: list[KnownPoster] = []

    def __len__(self) -> int:
        return len(self._known)

    def add(self, poster: KnownPoster) -> None:
        self._known.append(poster)

    def replace_all(self, posters: list[KnownPoster]) -> None:
        self._known = list(posters)

    def remove_incident(self, incident_id: int) -> None:
        self._known = [k for k in self._known if k.incident_id != incident_id]

    def match(self, h: PosterHash, chat_key: str | None = None) -> PosterMatch | None:
        """The closest known poster within max_distance (ties: one from the same chat first)."""
        best: tuple[int, bool, KnownPoster] | None = None
        for k in self._known:
            d = h.distance(k.hash)
            if d > self.max_distance:
                continue
            same = chat_key is not None and k.chat_key == chat_key
            if best is None or (d, not same) < (best[0], not best[1]):
                best = (d, same, k)
        if best is None:
            return None
        d, same, k = best
        return PosterMatch(k.incident_id, k.chat_key, d, k.category, same)
