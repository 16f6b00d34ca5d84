"""The project store: the only package that speaks SQL.

One :class:`Store` over two backends: a SQLite file in the project folder (the default), or a PostgreSQL database
named by a URL (``ipe init --database``, ``$IPE_DATABASE`` or ``ipe --database``; the folder then keeps only the URL,
never a password). The store's methods are written once, with ``?`` placeholders through ``self.conn.execute``;
:mod:`ipe.store.backend` gives PostgreSQL a connection that translates them (:mod:`ipe.store.dialect`).

Layout: ``backend`` (where a store lives, connections), ``dialect`` (SQL translation), ``migrations`` (the schema),
``base`` (opening, migrating, transactions, audit, metadata, checksum), one mixin module per concern
(``sources``, ``codebooks``, ``codings``, ``notes`` for reviews and memos, ``survey`` for survey and workshop packs,
``evidence`` for realist evidence and theory versions, ``refi`` for REFI-QDA metadata, ``suggestions`` for suggested codings and embeddings, ``accounts`` for team
users and sessions, ``team`` for assignments, consensus resolutions and the change feed),
and ``copy`` (moving a project between backends). A new concern gets its own mixin module, listed in :class:`Store`.
"""

from __future__ import annotations

from ipe.store.accounts import AccountsMixin
from ipe.store.backend import (BUSY_TIMEOUT_MS, CONFIG_NAME, ENV_DATABASE, ENV_PROJECT, STORE_NAME, Location,
                               locate, resolve_project)
from ipe.store.base import StoreBase, default_actor, now
from ipe.store.codebooks import CodebooksMixin
from ipe.store.codings import CodingsMixin
from ipe.store.evidence import EvidenceMixin
from ipe.store.migrations import MIGRATIONS, SCHEMA_VERSION
from ipe.store.notes import NotesMixin
from ipe.store.refi import RefiMixin
from ipe.store.sources import SourcesMixin, attributes_digest
from ipe.store.suggestions import SuggestionsMixin
from ipe.store.survey import SurveyMixin
from ipe.store.team import TeamMixin

__all__ = [
    "BUSY_TIMEOUT_MS", "CONFIG_NAME", "ENV_DATABASE", "ENV_PROJECT", "MIGRATIONS", "SCHEMA_VERSION", "STORE_NAME",
    "Location", "Store", "attributes_digest", "default_actor", "locate", "now", "resolve_project",
]


class Store(SourcesMixin, CodebooksMixin, CodingsMixin, SuggestionsMixin, NotesMixin, SurveyMixin, EvidenceMixin,
            RefiMixin, AccountsMixin, TeamMixin, StoreBase):
    """An open project store.

    Use :func:`Store.create` for a new project and :func:`Store.open` for an existing one. Writes go through
    :meth:`transaction`, so a failure or Ctrl-C leaves the store as it was.
    """
