"""Resources an application loads once: data, road network, travel times, database, the live directory."""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from flask import current_app, g, has_request_context
from sqlalchemy.engine import Engine

from ..accounts import database_url
from ..basemap import basemap_geojson
from ..config import MailSettings, PlannerSettings, Settings
from ..dataset import Dataset, load_dataset
from ..db.engine import open_engine
from ..directory import services_dir
from ..directory.store import DirectoryStore, ensure_directory
from ..jobs import JobQueue, open_queue
from ..planner.problem import Location
from ..published import (
    PublishedTimetables,
    Retirement,
    Timetable,
    live_timetables,
    public_timetable,
    read_timetables,
    repair_published,
    retired_plans,
)
from ..referrals.crypto import ClientCipher, load_cipher
from ..roads import RoadNetwork, load_roads
from ..timetabling import market_town_depots
from ..traveltime import TravelTimes
from .cache import Memo

__all__ = ["Resources", "resources"]


@dataclass(eq=False)
class Resources:
    """What the views share: paths and settings, and the data, network and engines loaded on first use."""

    data_dir: Path
    routes_dir: Path
    cache_dir: Path
    roads_name: str | None
    max_snap_m: float
    db_url: str
    tiles: str
    instance_dir: Path
    settings: Settings
    _times: dict[str, TravelTimes] = field(default_factory=dict)
    _data: tuple[object, Dataset] | None = field(default=None, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _published: tuple[object, list[Timetable], dict[str, Retirement]] | None = field(default=None, repr=False)
    memo: Memo[Any] = field(default_factory=Memo, repr=False)

    @classmethod
    def from_config(cls, config: Mapping[str, Any], instance: Path, settings: Settings) -> Resources:
        return cls(
            data_dir=Path(config["DATA_DIR"]), routes_dir=Path(config["ROUTES_DIR"]),
            cache_dir=Path(config["CACHE_DIR"]), roads_name=config.get("ROADS"),
            max_snap_m=float(config["MAX_SNAP_KM"]) * 1000, db_url=database_url(instance, config.get("DATABASE_URL")),
            tiles=config["TILES"], instance_dir=instance, settings=settings,
        )  # fmt: skip

    @property
    def planner(self) -> PlannerSettings:
        return self.settings.planner

    @property
    def mail(self) -> MailSettings:
        return self.settings.mail

    @cached_property
    def engine(self) -> Engine:
        """The database, migrated and (on first use) seeded with the directory from ``data/services``."""
        engine = open_engine(self.db_url)
        ensure_directory(
            engine, services_dir(self.data_dir), review_months=self.settings.directory.review_months,
            lead_organization=self.settings.directory.lead_organization,
        )  # fmt: skip
        return engine

    @cached_property
    def store(self) -> DirectoryStore:
        return DirectoryStore(self.engine)

    @cached_property
    def _static(self) -> Dataset:
        return load_dataset(self.data_dir)

    @property
    def data(self) -> Dataset:
        """Villages and postcodes (loaded once) with the live directory (reloaded when it changes).

        Within one request the directory is looked up once (its revision is one query).
        """
        if has_request_context():
            found: Dataset | None = g.get("outreach_data")
            if found is None:
                found = g.outreach_data = self._current_data()
            return found
        return self._current_data()

    def _current_data(self) -> Dataset:
        directory = self.store.directory()
        cached = self._data
        if cached is None or cached[0] is not directory:
            with self._lock:
                cached = (directory, dataclasses.replace(self._static, directory=directory))
                self._data = cached
        return cached[1]

    @cached_property
    def cipher(self) -> ClientCipher:
        """The key that seals referred clients' details (``OUTREACH_REFERRAL_KEY``, else the instance folder)."""
        return load_cipher(self.instance_dir, self.settings.referrals.key)

    @cached_property
    def network(self) -> RoadNetwork:
        return load_roads(self.data_dir, self.roads_name)

    def times(self, mode: str = "drive") -> TravelTimes:
        if mode not in self._times:
            self._times[mode] = TravelTimes(
                self.network, mode, cache_dir=self.cache_dir / self.network.name, max_snap_m=self.max_snap_m
            )
        return self._times[mode]

    @cached_property
    def depots(self) -> dict[str, Location]:
        """The vans' depots in this data, by town."""
        return market_town_depots(self.data)

    @cached_property
    def job_settings(self) -> Settings:
        """The settings as this application uses them (the test overrides included), for the job worker."""
        s = self.settings
        return dataclasses.replace(
            s, data_dir=self.data_dir, routes_dir=self.routes_dir, cache_dir=self.cache_dir,
            instance_dir=self.instance_dir,
            roads=dataclasses.replace(s.roads, network=self.roads_name, max_snap_km=self.max_snap_m / 1000),
            web=dataclasses.replace(s.web, tiles=self.tiles, database_url=self.db_url),
        )  # fmt: skip

    @cached_property
    def jobs(self) -> JobQueue:
        """The queue of long jobs (plans); a worker process runs them (``outreach-map worker``)."""
        return open_queue(self.job_settings)

    @cached_property
    def _repaired(self) -> bool:
        repair_published(self.routes_dir)  # what a publisher killed mid-way left, once per process
        return True

    def published(self) -> PublishedTimetables:
        """The published timetables, newest first, and the plan folders that cannot be read."""
        assert self._repaired
        return read_timetables(self.routes_dir)

    def timetables(self) -> list[Timetable]:
        """The published timetables, newest first (unreadable ones skipped, see :meth:`published`)."""
        return list(self.published().timetables)

    def _published_state(self) -> object:
        """What changes when a timetable is published, replaced or retired (a few ``stat`` calls)."""
        entries = []
        for path in [*sorted(self.routes_dir.glob("*/plan.json")), self.routes_dir / "retired.json"]:
            try:
                info = path.stat()
            except OSError:
                continue
            entries.append((str(path), info.st_mtime_ns, info.st_ino, info.st_size))
        return tuple(entries)

    def current_published(self) -> tuple[object, list[Timetable], dict[str, Retirement]]:
        """The published timetables and the retired ones, read again only when a file changed, with their state."""
        state = self._published_state()
        cached = self._published
        if cached is None or cached[0] != state:
            cached = (state, self.timetables(), retired_plans(self.routes_dir))
            self._published = cached
        return cached

    def public_timetables(self) -> list[Timetable]:
        """The timetables the public sees: published, running (not retired), revealing no confidential place."""
        directory = self.data.directory
        state, timetables, retired = self.current_published()
        found: list[Timetable] = self.memo.get((directory, state), "public-timetables", lambda: [
            t for t in live_timetables(timetables, retired) if public_timetable(t, directory) is not None
        ])  # fmt: skip
        return found

    @cached_property
    def basemap(self) -> bytes:
        """The site's own base map (GeoJSON), served at ``/basemap.geojson``."""
        return basemap_geojson(self.data_dir, self._static.villages)


def resources() -> Resources:
    """The current application's resources."""
    found: Resources = current_app.extensions["outreach"]
    return found
