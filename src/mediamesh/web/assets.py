"""The explorer's static files, read once from the installed package.

Assets are addressed by a version derived from their content (`/static/<version>/app.js`),
so a browser may keep them for a year: a new release has a new version, hence new URLs.
The page's ES modules import each other relatively (`./api.js`), so they stay inside the
versioned folder without a build step rewriting anything.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cache
from importlib import resources

PAGE = "index.html"
STATIC_PLACEHOLDER = "{{STATIC}}"
MEDIA_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
}


@dataclass(frozen=True)
class Asset:
    body: bytes
    media_type: str
    etag: str  # a strong validator: quoted, derived from the bytes


@dataclass(frozen=True)
class Bundle:
    version: str
    page: Asset  # index.html with its asset URLs pointing into /static/<version>
    assets: dict[str, Asset]  # by file name, index.html excluded

    @property
    def static_prefix(self) -> str:
        return f"/static/{self.version}"


def _asset(name: str, body: bytes) -> Asset:
    suffix = name[name.rfind(".") :]
    return Asset(body, MEDIA_TYPES[suffix], f'"{hashlib.sha256(body).hexdigest()[:20]}"')


@cache
def bundle() -> Bundle:
    """Every file of `static/` (read once per process). Raises FileNotFoundError when the
    package was installed without its static files, which is a packaging bug."""
    folder = resources.files("mediamesh.web").joinpath("static")
    files = {
        entry.name: entry.read_bytes()
        for entry in folder.iterdir()
        if entry.is_file() and entry.name[entry.name.rfind(".") :] in MEDIA_TYPES
    }
    digest = hashlib.sha256()
    for name in sorted(files):
        digest.update(name.encode() + b"\0" + files[name] + b"\0")
    version = digest.hexdigest()[:12]
    page = files.pop(PAGE).replace(STATIC_PLACEHOLDER.encode(), f"/static/{version}".encode())
    return Bundle(
        version=version,
        page=_asset(PAGE, page),
        assets={name: _asset(name, body) for name, body in files.items()},
    )
