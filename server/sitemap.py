"""robots.txt and sitemap.xml: every page, for crawlers."""

from __future__ import annotations

from datetime import date
from xml.sax.saxutils import escape


def robots(base: str) -> bytes:
    """Crawl everything but query results; point at the sitemap."""
    return (
        "User-agent: *\n"
        "Allow: /\n"
        # Query results are endless and already reachable as pages and dumps.
        "Disallow: /sparql?\n"
        f"Sitemap: {base}sitemap.xml\n"
    ).encode()


def sitemap(pages: list[str], lastmod: date) -> bytes:
    """A sitemap (sitemaps.org 0.9) listing every page with the dataset's modification date."""
    day = lastmod.isoformat()
    entries = "".join(
        f"  <url><loc>{escape(page)}</loc><lastmod>{day}</lastmod></url>\n" for page in pages
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
        f"{entries}</urlset>\n"
    ).encode()
