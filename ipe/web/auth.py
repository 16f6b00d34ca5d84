"""Who is making a request: in local mode the one coder the workbench was started for.

This is the one place a team mode plugs in (users, roles, sign-in): it replaces :func:`local_identity` with a
function that reads the request's session, and :func:`team_mode` says whether another host may be served.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Identity:
    """The person behind a request: the coder name their codings go under, and whether they may write."""

    coder: str
    can_write: bool = True


def local_identity(settings):
    """An identity function for local mode: every request is the coder named on the command line."""
    identity = Identity(coder=settings.coder, can_write=bool(settings.coder))

    def identify(request) -> Identity:
        return identity

    return identify


def team_mode(settings) -> bool:
    """Whether the project is configured for team mode (then a non-loopback host may be served)."""
    return False
