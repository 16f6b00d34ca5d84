"""The store's schema: numbered migrations that run on SQLite and PostgreSQL alike.

Each entry takes the schema from version N-1 to N; never edit a released entry, append a new one. Write the SQL in
the portable subset (see :mod:`ipe.store.dialect` for what is translated for PostgreSQL): ``INTEGER PRIMARY KEY`` for
an automatic key, ``TEXT``/``INTEGER``/``REAL``/``BLOB`` column types, statements separated by ``;`` (none inside a
string).
"""

# Each entry takes the schema from version N-1 to N; never edit a released entry, append a new one.
MIGRATIONS = [
    """
    CREATE TABLE sources (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        path TEXT,
        format TEXT NOT NULL,
        text TEXT NOT NULL,
        content_hash TEXT NOT NULL,
        word_count INTEGER NOT NULL,
        imported_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
    );
    CREATE INDEX sources_hash ON sources(content_hash);
    CREATE TABLE source_attributes (
        source_id TEXT NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
        key TEXT NOT NULL,
        value TEXT NOT NULL,
        PRIMARY KEY (source_id, key)
    );
    CREATE INDEX source_attributes_kv ON source_attributes(key, value);
    CREATE TABLE turns (
        source_id TEXT NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
        n INTEGER NOT NULL,
        start INTEGER NOT NULL,
        end INTEGER NOT NULL,
        speaker TEXT,
        label TEXT,
        role TEXT,
        time TEXT,
        PRIMARY KEY (source_id, n)
    );
    CREATE TABLE sentences (
        source_id TEXT NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
        n INTEGER NOT NULL,
        turn INTEGER NOT NULL,
        start INTEGER NOT NULL,
        end INTEGER NOT NULL,
        PRIMARY KEY (source_id, n)
    );
    CREATE TABLE codebooks (
        version INTEGER PRIMARY KEY,
        name TEXT NOT NULL,
        content_hash TEXT NOT NULL UNIQUE,
        document TEXT NOT NULL,
        path TEXT,
        loaded_at TEXT NOT NULL
    );
    CREATE TABLE codes (
        codebook_version INTEGER NOT NULL REFERENCES codebooks(version) ON DELETE CASCADE,
        id TEXT NOT NULL,
        name TEXT NOT NULL,
        type TEXT NOT NULL,
        mechanism TEXT,
        parent TEXT,
        colour TEXT,
        description TEXT NOT NULL,
        position INTEGER NOT NULL,
        PRIMARY KEY (codebook_version, id)
    );
    CREATE TABLE coders (
        name TEXT PRIMARY KEY,
        kind TEXT NOT NULL CHECK (kind IN ('auto', 'human')),
        created_at TEXT NOT NULL
    );
    CREATE TABLE codings (
        id INTEGER PRIMARY KEY,
        source_id TEXT NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
        start INTEGER NOT NULL,
        end INTEGER NOT NULL,
        code_id TEXT NOT NULL,
        coder TEXT NOT NULL REFERENCES coders(name),
        codebook_version INTEGER REFERENCES codebooks(version),
        provenance TEXT NOT NULL,
        quote TEXT NOT NULL,
        status TEXT NOT NULL DEFAULT 'ok' CHECK (status IN ('ok', 'orphaned')),
        created_at TEXT NOT NULL,
        CHECK (start >= 0 AND end > start)
    );
    CREATE INDEX codings_source ON codings(source_id, start);
    CREATE INDEX codings_code ON codings(code_id);
    CREATE INDEX codings_coder ON codings(coder, codebook_version);
    CREATE TABLE coded_sources (
        coder TEXT NOT NULL REFERENCES coders(name),
        codebook_version INTEGER NOT NULL REFERENCES codebooks(version),
        source_id TEXT NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
        content_hash TEXT NOT NULL,
        codings INTEGER NOT NULL,
        coded_at TEXT NOT NULL,
        PRIMARY KEY (coder, codebook_version, source_id)
    );
    CREATE TABLE reviews (
        reviewer TEXT NOT NULL,
        auto_coder TEXT NOT NULL,
        source_id TEXT NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
        start INTEGER NOT NULL,
        end INTEGER NOT NULL,
        code_id TEXT NOT NULL,
        decision TEXT NOT NULL CHECK (decision IN ('accept', 'reject')),
        created_at TEXT NOT NULL,
        PRIMARY KEY (reviewer, auto_coder, source_id, start, end, code_id)
    );
    CREATE TABLE memos (
        id INTEGER PRIMARY KEY,
        target_kind TEXT NOT NULL,
        target TEXT NOT NULL,
        author TEXT NOT NULL,
        text TEXT NOT NULL,
        created_at TEXT NOT NULL
    );
    CREATE INDEX memos_target ON memos(target_kind, target);
    CREATE TABLE audit (
        id INTEGER PRIMARY KEY,
        at TEXT NOT NULL,
        actor TEXT NOT NULL,
        action TEXT NOT NULL,
        detail TEXT NOT NULL
    );
    """,
    """
    CREATE TABLE meta (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
    );
    CREATE TABLE survey_responses (
        la TEXT NOT NULL,
        item TEXT NOT NULL,
        value TEXT NOT NULL,
        PRIMARY KEY (la, item)
    );
    CREATE TABLE case_links (
        case_id TEXT PRIMARY KEY,
        la TEXT NOT NULL
    );
    """,
    """
    CREATE TABLE pack_responses (
        copy_key TEXT NOT NULL,
        pack_id TEXT NOT NULL,
        config_id TEXT NOT NULL,
        response TEXT,
        fits_model TEXT,
        different TEXT,
        missing TEXT,
        agency TEXT,
        mash_model TEXT,
        file TEXT NOT NULL,
        ingested_at TEXT NOT NULL,
        PRIMARY KEY (copy_key, config_id)
    );
    CREATE INDEX pack_responses_config ON pack_responses(config_id);
    CREATE TABLE theory_revisions (
        id INTEGER PRIMARY KEY,
        config_id TEXT NOT NULL,
        stage TEXT NOT NULL,
        status TEXT NOT NULL,
        detail TEXT NOT NULL,
        at TEXT NOT NULL
    );
    CREATE INDEX theory_revisions_config ON theory_revisions(config_id, id);
    """,
    # The hash of the text as imported: a deliberate rewrite (pseudonymisation) changes the text but not what a
    # re-import of the same file should be compared with.
    """
    ALTER TABLE sources ADD COLUMN origin_hash TEXT;
    UPDATE sources SET origin_hash = content_hash;
    ALTER TABLE sources ADD COLUMN origin_attributes TEXT;
    CREATE INDEX sources_origin_hash ON sources(origin_hash);
    """,
    # Realist evidence: passages a researcher linked to a configuration, decisions on co-occurrence candidates,
    # and theory versions on the revisions table. Offsets are span_start/span_end: END is reserved in PostgreSQL.
    """
    CREATE TABLE evidence (
        id INTEGER PRIMARY KEY,
        config_id TEXT NOT NULL,
        config_version INTEGER NOT NULL,
        source_id TEXT NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
        span_start INTEGER NOT NULL,
        span_end INTEGER NOT NULL,
        quote TEXT NOT NULL,
        coding_id INTEGER,
        relation TEXT NOT NULL CHECK (relation IN ('supports', 'contradicts', 'refines')),
        elements TEXT NOT NULL,
        linked_by TEXT NOT NULL,
        rationale TEXT NOT NULL,
        candidate TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('ok', 'orphaned')),
        created_at TEXT NOT NULL,
        CHECK (span_start >= 0 AND span_end > span_start)
    );
    CREATE INDEX evidence_config ON evidence(config_id, id);
    CREATE INDEX evidence_source ON evidence(source_id, span_start);
    CREATE TABLE candidate_decisions (
        candidate TEXT NOT NULL,
        config_id TEXT NOT NULL,
        source_id TEXT NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
        decision TEXT NOT NULL CHECK (decision IN ('promoted', 'dismissed')),
        evidence_id INTEGER,
        decided_by TEXT NOT NULL,
        note TEXT NOT NULL,
        decided_at TEXT NOT NULL,
        PRIMARY KEY (candidate, config_id)
    );
    ALTER TABLE theory_revisions ADD COLUMN theory_version INTEGER;
    ALTER TABLE theory_revisions ADD COLUMN reason TEXT;
    ALTER TABLE theory_revisions ADD COLUMN actor TEXT;
    ALTER TABLE theory_revisions ADD COLUMN configuration TEXT;
    """,
    # What a REFI-QDA import read that ipe's own records have no column for (GUIDs, dates, users, sets, exact
    # descriptions, positions), keyed by the ipe object it belongs to, so an export writes the project back unchanged.
    """
    CREATE TABLE refi_objects (
        kind TEXT NOT NULL,
        key TEXT NOT NULL,
        guid TEXT NOT NULL,
        data TEXT NOT NULL,
        PRIMARY KEY (kind, key)
    );
    CREATE INDEX refi_objects_guid ON refi_objects(guid);
    """,
    # Suggestions are codings with status 'suggested' (so counts of codings in force never include them), each with
    # its score and provenance; sentence embeddings are cached by text hash and model hash, vectors as base64 text
    # (portable: no BLOB/BYTEA difference). The codings table is rebuilt because a CHECK cannot be altered in place.
    """
    CREATE TABLE codings_rebuilt (
        id INTEGER PRIMARY KEY,
        source_id TEXT NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
        start INTEGER NOT NULL,
        end INTEGER NOT NULL,
        code_id TEXT NOT NULL,
        coder TEXT NOT NULL REFERENCES coders(name),
        codebook_version INTEGER REFERENCES codebooks(version),
        provenance TEXT NOT NULL,
        quote TEXT NOT NULL,
        status TEXT NOT NULL DEFAULT 'ok' CHECK (status IN ('ok', 'orphaned', 'suggested')),
        created_at TEXT NOT NULL,
        CHECK (start >= 0 AND end > start)
    );
    INSERT INTO codings_rebuilt (id, source_id, start, end, code_id, coder, codebook_version, provenance, quote, status,
                            created_at)
        SELECT id, source_id, start, end, code_id, coder, codebook_version, provenance, quote, status, created_at
        FROM codings;
    DROP TABLE codings;
    ALTER TABLE codings_rebuilt RENAME TO codings;
    CREATE INDEX codings_source ON codings(source_id, start);
    CREATE INDEX codings_code ON codings(code_id);
    CREATE INDEX codings_coder ON codings(coder, codebook_version);
    CREATE TABLE suggestions (
        coding_id INTEGER PRIMARY KEY REFERENCES codings(id) ON DELETE CASCADE,
        score REAL NOT NULL,
        threshold REAL NOT NULL,
        method TEXT NOT NULL,
        features TEXT NOT NULL,
        model_hash TEXT NOT NULL,
        training_hash TEXT NOT NULL
    );
    CREATE TABLE embeddings (
        text_hash TEXT NOT NULL,
        model_hash TEXT NOT NULL,
        dim INTEGER NOT NULL,
        vector TEXT NOT NULL,
        PRIMARY KEY (text_hash, model_hash)
    );
    """,
    # A replaced source's earlier texts, so a replacement is never unrecoverable; a review whose quote is gone
    # after a replacement is kept as orphaned, like a coding.
    """
    CREATE TABLE source_versions (
        source_id TEXT NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
        version INTEGER NOT NULL,
        name TEXT NOT NULL,
        path TEXT,
        format TEXT NOT NULL,
        text TEXT NOT NULL,
        content_hash TEXT NOT NULL,
        replaced_at TEXT NOT NULL,
        PRIMARY KEY (source_id, version)
    );
    ALTER TABLE reviews ADD COLUMN status TEXT NOT NULL DEFAULT 'ok';
    """,
    # Team coding: accounts (a slow salted hash, never the password), sessions (only a hash of each token), who is
    # assigned which source and whether blind, each consensus resolution (who decided, which coding was kept, why),
    # and a version per coding so two people editing the same coding cannot both win. ``user_name``: USER is
    # reserved in PostgreSQL.
    """
    CREATE TABLE users (
        name TEXT PRIMARY KEY,
        role TEXT NOT NULL CHECK (role IN ('lead', 'coder', 'viewer')),
        password_hash TEXT NOT NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
    );
    CREATE TABLE sessions (
        token_hash TEXT PRIMARY KEY,
        user_name TEXT NOT NULL REFERENCES users(name) ON DELETE CASCADE,
        created_at TEXT NOT NULL,
        expires_at TEXT NOT NULL
    );
    CREATE INDEX sessions_user ON sessions(user_name);
    CREATE TABLE assignments (
        source_id TEXT NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
        coder TEXT NOT NULL REFERENCES users(name) ON DELETE CASCADE,
        blind INTEGER NOT NULL CHECK (blind IN (0, 1)),
        assigned_by TEXT NOT NULL,
        assigned_at TEXT NOT NULL,
        PRIMARY KEY (source_id, coder)
    );
    CREATE INDEX assignments_coder ON assignments(coder);
    CREATE TABLE resolutions (
        id INTEGER PRIMARY KEY,
        source_id TEXT NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
        code_id TEXT NOT NULL,
        kept_coding_id INTEGER,
        kept_coder TEXT,
        start INTEGER NOT NULL,
        end INTEGER NOT NULL,
        consensus_coding_id INTEGER,
        decided_by TEXT NOT NULL,
        reason TEXT NOT NULL,
        decided_at TEXT NOT NULL
    );
    CREATE INDEX resolutions_source ON resolutions(source_id, code_id);
    ALTER TABLE codings ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
    """,
]
SCHEMA_VERSION = len(MIGRATIONS)
