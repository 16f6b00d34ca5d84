"""A RAMESES II reporting appendix filled only from what the project holds.

RAMESES II (Wong et al. 2016) lists twenty items a realist evaluation report should cover. A project can speak for
some of them from its own records: the programme theory and its versions (item 4), the evaluation questions
(5), the data collected (11), the analysis, meaning how codings were made, their accuracy and agreement, the
evidence judged, the candidates reviewed and the theory's revisions (13), the participants (14) and each
configuration's path from initial statement to current version with its evidence and exemplar quotes (15).
Everything else, and the parts of those items the records cannot show (why a method was chosen, how people were
recruited), is listed for the team to write. Nothing is invented: an item the project holds nothing for says so.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

import pandas as pd

from ipe import cmo, evidence, theory
from ipe.errors import IpeError
from ipe.records import RELATIONS, Codebook

__all__ = ["ITEMS", "Item", "appendix", "save", "write", "to_markdown"]

# (number, title, what it asks for) of the twenty RAMESES II items, in our own words.
ITEMS = (
    (1, "Title", "say in the title that this is a realist evaluation"),
    (2, "Summary or abstract", "summarise the context, aims, methods, findings and conclusions"),
    (3, "Rationale for evaluation", "say what is known and why this evaluation is needed"),
    (4, "Programme theory", "describe the initial programme theory and how it was developed"),
    (5, "Evaluation questions, objectives and focus", "state the questions and the focus of the evaluation"),
    (6, "Ethical approval", "state the ethical approval obtained"),
    (7, "Rationale for using realist evaluation", "explain why a realist approach suits the questions"),
    (8, "Environment surrounding the evaluation", "describe where the programme runs and what surrounds it"),
    (9, "Description of the programme evaluated", "describe the programme, its parts and who delivers it"),
    (10, "Description and justification of the evaluation design", "describe the design and why it was chosen"),
    (11, "Data collection methods", "describe the data collected and how, and how it tested the theory"),
    (12, "Recruitment process and sampling strategy", "describe how participants and sites were chosen"),
    (13, "Data analysis", "describe how the data were analysed and the programme theory tested and refined"),
    (14, "Details of participants", "report who took part and from where"),
    (15, "Main findings", "present the findings as configurations with the evidence behind them"),
    (16, "Summary of findings", "summarise the main findings for the questions asked"),
    (17, "Strengths, limitations and future directions", "discuss strengths, limitations and next steps"),
    (18, "Comparison with existing literature", "relate the findings to other work"),
    (19, "Conclusion and recommendations", "draw conclusions and recommendations"),
    (20, "Funding and conflict of interest", "state funding and any conflicts of interest"),
)
QUOTES_PER_CONFIGURATION = 2


@dataclass
class Item:
    """One RAMESES II item: what the project says for it (``text``, ``tables``) and what the team must write."""

    number: int
    title: str
    asks: str
    blocks: list = field(default_factory=list)  # ("text", str) | ("table", name, DataFrame) | ("list", heading, lines)
    to_write: str = ""

    @property
    def filled(self) -> bool:
        return bool(self.blocks)

    def text(self, paragraph: str) -> None:
        self.blocks.append(("text", paragraph))

    def table(self, name: str, table: pd.DataFrame) -> None:
        self.blocks.append(("table", name, table))

    def bullets(self, heading: str, lines: list) -> None:
        self.blocks.append(("list", heading, lines))


# -- what the project holds -------------------------------------------------------------------------------------------


def _codebooks(store) -> pd.DataFrame:
    rows = store.codebook_versions()
    return pd.DataFrame([{"version": v, "name": n, "hash": h[:12], "loaded": at[:10]} for v, n, h, at in rows],
                        columns=["version", "name", "hash", "loaded"])


def _program_theory(store, codebook: Codebook, item: Item) -> None:
    versions = _codebooks(store)
    if not codebook.theory:
        return
    item.text(f"The initial programme theory is the {len(codebook.theory)} configurations of the codebook "
                     f"'{codebook.name}', stored in the project as codebook version"
                     f"{'s' if len(versions) > 1 else ''} {', '.join(map(str, versions['version']))}. The theory "
                     f"now stands at version {store.theory_version()} ({store.theory_version() - 1} recorded "
                     f"revisions; see item 13).")
    item.table("Codebook versions", versions)
    item.table("Initial configurations", _configurations(codebook.theory))
    item.bullets("Initial statements", [f"{t.id}: {t.statement}" for t in codebook.theory])
    chains = cmo.chains_table(cmo.build({}, codebook), codebook)
    if not chains.empty:
        item.text("Chains (the outcome of one configuration is the context of the next): "
                  + "; ".join(c.replace("->", " → ") for c in chains["chain"]) + ".")
        item.table("Chains", chains.drop(columns=["statement from", "statement to"]))
    for loop in cmo.theory_loops(codebook.theory):
        item.text(f"The chain {' → '.join(loop)} leads back into the context it started from: a feedback loop.")
    item.to_write = "How the initial theory was developed (literature, documents, stakeholders) and by whom."


def _configurations(configs) -> pd.DataFrame:
    rows = [{"id": t.id, "context": t.context, "mechanism": t.mechanism or f"{t.resource} + {t.response}",
             "outcome": t.outcome, "chain from": t.chain_from or ""} for t in configs]
    return pd.DataFrame(rows, columns=["id", "context", "mechanism", "outcome", "chain from"])


def _questions(codebook: Codebook, item: Item) -> None:
    if codebook.research_questions:
        item.table("Research questions", pd.DataFrame(
            [{"id": q.id, "question": q.question, "codes": ", ".join(q.codes)} for q in codebook.research_questions],
            columns=["id", "question", "codes"]))
    item.to_write = "The objectives and focus of the evaluation, and why these questions."


def _by(summaries: list, key: str) -> pd.DataFrame:
    counts: dict[str, dict] = {}
    for s in summaries:
        value = s["attributes"].get(key) or "(not recorded)"
        c = counts.setdefault(value, {key.replace("_", " "): value, "sources": 0, "words": 0})
        c["sources"] += 1
        c["words"] += s["words"]
    return pd.DataFrame(sorted(counts.values(), key=lambda c: c[key.replace("_", " ")]))


def _data_collection(store, item: Item) -> None:
    summaries = store.source_summaries()
    if not summaries:
        return
    words = sum(s["words"] for s in summaries)
    dates = sorted(s["attributes"]["date"] for s in summaries if s["attributes"].get("date"))
    span = f", dated {dates[0]} to {dates[-1]}" if dates else ""
    item.text(f"The project holds {len(summaries)} sources ({words:,} words){span}.")
    item.table("Sources by data type", _by(summaries, "data_type"))
    cases = pd.crosstab(pd.Series([s["attributes"].get("case") or "(not recorded)" for s in summaries], name="case"),
                        pd.Series([s["attributes"].get("data_type") or "(not recorded)" for s in summaries],
                                  name="data type"))
    item.table("Sources by case and data type", cases.reset_index())
    item.to_write = "How, when and by whom the data were gathered (topic guides, observation, recording, " \
                    "transcription), and how data collection was aimed at testing the theory."


def _participants(store, item: Item) -> None:
    summaries = store.source_summaries()
    if not summaries:
        return
    people = {s["attributes"].get("participant") or s["id"] for s in summaries}
    item.text(f"{len(people)} participants or documents across "
                     f"{len({s['attributes'].get('case') for s in summaries} - {None, ''})} cases; speaker roles "
                     f"as recorded in the manifest. Names are not reported.")
    for key in ("case", "agency", "role", "group"):
        if any(s["attributes"].get(key) for s in summaries):
            item.table(f"Sources by {key}", _by(summaries, key))
    item.to_write = "Anything about participants the manifest does not record, and whether any withdrew."


def _coding_kinds(store) -> pd.DataFrame:
    from ipe.in_force import current_codings

    kinds = store.coders()
    counts: dict[tuple, dict] = {}
    for c in current_codings(store):
        if kinds.get(c.coder) == "auto":
            how = "auto coding (rules)"
        elif c.provenance.startswith("review of"):
            how = "auto coding accepted in review"
        elif "suggest" in c.provenance:
            how = "suggestion accepted"
        else:
            how = "human coding"
        row = counts.setdefault((c.coder, how), {"coder": c.coder, "kind": kinds.get(c.coder, ""), "how made": how,
                                                 "codings": 0, "sources": set()})
        row["codings"] += 1
        row["sources"].add(c.source_id)
    rows = [{**r, "sources": len(r["sources"])} for _, r in sorted(counts.items())]
    return pd.DataFrame(rows, columns=["coder", "kind", "how made", "codings", "sources"])


def _accuracy(store) -> pd.DataFrame:
    from ipe.evaluate import evaluate

    kinds = store.coders()
    rows = []
    for auto in sorted(c for c, k in kinds.items() if k == "auto"):
        for gold in sorted(c for c, k in kinds.items() if k == "human"):
            table = evaluate(store, auto, gold, "sentence")
            for _, r in table[table["code"].isin(["micro", "macro"])].iterrows():
                rows.append({"auto coder": auto, "against": gold, "average": r["code"],
                             "precision": round(r["precision"], 3), "recall": round(r["recall"], 3),
                             "f1": round(r["f1"], 3), "units": int(r["support"])})
    return pd.DataFrame(rows, columns=["auto coder", "against", "average", "precision", "recall", "f1", "units"])


def _agreement(store) -> Optional[pd.DataFrame]:
    from ipe.agreement import coder_agreement

    human = sorted(c for c, k in store.coders().items() if k == "human")
    if len(human) < 2:
        return None
    table, _ = coder_agreement(store, human, "sentence")
    overall = table[table["code"] == "overall"]
    return overall.assign(coders=", ".join(human)).round(3) if not overall.empty else None


def _analysis(store, codebook: Codebook, item: Item, found: list) -> None:
    kinds = _coding_kinds(store)
    if not kinds.empty:
        item.text("Codings in force, by how they were made. Counts of configurations' evidence below never "
                         "include unreviewed auto codings.")
        item.table("How the codings were made", kinds)
        reviews = store.reviews()
        if reviews:
            accepted = sum(1 for r in reviews if r[6] == "accept")
            item.text(f"Auto codings reviewed: {len(reviews)} ({accepted} accepted, "
                             f"{len(reviews) - accepted} rejected).")
    accuracy = _accuracy(store)
    if not accuracy.empty:
        item.text("Accuracy of the auto coder against each human coder, by sentence, over the sources the "
                         "human coded.")
        item.table("Auto-coder accuracy", accuracy)
    agreement = _agreement(store)
    if agreement is not None:
        item.text("Agreement between the human coders, by sentence, pooled over codes.")
        item.table("Coder agreement", agreement)
    held = store.evidence()
    if held or found:
        judged = {c.key for c in found if c.decision}
        auto = [c for c in found if c.kind == evidence.AUTO]
        item.text(
            f"Researchers linked {len(held)} passages to configurations as evidence "
            f"({', '.join(f'{sum(e.relation == r for e in held)} {r}' for r in RELATIONS)}), each with a rationale. "
            f"Co-occurrence of codes on a configuration's links gave {len(found) - len(auto)} human co-occurrence "
            f"candidates and {len(auto)} auto co-occurrence candidates; {len(judged)} candidates were judged "
            f"({sum(c.decision == 'promoted' for c in found)} promoted to evidence, "
            f"{sum(c.decision == 'dismissed' for c in found)} dismissed).")
        by = pd.Series([e.linked_by for e in held], dtype=object).value_counts().sort_index()
        if len(by):
            item.table("Evidence linked, by researcher", pd.DataFrame({"researcher": by.index, "links": by.values}))
    changes = [r for r in store.theory_revisions()]
    if changes:
        rows = [{"theory version": r.theory_version if r.theory_version is not None else "", "configuration":
                 r.config_id, "stage": r.stage, "change": r.status if r.theory_version else f"workshop: {r.status}",
                 "reason": r.reason or r.detail, "date": r.at[:10]} for r in changes]
        item.text("The theory's revisions, in the order recorded (workshop verdicts change no statement).")
        item.table("Theory revisions", pd.DataFrame(rows, columns=["theory version", "configuration", "stage",
                                                                      "change", "reason", "date"]))
    responses = store.pack_responses()
    if responses:
        from ipe.workshop import responses_table

        table = responses_table(responses)
        item.text(f"Workshop sense-checking: {len({r['copy_key'] for r in responses})} completed packs.")
        item.table("Workshop responses", table[table["group"] == "all"].drop(columns=["group", "value"]))
    item.to_write = "The analytic approach (e.g. retroduction), how researchers judged evidence and resolved " \
                    "disagreements, and the software and settings used (ipe, with the thresholds given here)."


def _findings(store, codebook: Codebook, item: Item, found: list) -> None:
    attrs = store.source_attributes()
    now_ = theory.current(store, codebook)
    versions = theory.config_versions(store, codebook)
    initial = {t.id: t for t in codebook.theory}
    history = [r for r in store.theory_revisions()]
    for t in now_:
        mine = store.evidence(config_id=t.id)
        tally = evidence.counts(mine, attrs)
        pointers = [c for c in found if c.config_id == t.id]
        lines = []
        start = initial.get(t.id)
        if start is None:
            lines.append("Added to the theory in the project (not in the codebook).")
        elif start.statement != t.statement:
            lines.append(f"Initial statement: {start.statement}")
        lines.append(f"Current statement (version {versions.get(t.id, 1)}): {t.statement}")
        for r in history:
            if r.config_id == t.id:
                what = f"workshop: {r.status} ({r.detail})" if r.theory_version is None else \
                    f"theory v{r.theory_version}, {r.stage}: {r.status}; {r.reason}"
                lines.append(f"Change: {what}")
        lines.append("Researcher evidence: " + "; ".join(
            f"{tally[r]['records']} {r} ({tally[r]['sources']} sources, {tally[r]['cases']} cases)" for r in RELATIONS)
            + f". Human co-occurrence: {sum(c.kind == evidence.HUMAN for c in pointers)} candidates; auto "
              f"co-occurrence: {sum(c.kind == evidence.AUTO for c in pointers)} candidates "
              f"({sum(c.kind == evidence.AUTO and not c.decision for c in pointers)} not yet reviewed, not counted).")
        for q in evidence.rank_quotes(store, codebook, t.id, limit=QUOTES_PER_CONFIGURATION, found=found):
            label = f"{q.kind}, {q.relation}" if q.relation else q.kind
            lines.append(f"Quote ({label}; {q.ref}{f', {q.role}' if q.role else ''}): "
                         f"\u201c{' '.join(q.quote.split())}\u201d")
        item.bullets(t.id, lines)
    retired = [r.config_id for r in history if r.status == "retired"
               and r.config_id not in {t.id for t in now_}]
    if retired:
        item.bullets("Retired configurations", [f"{cid}: see item 13 for the reason" for cid in retired])
    item.to_write = "What the configurations mean for each research question, in the team's words; and the " \
                    "judgement behind any configuration with little or contradicting evidence."


def appendix(store, codebook: Codebook, allow_identifiable: bool = False) -> list[Item]:
    """The twenty items, each filled with what the project holds for it, or left for the team to write.

    Raises
    ------
    ipe.errors.IpeError
        The project is not pseudonymised (the appendix quotes it) and ``allow_identifiable`` is not set.
    """
    if store.get_meta("pseudonymised") != "yes" and not allow_identifiable:
        raise IpeError("the project has not been pseudonymised: run 'ipe anonymise' first "
                       "(or pass --allow-identifiable to quote the text as it is)")
    items = {n: Item(n, title, asks) for n, title, asks in ITEMS}
    found = evidence.candidates(store, codebook)
    _program_theory(store, codebook, items[4])
    _questions(codebook, items[5])
    _data_collection(store, items[11])
    _analysis(store, codebook, items[13], found)
    _participants(store, items[14])
    _findings(store, codebook, items[15], found)
    for item in items.values():
        if not item.filled:
            item.to_write = f"Not held in the project: {item.asks}."
    return list(items.values())


# -- writing --------------------------------------------------------------------------------------------------------

TITLE = "RAMESES II reporting appendix"
INTRO = ("Filled by ipe from the project's own records; items and parts marked \"For the team to write\" are what "
         "the records cannot show. Counts of evidence are the researchers' judged links unless labelled otherwise.")


def _md_table(table: pd.DataFrame) -> list[str]:
    from ipe.exporters import cell_text

    def cell(value) -> str:
        return cell_text(value).replace("|", "\\|").replace("\n", " ")

    lines = ["| " + " | ".join(map(str, table.columns)) + " |", "|" + " --- |" * len(table.columns)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in table.itertuples(index=False)]
    return lines


def to_markdown(items: list[Item], project_name: str = "") -> str:
    """The appendix as Markdown."""
    out = [f"# {TITLE}" + (f": {project_name}" if project_name else ""), "", INTRO, ""]
    out += ["Items the team must write: " + ", ".join(f"{i.number} ({i.title})" for i in items if not i.filled), ""]
    for item in items:
        out += [f"## {item.number}. {item.title}", ""]
        for kind, *rest in item.blocks:
            if kind == "list":
                out += [f"### {rest[0]}", ""] + [f"- {line}" for line in rest[1]] + [""]
            elif kind == "table":
                out += [f"*{rest[0]}*", ""] + _md_table(rest[1]) + [""]
            else:
                out += [rest[0], ""]
        out += [f"**For the team to write:** {item.to_write}", ""]
    return "\n".join(out)


def _docx_table(document, name: str, table: pd.DataFrame) -> None:
    """A titled table in the flow of the text (no page of its own), split into column groups that fit."""
    from ipe.exporters import layout, word

    caption = document.add_paragraph()
    caption.paragraph_format.keep_with_next = True
    run = caption.add_run(name)
    run.bold = run.italic = True
    view = layout.word_view(table)
    if view.empty or not len(view.columns):
        document.add_paragraph("None recorded.")
        return
    for part in layout.plan(view):
        word.add_table(document, view, part)
    document.add_paragraph()


def _docx(items: list[Item], path: Path, project_name: str) -> Path:
    from ipe.exporters import word

    document = word.new_document(TITLE, project_name)
    document.add_heading(TITLE + (f": {project_name}" if project_name else ""), level=0)
    document.add_paragraph(INTRO)
    document.add_paragraph("Items the team must write: "
                           + ", ".join(f"{i.number} ({i.title})" for i in items if not i.filled))
    contents = word.Contents(document)
    for item in items:
        contents.heading(f"{item.number}. {item.title}", level=1, new_page=False)
        for kind, *rest in item.blocks:
            if kind == "list":
                document.add_heading(rest[0], level=3)
                for line in rest[1]:
                    document.add_paragraph(line, style="List Bullet")
            elif kind == "table":
                _docx_table(document, rest[0], rest[1])
            else:
                document.add_paragraph(rest[0])
        paragraph = document.add_paragraph()
        paragraph.add_run("For the team to write: ").bold = True
        paragraph.add_run(item.to_write)
    contents.finish()
    return word.save(document, path)


def save(items: list[Item], out, project_name: str = "") -> Path:
    """Write appendix items to ``out`` (``.md`` or ``.docx``), atomically; the same items give the same bytes."""
    from ipe import outputs

    out = Path(out)
    suffix = out.suffix.lower()
    if suffix not in (".md", ".docx"):
        raise IpeError(f"{out}: write the appendix as .md or .docx")
    if suffix == ".md":
        return outputs.write_text(out, to_markdown(items, project_name))
    return outputs.produce(lambda staged: _docx(items, staged, project_name), out)


def write(store, codebook: Codebook, out, allow_identifiable: bool = False,
          project_name: str = "") -> tuple[Path, list[Item]]:
    """Build the appendix and write it to ``out`` (``.md`` or ``.docx``); returns the file and the items."""
    if Path(out).suffix.lower() not in (".md", ".docx"):
        raise IpeError(f"{out}: write the appendix as .md or .docx")
    items = appendix(store, codebook, allow_identifiable)
    return save(items, out, project_name), items
