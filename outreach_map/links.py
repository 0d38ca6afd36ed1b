"""Web addresses known to be dead: the sites of councils that no longer exist.

Links are not fetched (the site contacts no other server); an entry whose
address is on a retired council's domain is flagged on its page with where to
look instead, until its agency corrects it.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

__all__ = ["DEAD_DOMAINS", "DeadLink", "dead_link"]


@dataclass(frozen=True, slots=True)
class DeadLink:
    """Why an address no longer works and where its successor is."""

    reason: str
    instead: str
    instead_name: str


#: Domain -> why its pages are gone (the domain and all its subdomains).
DEAD_DOMAINS: dict[str, DeadLink] = {
    "northamptonshire.gov.uk": DeadLink(
        "Northamptonshire County Council was abolished in April 2021 and its website closed",
        "https://www.westnorthants.gov.uk/", "West Northamptonshire Council",
    ),
    "daventrydc.gov.uk": DeadLink(
        "Daventry District Council was abolished in April 2021", "https://www.westnorthants.gov.uk/",
        "West Northamptonshire Council",
    ),
    "southnorthants.gov.uk": DeadLink(
        "South Northamptonshire Council was abolished in April 2021", "https://www.westnorthants.gov.uk/",
        "West Northamptonshire Council",
    ),
    "buckscc.gov.uk": DeadLink(
        "Buckinghamshire County Council was abolished in April 2020", "https://www.buckinghamshire.gov.uk/",
        "Buckinghamshire Council",
    ),
}  # fmt: skip


def dead_link(url: str | None) -> DeadLink | None:
    """Why ``url`` is known not to work, or ``None``.

    Examples
    --------
    >>> dead_link("https://www3.northamptonshire.gov.uk/councilservices/libraries").instead_name
    'West Northamptonshire Council'
    >>> dead_link("https://www.westnorthants.gov.uk/libraries") is None
    True
    """
    if not url:
        return None
    host = (urlsplit(url).hostname or "").lower()
    for domain, why in DEAD_DOMAINS.items():
        if host == domain or host.endswith("." + domain):
            return why
    return None
