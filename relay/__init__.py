"""Majlis' blind relay: forwards sealed frames between members of a room it cannot read.

The package never imports crypto/, audio/, app/ or nacl (a test checks `sys.modules`): whatever
the relay's operator runs, it holds no key and cannot open what it forwards.
"""
