"""TOTP secrets sealed at rest (AES-GCM), under keys kept outside the database.

Someone with a copy of the database (a backup, an SQL console) could otherwise mint codes for
every account. The key file has the audit key file's format and rotation (app/audit/keys.py):
a stored secret names the key that sealed it (`k2:...`), so a rotated file still opens the
old ones. The user's id is the associated data: a sealed secret copied onto another account
does not open.
"""

import base64
import os
import uuid
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from app.audit.keys import AuditKeys, load_keys

_NONCE = 12
_rings: dict[Path, AuditKeys] = {}


def key_ring(path: Path, *, fresh: bool = False) -> AuditKeys:
    """The keys in `path` (created on first use), read once per process unless `fresh`."""
    if fresh or path not in _rings:
        _rings[path] = load_keys(path)
    return _rings[path]


def seal(secret: str, user_id: uuid.UUID, keys: AuditKeys) -> str:
    nonce = os.urandom(_NONCE)
    box = AESGCM(keys.key).encrypt(nonce, secret.encode(), user_id.bytes)
    return f"{keys.current}:{base64.urlsafe_b64encode(nonce + box).decode()}"


def unseal(stored: str, user_id: uuid.UUID, path: Path) -> str:
    """The secret; a ValueError when it cannot be opened (a missing key, another account's
    secret, a changed row)."""
    key_id, _, blob = stored.partition(":")
    keys = key_ring(path)
    if key_id not in keys.keys:  # rotated by another process since this one read the file
        keys = key_ring(path, fresh=True)
    if key_id not in keys.keys or not blob:
        raise ValueError(f"the two-step sign-in secret was sealed with unknown key '{key_id}'")
    raw = base64.urlsafe_b64decode(blob)
    try:
        return AESGCM(keys.keys[key_id]).decrypt(raw[:_NONCE], raw[_NONCE:], user_id.bytes).decode()
    except InvalidTag as e:
        raise ValueError("the two-step sign-in secret does not open with its key") from e
