"""``python -m outreach_map``: the command line."""

from .cli import main

main(prog_name="outreach-map")
