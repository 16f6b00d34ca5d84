"""CMO configurations as an evidence-linked graph: links, windows, statuses, subsets, exports and the CLI.

The hand-made project below has four interviews (turn numbers in brackets; the interviewer speaks first):

- ``s1`` (case A, risk-focused, police), Ann [2]: ctx-a, mech-m, out-o, one sentence each.
- ``s2`` (case B, risk-focused, health), Bob [2]: ctx-a and mech-m in one sentence, then out-o.
- ``s3`` (case A, needs-led, police), Cara [2]: ctx-b, res-x, resp-y; [4]: out-o, in a turn of its own.
- ``s4`` (case C, needs-led, police), Dev [2]: ctx-c, resp-y, out-late (which contradicts out-p).

So, by turn, the links are ctx-a→mech-m, mech-m→out-o, ctx-a→out-o (s1, s2); ctx-b→res-x, ctx-b→resp-y,
res-x→resp-y (s3); ctx-c→resp-y, ctx-c→out-late, resp-y→out-late (s4). CMO-01 is supported, CMO-02 partial (no
resp-y→out-o), CMO-03 contested (its only evidence shares s4's turn with out-late), CMO-04 has no evidence.
"""

import json
from pathlib import Path

import networkx as nx
import pytest

from ipe import cmo, exporters, findings, project
from ipe.exporters.graphs import read_graph
from ipe.errors import IpeError, NotFound

CODEBOOK = """\
name: CMO test theory
codes:
  - id: contexts
    name: Contexts
    type: theme
    description: Theme.
    include: Theme only.
    exclude: Do not code.
{codes}
theory:
  - id: CMO-01
    context: ctx-a
    mechanism: mech-m
    outcome: out-o
    statement: Co-location builds reliance, and decisions are quick.
  - id: CMO-02
    context: ctx-b
    mechanism: {{resource: res-x, response: resp-y}}
    outcome: out-o
    statement: Early help with a shared budget gives confident staff and good outcomes.
  - id: CMO-03
    context: ctx-c
    mechanism: resp-y
    outcome: out-p
    chain_from: CMO-01
    statement: A busy front door with confident staff gives prompt replies.
  - id: CMO-04
    context: ctx-c
    mechanism: mech-m
    outcome: out-late
    statement: A busy front door with reliance gives late replies.
"""

CODES = [  # id, type, mechanism kind, contradicts
    ("ctx-a", "context", None, None), ("ctx-b", "context", None, None), ("ctx-c", "context", None, None),
    ("mech-m", "mechanism", None, None), ("res-x", "mechanism", "resource", None),
    ("resp-y", "mechanism", "response", None), ("out-o", "outcome", None, None),
    ("out-p", "outcome", None, "out-late"), ("out-late", "outcome", None, None), ("grp-g", "group", None, None),
]

TRANSCRIPTS = {
    "s1": "Interviewer: Tell me about the hub.\n"
          "Ann: We sit in one room. So we trust each other. Referrals move fast.\n"
          "Interviewer: Anything else?\nAnn: The weather is nice.\n",
    "s2": "Interviewer: How does it work?\n"
          "Bob: Being in one office means I rely on colleagues. Decisions are quick.\n",
    "s3": "Interviewer: And the needs model?\n"
          "Cara: Families get early help here. We have a shared budget. Staff feel confident.\n"
          "Interviewer: Thanks.\nCara: Outcomes are good.\n",
    "s4": "Interviewer: What about the front door?\n"
          "Dev: The front door is busy. Staff feel confident. Yet replies come late.\n",
}

MANIFEST = """\
file,case,participant,agency,mash_model,speakers
s1.txt,A,Ann,police,risk-focused,Ann=social worker
s2.txt,B,Bob,health,risk-focused,Bob=nurse
s3.txt,A,Cara,police,needs-led,Cara=manager
s4.txt,C,Dev,police,needs-led,Dev=detective
"""

CODINGS = """\
source,code,quote
s1,ctx-a,We sit in one room.
s1,mech-m,So we trust each other.
s1,out-o,Referrals move fast.
s2,ctx-a,Being in one office
s2,mech-m,I rely on colleagues
s2,out-o,Decisions are quick.
s3,ctx-b,Families get early help here.
s3,res-x,We have a shared budget.
s3,resp-y,Staff feel confident.
s3,out-o,Outcomes are good.
s4,ctx-c,The front door is busy.
s4,resp-y,Staff feel confident.
s4,out-late,Yet replies come late.
s4,grp-g,Yet replies come late.
"""

TURN_EDGES = [
    ("ctx-a", "mech-m"), ("ctx-a", "out-o"), ("ctx-b", "res-x"), ("ctx-b", "resp-y"), ("ctx-c", "out-late"),
    ("ctx-c", "resp-y"), ("mech-m", "out-o"), ("res-x", "resp-y"), ("resp-y", "out-late"),
]


def codebook_yaml(contradicts=None) -> str:
    contradicts = contradicts or {}
    blocks = []
    for cid, ctype, kind, against in CODES:
        against = contradicts.get(cid, against)
        blocks.append(
            f"  - id: {cid}\n    name: Code {cid}\n    type: {ctype}\n"
            + ("    parent: contexts\n" if ctype == "context" else "")
            + (f"    mechanism: {kind}\n" if kind else "")
            + (f"    contradicts: [{against}]\n" if against else "")
            + f"    description: About {cid}.\n    include: Talk of {cid}.\n    exclude: Anything else.\n"
            + f"    examples: [\"An example of {cid}.\"]\n    rules:\n      phrases: [\"zzq {cid}\"]\n"
        )
    return CODEBOOK.format(codes="".join(blocks))


def make_project(folder: Path, tmp: Path, contradicts=None) -> Path:
    """The hand-made project above, with its codebook loaded and Ana's codings imported."""
    corpus = tmp / "corpus"
    corpus.mkdir(exist_ok=True)
    for name, text in TRANSCRIPTS.items():
        (corpus / f"{name}.txt").write_text(text)
    (corpus / "manifest.csv").write_text(MANIFEST)
    book = tmp / "book.yaml"
    book.write_text(codebook_yaml(contradicts))
    codings = tmp / "ana.csv"
    codings.write_text(CODINGS)
    project.init(folder)
    with project.open_store(folder) as store:
        project.import_sources(store, [corpus], corpus / "manifest.csv")
        project.load_codebook(store, book)
        project.import_codings(store, codings, "ana")
    return folder


@pytest.fixture
def cmo_project(tmp_path):
    return make_project(tmp_path / "cmoproj", tmp_path)


@pytest.fixture
def cmo_store(cmo_project):
    store = project.open_store(cmo_project)
    yield store
    store.close()


@pytest.fixture
def book(cmo_store):
    return project.current_codebook(cmo_store)[1]


def links(graph) -> list:
    """The graph's co-occurrence links (its chain edges left out), sorted."""
    return sorted((u, v) for u, v, d in graph.edges(data=True) if cmo.is_link(d))


def add_codings(store, tmp_path, coder, rows):
    path = tmp_path / f"{coder}.csv"
    path.write_text("source,code,quote\n" + "".join(f"{s},{c},{q}\n" for s, c, q in rows))
    project.import_codings(store, path, coder)


# -- links and windows -----------------------------------------------------------------------------------------------


def test_cmo_link_directions_by_turn(cmo_store, book):
    graph = cmo.build_graph(cmo_store, book)
    assert links(graph) == TURN_EDGES
    # every context, mechanism and outcome code is a node; themes and groups are not
    assert sorted(graph) == sorted(cid for cid, ctype, _, _ in CODES if ctype != "group")
    assert graph.nodes["res-x"] == {"type": "mechanism", "name": "Code res-x", "mechanism": "resource",
                                    "segments": 1, "windows": ["s3#2"]}
    assert graph.nodes["out-o"]["segments"] == 3 and graph.nodes["out-o"]["windows"] == ["s1#2", "s2#2", "s3#4"]
    # s3's out-o stands in a turn of its own: no link from its context or mechanisms
    assert not graph.has_edge("resp-y", "out-o") and not graph.has_edge("ctx-b", "out-o")
    # two outcomes in one turn, or two contexts, are never linked; resource points to response
    assert ("res-x", "resp-y") in graph.edges and ("resp-y", "res-x") not in graph.edges


def test_cmo_edge_attributes(cmo_store, book):
    edge = cmo.build_graph(cmo_store, book).edges["ctx-a", "mech-m"]
    assert edge == {
        "segments": 2, "sources": 2, "cases": 2, "participants": 2, "agencies": ["health", "police"],
        "coders": ["ana"], "evidence": ["s1:41-60", "s1:61-84", "s2:36-55", "s2:62-82"],
        "windows": ["s1#2", "s2#2"], "configurations": ["CMO-01"], "hypothesised": True, "kind": "co-occurrence",
        "chains": [],
    }
    text = cmo_store.source("s2").text
    assert text[36:55] == "Being in one office" and text[62:82] == "I rely on colleagues"
    unnamed = cmo.build_graph(cmo_store, book).edges["ctx-b", "resp-y"]
    assert unnamed["hypothesised"] is False and unnamed["configurations"] == []
    # context -> outcome is named by the configuration, though not one of the links it needs
    assert cmo.build_graph(cmo_store, book).edges["ctx-a", "out-o"]["configurations"] == ["CMO-01"]


def test_cmo_link_evidence_segments(cmo_store, book):
    segments = cmo.link_evidence(cmo_store, book, window="turn")
    first = segments[0]
    assert (first.source_id, first.window, first.src, first.dst, first.src_ref, first.dst_ref) == (
        "s1", 2, "ctx-a", "mech-m", "s1:41-60", "s1:61-84")
    assert len(segments) == 12  # 3 + 3 + 3 + 3 pairs of codings sharing a turn
    assert cmo.link_evidence(cmo_store, book, coders=["nobody"]) == []
    assert cmo.link_evidence(cmo_store, book, coders=[]) == cmo.link_evidence(cmo_store, book, sources=[]) == []
    assert len(cmo.link_evidence(cmo_store, book, sources=["s3"])) == 3


def test_cmo_sentence_and_n_sentence_windows(cmo_store, book):
    # by sentence only s2's ctx-a and mech-m share a sentence (its second, after the interviewer's)
    by_sentence = cmo.build_graph(cmo_store, book, window="sentence")
    assert links(by_sentence) == [("ctx-a", "mech-m")]
    assert by_sentence.edges["ctx-a", "mech-m"]["windows"] == ["s2#2"]
    assert by_sentence.graph["window"] == "sentence"
    assert links(cmo.build_graph(cmo_store, book, window=1)) == [("ctx-a", "mech-m")]
    # two consecutive sentences: neighbours link, s1's ctx-a and out-o (two sentences apart) do not
    two = cmo.build_graph(cmo_store, book, window=2)
    assert two.edges["ctx-a", "out-o"]["evidence"] == ["s2:36-55", "s2:84-104"]
    assert two.edges["mech-m", "out-o"]["sources"] == 2
    assert ("resp-y", "out-o") not in two.edges  # s3: "Staff feel confident." then the interviewer's "Thanks."
    three = cmo.build_graph(cmo_store, book, window="3")
    assert three.edges["ctx-a", "out-o"]["sources"] == 2
    assert three.has_edge("resp-y", "out-o") and three.graph["window"] == "3"
    # a pair sharing several windows is one segment, first window kept; a window is named by its first sentence
    seg = [s for s in cmo.link_evidence(cmo_store, book, window=3) if s.src == "ctx-a" and s.source_id == "s1"]
    # s1's sentences: 1 the interviewer's, 2 ctx-a, 3 mech-m, 4 out-o
    assert [(s.dst, s.window, s.windows) for s in seg] == [("mech-m", 1, (1, 2)), ("out-o", 2, (2,))]


@pytest.mark.parametrize("window", ["paragraph", 0, "-2", None])
def test_cmo_bad_window(cmo_store, book, window):
    with pytest.raises(IpeError, match="window"):
        cmo.build_graph(cmo_store, book, window=window)


def test_cmo_mini_codebook_auto_codings(coded_store):
    # the shared fixture: colon.txt has ctx-relationships and out-timely-sharing in Karen's first turn
    _, book = project.current_codebook(coded_store)
    graph = cmo.build_graph(coded_store, book)
    assert list(graph.edges) == [("ctx-relationships", "out-timely-sharing")]
    assert graph.edges["ctx-relationships", "out-timely-sharing"]["coders"] == ["auto"]
    assert [(a.id, a.status) for a in cmo.assess(graph, book, 1, 0)] == [("CMO-01", "no evidence")]


# -- assessment ------------------------------------------------------------------------------------------------------


def test_cmo_statuses_by_hand(cmo_store, book):
    graph = cmo.build_graph(cmo_store, book)
    results = {a.id: a for a in cmo.assess(graph, book)}
    assert {k: a.status for k, a in results.items()} == {
        "CMO-01": "supported", "CMO-02": "partial", "CMO-03": "contested", "CMO-04": "no evidence"}
    one = results["CMO-01"]
    assert [(x.label, x.segments, x.sources, x.cases, x.strong) for x in one.links] == [
        ("ctx-a->mech-m", 2, 2, 2, True), ("mech-m->out-o", 2, 2, 2, True)]
    assert (one.sources, one.supporting_sources, one.contesting_sources) == (2, 2, 0)
    assert one.evidence == ("s1:41-60", "s1:61-84", "s1:85-105", "s2:36-55", "s2:62-82", "s2:84-104")
    two = results["CMO-02"]
    assert [x.label for x in two.links] == ["ctx-b->res-x", "res-x->resp-y", "resp-y->out-o"]
    assert [x.sources for x in two.links] == [1, 1, 0]
    three = results["CMO-03"]
    assert three.contradicting_codes == ("out-late",) and three.chain_from == "CMO-01"
    assert (three.sources, three.supporting_sources, three.contesting_sources) == (1, 0, 1)
    assert graph.graph["chains"] == ["CMO-01->CMO-03"]


def test_cmo_thresholds(cmo_store, book):
    graph = cmo.build_graph(cmo_store, book)
    statuses = {a.id: a.status for a in cmo.assess(graph, book, min_sources=3, min_cases=2)}
    assert statuses["CMO-01"] == "partial"  # two sources per link, three needed
    statuses = {a.id: a.status for a in cmo.assess(graph, book, min_sources=2, min_cases=3)}
    assert statuses["CMO-01"] == "partial"
    # by sentence only one of CMO-01's two links has evidence
    by_sentence = cmo.build_graph(cmo_store, book, window="sentence")
    assert {a.id: a.status for a in cmo.assess(by_sentence, book, 1, 1)}["CMO-01"] == "partial"


def test_cmo_contested_needs_as_many_contesting_as_supporting_sources(cmo_store, book, tmp_path):
    extra = "Interviewer: The front door?\nEve: The front door is busy. Staff feel confident.\n"
    corpus = tmp_path / "more"
    corpus.mkdir()
    for name in ("s5", "s6"):
        (corpus / f"{name}.txt").write_text(extra.replace("Eve", name.upper()))
    (corpus / "manifest.csv").write_text("file,case,speakers\ns5.txt,D,S5=nurse\ns6.txt,E,S6=nurse\n")
    project.import_sources(cmo_store, [corpus], corpus / "manifest.csv")
    clean = [("ctx-c", "The front door is busy."), ("resp-y", "Staff feel confident.")]
    add_codings(cmo_store, tmp_path, "extra", [("s5", c, q) for c, q in clean])
    add_codings(cmo_store, tmp_path, "more", [("s6", c, q) for c, q in clean])

    def three(coders):
        graph = cmo.build_graph(cmo_store, book, coders=coders)
        return [(a.status, a.supporting_sources, a.contesting_sources) for a in cmo.assess(graph, book)
                if a.id == "CMO-03"][0]

    assert three(["ana"]) == ("contested", 0, 1)
    assert three(["ana", "extra"]) == ("contested", 1, 1)  # one contesting source against one supporting
    assert three(None) == ("partial", 2, 1)  # more sources support it than contest it


def test_cmo_contradicts_on_the_context(tmp_path):
    # ctx-a contradicted by out-late: CMO-01's evidence never shares a turn with out-late, so it stays supported
    folder = make_project(tmp_path / "p", tmp_path, contradicts={"ctx-a": "out-late"})
    with project.open_store(folder) as store:
        book = project.current_codebook(store)[1]
        results = {a.id: a for a in cmo.assess(cmo.build_graph(store, book), book)}
    assert results["CMO-01"].status == "supported" and results["CMO-01"].contradicting_codes == ("out-late",)


def test_cmo_emergent_links(cmo_store, book):
    graph = cmo.build_graph(cmo_store, book)
    assert cmo.emergent_links(graph, book) == []
    assert cmo.emergent_links(graph, book, min_sources=1, min_cases=1) == [("ctx-b", "resp-y"), ("resp-y", "out-late")]
    assert cmo.emergent_links(graph, book, min_sources=1, min_cases=2) == []


def test_cmo_assessment_and_links_tables(cmo_store, book):
    graph = cmo.build_graph(cmo_store, book)
    table = cmo.assessment_table(cmo.assess(graph, book)).set_index("id")
    assert table.loc["CMO-01", "links"] == "ctx-a->mech-m (2 src/2 cases); mech-m->out-o (2 src/2 cases)"
    assert table.loc["CMO-03", "status"] == "contested" and table.loc["CMO-04", "segments"] == 0
    links = cmo.links_table(graph)
    assert list(zip(links["from"], links["to"])) == TURN_EDGES
    assert links.set_index(["from", "to"]).loc[("ctx-a", "mech-m"), "agencies"] == "health; police"


# -- subsets and comparison ------------------------------------------------------------------------------------------


def test_cmo_subgraph_by_attribute(cmo_store, book):
    risk = cmo.subgraph_by(cmo_store, book, "mash_model", "risk-focused")
    assert links(risk) == [("ctx-a", "mech-m"), ("ctx-a", "out-o"), ("mech-m", "out-o")]
    assert risk.graph["subset"] == "mash_model=risk-focused"
    police = cmo.subgraph_by(cmo_store, book, "agency", "POLICE")
    assert police.edges["ctx-a", "mech-m"]["sources"] == 1 and police.has_edge("ctx-c", "resp-y")
    assert cmo.attribute_values(cmo_store, "mash_model") == ["needs-led", "risk-focused"]
    with pytest.raises(NotFound, match="no source has case 'Z'"):
        cmo.subgraph_by(cmo_store, book, "case", "Z")


def test_cmo_compare(cmo_store, book):
    full = cmo.build_graph(cmo_store, book)
    case_a = cmo.subgraph_by(cmo_store, book, "case", "A")
    table = cmo.compare(full, case_a, labels=("all", "A"))
    assert list(table.columns[:4]) == ["from", "to", "sources_all", "sources_A"]
    rows = {(r["from"], r["to"]): (r["sources_all"], r["sources_A"], r["stronger_in"]) for _, r in table.iterrows()}
    assert rows == {
        ("ctx-a", "mech-m"): (2, 1, "all"), ("ctx-a", "out-o"): (2, 1, "all"), ("mech-m", "out-o"): (2, 1, "all"),
        ("ctx-c", "out-late"): (1, 0, "all"), ("ctx-c", "resp-y"): (1, 0, "all"), ("resp-y", "out-late"): (1, 0, "all"),
    }  # s3's links are in both graphs from one source: left out
    reverse = cmo.compare(case_a, full)
    assert set(reverse["stronger_in"]) == {"b"} and len(reverse) == 6
    assert cmo.compare(full, full).empty


def test_cmo_evidence_table(cmo_store, book):
    table = cmo.evidence_table(cmo_store, book, "CMO-01")
    assert list(table["link"]) == ["ctx-a->mech-m", "ctx-a->mech-m", "mech-m->out-o", "mech-m->out-o"]
    first = table.iloc[0]
    assert (first["source"], first["case"], first["from_quote"], first["to_quote"]) == (
        "s1", "A", "We sit in one room.", "So we trust each other.")
    link = cmo.evidence_table(cmo_store, book, "ctx-b->resp-y")
    assert list(link["to_quote"]) == ["Staff feel confident."]
    with pytest.raises(NotFound, match="no configuration 'CMO-99'"):
        cmo.evidence_table(cmo_store, book, "CMO-99")
    with pytest.raises(NotFound, match="no code 'nope'"):
        cmo.evidence_table(cmo_store, book, "ctx-a->nope")


# -- exports ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["graphml", "gexf", "json"])
def test_cmo_export_reloads(cmo_store, book, tmp_path, fmt):
    graph = cmo.build_graph(cmo_store, book)
    path = exporters.write_graph(graph, tmp_path / f"cmo.{fmt}")
    again = read_graph(path)
    assert dict(again.nodes(data=True)) == dict(graph.nodes(data=True))
    assert sorted(again.edges(data=True)) == sorted(graph.edges(data=True))
    # plain networkx reads the files too, list attributes as "; "-joined text
    if fmt == "graphml":
        plain = nx.read_graphml(path)
        assert plain.edges["ctx-a", "mech-m"]["evidence"] == "s1:41-60; s1:61-84; s2:36-55; s2:62-82"
        assert plain.edges["ctx-a", "mech-m"]["segments"] == 2 and plain.graph["chains"] == "CMO-01->CMO-03"
    if fmt == "gexf":
        plain = nx.read_gexf(path)
        assert plain.nodes["ctx-a"]["label"] == "Code ctx-a" and plain.edges["ctx-a", "mech-m"]["cases"] == 2
    if fmt == "json":
        data = json.loads(path.read_text())
        assert [n["id"] for n in data["nodes"]] == sorted(graph)
        assert data["graph"] == {"chains": ["CMO-01->CMO-03"], "window": "turn"}
    first = path.read_bytes()
    exporters.write_graph(graph, path)
    assert path.read_bytes() == first


@pytest.mark.parametrize("fmt", ["png", "svg"])
def test_cmo_draw_is_deterministic(cmo_store, book, tmp_path, fmt):
    graph = cmo.build_graph(cmo_store, book)
    one = cmo.draw(graph, tmp_path / f"one.{fmt}", fmt=fmt).read_bytes()
    two = cmo.draw(cmo.build_graph(cmo_store, book), tmp_path / f"two.{fmt}", fmt=fmt).read_bytes()
    assert one == two and len(one) > 1000
    assert one.startswith(b"\x89PNG") if fmt == "png" else b"<svg" in one


def test_cmo_layout_columns(cmo_store, book):
    pos = cmo.layout(cmo.build_graph(cmo_store, book))
    assert {pos[c][0] for c in ("ctx-a", "ctx-b", "ctx-c")} == {0.0}
    gap = cmo.drawing.COLUMN_GAP
    assert {pos[m][0] for m in ("mech-m", "res-x", "resp-y")} == {gap}
    assert {pos[o][0] for o in ("out-late", "out-o", "out-p")} == {2 * gap}
    assert pos["ctx-a"][1] > pos["ctx-b"][1] > pos["ctx-c"][1]  # sorted by id, top to bottom


def test_cmo_picture_draws_well_evidenced_links_with_tooltips(tmp_path):
    import networkx as nx

    graph = nx.DiGraph()
    for n, kind in (("c", "context"), ("m", "mechanism"), ("o", "outcome"), ("c2", "context")):
        graph.add_node(n, type=kind, name=f"Name of {n}")
    graph.add_edge("c", "m", sources=3, segments=5, cases=2, hypothesised=True, configurations=["CMO-01"])
    graph.add_edge("c", "o", sources=2, segments=2, cases=1, hypothesised=False)
    graph.add_edge("c2", "m", sources=1, segments=1, cases=1, hypothesised=False)
    assert sorted(cmo.drawn(graph, 2).edges) == [("c", "m"), ("c", "o")]
    svg = cmo.draw(graph, tmp_path / "g.svg", "svg", min_sources=2).read_text()
    assert "<title>Name of c \u2192 Name of m: 5 segments in 3 sources, 2 areas (in the theory: CMO-01)</title>" in svg
    assert "Name of c \u2192 Name of o: 2 segments in 2 sources" in svg and "Name of c2" not in svg
    graph.graph["min_sources"] = 1
    assert "Name of c2 \u2192 Name of m" in cmo.draw(graph, tmp_path / "h.svg", "svg").read_text()
    # Cropped to what is drawn: no wide empty band above the headings.
    png = cmo.draw(graph, tmp_path / "g.png", "png", min_sources=2).read_bytes()
    width, height = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
    assert width > 2 * height
    assert cmo.draw_configuration(graph, "c", ["m"], "o", tmp_path / "c.png").read_bytes().startswith(b"\x89PNG")


def test_cmo_export_unknown_format(cmo_store, book, tmp_path):
    with pytest.raises(IpeError, match="unknown graph format 'gml'"):
        exporters.write_graph(cmo.build_graph(cmo_store, book), tmp_path / "cmo.gml")


def test_cmo_export_dot_reads_back(cmo_store, book, tmp_path):
    import pydot

    graph = cmo.build_graph(cmo_store, book)
    path = exporters.write_graph(graph, tmp_path / "cmo.dot")
    (dot,) = pydot.graph_from_dot_file(str(path))
    edges = {(e.get_source().strip('"'), e.get_destination().strip('"')) for e in dot.get_edges()}
    assert edges == set(graph.edges)


def test_cmo_write_outputs(cmo_store, book, tmp_path):
    files = findings.write_cmo_reports(cmo_store, book, tmp_path / "reports")
    assert [f.name for f in files] == ["cmo-assessment.csv", "cmo-links.csv", "cmo-graph.graphml", "cmo-graph.json",
                                       "cmo-graph.png", "cmo-graph.svg"]
    first = {f.name: f.read_bytes() for f in files}
    assert {f.name: f.read_bytes() for f in findings.write_cmo_reports(cmo_store, book, tmp_path / "reports")} == first


# -- command line ----------------------------------------------------------------------------------------------------


@pytest.fixture
def cmo_invoke(invoke, cmo_project):
    """Runs ``ipe cmo ...`` on the hand-made project; registers the commands for the test only, if need be."""
    from ipe.cli import cli

    registered = "cmo" in cli.commands
    from ipe.cli import cmo as commands

    cli.add_command(commands.cmo)
    yield lambda *args: invoke(*args, project_dir=cmo_project)
    if not registered:
        cli.commands.pop("cmo", None)


def test_cli_cmo_build(cmo_invoke):
    result = cmo_invoke("cmo", "build")
    assert result.exit_code == 0
    # ctx-c->out-late is named by CMO-04 (its context -> outcome); ctx-b->resp-y and resp-y->out-late are not
    assert result.output == "9 nodes, 9 links (7 in the programme theory, 2 not), 1 chain, window: turn\n"
    out = cmo_invoke("cmo", "build", "--min-sources", "1", "--min-cases", "1").output
    assert out.splitlines()[1:] == ["Emergent: ctx-b->resp-y (1 sources, 1 cases)",
                                    "Emergent: resp-y->out-late (1 sources, 1 cases)"]
    assert cmo_invoke("cmo", "build", "--window", "sentence").output.startswith("9 nodes, 1 links")
    result = cmo_invoke("cmo", "build", "--window", "paragraph")
    assert result.exit_code == 2 and "unknown linking window 'paragraph'" in result.output


def test_cli_cmo_show(cmo_invoke):
    rows = json.loads(cmo_invoke("cmo", "show", "--format", "json").output)
    assert [(r["id"], r["status"]) for r in rows] == [
        ("CMO-01", "supported"), ("CMO-02", "partial"), ("CMO-03", "contested"), ("CMO-04", "no evidence")]
    rows = json.loads(cmo_invoke("cmo", "show", "--status", "no-evidence", "--status", "partial", "--format",
                                 "json").output)
    assert [r["id"] for r in rows] == ["CMO-02", "CMO-04"]
    rows = json.loads(cmo_invoke("cmo", "show", "--min-sources", "3", "--format", "json").output)
    assert rows[0]["status"] == "partial"
    table = cmo_invoke("cmo", "show").output
    assert "CMO-01" in table and "supported" in table


def test_cli_cmo_evidence(cmo_invoke):
    out = cmo_invoke("cmo", "evidence", "CMO-01").output
    assert out.startswith("Researcher evidence for CMO-01: 0\nCandidates, human co-occurrence")
    assert "      s2:36-55 Being in one office\n" in out
    out = cmo_invoke("cmo", "evidence", "ctx-a->mech-m").output
    assert "ctx-a->mech-m: 2 segments" in out
    assert "  s2 (case B), turn 2\n    s2:36-55 [ctx-a] Being in one office\n" in out
    assert "sentences from 1" in cmo_invoke("cmo", "evidence", "ctx-a->mech-m", "--window", "2").output
    csv = cmo_invoke("cmo", "evidence", "ctx-c->out-late", "--format", "csv").output
    assert csv.splitlines()[0] == "link,source,case,window,from_ref,from_quote,to_ref,to_quote"
    assert len(csv.splitlines()) == 2
    result = cmo_invoke("cmo", "evidence", "CMO-99")
    assert result.exit_code == 1 and result.output.startswith("Error: no configuration 'CMO-99'")


def test_cli_cmo_compare(cmo_invoke):
    out = cmo_invoke("cmo", "compare", "--by", "mash_model").output
    assert out.splitlines()[0] == "needs-led vs risk-focused"
    assert "sources_needs-led" in out and "ctx-a" in out
    out = cmo_invoke("cmo", "compare", "--by", "case", "A", "B", "--format", "csv").output
    assert out.splitlines()[0].startswith("a,b,from,to,sources_a,sources_b")
    assert out.splitlines()[1] == "A,B,ctx-b,res-x,1,0,1,0,1,0,True,A"  # s1's links are in A and B alike
    result = cmo_invoke("cmo", "compare", "--by", "case", "A", "Z")
    assert result.exit_code == 1 and result.output == "Error: no source has case 'Z'\n"
    result = cmo_invoke("cmo", "compare", "--by", "colour")
    assert result.exit_code == 1 and "needs at least two values" in result.output


def test_cli_cmo_export(cmo_invoke, tmp_path):
    for fmt in ("graphml", "gexf", "json", "dot", "png", "svg"):
        target = tmp_path / f"out.{fmt}"
        result = cmo_invoke("cmo", "export", target, "--format", fmt)
        assert result.exit_code == 0 and result.output == f"Wrote {target}\n"
    graph = read_graph(tmp_path / "out.graphml")
    assert links(graph) == TURN_EDGES and graph.edges["out-o", "ctx-c"]["kind"] == "chain"
    assert cmo_invoke("cmo", "export", tmp_path / "by-suffix.json").exit_code == 0
    result = cmo_invoke("cmo", "export", tmp_path / "x.gml")
    assert result.exit_code == 1 and "unknown graph format 'gml'" in result.output


def test_a_negation_word_never_contests_a_configuration(store, tmp_path, mini_codebook):
    """Polarity is judged, not guessed: a negated quote may be the outcome itself; only a researcher's
    contradicting evidence (or a contradicting twin code) contests."""
    from ipe import project
    from ipe.evidence import link

    folder = tmp_path / "neg"
    folder.mkdir()
    (folder / "n1.txt").write_text("Ann: We sit together. I trust them. Nobody waits for a formal request.\n"
                                   "Ann: Again.\n")
    project.import_sources(store, [folder])
    project.load_codebook(store, mini_codebook)
    codings = tmp_path / "h.csv"
    codings.write_text("source,code,quote\n"
                       "n1,ctx-relationships,We sit together.\nn1,mech-trust,I trust them.\n"
                       "n1,out-timely-sharing,Nobody waits for a formal request.\n")
    project.import_codings(store, codings, "ann")
    _, cb = project.current_codebook(store)
    graph = cmo.build_graph(store, cb)
    (result,) = cmo.assess(graph, cb, min_sources=1, min_cases=0)
    assert (result.status, result.contesting_sources, result.supporting_sources) == ("supported", 0, 1)
    against = link(store, cb, "CMO-01", "contradicts", "outcome", "Sharing waits here after all",
                   quote="Again.", source="n1")
    (result,) = cmo.assess(graph, cb, min_sources=1, min_cases=0, evidence=[against])
    assert (result.status, result.basis, result.cooccurrence_status) == ("contested", "researcher evidence",
                                                                         "supported")


# -- chains ----------------------------------------------------------------------------------------------------------


def test_cmo_chain_is_an_edge_of_its_own_kind(cmo_store, book):
    # CMO-03 chains from CMO-01: CMO-01's outcome (out-o) is CMO-03's context (ctx-c)
    graph = cmo.build_graph(cmo_store, book)
    assert graph.edges["out-o", "ctx-c"] == {
        "segments": 0, "sources": 0, "cases": 0, "participants": 0, "agencies": [], "coders": [], "evidence": [],
        "windows": [], "configurations": ["CMO-03"], "hypothesised": True, "kind": "chain",
        "chains": ["CMO-01->CMO-03"]}
    assert graph.graph["chains"] == ["CMO-01->CMO-03"]
    # a chain is theory, not co-occurrence: never emergent, never a row of the links table, always drawn
    assert ("out-o", "ctx-c") not in cmo.emergent_links(graph, book, min_sources=0, min_cases=0)
    assert ("out-o", "ctx-c") not in set(zip(cmo.links_table(graph)["from"], cmo.links_table(graph)["to"]))
    assert ("out-o", "ctx-c") in cmo.drawn(graph, min_sources=99).edges
    # two graphs compared are compared on their links
    assert "ctx-c" not in set(cmo.compare(graph, nx.DiGraph(), ("a", "b"))["to"]) - {"out-late", "resp-y"}
    table = cmo.chains_table(graph, book)
    assert table.to_dict("records") == [{
        "chain": "CMO-01->CMO-03", "from": "CMO-01", "to": "CMO-03", "through outcome": "Code out-o",
        "into context": "Code ctx-c", "statement from": "Co-location builds reliance, and decisions are quick.",
        "statement to": "A busy front door with confident staff gives prompt replies."}]


def test_cmo_chain_survives_every_graph_format(cmo_store, book, tmp_path):
    graph = cmo.build_graph(cmo_store, book)
    for fmt in ("graphml", "json"):
        again = read_graph(exporters.write_graph(graph, tmp_path / f"cmo.{fmt}"))
        assert again.edges["out-o", "ctx-c"]["kind"] == "chain"
        assert again.edges["out-o", "ctx-c"]["chains"] == ["CMO-01->CMO-03"]
        assert again.edges["ctx-a", "mech-m"]["kind"] == "co-occurrence"
    plain = nx.read_graphml(tmp_path / "cmo.graphml")
    assert plain.edges["out-o", "ctx-c"]["kind"] == "chain"


def test_cmo_chain_is_drawn_distinctly(cmo_store, book, tmp_path):
    graph = cmo.build_graph(cmo_store, book)
    svg = cmo.draw(graph, tmp_path / "cmo.svg", "svg", min_sources=1).read_text()
    assert "<title>chain CMO-01-&gt;CMO-03: Code out-o becomes the context Code ctx-c" in svg
    assert f"stroke: {cmo.drawing.CHAIN_COLOUR}" in svg and "chain: an outcome becomes" in svg  # and its legend
    without = cmo.draw(nx.DiGraph(cmo.drawn(graph, 1).edge_subgraph(links(graph))), tmp_path / "plain.svg", "svg",
                       min_sources=1).read_text()
    assert cmo.drawing.CHAIN_COLOUR not in without and "chain: an outcome becomes" not in without
    png = cmo.draw(graph, tmp_path / "cmo.png", "png", min_sources=1)
    assert png.read_bytes() == cmo.draw(graph, tmp_path / "again.png", "png", min_sources=1).read_bytes()


def test_chain_loops_are_an_error_and_loops_back_to_a_context_a_warning(cmo_store, book):
    from ipe import theory
    from ipe.codebook import loads
    from ipe.errors import CodebookError

    assert cmo.chain_cycles(book.theory) == [] and nx.is_directed_acyclic_graph(cmo.chain_graph(book.theory))
    # CMO-04 chained from CMO-03 enters ctx-c, the context CMO-03 started from: a feedback loop, allowed
    theory.revise(cmo_store, book, "CMO-04", "late replies follow prompt ones", chain_from="CMO-03")
    now = theory.current(cmo_store, book)
    assert cmo.theory_loops(now) == [["CMO-03", "CMO-04"]]
    # CMO-01 chained from CMO-04 closes a loop of chains: refused, nothing recorded
    with pytest.raises(IpeError, match=r"chains loop: CMO-01 -> CMO-03 -> CMO-04 -> CMO-01"):
        theory.revise(cmo_store, book, "CMO-01", "circular", chain_from="CMO-04")
    with pytest.raises(IpeError, match=r"chains loop: CMO-01 -> CMO-01"):
        theory.revise(cmo_store, book, "CMO-01", "itself", chain_from="CMO-01")
    assert theory.current(cmo_store, book) == now
    # a codebook whose chains loop does not load, the loop named with its place
    looped = codebook_yaml().replace("    statement: Co-location builds",
                                     "    chain_from: CMO-03\n    statement: Co-location builds")
    with pytest.raises(CodebookError, match=r"CMO-01.chain_from: chains loop \(CMO-01 -> CMO-03 -> CMO-01\)"):
        loads(looped, "looped.yaml")


def test_cli_cmo_build_warns_of_a_chain_back_into_its_context(cmo_store, book, cmo_invoke):
    from ipe import theory

    theory.revise(cmo_store, book, "CMO-04", "late replies follow prompt ones", chain_from="CMO-03")
    out = cmo_invoke("cmo", "build").output.splitlines()
    assert out[0] == "9 nodes, 9 links (7 in the programme theory, 2 not), 2 chains, window: turn"
    assert out[1] == ("Warning: the chain CMO-03 -> CMO-04 leads back into the context it started from "
                      "(a feedback loop: is it meant?)")
