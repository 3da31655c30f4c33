"""A previewed upload keeps its parsed rows, so that applying it does not parse the file again.

`parse` given a `LedgerUpload` parses once per spec and remembers a snapshot of the result (taken
before any importer code sees it); given an upload restored with `restore`, it returns the
remembered rows of exactly those bytes instead of reading the workbook again. `keep` writes the
snapshots next to the stored upload, sealed with AES-GCM under a key derived from SECRET_KEY and
bound to the file's SHA-256, so a snapshot is used only for the very file it was made from and
only when nobody changed it; anything missing, stale or tampered with makes `parse` read the
file itself. The sealed bytes are unpickled only after authentication.
"""

from __future__ import annotations

import hashlib
import io
import os
import pickle
import zlib
from pathlib import Path
from typing import TYPE_CHECKING

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings

if TYPE_CHECKING:
    from resigrid.core.ledger.spec import LedgerSpec, ParseResult

# Bump when ParseResult, ParsedRow or the value types change: older snapshots are then ignored.
FORMAT = b"resigrid-ledger-preview-1"
_NONCE_BYTES = 12


def spec_fingerprint(spec: LedgerSpec, max_rows: int, max_errors: int) -> str:
    """What a parse depends on besides the bytes: the columns' rules and the limits."""
    columns = [
        (
            c.key,
            str(c.kind),
            c.required,
            c.max_length,
            tuple(c.choices.values) if c.choices is not None else None,
            str(c.min_value),
            str(c.max_value),
            c.decimal_places,
            repr(c.example),
        )
        for c in spec.columns
    ]
    text = repr((spec.name, columns, spec.key, max_rows, max_errors))
    return hashlib.sha256(text.encode()).hexdigest()


class LedgerUpload(io.BytesIO):
    """The bytes of an uploaded ledger and the parses remembered for them (by spec)."""

    def __init__(self, data: bytes, snapshots: dict[str, bytes] | None = None) -> None:
        super().__init__(data)
        self.data = data
        self.sha256 = hashlib.sha256(data).hexdigest()
        self.snapshots: dict[str, bytes] = dict(snapshots or {})

    def recall(self, fingerprint: str) -> ParseResult | None:
        snapshot = self.snapshots.get(fingerprint)
        if snapshot is None:
            return None
        result: ParseResult = pickle.loads(zlib.decompress(snapshot))  # noqa: S301 - our own bytes
        return result

    def remember(self, fingerprint: str, result: ParseResult) -> None:
        out = _Deflating()
        pickler = pickle.Pickler(out, protocol=pickle.HIGHEST_PROTOCOL)
        # No memo: rows hold no cycles, and a memo of every value of 100,000 rows would cost
        # more memory than the compressed snapshot itself.
        pickler.fast = True
        pickler.dump(result)
        self.snapshots[fingerprint] = out.finish()


class _Deflating:
    """A write-only file that compresses as the pickler writes (no uncompressed copy held)."""

    def __init__(self) -> None:
        self._compressor = zlib.compressobj(1)
        self._chunks: list[bytes] = []

    def write(self, data: bytes) -> int:
        self._chunks.append(self._compressor.compress(data))
        return len(data)

    def finish(self) -> bytes:
        self._chunks.append(self._compressor.flush())
        return b"".join(self._chunks)


def _key() -> bytes:
    return hashlib.sha256(FORMAT + settings.SECRET_KEY.encode()).digest()


def keep(upload: LedgerUpload, path: Path) -> None:
    """Write the upload's remembered parses to `path` (private, sealed); nothing when none."""
    if not upload.snapshots:
        return
    nonce = os.urandom(_NONCE_BYTES)
    body = pickle.dumps(upload.snapshots, protocol=pickle.HIGHEST_PROTOCOL)
    sealed = AESGCM(_key()).encrypt(nonce, body, FORMAT + upload.sha256.encode())
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(nonce + sealed)


def restore(path: Path, data: bytes) -> LedgerUpload:
    """`data` as an upload with the parses kept at `path`, when they were made from exactly
    these bytes and are intact; otherwise a bare upload (parse reads the file)."""
    upload = LedgerUpload(data)
    try:
        raw = path.read_bytes()
    except OSError:
        return upload
    try:
        body = AESGCM(_key()).decrypt(
            raw[:_NONCE_BYTES], raw[_NONCE_BYTES:], FORMAT + upload.sha256.encode()
        )
    except (InvalidTag, ValueError):
        return upload
    snapshots = pickle.loads(body)  # noqa: S301 - authenticated above: written by `keep`
    if isinstance(snapshots, dict):
        upload.snapshots = snapshots
    return upload
