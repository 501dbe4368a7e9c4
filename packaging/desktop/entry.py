"""The bundle's one executable: `majlis` opens the app; `majlis host|join ...` is the headless
client, so a frozen bundle carries both (the same split the `majlis` console script makes)."""

from __future__ import annotations

import sys

HEADLESS = {"host", "join"}


def run() -> int:
    args = sys.argv[1:]
    if args and args[0] in HEADLESS:
        from app.cli import main as headless

        return headless(args)
    from app.main import main

    return main(args)


if __name__ == "__main__":
    sys.exit(run())
