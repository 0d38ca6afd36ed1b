"""The shared service directory (Open Referral UK 3.0): model, seed files, database, editing and interchange.

- :mod:`.model`: the frozen objects coverage, search, the planner and the API use, and the linking of tables.
- :mod:`.schema`: validation against the Open Referral UK schemas and our extensions.
- :mod:`.files`: the seed files in ``data/services/``.
"""

from __future__ import annotations

from .files import load_directory as load_directory
from .files import read_tables as read_tables
from .files import services_dir as services_dir
from .model import EXAMPLE_PREFIX as EXAMPLE_PREFIX
from .model import TABLES as TABLES
from .model import Directory as Directory
from .model import Location as Location
from .model import Organization as Organization
from .model import Phone as Phone
from .model import Schedule as Schedule
from .model import Service as Service
from .model import ServiceKind as ServiceKind
from .model import ServicePoint as ServicePoint
from .model import link_directory as link_directory

__all__ = [
    "EXAMPLE_PREFIX",
    "TABLES",
    "Directory",
    "Location",
    "Organization",
    "Phone",
    "Schedule",
    "Service",
    "ServiceKind",
    "ServicePoint",
    "link_directory",
    "load_directory",
    "read_tables",
    "services_dir",
]
