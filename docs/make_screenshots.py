"""Take the README's screenshots of the main pages, on the embedded data, in headless Chromium.

    python docs/make_screenshots.py        (make screenshots)

Starts the site on a free loopback port with a throw-away instance folder and a
temporary planner/scheduler account, and writes docs/*.png. Tiles are off (no
other origin is contacted), so the maps show markers on a plain background.
"""

from __future__ import annotations

import socket
import tempfile
import threading
from dataclasses import replace
from pathlib import Path

from playwright.sync_api import sync_playwright
from waitress.server import create_server

from outreach_map.accounts import add_user
from outreach_map.config import load_settings
from outreach_map.web import create_app

DOCS = Path(__file__).resolve().parent
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        settings = replace(load_settings(), instance_dir=Path(tmp))
        app = create_app(settings, test_config={"TILES": "none", "SECRET_KEY": "screenshots"})
        add_user(app.extensions["outreach"].engine, "demo", "admin", "demo-password-1")
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        server = create_server(app, host="127.0.0.1", port=port, threads=4)
        threading.Thread(target=server.run, daemon=True).start()
        base = f"http://127.0.0.1:{port}"
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
            page = browser.new_page(viewport={"width": 1280, "height": 1100})
            shots = [("home", "/"), ("search", "/search?q=Kings+Sutton"), ("postcode", "/search?q=NN11+4GJ")]
            for name, url in shots:
                page.goto(base + url)
                page.wait_for_timeout(500)
                page.screenshot(path=str(DOCS / f"{name}.png"))
            page.goto(base + "/login")
            page.get_by_label("User name").fill("demo")
            page.get_by_label("Password").fill("demo-password-1")
            page.get_by_role("button", name="Log in").click()
            for name, url in [
                ("coverage", "/plan/?kind=library&threshold=15&mode=drive&sites=3"),
                ("schedule", "/schedule/"),
            ]:
                page.goto(base + url)
                page.wait_for_timeout(800)
                page.screenshot(path=str(DOCS / f"{name}.png"))
            browser.close()
        server.close()
    print("wrote", ", ".join(sorted(p.name for p in DOCS.glob("*.png"))))


if __name__ == "__main__":
    main()
