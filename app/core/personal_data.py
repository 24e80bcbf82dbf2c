"""Personal data at rest (GB/T 22239-2019 level 3, 8.1.4.8 数据保密性): SM4-GCM ciphertexts and HMAC-SM3 digests.

Keys come from the settings: `PII_KEYS` (key id → 32 random bytes, base64) and `PII_KEY_ID` (the one new values
are written under). From each key two independent subkeys are derived with HKDF-SM3: a 128-bit SM4 key
(GB/T 32907) for the ciphertexts, and an HMAC-SM3 (GB/T 32905) key for the digests that equality and blank
checks use, so the digest key is never the encryption key.

A stored value is `sm4gcm$<key id>$<base64url(nonce ‖ ciphertext ‖ tag)>`: it names the key that opens it, so
old keys stay listed (decrypt only) while `python -m app.cli rotate-pii-key` moves every value to the current
one. GCM authenticates the value and its column (`context`, as associated data): an altered value, a wrong key
under a listed id, or a value moved to another column fails loudly instead of reading as garbage.
A digest is `<key id>$<hex>`.
"""

import base64
import os
from collections.abc import Sequence
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, hmac
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from app.core.config import Settings
from app.models.personal import PersonalDataUnavailable, install_cipher, installed_cipher

SCHEME = "sm4gcm"
NONCE_BYTES = 12
TAG_BYTES = 16


def _derive(key: bytes, purpose: bytes, length: int) -> bytes:
    return HKDF(algorithm=hashes.SM3(), length=length, salt=None, info=b"zhijian/pii/" + purpose).derive(key)


@dataclass(frozen=True)
class _Key:
    sm4: algorithms.SM4
    mac: bytes

    @classmethod
    def derive(cls, key: bytes) -> "_Key":
        return cls(sm4=algorithms.SM4(_derive(key, b"sm4-gcm", 16)), mac=_derive(key, b"hmac-sm3", 32))


@dataclass(frozen=True)
class Sm4GcmCipher:
    keys: dict[str, bytes] = field(repr=False)
    current_key_id: str
    _derived: dict[str, _Key] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        if self.current_key_id not in self.keys:
            key_id = self.current_key_id
            raise PersonalDataUnavailable(f"个人信息当前密钥 PII_KEY_ID {key_id!r} 未在 PII_KEYS 中配置")
        object.__setattr__(self, "_derived", {key_id: _Key.derive(key) for key_id, key in self.keys.items()})

    def encrypt(self, plain: str, context: str) -> str:
        body = base64.urlsafe_b64encode(self._seal(plain.encode(), context.encode())).rstrip(b"=").decode()
        return f"{SCHEME}${self.current_key_id}${body}"

    def encrypt_many(self, plains: Sequence[str], context: str) -> list[str]:
        """`encrypt` of each value (a bulk write): the nonces read from the random source in one call."""
        prefix, aad = f"{SCHEME}${self.current_key_id}$", context.encode()
        nonces = os.urandom(NONCE_BYTES * len(plains))
        sealed = []
        for i, plain in enumerate(plains):
            raw = self._seal(plain.encode(), aad, nonces[i * NONCE_BYTES : (i + 1) * NONCE_BYTES])
            sealed.append(prefix + base64.urlsafe_b64encode(raw).rstrip(b"=").decode())
        return sealed

    def decrypt(self, stored: str, context: str) -> str:
        key_id, body = self._split(stored, context)
        try:
            raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
        except ValueError:
            raw = b""
        return self._open(key_id, raw, context).decode()

    def seal(self, data: bytes, context: str) -> bytes:
        """Bytes (an uploaded workbook): `sm4gcm$<key id>$` then nonce ‖ ciphertext ‖ tag, unencoded."""
        return f"{SCHEME}${self.current_key_id}$".encode() + self._seal(data, context.encode())

    def unseal(self, stored: bytes, context: str) -> bytes:
        scheme, _, rest = stored.partition(b"$")
        key_id, _, raw = rest.partition(b"$")
        if scheme != SCHEME.encode() or not key_id:
            raise PersonalDataUnavailable(f"个人信息未加密或格式不符：{context} 中不是 {SCHEME} 密文")
        return self._open(key_id.decode(errors="replace"), raw, context)

    def _seal(self, data: bytes, aad: bytes, nonce: bytes | None = None) -> bytes:
        nonce = nonce or os.urandom(NONCE_BYTES)
        encryptor = Cipher(self._derived[self.current_key_id].sm4, modes.GCM(nonce)).encryptor()
        encryptor.authenticate_additional_data(aad)
        sealed = encryptor.update(data) + encryptor.finalize()
        return nonce + sealed + encryptor.tag

    def _open(self, key_id: str, raw: bytes, context: str) -> bytes:
        key = self._derived.get(key_id)
        if key is None:
            raise PersonalDataUnavailable(
                f"个人信息密钥 {key_id!r} 未在 PII_KEYS 中配置：重新列出该密钥才能读取 {context}"
            )
        try:
            nonce, sealed, tag = raw[:NONCE_BYTES], raw[NONCE_BYTES:-TAG_BYTES], raw[-TAG_BYTES:]
            decryptor = Cipher(key.sm4, modes.GCM(nonce, tag)).decryptor()
            decryptor.authenticate_additional_data(context.encode())
            return decryptor.update(sealed) + decryptor.finalize()
        except (InvalidTag, ValueError) as exc:
            raise PersonalDataUnavailable(
                f"个人信息无法用密钥 {key_id!r} 解密 {context}：该编号下是另一把密钥，或存储的值已被改动"
            ) from exc

    def digest(self, plain: str) -> str:
        mac = hmac.HMAC(self._derived[self.current_key_id].mac, hashes.SM3())
        mac.update(plain.encode())
        return f"{self.current_key_id}${mac.finalize().hex()}"

    def digest_many(self, plains: Sequence[str]) -> list[str]:
        """`digest` of each value (a bulk write): the key is set up once and copied for each."""
        keyed, prefix = hmac.HMAC(self._derived[self.current_key_id].mac, hashes.SM3()), f"{self.current_key_id}$"
        digests = []
        for plain in plains:
            mac = keyed.copy()
            mac.update(plain.encode())
            digests.append(prefix + mac.finalize().hex())
        return digests

    def key_id(self, stored: str) -> str:
        return self._split(stored, "value")[0]

    @staticmethod
    def _split(stored: str, context: str) -> tuple[str, str]:
        scheme, _, rest = stored.partition("$")
        key_id, _, body = rest.partition("$")
        if scheme != SCHEME or not key_id or not body:
            raise PersonalDataUnavailable(
                f"个人信息未加密或格式不符：{context} 中不是 {SCHEME} 密文（数据库是否未经加密写入，或尚未迁移？）"
            )
        return key_id, body


def cipher_from(settings: Settings) -> Sm4GcmCipher:
    keys, current = settings.personal_data_keys()
    cipher = Sm4GcmCipher(keys, current)
    if cipher.decrypt(cipher.encrypt("自检", "self-test"), "self-test") != "自检":  # pragma: no cover
        raise PersonalDataUnavailable("SM4-GCM self-test failed")
    return cipher


def install(settings: Settings) -> Sm4GcmCipher:
    """Install the cipher of these settings for every encrypted column of this process (idempotent)."""
    cipher = cipher_from(settings)
    install_cipher(cipher)
    return cipher


def installed_or_from_environment() -> Sm4GcmCipher:
    """For migrations: the cipher the process installed (the CLI, the tests), else the one the settings give."""
    cipher = installed_cipher()
    if isinstance(cipher, Sm4GcmCipher):
        return cipher
    from app.core.config import get_settings

    return install(get_settings())
