"""outreach-map: service directory and geographic outreach planner for rural areas.

The house, from the ground up (each layer imports only from those below it):

1. :mod:`.errors` (every user error), :mod:`.clock` and :mod:`.geodesy`, :mod:`.config` (the settings);
2. the data: :mod:`.places`, :mod:`.postcodes`, :mod:`.directory` (Open Referral UK), :mod:`.dataset`, :mod:`.lookup`;
3. travel: :mod:`.roads`, :mod:`.osm`, :mod:`.traveltime`;
4. analysis: :mod:`.coverage`, :mod:`.siting`, :mod:`.search`, and the solver :mod:`.planner`;
5. the published timetable: :mod:`.published`; making one: :mod:`.timetabling`;
6. outputs: :mod:`.exports`, :mod:`.tables`, :mod:`.maps`, :mod:`.openreferral`, :mod:`.publicjson`;
7. the faces: :mod:`.web` (Flask) and :mod:`.cli`.
"""

from __future__ import annotations

from . import config as config
from . import dataset as dataset
from . import directory as directory
from . import errors as errors
from . import places as places
from . import postcodes as postcodes
from .dataset import Dataset as Dataset
from .dataset import load_dataset as load_dataset

__all__ = ["Dataset", "config", "dataset", "directory", "errors", "load_dataset", "places", "postcodes"]
__version__ = "0.1.0"
