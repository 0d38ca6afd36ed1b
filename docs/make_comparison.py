"""Screenshots for a before/after comparison: a village page on a phone and a map without external tiles.

    python docs/make_comparison.py http://127.0.0.1:5000 after

Drives a site that is already running (any version, with ``OUTREACH_TILES=none``)
in headless Chromium and writes ``docs/<prefix>-village-phone.png`` (Byfield at
390x844, the first screen) and ``docs/<prefix>-map-no-tiles.png`` (the map of a
search for Byfield at 1280x900, with its legend). Prints the village page's full height on the phone. The
"before" pictures in the README were taken from commit f726d98 served from a
temporary worktree.
"""

from __future__ import annotations

import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

DOCS = Path(__file__).resolve().parent
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]


def main(base: str, prefix: str) -> None:
    """Take the two screenshots of the site at ``base``, named with ``prefix``."""
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        phone = browser.new_page(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
        phone.goto(base + "/village/byfield")
        phone.wait_for_load_state("networkidle")
        phone.wait_for_timeout(500)
        phone.screenshot(path=str(DOCS / f"{prefix}-village-phone.png"))
        height = phone.evaluate("document.documentElement.scrollHeight")
        desktop = browser.new_page(viewport={"width": 1280, "height": 900})
        desktop.goto(base + "/search?q=Byfield")
        desktop.wait_for_load_state("networkidle")
        desktop.wait_for_timeout(800)
        figure = desktop.locator(".map-figure").or_(desktop.locator(".map-wrap")).first  # the map and its legend
        figure.scroll_into_view_if_needed()
        desktop.wait_for_timeout(300)
        figure.screenshot(path=str(DOCS / f"{prefix}-map-no-tiles.png"))
        browser.close()
    print(f"{prefix}: village page on a phone is {height} px tall; wrote {prefix}-village-phone.png, "
          f"{prefix}-map-no-tiles.png")  # fmt: skip


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: python docs/make_comparison.py BASE_URL PREFIX (e.g. http://127.0.0.1:5000 after)")
    main(sys.argv[1], sys.argv[2])
