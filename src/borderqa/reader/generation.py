"""Questions the local model writes about one passage: the prompt, the line-format parser, the span check.

One prompt per passage. The instruction and the worked example (an invented passage, so that no report
fact is suggested to the model) come first and are the same for every call, so llama.cpp reuses their
evaluated tokens; only the passage is new. The model answers in a strict line format::

    Q: <question the passage answers> | A: <short answer copied from the passage>
    FP: <question with a premise the passage contradicts> | C: <the passage's sentence that corrects it>

``parse_lines`` reads that format and the usual ways a small model strays from it (numbering, bold
markers, "Question:"/"Answer:", the answer on the next line, quotes around the answer). ``check`` keeps a
question only when its answer occurs in the passage (``locate``: case, quotes, dashes and white space
folded; the offset is into ``passage.text`` and the kept answer is the passage's own characters), the
answer is short (at most ``MAX_ANSWER_WORDS``), and the question is a real question that does not itself
contain the answer. A false premise's correction is widened to the whole sentence(s) it falls in.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal, Protocol

from borderqa.sentences import split_sentences
from borderqa.types import Passage

if TYPE_CHECKING:
    from borderqa.answering.local import LlamaCppGenerator

QuestionKind = Literal["answer", "false_premise"]

MAX_ANSWER_WORDS = 12
MIN_CORRECTION_WORDS = 2
MIN_QUESTION_WORDS = 4
MAX_QUESTION_WORDS = 35
PASSAGE_CHARS = 1200  # longer passages are shown up to the sentence that crosses this (prompt time)
CONTEXT_CHARS = 300  # lead-in shown with a list item or quote
MAX_TOKENS = 150

SYSTEM = """You write training questions about one passage of a report on Mexico's southern border.
Reply with exactly 3 lines in this format and nothing else:
Q: <a question the passage answers> | A: <the answer, copied word for word from the passage>
Q: <another question> | A: <its answer, copied word for word>
FP: <a question that wrongly assumes something the passage contradicts> | C: <the words of the passage \
that correct it, copied word for word>
Each answer is a short exact phrase of the passage: a number, name, date or phrase of at most 12 words. \
A question must not contain its answer."""

EXAMPLE_NAME = "Puerto Verde"  # invented: a question naming it copied the example, not the passage
EXAMPLE_PASSAGE = (
    "The Puerto Verde checkpoint opened in March 2013 and is staffed by 40 federal police officers. "
    "Officials say it stops about 300 migrants a month, most of them from Guatemala."
)
EXAMPLE_REPLY = """Q: How many federal police officers staff the Puerto Verde checkpoint? | A: 40
Q: Where are most of the migrants stopped at Puerto Verde from? | A: Guatemala
FP: Why did the Puerto Verde checkpoint close in 2013? | C: opened in March 2013"""

_QUESTION_WORDS = frozenset(
    ["what", "which", "who", "whom", "whose", "when", "where", "why", "how", "is", "are", "was", "were", "do", "does", "did", "can", "could", "has", "have", "had", "will", "would", "should"]
)
_TAG_RE = re.compile(
    r"^(?P<tag>fp|false[\s_-]*premise(?:\s+question)?|q|question)\s*\d*\s*[:.)\]-]\s*(?P<rest>.*)$", re.I
)
_ANSWER_TAG_RE = re.compile(r"^(?P<tag>a|answer|c|correction|correcting sentence)\s*[:.)\]-]\s*(?P<rest>.*)$", re.I)
_SPLIT_RE = re.compile(r"\s*\|\s*(?:(?:a|answer|c|correction)\s*[:.-]\s*)?|\s+(?:a|answer|c|correction)\s*:\s*", re.I)
_QUOTE_CHARS = "\"'“”‘’`«»"


@dataclass(frozen=True)
class ParsedLine:
    kind: QuestionKind
    question: str
    answer: str


@dataclass(frozen=True)
class GeneratedQuestion:
    """A kept question: ``answer`` is ``passage.text[answer_start:answer_start + len(answer)]``."""

    kind: QuestionKind
    question: str
    answer: str
    answer_start: int


@dataclass(frozen=True)
class Checked:
    kept: tuple[GeneratedQuestion, ...]
    dropped: tuple[tuple[str, str], ...] = field(default=())  # (question, reason)


class QuestionWriter(Protocol):
    """Writes the raw model reply for one passage (the line format above)."""

    def write(self, passage: Passage) -> str: ...


# --- the prompt ----------------------------------------------------------------------------------


def shown_text(passage: Passage) -> str:
    """The passage as the model sees it: its lead-in (list items, quotes), then its text, trimmed."""
    text = passage.text
    if len(text) > PASSAGE_CHARS:
        cut = 0
        for sentence in split_sentences(text):
            cut = text.find(sentence, cut) + len(sentence)
            if cut >= PASSAGE_CHARS:
                break
        text = text[: max(cut, PASSAGE_CHARS)]
    if passage.context and passage.kind in ("list_item", "quote"):
        lead = passage.context if len(passage.context) <= CONTEXT_CHARS else passage.context[-CONTEXT_CHARS:]
        return f"(Lead-in: {lead})\nPassage: {text}"
    return f"Passage: {text}"


def question_messages(passage: Passage, false_premise: bool = True) -> list[dict[str, str]]:
    """The prompt for ``passage``; without ``false_premise`` the FP line is not asked for (a third fewer
    tokens to write: for a quick pass over every passage)."""
    system, reply = SYSTEM, EXAMPLE_REPLY
    if not false_premise:
        system = re.sub(r"\nFP: .*?word for word>", "", system.replace("exactly 3 lines", "exactly 2 lines"), flags=re.S)
        reply = reply.rsplit("\n", 1)[0]
    return [
        {"role": "system", "content": system},
        {"role": "user", "content": f"Passage: {EXAMPLE_PASSAGE}"},
        {"role": "assistant", "content": reply},
        {"role": "user", "content": shown_text(passage)},
    ]


class LlamaQuestionWriter:
    """The local model (loaded, hash-checked and locked by ``LlamaCppGenerator``) at temperature 0."""

    def __init__(self, generator: LlamaCppGenerator, max_tokens: int = MAX_TOKENS, false_premise: bool = True) -> None:
        self._generator = generator
        self._max_tokens = max_tokens
        self._false_premise = false_premise

    def write(self, passage: Passage) -> str:
        return self._generator.complete(question_messages(passage, self._false_premise), self._max_tokens)


# --- one prompt per sentence ----------------------------------------------------------------------

MIN_SENTENCE_WORDS = 8  # shorter sentences (headings, "We can attest to that.") state too little to ask about
SENTENCE_MAX_TOKENS = 110

SENTENCE_SYSTEM = """You write quiz questions about a report on Mexico's southern border. You get a passage \
and one sentence from it.
Write two different questions that this sentence answers, as a reader who has not seen the passage would ask \
them: in your own words, naming what they are about (never "it", "this", "they", "the passage" or "the \
report"). Ask about a specific fact the sentence states (a number, name, place, date, cause, act or opinion), \
never about "the main topic", "the purpose" or "the passage". After each question, copy the words of the \
sentence that answer it.
Reply with exactly two lines and nothing else:
Q: <question> | A: <answer words copied from the sentence>
Q: <a second question, worded differently> | A: <answer words copied from the sentence>"""
EXAMPLE_SENTENCE = "Officials say it stops about 300 migrants a month, most of them from Guatemala."
EXAMPLE_SENTENCE_REPLY = """Q: Roughly how many migrants does the Puerto Verde checkpoint stop each month? | A: about 300 migrants a month
Q: Where do most of the migrants stopped at Puerto Verde come from? | A: Guatemala"""


def sentence_messages(passage: Passage, sentence: str) -> list[dict[str, str]]:
    """The prompt asking for two questions that ``sentence`` (of ``passage``) answers: the passage comes
    before the sentence, so the prompts for one passage's sentences share everything but their end."""
    return [
        {"role": "system", "content": SENTENCE_SYSTEM},
        {"role": "user", "content": f"Passage: {EXAMPLE_PASSAGE}\nSentence: {EXAMPLE_SENTENCE}"},
        {"role": "assistant", "content": EXAMPLE_SENTENCE_REPLY},
        {"role": "user", "content": f"(Section: {passage.section})\n{shown_text(passage)}\nSentence: {sentence}"},
    ]


def asked_sentences(passage: Passage) -> list[str]:
    """The sentences of ``passage`` worth a question each (``MIN_SENTENCE_WORDS`` words or more)."""
    return [s for s in split_sentences(passage.text) if len(s.split()) >= MIN_SENTENCE_WORDS]


class LlamaSentenceQuestionWriter:
    """Two questions per sentence (``sentence_messages``), by the local model at temperature 0; the
    replies are joined into one, in the line format ``parse_lines`` reads. Questions about one sentence
    are sharper than two about a whole passage: they name what that sentence states, so the reader
    learns which sentence answers, not only which passage."""

    def __init__(self, generator: LlamaCppGenerator, max_tokens: int = SENTENCE_MAX_TOKENS) -> None:
        self._generator = generator
        self._max_tokens = max_tokens

    def write(self, passage: Passage) -> str:
        replies = [self._generator.complete(sentence_messages(passage, s), self._max_tokens) for s in asked_sentences(passage)]
        return "\n".join(r.strip() for r in replies if r.strip())


# --- parsing -------------------------------------------------------------------------------------


def _clean_line(line: str) -> str:
    line = line.strip().replace("**", "").replace("__", "")
    line = re.sub(r"^(?:[-*•#>]+\s*|\d+[.)]\s+)+", "", line)
    return line.strip()


def _strip_answer(answer: str) -> str:
    answer = answer.strip().rstrip("|").strip()
    if len(answer) >= 2 and answer[0] in _QUOTE_CHARS and answer[-1] in _QUOTE_CHARS:
        answer = answer[1:-1].strip()
    elif len(answer) >= 3 and answer[0] in _QUOTE_CHARS and answer[-2] in _QUOTE_CHARS and answer[-1] in ".,;":
        answer = answer[1:-2].strip()
    return answer


def parse_lines(raw: str) -> list[ParsedLine]:
    """The (kind, question, answer) triples in a model reply; lines that fit no pattern are ignored."""
    out: list[ParsedLine] = []
    pending: tuple[QuestionKind, str] | None = None
    for line in (_clean_line(x) for x in raw.splitlines()):
        if not line:
            continue
        tagged = _TAG_RE.match(line)
        if tagged:
            kind: QuestionKind = "false_premise" if tagged["tag"].lower().startswith(("f",)) else "answer"
            parts = _SPLIT_RE.split(tagged["rest"].strip(), maxsplit=1)
            question = parts[0].strip().strip(_QUOTE_CHARS).strip()
            if len(parts) == 2 and parts[1].strip():
                out.append(ParsedLine(kind, question, _strip_answer(parts[1])))
                pending = None
            else:
                pending = (kind, question)
            continue
        answered = _ANSWER_TAG_RE.match(line)
        if answered and pending is not None:
            out.append(ParsedLine(pending[0], pending[1], _strip_answer(answered["rest"])))
            pending = None
    return out


# --- the span check ------------------------------------------------------------------------------

_CHAR_MAP = {"’": "'", "‘": "'", "`": "'", "“": '"', "”": '"', "«": '"', "»": '"', "–": "-", "—": "-", "‑": "-"}


def normalise(text: str) -> tuple[str, list[int]]:
    """Text folded for matching (lower case, no accents, plain quotes and dashes, single spaces), and
    for every folded character the index of the original character it came from."""
    out: list[str] = []
    where: list[int] = []
    for i, ch in enumerate(text):
        if ch.isspace():
            if out and out[-1] != " ":
                out.append(" ")
                where.append(i)
            continue
        ch = _CHAR_MAP.get(ch, ch)
        for c in unicodedata.normalize("NFKD", ch):
            if not unicodedata.combining(c):
                out.append(c.lower())
                where.append(i)
    while out and out[-1] == " ":
        out.pop()
        where.pop()
    return "".join(out), where


def folded(text: str) -> str:
    return normalise(text)[0]


def _bounded(hay: str, start: int, end: int) -> bool:
    before = hay[start - 1] if start > 0 else " "
    after = hay[end] if end < len(hay) else " "
    return not (hay[start].isalnum() and before.isalnum()) and not (hay[end - 1].isalnum() and after.isalnum())


def find_phrase(phrase: str, text: str) -> int:
    """Where a normalised ``phrase`` starts in normalised ``text`` at word boundaries, or -1."""
    start = text.find(phrase)
    while start >= 0:
        if _bounded(text, start, start + len(phrase)):
            return start
        start = text.find(phrase, start + 1)
    return -1


def locate(phrase: str, text: str) -> tuple[int, int] | None:
    """The (start, end) character range in ``text`` of ``phrase``, folded as ``normalise`` folds, at word
    boundaries; a trailing period or comma of the phrase may be missing from the text."""
    hay, where = normalise(text)
    for candidate in dict.fromkeys((phrase, phrase.rstrip(".,;:"))):
        needle = folded(candidate.strip())
        if not needle:
            continue
        k = find_phrase(needle, hay)
        if k >= 0:
            return where[k], where[k + len(needle) - 1] + 1
    return None


def contains_phrase(text: str, phrase: str) -> bool:
    needle = folded(phrase.strip().rstrip(".,;:"))
    return bool(needle) and find_phrase(needle, folded(text)) >= 0


def sentence_range(text: str, start: int, end: int) -> tuple[int, int]:
    """Widen [start, end) to the sentence(s) of ``text`` it overlaps."""
    cursor = 0
    lo, hi = start, end
    for sentence in split_sentences(text):
        s = text.find(sentence, cursor)
        if s < 0:
            break
        e = s + len(sentence)
        cursor = e
        if s < end and e > start:
            lo, hi = min(lo, s), max(hi, e)
    return lo, hi


def _initials(text: str) -> str:
    """"U. S." as the report writes it, "U.S."."""
    return re.sub(r"\b([A-Z])\. (?=[A-Z]\.)", r"\1.", text)


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    """A short answer without the punctuation that ends its clause ("Morales." -> "Morales"; "U.S." stays)."""
    while end > start + 1 and (
        text[end - 1] in ",;:" or (text[end - 1] == "." and not re.search(r"(?:^|\W)(?:[A-Za-z]\.)+$", text[start:end]))
    ):
        end -= 1
    return start, end


def _question_problem(question: str) -> str:
    words = question.split()
    if not MIN_QUESTION_WORDS <= len(words) <= MAX_QUESTION_WORDS:
        return f"question has {len(words)} words"
    if not question.endswith("?"):
        return "not a question (no question mark)"
    if not any(w.lower().strip(",.;:'\"") in _QUESTION_WORDS for w in words):
        return "not a question (no question word)"
    return ""


def check(passage: Passage, lines: Sequence[ParsedLine]) -> Checked:
    """The parsed lines kept for ``passage`` (answer found verbatim, real question), and the dropped ones."""
    kept: list[GeneratedQuestion] = []
    dropped: list[tuple[str, str]] = []
    seen: set[str] = set()
    for line in lines:
        question = _initials(" ".join(line.question.split()))
        line = ParsedLine(line.kind, question, _initials(line.answer))
        if question and not question.endswith("?") and question.split()[0].lower() in _QUESTION_WORDS:
            question += "?"
        problem = _question_problem(question)
        answer_words = len(line.answer.split())
        span = locate(line.answer, passage.text) if line.answer else None
        if not problem and contains_phrase(question, EXAMPLE_NAME) and not contains_phrase(passage.text, EXAMPLE_NAME):
            problem = "borrows the worked example's name"
        if not problem and folded(question) in seen:
            problem = "duplicate question"
        if not problem and not line.answer:
            problem = "no answer"
        if not problem and line.kind == "answer" and answer_words > MAX_ANSWER_WORDS:
            problem = f"answer has {answer_words} words"
        if not problem and line.kind == "false_premise" and answer_words < MIN_CORRECTION_WORDS:
            problem = "correction too short"
        if not problem and span is None:
            problem = "answer not in passage"
        if not problem and line.kind == "answer" and contains_phrase(question, line.answer):
            problem = "question contains its answer"
        if problem or span is None:
            dropped.append((question or line.question, problem))
            continue
        start, end = _trim(passage.text, *span) if line.kind == "answer" else sentence_range(passage.text, *span)
        if line.kind == "answer" and end - start >= len(passage.text.rstrip(". ")):
            dropped.append((question, "answer is the whole passage"))
            continue
        seen.add(folded(question))
        kept.append(GeneratedQuestion(line.kind, question, passage.text[start:end], start))
    return Checked(tuple(kept), tuple(dropped))
