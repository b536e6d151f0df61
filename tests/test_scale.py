"""Scaling pieces, fast and offline: persisted BM25, memory-mapped word pieces, length-sorted batches,
one index version per reader, the Chroma server settings and errors, and every benchmark importable."""

from __future__ import annotations

import ast
import importlib.util
import json
import socket
from pathlib import Path

import bm25s
import numpy as np
import pytest

from benchmark_modules import BENCHMARKS, load
from borderqa import lexical
from borderqa.assistant import Assistant
from borderqa.config import Settings
from borderqa.embedding import FakeEmbedder
from borderqa.errors import ConfigError, IndexNotReadyError, IndexUnavailableError
from borderqa.index import ChromaIndex, ChromaServer, length_batches
from borderqa.lexical import BM25Index, passage_terms, passage_tokens, tokenize
from borderqa.tokenstore import TokenWriter, read
from borderqa.types import Document, Passage

WORDS = ("checkpoint", "Tapachula", "migrants", "train", "Guatemala", "asylum", "86,298", "deported", "river", "police")


def _passages(n: int, tag: str = "") -> list[Passage]:
    return [
        Passage(f"doc:p{i:04d}", "doc", ("Section",), i + 1, i + 1,
                f"{tag}{WORDS[i % len(WORDS)]} and {WORDS[(3 * i + 1) % len(WORDS)]} near passage {i} " * (1 + i % 3))
        for i in range(n)
    ]


def _document(passages: list[Passage]) -> Document:
    text = "\n".join(p.text for p in passages)
    return Document("doc", "A document", "report", "text", "doc.txt", text, str(hash(text)))


def test_length_batches_put_the_longest_texts_first_and_cover_every_text() -> None:
    texts = ["aa", "a", "aaaa", "aaa", ""]
    batches = length_batches(texts, 2)
    assert batches == [[2, 3], [0, 1], [4]]
    assert sorted(i for b in batches for i in b) == list(range(len(texts)))


def test_saved_bm25_scores_as_the_one_built_in_memory(tmp_path: Path) -> None:
    passages = _passages(40)
    built = BM25Index(passages)
    built.save(tmp_path / "bm25")
    loaded = BM25Index.load(tmp_path / "bm25", passages)
    for q in ("checkpoint in Tapachula", "86,298 deported", "nothing matches zzz"):
        assert np.allclose(built.scores(q), loaded.scores(q))
        assert built.search(q, 5) == loaded.search(q, 5)


def test_bm25_indexes_the_weighted_fields_and_keeps_each_passages_own_words() -> None:
    passages = _passages(12)
    index = BM25Index(passages)
    for i, p in enumerate(passages):
        assert index.words.words(i) == set(tokenize(p.text)) | {"section"}  # its words and its setting's
        assert index.words.words(i) == set(passage_terms(p))
    df = index.words.document_frequency
    assert df["tapachula"] == sum("tapachula" in tokenize(p.text) for p in passages)
    assert df["section"] == len(passages)
    reference = bm25s.BM25(k1=1.2, b=0.5)
    reference.index([passage_tokens(p) for p in passages], show_progress=False)
    assert np.allclose(index.scores("checkpoint river"), reference.get_scores(["checkpoint", "river"]))


def test_saved_bm25_over_other_passages_is_rebuilt_not_trusted(tmp_path: Path) -> None:
    BM25Index(_passages(40)).save(tmp_path / "bm25")
    other = _passages(40, tag="river ")
    loaded = BM25Index.load(tmp_path / "bm25", other)
    assert np.allclose(loaded.scores("river police"), BM25Index(other).scores("river police"))
    assert np.allclose(BM25Index.load(tmp_path / "missing", other).scores("river"), BM25Index(other).scores("river"))


def test_saved_bm25_with_another_word_table_version_is_not_copied_or_trusted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    passages = _passages(10)
    monkeypatch.setattr(lexical, "WORDS_VERSION", lexical.WORDS_VERSION - 1)
    BM25Index(passages).save(tmp_path / "bm25")
    monkeypatch.undo()
    assert not BM25Index.is_saved_for(tmp_path / "bm25", passages)  # a rebuild makes it again
    assert BM25Index.load(tmp_path / "bm25", passages).words.words(0) == set(passage_terms(passages[0]))


def test_word_pieces_are_written_in_order_and_reused_from_the_old_build(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    a, b, c = (rng.standard_normal((n, 8)).astype(np.float32) for n in (3, 1, 5))
    (tmp_path / "old").mkdir()
    w = TokenWriter(tmp_path / "old")
    w.add("ka", a)
    w.add("kb", b)
    w.finish(["ka", "kb"], ["p1", "p2"], read(tmp_path / "nothing"))
    old = read(tmp_path / "old")
    assert set(old) == {"ka", "kb"} and np.allclose(old["ka"], a, atol=1e-2)
    (tmp_path / "new").mkdir()
    w = TokenWriter(tmp_path / "new")
    w.add("kc", c)
    w.finish(["kc", "kb", "ka"], ["p3", "p2", "p1"], old)  # new vectors and reused ones, in passage order
    by_id = read(tmp_path / "new", key="ids")
    assert list(by_id) == ["p3", "p2", "p1"]
    assert np.allclose(by_id["p3"], c, atol=1e-2) and np.allclose(by_id["p1"], a, atol=1e-2)
    assert by_id["p2"].dtype == np.float32 and not (tmp_path / "new" / "tokens-new.f16").exists()


def test_a_reader_follows_a_rebuild_made_by_another_process(tmp_path: Path) -> None:
    """Vectors, BM25 and passages always come from the build the manifest names, and switch together."""
    settings = Settings.load(corpus_dir=tmp_path, index_dir=tmp_path / "index")
    first = _passages(30)
    builder = ChromaIndex(settings.index_dir, FakeEmbedder(), "fp")
    builder.build([_document(first)], first, "v1")
    reader = Assistant(settings, FakeEmbedder(), ChromaIndex(settings.index_dir, FakeEmbedder(), "fp"))
    before = reader.retriever.build
    assert not any("zebra" in h.passage.text for h in reader.search("zebra crossing", mode="lexical"))

    second = [*first, Passage("doc:p9999", "doc", ("Section",), 99, 99, "A zebra crossing at the river.")]
    builder.build([_document(second)], second, "v1")
    for mode in ("lexical", "dense", "hybrid"):
        assert reader.search("zebra crossing", k=3, mode=mode)[0].passage.id == "doc:p9999", mode
    assert reader.retriever.build != before == json.loads((settings.index_dir / "manifest.json").read_text())["previous"]
    # a worker still holding the previous build can finish its question from it
    assert reader.index.query(FakeEmbedder().embed_query("zebra"), 3, build=before)


def test_a_reader_never_opens_a_build_that_was_removed(tmp_path: Path) -> None:
    index = ChromaIndex(tmp_path / "index", FakeEmbedder(), "fp")
    passages = _passages(10)
    index.build([_document(passages)], passages, "v1")
    with pytest.raises(IndexNotReadyError, match="borderqa index"):
        index.passages(build="build-gone")


def test_bad_server_url_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="http://host:port"):
        ChromaServer("localhost:8000").client()


def test_server_that_does_not_answer_is_503_and_says_what_to_do(tmp_path: Path) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again: nothing listens there
    index = ChromaIndex(tmp_path / "index", FakeEmbedder(), "fp", server=ChromaServer(f"http://127.0.0.1:{port}"))
    passages = _passages(5)
    with pytest.raises(IndexUnavailableError, match="make chroma") as err:
        index.build([_document(passages)], passages, "v1")
    assert err.value.http_status == 503 and err.value.exit_code == 7
    assert isinstance(err.value, IndexNotReadyError)  # any API mapping IndexNotReadyError to 503 covers it


def test_server_settings_come_from_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("BORDERQA_CHROMA_URL", "http://127.0.0.1:8765")
    monkeypatch.setenv("BORDERQA_CHROMA_TOKEN", "s3cret")
    a = Assistant.from_settings(Settings.load(index_dir=tmp_path / "index"))
    assert a.index.server == ChromaServer("http://127.0.0.1:8765", "s3cret")
    assert a.index.location == "http://127.0.0.1:8765"


@pytest.mark.parametrize("path", sorted(BENCHMARKS.glob("*.py")), ids=lambda p: p.name)
def test_every_benchmark_imports(path: Path) -> None:
    """A benchmark whose dependencies are not installed by ``make`` (the ``bench`` extra) fails here, not on
    first use: the module loads, and every package it imports, at the top or inside a function, is there."""
    module = load(path)
    assert callable(module.main)
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module.split(".")[0])
    missing = sorted(n for n in names - {"__future__"} if importlib.util.find_spec(n) is None)
    assert not missing, f"{path.name} imports {missing}: declare them in pyproject's bench extra"
