"""Rebuild the embedded approximate road network ``data/roads/westnorthants-proxy/``.

Run from the project root (``make data`` does this)::

    python data/build_roads.py [--out DIR]

It joins the settlements of ``data/villages/villages.csv`` to their neighbours
and adds the real motorways of ``data/raw/os_openroads_motorways_westnorthants_bbox.geojson``;
``data/roads/README.md`` explains the method and the calibration.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from outreach_map.places import load_villages, villages_file
from outreach_map.roads import DEFAULT_NETWORK, build_proxy_network, network_dir, save_network

DATA = Path(__file__).resolve().parent


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--out", type=Path, default=DATA)
    args = parser.parse_args(argv)
    villages = load_villages(villages_file(DATA))
    network = build_proxy_network(
        [(v.lat, v.lon) for v in villages], DATA / "raw" / "os_openroads_motorways_westnorthants_bbox.geojson"
    )
    save_network(network, network_dir(args.out, DEFAULT_NETWORK))


if __name__ == "__main__":
    main()
