"""Confidential places never reach the public through a timetable: one check for the API and the public pages."""

from __future__ import annotations

from ..directory import Directory
from ..geodesy import straight_line_m
from .model import Timetable

__all__ = ["CONFIDENTIAL_RADIUS_M", "public_timetable"]

#: A timetable with a stop or depot this close to a confidential location is never shown to the public.
CONFIDENTIAL_RADIUS_M = 100.0


def public_timetable(timetable: Timetable, directory: Directory) -> Timetable | None:
    """The timetable, or ``None`` if any stop or depot would reveal a confidential location.

    A stop whose id is a confidential location's (or its service_at_location's),
    or that lies within :data:`CONFIDENTIAL_RADIUS_M` of one, withholds the
    whole timetable; the caller answers as for an unknown one so the refusal
    itself reveals nothing.
    """
    secret = [p for p in directory.points if p.confidential]
    ids = {p.id for p in secret} | {p.location.id for p in secret}
    places = [(s.id, s.lat, s.lon) for s in timetable.stops] + [
        (v.depot.id, v.depot.lat, v.depot.lon) for v in timetable.vans
    ]
    for place_id, lat, lon in places:
        if place_id in ids or any(straight_line_m(lat, lon, p.lat, p.lon) <= CONFIDENTIAL_RADIUS_M for p in secret):
            return None
    return timetable
