"""The embedded data set as one object: villages, service directory, postcodes."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .directory import Directory, load_directory, services_dir
from .places import Villages, load_villages, villages_file
from .postcodes import Postcodes, load_postcodes, postcodes_file

__all__ = ["SOURCES", "DataSource", "Dataset", "load_dataset"]


@dataclass(frozen=True, slots=True)
class DataSource:
    """One open data source and the attribution its licence asks for."""

    name: str
    used_for: str
    licence: str
    attribution: str


#: Every source behind the embedded data, credited in the CLI and on the site.
SOURCES: tuple[DataSource, ...] = (
    DataSource("OS Open Names (2024)", "villages, postcodes, schools, hospitals, care homes", "OGL v3",
               "Contains OS data (c) Crown copyright and database right 2024"),
    DataSource("OS Code-Point Open (2014)", "postcodes missing from 2024, districts, population weights", "OGL v3",
               "Contains OS data (c) Crown copyright and database right 2014; Royal Mail data (c) Royal Mail "
               "copyright and database right 2014; National Statistics data (c) Crown copyright 2014"),
    DataSource("GeoNames (cities500, postal codes)", "places around Daventry, town populations", "CC BY 4.0",
               "GeoNames (geonames.org), CC BY 4.0"),
    DataSource("ONS small-area population (LSOA)", "district population totals", "OGL v3",
               "Source: Office for National Statistics licensed under the Open Government Licence v3.0"),
    DataSource("DCMS Libraries Taskforce dataset (via LibrariesHacked)",
               "public libraries; the village halls and community centres that house them", "OGL v3",
               "Contains public sector information licensed under the Open Government Licence v3.0"),
    DataSource("NHS ODS epraccur (2019)", "GP practices", "OGL v3",
               "Contains NHS Digital ODS data licensed under the Open Government Licence v3.0"),
    DataSource("OS Open Roads (2024)", "motorways of the approximate road network", "OGL v3",
               "Contains OS data (c) Crown copyright and database right 2024"),
    DataSource("Open Referral UK 3.0 schemas", "directory format and validation", "CC BY-SA 4.0",
               "Open Referral UK, CC BY-SA 4.0"),
)  # fmt: skip


@dataclass(frozen=True)
class Dataset:
    """Everything the commands read from a data directory."""

    data_dir: Path
    villages: Villages
    directory: Directory
    postcodes: Postcodes


def load_dataset(data_dir: Path, *, directory: Directory | None = None) -> Dataset:
    """Load and validate the villages, directory and postcodes under ``data_dir``.

    ``directory`` is the live directory (from the database, see
    :func:`outreach_map.directory.store.open_store`); without it the seed files
    of ``data_dir/services`` are read, as the data build and its tests do.

    Raises
    ------
    DataFileError
        Naming the file, line or record and field of the first problem.
    """
    return Dataset(
        data_dir=data_dir,
        villages=load_villages(villages_file(data_dir)),
        directory=directory if directory is not None else load_directory(services_dir(data_dir)),
        postcodes=load_postcodes(postcodes_file(data_dir)),
    )
