"""Finding the people, accounts, territories, regions and products a question names.

Every phrase of one to five words is looked up, longest first, in an index of the viewer's
:class:`~tools.lexicon.Lexicon`:

1. a full name ("Darcel Schlecht", "Acme Corporation", "West Enterprise");
2. a part of a name: a person's first or last name ("Darcel's deals"), the leading words of an
   account name ("Acme"), a distinctive word of a product name ("Analytics");
3. a close spelling of either (rapidfuzz ``ratio`` >= :data:`FUZZY_CUTOFF`; "Globx" -> "Globex").

A phrase that is a common word ("summer", "cheers", "data") only counts as a name when it is
capitalised and not the first word of the question. A phrase matching several things of the
same kind ("Jensen" -> four people) becomes one mention with several candidates, and the
planner asks which one is meant. Matches of different kinds are settled by quality (full name,
then part, then spelling) and then by :data:`KIND_ORDER`.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from itertools import pairwise

from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

from assistant.offline.vocabulary import (
    COMMON,
    KEYWORDS,
    Token,
    is_common,
    is_frequent_english,
    is_unknown_word,
    knows_word,
    normalise,
    tokens,
)
from tools.lexicon import EntityKind, Lexicon, Named

MAX_WORDS = 5
FUZZY_CUTOFF = 88
#: Words this long match a name part one edit away (a swap of two letters counts as one).
SWAP_MIN_LENGTH = 7
FULL, PART, SPELLING = 3, 2, 1
KIND_ORDER: tuple[EntityKind, ...] = ("territory", "person", "account", "region", "product")
#: Words that end an account name but do not identify it ("Acme Corporation" is also "Acme").
ACCOUNT_SUFFIXES = frozenset(
    ["inc", "corp", "corporation", "co", "company", "ltd", "llc", "group", "holdings", "plc", "of", "the"]
)


@dataclass
class Mention:
    kind: EntityKind
    start: int
    end: int
    phrase: str
    candidates: list[Named]
    quality: int
    possessive: bool = False

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.candidates]

    @property
    def resolved(self) -> Named | None:
        return self.candidates[0] if len(self.candidates) == 1 else None


@dataclass
class EntityIndex:
    full: dict[str, list[Named]] = field(default_factory=lambda: defaultdict(list))
    parts: dict[str, list[Named]] = field(default_factory=lambda: defaultdict(list))

    def keys(self) -> tuple[list[str], list[str]]:
        return list(self.full), list(self.parts)


def _account_parts(name: str) -> list[str]:
    words = normalise(name).split()
    parts = []
    for size in range(1, len(words)):
        head = words[:size]
        if head[-1] in ACCOUNT_SUFFIXES:
            break
        parts.append(" ".join(head))
    return parts


def build_index(lexicon: Lexicon) -> EntityIndex:
    index = EntityIndex()
    for named in lexicon.entities():
        key = normalise(named.name)
        if not key:
            continue
        index.full[key].append(named)
        if named.kind == "person":
            words = named.name.split()
            parts = [normalise(words[0]), normalise(words[-1])] if len(words) > 1 else []
        elif named.kind == "account":
            parts = _account_parts(named.name)
        elif named.kind == "product":
            parts = [w for w in key.split() if len(w) > 2]
        else:
            parts = []
        for part in dict.fromkeys(parts):
            if part and part != key and not part.isdigit():
                index.parts[part].append(named)
    return index


#: Words said after a name that are never part of it ("what about leah specifically?").
AFTER_A_NAME = frozenset(
    {"specifically", "alone", "only", "then", "too", "instead", "please", "again", "exactly", "really"}
) | frozenset({"actually", "personally", "individually", "separately", "though", "also", "now", "here"})


def _loose_edge(word: str) -> bool:
    """A word a spelt-loosely name cannot start or end with: a common word, "vs", "q4", "3",
    "specifically"."""
    key = normalise(word)
    return is_common(word) or len(key) <= 2 or any(ch.isdigit() for ch in key) or key in AFTER_A_NAME


def _allowed(words: list[Token], first: int, key: str, text: str = "") -> bool:
    """A common word counts as a name only when capitalised and not the question's first word, or
    right after "at", where a company is named ("my main contact at cheers")."""
    if len(words) > 1 or key not in COMMON:
        return True
    if re.search(r"\bat\s+$", text[: words[0].start].lower()):
        return True
    return words[0].capitalised and words[0].start > first


def _best_kind(candidates: list[Named], possessive: bool) -> list[Named]:
    kinds = {c.kind for c in candidates}
    order = ("person", *KIND_ORDER) if possessive else KIND_ORDER
    kind = next(k for k in order if k in kinds)
    unique: dict[str, Named] = {}
    for c in candidates:
        if c.kind == kind:
            unique.setdefault(c.name, c)
    return list(unique.values())


def _lookup(
    index: EntityIndex, keys: tuple[list[str], list[str]], key: str, n: int
) -> tuple[list[Named], int]:
    if key in index.full:
        return index.full[key], FULL
    if key in index.parts:
        return index.parts[key], PART
    if len(key) < 5 or all(w in COMMON for w in key.split()):
        return [], 0
    full = process.extract(key, keys[0], scorer=fuzz.ratio, score_cutoff=FUZZY_CUTOFF, limit=5)
    if full:
        top = full[0][1]
        return [c for k, s, _ in full if s >= top - 2 for c in index.full[k]], SPELLING
    if n == 1:
        part = process.extract(key, keys[1], scorer=fuzz.ratio, score_cutoff=FUZZY_CUTOFF + 2, limit=5)
        if part:
            top = part[0][1]
            return [c for k, s, _ in part if s >= top - 2 for c in index.parts[k]], SPELLING
        if len(key) >= SWAP_MIN_LENGTH:
            # one swapped, missing, extra or wrong letter in a longer word ("vangaurd": "vanguard")
            near = process.extract(key, keys[1], scorer=OSA.distance, score_cutoff=1, limit=5)
            if near:
                return [c for k, _, _ in near for c in index.parts[k]], SPELLING
    return [], 0


def find_mentions(text: str, index: EntityIndex, keys: tuple[list[str], list[str]]) -> list[Mention]:
    """Non-overlapping mentions of things in the data, in the order they appear."""
    words = tokens(text)
    first = words[0].start if words else 0
    taken = [False] * len(words)
    found: list[Mention] = []
    for n in range(min(MAX_WORDS, len(words)), 0, -1):
        for i in range(len(words) - n + 1):
            if any(taken[i : i + n]):
                continue
            window = words[i : i + n]
            if n > 1 and any(w.possessive for w in window[:-1]):
                continue
            key = normalise(" ".join(w.text for w in window))
            if not key or (n == 1 and is_common(key) and not _allowed(window, first, key, text)):
                continue
            if (
                n > 1
                and (_loose_edge(window[0].text) or _loose_edge(window[-1].text))
                and key not in index.full
            ):
                continue
            candidates, quality = _lookup(index, keys, key, n)
            if not candidates:
                continue
            possessive = window[-1].possessive
            chosen = _best_kind(candidates, possessive)
            found.append(
                Mention(
                    kind=chosen[0].kind,
                    start=window[0].start,
                    end=window[-1].end,
                    phrase=text[window[0].start : window[-1].end],
                    candidates=chosen,
                    quality=quality,
                    possessive=possessive,
                )
            )
            for j in range(i, i + n):
                taken[j] = True
    return sorted(found, key=lambda m: m.start)


def unknown_names(text: str, mentions: list[Mention], skip: list[tuple[int, int]]) -> list[Token]:
    """Capitalised words that look like names but match nothing in scope ("Globex" for someone who
    cannot see it), with possessives ("Darcel's"); ``skip`` holds spans already explained."""
    covered = [(m.start, m.end) for m in mentions] + skip
    words = [
        w for w in tokens(text) if not any(s <= w.start < e for s, e in covered) and not is_common(w.text)
    ]
    every = tokens(text)
    first = every[0].start if every else 0
    found = []
    for i, word in enumerate(words):
        later = words[i + 1] if i + 1 < len(words) else None
        # the question's first word is capitalised anyway: a name only when a name word follows it
        opens_a_name = later is not None and later.capitalised and later.start - word.end <= 1
        if (word.capitalised and (word.start > first or opens_a_name)) or word.possessive:
            found.append(word)
    # "pipeline for quantum dynamics?": a lower-case name closing the question after "for", "at",
    # "about", made only of words the planner does not know, is a name that matched nothing
    tail = LOWER_CASE_TAIL.search(text)
    if tail and not found:
        named = [
            w for w in words if tail.start(1) <= w.start < tail.end(1) and w.text.lower() not in AFTER_A_NAME
        ]
        spelt = tail[1].split()
        if len(named) == len(spelt) and all(
            is_unknown_word(w.text) and not knows_word(w.text) for w in named
        ):
            found += named
    if not found:
        found += _lower_case_pairs(words)
    if not found:
        found += _lower_case_owners(words, every)
    return found


#: What a person has: "morgans team", "avery's numbers" name the person before it.
OWNED = frozenset({"team", "deals", "pipeline", "pipe", "numbers", "quota", "accounts", "book", "forecast"})


def _lower_case_owners(words: list[Token], every: list[Token]) -> list[Token]:
    """ "same thing for morgans team": a lower-case word no one in scope is called and the planner
    does not know, written as a possessive before something a person has, names a person."""
    after = {word.start: nxt for word, nxt in pairwise(every)}
    found = []
    for word in words:
        nxt = after.get(word.start)
        owner = word.text[:-1] if not word.possessive and word.text.endswith("s") else word.text
        # "avery's numbers" with the apostrophe; without it only before "team" ("morgans team"), as
        # "services accounts" is an industry's accounts
        owned = OWNED if word.possessive else {"team"}
        if nxt is None or nxt.text.lower() not in owned or not (word.possessive or owner != word.text):
            continue
        if is_unknown_word(owner) and not knows_word(word.text) and not is_frequent_english(owner):
            found.append(Token(text=owner, start=word.start, end=word.start + len(owner), possessive=True))
    return found


def _unknown(word: Token) -> bool:
    key = word.text.casefold()
    return (
        not word.capitalised
        and key not in KEYWORDS
        and is_unknown_word(key)
        and not knows_word(key)
        and not is_frequent_english(key)
    )


def _lower_case_pairs(words: list[Token]) -> list[Token]:
    """ "how much pipe does kenji jensen have?": two adjacent words, written in lower case, that are
    no word the planner or English knows, name someone or something, as capitalised ones would."""
    found: list[Token] = []
    for first, second in pairwise(words):
        if second.start - first.end <= 1 and _unknown(first) and _unknown(second):
            found += [w for w in (first, second) if w not in found]
    return found


#: A lower-case phrase of one to three words ending the question, after a preposition names take.
LOWER_CASE_TAIL = re.compile(
    r"\b(?:for|at|about|with|on|from|than|vs\.?|versus|against|(?:compared?|comparing) to)\s+"
    r"([a-z][a-z&'-]+(?:\s+[a-z][a-z&'-]+){0,2})\s*[?.!]*\s*$"
)
