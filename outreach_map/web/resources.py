"""Resources an application loads once: data, road network, travel times, database."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from flask import current_app
from sqlalchemy.engine import Engine

from ..accounts import database_url, make_engine
from ..config import PlannerSettings
from ..dataset import Dataset, load_dataset
from ..maps import MapSettings
from ..planner.problem import Location
from ..published import Timetable, list_timetables
from ..roads import RoadNetwork, load_roads
from ..timetabling import market_town_depots
from ..traveltime import TravelTimes

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
    planner: PlannerSettings = field(default_factory=PlannerSettings)
    _times: dict[str, TravelTimes] = field(default_factory=dict)

    @classmethod
    def from_config(cls, config: Mapping[str, Any], instance: Path, planner: PlannerSettings) -> Resources:
        return cls(
            data_dir=Path(config["DATA_DIR"]), routes_dir=Path(config["ROUTES_DIR"]),
            cache_dir=Path(config["CACHE_DIR"]), roads_name=config.get("ROADS"),
            max_snap_m=float(config["MAX_SNAP_KM"]) * 1000, db_url=database_url(instance, config.get("DATABASE_URL")),
            tiles=config["TILES"], planner=planner,
        )  # fmt: skip

    @cached_property
    def data(self) -> Dataset:
        return load_dataset(self.data_dir)

    @cached_property
    def network(self) -> RoadNetwork:
        return load_roads(self.data_dir, self.roads_name)

    @cached_property
    def engine(self) -> Engine:
        return make_engine(self.db_url)

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

    def timetables(self) -> list[Timetable]:
        """The published timetables, newest first."""
        return list_timetables(self.routes_dir)

    def map_settings(self) -> MapSettings:
        return MapSettings(
            tiles=self.tiles, leaflet_js="/assets/leaflet/leaflet.js", leaflet_css="/assets/leaflet/leaflet.css"
        )


def resources() -> Resources:
    """The current application's resources."""
    found: Resources = current_app.extensions["outreach"]
    return found
