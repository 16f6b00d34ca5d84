"""Auto-coding: matcher compilation, exclusion cues, unit widening, the spaCy component, human codings."""

import spacy

from ipe import codebook, project
from ipe.anchoring import locate_quote
from ipe.coding import CompiledCodebook, coding_pipeline
from ipe.nlp import blank_pipeline
from ipe.in_force import current_codings


def spans(nlp, text):
    doc = nlp(text)
    return [(s.label_, s.text, s.id_) for s in doc.spans["ipe"]]


def test_compiles_phrases_lemmas_and_patterns(mini_codebook):
    nlp = blank_pipeline()
    compiled = CompiledCodebook(nlp, codebook.load(mini_codebook))
    doc = nlp("Shared information arrived. We work closely. I trust them.")
    found = {(code, rule) for code, rule, _, _ in compiled.matches(doc)}
    assert ("out-timely-sharing", "lemma:share information") in found  # sentence-initial "Shared" lemmatised
    assert ("ctx-relationships", "lemma:work closely") in found
    assert ("mech-trust", "pattern:1") in found


def test_exclusion_cue_suppresses_only_near_match(mini_codebook):
    nlp = coding_pipeline(codebook.load(mini_codebook))
    assert spans(nlp, "Health did not share information with us.") == []
    assert [s[0] for s in spans(nlp, "We share information daily.")] == ["out-timely-sharing"]
    # exclude_window 3: "NHS" far from the hit does not suppress it
    assert [s[0] for s in spans(nlp, "The NHS is big and busy, but I trust her.")] == ["mech-trust"]
    assert spans(nlp, "The NHS trust them to deliver.") == []


def test_hit_widened_to_sentence_or_turn(mini_codebook):
    nlp = coding_pipeline(codebook.load(mini_codebook))
    text = "It was hard. We share information now. Nobody asked the dad. He was upset."
    got = spans(nlp, text)
    assert ("out-timely-sharing", "We share information now.", "lemma:share information") in got
    assert ("grp-fathers", text, "phrase:dad") in got  # the fathers code is coded by turn


def test_component_registered_and_usable_in_any_pipeline(mini_codebook):
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    nlp.add_pipe("ipe_lemmatizer")
    nlp.initialize()
    nlp.add_pipe("ipe_coder", config={"codebook": str(mini_codebook)})
    assert spans(nlp, "We sit together.") == [("ctx-relationships", "We sit together.", "phrase:sit together")]


def test_component_serialises(tmp_path, mini_codebook):
    nlp = coding_pipeline(codebook.load(mini_codebook))
    nlp.to_disk(tmp_path / "pipe")
    again = spacy.load(tmp_path / "pipe")
    assert spans(again, "We sit together.") == spans(nlp, "We sit together.")


def test_auto_code_offsets_reslice_and_skip_interviewer(coded_store):
    codings = coded_store.codings(coders=["auto"])
    assert codings
    for c in codings:
        text = coded_store.source(c.source_id, structure=False).text
        assert text[c.start:c.end] == c.quote
    colon = [c for c in codings if c.source_id == "colon"]
    assert "How do you work with the police?" not in {c.quote for c in colon}
    assert {c.code_id for c in colon} == {"ctx-relationships", "mech-trust", "grp-fathers", "out-timely-sharing"}
    sharing = [c.quote for c in colon if c.code_id == "out-timely-sharing"]
    assert sharing == ["We shared information the same morning."]  # "did not share information" is excluded
    assert all(c.codebook_version == 1 and c.provenance.startswith("rule ") for c in colon)


def test_rerun_replaces_auto_codings_and_keeps_human(coded_store, tmp_path, mini_codebook):
    first = [(c.source_id, c.start, c.end, c.code_id) for c in coded_store.codings(coders=["auto"])]
    csv = tmp_path / "human.csv"
    csv.write_text("source,code,quote\ncolon,out-timely-sharing,We shared information the same morning.\n")
    project.import_codings(coded_store, csv, "alice")
    project.auto_code(coded_store, mini_codebook)
    again = [(c.source_id, c.start, c.end, c.code_id) for c in coded_store.codings(coders=["auto"])]
    assert again == first
    assert len(coded_store.codings(coders=["alice"])) == 1


def test_new_codebook_version_keeps_old_codings_out_of_current(coded_store, tmp_path, mini_codebook):
    changed = tmp_path / "cb2.yaml"
    changed.write_text(mini_codebook.read_text().replace('"know each other"', '"know each other", "police"'))
    report = project.auto_code(coded_store, changed)
    assert report.version == 2 and report.codebook_added
    current = current_codings(coded_store, coders=["auto"])
    assert {c.codebook_version for c in current} == {2}
    assert {c.codebook_version for c in coded_store.codings(coders=["auto"])} == {1, 2}


def test_include_interviewer(store, transcripts, mini_codebook):
    project.import_sources(store, [transcripts / "colon.txt"])
    project.auto_code(store, mini_codebook, include_interviewer=True)
    quotes = {c.quote for c in store.codings()}
    assert "How do you work with the police?" not in quotes  # no rule fires on it, but it was coded over
    turns = store.turns("colon")
    assert turns[0].role == "interviewer"


def test_jobs_two_gives_same_codings(store, transcripts, mini_codebook):
    project.import_sources(store, [transcripts])
    project.auto_code(store, mini_codebook, coder="one")
    project.auto_code(store, mini_codebook, coder="two", jobs=2)
    key = lambda cs: [(c.source_id, c.start, c.end, c.code_id, c.provenance) for c in cs]  # noqa: E731
    assert key(store.codings(coders=["one"])) == key(store.codings(coders=["two"]))


def test_locate_quote_exact_flexible_and_nearest():
    text = "We said \u201cyes\u201d.\nWe  said it again. We said"
    assert locate_quote(text, 'We said "yes".') == (0, 14)
    assert locate_quote(text, "said it again") == (19, 32)
    assert locate_quote(text, "We said", near=30) == (34, 41)
    assert locate_quote(text, "absent") is None


def _twin_codebook(mini_codebook):
    """The mini codebook with a twin for timely sharing, as the shipped codebook pairs its outcomes."""
    text = mini_codebook.read_text(encoding="utf-8")
    twin = '''  - id: out-delayed-sharing
    name: Delayed information sharing
    type: outcome
    description: Information reaches the hub late or not at all.
    include: Information shared late.
    exclude: Timely sharing.
    examples: ["They shared it late, after the strategy meeting."]
    contradicts: [out-timely-sharing]
    rules:
      phrases: ["shared it late"]
'''
    text = text.replace("  - id: grp-fathers", twin + "  - id: grp-fathers")
    text = text.replace("    exclude: Sharing a car or office.\n", "    exclude: Sharing a car or office.\n"
                        "    contradicts: [out-delayed-sharing]\n")
    return codebook.loads(text)


def test_negated_outcome_becomes_evidence_of_its_twin(mini_codebook):
    nlp = coding_pipeline(_twin_codebook(mini_codebook))
    found = spans(nlp, "Health did not share information with us.")
    assert [(code, rule) for code, _, rule in found] == [("out-delayed-sharing", "negated lemma:share information")]
    # A cue in another sense (not a negation) only drops the hit: mech-trust has no twin either way.
    assert spans(nlp, "The NHS trust them to deliver.") == []


def test_a_wished_or_hypothetical_outcome_is_not_coded(mini_codebook):
    nlp = coding_pipeline(_twin_codebook(mini_codebook))
    assert spans(nlp, "I wish the police would share information with us.") == []
    assert spans(nlp, "It would be better if we shared information sooner.") == []
    assert [s[0] for s in spans(nlp, "We share information every morning.")] == ["out-timely-sharing"]
    # Counterfactual cues only concern outcomes: a wish about a context is still the context.
    assert [s[0] for s in spans(nlp, "I wish we could sit together more.")] == ["ctx-relationships"]
