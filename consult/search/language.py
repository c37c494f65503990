"""Is a text French? Enough to choose its stemmer: common short words are a reliable tell."""

from __future__ import annotations

import re

FRENCH = frozenset(
    [
        "le",
        "la",
        "les",
        "des",
        "du",
        "un",
        "une",
        "et",
        "est",
        "sont",
        "que",
        "qui",
        "pour",
        "dans",
        "sur",
        "avec",
        "pas",
        "par",
        "au",
        "aux",
        "ce",
        "cette",
        "ces",
        "il",
        "elle",
        "nous",
        "vous",
        "ils",
        "leur",
        "leurs",
        "mais",
        "ou",
        "donc",
        "ne",
        "se",
        "sa",
        "son",
        "ses",
        "être",
        "été",
        "doit",
        "doivent",
    ]
)
ENGLISH = frozenset(
    [
        "the",
        "and",
        "of",
        "to",
        "is",
        "are",
        "that",
        "for",
        "in",
        "on",
        "with",
        "not",
        "by",
        "this",
        "these",
        "it",
        "we",
        "you",
        "they",
        "their",
        "but",
        "or",
        "be",
        "been",
        "should",
        "must",
        "shall",
        "from",
        "as",
        "at",
        "an",
    ]
)
WORD = re.compile(r"[a-zàâçéèêëîïôûùüÿœæ']+")


def is_french(text: str) -> bool:
    words = WORD.findall(text.lower()[:4000])
    french = sum(word in FRENCH for word in words)
    english = sum(word in ENGLISH for word in words)
    return french >= 2 and french > english
