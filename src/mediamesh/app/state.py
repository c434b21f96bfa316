"""The application state, typed: what the lifespan opens and starts, and where the features
and the HTTP plumbing find their part of it (each reads only its own attribute)."""

from __future__ import annotations

from starlette.datastructures import State

from mediamesh.app.resources import Resources
from mediamesh.catalog.deps import CatalogDeps
from mediamesh.discovery.runtime import DiscoveryRuntime
from mediamesh.observability.metrics import Metrics
from mediamesh.resilience.breakers import Breakers
from mediamesh.search.runtime import SearchRuntime
from mediamesh.settings import Settings


class AppState(State):
    """Set when the app is built: `settings`, `metrics`. Set by the lifespan: `resources` and
    `breakers` (every app), `discovery` and `catalog` (discovery, all), `search` (search,
    all); a service an app does not serve stays None."""

    settings: Settings
    metrics: Metrics
    resources: Resources
    breakers: Breakers
    discovery: DiscoveryRuntime | None
    search: SearchRuntime | None
    catalog: CatalogDeps | None

    def __init__(self, settings: Settings, metrics: Metrics) -> None:
        super().__init__()
        self.settings = settings
        self.metrics = metrics
        self.discovery = self.search = self.catalog = None
