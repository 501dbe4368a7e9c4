"""The API the desktop uses, on a real relay process: several codes at once for several joiners,
the list of live codes, withdrawing one, and which code a joiner came through."""

from __future__ import annotations

import asyncio

import pytest
from relayproc import RelayProcess, start_relay

from app.code.codes import parse_code
from app.code.errors import CodeFailed
from app.code.link import CodeDesk, IssuedCode, redeem_code
from crypto.identity import Identity
from crypto.invite import Invite

pytestmark = pytest.mark.integration


def test_several_codes_for_several_joiners(relay: RelayProcess) -> None:
    host = Identity.generate()
    invite = Invite.create([relay.url], host.public.key)
    changes: list[tuple[IssuedCode, str]] = []

    async def scenario() -> None:
        desk = CodeDesk(relay.url, invite, "Study group",
                        on_change=lambda c, s: changes.append((c, s)))
        first, second, third = [await desk.issue() for _ in range(3)]
        assert len({first.text, second.text, third.text}) == 3
        assert [c.text for c in desk.live()] == [first.text, second.text, third.text]
        assert all(c.attempts_left == 3 and c.relay_url == relay.url for c in desk.live())
        ali, mona = Identity.generate(), Identity.generate()
        progress: list[str] = []
        got_a, got_m = await asyncio.gather(
            redeem_code(parse_code(first.text)[0], [relay.url], ali.public, "Ali",
                        on_progress=progress.append),
            redeem_code(parse_code(second.text)[0], [relay.url], mona.public, "Mona"))
        assert got_a.invite == got_m.invite == invite
        assert got_a.room_name == "Study group"
        assert got_a.host_fingerprint == host.public.fingerprint()
        assert progress[0].startswith("Looking for the code")
        await asyncio.sleep(0.2)  # the desk's side finishes after the joiner's
        came = desk.came_through(ali.public.key)
        assert came is not None and came.text == first.text and came.state == "used"
        assert came.joiner_name == "Ali" and came.joiner_fingerprint == ali.public.fingerprint()
        assert desk.came_through(mona.public.key).text == second.text  # type: ignore[union-attr]
        assert desk.came_through(host.public.key) is None
        assert [c.text for c in desk.live()] == [third.text]
        await desk.revoke(third.text)
        assert desk.live() == ()
        with pytest.raises(CodeFailed) as caught:
            await redeem_code(parse_code(third.text)[0], [relay.url], ali.public, "Ali")
        assert caught.value.reason == "no-such-code"
        await desk.close()

    asyncio.run(scenario())
    sentences = [s for _c, s in changes if s]
    assert any("was used by Ali" in s for s in sentences)
    assert any("was withdrawn" in s for s in sentences)


def test_a_dead_relay_is_a_sentence() -> None:
    invite = Invite.create(["ws://127.0.0.1:9"], Identity.generate().public.key)

    async def scenario() -> None:
        desk = CodeDesk("ws://127.0.0.1:9", invite, "x")
        with pytest.raises(CodeFailed) as caught:
            await desk.issue()
        assert caught.value.reason == "relay" and "Cannot reach the relay" in str(caught.value)
        with pytest.raises(CodeFailed) as caught:
            await redeem_code(parse_code("7-451-938")[0], ["ws://127.0.0.1:9"],
                              Identity.generate().public, "x")
        assert caught.value.reason == "relay"

    asyncio.run(scenario())


def test_a_relay_without_the_code_is_passed_over(relay: RelayProcess) -> None:
    """As on a LAN with several rooms: the first relay has no such mailbox, the second does."""
    other = start_relay()
    invite = Invite.create([relay.url], Identity.generate().public.key)

    async def scenario() -> None:
        desk = CodeDesk(relay.url, invite, "Second room")
        issued = await desk.issue()
        seen: list[str] = []
        got = await redeem_code(parse_code(issued.text)[0], [other.url, relay.url],
                                Identity.generate().public, "x", on_progress=seen.append)
        assert got.relay_url == relay.url and got.invite == invite
        assert seen.count("Looking for the code on the relay...") == 2
        await desk.close()

    try:
        asyncio.run(scenario())
    finally:
        other.stop()
