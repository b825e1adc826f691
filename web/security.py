"""Passwords (argon2), CSRF tokens bound to the session, session and feed tokens, upload
file names."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()

CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
SESSION_CSRF = "csrf"
SESSION_TOKEN = "sid"  # the server-side session's token (web.users), in the signed cookie
#: Set to the session's token when a doctor signed in with a one-time link: in that session
#: the doctor may set a password without knowing the random one the login was made with.
SESSION_VIA_LINK = "via_link"


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(stored_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def new_password() -> str:
    return secrets.token_urlsafe(12)


def new_csrf_token() -> str:
    return secrets.token_urlsafe(32)


def csrf_ok(expected: str | None, given: str | None) -> bool:
    if not expected or not given:
        return False
    return hmac.compare_digest(expected.encode(), given.encode())


def new_session_token() -> str:
    return secrets.token_urlsafe(32)


def new_feed_token() -> str:
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def tokens_equal(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


_SAFE_NAME = re.compile(r"^[A-Za-z0-9ÆØÅæøå][A-Za-z0-9ÆØÅæøå ._()-]{0,120}$")


def safe_upload_name(filename: str | None) -> str | None:
    """The uploaded file's name if it is a plain name; None for path tricks (../, C:\\,
    folders, control characters, hidden files)."""
    if not filename:
        return None
    if "/" in filename or "\\" in filename or ".." in filename or ":" in filename:
        return None
    if not _SAFE_NAME.match(filename):
        return None
    return filename
