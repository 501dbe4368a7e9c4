"""`python -m relay`: the same entry point as the `majlis-relay` command."""

import sys

from relay.cli import main

sys.exit(main())
