"""The names the answer checks read: the report's typed names (``perturb.ENTITY_FAMILIES``) with the forms
the report also writes out, and the names of the report's frame."""

from __future__ import annotations

from borderqa.reader.perturb import ENTITY_FAMILIES, Perturber

# Names the report also writes out on their own, where a question may use the abbreviation ("a draft Homeland
# Security memo" answers "What did the DHS memo project?"). Held out of perturb.ENTITY_FAMILIES, which the
# reader's training data swaps names by. On held-out file b: 1 answerable question (DHS) no longer refused.
SPELLED_OUT: dict[str, tuple[str, ...]] = {
    "DHS": ("Homeland Security",), "the State Department": ("Department of State",),
    "UNHCR": ("High Commissioner for Refugees",), "COMAR": ("Refugee Assistance Commission",),
    "the CNDH": ("National Human Rights Ombudsman",),
    # the report's word for what a question may call the army: "complaints against the armed forces" (also
    # binds "the army" to a "Guatemalan military": the country checks, not this one, tell those apart)
    "the Army": ("military", "armed forces"),
}
ALL_NAMES = Perturber(None, {kind: tuple((*forms, *SPELLED_OUT.get(forms[0], ())) for forms in group)
                             for kind, group in ENTITY_FAMILIES.items()})
# The report's frame: named in nearly every passage, so an answer that omits them still speaks of them.
FRAME_NAMES = frozenset({"Mexico", "the United States", "Central America"})
