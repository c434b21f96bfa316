"""Rebuild src/mediamesh/data/sample_films.jsonl.gz from the wikipedia-movie-data decade files.

    python scripts/vendor_sample_data.py ../shared/data/wikipedia-movie-data

Each film becomes one catalog item in the shape of the catalog API (PUT /v1/catalog/items):
title → title, extract → description, first genre → category, genres plus the first five cast
names → tags, language "en", publishedAt = 1 January of its year, and a contentId that is a
UUIDv5 of the Wikipedia slug, year and title (slugs alone repeat: 155 duplicates).
"""

from __future__ import annotations

import gzip
import json
import re
import sys
import uuid
from pathlib import Path

NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://github.com/prust/wikipedia-movie-data")
HAS_LETTER = re.compile(r"[^\W\d_]")
OUT = Path(__file__).resolve().parents[1] / "src/mediamesh/data/sample_films.jsonl.gz"


def to_item(film: dict) -> dict:
    key = f"{film.get('href') or ''}|{film['year']}|{film['title']}"
    genres = [g.strip() for g in film.get("genres", []) if g.strip()]
    cast = [c.strip() for c in film.get("cast", []) if HAS_LETTER.search(c or "")][:5]
    return {
        "contentId": str(uuid.uuid5(NAMESPACE, key)),
        "contentType": "PROGRAM",
        "title": film["title"].strip(),
        "description": (film.get("extract") or "").strip(),
        "category": genres[0] if genres else None,
        "language": "en",
        "tags": list(dict.fromkeys(genres + cast)),
        "publishedAt": f"{film['year']:04d}-01-01T00:00:00Z",
        "status": "published",
    }


def main(source: Path) -> None:
    seen: set[str] = set()
    rows = 0
    with gzip.open(OUT, "wt", encoding="utf-8", compresslevel=9) as out:
        for decade in sorted(source.glob("movies-*.json")):
            for film in json.loads(decade.read_text(encoding="utf-8")):
                item = to_item(film)
                if item["contentId"] in seen or not item["title"]:
                    continue
                seen.add(item["contentId"])
                out.write(json.dumps(item, ensure_ascii=False) + "\n")
                rows += 1
    print(f"wrote {rows} items to {OUT}")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
