"""Time-based one-time passwords (RFC 6238, `pyotp`) and one-time recovery codes: the second factor of sign-in.

Time is passed in (`now`), never read here. A code is accepted for the step it was made in and one step either
side (clock drift of ±30 s), and only for a step later than the last one accepted: a code is good once.
"""

import hashlib
import hmac
import secrets
from datetime import datetime

import pyotp

DRIFT_STEPS = 1
RECOVERY_CODES = 10
_RECOVERY_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read off paper
_RECOVERY_GROUPS = 4  # 4 × 4 characters of 32: 80 bits, so a plain SHA-256 of it is safe to keep


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(secret: str, username: str, issuer: str) -> str:
    """The otpauth:// URI an authenticator app reads from a QR code."""
    return pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name=issuer)


def code_at(secret: str, when: datetime) -> str:
    return pyotp.TOTP(secret).at(when)


def accepted_step(secret: str, code: str, now: datetime, last_step: int | None) -> int | None:
    """The time step `code` belongs to, if it is valid at `now` and newer than `last_step`; else None."""
    code = code.strip()
    if len(code) != 6 or not code.isascii() or not code.isdigit():
        return None
    totp = pyotp.TOTP(secret)
    current = totp.timecode(now)
    for step in range(current - DRIFT_STEPS, current + DRIFT_STEPS + 1):
        if last_step is not None and step <= last_step:
            continue
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def new_recovery_codes(count: int = RECOVERY_CODES) -> list[str]:
    return [
        "-".join("".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(4)) for _ in range(_RECOVERY_GROUPS))
        for _ in range(count)
    ]


def recovery_code_hash(code: str) -> str:
    """Case, spaces and dashes do not matter: what a person types from the printed sheet."""
    normalised = "".join(ch for ch in code.upper() if ch.isalnum())
    return hashlib.sha256(normalised.encode()).hexdigest()
