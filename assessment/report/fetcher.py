"""The report's URL fetcher: the app's own static files, and nothing else.

Report HTML is rendered with `safe_url_fetcher`, which serves the app's static files
(``assessment/static``) under a fixed internal origin and refuses everything else
(``file://``, ``http(s)://`` anywhere else, ``data:``, paths escaping the folder), so report
HTML can reach neither the network nor the file system, whatever user text it holds.

The firm's logo (``branding``, checked when the app starts) is served the same way, from
memory, at ``BRANDING_URL``: a render that shows it uses ``StaticFilesFetcher(logo=...)``.
"""

from __future__ import annotations

import mimetypes
from pathlib import Path
from urllib.parse import unquote, urlsplit

from weasyprint.urls import URLFetcher, URLFetcherResponse

__all__ = ["STATIC_DIR", "STATIC_URL", "ResourceRefused", "StaticFilesFetcher", "safe_url_fetcher"]

STATIC_DIR = Path(__file__).resolve().parent.parent / "static"
#: The only place report HTML may load anything from. ".invalid" never resolves (RFC 6761):
#: the fetcher answers for this origin itself and never opens a connection.
STATIC_ORIGIN = ("https", "report.invalid")
STATIC_URL = "https://report.invalid/static/"
#: Where report HTML finds the firm's logo (only with a fetcher given the logo).
BRANDING_URL = "https://report.invalid/branding/logo"


class ResourceRefused(ValueError):
    """The report asked for something other than one of the app's static files."""


class StaticFilesFetcher(URLFetcher):
    """A WeasyPrint URL fetcher that serves files under `root` at `STATIC_URL`, nothing else.

    Refuses other schemes and hosts (``file:``, ``http:``, ``data:``…), empty, ``.`` and
    ``..`` path segments (also percent-encoded), backslashes, NUL bytes, and anything that
    resolves (symbolic links included) outside `root`. It never touches the network.
    """

    def __init__(self, root: Path = STATIC_DIR, *, logo=None):
        super().__init__(timeout=1, allowed_protocols=("https",), fail_on_errors=False)
        self.root = Path(root).resolve()
        self.logo = logo  # a branding.Logo served at BRANDING_URL, or None

    def resolve(self, url: str) -> Path:
        """The file behind `url`, or ResourceRefused."""
        parts = urlsplit(url)
        if (parts.scheme.lower(), parts.netloc.lower()) != STATIC_ORIGIN:
            raise ResourceRefused(f"only the app's static files may be loaded, not {url!r}")
        path = unquote(parts.path)
        prefix = urlsplit(STATIC_URL).path
        if not path.startswith(prefix):
            raise ResourceRefused(f"not under {prefix}: {url!r}")
        relative = path[len(prefix) :]
        segments = relative.split("/")
        if "\\" in relative or "\x00" in relative or any(s in ("", ".", "..") for s in segments):
            raise ResourceRefused(f"not a plain path inside the static folder: {url!r}")
        file = self.root.joinpath(*segments).resolve()
        if not file.is_relative_to(self.root) or not file.is_file():
            raise ResourceRefused(f"no such static file: {url!r}")
        return file

    def fetch(self, url: str, headers=None) -> URLFetcherResponse:
        if self.logo is not None and url == BRANDING_URL:
            return URLFetcherResponse(
                url, body=self.logo.data, headers={"Content-Type": self.logo.mimetype}
            )
        file = self.resolve(url)
        mime = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
        return URLFetcherResponse(url, body=file.read_bytes(), headers={"Content-Type": mime})

    def open(self, url, data=None, timeout=None):  # never urllib's handlers
        return self.fetch(url if isinstance(url, str) else url.full_url)


safe_url_fetcher = StaticFilesFetcher()
