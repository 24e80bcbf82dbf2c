"""Tokens (python-jose, algorithm pinned), password hashing (argon2id), API keys and refresh tokens."""

import hashlib
import hmac
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from jose import JWTError, jwt

from app.core.config import Settings
from app.models.base import utcnow

_hasher = PasswordHasher()
API_KEY_PREFIX = "zj_"


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


_DUMMY_HASH = _hasher.hash("timing-equaliser-Aa1!")


def burn_password_check(password: str) -> None:
    """Spend the same time as a real check, so an unknown username is not revealed by timing."""
    verify_password(_DUMMY_HASH, password)


@dataclass(frozen=True)
class AccessClaims:
    user_id: uuid.UUID
    jti: uuid.UUID
    token_version: int
    expires_at: datetime
    two_factor: bool  # signed in with a second factor (RFC 8176 amr "otp")

    def seconds_left(self) -> float:
        return (self.expires_at - utcnow()).total_seconds()


def create_access_token(
    settings: Settings, user_id: uuid.UUID, token_version: int, *, two_factor: bool = False
) -> tuple[str, datetime]:
    now = utcnow()
    expires = now + timedelta(minutes=settings.access_token_minutes)
    claims = {
        "sub": str(user_id),
        "iat": int(now.timestamp()),
        "exp": int(expires.timestamp()),
        "jti": str(uuid.uuid4()),
        "ver": token_version,
        "typ": "access",
        "amr": ["pwd", "otp"] if two_factor else ["pwd"],
    }
    return jwt.encode(claims, settings.secret_key, algorithm=settings.jwt_algorithm), expires


def decode_access_token(settings: Settings, token: str) -> AccessClaims | None:
    """The claims of a valid token, or None: bad signature, other algorithm, expired or malformed."""
    try:
        claims = jwt.decode(
            token,
            settings.secret_key,
            algorithms=[settings.jwt_algorithm],
            options={"require_exp": True, "require_iat": True, "require_sub": True, "require_jti": True},
        )
        if claims.get("typ") != "access":
            return None
        return AccessClaims(
            user_id=uuid.UUID(claims["sub"]),
            jti=uuid.UUID(claims["jti"]),
            token_version=int(claims["ver"]),
            expires_at=datetime.fromtimestamp(claims["exp"]).astimezone(),
            two_factor="otp" in (claims.get("amr") or []),
        )
    except (JWTError, KeyError, ValueError, TypeError):
        return None


def new_opaque_token() -> str:
    return secrets.token_urlsafe(32)


def sha256_hex(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def new_api_key() -> tuple[str, str, str]:
    """A fresh key, its lookup prefix and its hash. The key itself is shown once and never stored."""
    key = API_KEY_PREFIX + secrets.token_urlsafe(32)
    return key, api_key_prefix(key), sha256_hex(key)


def api_key_prefix(key: str) -> str:
    return key[: len(API_KEY_PREFIX) + 8]


def api_key_matches(key: str, key_hash: str) -> bool:
    return hmac.compare_digest(sha256_hex(key), key_hash)
