"""Which abuse a figure counts: "What share of migrants reported being kidnapped?" is not answered by "52
percent reported being robbed and 33 percent reported being extorted" (three writers asked it of the
Documentation Network's survey). The report's figures on migrants are mostly counts of abuses, each its own;
a figure for one is no figure for another.

The kinds are the report's own (robbery, extortion, kidnapping, rape, homicide, trafficking, torture,
assault), each with the forms the report and questions use.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

_KINDS: dict[str, str] = {
    "kidnapping": r"kidnap\w*|abduct\w*",
    "robbery": r"rob|robbed|robber(?:y|ies|s)?|robbing|theft|thefts|stole|stolen|steal\w*",
    "extortion": r"extort\w*",
    "sexual assault": r"rape[ds]?|raping|sexual(?:ly)? (?:assault|abuse)\w*",
    "homicide": r"homicides?|murder\w*|killed|killings?|kill",
    "trafficking": r"traffick\w*",
    "torture": r"tortur\w*",
    "assault": r"(?<!sexual )(?<!sexually )assault\w*|beat(?:en|ings?)",
}
_FORMS = {kind: re.compile(rf"\b(?:{forms})\b", re.IGNORECASE) for kind, forms in _KINDS.items()}


def abuses_in(text: str) -> list[str]:
    """The kinds of abuse ``text`` names, in ``_KINDS`` order."""
    return [kind for kind, forms in _FORMS.items() if forms.search(text)]


def other_abuse(question: str, sentences: Sequence[str], figures: Sequence[str]) -> tuple[str, str] | None:
    """(an abuse ``question`` asks a figure of, another that a figure-giving sentence counts) when none of the
    answer's ``sentences`` names the one asked; ``figures``: those of them that give a figure."""
    said = {kind for s in sentences for kind in abuses_in(s)}
    for kind in abuses_in(question):
        if kind in said:
            continue
        others = [k for s in figures for k in abuses_in(s) if k != kind]
        if others:
            return kind, others[0]
    return None
