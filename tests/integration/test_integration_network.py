"""Voice over real lossy and throttled networks: real processes in network namespaces.

The relay and the `majlis` clients run inside namespaces of their own (tests/support/netns.py)
whose kernel drops IP packets or limits the rate, so TCP really loses, retransmits and stalls.
Nothing in these tests drops frames by itself. Needs root, iptables and tc (installed by
scripts/setup-system.sh; CI runs as root); without them the tests skip, saying why.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import netns
import numpy as np
import pytest
from procs import ROOT, align, speech_wav

from audio.wav import read_wav

pytestmark = [pytest.mark.integration,
              pytest.mark.skipif(not netns.available(), reason=str(netns.why_unavailable()))]

SENTENCES = (
    "The committee will meet again on Thursday evening, after the market closes. Please bring "
    "the documents we discussed, and tell nobody about the new place.",
    "We heard the news from the border this morning. The roads are closed again, and the "
    "prices of bread and fuel went up once more.",
)


@pytest.fixture(scope="module")
def speeches(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    folder = tmp_path_factory.mktemp("speech")
    return [speech_wav(folder / f"s{i}.wav", text) for i, text in enumerate(SENTENCES)]


def client(net: netns.Network, *args: str) -> subprocess.Popen[str]:
    return net.popen([sys.executable, "-m", "app.cli", *args], stdout=subprocess.PIPE,
                     stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True, cwd=ROOT)


def relay_in(net: netns.Network, host: str = "127.0.0.1") -> str:
    proc = net.popen([sys.executable, "-m", "relay", "--host", host, "--port", "0"],
                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)
    return line(proc, "listening on ")


def line(proc: subprocess.Popen[str], prefix: str) -> str:
    assert proc.stdout is not None
    for text in proc.stdout:
        if text.startswith(prefix):
            return text[len(prefix):].strip()
    raise AssertionError(f"no {prefix!r} line; stderr: {proc.stderr.read() if proc.stderr else ''}")


def finish(proc: subprocess.Popen[str], timeout: float = 60.0) -> tuple[int, str, str]:
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
    return proc.returncode, out, err


def segments(source: np.ndarray, recording: np.ndarray) -> list[tuple[int, float]]:
    """(where, correlation) of each voiced half second of `source` in the recording, each
    aligned on its own near where the whole sits. One figure for the whole would punish every
    frame of delay playout added or removed in a pause (a shift of a few ms decorrelates what
    follows); each half second on its own asks only whether the words arrived intact, and
    where they landed says how the delay moved."""
    start, _ = align(source, recording)
    seg = 24000
    out = []
    for offset in range(0, len(source) - seg, seg):
        piece = source[offset:offset + seg]
        if np.sqrt(np.mean(piece.astype(np.float64) ** 2)) < 300:
            continue  # a pause: nothing to compare
        lo = max(0, start + offset - 12000)
        lag, corr = align(piece, recording[lo:lo + seg + 24000])
        out.append((lo + lag - offset, corr))
    return out


def heard_well(source: np.ndarray, recording: np.ndarray) -> float:
    """The median correlation of the voiced half seconds (`segments`)."""
    found = segments(source, recording)
    return float(np.median([corr for _, corr in found])) if found else 0.0


def stats_of(out: str) -> dict:
    for text in out.splitlines():
        if text.startswith("stats: "):
            return json.loads(text[len("stats: "):])
    raise AssertionError(f"no stats line in {out!r}")


def test_speech_through_five_percent_packet_loss(speeches: list[Path], tmp_path: Path) -> None:
    """5 % of all IP packets dropped on the way up to the relay and down from it: the speech is
    heard whole, and the stats show why: the stalls opened a second lane, whose copies arrived
    and stood in for frames the stalled connection held back."""
    speech = speeches[0]
    heard = tmp_path / "heard.wav"
    with netns.Network("loss") as net:
        url = relay_in(net)
        host = client(net, "host", "--relay", url, "--name", "Lossy", "--auto-admit",
                      "--speak", str(speech), "--stats", "--for", "22")
        link = line(host, "invite: ")
        net.drop(0.05)
        listener = client(net, "join", link, "--as", "Ear", "--record", str(heard), "--stats",
                          "--for", "18")
        code, out, err = finish(listener)
        assert code == 0, err
        code, host_out, err = finish(host)
        assert code == 0, err
    stats = stats_of(out)
    host_stats = stats_of(host_out)
    corr = heard_well(read_wav(speech), read_wav(heard))
    assert corr > 0.9, f"correlation {corr:.3f}; stats {stats}"
    assert host_stats["lanes"]["sent"] > 0  # the speaker sent copies on its lane
    lanes = stats["lanes"]
    assert lanes["opened"] >= 1, stats  # the listener's link stalled, and it opened a lane
    assert lanes["duplicates"] > 0, stats  # copies came on both, the later one was dropped
    speaker = next(iter(stats["speakers"].values()))
    assert speaker["played"] > 0.9 * len(read_wav(speech)) / 960, speaker
    # Expected copies are not mistaken for a replay attack.
    assert stats["counters"].get("audio-replayed", 0) == 0, stats["counters"]


def test_a_listener_behind_128_kbits_hears_two_speakers(speeches: list[Path],
                                                        tmp_path: Path) -> None:
    """Two speakers to a listener whose downlink is 128 kbit/s. Two constant streams of 64 kbit/s
    of payload each (80-byte Opus, header and signature, bench/frame_path.py) plus TCP/IP headers
    cannot fit in 128 kbit/s, so some frames must go: the relay drops media for a listener whose
    queue has not drained for 200 ms instead of letting the queue become delay, the listener
    hears both speakers with gaps, its delay does not grow, and the client says in plain words
    that the link is too slow for two speakers."""
    heard = tmp_path / "heard.wav"
    with netns.Pair("slow") as pair:
        pair.limit(128, side="a")  # a's egress towards b: the listener's downlink
        url = relay_in(pair.a, pair.a_addr)
        host = client(pair.a, "host", "--relay", url, "--name", "Narrow", "--auto-admit",
                      "--auto-stage", "--speak", str(speeches[0]), "--for", "30")
        link = line(host, "invite: ")
        second = client(pair.a, "join", link, "--as", "Second", "--speak", str(speeches[1]),
                        "--for", "26")
        listener = client(pair.b, "join", link, "--as", "Ear", "--record", str(heard),
                          "--stats", "--for", "24")
        code, out, err = finish(listener)
        assert code == 0, err
        for proc in (second, host):
            assert finish(proc)[0] == 0
    stats = stats_of(out)
    recording = read_wav(heard)
    assert len(stats["speakers"]) == 2
    for speaker in stats["speakers"].values():
        # Both heard, with gaps: most of each speaker's frames arrived and were played.
        assert speaker["played"] > 0.6 * speaker["received"] > 0.6 * 0.6 * 24 * 50, speaker
        assert speaker["delay_ms"] <= 250, speaker
    for speech in speeches:
        found = [(lag, c) for lag, c in segments(read_wav(speech), recording) if c > 0.2]
        assert len(found) >= 3, (found, stats)  # words of each speaker came through
        # Where the last words landed against the first: the delay stayed bounded. A queue
        # growing with the third the link cannot carry would add seconds over this speech.
        lags = [lag for lag, _ in found]
        assert max(lags) - min(lags) < 0.6 * 48000, (lags, stats)
    assert "too slow for 2 speakers" in err, err
