"""Common and guessable passwords are refused (等保三级 口令复杂度), whatever their character classes.

`zxcvbn` (Dropbox's estimator, Python port) matches a password against its bundled frequency lists — the most
common leaked passwords, English words, names, keyboard walks, dates, l33t spellings — and estimates the guesses
an attacker needs. `Password@123` is "password" plus a suffix: a few million guesses, score 2. A password must
reach score 3 (about 10^8 guesses, an online attack's reach many times over). The words a user or this bureau
would reach for first (the account's own name, the system's name, the place) count as common too.
"""

from collections.abc import Iterable

from zxcvbn import zxcvbn

from app.domain.errors import Message

MIN_SCORE = 3
MAX_CHECKED = 72  # zxcvbn refuses more (its cost grows with length); a longer password is not weakened by its tail
LOCAL_WORDS = (
    "zhijian", "zhiliang", "jiandu", "shichang", "jianguan", "tacheng", "wusu", "xinjiang", "yili", "china",
    "beijing", "admin", "administrator", "root", "user", "test", "woaini", "qwer", "asdf", "zxcv", "abc",
)  # fmt: skip


def common_password_problem(password: str, personal: Iterable[str] = ()) -> Message | None:
    """A message when `password` is common or guessable (for this user), else None."""
    words = [w for w in personal if w] + list(LOCAL_WORDS)
    result = zxcvbn(password[:MAX_CHECKED], user_inputs=words)
    if result["score"] >= MIN_SCORE:
        return None
    return Message("password_too_common")
