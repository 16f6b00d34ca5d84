"""The survey in a project: importing it in one transaction, the map saved with it, the spectrum of the stored
answers, and links from case-study sites to their survey rows."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Callable, Optional

import pandas as pd

from ipe.anonymise import Incoming, is_pseudonymised
from ipe.errors import SourceError
from ipe.sources import human_work, upsert
from ipe.survey.map import SURVEY_MAP, UNPLACED, SurveyError, SurveyMap, load_map, loads_map
from ipe.survey.read import ROW_ITEM, ImportSummary, parse_survey
from ipe.survey.spectrum import Spectrum, place

__all__ = ["import_survey", "stored_map", "spectrum", "link_cases"]

META_MAP, META_MAP_PATH, META_FILE = "survey_map", "survey_map_path", "survey_file"


def _survey_source_ids(store) -> set[str]:
    return {sid for sid, attrs in store.source_attributes().items()
            if attrs.get("data_type") == "survey" and "survey_item" in attrs}


def import_survey(store, path: str | os.PathLike, map_path: Optional[str | os.PathLike] = None,
                  id_column: Optional[str] = None, actor: Optional[str] = None,
                  progress: Callable = lambda items, **kw: items, replace: bool = False) -> ImportSummary:
    """Import a survey in one transaction, replacing any survey imported before.

    The map defaults to ``survey-map.yaml`` beside the file. Closed answers replace the stored survey; free-text
    answers become sources ``survey-<la>-<column>``: new ones are added, changed ones replaced (human codings kept
    by their quotes, as for transcripts, by :func:`ipe.sources.upsert`), and free-text sources of the previous survey
    that are gone are removed unless they hold human codings, reviews or memos (then kept and reported). A file with
    no responses is refused. On any error nothing is written.
    """
    path = Path(path)
    map_path = Path(map_path) if map_path else path.with_name(SURVEY_MAP)
    if not map_path.is_file():
        raise SurveyError(f"{path}: no survey map: give --map FILE (or put {SURVEY_MAP} beside the survey)")
    survey_map = load_map(map_path)
    responses, sources = parse_survey(path, survey_map, id_column, progress=progress)
    hashes = store.source_hashes()
    previous = _survey_source_ids(store)
    for src in sources:
        if src.id in hashes and src.id not in previous:
            raise SourceError(path, f"free-text source id '{src.id}' is already used by another source")
    summary = ImportSummary(file=str(path), las=sum(1 for _, item, _ in responses if item == ROW_ITEM),
                            answers=sum(1 for _, item, _ in responses if item in survey_map.by_column))
    if not summary.las:
        raise SurveyError(f"{path}: no responses (only a header?); nothing imported")
    detail = {"file": str(path), "map": str(map_path), "las": summary.las, "answers": summary.answers,
              "free_text": len(sources)}
    with store.transaction(actor, "survey import", detail):
        store.replace_survey(responses)
        store.set_meta(META_MAP, survey_map.document)
        store.set_meta(META_MAP_PATH, str(map_path))
        store.set_meta(META_FILE, str(path))
        incoming = Incoming(store, store.path.parent) if is_pseudonymised(store) else None
        imported = set()
        for src in sources:
            stored = incoming.apply(src) if incoming else src
            outcome = upsert(store, stored, replace=replace, origin_hash=src.content_hash, attributes_origin=False)
            summary.sources.append((stored.id, outcome.status))
            imported.add(stored.id)
        if incoming:
            incoming.save()
        for sid in sorted(previous - imported):
            held = human_work(store, sid)
            if held:
                # Human work is never deleted as a side effect: the answer stays, marked as gone from the survey.
                summary.sources.append((sid, "kept"))
                summary.kept.append(f"{sid} ({held})")
            else:
                store.remove_source(sid)
                summary.sources.append((sid, "removed"))
    return summary


def stored_map(store) -> SurveyMap:
    """The survey map saved with the last import."""
    document = store.get_meta(META_MAP)
    if document is None or not store.survey_responses():
        raise SurveyError("no survey in the project yet: run 'ipe survey import FILE --id-column LA' first")
    return loads_map(document, store.get_meta(META_MAP_PATH) or "survey map")


def spectrum(store, survey_map: Optional[SurveyMap] = None, thresholds: Optional[tuple] = None,
             min_answered: Optional[float] = None) -> Spectrum:
    """Score every LA in the stored survey and place it on the risk↔needs spectrum (see :func:`place`)."""
    survey_map = survey_map or stored_map(store)
    responses = pd.DataFrame(store.survey_responses(), columns=["la", "item", "value"])
    return place(responses, survey_map, thresholds, min_answered, store.case_links())


def link_cases(store, links: dict[str, str], thresholds: Optional[tuple] = None,
               min_answered: Optional[float] = None, actor: Optional[str] = None) -> list[tuple[str, str, str, int]]:
    """Link case-study sites to their survey rows and set each case's ``mash_model`` from the survey, in one
    transaction. Returns ``(case, la, model, sources updated)``; an unplaced LA is linked but sets no model."""
    spec = spectrum(store, thresholds=thresholds, min_answered=min_answered)
    known = set(spec.table["la"])
    missing = [la for la in links.values() if la not in known]
    if missing:
        raise SurveyError(f"no local authority {', '.join(repr(la) for la in missing)} in the survey")
    out = []
    with store.transaction(actor, "survey link", {"links": dict(sorted(links.items()))}):
        for case, la in sorted(links.items()):
            store.link_case(case, la)
            model = spec.model_of(la)
            updated = store.set_case_attribute(case, "mash_model", model) if model != UNPLACED else 0
            out.append((case, la, model, updated))
    return out
