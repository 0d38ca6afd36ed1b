"""outreach-map: service directory and geographic outreach planner for rural areas."""

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
