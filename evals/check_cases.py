#!/usr/bin/env python3
"""Validate BorderQA golden eval cases (evals/cases.jsonl) against the source report.

Standalone, stdlib only. Usage:
    python3 evals/check_cases.py [--report PATH] [--cases PATH]

Checks:
  * every line is valid JSON with all required keys and correct types
  * ids are unique and prefixed by kind (fact-, para-, multi-, unans-, premise-, turn-) + 3 digits
  * kind counts meet the minimums
  * answerable cases: 1+ support snippets, 1-3 fact regexes; unanswerable: none of either;
    false_premise: no fact regexes, and optionally the snippet(s) of the passage that corrects the premise
  * every support snippet occurs verbatim inside a single line of the report as the index holds it (markdown
    links unwrapped, "\\$" unescaped, "*" removed), is 6-15 words, and contains none of the characters [ ] * \\ #
  * every fact regex compiles and matches (case-insensitively) at least one of the case's support
    LINES (the full report line holding the snippet, with markdown links "[x](#)" -> "x",
    "\\$" -> "$" and "*" removed)
  * multi cases cite 2+ distinct report lines; multi_turn cases carry a well-formed history
  * every report section named in the brief is covered by at least one case
"""
import argparse
import collections
import json
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_REPORT = "/work/shared/report/mexicos-other-border.md"
DEFAULT_CASES = os.path.join(HERE, "cases.jsonl")

REQUIRED_KEYS = ["id", "kind", "section", "question", "history", "answerable", "support", "facts", "notes"]
PREFIX = {"factual": "fact", "paraphrase": "para", "multi": "multi", "unanswerable": "unans",
          "false_premise": "premise", "multi_turn": "turn"}
MINIMUMS = {"factual": 100, "paraphrase": 30, "multi": 18, "unanswerable": 30,
            "false_premise": 6, "multi_turn": 12}
MIN_TOTAL = 170
UNANSWERABLE_KINDS = {"unanswerable", "false_premise"}
FORBIDDEN_CHARS = set("[]*\\#")

# Sections that must each appear as a component of some case's "section" path ("A > B").
REQUIRED_SECTIONS = [
    "Introduction",
    "Growing U.S. Interest in the Southern Border",
    "Conditions in the Border Zone",
    "Geography and Economy",
    "Security and Trafficking",
    "Violence",
    "Drug Trafficking, Terrorism, and Human Trafficking",
    "Porosity and Government Presence",
    "Mexican Agencies with Border Security Responsibilities",
    "Migrants Who Remain in Chiapas",
    "Migrants in Transit",
    "Poverty and Violence",
    "Unaccompanied Minors",
    "Refugee Status and Asylum",
    "Abuse",
    "Corruption Related To Abuse",
    "The Train",
    "The Walk to the Train",
    "Dangers of the Train",
    "Border Security Strategy",
    "Increasing Security Force Presence",
    "Several Guiding Strategies",
    "Integrated Development Plan for the South-Southeast Zone",
    "Border Zone Support Program",
    "Customs Modernization Program",
    "Migration Program for the Southern Border of Mexico",
    "Safe Passage Program (Paso Seguro)",
    "U.S. Assistance in Mexico's Southern Border Zone: An Estimate",
    "Border Security at the Borderline",
    "Border Security Inland from the Borderline",
    "Belts of Control",
    "Checkpoints",
    "Efforts to Counter Migrant Abuse",
    "Border Security in Guatemala",
    "Concerns That the Border Security Buildup Raises",
    "Lack of Transparency",
    "Links to Economic Interests",
    "Human Rights",
    "Asylum",
    "Detention and Deportation",
    "Human Rights at Checkpoints",
    "Inter-Agency Coordination",
    "Civil-Military Relations",
    "Overall Effectiveness",
    "Conclusion and Recommendations",
    "Acknowledgements",
]

LINK_RE = re.compile(r"\[([^\]]*)\]\([^)]*\)")


def clean_line(line):
    """Report line as a reader would see it: links unwrapped, escaped dollars unescaped, no '*'."""
    line = LINK_RE.sub(r"\1", line)
    line = re.sub(r"\\+\$", "$", line)   # "\$" (and the odd "\\$") -> "$"
    return line.replace("*", "")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--report", default=DEFAULT_REPORT)
    ap.add_argument("--cases", default=DEFAULT_CASES)
    args = ap.parse_args()

    with open(args.report, encoding="utf-8") as fh:
        report_lines = fh.read().split("\n")

    errors = []
    cases = []
    with open(args.cases, encoding="utf-8") as fh:
        for n, raw in enumerate(fh, 1):
            if not raw.strip():
                continue
            try:
                cases.append((n, json.loads(raw)))
            except json.JSONDecodeError as exc:
                errors.append("line %d: invalid JSON: %s" % (n, exc))

    seen_ids = set()
    kinds = collections.Counter()
    covered = set()

    for n, case in cases:
        cid = case.get("id", "<line %d>" % n)

        def err(msg):
            errors.append("%s: %s" % (cid, msg))

        missing = [k for k in REQUIRED_KEYS if k not in case]
        if missing:
            err("missing keys %s" % missing)
            continue
        if cid in seen_ids:
            err("duplicate id")
        seen_ids.add(cid)

        kind = case["kind"]
        if kind not in PREFIX:
            err("unknown kind %r" % kind)
            continue
        kinds[kind] += 1
        if not re.fullmatch(r"%s-\d{3}" % PREFIX[kind], cid):
            err("id does not match kind prefix %r" % PREFIX[kind])

        for key, typ in (("section", str), ("question", str), ("history", list), ("answerable", bool),
                         ("support", list), ("facts", list), ("notes", str)):
            if not isinstance(case[key], typ):
                err("%s must be %s" % (key, typ.__name__))
        if not case["question"].strip():
            err("empty question")

        parts = {p.strip().lower() for p in case["section"].split(">")}
        for req in REQUIRED_SECTIONS:
            if req.lower() in parts:
                covered.add(req)

        # history
        hist = case["history"]
        if kind == "multi_turn":
            if not hist:
                err("multi_turn case needs a history")
            for i, turn in enumerate(hist):
                want = "user" if i % 2 == 0 else "assistant"
                if not isinstance(turn, dict) or set(turn) != {"role", "content"}:
                    err("history[%d] must be {role, content}" % i)
                elif turn["role"] != want or not str(turn["content"]).strip():
                    err("history[%d] should be a non-empty %s turn" % (i, want))
            if hist and hist[-1].get("role") != "assistant":
                err("history must end with an assistant turn")
        elif hist:
            err("only multi_turn cases should carry history")

        # answerability
        if kind in UNANSWERABLE_KINDS:
            if case["answerable"] is not False:
                err("unanswerable/false_premise must have answerable=false")
            if case["facts"]:
                err("unanswerable/false_premise must have empty facts")
            if kind == "unanswerable" and case["support"]:
                err("unanswerable cases must have empty support")
            if kind == "false_premise" and not case["notes"].strip():
                err("false_premise needs notes on what the report actually says")
            if not case["support"]:
                continue
            # a false_premise case may cite the snippet(s) that correct its premise: checked like support
        else:
            if case["answerable"] is not True:
                err("answerable kinds must have answerable=true")
            if not case["support"]:
                err("needs at least one support snippet")
            if not 1 <= len(case["facts"]) <= 3:
                err("needs 1 to 3 fact regexes (has %d)" % len(case["facts"]))

        # support snippets
        support_line_idx = []
        for snip in case["support"]:
            if not isinstance(snip, str):
                err("support entries must be strings")
                continue
            words = len(snip.split())
            if not 6 <= words <= 15:
                err("snippet has %d words (want 6-15): %r" % (words, snip))
            bad = sorted(FORBIDDEN_CHARS & set(snip))
            if bad:
                err("snippet contains forbidden chars %s: %r" % (bad, snip))
            if "\n" in snip:
                err("snippet spans a line break: %r" % snip)
            # as the index holds the text (links unwrapped, "\$" unescaped, no "*"): the eval matches snippets
            # against those passages, so a snippet copied with its markdown would support nothing
            hits = [i for i, line in enumerate(report_lines) if snip in clean_line(line)]
            if not hits:
                err("snippet not found verbatim in a single report line (markdown removed): %r" % snip)
            support_line_idx.extend(hits)
        support_line_idx = sorted(set(support_line_idx))
        if kind == "multi" and len(support_line_idx) < 2:
            err("multi case should cite snippets from 2+ distinct paragraphs")

        # fact regexes
        cleaned = [clean_line(report_lines[i]) for i in support_line_idx]
        for pat in case["facts"]:
            try:
                rx = re.compile(pat, re.IGNORECASE)
            except (re.error, TypeError) as exc:
                err("fact regex does not compile %r: %s" % (pat, exc))
                continue
            if cleaned and not any(rx.search(line) for line in cleaned):
                err("fact regex %r matches none of the support lines %s"
                    % (pat, [i + 1 for i in support_line_idx]))

    # totals
    total = sum(kinds.values())
    for kind, minimum in MINIMUMS.items():
        if kinds[kind] < minimum:
            errors.append("kind %s: %d cases, need >= %d" % (kind, kinds[kind], minimum))
    if total < MIN_TOTAL:
        errors.append("total %d cases, need >= %d" % (total, MIN_TOTAL))
    for req in REQUIRED_SECTIONS:
        if req not in covered:
            errors.append("no case covers section %r" % req)

    print("cases: %d" % total)
    for kind in PREFIX:
        print("  %-14s %4d  (min %d)" % (kind, kinds[kind], MINIMUMS[kind]))
    print("sections covered: %d/%d" % (len(covered), len(REQUIRED_SECTIONS)))
    if errors:
        print("\n%d problem(s):" % len(errors))
        for e in errors:
            print("  - " + e)
        return 1
    print("OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
