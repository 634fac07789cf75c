"""The audit chain's HMAC keys, kept outside the database.

Someone who can write the database but not read this file cannot recompute a valid chain
after editing it. Rows name the key that signed them (`key_id`), so a key can be rotated:
new rows are signed with the current key, old rows still verify with theirs.
"""

import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class AuditKeys:
    current: str
    keys: dict[str, bytes]

    @property
    def key(self) -> bytes:
        return self.keys[self.current]


def _written(path: Path, content: dict[str, object]) -> Path:
    """A new file next to `path` holding `content`, readable by this user only."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as file:
        json.dump(content, file)
        file.flush()
        os.fsync(file.fileno())
    return temporary


def _parse(path: Path) -> AuditKeys:
    content = json.loads(path.read_text())
    keys = {str(kid): bytes.fromhex(str(key)) for kid, key in content["keys"].items()}
    current = str(content["current"])
    if current not in keys or any(len(k) < 32 for k in keys.values()):
        raise ValueError(f"{path}: the current key is missing or a key is shorter than 32 bytes")
    return AuditKeys(current, keys)


def load_keys(path: Path) -> AuditKeys:
    """The keys in `path`, creating it with one fresh key when it does not exist yet (several
    workers starting at once agree on whichever file was linked first)."""
    if not path.exists():
        temporary = _written(path, {"current": "k1", "keys": {"k1": secrets.token_hex(32)}})
        try:
            os.link(temporary, path)  # fails if another process made it first
        except FileExistsError:
            pass
        finally:
            temporary.unlink()
    return _parse(path)


def rotate_keys(path: Path) -> str:
    """Adds a fresh key and makes it current; returns its id. Running processes keep signing
    with the key they loaded until they restart."""
    keys = load_keys(path)
    number = 1 + max(int(k[1:]) for k in keys.keys if k[1:].isdigit())
    new_id = f"k{number}"
    hexed = {kid: key.hex() for kid, key in keys.keys.items()} | {new_id: secrets.token_hex(32)}
    os.replace(_written(path, {"current": new_id, "keys": hexed}), path)
    return new_id
