"""Import that understands hearings and interviews (issue 22): headings, oaths, aliases, interviewers, brackets."""

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from ipe import corpus, project
from ipe.cli import cli
from ipe.nlp import pipeline

HEARING = Path(__file__).parent / "fixtures" / "hearing" / "hearing-day-3.md"
SPEAKERS = "THE WITNESS=Ms Sarah Hammond; MS HAMMOND=Ms Sarah Hammond; Ms Sarah Hammond=witness"


@pytest.fixture(scope="module")
def nlp():
    return pipeline(lemmas=False)


def parse(nlp, attributes=None, interviewers=(), path=HEARING):
    notes = []
    src = corpus.parse_source(path, attributes or {}, nlp, notes=notes, interviewers=interviewers)
    return src, notes


def speech(src):
    return [(t.speaker, t.role, src.text[t.start:t.end]) for t in src.turns]


def test_headings_stage_directions_and_oaths_are_never_inside_a_turn(nlp):
    src, _ = parse(nlp)
    texts = [text for _, _, text in speech(src)]
    for marker in ("# Safeguarding", "Day 3", "(10.00 am)", "(affirmed)", "(sworn)", "Questions by Counsel",
                   "Afternoon session", "Section 2", "====", "(2.00 pm)"):
        assert not any(marker in t for t in texts), marker
    assert texts[-1] == "Only that the hub works when people know each other."
    assert "Parents were not always asked. That slowed everything down." in texts


def test_front_matter_is_not_coded(nlp):
    from ipe.turns import coded_turns

    src, _ = parse(nlp)
    front = [t for t in src.turns if t.speaker is None]
    assert all(t.role is None for t in front)
    assert all(t.speaker is not None for t in coded_turns(src.turns, include_interviewer=True))
    assert "Tuesday, 14 May 2024" not in [src.text[t.start:t.end] for t in coded_turns(src.turns, True)]


def test_aliases_make_one_speaker(nlp):
    src, _ = parse(nlp, {"speakers": SPEAKERS + "; Counsel Inquiry=interviewer; Lead 8=interviewer"})
    speakers = {t.speaker for t in src.turns if t.speaker}
    assert speakers == {"Ms Sarah Hammond", "Counsel Inquiry", "Lead 8"}
    assert {t.role for t in src.turns if t.speaker == "Ms Sarah Hammond"} == {"witness"}
    labels = {t.label for t in src.turns if t.speaker == "Ms Sarah Hammond"}
    assert labels == {"THE WITNESS", "MS HAMMOND", "The Witness"}  # the text keeps what was said


def test_an_unlabelled_questioner_is_guessed_and_reported(nlp):
    src, notes = parse(nlp)
    roles = {t.speaker: t.role for t in src.turns if t.speaker}
    assert roles["Counsel Inquiry"] == roles["Lead 8"] == "interviewer"
    assert roles["The Witness"] != "interviewer"
    assert [n.split(": ", 1)[1] for n in notes] == [
        "'Counsel Inquiry' taken as the interviewer (3 of 3 turns are questions); confirm with --interviewer or the "
        "manifest's speakers column",
        "'Lead 8' taken as the interviewer (2 of 2 turns are questions); confirm with --interviewer or the manifest's "
        "speakers column"]


def test_interviewer_option_names_the_questioners(nlp):
    src, notes = parse(nlp, interviewers=["COUNSEL INQUIRY"])
    roles = {t.speaker: t.role for t in src.turns if t.speaker}
    assert roles["Counsel Inquiry"] == "interviewer" and roles["Lead 8"] != "interviewer"
    assert notes == []


@pytest.mark.parametrize("mark", ["[laughs]", "[pause]", "(inaudible)", "[Laughter]", "(Pause)"])
def test_transcript_marks_never_split_or_start_a_sentence(nlp, tmp_path, mark):
    path = tmp_path / "t.txt"
    path.write_text(f"Interviewer: And the workforce?\n\nKaren: It isn't easy. {mark} We don't have a stable "
                    f"workforce. {mark}\n\nInterviewer: Why?\n\nKaren: {mark} Turnover, mostly.\n")
    src, _ = parse(nlp, path=path)
    sentences = [src.text[s.start:s.end] for s in src.sentences]
    assert f"It isn't easy. {mark}" in sentences
    assert "We don't have a stable workforce." in sentences[sentences.index(f"It isn't easy. {mark}") + 1]
    assert not any(s.startswith(("[", "(")) or s.endswith(("[", "(")) for s in sentences)
    assert "Turnover, mostly." in sentences


def test_the_import_report_and_auto_coding_follow_the_roles(store, mini_codebook):
    result = CliRunner().invoke(cli, ["-p", str(store.path.parent), "import", str(HEARING)])
    assert result.exit_code == 0
    assert "'Counsel Inquiry' taken as the interviewer" in result.output
    project.auto_code(store, mini_codebook)
    src = store.source("hearing-day-3")
    turns = {t.n: t for t in store.turns("hearing-day-3")}
    for c in store.codings(coders=["auto"]):
        turn = next(t for t in turns.values() if t.start <= c.start < t.end)
        assert turn.role != "interviewer" and turn.speaker is not None, src.text[c.start:c.end]
