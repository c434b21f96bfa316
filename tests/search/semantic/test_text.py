"""What is embedded for documents and queries (pure rules, no model)."""

from __future__ import annotations

import pytest

from mediamesh.search.semantic.text import (
    EMBEDDING_ID,
    PASSAGE_STRIDE,
    PASSAGE_WORDS,
    Description,
    document_text,
    passages,
    query_text,
    read_description,
    sentences,
    text_hash,
)

JAWS = (
    "Jaws is a 1975 American thriller film directed by Steven Spielberg, based on the 1974 "
    "novel by Peter Benchley. It stars Roy Scheider as police chief Martin Brody, who hunts a "
    "man-eating great white shark that attacks beachgoers at a summer resort town. The film "
    "was released by Universal Pictures on June 20, 1975."
)


def test_sentences_do_not_end_at_initials_or_titles() -> None:
    text = "It was directed by Burton L. Lewis and Dr. Smith. The film follows a spy. It ends."

    assert sentences(text) == [
        "It was directed by Burton L. Lewis and Dr. Smith.",
        "The film follows a spy.",
        "It ends.",
    ]


def test_a_description_is_read_as_what_the_film_is_and_what_happens() -> None:
    assert read_description(JAWS) == Description(
        what="A 1975 American thriller film.",
        plot="It stars Roy Scheider as police chief Martin Brody, who hunts a man-eating great "
        "white shark that attacks beachgoers at a summer resort town.",
    )


def test_a_lead_that_also_tells_the_story_is_plot() -> None:
    lead = (
        "Big is a 1988 American fantasy comedy film directed by Penny Marshall and stars Tom "
        "Hanks as Josh Baskin, a boy whose wish to be big transforms him into an adult."
    )

    assert read_description(lead) == Description(what="", plot=lead)


def test_credit_only_sentences_are_dropped() -> None:
    description = (
        "The Gay Diplomat is a 1931 American film directed by Richard Boleslawski. "
        "The film stars Ivan Lebedeff, Genevieve Tobin and Betty Compson. "
        "It was produced and distributed by RKO Radio Pictures."
    )

    assert read_description(description) == Description(what="A 1931 American film.", plot="")


def test_asides_in_parentheses_are_not_plot() -> None:
    description = "The film centers on Carl (Ed Asner), an old widower who flies his house."

    assert read_description(description).plot == (
        "The film centers on Carl, an old widower who flies his house."
    )


def test_a_description_without_credits_is_all_plot() -> None:
    description = "A retired hitman comes back for revenge. Nobody is safe."

    assert read_description(description) == Description(what="", plot=description)


def test_document_text_is_the_plot_alone() -> None:
    text = document_text("Jaws", JAWS, ["Thriller", "Roy Scheider", "Richard Dreyfuss"])

    assert text == read_description(JAWS).plot  # neither the title nor the tags


def test_without_a_plot_document_text_is_what_the_film_is() -> None:
    description = "Guard That Girl is a 1935 American mystery film directed by D. Ross Lederman."

    assert document_text("Guard That Girl", description, []) == "A 1935 American mystery film."


@pytest.mark.parametrize("description", [None, "", "   "])
def test_a_film_without_description_embeds_its_title(description: str | None) -> None:
    assert document_text("  The   Tiger Man ", description, []) == "The Tiger Man"


def test_a_short_text_is_one_passage() -> None:
    text = " ".join(f"w{i}" for i in range(PASSAGE_WORDS))
    assert passages(text) == [text]


def test_a_long_text_is_itself_then_overlapping_windows_to_its_end() -> None:
    words = [f"w{i}" for i in range(PASSAGE_WORDS + PASSAGE_STRIDE + 3)]
    text = " ".join(words)

    cut = passages(text)

    assert cut[0] == text
    assert cut[1:] == [
        " ".join(words[:PASSAGE_WORDS]),
        " ".join(words[PASSAGE_STRIDE : PASSAGE_STRIDE + PASSAGE_WORDS]),
        " ".join(words[2 * PASSAGE_STRIDE :]),
    ]
    # every word is in some window, and every window is at most PASSAGE_WORDS long
    assert set(" ".join(cut[1:]).split()) == set(words)
    assert all(len(window.split()) <= PASSAGE_WORDS for window in cut[1:])


def test_the_passage_scheme_is_part_of_the_embedding_id() -> None:
    assert f"passages-{PASSAGE_WORDS}-{PASSAGE_STRIDE}" in EMBEDDING_ID


def test_text_hash_identifies_the_exact_text() -> None:
    assert text_hash("Jaws. A shark.") == text_hash("Jaws. A shark.")
    assert text_hash("Jaws. A shark.") != text_hash("Jaws. A shark")
    assert len(text_hash("")) == 32
    int(text_hash("x"), 16)  # hex


@pytest.mark.parametrize(
    ("query", "read"),
    [
        ("movie about a banker wrongly imprisoned", "a banker wrongly imprisoned"),
        ("film where a boy befriends an alien", "a boy befriends an alien"),
        ("that one where the toys come alive", "the toys come alive"),
        ("the movie where a shark attacks a beach town?", "a shark attacks a beach town"),
        ("I'm looking for a film about a haunted hotel", "a haunted hotel"),
        ("what's the movie where a boxer gets a title shot", "a boxer gets a title shot"),
        ("old cartoon with a talking mouse", "a talking mouse"),
        ("robot cleaning up garbage on earth movie", "robot cleaning up garbage on earth"),
        ("emotions inside a young girl's head", "emotions inside a young girl's head"),
    ],
)
def test_query_text_drops_the_words_that_only_ask_for_a_film(query: str, read: str) -> None:
    assert query_text(query) == read


def test_query_text_drops_exclusions_and_quotes() -> None:
    assert query_text('"great white shark" -sequel -"part two"') == "great white shark"


@pytest.mark.parametrize("query", ["movie", "the movie", "  film about  ", "-x"])
def test_query_text_never_reads_a_query_as_nothing_when_it_said_something(query: str) -> None:
    assert query_text(query).strip()
