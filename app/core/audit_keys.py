"""The keys that seal the audit trail, from the settings (never from the database), and the MAC they make.

An event or checkpoint names its seal (`hmac-sha256` or `hmac-sm3`) and the id of its key, so the key can rotate:
the current key seals, every key listed (the current one and AUDIT_OLD_KEYS) verifies. HMAC-SM3 comes from the
`cryptography` package, whose wheels carry their own OpenSSL, so it does not depend on the host's OpenSSL build.
"""

import hmac as std_hmac
from dataclasses import dataclass
from typing import Literal

from cryptography.hazmat.primitives import hashes, hmac

from app.core.config import Settings
from app.domain.errors import Message

Seal = Literal["hmac-sha256", "hmac-sm3"]
SEALS: dict[str, type[hashes.HashAlgorithm]] = {"hmac-sha256": hashes.SHA256, "hmac-sm3": hashes.SM3}


@dataclass(frozen=True)
class AuditKeys:
    current_id: str
    keys: dict[str, bytes]
    seal: Seal = "hmac-sha256"

    @classmethod
    def from_settings(cls, settings: Settings) -> "AuditKeys":
        keys = {key_id: key.encode() for key_id, key in settings.audit_old_keys.items()}
        keys[settings.audit_key_id] = settings.audit_key.encode()
        seal: Seal = "hmac-sm3" if settings.audit_hash == "sm3" else "hmac-sha256"
        return cls(current_id=settings.audit_key_id, keys=keys, seal=seal)

    def mac(self, message: bytes) -> tuple[str, str, str]:
        """(seal, key id, hex MAC) of `message` under the current key."""
        return self.seal, self.current_id, mac_hex(self.seal, self.keys[self.current_id], message)

    def check(self, seal: str | None, key_id: str | None, message: bytes, expected: str) -> Message | None:
        """None when `expected` is the MAC of `message` under the named seal and key; else why not."""
        if seal not in SEALS:
            return Message("audit_unknown_seal", seal=repr(seal))
        key = self.keys.get(key_id or "")
        if key is None:
            return Message("audit_unknown_key", key_id=repr(key_id))
        if not std_hmac.compare_digest(mac_hex(seal, key, message), expected):
            return Message("audit_mac_mismatch")
        return None


def mac_hex(seal: str, key: bytes, message: bytes) -> str:
    mac = hmac.HMAC(key, SEALS[seal]())
    mac.update(message)
    return mac.finalize().hex()
