"""Does the report bear out what the question assumes? The local model's yes/no, for questions that assume.

"Why did X happen?", "How did X ...?", "Since X, ...?" take X for granted (``perturb.presupposes``). The
word checks (``premise.py``) catch a premise stated the other way round on a general scale (rose / fell,
most / least); most false premises are not on a scale: another agency, cause, year or place, or a thing
that never happened ("Why did Mexico build a wall ...?" against "there is no wall"). No NLI model ships its
weights here (MODELS.md), and the reader trained here could not learn it (its P(contradicts) stayed the
same for a flipped and an unflipped question). The local Qwen model can: shown the answer's sentences and
the question, the margin of its first token "Yes" over "No" separates the eval's presupposing questions
(``benchmarks/premise_check.py``: threshold chosen on odd ids, checked on even ids).

Only the answer's sentences are read (not whole passages: ~110 new prompt tokens, about 2 s on 2 cores)
and only for questions that assume something (15 % of the eval's), so the median answer stays fast. The
instruction and the worked examples (invented: a made-up country, no eval case) are the same for every
call, so llama.cpp reuses them.

Tried, not kept: the same yes/no for every answered "how many / how much / what share" question, with a
prompt about figures for another group, place or year (``How many children did Norland deport?`` against
"Norland deported 41,000 migrants"). On the answered figure questions of the public eval and held-out files
a, b, e, f (142 right answers, 24 near misses) it caught 5 near misses at margin 0 and refused no right
answer; on the fresh file h it caught 1 of 7. It would read a quarter of all questions (1.5-3 s each) and,
with the recheck, slow over half of them, so the median answer would pass 0.5 s.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Protocol, runtime_checkable

from borderqa.answering.local import Messages
from borderqa.errors import GeneratorError, ModelError

log = logging.getLogger(__name__)

SYSTEM = (
    "A question often assumes something: 'Why did X happen?' assumes that X happened. Read the text from a "
    "report. Answer Yes if the text agrees with what the question assumes and answers it. Answer No if the text "
    "says otherwise (another place, year, figure, agency or cause, the opposite direction, or that X did not "
    "happen) or does not say it."
)
# (text, question, verdict): the kinds of false premise, on an invented country.
EXAMPLES: tuple[tuple[str, str, str], ...] = (
    ("Deportations from Norland fell 12 percent in 2012, officials said.", "Why did deportations from Norland rise in 2012?", "No"),
    ("Officials said the checkpoint near Port Alva was moved because of repeated flooding.", "Why was the checkpoint near Port Alva moved?", "Yes"),
    ("Unlike its northern frontier, Norland's border with Estra has no fence; it is crossed at dozens of informal points.",
     "Why did Norland build a fence on its border with Estra?", "No"),
    ("The Estra army, not the police, runs the checkpoints on the coastal road.",
     "Since the police run the coastal checkpoints, how do they search buses?", "No"),
    ("Because wages in Estra are a third of Norland's, many farm workers cross each harvest season.",
     "Why do Estran farm workers cross into Norland?", "Yes"),
    ("Port Alva had the third lowest murder rate of Norland's twelve provinces in 2013.",
     "Why is Port Alva the most violent province in Norland?", "No"),
    ("The Valtria bridge opened in 2009 and carries most of the trucks that cross the border.", "When did the Valtria bridge open?", "Yes"),
    ("The rail line was destroyed by a flood in 2005 and has not been rebuilt.", "Why did the 2010 earthquake destroy the rail line?", "No"),
)


def _ask(text: str, question: str) -> str:
    return f"Text: {text}\n\nQuestion: {question}\n\nDoes the text answer the question? Answer Yes or No."


def premise_messages(question: str, text: str) -> Messages:
    """The prompt: instruction, worked examples as earlier turns, then ``text`` and ``question``."""
    messages = [{"role": "system", "content": SYSTEM}]
    for example, asked, verdict in EXAMPLES:
        messages += [{"role": "user", "content": _ask(example, asked)}, {"role": "assistant", "content": verdict}]
    return [*messages, {"role": "user", "content": _ask(text, question)}]


@runtime_checkable
class YesNoScorer(Protocol):
    """A language model that reads a prompt and gives logit("Yes") - logit("No") for its first token."""

    def yes_no_margin(self, messages: Messages, wait: float | None = None) -> float: ...


class PremiseJudge(Protocol):
    def margin(self, question: str, sentences: Sequence[str]) -> float | None:
        """How strongly ``sentences`` bear out what ``question`` assumes (> 0: yes); None when it cannot tell."""
        ...


class LocalPremiseJudge:
    """The premise check on a local model: a model that cannot load turns the check off (logged once); a
    prompt it fails on (too long for its context) leaves that one answer unchecked."""

    def __init__(self, model: YesNoScorer, max_chars: int = 1500, wait: float = 0.5) -> None:
        self.model = model
        self.max_chars = max_chars
        # An extractive answer does not queue behind a local model writing another answer (api/): when the
        # model stays busy this long, the answer goes out unchecked.
        self.wait = wait
        self.failed = ""

    def margin(self, question: str, sentences: Sequence[str]) -> float | None:
        if self.failed:
            return None
        text = " ".join(s.strip() for s in sentences if s.strip())[: self.max_chars]
        if not text:
            return None
        try:
            return self.model.yes_no_margin(premise_messages(question, text), wait=self.wait)
        except ModelError as exc:
            self.failed = str(exc)
            log.warning("premise check off: %s", exc)
        except GeneratorError as exc:
            log.warning("premise check skipped for %r: %s", question[:80], exc)
        return None
