"""Labelled queries over the vendored sample films, for bench/search_quality.py.

Each entry: (kind, query, the contentIds a user typing it is looking for). Labels were
taken from the data (zcat src/mediamesh/data/sample_films.jsonl.gz), by title and year,
before measuring; a family (a film and its sequels) is labelled whole when the query
names the family rather than one film.

The described kinds are a person describing a film instead of naming it, in everyday words,
as typed into a streaming service's search box, with no title, character or cast name; a
remake is labelled too when the description fits it as well. DESCRIBED was written from the
film's plot as our sample tells it (its description, a Wikipedia lead), paraphrased, and
alternates film by film between "described" (to tune on) and "described-heldout" (reported,
never tuned on), so that both halves are alike. FRESH ("described-fresh") was written later
from memory of the films, without reading their plots (see its comment).
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


# Films described, not named (see the module docstring). The comment names the labelled film.
DESCRIBED: list[tuple[str, str, list[str]]] = [
    (  # 127 Hours (2010)
        "described",
        "climber trapped alone in a remote canyon by a fallen rock",
        ["57f16e59-03d6-596b-811c-5b3c899ab1d7"],
    ),
    (  # 1917 (2019)
        "described-heldout",
        "ww1 film two soldiers rush orders to stop an attack",
        ["96510727-13ea-5147-a8d4-b0133668d8a1"],
    ),
    (  # 2001: A Space Odyssey (1968)
        "described",
        "astronauts and an ai computer fly out to jupiter",
        ["3294f4ed-8df2-5050-8fb2-0ad8d2700780"],
    ),
    (  # A Nightmare on Elm Street (1984, 2010)
        "described-heldout",
        "burned child killer comes back to murder teens in their sleep",
        ["237d1c6e-88c5-53ae-b626-f94164ed1410", "93e94e50-54e4-57d5-9fab-adb54c035279"],
    ),
    (  # A Quiet Place (2018)
        "described",
        "movie where a family must stay silent or blind monsters hear them",
        ["97e41baa-7bc0-51f7-88b1-b69ce195334b"],
    ),
    (  # Aladdin (1992, 2019)
        "described-heldout",
        "poor thief finds a magic lamp and poses as a prince",
        ["f9a4bb97-d360-5f60-8bae-00ae7397ed6d", "9baece8e-ee12-57a6-8916-151877a81a15"],
    ),
    (  # Apollo 13 (1995)
        "described",
        "moon flight crippled by an explosion, crew tries to get home",
        ["592aad5d-8bdd-57a0-b1e9-0fe7492e1c33"],
    ),
    (  # Argo (2012)
        "described-heldout",
        "cia fakes a sci-fi movie shoot to get americans out of iran",
        ["dba044a9-4208-579a-9361-ec716fcdf3d3"],
    ),
    (  # Armageddon (1998)
        "described",
        "oil rig drillers sent to space to blow up an asteroid",
        ["b30e0fbe-b9d3-5b43-8878-97e505de26f4"],
    ),
    (  # Arrival (2016)
        "described-heldout",
        "language professor tries to talk with aliens before a war starts",
        ["43affdfe-2225-5804-b89e-ac79e60ffa50"],
    ),
    (  # Babe (1995)
        "described",
        "little pig learns to herd sheep",
        ["92cda84c-e836-50f8-b99d-a896d8a41c95"],
    ),
    (  # Beetlejuice (1988)
        "described-heldout",
        "dead couple wants the new family out of their house",
        ["b69cbd5e-6588-5c8c-b9de-cfd9f3562b12"],
    ),
    (  # Big (1988)
        "described",
        "kid turns into a grown up overnight after making a wish",
        ["e59ba7c8-a3e0-5049-a27a-c113309f51fd"],
    ),
    (  # Blade Runner (1982)
        "described-heldout",
        "detective tracks down escaped artificial humans in future los angeles",
        ["868e9642-5a81-517a-a4a5-2ddb170ba504"],
    ),
    (  # Brave (2012)
        "described",
        "scottish princess whose mom gets turned into a bear",
        ["568302ad-b551-5c95-bda8-3b5bbbd01bea"],
    ),
    (  # Butch Cassidy and the Sundance Kid (1969)
        "described-heldout",
        "two train robbers run from a posse and flee to south america",
        ["03ecbac5-2aa4-52d2-9a77-a8d5dd2934f2"],
    ),
    (  # Captain Phillips (2013)
        "described",
        "pirates seize a cargo ship and hold its skipper hostage",
        ["9c43e1fa-ed0e-59d5-b8f4-1433d55686db"],
    ),
    (  # Cast Away (2000)
        "described-heldout",
        "man stranded alone on an island after his plane goes down",
        ["b46fa386-41ab-58ce-ab5f-c1a9793190a6"],
    ),
    (  # Catch Me If You Can (2002)
        "described",
        "teen con artist pretends to be a pilot and a doctor",
        ["a1dd70f2-ddfc-5008-b71c-e7fc6c8402a8"],
    ),
    (  # Coco (2017)
        "described-heldout",
        "boy who loves music gets stuck in the land of the dead",
        ["4f22508b-0e06-5627-ab6c-e87b20b661bc"],
    ),
    (  # Contagion (2011)
        "described",
        "a deadly virus goes global and scientists race for a vaccine",
        ["d9b9d6d8-031e-5382-9009-e3c87ca83801"],
    ),
    (  # Dawn of the Dead (1978, 2004)
        "described-heldout",
        "zombie movie where survivors hide in a shopping mall",
        ["6cb23da2-db46-59c2-90de-0026738d73aa", "ed74c2d1-e331-53b9-bce1-c7a72d90ad42"],
    ),
    (  # Dead Poets Society (1989)
        "described",
        "teacher at a strict prep school gets his boys to love poems",
        ["f06fe5a8-de05-5313-b899-8f3f95d420b4"],
    ),
    (  # Despicable Me (2010)
        "described-heldout",
        "villain plotting to steal the moon takes in three orphans",
        ["ce5706c8-bb1e-5497-9784-43173aea9733"],
    ),
    (  # Django Unchained (2012)
        "described",
        "freed slave and a bounty hunter set out to rescue his wife",
        ["59b1a02c-1c7d-5225-b2c3-203948165f1b"],
    ),
    (  # Dumb and Dumber (1994)
        "described-heldout",
        "two idiots drive cross country to return a briefcase of cash",
        ["0e15c814-32fe-5f29-93b4-28f45ac58bf9"],
    ),
    (  # Edward Scissorhands (1990)
        "described",
        "gentle artificial man with knife hands falls for a suburban girl",
        ["2a8d4b9f-6ad7-5fe8-a74e-38e519fdeef6"],
    ),
    (  # Elf (2003)
        "described-heldout",
        "raised by santa's helpers, a man looks for his dad",
        ["41ee657b-7ec4-5cb3-88f3-0ff1b4c2a622"],
    ),
    (  # Fargo (1996)
        "described",
        "car salesman has his wife kidnapped for ransom, pregnant cop investigates",
        ["fb283db8-e31a-5ae8-9a96-61b0b5070f1b"],
    ),
    (  # Freaky Friday (1976, 2003)
        "described-heldout",
        "mom n daughter switch bodies",
        ["da98373a-2d7a-5bab-8b6d-af0ffcb7f9b3", "3d1d06a5-787c-57f9-82c8-ac186f866dbc"],
    ),
    (  # Frozen (2013)
        "described",
        "girl goes after her sister whose ice magic caused endless winter",
        ["64f19a5a-4837-5b6d-9c38-f1909c566e28"],
    ),
    (  # Get Out (2017)
        "described-heldout",
        "black guy meets his white girlfriend's family and something's very wrong",
        ["3f7c1df3-3a13-5e22-8065-5896109259fa"],
    ),
    (  # Ghost (1990)
        "described",
        "murdered man's spirit uses a psychic to protect his girlfriend",
        ["d224b734-25e6-5892-8817-f0c2006619a9"],
    ),
    (  # Gladiator (2000)
        "described-heldout",
        "betrayed roman general becomes a slave fighter seeking revenge",
        ["245e81e5-81c6-5885-9827-bb520dc74ebd"],
    ),
    (  # Groundhog Day (1993)
        "described",
        "that movie where the weatherman wakes up to the same morning forever",
        ["62a75af7-f1ff-5345-8a54-0c46d270d234"],
    ),
    (  # The Truman Show (1998)
        "described-heldout",
        "movie about a guy whose whole life is secretly on tv",
        ["d27f9f0c-9f50-5ceb-bd13-38cf1e5a062a"],
    ),
    (  # How to Train Your Dragon (2010)
        "described",
        "viking boy befriends an injured dragon instead of killing it",
        ["0183fd7b-5b77-5d7e-8078-ff31ca98795e"],
    ),
    (  # Inception (2010)
        "described-heldout",
        "thief who steals secrets by getting inside people's dreams",
        ["d8eb17ae-0045-52aa-9f7d-85cdbe190907"],
    ),
    (  # Jumanji (1995)
        "described",
        "cursed board game brings jungle dangers to life",
        ["f0a07c47-84bf-53d9-84a3-a27644d36c27"],
    ),
    (  # King Kong (1933, 1976, 2005)
        "described-heldout",
        "giant gorilla captured on an island and shipped to new york",
        [
            "6a115b03-9e2c-5132-a059-d7b7002f90eb",
            "aafd862e-c2a1-5c64-9c44-a7aa1520d22c",
            "34ac7757-0b33-5254-a3c0-30fb833ea953",
        ],
    ),
    (  # Legally Blonde (2001)
        "described",
        "sorority girl enrolls in law school to win back her ex",
        ["a2c8f024-48af-5ff3-a805-9f6165cb18b3"],
    ),
    (  # Zootopia (2016)
        "described-heldout",
        "rabbit cop and fox hustler investigate missing predators",
        ["d970c6f4-c37e-5f57-9f18-9b4ed5c2eac4"],
    ),
    (  # Life of Pi (2012)
        "described",
        "boy and a tiger stuck in a lifeboat after a shipwreck",
        ["9878f217-790a-5b8a-83c7-41a7f64f0925"],
    ),
    (  # Little Miss Sunshine (2006)
        "described-heldout",
        "crazy family road trip to get their kid into a beauty pageant",
        ["ee08eb68-91d0-5df7-acba-4009a0d14882"],
    ),
    (  # Memento (2000)
        "described",
        "guy cant make new memories uses tattoos to find wifes killer",
        ["b7eed6fa-85ee-5a78-8fb8-172891c3369b"],
    ),
    (  # Misery (1990)
        "described-heldout",
        "crazed fan holds her favorite author prisoner",
        ["a9774622-2ebe-58fe-88d9-331cdc775ab0"],
    ),
    (  # Moneyball (2011)
        "described",
        "baseball manager with no money uses statistics to build a team",
        ["93aa85f7-6f4a-5a47-a99c-77f6218f5b4b"],
    ),
    (  # Mrs. Doubtfire (1993)
        "described-heldout",
        "divorced dad disguised as an elderly nanny to see his kids",
        ["cf556c3c-5807-5114-8f71-90f067a6db7c"],
    ),
    (  # Mulan (1998, 2020)
        "described",
        "girl disguised as a boy joins the army instead of her dad",
        ["0da39b25-9d0a-5311-ba23-f6d18aec5651", "83af7008-43fc-583d-b7b7-bef113b767f4"],
    ),
    (  # Night at the Museum (2006)
        "described-heldout",
        "guard finds the exhibits he watches come alive after dark",
        ["37e05aba-58bf-54df-bbb0-fea77e55eeb5"],
    ),
    (  # No Country for Old Men (2007)
        "described",
        "guy finds millions in the texas desert and a hitman chases him",
        ["126ba7c3-92a6-5064-b9ab-95b78020cbc8"],
    ),
    (  # Notting Hill (1999)
        "described-heldout",
        "london bookshop owner falls for a famous american actress",
        ["def053f4-8e63-5dda-80d6-598bf1ff95e8"],
    ),
    (  # Planet of the Apes (1968, 2001)
        "described",
        "astronauts crash land where monkeys rule and humans are animals",
        ["4ee47e82-580d-50cc-8229-b98b50f76f86", "efcdb561-5171-5958-83d1-66905dd93204"],
    ),
    (  # RoboCop (1987, 2014)
        "described-heldout",
        "cop left for dead is rebuilt as a cyborg",
        ["bc175c5e-ac71-5ccb-946e-0dc1be9d1509", "e9581aaa-42a6-5080-829f-8277e69f8f88"],
    ),
    (  # Rosemary's Baby (1968)
        "described",
        "pregnant woman suspects her old neighbors are satanists",
        ["c84a46c7-1e00-55d1-a404-ee0a4ae0eb0d"],
    ),
    (  # Saving Private Ryan (1998)
        "described-heldout",
        "ww2 squad sent to bring home a soldier whose brothers were killed",
        ["776ffd29-42b2-504a-aff6-af6aabd16b12"],
    ),
    (  # School of Rock (2003)
        "described",
        "broke guitarist poses as a teacher and starts a kids band",
        ["b8d849ce-4dbf-5bba-bc56-48111eea2eb0"],
    ),
    (  # Some Like It Hot (1959)
        "described-heldout",
        "two musicians dress as women to hide from the mob",
        ["27a5e9f9-e7ac-5825-9728-e125d8642a01"],
    ),
    (  # Speed (1994)
        "described",
        "bus that blows up if it drops below 50 mph",
        ["72a9a471-43d4-5ec9-8bd1-ef17a0a15e05"],
    ),
    (  # Stand by Me (1986)
        "described-heldout",
        "four kids go on a trek to find a missing boy's body",
        ["65bd354a-e738-51c3-b797-dd4160065f43"],
    ),
]
QUERIES += DESCRIBED

# Described once more, by another hand in effect: written on 2026-12-05 from memory of the films
# (as a person would, without reading the sample's plots), after the synonyms of
# search_synonyms (migration 0023) were fixed; never tuned on. "described-heldout" had been
# read while those synonyms were chosen (its misses were listed by the bench), so this set
# is the unbiased check of them.
FRESH: list[tuple[str, str, list[str]]] = [
    (  # Jaws (1975)
        "described-fresh",
        "giant shark attacks swimmers at a summer beach town",
        ["8fbb8042-4b68-5ce9-8193-224e90cc994b"],
    ),
    (  # WALL-E (2008)
        "described-fresh",
        "lonely trash robot on an abandoned earth falls for a probe robot",
        ["a69ec872-fd17-5b01-8372-230fd0b14ab0"],
    ),
    (  # Toy Story (1995)
        "described-fresh",
        "cowboy doll gets jealous of the new space toy",
        ["c43535e2-dd05-5700-a867-28bcd9e29f75"],
    ),
    (  # Raiders of the Lost Ark (1981)
        "described-fresh",
        "archaeologist races the nazis to find the ark",
        ["ea9eceb5-0ae7-5776-a674-10f01a1bc26b"],
    ),
    (  # Finding Nemo (2003)
        "described-fresh",
        "clownfish crosses the ocean to find his son taken by a diver",
        ["ee4643b0-c99b-577e-913c-96f2f7b9d7da"],
    ),
    (  # Titanic (1997)
        "described-fresh",
        "rich girl and a poor artist fall in love on a sinking ship",
        ["36e85455-d527-5940-ad62-046e51ad8d88"],
    ),
    (  # Die Hard (1988)
        "described-fresh",
        "new york cop fights terrorists in an la office tower on christmas eve",
        ["021b2b6f-cf40-53e1-8c31-f0712ccef9ed"],
    ),
    (  # Up (2009)
        "described-fresh",
        "old man flies his house to south america with balloons",
        ["588e4989-cc81-5410-9c0f-979d2f111825"],
    ),
    (  # The Lion King (1994, 2019)
        "described-fresh",
        "lion cub runs away after his uncle kills his father the king",
        ["bfdcd5c2-67cf-5ca3-bbb8-6de95ce7059f", "bdadff93-148a-55f6-a75f-dc23b5f217c8"],
    ),
    (  # Poltergeist (1982, 2015)
        "described-fresh",
        "ghosts take a little girl through the tv set",
        ["afeea136-c026-54ec-a476-7f9bc679c8ad", "95080a9e-68a9-5638-84ae-57719389354c"],
    ),
    (  # Gone Girl (2014)
        "described-fresh",
        "wife disappears and her husband becomes the main suspect",
        ["1d8e0354-e95f-50fe-9f56-7b67f0811015"],
    ),
    (  # The Martian (2015)
        "described-fresh",
        "astronaut left behind on mars has to survive alone",
        ["06feb6e9-f711-5a74-958e-0bf8e9b43c6d"],
    ),
    (  # Thelma & Louise (1991)
        "described-fresh",
        "two women friends on the run after a shooting at a bar",
        ["60dfe6df-5188-55b0-82b4-e63e4b67a28b"],
    ),
    (  # Driving Miss Daisy (1989)
        "described-fresh",
        "old southern lady and her black chauffeur become friends over the years",
        ["fc87bd07-3ffc-5371-a8a5-68688e723fe5"],
    ),
    (  # Home Alone (1990)
        "described-fresh",
        "boy forgotten at home over christmas fights off two burglars",
        ["886f8ded-4c9e-55a5-bad0-c5dd9bb4d54d"],
    ),
    (  # The Sixth Sense (1999)
        "described-fresh",
        "child psychologist treats a boy who sees dead people",
        ["f01860dc-a170-5379-a3a1-945ddd7e1caf"],
    ),
    (  # Forrest Gump (1994)
        "described-fresh",
        "slow witted man from alabama ends up at the big moments of american history",
        ["4e01b1da-afb2-518a-b472-ee731ad5a260"],
    ),
    (  # Rain Man (1988)
        "described-fresh",
        "selfish car dealer goes on a road trip with his autistic brother",
        ["8190e84c-ca8c-5295-9b13-cf266df94e90"],
    ),
    (  # Ratatouille (2007)
        "described-fresh",
        "a rat who wants to be a chef in paris",
        ["ee1bba9c-17b8-5df5-8a43-4c1da763ae0b"],
    ),
    (  # Erin Brockovich (2000)
        "described-fresh",
        "single mom legal clerk takes on a power company poisoning a town's water",
        ["9b8a31ec-46be-5b09-9100-6ebd9649ea0c"],
    ),
]
QUERIES += FRESH
