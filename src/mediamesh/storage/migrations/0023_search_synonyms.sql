-- Synonyms for matching most words (search/postgres/relaxed.py; docs/SEARCH.md, "Synonyms"):
-- people describe a film in everyday words ("a dad disguised to see his kids"), its text is
-- written in an encyclopedia's ("a father ... his children"). When a relaxed search counts
-- a query word, a document with any of the word's synonyms has it too. Strict matching
-- (every word, named films) does not use them.
-- Stored by lexeme, both ways: (lexeme, synonym) for every ordered pair of one group. Add
-- your own with the same statement shape (a group of words, stemmed by the search config).
CREATE TABLE search_synonyms (
    lexeme  text NOT NULL,
    synonym text NOT NULL,
    PRIMARY KEY (lexeme, synonym),
    CHECK (lexeme <> synonym)
);

-- Each group: words that mean the same in a description of a film, colloquial first, as
-- encyclopedic plots write them after; irregular plurals the stemmer leaves apart
-- (child / children, woman / women) are one group too.
WITH groups(n, words) AS (VALUES
    (1, 'kid kids child children'),
    (2, 'dad daddy father'),
    (3, 'mom mommy mum mother'),
    (4, 'grandpa grandfather'),
    (5, 'grandma granny grandmother'),
    (6, 'guy man men'),
    (7, 'woman women lady'),
    (8, 'wife wives'),
    (9, 'person people'),
    (10, 'teen teenager adolescent'),
    (11, 'elderly old'),
    (12, 'baby infant'),
    (13, 'buddy buddies friend'),
    (14, 'cop cops police policeman'),
    (15, 'doctor doc physician'),
    (16, 'lawyer attorney'),
    (17, 'hitman assassin'),
    (18, 'gangster mobster'),
    (19, 'mob mafia'),
    (20, 'thief robber burglar crook'),
    (21, 'shrink psychiatrist therapist'),
    (22, 'nanny governess'),
    (23, 'tv television'),
    (24, 'plane airplane aircraft'),
    (25, 'spaceship spacecraft starship'),
    (26, 'car automobile'),
    (27, 'sub submarine'),
    (28, 'kill murder'),
    (29, 'killer murderer'),
    (30, 'kidnap abduct'),
    (31, 'wedding marriage'),
    (32, 'marry wed'),
    (33, 'jail prison'),
    (34, 'heist robbery'),
    (35, 'crazy insane'),
    (36, 'rich wealthy'),
    (37, 'scary horror'),
    (38, 'funny comedy'),
    (39, 'alien extraterrestrial'),
    (40, 'robot android'),
    (41, 'ghost spirit phantom'),
    (42, 'monster creature'),
    (43, 'college university'),
    (44, 'ww2 wwii'),
    (45, 'ww1 wwi'),
    (46, 'nyc york'),
    (47, 'trip journey voyage'),
    (48, 'grownup adult')
),
lexemes AS (
    SELECT DISTINCT n, lexeme
    FROM groups, unnest(tsvector_to_array(to_tsvector('public.mediamesh_english', words))) lexeme
)
INSERT INTO search_synonyms (lexeme, synonym)
SELECT DISTINCT a.lexeme, b.lexeme
FROM lexemes a JOIN lexemes b ON a.n = b.n AND a.lexeme <> b.lexeme;
