"""Retrieval on a tiny Chroma index built with the fake embedder: modes, fusion, re-scoring, lists, LangChain."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pytest
from langchain_core.documents import Document as LCDocument
from langchain_core.runnables import RunnableLambda

import borderqa.retrieval as retrieval
from borderqa.config import RetrievalSettings
from borderqa.embedding import FakeEmbedder
from borderqa.index import TITLE_PAGE_LABELS, ChromaIndex, embedding_text, embedding_texts, token_text
from borderqa.retrieval import (
    LangChainRetriever,
    Retriever,
    list_leads,
    maxsim,
    rrf_scores,
    standardise,
    with_lead_in,
    zscores,
)
from borderqa.types import Document, Passage

AGENCIES = ("Conditions in the Border Zone", "Mexican Agencies")
TRANSIT = ("Migrants in Transit",)
LEAD = "Migrants crossing at the southern border tend to pass through one of three corridors:"
TEXTS: list[tuple[tuple[str, ...], str, str]] = [
    (("Title page",), "title", "By Adam Isacson, Maureen Meyer, Gabriela Morales"),
    (("Introduction",), "paragraph", "This is our first report on Mexico's 714-mile southern border zone."),
    (("Introduction",), "paragraph", "In 2013 Mexico deported 80,079 people from Honduras, Guatemala and El Salvador."),
    (("Introduction",), "paragraph", "In 2012 Mexico deported 12,000 people from elsewhere in the region."),
    (AGENCIES, "paragraph", "Checkpoints stand along the coastal highway north of Tapachula."),
    (AGENCIES, "paragraph", "The Joint Task Force Tecún Umán operates in Guatemala's San Marcos department."),
    (TRANSIT, "paragraph", LEAD),
    (TRANSIT, "list_item", "The Pacific coast route, through Tapachula, Huixtla and Arriaga."),
    (TRANSIT, "list_item", "The jungle route, from Benemérito de las Américas to Tenosique and Palenque."),
    (("The Train",), "paragraph", "Migrants ride the freight train called La Bestia on its roof."),
]


def _passages() -> list[Passage]:
    out = []
    for n, (section, kind, text) in enumerate(TEXTS, 1):
        lead = "report:p0007" if kind == "list_item" else None
        out.append(
            Passage(f"report:p{n:04d}", "report", section, n, n, text, kind=kind,  # type: ignore[arg-type]
                    context_id=lead, context=LEAD if lead else "")
        )
    return out


def _document() -> Document:
    text = "\n\n".join(t for _, _, t in TEXTS)
    return Document("report", "Mexico's Other Border", "report", "markdown", "report.md", text,
                    hashlib.sha256(text.encode()).hexdigest())


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> ChromaIndex:
    idx = ChromaIndex(tmp_path_factory.mktemp("index"), FakeEmbedder(), "fp-test", "test-collection")
    idx.build([_document()], _passages(), "test-chunker")
    return idx


@pytest.fixture(scope="module")
def retriever(index: ChromaIndex) -> Retriever:
    return Retriever(index, FakeEmbedder(), RetrievalSettings(k=3, fetch_k=10))


# --- what is embedded ---------------------------------------------------------------------------------------


def test_passages_are_embedded_with_their_setting_but_stored_clean(index: ChromaIndex) -> None:
    item = _passages()[7]
    assert embedding_text(item) == f"Migrants in Transit. {LEAD} {item.text}"
    assert [p.text for p in index.passages()] == [t for _, _, t in TEXTS]


def test_title_page_is_embedded_with_the_label_and_the_document_title() -> None:
    byline = _passages()[0]
    texts = embedding_texts(byline, "Mexico's Other Border")
    assert len(texts) == 2
    assert "authors" in texts[0] and texts[1].startswith("Title page of Mexico's Other Border:")
    assert embedding_texts(_passages()[1], "Mexico's Other Border") == [embedding_text(_passages()[1])]


def test_each_title_page_line_is_labelled_by_what_it_is() -> None:
    date = Passage("report:p0001", "report", ("Title page",), 1, 1, "June 2014", kind="title")
    title = Passage("report:p0002", "report", ("Title page",), 2, 2, "Mexico's Other Border", kind="title")
    assert embedding_text(date).startswith(TITLE_PAGE_LABELS["date"])
    assert embedding_text(title).startswith(TITLE_PAGE_LABELS["title"])
    assert "authors" not in embedding_text(title)
    assert token_text(title) == embedding_text(title)  # a title line's word pieces are read with its label
    assert token_text(_passages()[4]) == _passages()[4].text


def test_word_piece_vectors_are_stored_per_passage(index: ChromaIndex) -> None:
    tokens = index.token_vectors()
    assert set(tokens) == {p.id for p in _passages()}
    assert tokens["report:p0005"].shape == (len(TEXTS[4][2].split()), FakeEmbedder().dimension)
    assert np.allclose(np.linalg.norm(tokens["report:p0005"], axis=1), 1.0, atol=1e-3)


def test_small_indexes_are_searched_exhaustively(index: ChromaIndex) -> None:
    collection = index._open().collection
    assert collection.configuration["hnsw"]["ef_search"] >= collection.count()


def test_rebuild_reuses_vectors_and_word_pieces(index: ChromaIndex) -> None:
    report = index.build([_document()], _passages(), "test-chunker", force=True)
    assert report.embedded == 0 and report.reused == report.windows
    assert set(index.token_vectors()) == {p.id for p in _passages()}


def test_encode_query_gives_sentence_and_word_piece_vectors() -> None:
    encoded = FakeEmbedder().encode_query("checkpoints on the highway")
    assert encoded.vector.shape == (FakeEmbedder().dimension,)
    assert encoded.tokens.shape == (4, FakeEmbedder().dimension)
    assert [t.shape[0] for t in FakeEmbedder().embed_tokens(["a b", "c"])] == [2, 1]


# --- scoring pieces -----------------------------------------------------------------------------------------


def test_zscores_standardise_and_survive_constant_input() -> None:
    z = zscores(np.array([1.0, 2.0, 3.0]))
    assert z.mean() == pytest.approx(0.0, abs=1e-6) and z.std() == pytest.approx(1.0, abs=1e-6)
    assert zscores(np.array([2.0, 2.0])).tolist() == [0.0, 0.0]
    assert zscores(np.array([])).tolist() == []


def test_standardise_uses_the_reference_spread() -> None:
    own = np.array([1.0, 2.0, 3.0])
    z = standardise(np.array([1.0, 2.0, 5.0]), own)  # the third reads better than its own pieces
    assert z.tolist() == pytest.approx([-1.2247, 0.0, 3.6742], abs=1e-3)
    assert standardise(own, np.array([2.0, 2.0])).tolist() == [0.0, 0.0, 0.0]


def test_list_items_are_read_with_their_lead_in() -> None:
    tokens = {"item": np.ones((2, 3), dtype=np.float32), "lead": np.zeros((4, 3), dtype=np.float32)}
    read = with_lead_in(tokens, {"item": "lead", "orphan": "lead", "item2": "missing"})
    assert list(read) == ["item"] and read["item"].shape == (6, 3)


def test_rrf_scores_reward_ranks_on_both_sides() -> None:
    settings = RetrievalSettings(fusion="rrf", rrf_k=10, dense_weight=0.5, lexical_weight=0.5)
    scores = rrf_scores(["a", "b", "c"], {"a": 1, "b": 2}, {"b": 1, "c": 2}, settings)
    assert scores.argmax() == 1  # "b": second on one side, first on the other
    assert scores.mean() == pytest.approx(0.0, abs=1e-6) and scores.std() == pytest.approx(1.0, abs=1e-5)


def test_maxsim_averages_each_query_pieces_best_match() -> None:
    q = np.array([[1.0, 0.0], [0.0, 1.0]], dtype=np.float32)
    p = np.array([[1.0, 0.0], [0.6, 0.8]], dtype=np.float32)
    assert maxsim(q, p) == pytest.approx((1.0 + 0.8) / 2)
    assert maxsim(q, p[:0]) == 0.0


def test_list_items_lead_to_their_lead_in_or_the_paragraph_before_the_run() -> None:
    ps = _passages()
    assert list_leads(ps) == {"report:p0008": "report:p0007", "report:p0009": "report:p0007"}
    bare = [Passage(p.id, p.document, p.section_path, p.paragraph, p.ordinal, p.text, p.kind) for p in ps]
    assert list_leads(bare) == {"report:p0008": "report:p0007", "report:p0009": "report:p0007"}


# --- modes --------------------------------------------------------------------------------------------------


def test_dense_mode_ranks_by_the_index(retriever: Retriever) -> None:
    hits = retriever.search("Where do checkpoints stand along the coastal highway?", k=3, mode="dense")
    assert hits[0].passage.id == "report:p0005"
    assert [h.dense_rank for h in hits] == [1, 2, 3] and all(h.lexical_rank is None for h in hits)


def test_lexical_mode_ranks_by_bm25(retriever: Retriever) -> None:
    hits = retriever.search("retenes near Tapachula", k=3, mode="lexical")
    assert hits[0].passage.id == "report:p0005"
    assert hits[0].lexical_rank == 1 and hits[0].dense_rank is None


def test_hybrid_mode_fuses_both_sides(retriever: Retriever) -> None:
    hits = retriever.search("How many people did Mexico deport in 2013?", mode="hybrid")
    assert hits[0].passage.id == "report:p0003"
    assert hits[0].dense_rank is not None and hits[0].lexical_rank is not None
    assert len(hits) == 3 and hits[0].score >= hits[1].score >= hits[2].score


def test_default_mode_and_k_come_from_settings(retriever: Retriever) -> None:
    assert len(retriever.search("Tecún Umán task force")) == 3
    assert retriever.search("Tecun Uman task force")[0].passage.id == "report:p0006"


def test_fusion_puts_agreement_first(retriever: Retriever) -> None:
    dense = [("report:p0002", 0.9), ("report:p0003", 0.8), ("report:p0004", 0.1)]
    lexical = [("report:p0003", 5.0), ("report:p0004", 4.0), ("report:p0002", 0.1)]
    scores = np.zeros(len(TEXTS), dtype=np.float32)
    scores[[1, 2, 3]] = [0.1, 5.0, 4.0]
    fused = retriever._fuse(dense, lexical, scores)
    assert fused[0].passage.id == "report:p0003"  # near the top of both lists
    assert fused[-1].passage.id == "report:p0004"  # last on dense, and only second on lexical
    assert {c.passage.id: (c.dense_rank, c.lexical_rank) for c in fused}["report:p0002"] == (1, 3)


def test_number_bonus_rewards_the_passage_holding_the_asked_number(
    retriever: Retriever, monkeypatch: pytest.MonkeyPatch
) -> None:
    query = "Mexico deported 80,079 people"
    with_bonus = {h.passage.id: h.score for h in retriever.search(query, k=10)}
    monkeypatch.setattr(retrieval, "NUMBER_BONUS", 0.0)
    without = {h.passage.id: h.score for h in retriever.search(query, k=10)}
    assert with_bonus["report:p0003"] - without["report:p0003"] == pytest.approx(0.3, abs=1e-5)
    assert with_bonus["report:p0004"] == pytest.approx(without["report:p0004"], abs=1e-5)


def test_rare_name_bonus_rewards_the_passage_naming_it(
    retriever: Retriever, monkeypatch: pytest.MonkeyPatch
) -> None:
    query = "What does the force in Huixtla do?"
    monkeypatch.setattr(retrieval, "RARE_IDF", 2.0)  # ten passages: a word in one of them is rare
    with_bonus = {h.passage.id: h.score for h in retriever.search(query, k=10)}
    monkeypatch.setattr(retrieval, "RARE_BONUS", 0.0)
    without = {h.passage.id: h.score for h in retriever.search(query, k=10)}
    assert with_bonus["report:p0008"] > without["report:p0008"]
    assert with_bonus["report:p0010"] == pytest.approx(without["report:p0010"], abs=1e-5)


def test_list_items_rise_with_their_lead_in(retriever: Retriever) -> None:
    hits = retriever.search("Which three corridors do migrants pass through?", k=3)
    ids = [h.passage.id for h in hits]
    assert "report:p0007" in ids and ("report:p0008" in ids or "report:p0009" in ids)


def test_rrf_fusion_is_a_setting(index: ChromaIndex) -> None:
    rrf = Retriever(index, FakeEmbedder(), RetrievalSettings(k=3, fetch_k=10, fusion="rrf", rrf_k=5))
    hits = rrf.search("How many people did Mexico deport in 2013?")
    assert hits[0].passage.id == "report:p0003"
    assert hits[0].dense_rank is not None and hits[0].lexical_rank is not None


def test_without_rescoring_only_fusion_orders(index: ChromaIndex) -> None:
    plain = Retriever(index, FakeEmbedder(), RetrievalSettings(k=3, fetch_k=10, rescore=False))
    assert plain.search("La Bestia freight train roof")[0].passage.id == "report:p0010"


def test_an_index_without_word_pieces_still_ranks(index: ChromaIndex, tmp_path: Path) -> None:
    class NoTokens(ChromaIndex):
        def token_vectors(self, build: str | None = None) -> dict[str, np.ndarray]:
            return {}

    bare = NoTokens(index.index_dir, FakeEmbedder(), "fp-test", "test-collection")
    hits = Retriever(bare, FakeEmbedder(), RetrievalSettings(k=3, fetch_k=10)).search("Tecún Umán task force")
    assert hits[0].passage.id == "report:p0006"


# --- LangChain ----------------------------------------------------------------------------------------------


def format_docs(docs: list[LCDocument]) -> str:
    return "\n".join(f"[{d.metadata['id']}] {d.page_content}" for d in docs)


def test_langchain_retriever_in_an_lcel_chain(retriever: Retriever) -> None:
    lc = LangChainRetriever(retriever=retriever, k=2)
    docs = lc.invoke("Where are the checkpoints near Tapachula?")
    assert len(docs) == 2
    first = docs[0]
    assert first.metadata["id"] == first.id == "report:p0005"
    assert first.metadata["section"] == "Conditions in the Border Zone > Mexican Agencies"
    assert isinstance(first.metadata["score"], float)
    text = (lc | RunnableLambda(format_docs)).invoke("Where are the checkpoints near Tapachula?")
    assert text.splitlines()[0].startswith("[report:p0005] Checkpoints stand")


def test_langchain_retriever_honours_mode(retriever: Retriever) -> None:
    docs = LangChainRetriever(retriever=retriever, k=1, mode="lexical").invoke("La Bestia")
    assert docs[0].metadata["id"] == "report:p0010"


def test_window_vectors_and_late_tokens_are_what_search_reads(index: ChromaIndex, retriever: Retriever) -> None:
    owners, vectors = index.window_vectors()
    assert sorted(set(owners)) == sorted(p.id for p in _passages()) and vectors.shape == (len(owners), FakeEmbedder().dimension)
    tokens = index.token_vectors()
    item, lead = "report:p0008", "report:p0007"  # a list item is read with its lead-in's word pieces
    assert np.array_equal(retriever.late_tokens(item), np.concatenate([tokens[item], tokens[lead]]))
    assert np.array_equal(retriever.late_tokens("report:p0005"), tokens["report:p0005"])
    assert retriever.late_tokens("report:p9999").size == 0
