"""Workshop sense-check packs: read completed packs back and revise the theory (:mod:`ipe.pack` builds them).

Every response table starts with a row naming what it answers (``Response to CMO-03``, ``About
you``), and the pack id stands in the document properties and in small print on the cover, so a completed copy
can be read back after people have reflowed, moved or deleted parts of it.

Reading back: a response row counts as marked when its answer cell holds anything other than an empty box
(``X``, ``✓``, ``☒``, a word); a section with several marks, or none, is reported and not counted. Each filled copy
is identified by its pack id and copy number (or, for an unnumbered copy, by its file's content), and ingesting it
again replaces its earlier responses instead of adding to them.

Revision rule (thresholds settable): for a configuration with ``n`` counted responses, the share *against* is
disagree / n and the share *for* is agree / n. It is **questioned** when against ≥ ``question_share`` (default
0.34); else **confirmed** when for ≥ ``confirm_share`` (default 0.6); else **refined**, with the comments ("What is
different in your area?", "What is missing?") that refine it. With no responses the configuration is unchanged.
"""

from __future__ import annotations

import hashlib
import io
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Optional

import pandas as pd

from ipe import appraisal, corpus
from ipe.errors import SourceError
from ipe.records import Codebook, Source

RESPONSES = ("Agree", "Partly agree", "Disagree", "Not sure")
FIT_ROW = "Does this fit your MASH model? (risk-focused / hybrid / needs and planning)"
DIFFERENT_ROW = "What is different in your area?"
MISSING_ROW = "What is missing?"
EMPTY_BOX = "☐"
MODELS = {"risk": "risk-focused", "hybrid": "hybrid", "needs": "needs-and-planning", "planning": "needs-and-planning"}
PACK_ID_RE = re.compile(r"Pack id:\s*(PACK-[0-9a-f]{10})(?:\s+copy\s+(\d+))?")
RESPONSE_HEADER_RE = re.compile(r"^Response to (\S+)$")


@dataclass
class PackResult:
    """What one ingested file gave: its copy, the configurations read, and what could not be read."""

    file: str
    pack_id: str = ""
    copy: str = ""
    read: list = field(default_factory=list)
    problems: list = field(default_factory=list)
    title: str = ""
    configs: tuple = ()  # the configurations the pack was built with (its keywords)


def pack_id(codebook: Codebook, config_ids: Iterable[str], title: str) -> str:
    digest = hashlib.sha256("|".join([codebook.content_hash, title, *sorted(config_ids)]).encode()).hexdigest()
    return f"PACK-{digest[:10]}"


# -- reading back -----------------------------------------------------------------------------------------------------


def _open(path: Path):
    import docx

    data = path.read_bytes() if path.is_file() else None
    if data is None:
        raise SourceError(path, "no such file")
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise SourceError(path, "not a Word .docx file (not a zip archive)")
    try:
        return docx.Document(io.BytesIO(data)), data
    except Exception as exc:
        raise SourceError(path, f"cannot read the Word document ({type(exc).__name__})") from None


def _marked(text: str) -> bool:
    return bool(text.replace(EMPTY_BOX, "").strip())


def _model(text: str) -> str:
    low = text.lower()
    found = {model for word, model in MODELS.items() if word in low}
    return found.pop() if len(found) == 1 else ""


def read_pack(path: Path) -> tuple[PackResult, list[dict], dict]:
    """Read one completed pack: ``(result, responses per configuration, about-you answers)``."""
    document, data = _open(path)
    text = "\n".join(p.text for p in document.paragraphs)
    match = PACK_ID_RE.search(text)
    ident = document.core_properties.identifier or (match.group(1) if match else "")
    if not ident.startswith("PACK-"):
        raise SourceError(path, "not an ipe workshop pack (no pack id)")
    copy = match.group(2) if match and match.group(2) else ""
    subject = document.core_properties.subject or ""
    if not copy and " copy " in subject:
        copy = subject.rsplit(" ", 1)[-1]
    result = PackResult(file=str(path), pack_id=ident, copy=copy or hashlib.sha256(data).hexdigest()[:12])
    responses, about = [], {}
    for table in document.tables:
        rows = [[c.text.strip() for c in r.cells] for r in table.rows]
        rows = [r for r in rows if r]
        if not rows:
            continue
        header = RESPONSE_HEADER_RE.match(rows[0][0])
        cells = {r[0]: (r[-1] if len(r) > 1 else "") for r in rows[1:]}
        if rows[0][0] == "About you":
            about = {"anything": cells.get("Anything else?", ""),
                     "agency": next((v for k, v in cells.items() if k.startswith("Your agency")), ""),
                     "mash_model": _model(next((v for k, v in cells.items() if k.startswith("Your MASH model")), ""))}
            continue
        if not header:
            continue
        config_id = header.group(1)
        if config_id in result.read:
            result.problems.append(f"{config_id}: a second response table for it; only the first is counted")
            continue
        marks = [label for label in RESPONSES if _marked(cells.get(label, ""))]
        if len(marks) > 1:
            result.problems.append(f"{config_id}: several boxes marked ({', '.join(marks)}); not counted")
            marks = []
        elif not marks:
            result.problems.append(f"{config_id}: no box marked")
        responses.append({"config_id": config_id, "response": marks[0] if marks else None,
                          "fits_model": cells.get(FIT_ROW, ""), "different": cells.get(DIFFERENT_ROW, ""),
                          "missing": cells.get(MISSING_ROW, "")})
        result.read.append(config_id)
    expected = (document.core_properties.keywords or "").split()
    result.title, result.configs = document.core_properties.title or "", tuple(expected)
    result.problems += [f"{c}: section not found (deleted?)" for c in expected if c not in result.read]
    if not responses and not about:
        raise SourceError(path, "no response tables found in the pack")
    return result, responses, about


def _comments_source(result: PackResult, responses: list[dict], about: dict, nlp) -> Optional[Source]:
    """The free-text answers of one copy as a ``workshop`` source, one paragraph per answer."""
    parts = []
    for r in responses:
        for label, key in (("fit", "fits_model"), ("different", "different"), ("missing", "missing")):
            if r[key]:
                parts.append(f"{r['config_id']} {label}: {r[key]}")
    if about.get("anything"):
        parts.append(f"Anything else: {about['anything']}")
    if not parts:
        return None
    text = corpus.normalise("\n\n".join(parts))
    turns = corpus.split_turns(text)
    attrs = {"data_type": "workshop", "pack_id": result.pack_id, "copy": result.copy,
             "agency": about.get("agency", ""), "mash_model": about.get("mash_model", ""), "case": "workshop"}
    return Source(id=f"workshop-{result.pack_id.lower()}-{result.copy}", name=Path(result.file).name, text=text,
                  format="docx", content_hash=corpus.content_hash(text), attributes={k: v for k, v in attrs.items() if v},
                  turns=turns, sentences=corpus.split_sentences(text, turns, nlp), path=result.file)


def ingest_packs(store, codebook: Codebook, files: Iterable, confirm_share: float = 0.6, question_share: float = 0.34,
                 actor: Optional[str] = None) -> list[PackResult]:
    """Read completed packs, store their responses and comments, and record the theory revision (one transaction)."""
    from ipe.anonymise import Incoming, is_pseudonymised
    from ipe.nlp import pipeline
    from ipe.sources import upsert

    read = [read_pack(Path(f)) for f in files]
    issued = _issued_ids(store, read)
    for result, _, _ in read:
        if result.pack_id not in issued:
            raise SourceError(result.file, f"pack id {result.pack_id} was not issued by this project (its title and "
                                           "configurations do not match any codebook version); not counted")
    codes = {c.id for c in codebook.codes}
    # A pack asks about configurations and about emergent links ("code->code"); both are kept.
    known = {t.id for t in codebook.theory} | {r["config_id"] for _, rs, _ in read for r in rs
                                               if set(r["config_id"].split("->")) <= codes and "->" in r["config_id"]}
    nlp = pipeline(lemmas=False)
    with store.transaction(actor, "pack ingest", {"files": [r.file for r, _, _ in read]}) as tx:
        # Comments are imported like any source: into a pseudonymised project through its key (text and file name).
        incoming = Incoming(tx, tx.path.parent) if is_pseudonymised(tx) else None
        for result, responses, about in read:
            for r in responses:
                if r["config_id"] not in known:
                    result.problems.append(f"{r['config_id']}: not a configuration of the current codebook")
            rows = [{**r, "pack_id": result.pack_id, "agency": about.get("agency", ""),
                     "mash_model": _model(r["fits_model"]) or about.get("mash_model", ""), "file": result.file}
                    for r in responses if r["config_id"] in known]
            tx.replace_pack_responses(f"{result.pack_id}:{result.copy}", rows)
            source = _comments_source(result, responses, about, nlp)
            if source is not None:
                upsert(tx, incoming.apply(source) if incoming else source, replace=True, attributes_origin=False)
        if incoming:
            incoming.save()
        for config_id, status, detail in revise(tx.pack_responses(), codebook, confirm_share, question_share):
            tx.add_revision(config_id, "workshop", status, detail)
    return [r for r, _, _ in read]


def _issued_ids(store, read) -> set:
    """The pack ids this project could have issued for the packs read, over every stored codebook version."""
    from ipe import codebook as codebook_module

    latest = store.latest_codebook()
    books = [codebook_module.stored(store.codebook_document(v), f"codebook v{v}") for v in range(1, latest[0] + 1)] \
        if latest else []
    return {pack_id(cb, result.configs, result.title) for cb in books for result, _, _ in read}


def revise(responses: list[dict], codebook: Codebook, confirm_share: float = 0.6, question_share: float = 0.34):
    """``(config id, status, detail)`` per configuration with responses, by the rule in the module docstring."""
    out = []
    for config in codebook.theory:
        mine = [r for r in responses if r["config_id"] == config.id and r["response"]]
        if not mine:
            continue
        n = len(mine)
        tally = {label: sum(1 for r in mine if r["response"] == label) for label in RESPONSES}
        against, support = tally["Disagree"] / n, tally["Agree"] / n
        status = "questioned" if against >= question_share else "confirmed" if support >= confirm_share else "refined"
        counts = ", ".join(f"{v} {k.lower()}" for k, v in tally.items() if v)
        comments = [r[k] for r in mine for k in ("different", "missing") if r[k]]
        detail = f"{n} responses: {counts}" + (f"; comments: {' | '.join(comments)}" if comments else "")
        out.append((config.id, status, detail))
    return out


def responses_table(responses: list[dict]) -> pd.DataFrame:
    """Tallies per configuration: all responses, then by MASH model and by agency."""
    columns = ["config_id", "group", "value", *[r.lower() for r in RESPONSES], "responses"]
    rows = []
    frame = pd.DataFrame(responses)
    if frame.empty:
        return pd.DataFrame(columns=columns)
    frame = frame[frame["response"].notna()]
    for (config_id), part in frame.groupby("config_id", sort=True):
        for group, key in (("all", None), ("mash_model", "mash_model"), ("agency", "agency")):
            values = [("all", part)] if key is None else [(v or "(not given)", p) for v, p in part.groupby(part[key].fillna(""), sort=True)]
            for value, sub in values:
                tally = {r.lower(): int((sub["response"] == r).sum()) for r in RESPONSES}
                rows.append({"config_id": config_id, "group": group, "value": value, **tally, "responses": len(sub)})
    return pd.DataFrame(rows, columns=columns)


def theory_status(store, codebook: Codebook) -> pd.DataFrame:
    """Each configuration's path: hypothesis → status in the data → status after the workshop."""
    data = {a.id: a.status for a in appraisal.assess_project(store, codebook)}
    codebook = appraisal.current_codebook(store, codebook)
    latest = {}
    for config_id, stage, status, detail, at in store.revisions():
        latest[config_id] = (status, detail)
    rows = [{"id": t.id, "hypothesis": t.statement, "data": data.get(t.id, ""),
             "workshop": latest.get(t.id, ("not yet discussed", ""))[0], "detail": latest.get(t.id, ("", ""))[1]}
            for t in codebook.theory]
    return pd.DataFrame(rows, columns=["id", "hypothesis", "data", "workshop", "detail"])
