"""The main job in one call: init, import, auto-code, gold codings, and the reports."""

from __future__ import annotations

import hashlib
import json
import textwrap
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Optional

from ipe import captions, evidence, exporters, findings, pack, project, rameses
from ipe.selection import DEFAULT
from ipe import outputs as safe_outputs
from ipe.agreement import coder_agreement
from ipe.anonymise import key_label, pseudonymise_project
from ipe.errors import IpeError
from ipe.evaluate import evaluate
from ipe.records import RELATIONS

DEFAULT_CORPUS = Path("corpora/mash-sample")
DEFAULT_CODEBOOK = Path("codebooks/mash-programme-theory.yaml")
DEFAULT_SURVEY = Path("corpora/mash-survey")
PACK_STATUSES = ("supported", "partial", "contested")


@dataclass
class RunResult:
    """What a run did, as ``"Label: text"`` lines, and the files it wrote."""

    summary: list = field(default_factory=list)
    files: list = field(default_factory=list)

    def lines(self) -> list[str]:
        """The summary with its labels in one column and a label shown once over lines that continue it."""
        pairs = [tuple(line.split(": ", 1)) if ": " in line else ("", line) for line in self.summary]
        width = max((len(label) for label, _ in pairs), default=0) + 2
        out, previous = [], None
        for label, text in pairs:
            shown = "" if label == previous else label + ":"
            out.append(f"{shown:<{width}}{text}".rstrip())
            previous = label
        return out


def files_in_words(files: list, out: Path) -> list[str]:
    """The files written, grouped: one line per folder under ``out``, formats of one name together, and a run of
    CSV files sharing a prefix counted rather than listed.

    >>> files_in_words([Path("r/a.png"), Path("r/a.svg"), Path("r/t/x.csv"), Path("r/t/y.csv")], Path("r"))
    ['r/  a.png, .svg', 'r/t/  x.csv, y.csv']
    """
    by_folder: dict[Path, list[Path]] = {}
    for path in files:
        by_folder.setdefault(Path(path).parent, []).append(Path(path))
    lines = []
    for folder in sorted(by_folder, key=lambda f: (f != out, str(f))):
        stems: dict[str, list[str]] = {}
        for path in by_folder[folder]:
            stems.setdefault(path.stem, []).append(path.suffix)
        singles = {stem: suffixes for stem, suffixes in stems.items() if suffixes != [".csv"]}
        csvs = sorted(stem for stem, suffixes in stems.items() if suffixes == [".csv"])
        words = [f"{stem}{', '.join(sorted(set(suffixes)))}" for stem, suffixes in sorted(singles.items())]
        prefixes: dict[str, list[str]] = {}
        for stem in csvs:
            prefixes.setdefault(stem.split("-")[0], []).append(stem)
        for prefix, stems_ in sorted(prefixes.items()):
            words += ([f"{prefix}-*.csv ({len(stems_)} files)"] if len(stems_) > 3
                      else [f"{stem}.csv" for stem in stems_])
        text = ", ".join(words)
        lines += textwrap.wrap(f"{folder}/  {text}", 100, subsequent_indent="  ", break_on_hyphens=False)
    return lines


def _default(path: Optional[str], fallback: Path, what: str) -> Path:
    if path:
        return Path(path)
    if not fallback.exists():
        raise IpeError(f"no {what} given and {fallback} not found (run from the ipe checkout, or name one)")
    return fallback


def gold_files(corpus_dir: Path) -> list[tuple[str, Path]]:
    """``(coder, file)`` for each ``gold/<coder>/*.csv`` under the corpus folder."""
    gold = corpus_dir / "gold"
    if not gold.is_dir():
        return []
    return [(d.name, f) for d in sorted(p for p in gold.iterdir() if p.is_dir()) for f in sorted(d.glob("*.csv"))]


def survey_folder(corpus_dir: Path) -> Optional[Path]:
    """The survey for a corpus: its ``survey/`` folder, or the shipped sample survey beside the shipped corpus."""
    if (corpus_dir / "survey").is_dir():
        return corpus_dir / "survey"
    if corpus_dir.resolve() == DEFAULT_CORPUS.resolve() and DEFAULT_SURVEY.is_dir():
        return DEFAULT_SURVEY
    return None


def _import_gold(store, gold: list[tuple[str, Path]]) -> list[str]:
    """Import each gold file once: a file whose rows a coder already has (by provenance) is not read again.

    Gold quotes are written against the original text, so they are placed before pseudonymisation, and a later
    run on the same project leaves them where pseudonymisation mapped them.
    """
    imported = []
    for coder, path in gold:
        done = {c.provenance.split(":", 1)[0] for c in store.codings(coders=[coder], status=None)}
        # After pseudonymising, the provenance holds the file name as the key wrote it.
        if not {f"import {path.name}", key_label(store.path.parent, f"import {path.name}")} & done:
            project.import_codings(store, path, coder)
            imported.append(f"{coder}/{path.name}")
    return imported


def _import_evidence(store, path: Path) -> Optional[int]:
    """Import the corpus's ``evidence.csv`` once (by content): its quotes are written against the original text,
    so it is placed before pseudonymisation, which then carries the passages along. Returns links added, or None."""
    if not path.is_file():
        return None
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    done = json.loads(store.get_meta("evidence_files", "[]") or "[]")
    if digest in done:
        return None
    _, cb = project.current_codebook(store)
    added, _ = evidence.import_csv(store, cb, path)
    with store.transaction():
        store.set_meta("evidence_files", json.dumps(sorted({*done, digest})))
    return added


def _evidence_summary(store, cb) -> tuple[str, dict]:
    """The summary line on researcher evidence and candidates, and the two tables written beside the reports."""
    held = store.evidence()
    found = evidence.candidates(store, cb)
    auto = [c for c in found if c.kind == evidence.AUTO]
    open_auto = [c for c in auto if not c.decision]
    relations = ", ".join(f"{sum(e.relation == r for e in held)} {r}" for r in RELATIONS)
    line = (f"Evidence: {len(held)} researcher links ({relations}) to {len({e.config_id for e in held})} "
            f"configurations; candidates: {sum(c.kind == evidence.HUMAN for c in found)} human co-occurrence, "
            f"{len(auto)} auto co-occurrence ({len(open_auto)} open for review: ipe cmo candidates --open --kind auto)")
    return line, {"cmo-evidence": evidence.evidence_table(store),
                  "cmo-candidates": evidence.candidates_table(store, found)}


def run(corpus_dir=None, codebook=None, out="reports", project_dir=None, jobs: int = 1, anonymise: bool = True,
        progress: Callable = lambda items, **kw: items) -> RunResult:
    """Run the whole chain on a corpus folder (with its ``manifest.csv``, ``gold/`` codings and survey, if present).

    Order: import the transcripts (and the survey), place the gold codings, pseudonymise (unless ``anonymise`` is
    False), auto-code the pseudonymised text, then write every output. Running it again on the same project
    changes nothing and writes the same bytes.
    """
    corpus_dir = _default(corpus_dir, DEFAULT_CORPUS, "corpus folder")
    codebook = _default(codebook, DEFAULT_CODEBOOK, "codebook")
    out = Path(out)
    folder = Path(project_dir) if project_dir else out / "project"
    result = RunResult()
    safe_outputs.make_folder(out)
    project.init(folder)
    # Two runs into one folder would interleave their files; the second says "busy" instead.
    with safe_outputs.lock(out, "output folder"), safe_outputs.lock(folder, "project"):
        return _run(corpus_dir, codebook, out, folder, jobs, anonymise, progress, result)


def _run(corpus_dir, codebook, out, folder, jobs, anonymise, progress, result) -> RunResult:
    manifest = corpus_dir / "manifest.csv"
    with project.open_store(folder) as store:
        report = project.import_sources(store, [corpus_dir], manifest if manifest.is_file() else None, progress=progress)
        result.summary.append(f"Project: {folder}")
        result.summary.append(f"Imported: {report.summary()} from {corpus_dir}")
        survey_dir = survey_folder(corpus_dir)
        if survey_dir is not None:
            written = findings.run_survey(store, survey_dir, out, progress=progress)
            if written:
                result.files += written
                result.summary.append(f"Survey: spectrum table and chart from {survey_dir}")
        project.load_codebook(store, codebook)
        gold = gold_files(corpus_dir)
        human = sorted({coder for coder, _ in gold})
        imported = _import_gold(store, gold)
        if imported:
            result.summary.append(f"Gold codings: imported for {', '.join(human)}")
        links = _import_evidence(store, corpus_dir / "evidence.csv")
        if links is not None:
            result.summary.append(f"Evidence links: {links} imported from {corpus_dir / 'evidence.csv'}")
        if anonymise:
            # Names and organisations a researcher confirmed from an earlier review report, if the corpus has them.
            names, orgs = (corpus_dir / f for f in ("names.csv", "orgs.csv"))
            pseudonyms = pseudonymise_project(store, folder, names if names.is_file() else None,
                                              orgs if orgs.is_file() else None, progress=progress)
            result.summary.append(f"Pseudonymised: {pseudonyms.replaced} identifiers replaced in {pseudonyms.sources_changed}"
                                  f" of {pseudonyms.sources} sources; {len(pseudonyms.candidates)} candidates to review")
            result.summary.append(f"Pseudonym key: {folder / 'pseudonym-key.json'} (keep it apart from the outputs)")
        else:
            result.summary.append("Warning: not pseudonymised (--no-anonymise): the outputs quote identifiable text")
        coded = project.auto_code(store, codebook, jobs=jobs, progress=progress)
        result.summary.append(
            f"Auto-coded: {coded.codings} codings in {coded.sources} sources ({len(coded.per_code)} codes used, "
            f"codebook version {coded.version})"
        )
        _, cb = project.current_codebook(store)
        report_tables = findings.all_tables(store, cb)
        humans = [c for c, kind in store.coders().items() if kind == "human"]
        result.summary.append(f"Counted: human codings ({', '.join(humans) or 'none yet'}) and accepted auto codings;"
                              " unreviewed auto codings are not counted")
        result.files += findings.write_cmo_reports(store, cb, out)
        statuses = report_tables.get("cmo-configurations")
        if statuses is not None and len(statuses):
            counts = statuses["status"].value_counts()
            result.summary.append("Assessed: CMO configurations " + ", ".join(f"{counts[s]} {s}" for s in sorted(counts.index)))
        line, outputs = _evidence_summary(store, cb)
        result.summary.append(line)
        if human:
            from ipe.accuracy import suggestion_stage

            learned, outputs["auto-coder-accuracy"] = suggestion_stage(store, cb, corpus_dir / "gold", human,
                                                                       progress=progress)
            used = sum(1 for r in learned.per_code if r.status == "suggested")
            result.summary.append(f"Suggested: {learned.written} suggestions for {used} codes, learned from "
                                  f"{human[0]}'s development documents ({', '.join(learned.features)})")
            outputs["auto-coder-accuracy-by-code"] = evaluate(store, project.AUTO_CODER, human[0], "sentence")
        if len(human) >= 2:
            agree, diffs = coder_agreement(store, human, "sentence")
            outputs["agreement"] = agree.round(4)
            outputs["disagreements"] = diffs
        if statuses is not None and set(statuses["status"]) & set(PACK_STATUSES):
            result.files += pack.build_pack(store, cb, out / "sense-check-pack.docx", PACK_STATUSES,
                                            allow_identifiable=not anonymise)
        else:
            result.summary.append("No sense-check pack: no configuration is supported, partial or contested yet")
        items = rameses.appendix(store, cb, allow_identifiable=not anonymise)
        result.files += [rameses.save(items, out / f"rameses-appendix{suffix}") for suffix in (".md", ".docx")]
        result.files += exporters.export("project", store, out / "project.qdpx")
    result.files += exporters.write_report_tables(report_tables, out / "tables", ["xlsx", "md", "docx"])
    result.files += exporters.write_report_tables(report_tables, out / "tables", ["csv"])
    outputs["quote-bank"] = report_tables["quote-bank"]
    outputs["code-counts"] = report_tables["code-counts"]
    captions.annotate(outputs, cb, DEFAULT, {})  # the tables from all_tables keep their captions
    result.files += exporters.write_report_tables(outputs, out, ["csv"])
    result.summary += [f"Wrote: {line}" for line in files_in_words(result.files, out)]
    return result
