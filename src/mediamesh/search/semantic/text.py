"""What is embedded for a document and for a query. Pure; no I/O, no model.

Measured by bench/embedding_text.py (docs/SEARCH.md, "Semantic model and embedded text"):
a description that opens like an encyclopaedia ("X is a 1994 American drama film directed by
A, written by B and starring C, D and E. The film was released by ...") spends the model's
attention on names and production facts that nobody describing the film says, so the
sentences that only tell who made, cast or released a film are left out; what the film is
(genre) and what happens in it are kept.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from mediamesh.search.semantic.model import MODEL_ID

# --- documents ---

# Words of a sentence that tells how the film was made, cast, released or received.
_PRODUCTION = re.compile(
    r"\b(direct(?:ed|or|ion|orial)|produc(?:ed|er|ers|tion|tions)|co-?produced|written|wrote"
    r"|screenplay|script|scenario|star(?:s|red|ring)?|co-?star(?:s|red|ring)?|cast"
    r"|supporting roles?|reprises?|distribut(?:ed|or|ion)|release[ds]?|premiered?"
    r"|box office|grossed|budget|academy awards?|oscars?|nominat(?:ed|ions?)|awards?"
    r"|filmed|filming|photograph(?:ed|y)|cinematograph(?:er|y)"
    # "shot at Pinewood", not "gets a shot at the title"
    r"|(?<!\ba )(?<!\ban )(?<!unlikely )(?<!last )shot (?:in|on|at)"
    r"|music|score|soundtrack|songs?|remake|sequel|prequel|adapt(?:ed|ation)|based on"
    r"|public domain|preserved|archive|dvd|blu-ray|vod|streaming|lost film|debut"
    r"|pictures|productions|studios?|corporation|company|critic(?:s|al)|reviews?"
    r"|franchise|install?ment|credited|uncredited)\b",
    re.IGNORECASE,
)
# Words of a sentence that tells what happens, even when it also names the cast
# ("It stars Bruce Willis as a child psychologist whose patient ...").
_STORY = re.compile(
    r"\b(story (?:of|about|centers|centres|follows|revolves)|stories of|tells|follows|following"
    r"|centers|centres|centered|centred|revolves"
    r"|depicts|portrays|plot|premise|about|concerns|chronicles|set (?:in|on|during|at|after)"
    r"|who|whose|whom|must|tries|attempts|finds|discovers|becomes|falls|struggles|searches"
    r"|after (?:a|an|the|his|her|their)|when (?:a|an|the|his|her|their))\b",
    re.IGNORECASE,
)
# "X is a 1994 American drama film directed by ...": what the film is ("a 1994 American
# drama film") is kept, for its genre words
_LEAD_HEAD = re.compile(
    r"^.{0,200}?\b(?:is|was) (?P<what>an? [^.,;]{0,120}?\b(?:film|movie|serial|documentary"
    r"|short|cartoon|feature)s?)\b",
    re.IGNORECASE,
)
# "(Asner)" after a character's name, "(1937)" after a title: names and dates, no plot
_ASIDE = re.compile(r"\s*\([^()]*\)")
# A sentence ends at . ! or ? followed by white space and a capital or a quote, unless the
# word before the stop is an initial ("Burton L. Lewis") or a title ("Dr.", "Jr.").
_SENTENCE_BREAK = re.compile(r"(?<=[.!?])[\"')\]]?\s+(?=[\"'(\[]?[A-Z0-9])")
_NOT_A_SENTENCE_END = re.compile(
    r"(?:\b[A-Z]|\b(?:Mr|Mrs|Ms|Dr|Jr|Sr|St|Mt|Ft|Lt|Col|Gen|Capt|Sgt|Rev|Prof|Bros|Co|Inc"
    r"|Ltd|No|vs|Vol|Pt))\.[\"')\]]?$"
)


def sentences(text: str) -> list[str]:
    """`text` split into sentences (abbreviations and initials do not end one)."""
    parts: list[str] = []
    start = 0
    for match in _SENTENCE_BREAK.finditer(text):
        candidate = text[start : match.start()]
        if not _NOT_A_SENTENCE_END.search(candidate):
            parts.append(candidate.strip())
            start = match.end()
    parts.append(text[start:].strip())
    return [part for part in parts if part]


@dataclass(frozen=True)
class Description:
    """A description read for embedding."""

    what: str  # what the lead says the film is ("A 1994 American drama film."), or ""
    plot: str  # the sentences that tell what happens, without asides in parentheses


def read_description(description: str) -> Description:
    """Split `description` into what the film is and what happens in it; the sentences
    that only tell who made, cast or released it are dropped."""
    what = ""
    plot: list[str] = []
    for sentence in sentences(" ".join(description.split())):
        head = None if what else _LEAD_HEAD.match(sentence)
        if _STORY.search(sentence):
            plot.append(sentence)
        elif head:
            what = head.group("what")[0].upper() + head.group("what")[1:] + "."
        elif not _PRODUCTION.search(sentence):
            plot.append(sentence)
    return Description(what, " ".join(_ASIDE.sub("", " ".join(plot)).split()))


def document_text(title: str, description: str | None, tags: Sequence[str]) -> str:
    """The text embedded for a document: what happens in it; when its description tells
    nothing of that, what the film is; with no description at all, its title.

    Measured (bench/embedding_text.py): the model averages over every token, so anything
    beside the plot dilutes it. Titles, genres and cast names (the sample's tags) each
    lowered the described queries' nDCG: a title's words pull queries that share them
    toward films with little else to say. The title is still what the lexical path matches.
    """
    del tags  # measured, and left out: see the docstring
    read = read_description(description or "")
    return read.plot or read.what or " ".join(title.split())


# A document's text is embedded whole and as overlapping passages of PASSAGE_WORDS words,
# PASSAGE_STRIDE apart (docs/SEARCH.md, "Passages"): the model averages over every token, so
# one detail a person remembers ("a boy whose wish to be big transforms him into an adult")
# is diluted in the whole text but stands out in its passage.
PASSAGE_WORDS: Final = 16
PASSAGE_STRIDE: Final = 8
# What a stored embedding is: the model and how texts are cut. Stored as
# search_embeddings.model and in the shipped vector file, so changing either makes every
# document due again (the worker notices another "model" remains) and an old file unused.
EMBEDDING_ID: Final = f"{MODEL_ID}+passages-{PASSAGE_WORDS}-{PASSAGE_STRIDE}"


def passages(text: str, words: int = PASSAGE_WORDS, stride: int = PASSAGE_STRIDE) -> list[str]:
    """What is embedded for a document text: the text itself, then, when it is longer than
    `words` words, each window of `words` words starting every `stride` words (the last one
    ends with the text). Other sizes than the defaults are for measuring only
    (bench/embedding_text.py --passages)."""
    split = text.split()
    if len(split) <= words:
        return [text]
    windows = [text]
    for start in range(0, len(split), stride):
        windows.append(" ".join(split[start : start + words]))
        if start + words >= len(split):
            break
    return windows


def text_hash(text: str) -> str:
    """Hex digest of (EMBEDDING_ID, text): a stored embedding is current iff its hash
    equals this.

    128 bits of BLAKE2b: no two texts of any catalog collide in practice, and the shipped
    sample's hashes stay small.
    """
    digest = hashlib.blake2b(digest_size=16)
    digest.update(EMBEDDING_ID.encode())
    digest.update(b"\x00")
    digest.update(text.encode("utf-8", "surrogatepass"))
    return digest.hexdigest()


# --- queries ---

# How people open a description of a film, not what the film is about.
_LEAD_IN = re.compile(
    r"^(?:(?:i(?:'m| am) )?(?:looking|searching) for |(?:can you )?(?:find|show)(?: me)? "
    r"|what(?:'s| is) (?:the|that) (?:name of the )?|which |name of the "
    r"|(?:i )?(?:remember|recall) |there(?:'s| is| was) )?"
    r"(?:(?:the|that|a|an|some) )?(?:(?:old|new|classic|good|great) )?"
    r"(?:(?:one|movie|film|flick|show|picture|cartoon)s? )?"
    r"(?:(?:about|where|in which|with|when|that|of|like|called) )",
    re.IGNORECASE,
)
_EXCLUDED = re.compile(r'(?:^|(?<=\s))-(?:"[^"]*"?|\S+)')
_TRAILING = re.compile(
    r"\s+(?:(?:movie|film|flick)s?|(?:the|a|that) (?:movie|film) (?:is )?called"
    r"|what(?:'s| is) it called)\s*$",
    re.IGNORECASE,
)


def query_text(q: str) -> str:
    """How a query is read before it is embedded: what the person describes, without the
    words that only say they are looking for a film ("movie about", "the one where"), and
    without the `-excluded` words (those are hard constraints, checked lexically; embedding
    them would pull results toward them). Falls back to the query itself when nothing
    else would be left."""
    text = " ".join(_EXCLUDED.sub(" ", q).replace('"', " ").split())
    text = text.strip(" ?!.,")
    stripped = _TRAILING.sub("", _LEAD_IN.sub("", text, count=1)).strip(" ?!.,")
    return stripped or text or " ".join(q.split())
