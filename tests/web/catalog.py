"""A small catalog with engagement whose lists and searches have known answers.

Popular score = views·1 + completes·2 + likes·5 (the default weights). At most two episodes
of one program per list, so "Harbor Lights: The Keeper" (third of its program) never shows.
All events happen "now", so trending ranks like popular (every event decays the same).
"""

from __future__ import annotations

from typing import Any

import httpx

PROGRAMS = {
    "p-harbor": (
        "Harbor Lights",
        "Drama",
        "en",
        "A fishing town keeps its lighthouse burning through a winter of storms.",
    ),
    "p-orbit": (
        "Orbit of Ash",
        "Science Fiction",
        "en",
        "A salvage crew finds a silent station circling a dead star.",
    ),
    "p-cuisine": (
        "La Cuisine de Minuit",
        "Documentary",
        "fr",
        "Chefs of Paris cook through the night for the city's night workers.",
    ),
    "p-whales": (
        "Songs of the Whales",
        "Documentary",
        "en",
        "Humpback whales sing their way across the Pacific.",
    ),
}
EPISODES = {
    "e-harbor-1": (
        "p-harbor",
        "Harbor Lights: The First Storm",
        "The harbor braces for the storm of the decade.",
    ),
    "e-harbor-2": (
        "p-harbor",
        "Harbor Lights: Lanterns",
        "Lanterns on the harbor wall guide the boats home.",
    ),
    "e-harbor-3": (
        "p-harbor",
        "Harbor Lights: The Keeper",
        "The old keeper of the harbor light tells his story.",
    ),
    "e-orbit-1": ("p-orbit", "Orbit of Ash: Salvage", "The crew cuts into the station's hull."),
}
# ten episodes without engagement: never in a list (no score), but eleven "whales" matches
# make search results span two pages
WHALE_EPISODES = {
    f"e-whales-{n}": (
        "p-whales",
        f"Songs of the Whales: Part {n}",
        f"Chapter {n} of the whale song.",
    )
    for n in range(1, 11)
}
EPISODES |= WHALE_EPISODES
WHALE_TITLES = {"Songs of the Whales", *(title for _, title, _ in WHALE_EPISODES.values())}
# contentId -> (views, likes, completes)
ENGAGEMENT = {
    "e-harbor-1": (0, 5, 0),  # 25
    "e-harbor-2": (2, 3, 0),  # 17
    "p-orbit": (9, 0, 2),  # 13
    "p-whales": (12, 0, 0),  # 12
    "e-harbor-3": (10, 0, 0),  # 10, but the third Harbor Lights episode
    "p-harbor": (0, 0, 4),  # 8
    "p-cuisine": (0, 1, 0),  # 5
    "e-orbit-1": (3, 0, 0),  # 3
}
POPULAR_ALL = [
    "Harbor Lights: The First Storm",
    "Harbor Lights: Lanterns",
    "Orbit of Ash",
    "Songs of the Whales",
    "Harbor Lights",
    "La Cuisine de Minuit",
    "Orbit of Ash: Salvage",
]
POPULAR_PROGRAMS = ["Orbit of Ash", "Songs of the Whales", "Harbor Lights", "La Cuisine de Minuit"]
POPULAR_EPISODES = [
    "Harbor Lights: The First Storm",
    "Harbor Lights: Lanterns",
    "Orbit of Ash: Salvage",
]
HARBOR_TITLES = {
    "Harbor Lights",
    *(title for _, title, _ in EPISODES.values() if "Harbor" in title),
}


def catalog_items() -> list[dict[str, Any]]:
    """The body items of POST /v1/catalog/items."""
    items: list[dict[str, Any]] = []
    for content_id, (title, category, language, description) in PROGRAMS.items():
        items.append(
            {
                "contentId": content_id,
                "contentType": "PROGRAM",
                "title": title,
                "description": description,
                "category": category,
                "language": language,
                "tags": [category.lower()],
            }
        )
    for content_id, (program_id, title, description) in EPISODES.items():
        _, category, language, _ = PROGRAMS[program_id]
        items.append(
            {
                "contentId": content_id,
                "contentType": "EPISODE",
                "programId": program_id,
                "title": title,
                "description": description,
                "category": category,
                "language": language,
            }
        )
    return items


def events() -> list[dict[str, str]]:
    """The body events of POST /v1/discovery/events (all at the server's now)."""
    out: list[dict[str, str]] = []
    for content_id, (views, likes, completes) in ENGAGEMENT.items():
        for kind, n in (("view", views), ("like", likes), ("complete", completes)):
            out += [{"contentId": content_id, "type": kind}] * n
    return out


def load(client: httpx.Client, headers: dict[str, str]) -> None:
    """POST the catalog and its engagement through the API (`headers`: a write key)."""
    response = client.post("/v1/catalog/items", json={"items": catalog_items()}, headers=headers)
    assert response.status_code == 200, response.text
    response = client.post("/v1/discovery/events", json={"events": events()}, headers=headers)
    assert response.status_code == 202, response.text
