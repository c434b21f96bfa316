"""The web explorer: a single page served at `/`, its assets shipped in this package."""
