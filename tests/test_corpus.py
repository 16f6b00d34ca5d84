"""Reading transcripts: decoding, normalisation, every speaker-label convention, manifests."""

from pathlib import Path

import pytest

from ipe import corpus
from ipe.errors import ManifestError, SourceError
from ipe.nlp import pipeline


def turns_of(path):
    parsed = corpus.read_file(Path(path))
    turns = parsed.turns if parsed.turns is not None else corpus.split_turns(parsed.text, parsed.heading_lines)
    return parsed.text, turns


def speakers(path):
    text, turns = turns_of(path)
    return [(t.speaker, text[t.start:t.end]) for t in turns]


def test_colon_labels_continuation_and_time_marks(fixtures):
    got = speakers(fixtures / "transcripts/colon.txt")
    assert got[0] == ("Interviewer", "How do you work with the police?")
    assert got[1] == ("Karen", "We sit together, so we know each other.\nWe shared information the same morning.")
    assert got[3][0] == "Karen" and got[3][1].startswith("Health did not")
    # "(12.43 pm)" is a time mark, not a turn and not part of one
    assert all("12.43" not in text for _, text in got)
    assert got[-1] == ("Karen", "The dad was never asked.")


def test_all_caps_labels_are_normalised(fixtures):
    assert [s for s, _ in speakers(fixtures / "transcripts/caps.txt")] == ["Karen", "Interviewer", "Karen"]


def test_markdown_bold_labels_heading_and_adjournment(fixtures):
    got = speakers(fixtures / "transcripts/markdown.md")
    assert got == [("Interviewer", "Tell me about the MASH."), ("Sam", "We sit together."), ("Sam", "Back again.")]


def test_short_code_labels(fixtures):
    assert [s for s, _ in speakers(fixtures / "transcripts/codes.txt")] == ["Interviewer", "P3", "Interviewer", "P3"]


def test_dash_labels(fixtures):
    got = speakers(fixtures / "transcripts/dash.txt")
    assert got[1] == ("SW1", "Hello, I am a social worker.")
    assert got[0][0] == "Interviewer"


def test_timestamped_labels_keep_time(fixtures):
    text, turns = turns_of(fixtures / "transcripts/stamped.txt")
    assert [(t.speaker, t.time) for t in turns] == [("Interviewer", "00:12:03"), ("Priya", "00:12:10"),
                                                    ("Interviewer", "00:12:30")]
    assert text[turns[1].start:turns[1].end] == "First answer."


def test_transcription_service_labels(fixtures):
    got = speakers(fixtures / "transcripts/service.txt")
    assert got == [("Interviewer", "How long have you worked here?"),
                   ("Priya Shah", "About six years now.\nIt has changed a lot."), ("Interviewer", "Thanks.")]


def test_name_with_time_in_brackets(fixtures):
    assert speakers(fixtures / "transcripts/brackets.txt")[1] == ("DS Walsh", "We triage every contact.")


def test_interviewer_respondent(fixtures):
    assert [s for s, _ in speakers(fixtures / "transcripts/respondent.txt")] == ["Interviewer", "Respondent"] * 2


def test_webvtt_voice_tags_merge_consecutive_cues(fixtures):
    text, turns = turns_of(fixtures / "transcripts/voices.vtt")
    assert [(t.speaker, text[t.start:t.end], t.time) for t in turns] == [
        ("Interviewer", "How did it go?", "00:00:01.000"),
        ("Mary", "Nobody told me anything. Not one person.", "00:00:04.500"),
    ]


def test_srt_labels_and_unlabelled_cue_continues(fixtures):
    text, turns = turns_of(fixtures / "transcripts/cues.srt")
    assert [(t.speaker, text[t.start:t.end]) for t in turns][1] == ("Shirin", "They came to the school. I was afraid.")


def test_docx_paragraphs_headings_and_speaker_table(fixtures):
    got = speakers(fixtures / "transcripts/paragraphs.docx")
    assert got[0] == ("Interviewer", "What is it like working with the MASH?")
    assert got[1] == ("Marcus", "We never hear back about referrals.\nIt is frustrating.")
    assert got[-1] == ("Marcus", "No, that is all.")
    assert all("Interview with a school lead" not in t for _, t in got)


def test_field_notes_paragraphs_are_turns_and_note_is_no_speaker(fixtures):
    got = speakers(fixtures / "transcripts/fieldnotes.txt")
    assert all(s is None for s, _ in got)
    assert got[0][1].startswith("I arrived")  # the heading is not a turn
    assert len(got) == 2


def test_decoding_cp1252_utf16_and_bom():
    assert corpus.decode("café – risk".encode("cp1252"), "x") == "café – risk"
    assert corpus.decode("hello".encode("utf-16"), "x") == "hello"
    assert corpus.normalise(corpus.decode(b"\xef\xbb\xbfa\r\nb\rc  \n\n", "x")) == "a\nb\nc"


def test_binary_junk_is_refused(tmp_path):
    junk = tmp_path / "junk.txt"
    junk.write_bytes(bytes(range(256)) * 4)
    with pytest.raises(SourceError, match="junk.txt: binary data"):
        corpus.read_file(junk)


@pytest.mark.parametrize("name,content,message", [
    ("empty.txt", b"", "empty file"),
    ("blank.md", b"   \n\n", "empty file"),
    ("broken.docx", b"PK\x03\x04not really a zip", "not a Word .docx"),
    ("plain.docx", b"just text", "not a Word .docx"),
    ("nohead.vtt", b"00:00:01.000 --> 00:00:02.000\nhi", "not a WebVTT file"),
    ("nocues.srt", b"just some words", "no cues"),
    ("table.xls", b"abc", "unsupported file type"),
])
def test_bad_files_give_one_line_errors(tmp_path, name, content, message):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(SourceError) as info:
        corpus.read_file(path)
    assert message in str(info.value) and name in str(info.value) and "\n" not in str(info.value)


def test_sentences_stay_inside_turns(fixtures):
    text, turns = turns_of(fixtures / "transcripts/colon.txt")
    sentences = corpus.split_sentences(text, turns, pipeline(lemmas=False))
    by_turn = {t.n: t for t in turns}
    for s in sentences:
        t = by_turn[s.turn]
        assert t.start <= s.start < s.end <= t.end
        assert text[s.start:s.end] == text[s.start:s.end].strip()
    assert [text[s.start:s.end] for s in sentences if s.turn == 2] == [
        "We sit together, so we know each other.", "We shared information the same morning."]


def test_manifest_roles_and_missing_file(tmp_path, transcripts):
    manifest = tmp_path / "manifest.csv"
    manifest.write_text("file,case,role,speakers\ntranscripts/colon.txt,ashdown,MASH manager,Karen=MASH manager\n")
    rows = corpus.read_manifest(manifest)
    assert list(rows.values())[0]["case"] == "ashdown"
    manifest.write_text("file,case\ntranscripts/missing.txt,x\n")
    with pytest.raises(ManifestError, match="line 2: names a missing file 'transcripts/missing.txt'"):
        corpus.read_manifest(manifest)
    manifest.write_text("case,role\nx,y\n")
    with pytest.raises(ManifestError, match="missing column file"):
        corpus.read_manifest(manifest)


def test_speaker_roles_from_manifest_and_interviewer_default():
    roles = corpus.speaker_roles("Karen=MASH manager; INT=interviewer")
    assert roles == {"Karen": "MASH manager", "Interviewer": "interviewer"}
