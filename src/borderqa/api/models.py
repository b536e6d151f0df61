"""Pydantic request and response models of the HTTP API (they are its OpenAPI schema)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from borderqa.config import SearchMode
from borderqa.types import Turn

# A backstop: the Assistant's own, configurable limit is lower (answering.max_question_chars).
MAX_QUESTION_CHARS = 100_000


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _Question(_Model):
    question: str = Field(max_length=MAX_QUESTION_CHARS, examples=["How long is Mexico's southern border?"])

    @field_validator("question")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("the question is empty: type a question about the report")
        return value


class SearchRequest(_Question):
    k: int | None = Field(default=None, ge=1, le=100, description="How many passages (default: settings).")
    mode: SearchMode | None = Field(default=None, description="Retrieval mode (default: settings).")
    documents: list[str] | None = Field(
        default=None, description="Only these document ids (default: every document).", examples=[["report"]]
    )


class TurnModel(_Model):
    role: Literal["user", "assistant"]
    content: str = Field(max_length=MAX_QUESTION_CHARS)


class AskRequest(_Question):
    history: list[TurnModel] = Field(default_factory=list, description="Earlier turns, oldest first.")
    generator: str | None = Field(
        default=None, description="extractive, local or openai (default: settings).", examples=["extractive"]
    )
    stream: bool = Field(
        default=False,
        description="Server-sent events: `token` events with draft text, then one `answer` event "
        "carrying the whole verified answer (or an `error` event).",
    )
    documents: list[str] | None = Field(
        default=None, description="Answer only from these document ids (default: every document).", examples=[["report"]]
    )

    def turns(self) -> list[Turn]:
        return [Turn(t.role, t.content) for t in self.history]


class HitModel(BaseModel):
    id: str
    document: str
    section: str
    paragraph: int
    page: int | None = None
    locator: str = ""
    text: str
    score: float


class SearchResponse(BaseModel):
    question: str
    hits: list[HitModel]


class SourceSupportModel(BaseModel):
    """What the source behind a report anchor says about the cited sentence (two-hop provenance)."""

    claim: str
    anchor: str
    document: str
    document_title: str
    found: bool
    id: str | None
    locator: str | None
    page: int | None
    text: str | None
    quote: str
    score: float
    note: str


class CitationModel(BaseModel):
    marker: int
    id: str
    document: str
    section: str
    paragraph: int
    text: str
    quotes: list[str]
    document_title: str = ""
    locator: str = ""
    page: int | None = None
    sources: list[SourceSupportModel] = []


class SentenceModel(BaseModel):
    text: str
    citations: list[int]
    verdict: Literal["supported", "repaired", "dropped"]
    role: str


class AnswerResponse(BaseModel):
    """``serialize.answer_to_dict``: the one answer shape of the CLI, the API and the UI."""

    question: str
    standalone_question: str
    answer: str
    answerable: bool
    status: Literal["answered", "not_in_report", "false_premise"]
    lead: str
    span: str
    reason: str
    confidence: float | None
    generator: str
    citations: list[CitationModel]
    sentences: list[SentenceModel]
    related_sections: list[str]
    timings: dict[str, float]


class PassageModel(BaseModel):
    id: str
    document: str
    section: str
    paragraph: int
    ordinal: int
    kind: str
    lines: list[int]
    text: str
    cites: list[str] = Field(description="The report's own citation anchors (link texts) in this passage.")
    context_id: str | None
    pages: list[int] = [0, 0]
    locator: str = ""


class PassagesResponse(BaseModel):
    count: int
    passages: list[PassageModel]


class PassageDetail(PassageModel):
    previous: PassageModel | None = Field(description="The passage before it in its document.")
    next: PassageModel | None = Field(description="The passage after it in its document.")
    context: PassageModel | None = Field(description="The lead-in of a list item or quote.")
    url: str


class DocumentModel(BaseModel):
    id: str
    title: str
    kind: str
    format: str
    file: str
    authors: list[str]
    publisher: str
    date: str
    passages: int = Field(description="Passages of this document in the index.")


class DocumentsResponse(BaseModel):
    count: int
    documents: list[DocumentModel]


class LiveResponse(BaseModel):
    status: Literal["ok"]


class ReadyResponse(BaseModel):
    ready: bool
    passages: int
    generator: str
    index: dict[str, Any]
    error: str | None = None


class ErrorResponse(BaseModel):
    error: str


# --- OpenAI-compatible --------------------------------------------------------------------------------


class _Open(BaseModel):
    # OpenAI clients send many optional parameters (temperature, seed, user, ...): accepted, unused.
    model_config = ConfigDict(extra="allow")


class ContentPart(_Open):
    type: str
    text: str | None = None


class ChatMessage(_Open):
    role: Literal["system", "developer", "user", "assistant", "tool", "function"]
    content: str | list[ContentPart] | None = None

    def text(self) -> str:
        if isinstance(self.content, list):
            return "\n".join(p.text for p in self.content if p.type == "text" and p.text)
        return self.content or ""


class StreamOptions(_Open):
    include_usage: bool = False


class ChatRequest(_Open):
    model: str = Field(examples=["borderqa"])
    messages: list[ChatMessage] = Field(min_length=1)
    stream: bool = False
    stream_options: StreamOptions | None = None
    n: int | None = Field(default=None, ge=1, le=1, description="Only one choice is made.")


class UrlCitation(BaseModel):
    start_index: int
    end_index: int
    title: str
    url: str


class Annotation(BaseModel):
    type: Literal["url_citation"]
    url_citation: UrlCitation


class ChatCitation(CitationModel):
    quote: str
    verdict: Literal["supported", "repaired", "dropped"]
    url: str


class AssistantMessage(BaseModel):
    role: Literal["assistant"]
    content: str
    refusal: str | None
    annotations: list[Annotation]


class Choice(BaseModel):
    index: int
    message: AssistantMessage
    finish_reason: Literal["stop"]
    logprobs: None = None


class Usage(BaseModel):
    prompt_tokens: int
    completion_tokens: int
    total_tokens: int


class ChatCompletion(BaseModel):
    id: str
    object: Literal["chat.completion"]
    created: int
    model: str
    choices: list[Choice]
    usage: Usage
    citations: list[ChatCitation] = Field(description="Every cited paragraph in full (BorderQA's extra).")


class ModelCard(BaseModel):
    id: str
    object: Literal["model"]
    created: int
    owned_by: str


class ModelList(BaseModel):
    object: Literal["list"]
    data: list[ModelCard]


class OpenAIErrorDetail(BaseModel):
    message: str
    type: str
    param: str | None
    code: str | None


class OpenAIError(BaseModel):
    error: OpenAIErrorDetail
