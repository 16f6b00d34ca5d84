"""Workshop sense-check packs: build a Word pack from the CMO evidence, read completed packs back.

A pack has a cover page, the emerging programme theory (picture and summary), one section per configuration and a
closing page. Every response table starts with a row naming what it answers (``Response to CMO-03``, ``About
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
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Optional

import pandas as pd

from ipe import appraisal, cmo, corpus, outputs, tables
from ipe.errors import IpeError, SourceError
from ipe.zipfiles import FIXED_TIME, fix_zip_timestamps
from ipe.records import Codebook, Source

RESPONSES = ("Agree", "Partly agree", "Disagree", "Not sure")
FIT_ROW = "Does this fit your MASH model? (risk-focused / hybrid / needs and planning)"
DIFFERENT_ROW = "What is different in your area?"
MISSING_ROW = "What is missing?"
EMPTY_BOX = "☐"
MODELS = {"risk": "risk-focused", "hybrid": "hybrid", "needs": "needs-and-planning", "planning": "needs-and-planning"}
PACK_ID_RE = re.compile(r"Pack id:\s*(PACK-[0-9a-f]{10})(?:\s+copy\s+(\d+))?")
RESPONSE_HEADER_RE = re.compile(r"^Response to (\S+)$")
TABLE_STYLE = "Table Grid"
DATA_TYPE_WORDS = {"interview": ("interview", "interviews"), "observation": ("observation", "observations"),
                   "workshop": ("workshop note", "workshop notes"), "survey": ("survey answer", "survey answers")}


@dataclass
class PackResult:
    """What one ingested file gave: its copy, the configurations read, and what could not be read."""

    file: str
    pack_id: str = ""
    copy: str = ""
    read: list = field(default_factory=list)
    problems: list = field(default_factory=list)


# -- building -------------------------------------------------------------------------------------------------------


def pack_id(codebook: Codebook, config_ids: Iterable[str], title: str) -> str:
    digest = hashlib.sha256("|".join([codebook.content_hash, title, *sorted(config_ids)]).encode()).hexdigest()
    return f"PACK-{digest[:10]}"


def _plural(n: int, words: tuple) -> str:
    return f"{n} {words[0] if n == 1 else words[1]}"


def evidence_in_words(rows: pd.DataFrame) -> str:
    """"Seen in 9 interviews and 2 observations across 3 areas; social care, police and health"."""
    if rows.empty:
        return "Not yet seen in the data."
    by_type = rows.drop_duplicates("source").groupby("data_type")["source"].nunique()
    kinds = [_plural(int(n), DATA_TYPE_WORDS.get(t, (f"{t} document", f"{t} documents"))) for t, n in by_type.items()]
    areas = rows.loc[(rows["case"] != "") & (rows["case"] != "national"), "case"].nunique()
    agencies = sorted(a for a in rows["agency"].unique() if a and a not in ("multi-agency",))
    seen = "Seen in " + " and ".join(kinds)
    if areas:
        seen += f" across {_plural(areas, ('area', 'areas'))}"
    if agencies:
        seen += "; " + (", ".join(agencies[:-1]) + " and " + agencies[-1] if len(agencies) > 1 else agencies[0])
    return seen


def _short_quotes(rows: pd.DataFrame, n: int = 3, limit: int = 220) -> list[tuple[str, str]]:
    """Up to ``n`` short quotes from different sources, with the speaker's role (never a name)."""
    out, seen = [], set()
    for row in rows.sort_values(["source", "start"]).itertuples(index=False):
        if row.source in seen or len(row.quote) > limit or len(row.quote.split()) < 4:
            continue
        seen.add(row.source)
        out.append((" ".join(row.quote.split()), row.role or row.data_type or "participant"))
        if len(out) == n:
            break
    return out


def _cell_text(cell, text: str, bold: bool = False) -> None:
    cell.text = ""
    run = cell.paragraphs[0].add_run(text)
    run.bold = bold


def _new_page(paragraph):
    """Start ``paragraph`` on a new page (a property of the paragraph, so no empty page when text ends a page)."""
    paragraph.paragraph_format.page_break_before = True
    return paragraph


def _response_table(document, header: str, rows: list[str], answer: str = EMPTY_BOX):
    from docx.enum.table import WD_ROW_HEIGHT_RULE
    from docx.shared import Cm

    table = document.add_table(rows=0, cols=2)
    table.style = TABLE_STYLE
    first = table.add_row().cells
    _cell_text(first[0], header, bold=True)
    _cell_text(first[1], "Mark one box with X" if answer == EMPTY_BOX else "")
    for label in rows:
        row = table.add_row()
        _cell_text(row.cells[0], label)
        _cell_text(row.cells[1], answer if label in RESPONSES else "")
        if label not in RESPONSES:
            # Room to write by hand on a printed copy.
            row.height, row.height_rule = Cm(2.5), WD_ROW_HEIGHT_RULE.AT_LEAST
    return table


def build_pack(store, codebook: Codebook, out, statuses=("supported", "partial", "contested"),
               configs: Optional[Iterable[str]] = None, title: str = "Sense-checking the MASH programme theory",
               participant_copies: int = 0, allow_identifiable: bool = False, date: str = "",
               window: str = "turn") -> list[Path]:
    """Write the workshop pack (and ``participant_copies`` numbered copies); returns the files written.

    Quotes come from the project's pseudonymised text; a project that has not been pseudonymised is refused unless
    ``allow_identifiable``.
    """
    import docx
    from docx.shared import Pt

    if store.get_meta("pseudonymised") != "yes" and not allow_identifiable:
        raise IpeError("the project has not been pseudonymised: run 'ipe anonymise' first "
                       "(or give --allow-identifiable to build a pack with identifiable quotes)")
    # Statuses from researcher evidence first, else human co-occurrence; quotes then never rest on unreviewed auto codings.
    assessments = appraisal.assess_project(store, codebook, window)
    codebook = appraisal.current_codebook(store, codebook)
    graph = appraisal.human_graph(store, codebook, window)
    wanted = set(configs or ())
    unknown = wanted - {a.id for a in assessments}
    if unknown:
        raise IpeError(f"unknown configuration {', '.join(sorted(unknown))}")
    chosen = [a for a in assessments if (a.id in wanted if wanted else a.status in set(statuses))]
    if not chosen:
        raise IpeError("no configuration has the chosen statuses; nothing to put in a pack")
    bank = tables.quote_bank(store, codebook)
    by_ref = bank.drop_duplicates("ref").set_index("ref")
    statements = {t.id: t for t in codebook.theory}
    names = {c.id: c.name for c in codebook.codes}
    ident = pack_id(codebook, [a.id for a in chosen], title)
    out = Path(out)
    outputs.make_folder(out.parent)
    with tempfile.TemporaryDirectory() as tmp:
        picture = cmo.draw(graph, Path(tmp) / "theory.png", "png")
        files = []
        for copy in range(participant_copies + 1):
            document = docx.Document()
            props = document.core_properties
            props.created = props.modified = props.last_printed = FIXED_TIME
            props.title, props.identifier = title, ident
            props.author = props.last_modified_by = "ipe"
            props.subject = f"{ident} copy {copy}" if copy else ident
            props.keywords = " ".join(a.id for a in chosen)
            props.revision = 1
            document.add_paragraph(title, style="Title")
            if date:
                document.add_paragraph(date)
            document.add_paragraph(
                "This pack sets out what our evaluation of Multi-Agency Safeguarding Hubs (MASH) has found so far, as "
                "context–mechanism–outcome statements: in what circumstances, through what, a MASH leads to what.")
            document.add_heading("How to respond", level=2)
            document.add_paragraph(
                "For each statement, mark one box (type X, ✓ or ☒, or replace a ☐) to say whether it matches your "
                "experience, and write in the boxes below it what is different in your area or what is missing. "
                "There is space at the end for anything else.")
            document.add_heading("Data protection", level=2)
            document.add_paragraph(
                "The quotes are pseudonymised: names and other identifiers have been replaced. Please do not share "
                "this pack further, and do not write anyone's name in it.")
            small = document.add_paragraph(f"Pack id: {ident}" + (f" copy {copy}" if copy else ""))
            for run in small.runs:
                run.font.size = Pt(7)
            _new_page(document.add_heading("The emerging programme theory", level=1))
            document.add_picture(str(picture), **_fit(picture, width=6.0, height=7.0))
            document.add_paragraph(theory_summary(assessments, chosen))
            for a in chosen:
                config = statements[a.id]
                _new_page(document.add_heading(f"{a.id}: {names[config.context]} → {names[config.outcome]}", level=1))
                document.add_paragraph(config.statement)
                rows = by_ref.loc[[r for r in sorted(set(a.evidence)) if r in by_ref.index]].reset_index()
                document.add_paragraph(evidence_in_words(rows) + ".", style="Intense Quote")
                for quote, role in _short_quotes(rows):
                    document.add_paragraph(f"\u201c{quote}\u201d \u2014 {role}", style="Quote")
                _response_table(document, f"Response to {a.id}", [*RESPONSES, FIT_ROW, DIFFERENT_ROW, MISSING_ROW])
            _new_page(document.add_heading("Anything else", level=1))
            _response_table(document, "About you", ["Anything else?", "Your agency (optional, no names)",
                                                    "Your MASH model (optional): risk-focused / hybrid / needs and planning"],
                            answer="")
            path = out if copy == 0 else out.with_name(f"{out.stem}-copy-{copy:02d}{out.suffix}")
            files.append(outputs.produce(lambda staged: (document.save(staged), fix_zip_timestamps(staged), staged)[2],
                                         path))
    return files


def _fit(png: Path, width: float, height: float) -> dict:
    """The one size argument that fits a PNG inside ``width`` × ``height`` inches, keeping its proportions."""
    from docx.shared import Inches

    header = png.read_bytes()[16:24]  # the PNG IHDR chunk: width and height, big-endian
    w, h = int.from_bytes(header[:4], "big"), int.from_bytes(header[4:], "big")
    return {"width": Inches(width)} if w / h >= width / height else {"height": Inches(height)}


def theory_summary(assessments: list, chosen: list) -> str:
    counts = {}
    for a in assessments:
        counts[a.status] = counts.get(a.status, 0) + 1
    parts = ", ".join(f"{n} {s}" for s, n in sorted(counts.items()))
    return (f"The programme theory has {len(assessments)} context–mechanism–outcome statements. Tested against the "
            f"interviews, observations and notes so far: {parts}. The picture shows contexts on the left, mechanisms "
            f"in the middle and outcomes on the right; thicker lines have more evidence, dashed lines are links the "
            f"data suggest that the theory did not name. This pack asks you about the {len(chosen)} statements below.")


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
    from ipe.nlp import pipeline
    from ipe.project import replace_source

    read = [read_pack(Path(f)) for f in files]
    known = {t.id for t in codebook.theory}
    nlp = pipeline(lemmas=False)
    with store.transaction(actor, "pack ingest", {"files": [r.file for r, _, _ in read]}) as tx:
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
                if tx.has_source(source.id):
                    replace_source(tx, source, tx.coders())
                else:
                    tx.write_source(source)
        for config_id, status, detail in revise(tx.pack_responses(), codebook, confirm_share, question_share):
            tx.add_revision(config_id, "workshop", status, detail)
    return [r for r, _, _ in read]


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
