"""Rules restricted by actor: a code applies only in the turns of the roles or agencies its rules name."""

import pytest
import yaml

from ipe import codebook, project
from ipe.coding import Speaker, actor_allows, code_turns, coding_pipeline, speaker_of
from ipe.errors import CodebookError
from ipe.records import Rules, Turn


def restricted_book(mini_codebook, path, **rules):
    """The mini codebook with extra rule fields on mech-trust, written to ``path``."""
    data = yaml.safe_load(mini_codebook.read_text())
    code = next(c for c in data["codes"] if c["id"] == "mech-trust")
    code["rules"].update(rules)
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def test_actor_allows_roles_agencies_and_exclusions():
    police = Speaker("detective sergeant", "police")
    worker = Speaker("Senior Social Worker", "social care")
    assert actor_allows(Rules(roles=("social worker",)), worker)
    assert not actor_allows(Rules(roles=("social worker",)), police)
    assert actor_allows(Rules(roles=("social worker",), agencies=("police",)), police)  # either names the speaker
    assert not actor_allows(Rules(agencies=("police",)), Speaker("police representative", "multi-agency"))
    assert not actor_allows(Rules(exclude_roles=("interviewer",)), Speaker("interviewer"))
    assert actor_allows(Rules(exclude_roles=("interviewer",)), worker)
    # Nobody knows who speaks: a code restricted to some actors is not applied, an exclusion alone does not bite.
    assert not actor_allows(Rules(roles=("social worker",)), None)
    assert actor_allows(Rules(exclude_roles=("interviewer",)), None)
    assert actor_allows(Rules(), None)


def test_speaker_of_gives_no_agency_to_the_interviewer():
    assert speaker_of(Turn(1, 0, 5, "DS", role="detective sergeant"), {"agency": "police"}) == \
        Speaker("detective sergeant", "police")
    assert speaker_of(Turn(0, 0, 5, "Interviewer", role="interviewer"), {"agency": "police"}) == \
        Speaker("interviewer", None)


def test_codebook_reads_actor_fields(mini_codebook, tmp_path):
    path = restricted_book(mini_codebook, tmp_path / "book.yaml", roles=["Social  Worker"], agencies=["police"],
                           exclude_roles=["interviewer"])
    rules = codebook.load(path).code("mech-trust").rules
    assert (rules.roles, rules.agencies, rules.exclude_roles) == (("social worker",), ("police",), ("interviewer",))
    assert rules.restricted and not codebook.load(mini_codebook).code("mech-trust").rules.restricted


def test_bad_actor_fields_each_reported_with_file_and_code(mini_codebook, tmp_path):
    path = restricted_book(mini_codebook, tmp_path / "bad.yaml", roles=["police", "Social worker"], agencies=[],
                           exclude_roles=["social worker", 3])
    with pytest.raises(CodebookError) as info:
        codebook.load(path)
    problems = info.value.problems
    assert "mech-trust.rules.exclude_roles: must be a list of non-empty strings" in problems
    assert "mech-trust.rules.agencies: empty list (name at least one, or leave the field out)" in problems
    assert ("mech-trust.rules.exclude_roles: 'social worker' is also in roles, so the code could never apply"
            in problems)
    assert len(problems) == 3
    assert str(info.value).startswith(f"{path}: ") and "\n" not in str(info.value)


def test_bad_actor_field_is_one_line_error_in_the_cli(runner, mini_codebook, tmp_path):
    from ipe.cli import cli

    path = restricted_book(mini_codebook, tmp_path / "bad.yaml", roles="police")
    result = runner.invoke(cli, ["codebook", "validate", str(path)])
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [
        f"{path}: mech-trust.rules.roles: must be a list of non-empty strings", f"Error: {path}: 1 problem"]


def test_component_applies_restriction_by_the_turns_speaker(mini_codebook, tmp_path):
    book = codebook.load(restricted_book(mini_codebook, tmp_path / "book.yaml", roles=["social worker"]))
    nlp = coding_pipeline(book)
    text = "I trust her judgement."
    items = [(text, Speaker("social worker", "social care")), (text, Speaker("health visitor", "health")),
             (text, None)]
    for jobs in (1, 2):
        found = [[code for _, _, code, _ in hits]
                 for _, hits in code_turns(nlp, items, batch_size=1, n_process=jobs, speaker=lambda s: s)]
        assert found == [["mech-trust"], [], []]


def test_auto_code_uses_manifest_roles_and_agencies(store, mini_codebook, tmp_path):
    folder = tmp_path / "docs"
    folder.mkdir()
    line = "I trust her judgement and we sit together."
    (folder / "sw.txt").write_text(f"Interviewer: Do you trust her judgement?\nSW: {line}\n")
    (folder / "hv.txt").write_text(f"Interviewer: Do you trust her judgement?\nHV: {line}\n")
    (folder / "obs.txt").write_text(f"{line}\n")
    (folder / "manifest.csv").write_text(
        "file,case,role,agency,speakers\n"
        "sw.txt,a,social worker,social care,Interviewer=interviewer;SW=social worker\n"
        "hv.txt,a,health visitor,health,Interviewer=interviewer;HV=health visitor\n"
        "obs.txt,a,observer,multi-agency,\n")
    project.import_sources(store, [folder], folder / "manifest.csv")
    book = restricted_book(mini_codebook, tmp_path / "book.yaml", roles=["social worker"], agencies=["multi-agency"])
    project.auto_code(store, book, include_interviewer=True)
    coded = {(c.source_id, c.code_id) for c in store.codings(coders=["auto"])}
    assert {s for s, code in coded if code == "mech-trust"} == {"sw", "obs"}  # not the health visitor
    assert {s for s, code in coded if code == "ctx-relationships"} == {"sw", "hv", "obs"}  # unrestricted
    questions = [c for c in store.codings(coders=["auto"]) if c.quote.startswith("Do you")]
    assert questions == []  # the interviewer is neither a social worker nor of an agency
