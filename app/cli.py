"""`majlis`: the desktop app, or the headless client.

    majlis [app] [--room NAME] [LINK] ...    the desktop app (app/main.py); without a screen,
                                             the room runs headless instead
    majlis host [--relay URL] --name ROOM [--as NAME] [--speak WAV] [--record WAV]
                [--auto-admit] [--auto-stage] [--for SECONDS] [AUDIO]
    majlis join LINK [--as NAME] [--speak WAV] [--record WAV] [--for SECONDS] [AUDIO]
    majlis host ... --code [--lan ADDRESS]      also offer a spoken code (app/code/cli.py)
    majlis join --code CODE [--relay URL | --lan ADDRESS] ...
    majlis --list-devices

AUDIO: [--mic [DEVICE]] [--speaker [DEVICE]] [--no-noise-suppression] [--no-echo-cancellation]
       [--stats]. Without --mic and --speaker the headless client opens no sound device.

Without --relay, `host` starts a relay inside this process on 127.0.0.1 (or --listen) and opens the
room there. Every failure ends with one sentence on stderr and a non-zero exit code (see EPILOG).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import json
import signal
import sys
import threading
import time
from pathlib import Path

import numpy as np

from app.client import AudioSettings, ClientStats, Outcome, Policy, RoomClient, Speech
from app.code import cli as codecli
from app.core import events as ev
from app.core.errors import LocalProtocolError
from app.core.protocol import RoomProtocol
from app.net.lanes import too_slow_sentence
from app.net.proxy import ProxySettings
from app.net.tor import OwnTor, TorError, tor_options, use_tor
from audio.devices import list_devices
from audio.wav import WavError, read_wav, write_wav
from crypto.errors import BadInvite
from crypto.identity import Identity
from crypto.invite import Invite

EPILOG = """exit codes:
  0  the time was up, or you left (Ctrl-C)
  2  bad arguments, invite link or audio file
  3  the relay could not be reached, is full, or dropped the connection
  4  the room is not there (it ended, or the host has not opened it)
  5  you were removed from the room
  6  the host did not let you in
  7  the host ended the room
  8  the code did not work (wrong, expired, used, or tried wrongly too often)
"""


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="majlis", description="End-to-end encrypted voice rooms "
                                "(headless client).", epilog=EPILOG,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="command", required=True)

    def common(sp: argparse.ArgumentParser) -> None:
        sp.add_argument("--as", dest="display_name", metavar="NAME", default=None,
                        help="your display name in the room (only members see it)")
        sp.add_argument("--speak", type=Path, metavar="WAV",
                        help="speak this WAV file once on stage (any rate or channel count)")
        sp.add_argument("--record", type=Path, metavar="WAV",
                        help="write what you heard, mixed, as 48 kHz mono WAV, silence included")
        sp.add_argument("--for", dest="duration", type=float, metavar="SECONDS",
                        help="leave after this many seconds (default: until Ctrl-C)")
        sp.add_argument("--mic", nargs="?", const="", default=None, metavar="DEVICE",
                        help="speak through a microphone (index or name from --list-devices; "
                             "the default one without DEVICE); join raises a hand, as --speak")
        sp.add_argument("--speaker", nargs="?", const="", default=None, metavar="DEVICE",
                        help="play the room on an output device (index or name; the default "
                             "one without DEVICE)")
        sp.add_argument("--no-noise-suppression", action="store_true",
                        help="send the microphone as it is, without noise suppression")
        sp.add_argument("--no-echo-cancellation", action="store_true",
                        help="no echo cancellation (for headphones)")
        sp.add_argument("--latency", default="low", metavar="SECONDS",
                        help="device latency to ask PortAudio for: low, high or seconds")
        sp.add_argument("--proxy", metavar="PROXY", default="",
                        help="reach relays through a proxy: socks5://HOST:PORT (names resolved "
                             "by the proxy), http://HOST:PORT, 'tor' (127.0.0.1:9050, then "
                             "9150) or 'system'; without it, relays are reached directly")
        sp.add_argument("--no-lanes", action="store_true",
                        help="never open a second connection for audio (it doubles what a "
                             "speaker sends, and what a listener on a lossy link receives; "
                             "docs/AUDIO.md)")
        sp.add_argument("--tor-bridge", metavar="LINE", action="append", default=[],
                        help="with --proxy tor: start Majlis' own tor through this bridge "
                             "('obfs4 ADDRESS:PORT FINGERPRINT cert=... iat-mode=0', "
                             "'snowflake ...'); repeat it for several")
        sp.add_argument("--tor-config", type=Path, metavar="FILE",
                        help="with --proxy tor: start Majlis' own tor with these extra torrc "
                             "lines")
        sp.add_argument("--stats", action="store_true",
                        help="print the sound statistics as one JSON line ('stats: ...') at exit")

    h = sub.add_parser("host", help="open a room and print its invite link",
                       epilog=COMMANDS + "\n\n" + EPILOG,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    h.add_argument("--relay", metavar="URL", action="append",
                   help="relay to use, ws:// or wss:// (default: start one in this process); "
                        "repeat it to list several in the invite: members fall back to the "
                        "next when one is blocked or down")
    h.add_argument("--listen", metavar="HOST:PORT", default="127.0.0.1:0",
                   help="where the built-in relay listens when --relay is not given "
                        "(default 127.0.0.1 on a free port)")
    h.add_argument("--name", required=True, help="the room's name (only members see it)")
    h.add_argument("--topic", default="", help="the room's topic")
    h.add_argument("--auto-admit", action="store_true",
                   help="let in everyone who has the link (default: ask for each person)")
    h.add_argument("--auto-stage", action="store_true",
                   help="invite to the stage whoever raises a hand")
    codecli.add_host_options(h)
    common(h)

    j = sub.add_parser("join", help="join a room with an invite link",
                       epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    j.add_argument("link", nargs="?", help="the invite link (majlis://join#...)")
    codecli.add_join_options(j)
    common(j)
    return p


def _say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def _narrate(event: ev.Event, protocol: RoomProtocol) -> None:
    """A line on stderr for what a person in the room would notice."""
    if isinstance(event, ev.AudioFrame):
        return  # 150 a second while three people talk: nothing to say about them

    def name(mid: int) -> str:
        member = protocol.members.get(mid)
        return member.name if member is not None else f"#{mid}"

    if isinstance(event, ev.Welcomed):
        _say(f"joined {event.room_name!r} (room code {protocol.invite_room_code()})")
    elif isinstance(event, ev.Waiting):
        _say("waiting for the host to let you in...")
    elif isinstance(event, ev.MemberJoined):
        _say(f"{event.member.name} joined")
    elif isinstance(event, ev.MemberLeft):
        _say(f"{event.name} {'was removed' if event.removed else 'left'}")
    elif isinstance(event, ev.HandChanged) and event.raised:
        _say(f"{name(event.member_id)} raised a hand")
    elif isinstance(event, ev.RoleChanged):
        _say(f"{name(event.member_id)} is now {event.role.name.lower()}")
    elif isinstance(event, ev.StageInvited):
        _say("you are invited to speak")
    elif isinstance(event, ev.KeyMissing):
        _say("a key change was lost on the way; asking the host again")
    elif isinstance(event, ev.SecurityAlert):
        _say(f"security: {event.detail}")
    elif isinstance(event, ev.Disconnected) and protocol.rejoining:
        _say("connection lost while waiting to be let in; reconnecting to knock again...")
    elif isinstance(event, ev.Disconnected):
        _say("connection lost; reconnecting (your place in the room is kept)...")
    elif isinstance(event, ev.Resumed):
        _say("back in the room")
    elif isinstance(event, ev.ResumeExpired):
        _say("away too long: joining again as a new member")
    elif isinstance(event, ev.MemberAway):
        _say(f"{name(event.member_id)} lost the connection; their place is kept")
    elif isinstance(event, ev.MemberBack):
        _say(f"{name(event.member_id)} is back")
    elif isinstance(event, ev.RoomMoving):
        _say(f"the room moves to {event.url}")


COMMANDS = """commands (type on standard input, one per line):
  list                 who is in the room
  admit N | refuse N   answer knock number N (when not --auto-admit)
  invite NAME          invite a listener to the stage
  audience NAME        move someone back to the audience
  cohost NAME          make someone a co-host
  kick NAME            remove someone from the room
  move N               move the room to the invite's relay number N (everyone follows)
  end                  end the room for everyone
""" + codecli.COMMANDS


def _find(protocol: RoomProtocol, who: str) -> int:
    for m in protocol.members.values():
        if m.name == who or str(m.member_id) == who:
            return m.member_id
    raise LookupError(f"nobody called {who!r} is in the room")


def _command(line: str, protocol: RoomProtocol, client: RoomClient,
             codes: codecli.HostCodes | None = None) -> None:
    """One host command from standard input; mistakes are explained, never fatal."""
    verb, _, arg = line.strip().partition(" ")
    now = time.monotonic()
    try:
        if verb == "" or (codes is not None and codes.command(verb)):
            return
        if verb == "list":
            for m in protocol.members.values():
                _say(f"  {m.member_id:>4}  {m.name}  {m.role.name.lower()}"
                     f"{'  (hand raised)' if m.hand else ''}")
        elif verb == "admit":
            protocol.admit(int(arg), now)
        elif verb == "refuse":
            protocol.refuse(int(arg), now)
        elif verb == "invite":
            protocol.invite_to_stage(_find(protocol, arg), now)
        elif verb == "audience":
            protocol.move_to_audience(_find(protocol, arg), now)
        elif verb == "cohost":
            protocol.make_cohost(_find(protocol, arg), now)
        elif verb == "kick":
            protocol.kick(_find(protocol, arg), now)
        elif verb == "move":
            protocol.move_room(int(arg) - 1, now)
        elif verb == "end":
            client.stop()
        else:
            _say(COMMANDS)
    except (LocalProtocolError, LookupError, ValueError) as exc:
        _say(f"cannot {verb}: {exc}")


async def _read_commands(protocol: RoomProtocol, client: RoomClient,
                         codes: codecli.HostCodes | None = None) -> None:
    """Read host commands in a daemon thread: a blocked read must never hold up the exit."""
    loop = asyncio.get_running_loop()
    lines: asyncio.Queue[str] = asyncio.Queue()

    def reader() -> None:
        with contextlib.suppress(RuntimeError, ValueError, OSError):  # the loop may be gone
            for line in sys.stdin:
                loop.call_soon_threadsafe(lines.put_nowait, line)
            loop.call_soon_threadsafe(lines.put_nowait, "")

    threading.Thread(target=reader, name="majlis-stdin", daemon=True).start()
    while line := await lines.get():
        _command(line, protocol, client, codes)
        await client.flush()


async def _run(args: argparse.Namespace) -> Outcome:
    identity = Identity.generate()
    speech_pcm: np.ndarray | None = None
    try:
        if args.speak is not None:
            speech_pcm = read_wav(args.speak)
        if args.record is not None and not args.record.parent.exists():
            return Outcome(2, f"Cannot record to {args.record}: its folder does not exist.")
    except WavError as exc:
        return Outcome(2, str(exc))
    if args.mic is not None and speech_pcm is not None:
        return Outcome(2, "Choose one thing to say: --speak WAV or --mic, not both.")
    try:
        audio = _audio_settings(args)
        proxy = ProxySettings.parse(args.proxy)
        tor = tor_options(args.tor_bridge, args.tor_config)
    except ValueError as exc:
        return Outcome(2, str(exc))
    talks = speech_pcm is not None or args.mic is not None

    server = None
    now = time.monotonic()
    if args.command == "host":
        relays = list(args.relay or [])
        if not relays:
            from relay.server import RelayConfig, RelayServer

            if args.lan and args.listen == "127.0.0.1:0":  # reachable where it is announced
                args.listen = f"{args.lan[0]}:0"
            host, _, port = args.listen.rpartition(":")
            try:
                server = RelayServer(RelayConfig(host=host or "127.0.0.1", port=int(port or 0)))
                await server.start()
            except (OSError, ValueError) as exc:
                return Outcome(3, f"Cannot start the built-in relay on {args.listen}: {exc}")
            relays = [server.url]
        try:
            protocol = RoomProtocol.host(identity, relays, args.name, topic=args.topic,
                                         display_name=args.display_name or "Host",
                                         auto_admit=args.auto_admit, now=now)
        except BadInvite as exc:
            return Outcome(2, f"Cannot put these relays in an invite: {exc}")
        relay_url = relays[0]
        speech = Speech(speech_pcm, start_after_join=1.0)
        policy = Policy(auto_stage=args.auto_stage, unmute_on_stage=args.mic is not None)
    else:
        if args.code:
            status, sentence, coded = await codecli.invite_from_code(
                args, identity.public, args.display_name or "Guest", proxy)
            if coded is None:
                return Outcome(status, sentence)
            invite = coded
        elif not args.link:
            return Outcome(2, "Give an invite link, or --code CODE.")
        else:
            try:
                invite = Invite.parse(args.link)
            except BadInvite as exc:
                return Outcome(2, str(exc))
        protocol = RoomProtocol.join(identity, invite, args.display_name or "Guest", now=now)
        relay_url = invite.relays[0]
        speech = Speech(speech_pcm)
        policy = Policy(accept_stage=talks, raise_hand=talks, unmute_on_stage=args.mic is not None)
    policy.on_audio_problem = _say
    policy.on_link_too_slow = lambda speakers: _say(too_slow_sentence(speakers))

    own_tor: OwnTor | None = None
    if proxy is not None and proxy.kind == "tor" and server is None:
        try:  # a Tor already running, else one of our own (stopped below)
            proxy, own_tor = await use_tor(tor, lambda p: _say(f"Tor: {p.percent}% {p.summary}"))
        except TorError as exc:
            return Outcome(3, str(exc))
    # The built-in relay is this computer: no proxy to reach it.
    client = RoomClient(protocol, relay_url, speech=speech, record=args.record is not None,
                        policy=policy, audio=audio, proxy=proxy if server is None else None,
                        lanes=not args.no_lanes)

    codes = None
    if args.command == "host":
        codes = codecli.HostCodes(protocol, relay_url, proxy if server is None else None,
                                  first=args.code, ttl=args.code_ttl)
    withdraw = None
    if args.command == "host" and args.lan:
        if server is None:
            return Outcome(2, "--lan announces the built-in relay: leave out --relay.")
        try:
            withdraw = await codecli.advertise_on_lan(args.lan, relay_url)
        except codecli.LanError as exc:  # the network refused mDNS
            await server.close()
            return Outcome(3, str(exc))

    def on_event(event: ev.Event, p: RoomProtocol) -> None:
        _narrate(event, p)
        if isinstance(event, ev.RoomOpened):
            print(f"invite: {p.invite.to_link()}", flush=True)
        elif isinstance(event, ev.KnockReceived):
            _say(f"knock {event.knock_id}: {event.name} ({event.fingerprint}) asks to join; "
                 f"type 'admit {event.knock_id}' or 'refuse {event.knock_id}'")
        elif isinstance(event, ev.KnockWithdrawn):
            _say(f"knock {event.knock_id}: their connection dropped; they may knock again")
        elif isinstance(event, ev.AdmissionPaused):
            _say("someone was removed: knocks now wait for 'admit N' (the removed person could "
                 "come back under a new identity); for a fresh room, start a new one")
        if codes is not None:
            codes.on_event(event, p)

    policy.on_event = on_event
    commands = None
    if args.command == "host" and sys.stdin is not None:
        commands = asyncio.ensure_future(_read_commands(protocol, client, codes))
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, client.stop)
    try:
        outcome = await client.run(args.duration)
    finally:
        if commands is not None:
            commands.cancel()
        if codes is not None:
            await codes.close()
        if withdraw is not None:
            await withdraw()
        if args.record is not None and client.recording is not None:
            write_wav(args.record, client.recording.pcm())
        if args.stats:
            stats = client.last_stats or client.stats()
            print("stats: " + json.dumps(_stats_json(stats)), flush=True)
        if server is not None:
            await server.close()
        if own_tor is not None:
            await own_tor.stop()
    return outcome


def _device(value: str | None) -> int | str | None:
    """A --mic/--speaker value: an index, a name (PortAudio matches part of it), or the default."""
    if value is None or value == "":
        return None
    return int(value) if value.isdigit() else value


def _audio_settings(args: argparse.Namespace) -> AudioSettings | None:
    if args.mic is None and args.speaker is None:
        return None
    latency: float | str = args.latency
    if latency not in ("low", "high"):
        try:
            latency = float(args.latency)
        except ValueError:
            raise ValueError(f"--latency takes low, high or seconds, not {args.latency!r}") \
                from None
    return AudioSettings(playback=args.speaker is not None, capture=args.mic is not None,
                         input_device=_device(args.mic), output_device=_device(args.speaker),
                         noise_suppression=not args.no_noise_suppression,
                         echo_cancellation=not args.no_echo_cancellation, latency=latency)


def _stats_json(stats: ClientStats) -> dict[str, object]:
    out = dataclasses.asdict(stats)
    out["speakers"] = {str(k): v for k, v in out["speakers"].items()}
    out["listener_loss"] = {str(k): v for k, v in out["listener_loss"].items()}
    return out


def _print_devices() -> int:
    devices = list_devices()
    if not devices:
        _say("No sound devices were found (no sound system, or PortAudio is missing).")
        return 0
    for d in devices:
        marks = " ".join(m for m, on in (("default-input", d.default_input),
                                           ("default-output", d.default_output)) if on)
        print(f"{d.index:>3}  {d.name}  (in {d.inputs}, out {d.outputs}) {marks}".rstrip(),
              flush=True)
    return 0


def _has_screen() -> bool:
    try:
        from app.main import has_display
    except ImportError:
        return False
    return bool(has_display())


def _desktop(argv: list[str]) -> int:
    """Start the desktop app; with no screen (a server, an SSH session) host the room headless."""
    if "-h" in argv or "--help" in argv:  # help needs no screen, and must never host a room
        from app.main import _parser as desktop_parser

        desktop_parser().print_help()
        return 0
    if _has_screen():
        try:
            from app.main import main as desktop_main
        except ImportError as exc:
            _say(f"The desktop app is not available here ({exc}); running headless.")
        else:
            return desktop_main(argv)
    else:
        _say("No screen found: running the room without a window.")
    room = "Majlis"
    if "--room" in argv and argv.index("--room") + 1 < len(argv):
        room = argv[argv.index("--room") + 1]
    return main(["host", "--name", room, "--auto-admit", "--auto-stage"])


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["--list-devices"]:
        return _print_devices()
    desktop = not argv or argv[0] == "app" or argv[0].lower().startswith("majlis:") \
        or (argv[0].startswith("--") and argv[0] != "--help")
    if desktop:
        return _desktop(argv[1:] if argv and argv[0] == "app" else argv)
    args = _parser().parse_args(argv)
    try:
        outcome = asyncio.run(_run(args))
    except KeyboardInterrupt:
        return 0
    if outcome.message:
        _say(outcome.message)
    return outcome.code


if __name__ == "__main__":
    sys.exit(main())
