"""Which redundancy fits in a constant 80-byte payload: Opus' in-band FEC at each expected-loss
setting and complexity, against RED-style containers (a primary packet plus a second encoding
of the previous frame, or an exact copy of the previous packet, or copies of the previous two).

Every scheme gets ideal recovery: a lost frame is rebuilt from the next packet (or the one after,
for two-deep schemes) whenever that packet arrived, with no jitter and no buffer limits; what is
left is concealed. This is the ceiling a jitter buffer can reach with the scheme, so a scheme
that loses here cannot win in the pipeline (bench/quality.py measures the pipeline itself).
The baseline in the same run is plain Opus concealment of the same loss pattern, no redundancy.
Container headers are counted (1 byte, plus 1 per redundant block) and the primary gets the rest.

    .venv/bin/python bench/redundancy.py

One JSON line per scheme: PESQ-WB per condition (3 seeds each). Needs `pesq` and espeak-ng.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from quality import lost_frames, pesq_wb, speech  # noqa: E402

from audio.codec import FRAME_SAMPLES, OpusDecoder, OpusEncoder  # noqa: E402

SEEDS = (1, 2, 3)
CONDITIONS = ((0.0, "random"), (5.0, "random"), (10.0, "random"), (20.0, "random"),
              (10.0, "burst"))
TOTAL = 80


def encoder(size: int, loss: int, complexity: int) -> OpusEncoder:
    """Our encoder at `size` bytes per frame; FEC on only when `loss` > 0."""
    return OpusEncoder(bitrate=size * 400, fec=loss > 0, expected_loss=loss,
                       complexity=complexity)


def score(pcm: np.ndarray, play: Callable[[set[int]], list[np.ndarray]], percent: float,
          pattern: str) -> float:
    count = len(pcm) // FRAME_SAMPLES
    values = [pesq_wb(pcm, np.concatenate(play(lost_frames(count, percent, pattern, seed))))
              for seed in SEEDS]
    return round(float(np.mean(values)), 3)


def in_band(primary: list[bytes]) -> Callable[[set[int]], list[np.ndarray]]:
    def play(lost: set[int]) -> list[np.ndarray]:
        decoder, out = OpusDecoder(), []
        for k, packet in enumerate(primary):
            if k not in lost:
                out.append(decoder.decode(packet))
            elif k + 1 < len(primary) and k + 1 not in lost:
                out.append(decoder.recover(primary[k + 1]))
            else:
                out.append(decoder.conceal())
        return out
    return play


def plain(primary: list[bytes]) -> Callable[[set[int]], list[np.ndarray]]:
    def play(lost: set[int]) -> list[np.ndarray]:
        decoder = OpusDecoder()
        return [decoder.conceal() if k in lost else decoder.decode(p)
                for k, p in enumerate(primary)]
    return play


def red(primary: list[bytes], copies: list[list[bytes]]) -> Callable[[set[int]],
                                                                     list[np.ndarray]]:
    """copies[j][k]: what the packet of frame k + 1 + j carries for frame k."""
    def play(lost: set[int]) -> list[np.ndarray]:
        decoder, out, n = OpusDecoder(), [], len(primary)
        for k, packet in enumerate(primary):
            if k not in lost:
                out.append(decoder.decode(packet))
                continue
            for j, copy in enumerate(copies):
                if k + 1 + j < n and k + 1 + j not in lost:
                    out.append(decoder.decode(copy[k]))
                    break
            else:
                out.append(decoder.conceal())
        return out
    return play


def report(name: str, pcm: np.ndarray, play: Callable[[set[int]], list[np.ndarray]],
           baseline: Callable[[set[int]], list[np.ndarray]],
           conditions: tuple[tuple[float, str], ...] = CONDITIONS) -> None:
    line: dict[str, object] = {"benchmark": "redundancy", "scheme": name}
    for percent, pattern in conditions:
        key = f"{pattern}_{percent:g}"
        line[key] = score(pcm, play, percent, pattern)
        line[f"baseline_{key}"] = score(pcm, baseline, percent, pattern)
    print(json.dumps(line), flush=True)


def main() -> None:
    pcm = speech()
    frames = pcm.reshape(-1, FRAME_SAMPLES)

    def packets(size: int, loss: int = 0, complexity: int = 8) -> list[bytes]:
        e = encoder(size, loss, complexity)
        return [e.encode(f) for f in frames]

    baseline = plain(packets(TOTAL, 0, 5))  # the codec as it was: complexity 5, no FEC
    for complexity in (5, 8):
        for loss in (0, 1, 2, 3, 5, 8, 13):
            report(f"in-band FEC, complexity {complexity}, expected loss {loss} %", pcm,
                   in_band(packets(TOTAL, loss, complexity)), baseline)
    two = ((0.0, "random"), (10.0, "random"))
    for size, copy in ((50, 28), (56, 22), (60, 18)):
        report(f"RED: {size}-byte primary + {copy}-byte second encoding of the previous frame",
               pcm, red(packets(size), [packets(copy)]), baseline, two)
    primary = packets((TOTAL - 2) // 2)
    report(f"RED: {len(primary[0])}-byte primary + exact copy of the previous packet", pcm,
           red(primary, [primary]), baseline, two)
    primary = packets((TOTAL - 3) // 3)
    report(f"RED: {len(primary[0])}-byte primary + exact copies of the previous two", pcm,
           red(primary, [primary, primary]), baseline, two)
    size, copy = 61, 16
    with_fec, second = packets(size, 3), packets(copy)

    def fec_then_red(lost: set[int]) -> list[np.ndarray]:
        decoder, out, n = OpusDecoder(), [], len(with_fec)
        for k, packet in enumerate(with_fec):
            if k not in lost:
                out.append(decoder.decode(packet))
            elif k + 1 < n and k + 1 not in lost:
                out.append(decoder.recover(with_fec[k + 1]))
            elif k + 2 < n and k + 2 not in lost:
                out.append(decoder.decode(second[k]))
            else:
                out.append(decoder.conceal())
        return out

    report(f"in-band FEC in a {size}-byte primary + {copy}-byte encoding two frames back", pcm,
           fec_then_red, baseline, two)


if __name__ == "__main__":
    main()
