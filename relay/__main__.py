"""`python -m relay`: the same entry point as the `majlis-relay` command."""

import sys

from relay.cli import main

# Guarded so that walking the package (import checks, documentation tools) never starts a relay.
if __name__ == "__main__":
    sys.exit(main())
