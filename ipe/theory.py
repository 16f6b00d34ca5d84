"""Versions of the programme theory: the codebook's configurations as version 1, then every recorded revision.

The programme theory evolves from the initial (hypothesised) configurations, through testing against the data, to
the theory refined after the workshop. The codebook file stays the source of the initial theory; each change made
in the project (a configuration restated, added, found in the data, or retired) is a revision kept in the store
with its reason, who made it and when, and it numbers the whole theory anew. Nothing is overwritten: the theory at
any version is the codebook's theory with the revisions up to that version applied, and evidence keeps the version
of the configuration it was linked to.
"""

from __future__ import annotations

import dataclasses
from typing import Optional

import pandas as pd

from ipe.errors import IpeError, NotFound
from ipe.records import RELATIONS, Codebook, Configuration, TheoryRevision
from ipe.store import default_actor, now

__all__ = ["STAGES", "CHANGES", "current", "configuration", "config_versions", "revise", "add", "retire",
           "history", "diff"]

STAGES = ("initial", "tested", "refined")
# What a revision does to a configuration; workshop verdicts (confirmed, questioned, refined) change no statement.
CHANGES = ("revised", "new", "emergent", "retired")
_ROLES = {"context": ("context", None), "outcome": ("outcome", None), "mechanism": ("mechanism", None),
          "resource": ("mechanism", "resource"), "response": ("mechanism", "response")}


def _statement_changes(store) -> list[TheoryRevision]:
    return [r for r in store.theory_revisions() if r.theory_version is not None]


def newest_version(store) -> int:
    """The project's newest theory version number."""
    return store.theory_version()


def current(store, codebook: Codebook, version: Optional[int] = None) -> tuple:
    """The configurations of the theory at ``version`` (default: the newest), in codebook then revision order.

    Raises
    ------
    ipe.errors.NotFound
        If ``version`` is not a version of the project's theory.
    """
    newest = store.theory_version()
    if version is not None and not 1 <= version <= newest:
        raise NotFound(f"no theory version {version} (the project has versions 1 to {newest})")
    theory = {t.id: t for t in codebook.theory}
    for r in _statement_changes(store):
        if version is not None and r.theory_version > version:
            break
        if r.status == "retired":
            theory.pop(r.config_id, None)
        elif r.configuration is not None:
            theory[r.config_id] = r.configuration
    return tuple(theory.values())


def configuration(store, codebook: Codebook, config_id: str) -> Configuration:
    """The configuration in force now; NotFound for an unknown or retired one."""
    for t in current(store, codebook):
        if t.id == config_id:
            return t
    retired = any(r.config_id == config_id and r.status == "retired" for r in _statement_changes(store))
    if retired:
        raise NotFound(f"configuration '{config_id}' was retired (see 'ipe theory history {config_id}')")
    raise NotFound(f"no configuration '{config_id}' in the programme theory")


def config_versions(store, codebook: Codebook) -> dict[str, int]:
    """Each configuration's own version: 1 as first stated, plus one per revision of it."""
    versions = {t.id: 1 for t in codebook.theory}
    for r in _statement_changes(store):
        if r.status in ("new", "emergent"):
            versions[r.config_id] = 1
        elif r.status == "revised":
            versions[r.config_id] = versions.get(r.config_id, 1) + 1
    return versions


def _check_codes(codebook: Codebook, config: Configuration) -> None:
    codes = codebook.by_id
    problems = []
    for role, (wanted, kind) in _ROLES.items():
        value = getattr(config, role)
        if not value:
            continue
        code = codes.get(value)
        if code is None:
            problems.append(f"no code '{value}' in the codebook (for the {role})")
        elif code.type != wanted or (kind and code.mechanism not in (kind, None)):
            problems.append(f"code '{value}' is a {code.type} code, not a {kind or wanted}")
    if not config.context or not config.outcome:
        problems.append("a configuration needs a context and an outcome")
    if config.mechanism and (config.resource or config.response):
        problems.append("give either a mechanism, or a resource and a response")
    if not config.statement.strip():
        problems.append("a configuration needs a statement")
    if problems:
        raise IpeError(f"{config.id}: " + "; ".join(problems))


def _record(store, config_id: str, status: str, stage: str, reason: str, actor: Optional[str],
            config: Optional[Configuration]) -> TheoryRevision:
    if stage not in STAGES:
        raise IpeError(f"unknown stage '{stage}' (use {', '.join(STAGES)})")
    if not reason.strip():
        raise IpeError("give a reason for the change (it is kept with the theory's history)")
    actor = actor or default_actor()
    with store.transaction(actor, f"theory {status}", {"config": config_id, "stage": stage}) as tx:
        revision = TheoryRevision(config_id=config_id, stage=stage, status=status,
                                  detail=config.statement if config else "", at=now(),
                                  theory_version=tx.theory_version() + 1, reason=reason.strip(), actor=actor,
                                  configuration=config)
        return dataclasses.replace(revision, id=tx.add_theory_revision(revision))


def revise(store, codebook: Codebook, config_id: str, reason: str, statement: Optional[str] = None,
           stage: str = "refined", actor: Optional[str] = None, **codes) -> TheoryRevision:
    """Record a new version of a configuration: a new statement and/or new codes (``context=``, ``mechanism=``,
    ``resource=``, ``response=``, ``outcome=``, ``chain_from=``; an empty string clears one).

    Raises
    ------
    ipe.errors.NotFound
        An unknown or retired configuration.
    ipe.errors.IpeError
        Nothing changes, a code of the wrong type, or no reason.
    """
    old = configuration(store, codebook, config_id)
    changes = {k: (v or None) for k, v in codes.items() if v is not None}
    unknown = set(changes) - {*_ROLES, "chain_from"}
    if unknown:
        raise IpeError(f"cannot change '{sorted(unknown)[0]}' of a configuration")
    if "mechanism" in changes and changes["mechanism"]:
        changes.setdefault("resource", None)
        changes.setdefault("response", None)
    elif changes.get("resource") or changes.get("response"):
        changes.setdefault("mechanism", None)
    if statement is not None:
        changes["statement"] = " ".join(statement.split())
    new = dataclasses.replace(old, **changes)
    if new == old:
        raise IpeError(f"{config_id}: the revision changes nothing")
    _check_codes(codebook, new)
    _check_chain(store, codebook, new)
    return _record(store, config_id, "revised", stage, reason, actor, new)


def add(store, codebook: Codebook, config: Configuration, reason: str, emergent: bool = False,
        stage: str = "tested", actor: Optional[str] = None) -> TheoryRevision:
    """Add a configuration to the theory (``emergent``: one that came from the data rather than the hypotheses)."""
    if config.id in {t.id for t in current(store, codebook)}:
        raise IpeError(f"configuration '{config.id}' already exists (revise it instead)")
    config = dataclasses.replace(config, statement=" ".join(config.statement.split()))
    _check_codes(codebook, config)
    _check_chain(store, codebook, config)
    return _record(store, config.id, "emergent" if emergent else "new", stage, reason, actor, config)


def _check_chain(store, codebook: Codebook, config: Configuration) -> None:
    """A configuration's ``chain_from`` names a configuration of the current theory and closes no loop of chains."""
    from ipe.cmo.graph import check_chains

    held = current(store, codebook)
    others = [t for t in held if t.id != config.id]
    if config.chain_from and config.chain_from not in {t.id for t in held} | {config.id}:
        raise NotFound(f"no configuration '{config.chain_from}' to chain from")
    check_chains([*others, config])


def retire(store, codebook: Codebook, config_id: str, reason: str, stage: str = "refined",
           actor: Optional[str] = None) -> TheoryRevision:
    """Retire a configuration: it leaves the current theory; its versions and evidence are kept."""
    configuration(store, codebook, config_id)
    return _record(store, config_id, "retired", stage, reason, actor, None)


def _evidence_counts(store) -> dict[tuple[str, int], dict[str, int]]:
    counts: dict[tuple[str, int], dict[str, int]] = {}
    for e in store.evidence():
        bucket = counts.setdefault((e.config_id, e.config_version), dict.fromkeys(RELATIONS, 0))
        bucket[e.relation] += 1
    return counts


HISTORY_COLUMNS = ["theory_version", "config_id", "config_version", "change", "stage", "statement", "reason", "by",
                   "at", *RELATIONS]


def history(store, codebook: Codebook, config_id: Optional[str] = None) -> pd.DataFrame:
    """How the theory changed: the codebook's statements (version 1), then every revision and workshop verdict.

    Each statement row carries the evidence linked to that version of the configuration (supports, contradicts,
    refines); a workshop verdict row carries its tally in ``statement`` and no theory version.
    """
    counts = _evidence_counts(store)
    rows = []
    for t in codebook.theory:
        rows.append({"theory_version": 1, "config_id": t.id, "config_version": 1, "change": "initial",
                     "stage": "initial", "statement": t.statement, "reason": "codebook", "by": "", "at": "",
                     **counts.get((t.id, 1), dict.fromkeys(RELATIONS, 0))})
    versions = {t.id: 1 for t in codebook.theory}
    for r in store.theory_revisions():
        if r.theory_version is None:
            rows.append({"theory_version": None, "config_id": r.config_id, "config_version": versions.get(r.config_id),
                         "change": f"workshop: {r.status}", "stage": r.stage, "statement": r.detail, "reason": "",
                         "by": r.actor, "at": r.at, **dict.fromkeys(RELATIONS, 0)})
            continue
        if r.status in ("new", "emergent"):
            versions[r.config_id] = 1
        elif r.status == "revised":
            versions[r.config_id] = versions.get(r.config_id, 1) + 1
        version = versions.get(r.config_id, 1)
        rows.append({"theory_version": r.theory_version, "config_id": r.config_id, "config_version": version,
                     "change": r.status, "stage": r.stage,
                     "statement": r.configuration.statement if r.configuration else "", "reason": r.reason,
                     "by": r.actor, "at": r.at,
                     **(counts.get((r.config_id, version), dict.fromkeys(RELATIONS, 0))
                        if r.status != "retired" else dict.fromkeys(RELATIONS, 0))})
    table = pd.DataFrame(rows, columns=HISTORY_COLUMNS)
    if config_id is not None:
        if config_id not in set(table["config_id"]):
            raise NotFound(f"no configuration '{config_id}' in the programme theory")
        table = table[table["config_id"] == config_id]
    table["theory_version"] = table["theory_version"].astype("Int64")
    return table.reset_index(drop=True)


DIFF_COLUMNS = ["config_id", "change", "fields", "before", "after", "reasons"]
_FIELDS = ("context", "mechanism", "resource", "response", "outcome", "chain_from", "statement")


def diff(store, codebook: Codebook, v1: int, v2: int) -> pd.DataFrame:
    """What changed between two versions of the theory, per configuration, with the reasons recorded in between.

    ``change`` is ``added``, ``retired`` or ``revised``; ``fields`` names what was revised; ``before``/``after`` are
    the statements (or, for a changed code, ``field: old -> new`` lines). Unchanged configurations are left out.

    Examples
    --------
    >>> diff(store, codebook, 1, 2)[["config_id", "change", "fields", "reasons"]].values.tolist()
    [['CMO-01', 'revised', 'statement', 'v2 revised: Workshop: sitting together is not needed, knowing each other is.']]
    """
    if v1 > v2:
        v1, v2 = v2, v1
    before = {t.id: t for t in current(store, codebook, v1)}
    after = {t.id: t for t in current(store, codebook, v2)}
    reasons: dict[str, list[str]] = {}
    for r in _statement_changes(store):
        if v1 < r.theory_version <= v2:
            reasons.setdefault(r.config_id, []).append(f"v{r.theory_version} {r.status}: {r.reason}")
    rows = []
    for cid in [*before, *(c for c in after if c not in before)]:
        a, b = before.get(cid), after.get(cid)
        why = " | ".join(reasons.get(cid, []))
        if a is None:
            rows.append({"config_id": cid, "change": "added", "fields": "", "before": "", "after": b.statement,
                         "reasons": why})
        elif b is None:
            rows.append({"config_id": cid, "change": "retired", "fields": "", "before": a.statement, "after": "",
                         "reasons": why})
        elif a != b:
            fields = [f for f in _FIELDS if getattr(a, f) != getattr(b, f)]
            codes = [f for f in fields if f != "statement"]
            rows.append({
                "config_id": cid, "change": "revised", "fields": ", ".join(fields),
                "before": "\n".join([*(f"{f}: {getattr(a, f) or '-'}" for f in codes), a.statement]),
                "after": "\n".join([*(f"{f}: {getattr(b, f) or '-'}" for f in codes), b.statement]),
                "reasons": why,
            })
    return pd.DataFrame(rows, columns=DIFF_COLUMNS)
