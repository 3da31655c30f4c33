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

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings

from resigrid.core.ledger.spec import LedgerSpec, ParsedRow, ParseResult

# Bump when ParseResult, ParsedRow or the value types change: older snapshots are then ignored.
FORMAT = b"resigrid-ledger-preview-2"
_NONCE_BYTES = 12
_CHUNK = 2000


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
        try:
            return _unpack(zlib.decompress(snapshot))
        except (zlib.error, pickle.UnpicklingError, EOFError, LookupError, TypeError, ValueError):
            return None  # a snapshot this code cannot read: parse the file instead

    def remember(self, fingerprint: str, result: ParseResult) -> None:
        self.snapshots[fingerprint] = _pack(result)


def _pack(result: ParseResult) -> bytes:
    """The result as a compressed stream of pickles: a header, then the rows in chunks, each row
    as (number, values in the header's key order), so no per-row keys and no memo are kept."""
    out = _Deflating()
    pickler = pickle.Pickler(out, protocol=pickle.HIGHEST_PROTOCOL)
    # No memo: nothing here is shared or cyclic, and a memo of every value of 100,000 rows
    # would cost more memory than the snapshot itself.
    pickler.fast = True
    keys = tuple(result.rows[0].values) if result.rows else ()
    pickler.dump(
        {
            "keys": keys,
            "rows": len(result.rows),
            "errors": result.errors,
            "error_count": result.error_count,
            "rows_with_errors": result.rows_with_errors,
            "example_row_skipped": result.example_row_skipped,
        }
    )
    for start in range(0, len(result.rows), _CHUNK):
        pickler.dump(
            [
                (r.number, tuple(r.values.values()) if tuple(r.values) == keys else r.values)
                for r in result.rows[start : start + _CHUNK]
            ]
        )
    return out.finish()


def _unpack(packed: bytes) -> ParseResult:
    stream = io.BytesIO(packed)
    head = pickle.load(stream)  # noqa: S301 - our own bytes (authenticated when read from disk)
    keys = head["keys"]
    rows: list[ParsedRow] = []
    while len(rows) < head["rows"]:
        for number, values in pickle.load(stream):  # noqa: S301 - as above
            row = values if isinstance(values, dict) else dict(zip(keys, values, strict=True))
            rows.append(ParsedRow(number, row))
    return ParseResult(
        rows=rows,
        errors=head["errors"],
        error_count=head["error_count"],
        rows_with_errors=head["rows_with_errors"],
        example_row_skipped=head["example_row_skipped"],
    )


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
