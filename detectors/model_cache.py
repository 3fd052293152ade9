"""A disk cache of the trained classifier weights, so a warm start skips training (about 13 s for the shipped samples on
the 2-core development host: a cold `leekguard check` took 14.0 s, a warm one 1.1 s).

The key covers everything that shapes the weights: the training texts and labels, the whole pattern pack,
the detector source code and the model's settings. Any change trains afresh. A cache that cannot be read or
written is ignored (logged at debug level): it only ever saves time.

Two files per model: the weights (model-KEY.json, read at every start) and Adagrad's per-feature sums
(adagrad-KEY.json, read only when the first review is learned: `check` and a bot without reviews never need them).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
from pathlib import Path

log = logging.getLogger(__name__)
KEEP_MODELS = 4


def cache_dir() -> Path:
    base = os.environ.get("LEEKGUARD_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.join(Path.home(), ".cache"), "leekguard")
    return Path(base)


def enabled() -> bool:
    """LEEKGUARD_NO_MODEL_CACHE turns off every cache kept on disk: the weights and jieba's saved dictionary."""
    return not os.environ.get("LEEKGUARD_NO_MODEL_CACHE")


def source_files() -> list[Path]:
    """The detector code the weights depend on, sub-packages included: the normaliser, matcher and tokeniser
    in detectors/text/ shape the features as much as the modules beside this one."""
    return sorted(Path(__file__).parent.rglob("*.py"))


def cache_key(labelled: list[tuple[str, str]], pack_json: str, settings: dict) -> str:
    h = hashlib.sha256()
    for path in source_files():
        h.update(path.read_bytes())
    h.update(pack_json.encode("utf-8"))
    h.update(json.dumps(settings, sort_keys=True).encode("utf-8"))
    h.update(json.dumps(labelled, ensure_ascii=True).encode("ascii"))
    return h.hexdigest()[:32]


def _read(path: Path) -> dict | None:
    try:
        with open(path, encoding="utf-8") as fh:
            return json.load(fh)
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        log.debug("ignoring unreadable model cache %s: %s", path, exc)
        return None


def load(key: str) -> dict | None:
    """{"full": state, "fast": state} without Adagrad's per-feature sums (`load_accumulators` reads those)."""
    return _read(cache_dir() / f"model-{key}.json") if enabled() else None


def load_accumulators(key: str) -> dict | None:
    """{"full": g2, "fast": g2}: read only when a review is first learned; None when gone (pruned meanwhile)."""
    return _read(cache_dir() / f"adagrad-{key}.json") if enabled() else None


def _write(folder: Path, name: str, data: dict) -> None:
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".model-", suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(data, fh)
    os.replace(tmp, folder / name)


def save(key: str, state: dict) -> None:
    """`state`: {"full": state, "fast": state}, each with its "g2", which goes to a file of its own."""
    if not enabled():
        return
    folder = cache_dir()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        # keep the few newest models (tests and cross-validation train variants); the rest is dead weight
        for prefix in ("model", "adagrad"):
            files = sorted(folder.glob(f"{prefix}-*.json"), key=lambda p: p.stat().st_mtime, reverse=True)
            for old in files[KEEP_MODELS - 1:]:
                old.unlink(missing_ok=True)
        # the sums first: a model file whose sums are missing would make the first review retrain
        _write(folder, f"adagrad-{key}.json", {name: part["g2"] for name, part in state.items()})
        _write(folder, f"model-{key}.json",
               {name: {k: v for k, v in part.items() if k != "g2"} for name, part in state.items()})
    except OSError as exc:
        log.debug("model cache not written to %s: %s", folder, exc)
