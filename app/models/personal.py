"""Personal data stored encrypted: the column type, and the cipher it calls.

The cipher (SM4-GCM under keys from the settings) lives in `app.core.personal_data`, above the models; it is
installed here at start-up (the app, the CLI, the worker, the migration that encrypts), so a model can say "this
column is personal data" without knowing where keys come from. A column of `EncryptedText` holds only ciphertext:
every value is encrypted as it is bound and decrypted as it is read, whichever way it is written (ORM, Core,
bulk insert). NULL stays NULL. Nothing may compare or search such a column in SQL: a ciphertext differs each
time; a keyed digest column beside it (`digest`) is what equality and blank checks use.
"""

from collections.abc import Sequence
from typing import Any, Protocol

from sqlalchemy import LargeBinary, Text
from sqlalchemy.types import TypeDecorator


class PersonalDataCipher(Protocol):
    current_key_id: str

    def encrypt(self, plain: str, context: str) -> str: ...

    def encrypt_many(self, plains: Sequence[str], context: str) -> list[str]: ...

    def decrypt(self, stored: str, context: str) -> str: ...

    def seal(self, data: bytes, context: str) -> bytes: ...

    def unseal(self, stored: bytes, context: str) -> bytes: ...

    def digest(self, plain: str) -> str: ...

    def digest_many(self, plains: Sequence[str]) -> list[str]: ...

    def key_id(self, stored: str) -> str: ...


class PersonalDataUnavailable(RuntimeError):
    """No cipher installed, a key that is not configured, or a ciphertext that does not open under its key."""


_installed: list[PersonalDataCipher] = []


def install_cipher(cipher: PersonalDataCipher) -> None:
    _installed[:] = [cipher]


def installed_cipher() -> PersonalDataCipher | None:
    return _installed[0] if _installed else None


def cipher() -> PersonalDataCipher:
    if not _installed:
        raise PersonalDataUnavailable("个人信息加密未初始化：启动时须调用 app.core.personal_data.install(settings)")
    return _installed[0]


def digest(value: str | None) -> str | None:
    """The keyed digest a personal-data value is compared by; None for a blank value (nothing to find)."""
    if value is None or not value.strip():
        return None
    return cipher().digest(value)


class _Sealed(TypeDecorator[Any]):
    """A column sealed under the current key with `context` (table.column) bound in; None stays None."""

    cache_ok = True

    def __init__(self, context: str) -> None:
        super().__init__()
        self.context = context

    def process_bind_param(self, value: Any, dialect: Any) -> Any:
        return None if value is None else self.seal(value)

    def process_result_value(self, value: Any, dialect: Any) -> Any:
        return None if value is None else self.unseal(value)

    def seal(self, value: Any) -> Any:
        raise NotImplementedError

    def unseal(self, value: Any) -> Any:
        raise NotImplementedError


class EncryptedText(_Sealed):
    """Text stored as an SM4-GCM ciphertext carrying its key id; `context` (table.column) is bound into it, so a
    ciphertext copied into another column does not open there."""

    impl = Text
    cache_ok = True

    def seal(self, value: Any) -> str:
        return cipher().encrypt(str(value), self.context)

    def unseal(self, value: Any) -> str:
        return cipher().decrypt(value, self.context)


class EncryptedBytes(_Sealed):
    """Bytes stored SM4-GCM sealed under the current key (an uploaded workbook full of phones, kept for a job)."""

    impl = LargeBinary
    cache_ok = True

    def seal(self, value: Any) -> bytes:
        return cipher().seal(bytes(value), self.context)

    def unseal(self, value: Any) -> bytes:
        return cipher().unseal(bytes(value), self.context)
