"""`python -m relay`: the same entry point as the `majlis-relay` command."""

import signal
import sys

# A reload (SIGHUP) that arrives while the relay is still starting must not end it: the default
# action kills the process, and a service manager counts death by SIGHUP as a clean stop that
# needs no restart. Ignored from the first line until relay.cli installs the real handler.
if hasattr(signal, "SIGHUP"):
    signal.signal(signal.SIGHUP, signal.SIG_IGN)

from relay.cli import main

# Guarded so that walking the package (import checks, documentation tools) never starts a relay.
if __name__ == "__main__":
    sys.exit(main())
