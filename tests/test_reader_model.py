"""The reader's network, training loop and loading: a few real training steps on a tiny subset (so the
training code cannot rot), the shipped weights hash-checked, and damaged weights refused clearly."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from borderqa.chunking import split_corpus
from borderqa.corpus import load_corpus
from borderqa.embedding import file_sha256
from borderqa.errors import ModelError
from borderqa.reader.examples import ReaderExample
from borderqa.reader.model import SHIPPED_SHA256, WEIGHTS_FILE
from borderqa.reader.reading import TrainedReader
from borderqa.reader.train import TrainConfig, train

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[1]


def _base() -> Path:
    from borderqa.embedding import packaged_model_path

    return packaged_model_path()


@pytest.fixture(scope="module")
def passages() -> dict[str, object]:
    return {p.id: p for p in split_corpus(load_corpus(ROOT / "corpus").documents)}


def _tiny_set(passages: dict[str, object]) -> list[ReaderExample]:
    out = []
    for p in list(passages.values())[40:52]:
        words = p.text.split()  # type: ignore[attr-defined]
        if len(words) < 12:
            continue
        answer = " ".join(words[4:7])
        start = p.text.find(answer)  # type: ignore[attr-defined]
        out.append(ReaderExample(f"a-{p.id}", f"What follows {' '.join(words[1:4])}?", p.id, p.sha, "answer", answer, start))  # type: ignore[attr-defined]
        out.append(ReaderExample(f"n-{p.id}", "How many llamas live in Peru?", p.id, p.sha, "none", kind="attribute"))  # type: ignore[attr-defined]
    return out


def test_a_few_training_steps_write_loadable_weights(tmp_path: Path, passages: dict[str, object]) -> None:
    out = tmp_path / "reader.safetensors"
    steps: list[int] = []
    report = train(_tiny_set(passages), passages, _base(), out, TrainConfig(epochs=1, groups_per_batch=2, max_steps=3, layers=2),  # type: ignore[arg-type]
                   progress=lambda s, total, loss: steps.append(s))
    assert report.steps == 3 and steps == [1, 2, 3]
    assert report.labels["answer"] == report.examples // 2 and report.items == sum(report.labels.values())
    assert report.labels["none"] > report.labels["answer"]  # each answer's sibling sentences, and the attribute questions
    reader = TrainedReader(_base(), out, file_sha256(out), threads=1)
    read = list(passages.values())[40:42]
    readings = reader.read("How many Marines?", read)  # type: ignore[arg-type]
    assert len(readings) == 2
    for r, p in zip(readings, read, strict=True):
        assert r.passage is p and len(r.answers) == len(r.sentences) >= 1 and r.answer == max(r.answers) == r.answers[r.best]
        assert 0 <= r.answer <= 1 and 0 <= r.contradicts <= 1
        assert r.span == "" or (r.span in r.passage.text and r.span in r.sentences[r.best])
    again = reader.read("How many Marines?", read)
    assert all(x is y for x, y in zip(again, readings, strict=True))  # kept: read once per (question, passage)


def test_a_stopped_training_run_resumes_from_its_last_epoch(tmp_path: Path, passages: dict[str, object]) -> None:
    data = _tiny_set(passages)  # 24 questions: 3 steps an epoch at 8 questions a batch
    ckpt_dir = tmp_path / "ckpt"
    out = tmp_path / "r.safetensors"
    config = TrainConfig(epochs=2, groups_per_batch=8, layers=1)
    first = train(data, passages, _base(), out, replace(config, max_steps=4), checkpoint_dir=ckpt_dir)  # type: ignore[arg-type]
    assert first.steps == 4 and (ckpt_dir / "reader-train.pt").is_file()  # stopped inside epoch 2
    second = train(data, passages, _base(), out, config, checkpoint_dir=ckpt_dir)  # type: ignore[arg-type]
    assert second.resumed_from == 1 and second.steps == 6
    assert not (ckpt_dir / "reader-train.pt").exists()  # finished: nothing left to resume


def test_shipped_weights_match_their_pinned_hash() -> None:
    assert WEIGHTS_FILE.is_file(), "the reader weights must ship with the code"
    assert SHIPPED_SHA256 and file_sha256(WEIGHTS_FILE) == SHIPPED_SHA256


def _pair(passages: dict[str, object]) -> tuple[object, object]:
    answering = next(p for p in passages.values() if "54 or 108" in p.text)  # type: ignore[attr-defined]
    other = next(p for p in passages.values() if "Hurricane Stan" in p.text)  # type: ignore[attr-defined]
    return answering, other


def test_shipped_reader_finds_the_sentence_that_answers(passages: dict[str, object]) -> None:
    reader = TrainedReader(_base(), WEIGHTS_FILE, SHIPPED_SHA256)
    answering, other = _pair(passages)
    yes, no = reader.read("How many Marines does each naval station have?", [answering, other])  # type: ignore[list-item]
    assert yes.answer > no.answer
    assert "54 or 108" in yes.sentences[yes.best] and "54 or 108" in yes.span
    (cost,) = reader.read("How much did the naval stations cost to build?", [answering])  # type: ignore[list-item]
    assert cost.answer < yes.answer  # the attribute the passage lacks


def test_onnx_runtime_reads_as_torch_does_and_an_altered_export_is_made_again(tmp_path: Path, passages: dict[str, object]) -> None:
    answering, other = _pair(passages)
    q = "How many Marines does each naval station have?"
    torch_reader = TrainedReader(_base(), WEIGHTS_FILE, SHIPPED_SHA256)
    onnx_reader = TrainedReader(_base(), WEIGHTS_FILE, SHIPPED_SHA256, onnx_dir=tmp_path)
    expected = torch_reader.read(q, [answering, other])  # type: ignore[list-item]
    got = onnx_reader.read(q, [answering, other])  # type: ignore[list-item]
    assert (torch_reader.backend, onnx_reader.backend) == ("torch", "onnx")
    for e, g in zip(expected, got, strict=True):
        assert abs(e.answer - g.answer) < 1e-4 and abs(e.contradicts - g.contradicts) < 1e-4
        assert (e.start, e.end) == (g.start, g.end) and abs(e.span_score - g.span_score) < 1e-3
    (export,) = tmp_path.glob("reader-*.onnx")
    import onnx

    # traced with plain attention: no NaN guards of the scaled-dot-product path, and torch's network is left on
    # its own attention afterwards
    assert not [n for n in onnx.load(str(export)).graph.node if n.op_type == "IsNaN"]
    assert onnx_reader.load().net.encoder.config._attn_implementation == torch_reader.load().net.encoder.config._attn_implementation
    export.write_bytes(export.read_bytes()[:-8] + b"\0" * 8)  # no longer the file its record names
    again = TrainedReader(_base(), WEIGHTS_FILE, SHIPPED_SHA256, onnx_dir=tmp_path)
    assert abs(again.read(q, [answering])[0].answer - expected[0].answer) < 1e-4  # type: ignore[list-item]
    assert again.backend == "onnx" and export.read_bytes()[-8:] != b"\0" * 8  # exported anew, not trusted


def test_the_int8_reader_ranks_as_fp32_does_and_a_graph_too_far_from_torch_is_refused(
    tmp_path: Path, passages: dict[str, object], monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from borderqa.reader import onnx

    answering, other = _pair(passages)
    q = "How many Marines does each naval station have?"
    fp32 = TrainedReader(_base(), WEIGHTS_FILE, SHIPPED_SHA256, onnx_dir=tmp_path).read(q, [answering, other])  # type: ignore[list-item]
    int8 = TrainedReader(_base(), WEIGHTS_FILE, SHIPPED_SHA256, onnx_dir=tmp_path, int8=True)
    got = int8.read(q, [answering, other])  # type: ignore[list-item]
    assert int8.backend == "onnx-int8" and len(list(tmp_path.glob("reader-*-int8.onnx"))) == 1
    assert got[0].answer > got[1].answer and got[0].best == fp32[0].best
    assert all(abs(e.answer - g.answer) < onnx.MAX_INT8_PROB_DIFFERENCE for e, g in zip(fp32, got, strict=True))
    assert got[0].answer != fp32[0].answer  # the int8 graph, not the fp32 one
    monkeypatch.setattr(onnx, "MAX_INT8_PROB_DIFFERENCE", 1e-6)  # a graph moved more than allowed stays unused
    strict = TrainedReader(_base(), WEIGHTS_FILE, SHIPPED_SHA256, onnx_dir=tmp_path, int8=True)
    assert strict.read(q, [answering]) and strict.backend == "torch" and "runs on torch" in caplog.text  # type: ignore[list-item]


def test_a_reader_export_that_fails_leaves_the_reader_on_torch(
    tmp_path: Path, passages: dict[str, object], monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from borderqa.reader import onnx

    def broken(*_: object) -> Path:
        raise ModelError("exporting the reader needs the onnx package")

    monkeypatch.setattr(onnx, "exported_reader", broken)
    reader = TrainedReader(_base(), WEIGHTS_FILE, SHIPPED_SHA256, onnx_dir=tmp_path)
    answering, _ = _pair(passages)
    assert reader.read("How many Marines does each naval station have?", [answering])  # type: ignore[list-item]
    assert reader.backend == "torch" and "runs on torch" in caplog.text


def test_damaged_weights_are_refused_with_a_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "reader.safetensors"
    bad.write_bytes(WEIGHTS_FILE.read_bytes()[:-100] + b"\0" * 100)
    with pytest.raises(ModelError, match="sha256"):
        TrainedReader(_base(), bad, SHIPPED_SHA256).load()
    torn = tmp_path / "torn.safetensors"
    torn.write_bytes(b"\xff" * 16 + WEIGHTS_FILE.read_bytes()[16:4096])  # a damaged header, no hash to compare
    with pytest.raises(ModelError, match=r"cannot be read|not a BorderQA reader"):
        TrainedReader(_base(), torn, "").load()
    with pytest.raises(ModelError, match="missing"):
        TrainedReader(_base(), tmp_path / "nothing.safetensors", SHIPPED_SHA256).load()


def test_cli_reader_train_smoke_run_writes_weights_and_card(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from borderqa.cli import main
    from borderqa.reader.data import DATA_DIR, EXAMPLES_FILE

    lines = (DATA_DIR / EXAMPLES_FILE).read_text(encoding="utf-8").splitlines()
    dev = [ln for ln in lines if '"split": "dev"' in ln][:8]
    data = tmp_path / "tiny.jsonl"
    data.write_text("\n".join(lines[:24] + dev) + "\n", encoding="utf-8")
    out = tmp_path / "w" / "reader.safetensors"
    result = CliRunner().invoke(main, ["reader", "train", "--data", str(data), "--out", str(out), "--epochs", "1",
                                       "--layers", "1", "--max-steps", "2"])
    assert result.exit_code == 0, result.output
    assert out.is_file() and (out.parent / "CARD.md").is_file()
    assert f"BORDERQA_READER__SHA256={file_sha256(out)}" in result.output
