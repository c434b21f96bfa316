"""What the HTTP plumbing reads from the app serving a request: the settings and the tiers'
breakers, which the wiring (app/state.py) stores in every app it builds."""

from __future__ import annotations

from fastapi import Request

from mediamesh.resilience.breakers import Breakers
from mediamesh.settings import Settings


def settings_of(request: Request) -> Settings:
    settings = request.app.state.settings
    if not isinstance(settings, Settings):
        raise TypeError("the app has no settings: build it with mediamesh.app.factory")
    return settings


def breakers_of(request: Request) -> Breakers:
    breakers = request.app.state.breakers
    if not isinstance(breakers, Breakers):
        raise TypeError("the app's clients are not open: its lifespan has not started")
    return breakers
