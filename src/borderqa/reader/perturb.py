"""Unanswerable variants of a question, SQuAD 2.0 style, for the same passage (rule-based, no model).

* ``entity_swap``: a place, agency, country, nationality, programme or person of the question that the
  passage names is replaced by another of the same type that the corpus uses and the passage does not
  (no form of it: "Guatemala" also counts as present when the passage says "Guatemalan");
* ``year_swap``: a year of the question becomes a nearby year the passage does not hold;
* ``figure_swap``: another number of the question becomes one the passage does not hold;
* ``attribute`` (per passage): a question about the passage's main subject asking for something the
  passage gives no figure or word for (population, homicide rate per 100,000, budget, staff, cost, area).

Names come from typed lists of the report's own names (``ENTITY_FAMILIES``), kept only when the corpus
uses them; matching folds case and accents with the project's tokenizer's ``fold``. Choices are made by
a hash of the question, so a rebuild writes the same variants.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from borderqa.lexical import fold, tokenize
from borderqa.types import Passage

# type -> families; each family lists the forms of one name (the first is what a swap writes).
ENTITY_FAMILIES: dict[str, tuple[tuple[str, ...], ...]] = {
    "country": (
        ("Mexico", "Mexican", "Mexicans"), ("Guatemala", "Guatemalan", "Guatemalans"),
        ("Honduras", "Honduran", "Hondurans"), ("El Salvador", "Salvadoran", "Salvadorans"),
        ("Belize", "Belizean", "Belizeans"), ("Nicaragua", "Nicaraguan", "Nicaraguans"), ("Cuba", "Cuban", "Cubans"),
        ("Central America", "Central American", "Central Americans"), ("Colombia", "Colombian", "Colombians"),
        ("Ecuador", "Ecuadorian", "Ecuadorians"), ("India", "Indian", "Indians"), ("Nigeria", "Nigerian", "Nigerians"),
        ("the United States", "American", "Americans", "United States", "U.S.", "US"), ("Costa Rica", "Costa Rican", "Costa Ricans"),
        ("Panama", "Panamanian", "Panamanians"), ("China", "Chinese"), ("Brazil", "Brazilian", "Brazilians"),
    ),
    "region": (
        ("Chiapas",), ("Tabasco",), ("Campeche",), ("Quintana Roo",), ("Veracruz",), ("Oaxaca",), ("Yucatán",),
        ("Texas",), ("Arizona",), ("California",), ("Petén",), ("Huehuetenango",), ("Quiché",),
        ("Alta Verapaz",), ("San Marcos",), ("Quetzaltenango",), ("Soconusco",), ("Federal District",),
    ),
    "city": (
        ("Tapachula",), ("Tenosique",), ("Palenque",), ("Arriaga",), ("San Cristóbal de las Casas", "San Cristóbal"),
        ("Huixtla",), ("Tecún Umán",), ("Tonalá",), ("Comitán",), ("Ciudad Hidalgo",), ("Ciudad Cuauhtémoc",),
        ("La Trinitaria",), ("Chetumal",), ("Mexico City",), ("El Ceibo",), ("Benemérito de las Américas", "Benemérito"),
        ("Huehuetoca",), ("Lechería",), ("Villahermosa",), ("Frontera Comalapa",), ("Ixtepec",), ("Coatzacoalcos",),
        ("Frontera Corozal",), ("La Mesilla",), ("Talismán",), ("Escuintla",), ("Emiliano Zapata",), ("Reynosa",),
    ),
    "agency": (
        ("the INM", "INM", "National Migration Institute", "Instituto Nacional de Migración"),
        ("the Federal Police", "Federal Police"), ("the Army", "Army", "SEDENA"), ("the Navy", "Navy", "SEMAR", "Marines"),
        ("the PGR", "PGR", "Attorney General's Office"), ("the Border Patrol", "Border Patrol"),
        ("CBP", "Customs and Border Protection"), ("the State Department", "State Department"),
        ("COMAR",), ("UNHCR",), ("the CNDH", "CNDH"), ("the Federal Ministerial Police", "Federal Ministerial Police"),
        ("the Chiapas State Police", "Chiapas State Police"), ("the Border Police", "Border Police"),
        ("the SAT", "SAT"), ("the Guatemalan Army", "Guatemalan Army"), ("the National Security Council", "National Security Council"),
        ("the Defense Department", "Defense Department"), ("DHS", "Department of Homeland Security"), ("CISEN",),
        ("the Gendarmerie", "Gendarmerie"), ("Customs",), ("IFAI",), ("INSYDE",),
    ),
    "programme": (
        ("the Mérida Initiative", "Mérida Initiative"), ("the Southern Border Program", "Southern Border Program"),
        ("the Integrated Development Plan", "Integrated Development Plan"), ("CARSI",), ("the Migration Law", "Migration Law"),
        ("the Belize Border Region Program", "Belize Border Region Program"), ("the Joint Task Force", "Joint Task Force"),
    ),
    "person": (
        ("Peña Nieto", "Enrique Peña Nieto"), ("Obama",), ("Calderón",), ("Duarte",), ("Earl Anthony Wayne",),
        ("Fray Tomás González", "Fray Tomás"), ("Otto Pérez Molina", "Pérez Molina"),
    ),
}

# Attributes a passage about a subject of this type may lack: (question template, words whose absence
# from the passage shows it does not give that attribute).
_MONEY = ("$", "dollar", "peso", "million", "billion", "budget", "cost", "fund", "spent", "spend", "invest", "price")
ATTRIBUTES: dict[str, tuple[tuple[str, tuple[str, ...]], ...]] = {
    "place": (
        ("What is the population of {x}?", ("population", "inhabitant", "resident", "people live", "census")),
        ("What is the homicide rate per 100,000 residents in {x}?", ("100,000", "homicide", "murder", "rate", "killing")),
        ("What is the unemployment rate in {x}?", ("unemploy", "jobless", "rate", "employment")),
        ("How many square kilometres does {x} cover?", ("square", "km", "kilomet", "area", "mile", "acre", "hectare")),
    ),
    "agency": (
        ("What is the annual budget of {x}?", _MONEY),
        ("How many staff does {x} employ?", ("staff", "employ", "personnel", "agent", "officer", "member", "worker", "troop", "soldier", "marine", "official")),
        ("Who is the head of {x}?", ("head", "director", "chief", "commissioner", "led by", "leader", "secretary", "president", "commander")),
    ),
    "programme": (
        ("How much did {x} cost?", _MONEY),
        ("What is the annual budget of {x}?", _MONEY),
        ("How many staff work for {x}?", ("staff", "employ", "personnel", "agent", "officer", "worker", "official")),
    ),
}
_KIND_OF = {"country": "place", "region": "place", "city": "place", "agency": "agency", "programme": "programme"}

# The report's own subject: another name of the passage, when there is one, is its main subject.
GENERIC_SUBJECTS = frozenset({"Mexico"})
# A question that presupposes its premise ("Why did ...?"); "What is ...?" asks, it does not assert.
PREMISE_STARTS = ("why", "how did", "how does", "how do", "how has", "how have", "how was", "how were", "how is",
                  "how are", "since", "given", "when did", "after", "how come",
                  # "What makes Tabasco the deadliest ...?" takes it for granted that Tabasco is
                  "what makes", "what made", "what explains", "what explained", "what caused", "what causes",
                  "what led", "what drove", "what drives", "what accounts for", "what accounted for")
# Words by which a question asserts a change or an absence that a passage stating the facts contradicts.
CHANGE_WORDS = frozenset(re.findall(r"\w+",
    "close closed closing end ended stop stopped abolish abolished cancel cancelled canceled decrease decreased "
    "decline declined increase increased fall fell drop dropped rise rose fail failed ban banned refuse refused "
    "never not no longer withdraw withdrew reject rejected shut halt halted suspend suspended eliminate "
    "eliminated disband disbanded"
))

_YEAR_RE = re.compile(r"(?<![\d,.])(19[89]\d|20[01]\d)(?![\d,])")
_NUMBER_RE = re.compile(r"(?<![\d,.])\d{1,3}(?:,\d{3})+(?![\d,])|(?<![\d,.])\d+(?:\.\d+)?(?![\d,])")
YEAR_STEPS = (1, -1, 2, -2, 3, -3, 4, -4, 5, -5)
FIGURE_FACTORS = (2.0, 3.0, 0.5, 1.5, 4.0, 10.0)
LAST_YEAR = 2014  # the report's year: a swapped year stays within what it could cover


def _hash(text: str) -> int:
    return int(hashlib.sha256(text.encode("utf-8")).hexdigest()[:8], 16)


def _has(text_folded: str, form: str) -> bool:
    f = fold(form)
    return re.search(rf"(?<![a-z0-9]){re.escape(f)}(?![a-z0-9])", text_folded) is not None


def passage_folded(passage: Passage) -> str:
    return fold(f"{passage.text} {passage.context} {' '.join(passage.section_path)}")


@dataclass(frozen=True)
class NameFamily:
    """One name in all its forms ("Guatemala", "Guatemalan", "Guatemalans") and its type ("country")."""

    type: str
    forms: tuple[str, ...]

    def present(self, folded_text: str) -> bool:
        return any(_has(folded_text, f) for f in self.forms)


class Perturber:
    """Makes the unanswerable variants, knowing which names the corpus uses."""

    def __init__(self, passages: Sequence[Passage] | None, families: dict[str, tuple[tuple[str, ...], ...]] | None = None) -> None:
        """``passages``: keep only the names these use (None: every name of ``families``)."""
        corpus = fold(" ".join(f"{p.text} {p.context}" for p in passages)) if passages is not None else None
        self._families = [
            NameFamily(t, forms)
            for t, group in (families or ENTITY_FAMILIES).items()
            for forms in group
            if corpus is None or any(_has(corpus, f) for f in forms)
        ]
        # longest form first, so "Mexico City" is read before "Mexico"
        self._forms = sorted(((f, fam) for fam in self._families for f in fam.forms), key=lambda x: -len(x[0]))

    @property
    def families(self) -> list[NameFamily]:
        """The name families the corpus uses."""
        return self._families

    def names_in(self, text: str) -> list[tuple[int, int, NameFamily]]:
        """(start, end, family) of every name in ``text``, left to right, not overlapping."""
        found: list[tuple[int, int, NameFamily]] = []
        for form, fam in self._forms:
            bare = form.removeprefix("the ")
            exact = bare.isupper()  # acronyms ("US", "INM") only in capitals: "us" is a pronoun
            pattern = rf"(?<![\w.-]){re.escape(form)}" + ("" if form.endswith(".") else r"(?![\w-])")
            for m in re.finditer(pattern, text, flags=0 if exact else re.IGNORECASE):
                if not exact and not form.startswith("the ") and not m.group()[0].isupper():
                    continue
                if all(m.end() <= s or m.start() >= e for s, e, _ in found):
                    found.append((m.start(), m.end(), fam))
        return sorted(found, key=lambda x: x[0])

    def variants(self, question: str, answer: str, passage: Passage) -> Iterator[tuple[str, str]]:
        """(kind, question) for each variant that could be made of ``question`` for ``passage``."""
        text = passage_folded(passage)
        for kind, make in (("entity_swap", self.entity_swap), ("year_swap", year_swap), ("figure_swap", figure_swap)):
            variant = make(question, text)
            if variant and fold(variant) != fold(question):
                yield kind, variant

    def entity_swap(self, question: str, passage_text: str, within: str | None = None) -> str | None:
        """``within``: only a name that this (folded) text states, e.g. a premise's correcting sentence."""
        for start, end, fam in self.names_in(question):
            if not fam.present(passage_text) or (within is not None and not fam.present(within)):
                continue  # only a name the passage is about: another is then what it does not cover
            old = question[start:end]
            role = _role(fam, old)
            options = [
                f for f in self._families
                if f.type == fam.type and f is not fam and len(f.forms) > role
                and not f.present(passage_text) and not f.present(fold(question))
            ]
            if not options:
                continue
            new = options[_hash(question + fam.forms[0]) % len(options)].forms[role]
            if old.lower().startswith("the ") and not new.startswith("the "):
                new = old[:4] + new
            elif not old.lower().startswith("the ") and new.startswith("the "):
                new = new[4:]
            if old[:1].isupper() and new[:1].islower():
                new = new[:1].upper() + new[1:]
            if role == 0 and fam.type == "country" and question[:start].lower().endswith("the "):
                start -= 4  # "the U.S." -> "Guatemala"
            return question[:start] + new + question[end:]
        return None

    def premise_conflict(self, question: str, passage: Passage) -> str:
        """What in a false-premise question the passage can be seen to contradict: a number or year it
        does not hold (when it holds others), a name of a type it names otherwise, or a word asserting a
        change or absence it does not use; "" when none (then the "premise" may well be true)."""
        if not presupposes(question):
            return ""
        text = passage_folded(passage)
        held = _numbers(text)
        asked = {t for t in tokenize(question) if t[:1].isdigit()}
        if held and asked - held:
            return f"figure {sorted(asked - held)[0]}"
        for _, _, fam in self.names_in(question):
            if not fam.present(text) and any(f.type == fam.type and f.present(text) for f in self._families):
                return f"name {fam.forms[0]}"
        words = set(re.findall(r"[a-z]+", fold(question)))
        passage_words = set(re.findall(r"[a-z]+", text))
        changed = sorted(w for w in words & CHANGE_WORDS if w not in passage_words)
        return f"word {changed[0]}" if changed else ""

    def falsify(self, question: str, correction: str, passage: Passage) -> str | None:
        """A false premise made of a question whose premise the passage states: a name, year or figure
        that the correcting sentence states is swapped for one the passage does not hold."""
        if not presupposes(question):
            return None
        text, within = passage_folded(passage), fold(correction)
        for variant in (
            self.entity_swap(question, text, within),
            year_swap(question, text, within),
            figure_swap(question, text, within),
        ):
            if variant and fold(variant) != fold(question):
                return variant
        return None

    def main_subject(self, passage: Passage) -> NameFamily | None:
        """The name the passage's text mentions most (places, agencies and programmes; first on a tie)."""
        counts: Counter[int] = Counter()
        first: dict[int, int] = {}
        for start, _, fam in self.names_in(passage.text):
            if fam.type in _KIND_OF:
                key = self._families.index(fam)
                counts[key] += 1
                first.setdefault(key, start)
        if not counts:
            return None
        specific = [k for k in counts if self._families[k].forms[0] not in GENERIC_SUBJECTS]
        best = max(specific or counts, key=lambda k: (counts[k], -first[k]))
        return self._families[best]

    def attributes(self, passage: Passage) -> list[str]:
        """Questions about the passage's main subject asking for attributes it does not give."""
        subject = self.main_subject(passage)
        if subject is None:
            return []
        text = fold(f"{passage.text} {passage.context}")
        options = [t for t, absent in ATTRIBUTES[_KIND_OF[subject.type]] if not any(fold(w) in text for w in absent)]
        return [q[0].upper() + q[1:] for q in (t.format(x=subject.forms[0]) for t in options)]

    def attribute(self, passage: Passage) -> str | None:
        """One of ``attributes`` (chosen by a hash of the passage id), or None."""
        options = self.attributes(passage)
        return options[_hash(passage.id) % len(options)] if options else None


# "According to UNHCR, why have ...?": a lead-in up to a comma, then the question proper
_LEAD_IN = re.compile(r"^(?:according to|per|as reported by|in|as of|during)\b[^,?]{0,80},\s*")


def presupposes(question: str) -> bool:
    asked = fold(question).lstrip("¿ ")
    lead_in = _LEAD_IN.match(asked)
    return asked.startswith(PREMISE_STARTS) or bool(lead_in and asked[lead_in.end():].startswith(PREMISE_STARTS))


def _role(family: NameFamily, form: str) -> int:
    """Which form a country's name is in: 0 the name, 1 the adjective, 2 the people (other types: 0)."""
    if family.type != "country":
        return 0
    folded_forms = [fold(f) for f in family.forms]
    i = folded_forms.index(fold(form)) if fold(form) in folded_forms else 0
    return i if i in (1, 2) else 0


def _numbers(passage_text: str) -> set[str]:
    return {t for t in tokenize(passage_text) if t[:1].isdigit()}


def year_swap(question: str, passage_text: str, within: str | None = None) -> str | None:
    """The question with its first year moved to a nearby year the passage does not hold (``within``:
    only a year this text states)."""
    m = _YEAR_RE.search(question)
    if not m or (within is not None and m.group() not in _numbers(within)):
        return None
    year = int(m.group())
    held = _numbers(passage_text)
    steps = list(YEAR_STEPS)
    offset = _hash(question) % 2  # some questions move forward first, some back
    steps = steps[offset:] + steps[:offset]
    for step in steps:
        new = year + step
        if new <= LAST_YEAR and str(new) not in held and str(new) not in question:
            return question[: m.start()] + str(new) + question[m.end() :]
    return None


def figure_swap(question: str, passage_text: str, within: str | None = None) -> str | None:
    """The question with its first number that is not a year changed to one the passage does not hold
    (``within``: only a number this text states)."""
    held = _numbers(passage_text)
    for m in _NUMBER_RE.finditer(question):
        raw = m.group()
        if _YEAR_RE.fullmatch(raw) or (within is not None and raw.replace(",", "") not in _numbers(within)):
            continue
        value = float(raw.replace(",", ""))
        if value == 0:
            continue
        for factor in FIGURE_FACTORS:
            new_value = value * factor
            if "." not in raw and new_value != int(new_value):
                continue
            new = f"{int(new_value):,}" if "," in raw else (str(int(new_value)) if "." not in raw else f"{new_value:g}")
            if new.replace(",", "") not in held and new != raw:
                return question[: m.start()] + new + question[m.end() :]
    return None
