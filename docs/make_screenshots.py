"""Take the README's screenshots of the main pages, on the embedded data, in headless Chromium.

    python docs/make_screenshots.py        (make screenshots)

Starts the site on a free loopback port with a throw-away instance folder and a
temporary planner/scheduler account, and writes docs/*.png. Tiles are off (no
other origin is contacted), so the maps show markers on a plain background.
The report page is shown after a few DEMONSTRATION referrals made by two
temporary accounts (no real person's details; they live only in the temporary
folder).
"""

from __future__ import annotations

import socket
import tempfile
import threading
from dataclasses import replace
from pathlib import Path
from typing import Any

from playwright.sync_api import sync_playwright
from waitress.server import create_server

from outreach_map.accounts import add_membership, add_user
from outreach_map.config import load_settings
from outreach_map.db.engine import session_scope
from outreach_map.directory.editing import actor_for
from outreach_map.referrals.workflow import ClientDetails, ReferralRequest, accept, close, decline, make_referral
from outreach_map.web import create_app

DOCS = Path(__file__).resolve().parent
VICTIM_SUPPORT = "595316cc-9f29-5292-8445-3b9aac36c1e3"
WOMENS_AID = "f7e026ed-8110-589b-bc6d-2bd78993b354"
SUPPORTLINE = "7f452e24-804f-518a-822c-950d27be5deb"  # Victim Support Supportline
DROP_IN = "3ba3e5c4-f515-5d01-ba3f-192d4f6d7386"  # EXAMPLE - Domestic abuse drop-in, Daventry
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]


def demo_referrals(app: Any) -> None:
    """Four demonstration referrals between Victim Support and Women's Aid: accepted and closed, declined, open."""
    res = app.extensions["outreach"]
    engine, cipher = res.engine, res.cipher
    for name, org in (("demo-vs", VICTIM_SUPPORT), ("demo-wa", WOMENS_AID)):
        add_user(engine, name, "editor", "demo-password-1")
        add_membership(engine, name, org)
    made = []
    for index, (who, service, need) in enumerate(
        [("demo-vs", DROP_IN, "domestic-abuse"), ("demo-vs", DROP_IN, "domestic-abuse"),
         ("demo-wa", SUPPORTLINE, "victim-of-crime"), ("demo-vs", DROP_IN, "domestic-abuse")]
    ):  # fmt: skip
        client = ClientDetails(f"Demo {index + 1}", "demonstration only", "", "")
        request = ReferralRequest(service, need, client, consent=True, safeguarding_checked=True)
        with session_scope(engine) as session:
            made.append(make_referral(session, actor_for(session, who), request, cipher).key)
    with session_scope(engine) as session:
        wa, vs = actor_for(session, "demo-wa"), actor_for(session, "demo-vs")
        accept(session, wa, made[0])
        close(session, wa, made[0], "supported", "", cipher)
        decline(session, wa, made[1], "no-capacity", "", cipher)
        accept(session, vs, made[2])


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        settings = replace(load_settings(), instance_dir=Path(tmp))
        app = create_app(settings, test_config={"TILES": "none", "SECRET_KEY": "screenshots"})
        add_user(app.extensions["outreach"].engine, "demo", "admin", "demo-password-1")
        demo_referrals(app)
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
                ("report", "/report"),
            ]:
                page.goto(base + url)
                page.wait_for_timeout(800)
                page.screenshot(path=str(DOCS / f"{name}.png"))
            browser.close()
        server.close()
    print("wrote", ", ".join(sorted(p.name for p in DOCS.glob("*.png"))))


if __name__ == "__main__":
    main()
