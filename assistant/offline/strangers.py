"""Names that matched nothing in the viewer's scope, read so that they are said rather than dropped:
part of a known name next to an unknown word ("Hannah Costa" is not "Hannah Moreau"), a region
followed by another capitalised word (a territory out of scope), and unknown words joined into one
name, across "of" and "the" ("Cedar Supply of New York")."""

from __future__ import annotations

import re

from assistant.offline.entities import AFTER_A_NAME, PART, Mention
from assistant.offline.vocabulary import (
    Token,
    is_common,
    is_unknown_word,
    knows_word,
)
from tools.lexicon import Lexicon


def demote_partial(
    mentions: list[Mention], words: list[Token]
) -> tuple[list[Mention], list[tuple[str, int, int, bool]]]:
    """ "Hannah Costa" is not "Hannah Moreau", and "Lucas Jensen" is not "Tomas Jensen": part of a
    name next to another capitalised word that matched nothing is an unknown name, not a match.
    Written in lower case ("whats lucas duarte got"), the other word must be no word the planner
    knows; those names are returned whole, as unknown phrases."""
    kept = []
    strangers: list[tuple[str, int, int, bool]] = []
    covered = {w.start for m in mentions for w in words if m.start <= w.start < m.end}

    def stranger(word: Token | None) -> bool:
        return (
            word is not None and word.capitalised and word.start not in covered and not is_common(word.text)
        )

    def lower_stranger(word: Token | None) -> bool:
        return (
            word is not None
            and word.start not in covered
            and is_unknown_word(word.text)
            and not knows_word(word.text)
            and word.text.lower() not in AFTER_A_NAME  # "leah specifically" is Leah
        )

    for mention in mentions:
        before = next((w for w in reversed(words) if w.end <= mention.start), None)
        after = next((w for w in words if w.start >= mention.end), None)
        near_before = before is not None and mention.start - before.end <= 1 and not before.possessive
        near_after = after is not None and after.start - mention.end <= 1 and not mention.possessive
        if mention.quality == PART and (
            (near_before and stranger(before)) or (near_after and stranger(after))
        ):
            continue
        if mention.quality == PART and mention.kind == "person":
            # a person's name, so placed as one whether or not it is written as a possessive
            if near_after and after is not None and lower_stranger(after):
                strangers.append((f"{mention.phrase} {after.text}", mention.start, after.end, True))
                continue
            if near_before and before is not None and lower_stranger(before):
                strangers.append((f"{before.text} {mention.phrase}", before.start, mention.end, True))
                continue
        kept.append(mention)
    return kept, strangers


#: What joins two capitalised parts of one name: "of", "the", "&" and capitalised words between them.
LINK_WORD = re.compile(r"\s+(?:(?:of|the|and|&|de|du|la|von|van|der)\s+)+(?:[A-Z][\w'-]*\s+)*")


def unknown_phrases(words: list[Token], text: str = "") -> list[tuple[str, int, int, bool]]:
    """Adjacent unknown words joined into phrases: (phrase, start, end, possessive)."""
    phrases: list[tuple[str, int, int, bool]] = []
    for word in words:
        if phrases and 0 <= word.start - phrases[-1][2] <= 1 and not phrases[-1][3]:
            phrase, start, _, _ = phrases[-1]
            phrases[-1] = (f"{phrase} {word.text}", start, word.end, word.possessive)
        elif phrases and word.capitalised and LINK_WORD.fullmatch(text[phrases[-1][2] : word.start]):
            # "Cedar Supply of New York", "Bank of the West": one name across "of", "the", "&"
            phrase, start, _, _ = phrases[-1]
            joined = f"{phrase}{text[phrases[-1][2] : word.start]}{word.text}"
            phrases[-1] = (joined, start, word.end, word.possessive)
        else:
            phrases.append((word.text, word.start, word.end, word.possessive))
    return phrases


def regions_named_more(mentions: list[Mention], words: list[Token]) -> list[tuple[str, int, int, bool]]:
    """ "West Enterprise" for someone who cannot see it: a region followed by another capitalised
    word names a territory outside the viewer's scope (kept as an unknown name), not the region."""
    found = []
    for mention in [m for m in mentions if m.kind == "region"]:
        after = next((w for w in words if w.start >= mention.end), None)
        if after is not None and after.capitalised and after.start - mention.end <= 1:
            mentions.remove(mention)
            found.append((f"{mention.phrase} {after.text}", mention.start, after.end, after.possessive))
    return found


#: What follows a place named as a group of people or deals: "the west team's pipeline".
PLACE_AFTER = frozenset(
    {"team", "region", "office", "territory", "reps", "pipeline", "pipe", "deals", "numbers"}
)


def out_of_sight(
    words: list[Token], lexicon: Lexicon, covered: list[tuple[int, int]]
) -> tuple[list[tuple[str, int, int, bool]], list[tuple[str, int, int, bool]]]:
    """Names of the organisation the viewer cannot see, written in lower case where nothing else
    explains them: a colleague's first or last name ("how's kenji tracking vs quota?") and a region
    or territory as a group ("the west team's pipeline"). Said as names that matched nothing in
    scope, never dropped so that the asker's own figures answer instead. Returns (people, places)."""
    seen = {part.casefold() for person in lexicon.people for part in person.name.split()}
    hidden = {part.casefold() for name in lexicon.everyone for part in name.split() if len(part) > 2} - seen
    visible_places = {
        n.casefold()
        for n in (*(t.name for t in lexicon.territories), *(t.detail or "" for t in lexicon.territories))
    }
    places = {p.casefold() for p in lexicon.places if " " not in p} - visible_places
    people: list[tuple[str, int, int, bool]] = []
    found_places: list[tuple[str, int, int, bool]] = []
    for i, word in enumerate(words):
        if any(s <= word.start < e for s, e in covered):
            continue
        key = word.text.casefold().removesuffix("'s").rstrip("s") if word.possessive else word.text.casefold()
        after = words[i + 1].text.casefold() if i + 1 < len(words) else ""
        # (a capitalised name is read by the unknown-name reader, joined with the words around it)
        if key in hidden and not word.capitalised and not is_common(word.text) and not knows_word(key):
            people.append((word.text.removesuffix("'s"), word.start, word.end, True))
        elif key in places and (word.possessive or after.removesuffix("'s") in PLACE_AFTER):
            found_places.append((word.text.removesuffix("'s"), word.start, word.end, False))
    return people, found_places
