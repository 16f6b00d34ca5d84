"""What each findings table shows and whose codings it counts: titles, captions and the CSV companion README.

:func:`annotate` puts a ``title``, a ``caption`` and ``labels`` (code id → name) into each table's
``DataFrame.attrs``, which the Word and Excel writers print (see :mod:`ipe.exporters.layout`) and the README beside
the CSV files repeats (see :func:`ipe.exporters.csv_readme`).
"""

from __future__ import annotations

from ipe.records import Codebook
from ipe.selection import Selection

# name (or name prefix ending in "-") → (title, what one row or cell shows)
DESCRIPTIONS = {
    "code-counts": ("Code counts", "Per code: the segments coded, and the sources and cases they come from."),
    "frequencies-by-": ("Code frequencies by {what}", "Per code and {what}: segments, sources and participants "
                        "(three different counts: a participant may give several sources, a source many segments)."),
    "framework-": ("Framework matrix: {what}", "Cases by the theme's codes: each cell gives the number of segments, "
                   "exemplar quotes with their references, and any memo written for the cell."),
    "rq-evidence-map": ("Research questions and their evidence", "Each research question's codes with segments, "
                        "sources, cases and exemplar quotes."),
    "co-occurrence": ("Code co-occurrence", "Code by code: the number of turns in which both codes are coded."),
    "case-code-presence": ("Codes present in each case", "Case by code: 1 when any source of the case has the code."),
    "case-code-counts": ("Segments per case and code", "Case by code: the number of segments coded."),
    "model-comparison": ("Codes by MASH model", "Per code and MASH model: the share of the model's sources with the "
                         "code, and its segments."),
    "cmo-configurations": ("CMO configurations", "Each configuration of the programme theory with its status in the "
                           "data, the evidence on its links and exemplar quotes; then the emergent links the theory "
                           "does not name."),
    "workshop-responses": ("Workshop responses", "Practitioners' responses per configuration, in all and by MASH model "
                           "and agency. These count returned packs, not codings."),
    "auto-coder-accuracy": ("Auto-coder accuracy", "Precision, recall and F1 of the auto-coder's codings in force "
                            "against the first human gold coder's, per code, micro and macro (macro: over the codes the "
                            "gold coder used), by sentence."),
    "agreement": ("Agreement between human coders", "Per code and overall, by sentence: percent agreement, Cohen's "
                  "and Fleiss' kappa, Krippendorff's alpha and prevalence, between the human gold coders only."),
    "disagreements": ("Where the human coders differ", "Each sentence the human gold coders coded differently, with "
                      "its text, for a consensus meeting."),
    "quote-bank": ("Quote bank", "Every coded segment with its source attributes, speaker, turn, offsets, code, "
                   "coder and quote."),
}
NOT_CODINGS = {"workshop-responses", "auto-coder-accuracy", "agreement", "disagreements"}  # say whose they are
NOT_IN_WORD = {"quote-bank"}  # thousands of rows: it belongs in the workbook and CSV


def describe(name: str) -> tuple[str, str]:
    """``(title, description)`` for a table name; a name not described is its own title."""
    if name in DESCRIPTIONS:
        return DESCRIPTIONS[name]
    for prefix, (title, text) in DESCRIPTIONS.items():
        if prefix.endswith("-") and name.startswith(prefix):
            what = name[len(prefix):].replace("-", " ")
            return title.format(what=what), text.format(what=what)
    return name, ""


def annotate(tables: dict, codebook: Codebook, selection: Selection, kinds: dict) -> dict:
    """Give every table without a caption its title, caption (what it shows, and whose codings it counts) and code
    labels; returns ``tables``."""
    labels = {c.id: c.name for c in codebook.codes}
    counted = None
    for name, table in tables.items():
        if table.attrs.get("caption"):
            continue
        if counted is None and name not in NOT_CODINGS:
            counted = selection.describe(kinds)
        title, text = describe(name)
        caption = text if name in NOT_CODINGS else f"{text} Counts: {counted}".strip()
        table.attrs.update(title=title, caption=caption, labels=labels)
        if name in NOT_IN_WORD:
            table.attrs["word"] = False
    return tables

