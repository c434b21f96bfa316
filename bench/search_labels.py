"""Labelled queries over the vendored sample films, for bench/search_quality.py.

Each entry: (kind, query, the contentIds a user typing it is looking for). Labels were
taken from the data (zcat src/mediamesh/data/sample_films.jsonl.gz), by title and year,
before measuring; a family (a film and its sequels) is labelled whole when the query
names the family rather than one film.
"""

from __future__ import annotations

GODFATHER = "33ed9289-84c3-55b4-a132-8b9d75da46bb"
GODFATHER_FAMILY = [
    GODFATHER,
    "d291dc6c-71da-5bd6-a2e0-67ccfd73fbfc",
    "4570b663-a250-58fd-957c-a1dc53d289c4",
]
CASABLANCA = "da577588-819d-5b50-be6a-155ef4aabfad"
JAWS = "8fbb8042-4b68-5ce9-8193-224e90cc994b"
MATRIX = "e562c714-7c09-59f3-8c47-b21711ba4446"
MATRIX_FAMILY = [
    MATRIX,
    "4b8da910-64f2-59d5-9aa9-f8551364acb7",
    "00e7978d-2c9a-58be-a9cf-60199a7f6405",
    "51ace753-64b1-5d96-b1cf-a41d047bc90c",
]
PULP_FICTION = "bcd0d58b-a3e0-574a-b9c6-d4807566951b"
BTTF = "7a790e1d-b7cb-5e57-a0c6-7c94314f152f"
BTTF_FAMILY = [BTTF, "01ffa84f-30f7-5d06-b73f-8c17174f4c89", "946b4dcd-e007-5a08-a6ee-3391bb29a459"]
SHAWSHANK = "6c4e2a13-99e6-56a7-b45c-b304aa2a3acb"
GONE_WITH_THE_WIND = "60016c2c-7aca-5ac5-9e73-ff7bc7ad6227"
SILENCE_OF_THE_LAMBS = "675768c0-3f41-55ba-bf7f-a4795dbcc084"
JURASSIC_PARK = "23179700-8d5f-54cc-9c05-e503482283ae"
JURASSIC_FAMILY = [
    JURASSIC_PARK,
    "dc7a5cc8-053a-54fa-9ad6-94cddd87b500",
    "b7816f60-d57a-5405-aa9f-1e33ded27c14",
    "326693b0-4e77-5ccc-977c-c314c75e021a",
]
DARK_KNIGHT_FAMILY = [
    "c944fa87-32a0-5583-b423-a75ceddad287",
    "6b8fa301-fd4b-5090-a866-6937ac3461e5",
]
TERMINATOR = "3af38ff4-e074-5926-b8ec-b73c78a862c3"
TERMINATOR_2 = "7e280c93-2c5b-5cd4-8a5c-01330b53f9bf"
GHOSTBUSTERS = ["f3a940af-3bba-5a1b-8ccb-dba4ccdc2afe", "ce3ceebc-6cf3-554a-9a89-0297dd4f4eea"]
TITANICS = [
    "36e85455-d527-5940-ad62-046e51ad8d88",
    "dc1a8b54-72a3-569b-a451-614414da93f7",
    "09f3e750-68af-5837-806e-04800e4d318b",
]
LEON = "1a6c2015-ed0d-5d97-b57f-9750534fea4b"
FORREST_GUMP = "4e01b1da-afb2-518a-b472-ee731ad5a260"
SCHINDLER = "49aba77f-e2cc-52f3-bc3e-172dfc8374ca"

QUERIES: list[tuple[str, str, list[str]]] = [
    ("title", "the godfather", [GODFATHER]),
    ("title", "casablanca", [CASABLANCA]),
    ("title", "strangers on a train", ["47204ae5-0d04-5289-96fd-1f8920c77ef1"]),
    ("title", "jaws", [JAWS]),
    ("title", "the matrix", [MATRIX]),
    ("title", "pulp fiction", [PULP_FICTION]),
    ("title", "star wars", ["85d9b412-49a8-5a4e-981e-a47b6c29fcdc"]),
    ("title", "back to the future", [BTTF]),
    ("title", "citizen kane", ["85b4fdf1-0bf6-5095-80d9-17373b747a75"]),
    ("title", "schindler's list", [SCHINDLER]),
    ("title", "the shawshank redemption", [SHAWSHANK]),
    ("title", "gone with the wind", [GONE_WITH_THE_WIND]),
    ("title", "the silence of the lambs", [SILENCE_OF_THE_LAMBS]),
    ("title", "raiders of the lost ark", ["ea9eceb5-0ae7-5776-a674-10f01a1bc26b"]),
    ("title", "titanic", TITANICS),
    ("typo", "the godfathr", [GODFATHER]),
    ("typo", "casablanka", [CASABLANCA]),
    ("typo", "pulp fictoin", [PULP_FICTION]),
    ("typo", "forest gump", [FORREST_GUMP]),
    ("typo", "jurasic park", [JURASSIC_PARK]),
    ("typo", "shawshank redemtion", [SHAWSHANK]),
    ("typo", "ghostbustres", GHOSTBUSTERS),
    ("typo", "the matrx", [MATRIX]),
    ("typo", "terminatr", [TERMINATOR, TERMINATOR_2]),
    ("typo", "silense of the lambs", [SILENCE_OF_THE_LAMBS]),
    ("prefix", "godf", GODFATHER_FAMILY),
    ("prefix", "casab", [CASABLANCA]),
    ("prefix", "jurassic pa", JURASSIC_FAMILY),
    ("prefix", "shawsh", [SHAWSHANK]),
    ("prefix", "back to the fut", BTTF_FAMILY),
    ("prefix", "the dark kni", DARK_KNIGHT_FAMILY),
    ("prefix", "schindl", [SCHINDLER]),
    ("prefix", "the termin", [TERMINATOR]),
    ("plot", "great white shark beachgoers", [JAWS]),
    ("plot", "corleone mafia family", GODFATHER_FAMILY),
    ("plot", "clownfish searches for his missing son", ["ee4643b0-c99b-577e-913c-96f2f7b9d7da"]),
    ("plot", "boy defends his home from burglars", ["886f8ded-4c9e-55a5-bad0-c5dd9bb4d54d"]),
    ("plot", "delorean time machine", [BTTF]),
    ("plot", "fbi trainee serial killer hannibal lecter", [SILENCE_OF_THE_LAMBS]),
    ("plot", "robot left to clean up garbage on earth", ["a69ec872-fd17-5b01-8372-230fd0b14ab0"]),
    ("plot", "terrorist takeover los angeles skyscraper", ["021b2b6f-cf40-53e1-8c31-f0712ccef9ed"]),
    ("plot", "crew of the nostromo", ["2981ed7b-4d1b-5e90-b015-0e330d5e37d8"]),
    ("plot", "banker sentenced to life in shawshank", [SHAWSHANK]),
    ("plot", "elderly widower travels to south america", ["588e4989-cc81-5410-9c0f-979d2f111825"]),
    ("phrase", '"gone with the wind"', [GONE_WITH_THE_WIND]),
    ("phrase", '"heavyweight championship" apollo creed', ["02dfe9a0-6515-5e5d-a99e-24ff8bcf91e6"]),
    ("phrase", '"sent back in time" sarah connor', [TERMINATOR, TERMINATOR_2]),
    ("phrase", '"man-eating great white shark"', [JAWS]),
    ("exclusion", "godfather -part", [GODFATHER]),
    ("exclusion", "titanic -miniseries", TITANICS[:2]),
    (
        "exclusion",
        "wizard of oz -silent -tv",
        ["548c789e-9ad5-5c00-9549-8b632501c40d", "14341017-a351-5d2e-a25a-11678b5b4858"],
    ),
    (
        "exclusion",
        "alien -nation -predator -resurrection",
        ["2981ed7b-4d1b-5e90-b015-0e330d5e37d8"],
    ),
    ("cast", "bogart bergman", [CASABLANCA]),
    ("cast", "keanu reeves matrix", MATRIX_FAMILY),
    ("cast", "schwarzenegger cyborg", [TERMINATOR, TERMINATOR_2]),
    ("accent", "leon the professional", [LEON]),
    ("accent", "LÉON", [LEON]),
]
