"""Team accounts and their sessions: users with a role and a password hash, sessions kept as token hashes.

The hash of a password and of a session token are written and read here and never leave :mod:`ipe.accounts`;
nothing here reads the pseudonym key.
"""

from __future__ import annotations

from typing import Optional

from ipe.records import User
from ipe.store.base import now

_USER = "SELECT name, role, created_at FROM users"


class AccountsMixin:
    """Store methods: users, their password hashes and their sessions."""

    def add_user_row(self, name: str, role: str, password_hash: str) -> None:
        stamp = now()
        self.conn.execute("INSERT INTO users (name, role, password_hash, created_at, updated_at) VALUES (?, ?, ?, ?, ?)",
                          (name, role, password_hash, stamp, stamp))

    def user_row(self, name: str) -> Optional[User]:
        row = self.conn.execute(f"{_USER} WHERE name = ?", (name,)).fetchone()
        return User(*row) if row else None

    def user_rows(self) -> list[User]:
        return [User(*row) for row in self.conn.execute(f"{_USER} ORDER BY name")]

    def password_hash(self, name: str) -> Optional[str]:
        row = self.conn.execute("SELECT password_hash FROM users WHERE name = ?", (name,)).fetchone()
        return row[0] if row else None

    def update_user(self, name: str, *, role: Optional[str] = None, password_hash: Optional[str] = None) -> None:
        if role is not None:
            self.conn.execute("UPDATE users SET role = ?, updated_at = ? WHERE name = ?", (role, now(), name))
        if password_hash is not None:
            self.conn.execute("UPDATE users SET password_hash = ?, updated_at = ? WHERE name = ?",
                              (password_hash, now(), name))

    def delete_user(self, name: str) -> None:
        """Delete a user with their sessions and assignments (their codings stay, under their coder name)."""
        self.conn.execute("DELETE FROM sessions WHERE user_name = ?", (name,))
        self.conn.execute("DELETE FROM assignments WHERE coder = ?", (name,))
        self.conn.execute("DELETE FROM users WHERE name = ?", (name,))

    def count_users(self, role: Optional[str] = None) -> int:
        if role is None:
            return self.conn.execute("SELECT COUNT(*) FROM users").fetchone()[0]
        return self.conn.execute("SELECT COUNT(*) FROM users WHERE role = ?", (role,)).fetchone()[0]

    # -- sessions ------------------------------------------------------------------------------------------------

    def add_session(self, token_hash: str, name: str, expires_at: str) -> None:
        self.conn.execute("INSERT INTO sessions (token_hash, user_name, created_at, expires_at) VALUES (?, ?, ?, ?)",
                          (token_hash, name, now(), expires_at))

    def session_row(self, token_hash: str) -> Optional[tuple[User, str]]:
        """The user a session belongs to and when it expires, or None."""
        row = self.conn.execute(
            "SELECT u.name, u.role, u.created_at, s.expires_at FROM sessions s JOIN users u ON u.name = s.user_name"
            " WHERE s.token_hash = ?", (token_hash,)).fetchone()
        return (User(*row[:3]), row[3]) if row else None

    def delete_sessions(self, *, token_hash: Optional[str] = None, name: Optional[str] = None,
                        expired_before: Optional[str] = None) -> int:
        """Delete one session, a user's sessions, or every session expired before a time; returns how many."""
        if token_hash is not None:
            return self.conn.execute("DELETE FROM sessions WHERE token_hash = ?", (token_hash,)).rowcount
        if name is not None:
            return self.conn.execute("DELETE FROM sessions WHERE user_name = ?", (name,)).rowcount
        if expired_before is not None:
            return self.conn.execute("DELETE FROM sessions WHERE expires_at <= ?", (expired_before,)).rowcount
        raise ValueError("name a session, a user or a time")
