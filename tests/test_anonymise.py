"""Pseudonymisation: detection of each identifier kind, consistent replacement, aligned codings, the key, the CLI."""

import csv
import json
import os
import re
import stat
from pathlib import Path

import pytest

from ipe import anonymise, project
from ipe.anonymise import (
    OrgList, Register, build_register, find_identifiers, nhs_number_valid, pseudonymise_project,
)
from ipe.cli import cli
from ipe.corpus import source_id_for
from ipe.records import Coding

_REGISTERED = "anonymise" in cli.commands
import ipe.cli.anonymise  # noqa: E402,F401  (registers 'ipe anonymise' until ipe/cli/__init__.py imports it)

ROOT = Path(__file__).parent.parent
SAMPLE = ROOT / "corpora" / "mash-sample"


@pytest.fixture(scope="module", autouse=True)
def _unregister_command():
    """Leave the shared ``cli`` group as it was, so the README reference test sees the same commands."""
    yield
    if not _REGISTERED:
        cli.commands.pop("anonymise", None)


@pytest.fixture
def anon(fixtures):
    return fixtures / "anonymise"


@pytest.fixture
def imported(store, anon, mini_codebook):
    """The three small transcripts imported with their manifest, auto-coded with the mini codebook."""
    project.import_sources(store, [anon / "transcripts"], anon / "manifest.csv")
    project.auto_code(store, mini_codebook)
    return store


def project_dir(store):
    return store.path.parent


def kinds(text, register=None, orgs=None):
    return [(f.kind, f.text) for f in find_identifiers(text, register, orgs) if f.replaced]


# -- detection ---------------------------------------------------------------------------------------------------


def test_find_identifiers_structured_kinds():
    text = ("Call 07700 900412 or 01632 960123 or +44 20 7946 0123. NHS 634 098 1275, NI QQ 12 34 56 C, "
            "QQ123456D too. Post to 8 Wren Court, ZZ4 7QX or mail darren.m@example.org. He was born on 9 June 2017.")
    found = kinds(text)
    assert ("phone", "07700 900412") in found
    assert ("phone", "01632 960123") in found
    assert ("phone", "+44 20 7946 0123") in found
    assert ("nhs_number", "634 098 1275") in found
    assert ("ni_number", "QQ 12 34 56 C") in found
    assert ("ni_number", "QQ123456D") in found
    assert ("address", "8 Wren Court") in found
    assert ("postcode", "ZZ4 7QX") in found
    assert ("email", "darren.m@example.org") in found
    assert ("dob", "9 June 2017") in found


@pytest.mark.parametrize("number", ["07700 900123", "07700900123", "020 7946 0123", "0117 496 0123",
                                    "+44 7700 900123", "+44 (0)20 7946 0123", "03069 990123"])
def test_find_identifiers_phone_forms(number):
    assert kinds(f"Ring {number} today.") == [("phone", number)]


def test_nhs_number_check_digit():
    assert nhs_number_valid("634 098 1275") and nhs_number_valid("6340981275")
    assert not nhs_number_valid("634 098 1276")
    assert kinds("NHS number 6340981275.") == [("nhs_number", "6340981275")]
    assert kinds("NHS number 634 098 1276, one digit out.") == []


@pytest.mark.parametrize("text", ["We sit in SW1 - the old office.", "SW1 said so.", "P3 is the room.",
                                  "Ask SW1, P3 and TM1.", "The outward code ZZ4 alone.", "room SW1 2"])
def test_postcode_needs_its_inward_code(text):
    assert kinds(text) == []


def test_postcode_full_forms():
    assert kinds("at SW1A 1AA and at M1 1AE and ZZ47QX") == [
        ("postcode", "SW1A 1AA"), ("postcode", "M1 1AE"), ("postcode", "ZZ47QX")]


def test_dates_are_dates_of_birth_only_near_a_cue():
    assert kinds("The meeting was on 3 March 2024 and again on 12/04/2024.") == []
    assert kinds("Reece, DOB 22/06/2019, was seen.") == [("dob", "22/06/2019")]
    assert kinds("Her date of birth is 1st May 2015.") == [("dob", "1st May 2015")]


def test_register_names_full_first_and_surname_share_an_identity():
    register = build_register(participants=[("Darren Marsh", "parent")], names=[("Kayden Marsh", "child")])
    found = find_identifiers("Kayden Marsh and Kayden came with Darren. DARREN said Mr Marsh was out.", register)
    assert [(f.kind, f.text, f.identity) for f in found] == [
        ("child", "Kayden Marsh", "Kayden Marsh"),
        ("child", "Kayden", "Kayden Marsh"),
        ("parent", "Darren", "Darren Marsh"),
        ("parent", "DARREN", "Darren Marsh"),
        ("person", "Mr Marsh", "Marsh"),  # a surname two people share is a name of its own
    ]


def test_register_ignores_lower_case_words_and_parts_of_words():
    register = build_register(participants=[("Jo Brooks", "social worker")])
    assert kinds("the brooks ran; Joanne and Brookside stayed; jo left", register) == []
    assert kinds("Jo-Ann and Tia-Jo", register) == []


def test_titles_and_ranks():
    assert kinds("Mrs Khan, Dr Ellis, Mr. Hale and DS WALSH met. The DS said no.") == [
        ("person", "Mrs Khan"), ("person", "Dr Ellis"), ("person", "Mr. Hale"), ("person", "DS WALSH")]


def test_overlaps_resolve_to_the_longest():
    register = Register.from_entries([("Kayden Marsh", "child"), ("Marsh", "person")])
    found = find_identifiers("Kayden Marsh lives at 8 Marsh Road.", register)
    assert [(f.kind, f.text) for f in found] == [("child", "Kayden Marsh"), ("address", "8 Marsh Road")]


def test_organisations_listed_are_replaced_candidates_are_not():
    orgs = OrgList.from_entries([("Fernhill Primary", "school"), ("Fernhill Medical Centre", "gp_practice")])
    found = find_identifiers("At Fernhill Primary and Fernhill Medical Centre; then Castlegate Primary, "
                             "Kestrel Hill Academy and Oak Tree Surgery.", orgs=orgs)
    sure = [(f.kind, f.text) for f in found if f.replaced]
    maybe = [(f.kind, f.text, f.confidence) for f in found if not f.replaced]
    assert sure == [("school", "Fernhill Primary"), ("gp_practice", "Fernhill Medical Centre")]
    assert maybe == [("school", "Castlegate Primary", "low"), ("school", "Kestrel Hill Academy", "low"),
                     ("gp_practice", "Oak Tree Surgery", "low")]


def test_name_candidates_are_listed_not_replaced():
    register = build_register(participants=[("Robert Kettering", "detective sergeant"), ("Mason Pryce", "child")])
    text = ('Helen said "Rob, can you check?" and we saw Shannon and young Alfie Pryce. Shannon came. '
            "We met Reece Dunmore on Tuesday in London.")
    found = find_identifiers(text, register)
    assert [(f.kind, f.text) for f in found if f.replaced] == [("child", "Pryce")]
    candidates = [(f.text, f.identity) for f in found if not f.replaced]
    assert ("Rob", "Robert Kettering") in candidates  # a short form of a registered first name
    assert ("Shannon", "Shannon") in candidates  # capitalised inside a sentence, not an English word
    assert ("Alfie", "Alfie") in candidates  # the word before a registered surname
    assert ("Reece Dunmore", "Reece Dunmore") in candidates
    assert all(text not in ("Helen", "Tuesday", "We") for text, _ in candidates)
    assert [f.start for f in found if f.text == "Shannon"] == [text.index("Shannon")]  # not at a sentence start


def test_pseudonyms_are_never_found_again():
    text = "[Child 1] rang [Phone] from [Address], [Postcode]; Parent 1 and [GP practice 2] agreed."
    assert find_identifiers(text, build_register(participants=[("Darren Marsh", "parent")])) == []


def test_spacy_entities_are_added_with_a_model(tmp_path):
    import spacy

    nlp = spacy.blank("en")
    ruler = nlp.add_pipe("entity_ruler")
    ruler.add_patterns([{"label": "PERSON", "pattern": "Shannon"}, {"label": "GPE", "pattern": "Ashdown"}])
    nlp.to_disk(tmp_path / "ner-model")
    from ipe.nlp import installed_pipeline

    found = find_identifiers("Shannon moved to Ashdown.", nlp=installed_pipeline(str(tmp_path / "ner-model")))
    assert [(f.kind, f.text, f.confidence) for f in found] == [("person", "Shannon", "medium"),
                                                               ("place", "Ashdown", "medium")]


# -- the project -------------------------------------------------------------------------------------------------


def texts(store):
    return {s.id: s.text for s in store.iter_sources(structure=False)}


def assert_aligned(store):
    codings = store.codings(status=None)
    assert codings
    for s in store.iter_sources():
        for c in (c for c in codings if c.source_id == s.id):
            assert s.text[c.start:c.end] == c.quote, (c, s.text[c.start:c.end])
        for t in s.turns:
            assert 0 <= t.start <= t.end <= len(s.text)
        for x in s.sentences:
            assert s.text[x.start:x.end] == s.text[x.start:x.end].strip() and x.end > x.start


def add_straddling_coding(store):
    """A human coding that starts inside "Kayden" and ends inside the phone number."""
    text = store.source("family").text
    start, end = text.index("Kayden") + 3, text.index("07700 900412") + 5
    with store.transaction():
        store.ensure_coder("ana", "human")
        store.add_codings([Coding("family", start, end, "mech-trust", "ana", quote=text[start:end])])


def test_pseudonymise_project_replaces_every_kind_and_keeps_codings_aligned(imported, anon):
    add_straddling_coding(imported)
    report = pseudonymise_project(imported, project_dir(imported), names=anon / "names.csv", orgs=anon / "orgs.csv")
    family = imported.source("family").text
    assert family.startswith("Interviewer: Thanks for coming in today, [Parent 1].\n\nParent 1: My lad [Child 1] "
                             "was born on [Date of birth]. [Child 1], he's at [School 1]. His NHS number is "
                             "[NHS number] and the school rang me on [Phone].")
    assert "It went to [Address], [Postcode], the old flat. \"[Person 1],\" they said. My NI number is [NI number]" \
           " and my email is [Email]." in family
    assert "The meeting was on 3 March 2024. We're with [GP practice 1] and [Person 2] is lovely." in family
    worker = imported.source("worker").text
    assert "[Parent 1] rang on the Monday. I rang [Person 5] at the school on [Phone]. [Child 1] was fine." in worker
    assert "The police sit in SW1 - the old office - and P3 is the meeting room." in worker
    nurse = imported.source("nurse").text
    assert "I phone [Person 3] in the MASH. [Person 3] is great" in nurse
    assert "634 098 1276" in nurse  # a wrong check digit is not an NHS number
    assert "Reece Dunmore" in nurse and "Castlegate Primary" in nurse  # candidates wait for a person to confirm
    candidates = {(r.kind, r.text) for r in report.candidates}
    assert {("person", "Reece Dunmore"), ("school", "Castlegate Primary")} <= candidates
    assert_aligned(imported)
    ana = imported.codings(coders=["ana"])[0]
    assert ana.quote.startswith("[Child 1] was born") and ana.quote.endswith("rang me on [Phone]")
    assert imported.get_meta("pseudonymised") == "yes"


def test_speaker_labels_become_role_labels(imported):
    pseudonymise_project(imported, project_dir(imported))
    family, nurse, worker = (imported.source(s) for s in ("family", "nurse", "worker"))
    assert {t.speaker for t in family.turns} == {"Interviewer", "Parent 1"}
    assert {t.speaker for t in nurse.turns} == {"Interviewer", "Safeguarding nurse 1"}
    assert {t.speaker for t in worker.turns} == {"Interviewer", "SW1"}  # SW1 is not a name
    assert all(t.label == t.speaker for t in family.turns if t.role == "parent")
    assert "\nSafeguarding nurse 1: We saw a boy" in nurse.text
    assert imported.source_attributes("family")["family"]["participant"] == "[Parent 1]"
    assert imported.source_attributes("worker")["worker"]["participant"] == "[Person 2]"
    assert '"[Parent 1]," they said' in family.text  # "Mr Marsh": the register's only Marsh
    assert "Darren" not in " ".join(texts(imported).values())


def test_consistent_across_sources_and_idempotent(imported, anon, tmp_path):
    pseudonymise_project(imported, project_dir(imported), names=anon / "names.csv")
    first = texts(imported)
    assert "[Child 1] was fine" in first["worker"] and "My lad [Child 1]" in first["family"]
    key = json.loads((project_dir(imported) / "pseudonym-key.json").read_text())
    assert key["pseudonyms"]["Kayden Marsh"] == key["pseudonyms"]["Kayden"] == "[Child 1]"
    again = pseudonymise_project(imported, project_dir(imported), names=anon / "names.csv")
    assert again.replaced == 0 and texts(imported) == first
    assert_aligned(imported)
    # A new transcript later: known people keep their pseudonyms, the key is merged, numbering continues.
    late = tmp_path / "late.txt"
    late.write_text("Interviewer: Who rang?\n\nRespondent: Kayden Marsh's dad Darren, and Mrs Osei.\n")
    project.import_sources(imported, [late])
    pseudonymise_project(imported, project_dir(imported), names=anon / "names.csv")
    assert "[Child 1]'s dad [Parent 1], and [Person 6]." in imported.source("late").text
    merged = json.loads((project_dir(imported) / "pseudonym-key.json").read_text())
    assert merged["pseudonyms"].items() >= key["pseudonyms"].items() and "Osei" in merged["pseudonyms"]


def test_model_entities_replace_names_the_register_lacks(imported, tmp_path):
    import spacy

    nlp = spacy.blank("en")
    nlp.add_pipe("entity_ruler").add_patterns([{"label": "PERSON", "pattern": "Shannon"}])
    nlp.to_disk(tmp_path / "ner-model")
    pseudonymise_project(imported, project_dir(imported), model=str(tmp_path / "ner-model"))
    assert "His sister [Person 4] came too." in imported.source("nurse").text
    assert_aligned(imported)


def test_key_file_is_private_sorted_and_outside_the_store(imported, anon):
    pseudonymise_project(imported, project_dir(imported), names=anon / "names.csv")
    path = project_dir(imported) / "pseudonym-key.json"
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    raw = path.read_text()
    assert raw == json.dumps(json.loads(raw), sort_keys=True, ensure_ascii=False, indent=2) + "\n"
    rows = [repr(r) for table in ("sources", "turns", "source_attributes", "codings", "meta", "audit")
            for r in imported.conn.execute(f"SELECT * FROM {table}")]
    dump = "\n".join(rows)
    for identifier in ("Kayden Marsh", "Darren", "07700 900412", "634 098 1275", "pseudonym-key"):
        assert identifier not in dump
    assert "Kayden Marsh" in raw


def test_dry_run_writes_nothing(imported, anon, tmp_path):
    before = imported.logical_checksum()
    report = pseudonymise_project(imported, project_dir(imported), names=anon / "names.csv", dry_run=True)
    assert imported.logical_checksum() == before
    assert not (project_dir(imported) / "pseudonym-key.json").exists()
    assert report.dry_run and report.by_kind()["phone"] == 2 and report.by_kind()["child"] == 3
    frame = report.to_frame()
    assert list(frame.columns) == ["source", "status", "kind", "text", "pseudonym", "count", "confidence"]
    out = report.write_csv(tmp_path / "review.csv")
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o600


def test_failure_leaves_store_and_key_unchanged(imported, monkeypatch):
    before = imported.logical_checksum()

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(anonymise, "write_key", broken)
    with pytest.raises(OSError):
        pseudonymise_project(imported, project_dir(imported))
    assert imported.logical_checksum() == before
    assert not (project_dir(imported) / "pseudonym-key.json").exists()


# -- the command line ----------------------------------------------------------------------------------------------


def test_cli_anonymise_dry_run_report_then_run_and_destroy_key(invoke, anon, tmp_path):
    proj = tmp_path / "cliproj"
    invoke("init", proj)
    invoke("import", anon / "transcripts", "--manifest", anon / "manifest.csv")
    with project.open_store(proj) as store:
        before = store.logical_checksum()
    review = tmp_path / "review.csv"
    result = invoke("anonymise", "--dry-run", "--report", review)
    assert result.exit_code == 0 and "Dry run: 3 sources" in result.output
    assert "candidate person: Reece Dunmore" in result.output
    with project.open_store(proj) as store:
        assert store.logical_checksum() == before
    rows = list(csv.DictReader(review.open()))
    assert {"source": "nurse", "status": "candidate", "kind": "school", "text": "Castlegate Primary", "pseudonym": "",
            "count": "1", "confidence": "low"} in rows
    result = invoke("anonymise", "--names", anon / "names.csv", "--orgs", anon / "orgs.csv")
    assert result.exit_code == 0 and "Pseudonymised: 3 sources, 3 changed" in result.output
    assert (proj / "pseudonym-key.json").exists()
    result = invoke("anonymise", "--destroy-key")
    assert result.output == "Pseudonym key deleted\n" and not (proj / "pseudonym-key.json").exists()
    with project.open_store(proj) as store:
        assert "[Child 1]" in store.source("family").text
        assert store.audit_log()[-1].action == "anonymise destroy-key"


def test_cli_anonymise_errors_are_one_line(invoke, anon, tmp_path):
    proj = tmp_path / "cliproj"
    invoke("init", proj)
    invoke("import", anon / "transcripts", "--manifest", anon / "manifest.csv")
    result = invoke("anonymise", "--names", anon / "bad-names.csv")
    assert result.exit_code == 1
    assert result.output == (f"Error: {anon / 'bad-names.csv'}: line 2: kind 'toddler' is not one of carer, child, "
                             "other, parent, person, practitioner, professional (and 1 more rows)\n")
    result = invoke("anonymise", "--model", "no_such_pipeline_xyz")
    assert result.output == "Error: spaCy pipeline 'no_such_pipeline_xyz' is not installed (ipe never downloads models)\n"


# -- the shipped sample corpus -------------------------------------------------------------------------------------


@pytest.mark.slow
def test_sample_corpus_end_to_end(store):
    project.import_sources(store, [SAMPLE], SAMPLE / "manifest.csv")
    project.load_codebook(store, ROOT / "codebooks" / "mash-programme-theory.yaml")
    for coder_dir in sorted((SAMPLE / "gold").iterdir()):
        for path in sorted(coder_dir.glob("*.csv")):
            project.import_codings(store, path, coder_dir.name)
    report = pseudonymise_project(store, project_dir(store))
    assert report.sources == 25 and report.replaced > 0
    assert_aligned(store)
    after = texts(store)
    structured = ("phone", "nhs_number", "ni_number", "postcode", "email", "dob")
    with (SAMPLE / "planted-identifiers.csv").open(encoding="utf-8") as fh:
        planted = [r for r in csv.DictReader(fh) if r["kind"] in structured]
    assert len(planted) == 16
    for row in planted:
        assert row["text"] not in after[source_id_for(Path(row["file"]))], row
    with (SAMPLE / "manifest.csv").open(encoding="utf-8") as fh:
        people = {r["participant"] for r in csv.DictReader(fh) if r["participant"]}
    names = people | {part for name in people for part in name.split()}
    everything = "\n".join(after.values())
    for name in sorted(names):
        for form in (name, name.upper()):
            assert re.search(rf"(?<![\w-]){re.escape(form)}(?![\w-])", everything) is None, form
    participants = {a.get("participant") for a in store.source_attributes().values()} - {None}
    assert participants and all(re.fullmatch(r"\[(Parent|Person) \d+\]", p) for p in participants)
