"""Operations on a project: each reads its inputs, then writes to the store in one transaction."""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Optional

from ipe import codebook as codebook_module
from ipe import corpus, outputs
from ipe.anonymise import Incoming, is_pseudonymised, key_label, renamed_sources
from ipe.anchoring import locate_quote
from ipe.corpus import ImportReport, read_csv_rows
from ipe.errors import CodingError, IpeError, NotFound, ProjectError
from ipe.turns import coded_turns, pieces
from ipe.records import AUTO_CODER, Codebook, Coding
from ipe.sources import upsert
from ipe.store import Store, default_actor, resolve_project

MEMO_KINDS = ("source", "turn", "code", "coding", "configuration", "cell", "project")


def _no_progress(items, **_):
    return items


def init(project: Optional[str | os.PathLike], database: Optional[str] = None) -> Path:
    """Create a project folder with an empty store (owner-only permissions); an existing project is left as is.

    ``database`` (a ``postgresql://`` URL without a password) keeps the store in PostgreSQL instead of the folder.
    """
    folder = resolve_project(project)
    with Store.create(folder, database):
        pass
    return folder


def store_label(project: Optional[str | os.PathLike], database: Optional[str] = None) -> str:
    """Where a project's store is, for people: the SQLite file, or the database URL without any password."""
    with open_store(project, database) as store:
        return store.label


def copy_project(project: Optional[str | os.PathLike], to: str, switch: bool = False,
                 actor: Optional[str] = None) -> "CopyReport":
    """Copy a project's store to ``to`` (a PostgreSQL URL or a new SQLite file/folder), verified by checksum.

    With ``switch``, the project folder then uses the copy: its configuration names the PostgreSQL database, or is
    removed when the copy is the folder's own ``ipe.db``.
    """
    from ipe.store import CONFIG_NAME
    from ipe.store.backend import is_postgres, write_config
    from ipe.store.copy import copy_store

    folder = resolve_project(project)
    with open_store(folder) as store:
        report = copy_store(store, to, actor or default_actor())
    if switch:
        if is_postgres(to):
            write_config(folder, to)
        elif Path(report.target).resolve() == (folder / "ipe.db").resolve():
            (folder / CONFIG_NAME).unlink(missing_ok=True)
        else:
            raise ProjectError(f"{report.target}: --switch to SQLite needs the copy in the project folder"
                               f" ({folder / 'ipe.db'})")
    return report


def open_store(project: Optional[str | os.PathLike], database: Optional[str] = None) -> Store:
    """Open a project's store: ``database`` if given, else ``$IPE_DATABASE``, else what the folder names."""
    return Store.open(resolve_project(project), database)


# -- import ----------------------------------------------------------------------------------------------------------


def import_sources(
    store: Store,
    paths: Iterable[str | os.PathLike],
    manifest: Optional[str | os.PathLike] = None,
    text_column: Optional[str] = None,
    id_column: Optional[str] = None,
    model: Optional[str] = None,
    progress: Callable = _no_progress,
    actor: Optional[str] = None,
    replace: bool = False,
    interviewers: Iterable[str] = (),
) -> ImportReport:
    """Import transcripts: new sources added, unchanged ones reported, changed ones replaced with codings kept.

    What happens to a changed source and its human work is :func:`ipe.sources.upsert`'s rule: codings re-anchored by
    their quotes, and a replacement that would orphan any (or a different file of the same name) only with
    ``replace``. Into a pseudonymised project, every source goes through the project's key before it is stored.
    """
    from ipe.nlp import pipeline

    nlp = pipeline(model, lemmas=False) if not model else pipeline(model)
    sources, report = corpus.parse_sources(
        [Path(p) for p in paths], Path(manifest) if manifest else None, nlp, text_column, id_column, progress,
        interviewers=interviewers,
    )
    detail = {"manifest": str(manifest or "")}
    with store.transaction(actor, "import", detail):
        incoming = Incoming(store, store.path.parent) if is_pseudonymised(store) else None
        for src in sources:
            stored = incoming.apply(src) if incoming else src
            outcome = upsert(store, stored, replace=replace, origin_hash=src.content_hash, dedupe=True,
                             raw_attributes=src.attributes)
            report.add(stored.id, outcome.status, outcome.detail)
        if incoming:
            incoming.save()
        detail["sources"] = len(report.rows)
    return report


# -- codebooks -------------------------------------------------------------------------------------------------------


def load_codebook(store: Store, path: Optional[str | os.PathLike] = None, actor: Optional[str] = None) -> tuple[int, Codebook, bool]:
    """``(version, codebook, added)``: the given file (stored as a new version if it changed), else the current one.

    The version last loaded is the project's current codebook, even when it is an older version loaded again.
    """
    if path is None:
        current = store.get_meta("codebook_version")
        latest = store.latest_codebook()
        if latest is None:
            raise ProjectError("the project has no codebook yet: load one with 'ipe code --codebook FILE' "
                               "(or 'ipe run --codebook FILE')")
        version = int(current) if current else latest[0]
        return version, _stored_codebook(store.codebook_document(version), f"codebook v{version}"), False
    cb = codebook_module.load(path)
    with store.transaction(actor, None) as tx:
        # Looked up inside the transaction: two commands loading the same new codebook must not both add it.
        version = tx.codebook_version(cb.content_hash)
        added = version is None
        if added:
            tx.audit(actor or default_actor(), "codebook load", {"path": str(path), "codes": len(cb.codes)})
            version = store.add_codebook(cb, str(path))
        if store.get_meta("codebook_version") != str(version):
            store.set_meta("codebook_version", str(version))
    return version, cb, added


@functools.lru_cache(maxsize=8)
def _stored_codebook(document: str, label: str) -> Codebook:
    """A stored codebook parsed once per process: parsing validates every rule, which takes a noticeable time."""
    return codebook_module.stored(document, label)


def current_codebook(store: Store) -> tuple[int, Codebook]:
    version, cb, _ = load_codebook(store)
    return version, cb


def codes_missing_from(store: Store, codebook: Codebook) -> dict[str, int]:
    """Human codings whose code is not in ``codebook``: code id → number of codings (they are kept, never dropped)."""
    ids = {c.id for c in codebook.codes}
    humans = [name for name, kind in store.coders().items() if kind == "human"]
    if not humans:
        return {}
    missing: dict[str, int] = {}
    for c in store.codings(coders=humans, status=None):  # not the auto codings: they are most rows, and replaced
        if c.code_id not in ids:
            missing[c.code_id] = missing.get(c.code_id, 0) + 1
    return missing


def change_code(store: Store, old: str, new: str, merge: bool, name: Optional[str] = None,
                out: Optional[str | os.PathLike] = None, actor: Optional[str] = None) -> tuple[int, int]:
    """Rename a code (``merge=False``) or merge it into another; codings, reviews and memos follow.

    The changed codebook is stored as a new version (and written to ``out`` as YAML if given). Returns
    ``(new version, codings moved)``.
    """
    _, cb = current_codebook(store)
    document = codebook_module.rename_code(cb, old, new, merge=merge, name=name)
    changed = codebook_module.loads(document, f"{'merge' if merge else 'rename'} {old} -> {new}")
    action = "codebook merge" if merge else "codebook rename"
    with store.transaction(actor, action, {"from": old, "to": new}) as tx:
        version = tx.codebook_version(changed.content_hash) or tx.add_codebook(changed, str(out) if out else None)
        tx.set_meta("codebook_version", str(version))
        moved = tx.recode(old, new)
    if out:
        outputs.write_text(out, document)
    return version, moved


# -- auto-coding -----------------------------------------------------------------------------------------------------


@dataclass
class CodeReport:
    version: int
    codebook_added: bool
    coder: str
    sources: int = 0
    turns: int = 0
    codings: int = 0
    per_code: dict = field(default_factory=dict)
    missing_codes: dict = field(default_factory=dict)  # human codings' codes this codebook lacks (kept)


def auto_code(
    store: Store,
    codebook_path: Optional[str | os.PathLike] = None,
    coder: str = AUTO_CODER,
    jobs: int = 1,
    model: Optional[str] = None,
    include_interviewer: bool = False,
    batch_size: int = 256,
    progress: Callable = _no_progress,
    actor: Optional[str] = None,
) -> CodeReport:
    """Auto-code every source; replaces only ``coder``'s codings for this codebook version, in one transaction."""
    with outputs.lock(store.path.parent, "project"):
        return _auto_code(store, codebook_path, coder, jobs, model, include_interviewer, batch_size, progress, actor)


def _auto_code(store, codebook_path, coder, jobs, model, include_interviewer, batch_size, progress, actor) -> CodeReport:
    # spaCy (and, through thinc, torch when installed) takes seconds to import; only auto-coding needs it here.
    from ipe.coding import code_turns, coding_pipeline, speaker_of

    version, cb, added = load_codebook(store, codebook_path, actor)
    nlp = coding_pipeline(cb, model)
    report = CodeReport(version=version, codebook_added=added, coder=coder, missing_codes=codes_missing_from(store, cb))
    with store.transaction(actor, "code", {"coder": coder, "codebook_version": version}) as tx:
        tx.ensure_coder(coder, "auto")
        tx.delete_codings(coder, codebook_version=version)
        pending: list[Coding] = []
        counts: dict[str, int] = {}
        ids = tx.source_ids()

        def items():
            for src in progress(tx.iter_sources(ids, structure=True), label="Coding", length=len(ids)):
                report.sources += 1
                counts[src.id] = 0
                turns = coded_turns(src.turns, include_interviewer)
                parts = [(t.start + offset, piece, speaker_of(t, src.attributes)) for t in turns
                         for offset, piece in pieces(src.text[t.start:t.end])]
                for i, (start, piece, speaker) in enumerate(parts):
                    last = i == len(parts) - 1
                    yield piece, (src.id, start, src.content_hash if last else None, speaker)
                if not turns:
                    tx.mark_coded(coder, version, src.id, src.content_hash, 0)

        texts: dict[str, str] = {}
        for (sid, offset, final_hash, _), hits in code_turns(nlp, items(), batch_size=batch_size, n_process=jobs,
                                                             speaker=lambda context: context[3]):
            report.turns += 1
            for start, end, code_id, rule in hits:
                if sid not in texts:
                    texts.clear()
                    texts[sid] = tx.source(sid, structure=False).text
                pending.append(Coding(source_id=sid, start=offset + start, end=offset + end, code_id=code_id,
                                      coder=coder, provenance=f"rule {rule}", codebook_version=version,
                                      quote=texts[sid][offset + start:offset + end]))
                report.per_code[code_id] = report.per_code.get(code_id, 0) + 1
                counts[sid] = counts.get(sid, 0) + 1
            if final_hash is not None:
                report.codings += tx.add_codings(pending)
                pending.clear()
                tx.mark_coded(coder, version, sid, final_hash, counts.get(sid, 0))
        report.codings += tx.add_codings(pending)
    return report


# -- human codings ---------------------------------------------------------------------------------------------------


def _int(value: str) -> Optional[int]:
    try:
        return int(str(value).strip())
    except ValueError:
        return None


def place_codings(store: Store, path: Path, coder: str, codes: set[str], version: int) -> tuple[list[Coding], list[str]]:
    """Check every row of a codings CSV; return the placed codings and a message per row that cannot be placed."""
    header, rows = read_csv_rows(path, required=("source", "code"))
    has_offsets = "start" in header and "end" in header
    if not has_offsets and "quote" not in header:
        raise CodingError(path, ["needs columns start and end, or quote"])
    texts: dict[str, Optional[str]] = {}
    placed, problems = [], []
    # In a pseudonymised project a source renamed for its file name is found by its original id too, and the file
    # name in the provenance goes through the key like every source name.
    pseudonymised = is_pseudonymised(store)
    renamed = renamed_sources(store.path.parent) if pseudonymised else {}
    origin = key_label(store.path.parent, f"import {path.name}") if pseudonymised else f"import {path.name}"
    for line, row in rows:
        sid, code = row["source"], row["code"]
        sid = sid if store.has_source(sid) else renamed.get(sid, sid)
        if sid not in texts:
            texts[sid] = store.source(sid, structure=False).text if store.has_source(sid) else None
        text = texts[sid]
        quote = row.get("quote", "")
        if text is None:
            problems.append(f"line {line}: unknown source '{sid}'")
            continue
        if code not in codes:
            problems.append(f"line {line}: unknown code '{code}'")
            continue
        span = None
        if has_offsets and (row.get("start") or row.get("end")):
            start, end = _int(row.get("start", "")), _int(row.get("end", ""))
            if start is None or end is None:
                problems.append(f"line {line}: start and end must be whole numbers")
                continue
            if not 0 <= start < end <= len(text):
                problems.append(f"line {line}: offsets {start}-{end} outside the text of '{sid}' (0-{len(text)})")
                continue
            if quote and " ".join(text[start:end].split()) != " ".join(quote.split()):
                problems.append(f"line {line}: offsets {start}-{end} do not hold the quoted text")
                continue
            span = (start, end)
        elif quote:
            span = locate_quote(text, quote)
            if span is None:
                problems.append(f"line {line}: quote not found in '{sid}': \"{quote[:60]}\"")
                continue
        else:
            problems.append(f"line {line}: give start and end, or a quote")
            continue
        placed.append(Coding(source_id=sid, start=span[0], end=span[1], code_id=code, coder=coder,
                             provenance=f"{origin}:{line}", codebook_version=version,
                             quote=text[span[0]:span[1]]))
    return placed, problems


def import_codings(store: Store, path: str | os.PathLike, coder: str, skip_invalid: bool = False,
                   actor: Optional[str] = None) -> tuple[int, list[str]]:
    """Import a coder's codings from CSV: all rows or none (unless ``skip_invalid``); duplicates are not repeated."""
    path = Path(path)
    coder = coder_name(coder, f"{path}: --coder")
    version, cb = current_codebook(store)
    placed, problems = place_codings(store, path, coder, {c.id for c in cb.codes}, version)
    if problems and not skip_invalid:
        raise CodingError(path, problems)
    existing = {(c.source_id, c.start, c.end, c.code_id) for c in store.codings(coders=[coder], status=None)}
    new, seen = [], set(existing)
    for c in placed:
        key = (c.source_id, c.start, c.end, c.code_id)
        if key not in seen:
            seen.add(key)
            new.append(c)
    with store.transaction(actor or coder, "codings import", {"file": str(path), "coder": coder, "rows": len(new),
                                                                "skipped": len(problems)}) as tx:
        tx.ensure_coder(coder, "human")
        tx.add_codings(new)
    return len(new), problems


# -- review ----------------------------------------------------------------------------------------------------------

ACCEPT = {"accept", "accepted", "yes", "y", "1", "true", "✓", "x"}
REJECT = {"reject", "rejected", "no", "n", "0", "false", "✗"}


def coder_name(name: str, where: str = "--coder") -> str:
    """A human coder's name, checked: not empty, not the auto-coder's, printable; the name stripped."""
    clean = (name or "").strip()
    if not clean:
        raise IpeError(f"{where}: give a coder's name (it is empty)")
    if clean == AUTO_CODER:
        raise IpeError(f"{where}: '{AUTO_CODER}' is the auto-coder's name; give a human coder's name")
    if not clean.isprintable():
        raise IpeError(f"{where}: the coder's name {clean!r} holds control characters")
    return clean


def _same_words(a: str, b: str) -> bool:
    return " ".join(a.split()) == " ".join(b.split())


def apply_review(store: Store, path: str | os.PathLike, reviewer: str, auto_coder: str = AUTO_CODER,
                 actor: Optional[str] = None) -> dict:
    """Apply a filled review CSV: accepted rows become the reviewer's codings; every decision is recorded.

    Every decided row is checked against the store before anything is written: whole-number offsets inside the
    source, the ``quote`` column (when the sheet has one) still standing at those offsets — if the source changed
    since the sheet was exported, the quote is found again near them — and an auto coding of ``auto_coder`` with
    that code at that span (a row matching none is not a review of the auto coder). Any problem: nothing is applied.
    """
    path = Path(path)
    reviewer = coder_name(reviewer, f"{path}: --coder")
    header, rows = read_csv_rows(path, required=("source", "code", "start", "end", "decision"))
    version, cb = current_codebook(store)
    codes = {c.id for c in cb.codes}
    auto = {(c.source_id, c.start, c.end, c.code_id) for c in store.codings(coders=[auto_coder])}
    has_quote = "quote" in header
    texts: dict[str, Optional[str]] = {}
    decisions, problems, moved = [], [], 0
    for line, row in rows:
        decision = row["decision"].strip().lower()
        if not decision:
            continue
        if decision not in ACCEPT | REJECT:
            problems.append(f"line {line}: decision '{row['decision']}' is neither accept nor reject")
            continue
        sid, code = row["source"], row["code"]
        if sid not in texts:
            texts[sid] = store.source(sid, structure=False).text if store.has_source(sid) else None
        text = texts[sid]
        start, end = _int(row["start"]), _int(row["end"])
        if text is None:
            problems.append(f"line {line}: unknown source '{sid}'")
        elif code not in codes:
            problems.append(f"line {line}: unknown code '{code}'")
        elif start is None or end is None:
            problems.append(f"line {line}: start and end must be whole numbers")
        elif not 0 <= start < end <= len(text):
            problems.append(f"line {line}: offsets {start}-{end} outside the text of '{sid}' (0-{len(text)})")
        else:
            quote = row.get("quote", "") if has_quote else ""
            if quote and not _same_words(text[start:end], quote):
                span = locate_quote(text, quote, near=start)
                if span is None:
                    problems.append(f"line {line}: the quote is no longer in '{sid}' (changed since the sheet was "
                                    "exported?)")
                    continue
                start, end = span
                moved += 1
            if (sid, start, end, code) not in auto:
                problems.append(f"line {line}: no {auto_coder} coding of {code} at {start}-{end} in '{sid}' "
                                "(export the review sheet again)")
                continue
            decisions.append((sid, start, end, code, "accept" if decision in ACCEPT else "reject"))
    if problems:
        raise CodingError(path, problems)
    existing = {(c.source_id, c.start, c.end, c.code_id) for c in store.codings(coders=[reviewer], status=None)}
    accepted, seen = [], set(existing)
    for sid, s, e, code, d in decisions:
        if d == "accept" and (sid, s, e, code) not in seen:
            seen.add((sid, s, e, code))
            accepted.append(Coding(source_id=sid, start=s, end=e, code_id=code, coder=reviewer,
                                   provenance=f"review of {auto_coder}", codebook_version=version,
                                   quote=texts[sid][s:e]))
    with store.transaction(actor or reviewer, "review apply", {"file": str(path), "reviewer": reviewer}) as tx:
        tx.ensure_coder(reviewer, "human")
        tx.add_reviews((reviewer, auto_coder, sid, s, e, code, d) for sid, s, e, code, d in decisions)
        tx.add_codings(accepted)
    n_acc = sum(1 for d in decisions if d[4] == "accept")
    return {"accepted": n_acc, "rejected": len(decisions) - n_acc, "new_codings": len(accepted), "moved": moved}


# -- memos -----------------------------------------------------------------------------------------------------------


def add_memo(store: Store, kind: str, target: str, text: str, author: str) -> int:
    """Attach a memo to a source, a turn (``source#n``), code, coding, configuration, framework cell (``case|code``)
    or the project."""
    if kind not in MEMO_KINDS:
        raise IpeError(f"memo target must be one of {', '.join(MEMO_KINDS)}")
    if not text.strip():
        raise IpeError("empty memo")
    if kind == "source" and not store.has_source(target):
        raise NotFound(f"no source '{target}' in the project")
    if kind == "turn":
        sid, _, n = target.rpartition("#")
        if not (store.has_source(sid) and n.isdigit() and any(t.n == int(n) for t in store.turns(sid))):
            raise NotFound(f"no turn '{target}' in the project (give source#turn)")
    if kind == "coding" and not (target.isdigit() and store.coding_exists(int(target))):
        raise NotFound(f"no coding {target} in the project")
    if kind in ("code", "cell", "configuration"):
        _, cb = current_codebook(store)
        code_ids = {c.id for c in cb.codes}
        config_ids = {t.id for t in cb.theory}
        code = target.split("|", 1)[-1]
        if kind != "configuration" and code not in code_ids:
            raise NotFound(f"no code '{code}' in the codebook")
        if kind == "configuration" and target not in config_ids:
            raise NotFound(f"no configuration '{target}' in the codebook")
    with store.transaction(author, "memo add", {"kind": kind, "target": target}) as tx:
        return tx.add_memo(kind, target, author, text.strip())


def remove_source(store: Store, source_id: str, reason: str, actor: Optional[str] = None) -> None:
    """Erase a source with its turns, sentences, codings and memos; only the audit entry keeps its id and reason."""
    from ipe import erasure

    if not reason.strip():
        raise IpeError("give a reason for the removal (it is kept in the audit log)")
    texts = [store.source(source_id, structure=False).text] if store.has_source(source_id) else []
    texts += [v[3] for v in store.source_versions(source_id)]
    with store.transaction(actor, "source remove", {"source": source_id, "reason": reason}) as tx:
        tx.remove_source(source_id)
    erasure.make_it_hold(store, [n for t in texts for n in erasure.text_needles(t)], f"source '{source_id}' removed")


def orphans(store: Store):
    """Human codings, reviews and evidence passages kept as orphaned after their source changed, one row each (a
    DataFrame); an evidence passage's ``code`` is its configuration."""
    import pandas as pd

    kinds = store.coders()
    rows = [{"kind": "coding", "source": c.source_id, "code": c.code_id, "coder": c.coder, "start": c.start,
             "end": c.end, "quote": c.quote}
            for c in store.codings(status="orphaned") if kinds.get(c.coder) == "human"]
    rows += [{"kind": f"review ({decision})", "source": sid, "code": code, "coder": reviewer, "start": s, "end": e,
              "quote": ""} for reviewer, sid, s, e, code, decision in store.orphaned_reviews()]
    rows += [{"kind": f"evidence ({e.relation})", "source": e.source_id, "code": e.config_id, "coder": e.linked_by,
              "start": e.start, "end": e.end, "quote": e.quote} for e in store.evidence() if e.status == "orphaned"]
    return pd.DataFrame(rows, columns=["kind", "source", "code", "coder", "start", "end", "quote"])
