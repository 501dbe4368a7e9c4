"""Joining with a spoken code: short one-time codes, a SPAKE2 exchange through the relay.

The host's app offers `7-451-938`; the joiner types it; the two apps meet in a mailbox (a relay
room addressed by the code's public first number), run SPAKE2 on the six digits, confirm the key
both ways, and the host's app hands over the room's invite sealed under that key. The relay sees
a routing id derived from the first number and opaque bytes of fixed sizes, nothing else.

- `codes`: what a code is, typing it, every derived key (labels of their own).
- `messages`: the mailbox messages byte by byte (docs/PROTOCOL.md, part 5).
- `offer` / `redeem`: the host's and the joiner's sans-I/O machines.
- `link`: the asyncio adapter (`CodeDesk` for a host, `redeem_code` for a joiner).
- `cli`: `majlis host --code` and `majlis join --code`.
"""
