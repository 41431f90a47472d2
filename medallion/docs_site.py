"""The dbt docs site as one offline file: ``reports/docs/index.html``.

``dbt docs generate --static`` writes ``target/static_index.html``, the docs app with the
manifest and catalog inlined. Before it is published here it is made to work with no network:

* usage tracking stays off (the embedded manifest says ``send_anonymous_usage_stats: false``;
  the app only loads its tracker when that is true);
* the favicon link (an unprocessed ``${require(...)}`` template) becomes an inline empty icon;
* the sidebar's SVG icons bind ``xlink:href="{{ ... }}"``, which the browser fetches as a
  relative URL before Angular interpolates it; ``ng-attr-href`` sets it only once interpolated;
* any ``<script src>``/``<link href>``/``<img src>``/``<iframe src>`` pointing at another host
  is removed (dbt 1.11 has none; this is what keeps a future one from calling out).
"""

from __future__ import annotations

import functools
import html.parser
import http.server
import os
from pathlib import Path

from medallion.settings import PROJECT_DIR
from medallion.transform import run_dbt

DOCS_FOLDER = "docs"
STATIC_INDEX = "static_index.html"
TRACKING_ON = '"send_anonymous_usage_stats": true'
TRACKING_OFF = '"send_anonymous_usage_stats": false'
ICON_BINDING = ('xlink:href="{{', 'ng-attr-href="{{')
FAVICON_TEMPLATE = "${require("
EMPTY_ICON = '<link rel="icon" href="data:,"/>'
FETCHING_ATTRIBUTES = {"script": "src", "link": "href", "img": "src", "iframe": "src"}
EXTERNAL_PREFIXES = ("http://", "https://", "//")


class DocsError(Exception):
    """The docs could not be generated; the message is one line meant for the user."""


class _TagFinder(html.parser.HTMLParser):
    """Collects the start tags (as written) that fetch from another host or from a template."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.external: list[str] = []
        self.favicons: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attribute = FETCHING_ATTRIBUTES.get(tag)
        if attribute is None:
            return
        value = (dict(attrs).get(attribute) or "").strip()
        text = self.get_starttag_text() or ""
        if value.lower().startswith(EXTERNAL_PREFIXES):
            self.external.append(text)
        elif tag == "link" and FAVICON_TEMPLATE in value:
            self.favicons.append(text)


def _tags(page: str) -> _TagFinder:
    finder = _TagFinder()
    finder.feed(page)
    finder.close()
    return finder


def external_references(page: str) -> list[str]:
    """The tags of ``page`` that would fetch from another host."""
    return _tags(page).external


def make_offline(page: str) -> str:
    """``page`` (dbt's static_index.html) without tracking, external fetches or broken URLs."""
    page = page.replace(TRACKING_ON, TRACKING_OFF).replace(*ICON_BINDING)
    found = _tags(page)
    for tag in found.external:
        page = page.replace(tag, "")
    for tag in found.favicons:
        page = page.replace(tag, EMPTY_ICON)
    return page


def target_dir() -> Path:
    """dbt's target folder: ``$DBT_TARGET_PATH`` or the project's ``target/``."""
    configured = os.environ.get("DBT_TARGET_PATH")
    return Path(configured) if configured else PROJECT_DIR / "target"


def generate_docs(warehouse: Path, reports: Path) -> Path:
    """Run ``dbt docs generate --static`` on the warehouse and publish the offline page."""
    outcome = run_dbt("docs generate", warehouse, ["--static"])
    if not outcome.success:
        raise DocsError(f"dbt docs generate: {outcome.error or 'failed'}")
    source = target_dir() / STATIC_INDEX
    if not source.is_file():
        raise DocsError(f"dbt docs generate wrote no {source}")
    destination = reports / DOCS_FOLDER / "index.html"
    destination.parent.mkdir(parents=True, exist_ok=True)
    staging = destination.with_name(".index.html.partial")
    staging.write_text(make_offline(source.read_text(encoding="utf-8")), encoding="utf-8")
    os.replace(staging, destination)
    return destination


def serve_docs(folder: Path, port: int) -> None:
    """Serve ``folder`` on http://127.0.0.1:port/ until interrupted (loopback only)."""
    if not (folder / "index.html").is_file():
        raise DocsError(f"no docs in {folder}: run `medallion docs` first")
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(folder))
    with http.server.ThreadingHTTPServer(("127.0.0.1", port), handler) as server:
        server.serve_forever()
