"""Building the workshop sense-check pack: a Word document practitioners can read, mark and send back.

The pack has a cover (how to respond, data protection, when and where to return it), the emerging programme theory
as a picture on an A4 landscape page, one page per configuration (its statement, its status in plain words, quotes
that carry it, a response table), a section asking about the strongest links the data suggest and the theory does
not name, and a closing page with thanks, return instructions and a contact line for the facilitator to fill in.

Quotes are whole sentences without transcript marks, chosen by :func:`ipe.evidence.rank_quotes`: passages a
researcher linked as evidence first, then human codings, never unreviewed auto codings unless asked. Counts come
from the codings a :class:`ipe.selection.Selection` names (by default human codings and accepted auto codings).
Reading completed packs back is :mod:`ipe.workshop`'s job.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Iterable, Optional

from ipe import appraisal, cmo, outputs, quoting
from ipe.errors import IpeError
from ipe.exporters import word
from ipe.records import Codebook
from ipe.selection import DEFAULT, Selection
from ipe.workshop import DIFFERENT_ROW, EMPTY_BOX, FIT_ROW, MISSING_ROW, RESPONSES, pack_id

TABLE_STYLE = "Table Grid"
QUOTES_PER_STATEMENT = 3
EMERGENT_LINKS = 5
LINK_ROW = "Is this link real in your MASH? What sits between the two?"
# Who speaks in a transcript is a participant, not an agency: these roles are never counted as agencies.
NOT_AGENCIES = {"parent", "parents", "carer", "carers", "family", "families", "young person", "child", "children",
                "grandparent", "foster carer", "multi-agency", "interviewer", "observer", "researcher", ""}
DATA_TYPE_WORDS = {"interview": ("interview", "interviews"), "observation": ("observation", "observations"),
                   "workshop": ("workshop note", "workshop notes"), "survey": ("survey answer", "survey answers"),
                   "document": ("document", "documents")}
NUMBER_WORDS = ("no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")


def _count(n: int, words: tuple) -> str:
    return f"{NUMBER_WORDS[n] if n < len(NUMBER_WORDS) else n} {words[0] if n == 1 else words[1]}"


def _join(items: list) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def agencies_of(attributes: Iterable[dict]) -> list[str]:
    """The agencies among sources' attributes: ``agency`` values that are not a participant role (a parent is not an
    agency), sorted.

    >>> agencies_of([{"agency": "police"}, {"agency": "parent"}, {"agency": "social care", "role": "social worker"}])
    ['police', 'social care']
    """
    return sorted({a.get("agency", "").strip() for a in attributes} - NOT_AGENCIES)


def status_in_words(sources: list[str], attributes: dict, contesting: int = 0) -> str:
    """Where a statement was seen, in plain words.

    >>> attrs = {"a": {"data_type": "interview", "case": "x", "agency": "police"},
    ...          "b": {"data_type": "interview", "case": "y", "agency": "parent"}}
    >>> status_in_words(["a", "b"], attrs, contesting=1)
    'Seen in two interviews in two areas (accounts from police and from parents); one account disagrees.'
    """
    if not sources:
        return "Not yet seen in the interviews, observations or notes."
    by_type: dict[str, int] = {}
    for s in sorted(set(sources)):
        t = attributes.get(s, {}).get("data_type") or "document"
        by_type[t] = by_type.get(t, 0) + 1
    kinds = [_count(n, DATA_TYPE_WORDS.get(t, (f"{t} document", f"{t} documents"))) for t, n in sorted(by_type.items())]
    areas = {attributes.get(s, {}).get("case") for s in sources} - {None, "", "national"}
    text = "Seen in " + _join(kinds)
    if areas:
        text += f" in {_count(len(areas), ('area', 'areas'))}"
    mine = [attributes.get(s, {}) for s in set(sources)]
    agencies = agencies_of(mine)
    family = any(a.get("agency", "") in {"parent", "parents", "carer", "family"} or
                 a.get("role", "") in {"parent", "carer"} for a in mine)
    voices = ([_join(agencies)] if agencies else []) + (["parents"] if family else [])
    if voices:
        text += " (accounts from " + " and from ".join(voices) + ")"
    if contesting:
        text += f"; {_count(contesting, ('account disagrees', 'accounts disagree'))}"
    return text + "."


def statement_quotes(store, codebook: Codebook, config_id: str, selection: Selection = DEFAULT,
                     n: int = QUOTES_PER_STATEMENT) -> list[tuple[str, str]]:
    """Up to ``n`` ``(quote, speaker's role)`` for a configuration: whole sentences, no marks, one per source where
    the ranked passages allow."""
    from ipe.evidence import rank_quotes

    chosen, sources, sentences, texts = [], set(), {}, {}
    ranked = rank_quotes(store, codebook, config_id, include_auto=selection.include_auto)
    for spread in (True, False):
        for q in ranked:
            if len(chosen) >= n:
                return chosen
            if (spread and q.source_id in sources) or (q.role or "").lower() == "interviewer":
                continue
            if q.source_id not in texts:
                texts[q.source_id] = store.source(q.source_id, structure=False).text
                sentences[q.source_id] = store.sentences(q.source_id)
            quote = quoting.whole_quote(texts[q.source_id], sentences[q.source_id], q.start, q.end)
            if quote and quote not in [c for c, _ in chosen]:
                chosen.append((quote, q.role or q.data_type or "participant"))
                sources.add(q.source_id)
    return chosen


def link_quote(store, graph, u: str, v: str) -> Optional[tuple[str, str]]:
    """One whole-sentence quote from a passage behind an emergent link, or None."""
    attrs = store.source_attributes()
    for ref in cmo.as_list(graph.edges[u, v].get("evidence")):
        source, span = ref.rsplit(":", 1)
        start, end = (int(x) for x in span.split("-"))
        quote = quoting.whole_quote(store.source(source, structure=False).text, store.sentences(source), start, end)
        if quote:
            return quote, attrs.get(source, {}).get("role") or "participant"
    return None


def _cell(cell, text: str, bold: bool = False) -> None:
    cell.text = ""
    cell.paragraphs[0].add_run(text).bold = bold


def response_table(document, header: str, rows: list[str], answer: str = EMPTY_BOX):
    """A response table: a header row naming what it answers, boxes to mark, room to write by hand."""
    from docx.enum.table import WD_ROW_HEIGHT_RULE
    from docx.shared import Cm

    table = document.add_table(rows=0, cols=2)
    table.style = TABLE_STYLE
    first = table.add_row().cells
    _cell(first[0], header, bold=True)
    _cell(first[1], "Mark one box with X" if answer == EMPTY_BOX else "")
    for label in rows:
        row = table.add_row()
        _cell(row.cells[0], label)
        _cell(row.cells[1], answer if label in RESPONSES else "")
        if label not in RESPONSES:
            row.height, row.height_rule = Cm(2.2), WD_ROW_HEIGHT_RULE.AT_LEAST
    for row in table.rows:
        row.cells[0].width, row.cells[1].width = Cm(9.5), Cm(7.9)
    return table


def _heading(document, text: str, level: int = 1, new_page: bool = True):
    paragraph = document.add_heading(text, level=level)
    paragraph.paragraph_format.page_break_before = new_page
    paragraph.paragraph_format.keep_with_next = True
    return paragraph


def _quote(document, text: str, role: str) -> None:
    document.add_paragraph(f"\u201c{text}\u201d \u2014 {role}", style="Quote")


def _heading_text(config, names: dict) -> str:
    mechanisms = " / ".join(names.get(m, m) for m in config.mechanisms)
    return f"{config.id}: {names.get(config.context, config.context)} \u2192 {mechanisms} \u2192 " \
           f"{names.get(config.outcome, config.outcome)}"


def build_pack(store, codebook: Codebook, out, statuses=("supported", "partial", "contested"),
               configs: Optional[Iterable[str]] = None, title: str = "Sense-checking the MASH programme theory",
               participant_copies: int = 0, allow_identifiable: bool = False, date: str = "",
               window: str = "turn", selection: Selection = DEFAULT, min_sources: int = 3,
               return_by: str = "", contact: str = "") -> list[Path]:
    """Write the workshop pack (and ``participant_copies`` numbered copies); returns the files written.

    Quotes come from the project's pseudonymised text; a project that has not been pseudonymised is refused unless
    ``allow_identifiable``. ``min_sources`` is the evidence a link needs to be drawn in the theory picture; the
    section on emergent links asks about the ``EMERGENT_LINKS`` best evidenced (two sources or more).
    """
    from docx.shared import Cm, Pt

    if store.get_meta("pseudonymised") != "yes" and not allow_identifiable:
        raise IpeError("the project has not been pseudonymised: run 'ipe anonymise' first "
                       "(or give --allow-identifiable to build a pack with identifiable quotes)")
    # Statuses from researcher evidence first, else the co-occurrence of the codings the selection counts.
    assessments = appraisal.assess_project(store, codebook, window, coders=selection)
    codebook = appraisal.current_codebook(store, codebook)
    graph = appraisal.human_graph(store, codebook, window, selection)
    wanted = set(configs or ())
    unknown = wanted - {a.id for a in assessments}
    if unknown:
        raise IpeError(f"unknown configuration {', '.join(sorted(unknown))}")
    chosen = [a for a in assessments if (a.id in wanted if wanted else a.status in set(statuses))]
    if not chosen:
        raise IpeError("no configuration has the chosen statuses; nothing to put in a pack")
    attrs = store.source_attributes()
    statements = {t.id: t for t in codebook.theory}
    names = {c.id: c.name for c in codebook.codes}
    quotes = {a.id: statement_quotes(store, codebook, a.id, selection) for a in chosen}
    emergent = sorted(cmo.emergent_links(graph, codebook, min_sources=2, min_cases=1),
                      key=lambda e: (-graph.edges[e]["sources"], -graph.edges[e]["segments"], e))[:EMERGENT_LINKS]
    ident = pack_id(codebook, [a.id for a in chosen], title)
    out = Path(out)
    outputs.make_folder(out.parent)
    with tempfile.TemporaryDirectory() as tmp:
        picture = cmo.draw(graph, Path(tmp) / "theory.png", "png", min_sources=min_sources)
        diagrams = {a.id: cmo.draw_configuration(graph, statements[a.id].context, statements[a.id].mechanisms,
                                                 statements[a.id].outcome, Path(tmp) / f"{a.id}.png") for a in chosen}
        files = []
        for copy in range(participant_copies + 1):
            document = word.new_document(title, subject=f"{ident} copy {copy}" if copy else ident, identifier=ident)
            document.core_properties.keywords = " ".join(a.id for a in chosen)
            document.add_paragraph(title, style="Title")
            if date:
                document.add_paragraph(date)
            document.add_paragraph(
                "This pack sets out what our evaluation of Multi-Agency Safeguarding Hubs (MASH) has found so far, as "
                "context\u2013mechanism\u2013outcome statements: in what circumstances, through what, a MASH leads to "
                "what. We would like to know whether they match your experience.")
            _heading(document, "How to respond", level=2, new_page=False)
            document.add_paragraph(
                "For each statement, mark one box (type X, \u2713 or \u2612, or replace a \u2610) to say whether it "
                "matches your experience, and write in the boxes below it what is different in your area or what is "
                "missing. There is space at the end for anything else. It takes about 20 minutes.")
            _heading(document, "Returning the pack", level=2, new_page=False)
            document.add_paragraph(f"Please return it by {return_by or '____________'}: the last page says how.")
            _heading(document, "Data protection", level=2, new_page=False)
            document.add_paragraph(
                "The quotes are pseudonymised: names and other identifiers have been replaced by labels such as "
                "[Person 1]. Please do not share this pack further, and do not write anyone's name in it.")
            small = document.add_paragraph(f"Pack id: {ident}" + (f" copy {copy}" if copy else ""))
            for run in small.runs:
                run.font.size = Pt(7)
            word.page_for(document, landscape=True)
            _heading(document, "The emerging programme theory", new_page=False)
            document.add_paragraph(theory_summary(assessments, chosen, min_sources))
            document.add_picture(str(picture), **_fit(picture, width=Cm(25.5), height=Cm(13.0)))
            word.page_for(document, landscape=False)
            for i, a in enumerate(chosen):
                config = statements[a.id]
                _heading(document, _heading_text(config, names), new_page=i > 0)
                document.add_paragraph(config.statement)
                document.add_picture(str(diagrams[a.id]), width=Cm(15.5))
                sources = sorted({r.rsplit(":", 1)[0] for r in a.evidence})
                disagree = max(a.contesting_sources, a.evidence_contradicts)
                document.add_paragraph(status_in_words(sources, attrs, disagree), style="Intense Quote")
                for text, role in quotes[a.id]:
                    _quote(document, text, role)
                if not quotes[a.id]:
                    document.add_paragraph("No passage has been chosen to illustrate this statement yet.")
                response_table(document, f"Response to {a.id}", [*RESPONSES, FIT_ROW, DIFFERENT_ROW, MISSING_ROW])
            if emergent:
                _heading(document, "Links the data suggest")
                document.add_paragraph(
                    "In the interviews and observations these things were often talked about together, but the "
                    "programme theory does not connect them. Are they connected in your MASH, and how?")
                for u, v in emergent:
                    d = graph.edges[u, v]
                    _heading(document, f"{names.get(u, u)} \u2192 {names.get(v, v)}", level=2, new_page=False)
                    document.add_paragraph(status_in_words(sorted({r.rsplit(':', 1)[0] for r in
                                                                   cmo.as_list(d.get('evidence'))}), attrs))
                    found = link_quote(store, graph, u, v)
                    if found:
                        _quote(document, *found)
                    response_table(document, f"Response to {u}->{v}", [*RESPONSES, LINK_ROW])
            _heading(document, "Anything else")
            response_table(document, "About you", ["Anything else?", "Your agency (optional, no names)",
                                                   "Your MASH model (optional): risk-focused / hybrid / needs and "
                                                   "planning"], answer="")
            _heading(document, "Thank you", level=2, new_page=False)
            document.add_paragraph(
                "Thank you for your time and for what you know about your MASH. Your answers will be read alongside "
                "everyone else's, and the programme theory revised where practitioners tell us it is wrong or "
                "incomplete; nothing you write will be quoted with your name.")
            _heading(document, "How to return this pack", level=2, new_page=False)
            document.add_paragraph(
                f"By {return_by or '____________'}: save this Word file with your answers and email it to the "
                "facilitator below, or hand your printed copy to them at the workshop.")
            document.add_paragraph(f"Facilitator: {contact or '________________________________'}")
            document.add_paragraph("Email or phone: ________________________________")
            path = out if copy == 0 else out.with_name(f"{out.stem}-copy-{copy:02d}{out.suffix}")
            files.append(outputs.produce(lambda staged: word.save(document, staged), path))
    return files


def _fit(png: Path, width, height) -> dict:
    """The one size argument that fits a PNG inside ``width`` × ``height`` (docx lengths), keeping its proportions."""
    header = png.read_bytes()[16:24]  # the PNG IHDR chunk: width and height, big-endian
    w, h = int.from_bytes(header[:4], "big"), int.from_bytes(header[4:], "big")
    return {"width": width} if w / h >= width / height else {"height": height}


def theory_summary(assessments: list, chosen: list, min_sources: int = 2) -> str:
    counts: dict[str, int] = {}
    for a in assessments:
        counts[a.status] = counts.get(a.status, 0) + 1
    parts = ", ".join(f"{n} {s}" for s, n in sorted(counts.items()))
    return (f"The programme theory has {len(assessments)} context\u2013mechanism\u2013outcome statements. Tested "
            f"against the interviews, observations and notes so far: {parts}. The picture shows contexts on the "
            f"left, mechanisms in the middle and outcomes on the right, with the links seen in {min_sources} or more "
            f"sources; wider lines have more evidence, dashed lines are links the theory did not name, and purple "
            f"lines go from a context straight to an outcome. This pack asks you about the {len(chosen)} statements "
            f"that follow.")
