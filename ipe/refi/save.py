"""Writing a read REFI-QDA file into the store: one transaction, with what an export needs to write it back."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

from ipe.refi.common import AUTO_CODER, DEFAULT_USER, META_NAME, ImportReport, guid_for


def write_plan(store, plan, path: Path, report: ImportReport, actor: Optional[str]) -> None:
    """Add the plan's codebook, coders, sources, codings and memos, and keep its REFI metadata."""
    from ipe.records import Coding
    from ipe.sources import upsert

    coders = store.coders()
    names = sorted(set(plan.users.values()) | {c[4] for c in plan.codings} | {m[2] for m in plan.memos})
    detail = {"file": str(path)}
    with store.transaction(actor, "refi import", detail) as tx:
        held = tx.refi_objects()
        if plan.name and not tx.get_meta(META_NAME):
            tx.set_meta(META_NAME, plan.name)
        version = None
        if plan.codebook is not None:
            version = tx.codebook_version(plan.codebook.content_hash)
            if version is None:
                version = tx.add_codebook(plan.codebook, str(path))
            report.codebook_version = version
        for name in names:
            tx.ensure_coder(name, coders.get(name, "auto" if name == AUTO_CODER else "human"))
        report.coders = names
        for source in plan.sources:
            # The one source upsert every importer uses; the reader gave each new text an id of its own.
            upsert(tx, source, attributes_origin=False)
        report.sources = len(plan.sources)
        report.cases = plan.cases
        texts = {s.id: s.text for s in plan.sources}
        existing = {(c.source_id, c.start, c.end, c.code_id, c.coder) for c in tx.codings(status=None)}
        new = []
        for key in plan.codings:
            if key in existing:
                continue
            sid, a, b, code, coder = key
            if sid not in texts:
                texts[sid] = tx.source(sid, structure=False).text
            new.append(Coding(source_id=sid, start=a, end=b, code_id=code, coder=coder, provenance=f"refi {path.name}",
                              codebook_version=version, quote=texts[sid][a:b]))
        report.codings = tx.add_codings(new)
        ids = {(c.source_id, c.start, c.end, c.code_id, c.coder): c.id for c in tx.codings(status=None)}
        memos = {(m.target_kind, m.target, m.author, m.text) for m in tx.memos()}
        kept = [row for row in plan.kept if (row[0], row[1]) not in held or row[0] not in ("project", "user")]
        if DEFAULT_USER in names and ("user", DEFAULT_USER) not in held:  # codings no user was named for
            kept.append(("user", DEFAULT_USER, guid_for(f"user:{DEFAULT_USER}"), {
                "attrs": {"guid": guid_for(f"user:{DEFAULT_USER}")}, "hidden": True}))
        for key in (c for c in plan.codings if c not in existing):
            if key in plan.coding_meta:
                data = {**plan.coding_meta[key], "key": list(key)}
                kept.append(("coding", ids[key], (data.get("coding") or {}).get("guid", ""), data))
        for kind, target, author, text, data in plan.memos:
            if kind == "coding":
                if target not in ids:
                    report.skip(f"memo by {author}", "its coding was not imported")
                    continue
                target = str(ids[target])
            if (kind, target, author, text) in memos:
                continue  # imported before
            memos.add((kind, target, author, text))
            memo_id = tx.add_memo(kind, target, author, text)
            if data:  # with what it is about, so a later memo given the same id never takes it
                kept.append(("memo", memo_id, data["attrs"].get("guid", ""), {**data, "for": [kind, target, author]}))
            report.memos += 1
        report.evidence = _add_evidence(tx, plan.evidence)
        tx.put_refi_objects((kind, key, guid or "", data) for kind, key, guid, data in kept)
        detail.update(sources=report.sources, codings=report.codings, memos=report.memos,
                      codebook_version=version, skipped=len(report.skipped))  # the audit entry is written on exit


def _add_evidence(tx, items: list) -> int:
    """Evidence records read from the file, each once (a record already in the project is not added again)."""
    from ipe.records import Evidence
    from ipe.refi.common import _timestamp

    if not items or not hasattr(tx, "add_evidence"):
        return 0
    have = {(e.config_id, e.source_id, e.start, e.end, e.relation) for e in tx.evidence()}
    added = 0
    for item in items:
        key = (item["config"], item["source"], item["start"], item["end"], item["relation"])
        if key in have:
            continue
        have.add(key)
        tx.add_evidence(Evidence(config_id=item["config"], source_id=item["source"], start=item["start"],
                                 end=item["end"], quote=item["quote"], relation=item["relation"],
                                 elements=item["elements"], linked_by=item["linked_by"],
                                 rationale=item["rationale"], created_at=_timestamp(item["created"]) if
                                 item["created"] else ""))
        added += 1
    return added
