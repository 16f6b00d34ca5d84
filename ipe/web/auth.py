"""Who is making a request: in local mode the one coder the workbench was started for; in team mode the user
signed in on the request's session (see :mod:`ipe.web.sessions`, which resolves it before any view runs).

This is the one place the two modes differ for the views: they ask :func:`ipe.web.views.common.identity` and get
an :class:`Identity`, whose ``user`` is None in local mode (nothing restricted) and the account in team mode.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional

from ipe import accounts
from ipe.store import Store


@dataclass(frozen=True)
class Identity:
    """The person behind a request: the coder name their codings go under, whether they may write, their role.

    ``user`` is the :class:`ipe.accounts.User` in team mode (what :mod:`ipe.team` checks), None in local mode.
    """

    coder: str
    can_write: bool = True
    role: str = ""
    user: Optional[Any] = None

    @property
    def lead(self) -> bool:
        return self.user is None or self.role == "lead"


def local_identity(settings):
    """An identity function for local mode: every request is the coder named on the command line."""
    identity = Identity(coder=settings.coder, can_write=bool(settings.coder))

    def identify(request) -> Identity:
        return identity

    return identify


def of_user(user) -> Identity:
    """The identity of a signed-in account: its name is its coder name; viewers never write."""
    return Identity(coder=user.name, can_write=user.role != "viewer", role=user.role, user=user)


def team_identity(request) -> Identity:
    """The identity the session gate put on the request (pages it lets through without one see nobody)."""
    return request.scope.get("state", {}).get("identity") or Identity(coder="", can_write=False)


def team_mode(settings) -> bool:
    """Whether the project has accounts: then ``ipe serve`` runs in team mode, and every request signs in."""
    with Store.open(settings.project) as store:
        return accounts.has_accounts(store)
