"""Team accounts: users with a role and a password, and the sessions they sign in with.

A user's name is also the coder name their codings go under. Passwords are kept only as a slow salted scrypt hash
(``scrypt$n$r$p$salt$hash``, base64); a session token is given to the user once and only its SHA-256 is stored, so
neither a copy of the store nor its audit log lets anyone sign in.

``actor`` on every write is the person doing it: a :class:`User` (then it must be a lead) or a name, which is the
trusted operator at the server's command line (``ipe users ...``; whoever can run that can read the store anyway).
"""

from __future__ import annotations

import base64
import datetime as _dt
import hashlib
import hmac
import re
import secrets
from typing import Optional, Union

from ipe.errors import Forbidden, IpeError, NotFound
from ipe.records import User

__all__ = [
    "ROLES", "User", "add_user", "set_role", "set_password", "remove_user", "users", "user", "verify_password",
    "new_session", "session_user", "end_session", "end_sessions", "has_accounts", "actor_name", "MIN_PASSWORD",
]

ROLES = ("lead", "coder", "viewer")
MIN_PASSWORD = 8
MAX_PASSWORD = 1024  # scrypt reads all of it; a megabyte "password" is an attack, not a password
SESSION_TTL = 8 * 3600
# n=2**14, r=8 (16 MiB per hash) is the floor RFC 7914 and OWASP give for interactive logins.
SCRYPT_N, SCRYPT_R, SCRYPT_P, SCRYPT_LEN = 2 ** 14, 8, 1, 32
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]{0,63}")
# Hashed against when a name is unknown, so a wrong name costs the same time as a wrong password.
_DUMMY = "scrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="

Actor = Union[User, str]


def _now() -> _dt.datetime:
    return _dt.datetime.now(_dt.timezone.utc).replace(microsecond=0)


def _stamp(moment: _dt.datetime) -> str:
    return moment.isoformat()


def actor_name(actor: Actor) -> str:
    """The name an audit entry gives ``actor`` (a :class:`User` or a name)."""
    name = actor.name if isinstance(actor, User) else str(actor or "").strip()
    if not name:
        raise IpeError("no actor: say who is making this change")
    return name


def _manager(store, actor: Actor) -> str:
    """The actor's name, if they may manage accounts: a lead, or the operator at the command line."""
    if isinstance(actor, User):
        current = store.user_row(actor.name)
        if current is None or current.role != "lead":
            raise Forbidden(f"{actor.name} is not a lead; only a lead manages accounts")
    return actor_name(actor)


def _check_role(role: str) -> str:
    if role not in ROLES:
        raise IpeError(f"unknown role '{role}': use one of {', '.join(ROLES)}")
    return role


def _check_name(name: str) -> str:
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        raise IpeError(f"bad user name {name!r}: use 1-64 letters, digits and . _ @ -, starting with a letter or"
                       " digit")
    return name


def _check_password(password: str) -> str:
    if not isinstance(password, str) or len(password) < MIN_PASSWORD:
        raise IpeError(f"password too short: use at least {MIN_PASSWORD} characters")
    if len(password) > MAX_PASSWORD:
        raise IpeError(f"password too long: at most {MAX_PASSWORD} characters")
    return password


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def hash_password(password: str, salt: Optional[bytes] = None) -> str:
    """A new scrypt hash of ``password`` with a random 16-byte salt, as ``scrypt$n$r$p$salt$hash``."""
    salt = secrets.token_bytes(16) if salt is None else salt
    digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P,
                            dklen=SCRYPT_LEN)
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${_b64(salt)}${_b64(digest)}"


def _matches(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        n, r, p = int(n), int(r), int(p)
        salt, digest = base64.b64decode(salt), base64.b64decode(digest)
    except ValueError:
        return False
    if scheme != "scrypt":
        return False
    got = hashlib.scrypt(password.encode("utf-8"), salt=salt, n=n, r=r, p=p, dklen=len(digest),
                         maxmem=256 * r * n + (1 << 20))
    return hmac.compare_digest(got, digest)


def add_user(store, name: str, role: str, password: str, *, actor: Actor) -> User:
    """Add a team member with a role and a password; their codings go under coder ``name`` (a human coder)."""
    who = _manager(store, actor)
    _check_name(name)
    _check_role(role)
    _check_password(password)
    if store.user_row(name) is not None:
        raise IpeError(f"user '{name}' already exists; change them with 'ipe users role' or 'ipe users passwd'")
    hashed = hash_password(password)
    with store.transaction(who, "user add", {"user": name, "role": role}) as tx:
        tx.ensure_coder(name, "human")
        tx.add_user_row(name, role, hashed)
    return store.user_row(name)


def user(store, name: str) -> User:
    """The user called ``name``; :class:`ipe.errors.NotFound` if there is none."""
    found = store.user_row(name)
    if found is None:
        raise NotFound(f"no user '{name}' in the project")
    return found


def users(store) -> list[User]:
    """Every user, by name."""
    return store.user_rows()


def has_accounts(store) -> bool:
    """Whether the project has any user (then ``ipe serve`` can run in team mode)."""
    return store.count_users() > 0


def _keep_a_lead(store, target: User, new_role: Optional[str]) -> None:
    if target.role == "lead" and new_role != "lead" and store.count_users("lead") == 1:
        raise IpeError(f"{target.name} is the only lead; make another user a lead first")


def set_role(store, name: str, role: str, *, actor: Actor) -> User:
    """Give user ``name`` another role (their open sessions carry the new role at once)."""
    who = _manager(store, actor)
    _check_role(role)
    target = user(store, name)
    _keep_a_lead(store, target, role)
    with store.transaction(who, "user role", {"user": name, "from": target.role, "to": role}) as tx:
        tx.update_user(name, role=role)
    return store.user_row(name)


def set_password(store, name: str, password: str, *, actor: Actor) -> None:
    """Give user ``name`` a new password; their open sessions end (a stolen session dies with the old password)."""
    who = _manager(store, actor)
    user(store, name)
    _check_password(password)
    hashed = hash_password(password)
    with store.transaction(who, "user password", {"user": name}) as tx:
        tx.update_user(name, password_hash=hashed)
        tx.delete_sessions(name=name)


def remove_user(store, name: str, *, actor: Actor) -> None:
    """Remove user ``name``, their sessions and assignments; their codings stay under their coder name."""
    who = _manager(store, actor)
    target = user(store, name)
    _keep_a_lead(store, target, None)
    with store.transaction(who, "user remove", {"user": name, "role": target.role}) as tx:
        tx.delete_user(name)


def verify_password(store, name: str, password: str) -> Optional[User]:
    """The user if ``password`` is theirs, else None; an unknown name takes as long as a wrong password."""
    stored = store.password_hash(name) if isinstance(name, str) else None
    if not isinstance(password, str) or len(password) > MAX_PASSWORD:
        password = ""
    ok = _matches(password, stored if stored is not None else _DUMMY)
    if not ok or stored is None:
        return None
    return store.user_row(name)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_session(store, name: str, *, ttl_seconds: int = SESSION_TTL) -> str:
    """Start a session for user ``name`` and return its token (shown once; only its hash is stored).

    Sessions expired by now are cleared on the way."""
    found = user(store, name)
    token = secrets.token_urlsafe(32)
    moment = _now()
    with store.transaction(found.name, "session start", {"user": found.name}) as tx:
        tx.delete_sessions(expired_before=_stamp(moment))
        tx.add_session(_token_hash(token), found.name, _stamp(moment + _dt.timedelta(seconds=ttl_seconds)))
    return token


def session_user(store, token: Optional[str]) -> Optional[User]:
    """The user a session token belongs to, or None when it is unknown, expired or its user is removed."""
    if not isinstance(token, str) or not token or len(token) > 256:
        return None
    found = store.session_row(_token_hash(token))
    if found is None:
        return None
    person, expires_at = found
    if expires_at <= _stamp(_now()):
        return None
    return person


def end_session(store, token: Optional[str]) -> None:
    """End one session (signing out); an unknown token is no error."""
    if not isinstance(token, str) or not token:
        return
    digest = _token_hash(token)
    found = store.session_row(digest)
    if found is None:
        return
    with store.transaction(found[0].name, "session end", {"user": found[0].name}) as tx:
        tx.delete_sessions(token_hash=digest)


def end_sessions(store, name: str) -> int:
    """End every session of user ``name``; returns how many there were."""
    with store.transaction(name, "session end", {"user": name, "all": True}) as tx:
        return tx.delete_sessions(name=name)
