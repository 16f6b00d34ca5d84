"""No importer deletes or moves human work as a side effect; a pseudonymised project stays pseudonymised (issue 16).

Cases: 1 survey re-import, 3 same name from another path, 5 re-import into a pseudonymised project, 9 reviews of a
changed source.
"""

import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from ipe import project, survey
from ipe.anonymise import pseudonymise_project, read_key
from ipe.cli import cli
from ipe.errors import SourceError
from ipe.survey import SurveyError

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
ANON = FIXTURES / "anonymise"


def _codings_csv(tmp_path, rows):
    path = tmp_path / "human.csv"
    path.write_text("source,code,quote\n" + "".join(f"{s},{c},\"{q}\"\n" for s, c, q in rows))
    return path


# -- transcripts -------------------------------------------------------------------------------------------------------


@pytest.fixture
def coded(store, transcripts, mini_codebook, tmp_path):
    project.import_sources(store, [transcripts / "colon.txt"])
    project.load_codebook(store, mini_codebook)
    project.import_codings(store, _codings_csv(tmp_path, [("colon", "mech-trust", "I trust her judgement though."),
                                                          ("colon", "grp-fathers", "The dad was never asked.")]), "ann")
    return store


# (case, how the file changes, import options, expected error or None, human codings still ok afterwards)
CHANGES = [
    ("paragraph added at the top", lambda t: "Interviewer: A new first question?\n\n" + t, {}, None, 2),
    ("a quote edited away", lambda t: t.replace("The dad was never asked.", "Nobody asked."), {},
     "1 human codings would lose their quote", 2),
    ("a quote edited away, --replace", lambda t: t.replace("The dad was never asked.", "Nobody asked."),
     {"replace": True}, None, 1),
    ("everything rewritten", lambda t: "Interviewer: Hello?\nKaren: Something else entirely.\n", {},
     "2 human codings would lose their quote", 2),
]


@pytest.mark.parametrize("case, change, options, error, still_ok", CHANGES, ids=[c[0] for c in CHANGES])
def test_a_changed_transcript_never_loses_human_codings(coded, transcripts, case, change, options, error, still_ok):
    path = transcripts / "colon.txt"
    old_text = coded.source("colon").text
    path.write_text(change(path.read_text()))
    before = coded.logical_checksum()
    if error:
        with pytest.raises(SourceError, match=re.escape(error)):
            project.import_sources(coded, [path], **options)
        assert coded.logical_checksum() == before
    else:
        project.import_sources(coded, [path], **options)
        assert [v[3] for v in coded.source_versions("colon")] == [old_text]  # the old text is recoverable
    human = coded.codings(coders=["ann"], status=None)
    assert len(human) == 2  # never deleted
    text = coded.source("colon").text
    assert sum(1 for c in human if c.status == "ok" and text[c.start:c.end] == c.quote) == still_ok


def test_orphans_are_listed_by_ipe_orphans(coded, transcripts):
    path = transcripts / "colon.txt"
    path.write_text(path.read_text().replace("The dad was never asked.", "Nobody asked."))
    project.import_sources(coded, [path], replace=True)
    result = CliRunner().invoke(cli, ["-p", str(coded.path.parent), "orphans", "--format", "csv"])
    assert result.exit_code == 0
    assert result.output.splitlines()[1].startswith("coding,colon,grp-fathers,ann,")
    assert "The dad was never asked." in result.output


def test_a_file_of_the_same_name_from_another_path_is_refused(coded, transcripts, tmp_path):
    other = tmp_path / "other-site"
    other.mkdir()
    (other / "colon.txt").write_text("Interviewer: Who are you?\nSam: Someone at another site.\n")
    before = coded.logical_checksum()
    with pytest.raises(SourceError, match="has the same name as source 'colon' imported from .*transcripts/colon.txt"):
        project.import_sources(coded, [other / "colon.txt"])
    assert coded.logical_checksum() == before
    result = CliRunner().invoke(cli, ["-p", str(coded.path.parent), "import", str(other / "colon.txt")])
    assert result.exit_code == 1 and result.output.count("\n") == 1 and "rename the file" in result.output


def test_reviews_follow_their_quote_when_the_source_changes(coded, transcripts, tmp_path):
    text = coded.source("colon").text
    s = text.index("We shared information")
    e = s + len("We shared information the same morning.")
    coded.add_reviews([("ann", "auto", "colon", s, e, "ctx-relationships", "reject")])
    path = transcripts / "colon.txt"
    path.write_text("Interviewer: Added first?\nKaren: Yes, added.\n\n" + path.read_text())
    project.import_sources(coded, [path])
    new_text = coded.source("colon").text
    [(_, _, _, start, end, _, decision)] = coded.reviews()
    assert new_text[start:end] == "We shared information the same morning." and decision == "reject"
    assert end <= len(new_text)


# -- survey ------------------------------------------------------------------------------------------------------------


@pytest.fixture
def survey_files(tmp_path):
    folder = tmp_path / "survey"
    shutil.copytree(FIXTURES / "survey", folder)
    return folder / "survey.csv", folder / "map.yaml"


def test_survey_reimport_without_a_coded_answer_keeps_it_and_says_so(store, survey_files, mini_codebook, tmp_path):
    csv_path, map_path = survey_files
    survey.import_survey(store, csv_path, map_path)
    project.load_codebook(store, mini_codebook)
    [answer] = [s for s in store.source_ids() if s.startswith("survey-b2")]
    quote = "Early help workers plan with families in the MASH."
    project.import_codings(store, _codings_csv(tmp_path, [(answer, "mech-trust", quote)]), "ann")
    project.add_memo(store, "source", answer, "Strong example.", "ann")
    lines = csv_path.read_text().splitlines()
    csv_path.write_text("\n".join(line for line in lines if not line.startswith("B2,")) + "\n")
    summary = survey.import_survey(store, csv_path, map_path)
    assert store.has_source(answer)
    assert len(store.codings(coders=["ann"])) == 1 and len(store.memos("source", answer)) == 1
    assert f"kept although gone from the file, for their human work: {answer} (1 human coding, 1 memo)" in summary.summary()


def test_a_header_only_survey_is_refused_and_removes_nothing(store, survey_files):
    csv_path, map_path = survey_files
    survey.import_survey(store, csv_path, map_path)
    before = store.logical_checksum()
    csv_path.write_text(csv_path.read_text().splitlines()[0] + "\n")
    with pytest.raises(SurveyError, match="no responses"):
        survey.import_survey(store, csv_path, map_path)
    assert store.logical_checksum() == before


def test_a_changed_survey_answer_with_human_codings_needs_replace(store, survey_files, mini_codebook, tmp_path):
    csv_path, map_path = survey_files
    survey.import_survey(store, csv_path, map_path)
    project.load_codebook(store, mini_codebook)
    [answer] = [s for s in store.source_ids() if s.startswith("survey-b2")]
    project.import_codings(store, _codings_csv(tmp_path, [(answer, "mech-trust", "Early help workers plan")]), "ann")
    csv_path.write_text(csv_path.read_text().replace("Early help workers plan with families", "Nobody plans"))
    with pytest.raises(SourceError, match="1 human codings would lose their quote"):
        survey.import_survey(store, csv_path, map_path)
    survey.import_survey(store, csv_path, map_path, replace=True)
    assert [c.status for c in store.codings(coders=["ann"], status=None)] == ["orphaned"]


# -- pseudonymised projects --------------------------------------------------------------------------------------------


@pytest.fixture
def pseudonymised(tmp_path):
    corpus = tmp_path / "corpus"
    shutil.copytree(ANON, corpus)
    folder = project.init(tmp_path / "proj")
    store = project.open_store(folder)
    project.import_sources(store, [corpus / "transcripts"], corpus / "manifest.csv")
    pseudonymise_project(store, folder, corpus / "names.csv", corpus / "orgs.csv")
    yield store, corpus
    store.close()


def _registered(folder):
    key = read_key(folder)
    return sorted(k for k in key["pseudonyms"] if not k.startswith("[") and len(k) > 2)


def test_reimporting_a_changed_transcript_keeps_the_project_pseudonymised(pseudonymised, tmp_path):
    store, corpus = pseudonymised
    folder = store.path.parent
    text = store.source("family").text
    quote = text[text.index("the old flat"):text.index("the old flat") + len("the old flat")]
    project.load_codebook(store, FIXTURES / "mini-codebook.yaml")
    project.import_codings(store, _codings_csv(tmp_path, [("family", "mech-trust", quote)]), "ann")
    path = corpus / "transcripts" / "family.txt"
    path.write_text(path.read_text() + "\nInterviewer: One more thing?\n\nDarren: Kayden Marsh and Helen Okafor "
                    "came round, and Mrs Khan rang 07700 900412.\n")
    report = project.import_sources(store, [path], corpus / "manifest.csv")
    assert report.rows[0][1] == "changed"
    stored = store.source("family")
    registered = _registered(folder)
    assert {"Kayden Marsh", "Helen Okafor", "Darren"} <= set(registered)
    leaks = [name for name in registered if re.search(rf"(?<!\w){re.escape(name)}(?!\w)", stored.text, re.I)]
    assert leaks == []
    assert "07700 900412" not in stored.text
    [coding] = store.codings(coders=["ann"])  # the human coding still holds its quote
    assert stored.text[coding.start:coding.end] == quote
    assert store.source_attributes("family")["family"]["participant"].startswith("[")
    again = project.import_sources(store, [path], corpus / "manifest.csv")
    assert again.rows[0][1] == "unchanged"


def test_a_new_transcript_into_a_pseudonymised_project_is_pseudonymised(pseudonymised):
    store, corpus = pseudonymised
    new = corpus / "transcripts" / "later.txt"
    new.write_text("Interviewer: Who did you speak to?\n\nSW: I spoke to Kayden Marsh's dad, Darren, and to Priya "
                   "Chandler. Call 07700 900412.\n")
    project.import_sources(store, [new])
    text = store.source("later").text
    assert not re.search(r"Kayden|Darren|Priya|Chandler|07700", text)
    assert "[Child 1]" in text or "[Child" in text


# -- evidence passages: human work like codings ------------------------------------------------------------------------


@pytest.fixture
def with_evidence(coded):
    from ipe import evidence

    _, cb = project.current_codebook(coded)
    evidence.link(coded, cb, "CMO-01", "supports", "context", "They sit together", source="colon",
                  quote="We sit together, so we know each other.", actor="ann")
    return coded


# (case, how the file changes, import options, expected error or None, passage status afterwards)
EVIDENCE_CHANGES = [
    ("paragraph added at the top", lambda t: "Interviewer: A new first question?\n\n" + t, {}, None, "ok"),
    ("the passage edited away", lambda t: t.replace("We sit together, so we know each other.", "We sit apart."), {},
     "1 evidence passages would lose their quote", "ok"),
    ("the passage edited away, --replace", lambda t: t.replace("We sit together, so we know each other.",
                                                                "We sit apart."), {"replace": True}, None, "orphaned"),
]


@pytest.mark.parametrize("case, change, options, error, status", EVIDENCE_CHANGES, ids=[c[0] for c in EVIDENCE_CHANGES])
def test_a_changed_transcript_never_loses_an_evidence_passage(with_evidence, transcripts, case, change, options, error,
                                                              status):
    path = transcripts / "colon.txt"
    path.write_text(change(path.read_text()))
    before = with_evidence.logical_checksum()
    if error:
        with pytest.raises(SourceError, match=re.escape(error) + ".*linked to CMO-01.*--replace"):
            project.import_sources(with_evidence, [path], **options)
        assert with_evidence.logical_checksum() == before
    else:
        project.import_sources(with_evidence, [path], **options)
    [passage] = with_evidence.evidence()  # never deleted
    assert passage.status == status and passage.quote == "We sit together, so we know each other."
    text = with_evidence.source("colon").text
    assert (text[passage.start:passage.end] == passage.quote) == (status == "ok")
    listed = project.orphans(with_evidence)
    assert list(listed["kind"]).count("evidence (supports)") == (status == "orphaned")
