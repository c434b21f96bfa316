"""What the app serving a request holds in its state, read with its type checked: the settings
and the tiers' breakers for the HTTP plumbing, and each feature's running part for its routes
(the wiring, app/state.py, stores them)."""

from __future__ import annotations

from typing import TypeVar

from fastapi import Request

from mediamesh.resilience.breakers import Breakers
from mediamesh.settings import Settings

T = TypeVar("T")


def app_attribute(request: Request, name: str, kind: type[T]) -> T:
    """`request.app.state.<name>`; TypeError when it is not a `kind` (not set, or the app does
    not serve that part, or its lifespan has not started)."""
    value = getattr(request.app.state, name, None)
    if not isinstance(value, kind):
        raise TypeError(f"app.state.{name} is not a {kind.__name__}: is it served by this app?")
    return value


def settings_of(request: Request) -> Settings:
    return app_attribute(request, "settings", Settings)


def breakers_of(request: Request) -> Breakers:
    return app_attribute(request, "breakers", Breakers)
