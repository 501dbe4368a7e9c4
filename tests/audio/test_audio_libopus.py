"""Which libopus runs, and that members on libopus 1.3 and 1.5 hear each other.

The venv's libopus 1.5 (deep PLC and OSCE) comes from scripts/build-opus.sh, which `./dev.sh`
runs; the system's 1.3.1 comes from Debian. Both are real libraries: the 1.3.1 side runs in a
child process, because one process binds one libopus.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
from procs import align, speech_wav

from audio import libopus
from audio.codec import (
    DECODER_COMPLEXITY,
    ENHANCED_DECODING,
    FRAME_SAMPLES,
    LIBRARY_VERSION,
    OpusDecoder,
    OpusEncoder,
)
from audio.errors import CodecError
from audio.wav import read_wav

ROOT = Path(__file__).resolve().parents[2]

# Encodes a wav with the system's libopus, decodes packets it is given, and says which library.
CHILD = textwrap.dedent(
    """
    import sys
    import numpy as np
    from pathlib import Path
    from audio.codec import FRAME_SAMPLES, LIBRARY_VERSION, ENHANCED_DECODING
    from audio.codec import OpusDecoder, OpusEncoder
    from audio.wav import read_wav
    wav, ours, theirs, heard = map(Path, sys.argv[1:5])
    pcm = read_wav(wav)
    pcm = np.concatenate([pcm, np.zeros(-len(pcm) % FRAME_SAMPLES, np.int16)])
    encoder = OpusEncoder(expected_loss=5)
    ours.write_bytes(b"".join(encoder.encode(f) for f in pcm.reshape(-1, FRAME_SAMPLES)))
    data = theirs.read_bytes()
    decoder = OpusDecoder()
    size = encoder.packet_size
    out = [decoder.decode(data[i : i + size]) for i in range(0, len(data), size)]
    np.save(heard, np.concatenate(out))
    print(LIBRARY_VERSION, ENHANCED_DECODING)
    """
)


def heard_in(pcm: np.ndarray, decoded: np.ndarray) -> tuple[int, float]:
    """Codec delay and correlation (decoded output lags its input by about 6.5 ms)."""
    return align(pcm, np.concatenate([decoded, np.zeros(FRAME_SAMPLES, np.int16)]))


def test_the_venv_build_is_in_use() -> None:
    """./dev.sh builds libopus 1.5 into the venv; without it this fails rather than skip."""
    assert libopus.VENV_LIBRARY.exists(), "run ./dev.sh (scripts/build-opus.sh builds libopus)"
    assert LIBRARY_VERSION.startswith("libopus 1.5"), LIBRARY_VERSION
    assert ENHANCED_DECODING
    assert OpusDecoder(DECODER_COMPLEXITY).enhanced
    decoder = OpusDecoder()  # plain by default: VoiceStream turns enhancement on under loss
    assert not decoder.enhanced
    assert decoder.set_enhanced(True) and decoder.enhanced
    assert not decoder.set_enhanced(False)


def test_library_choice_from_the_environment() -> None:
    assert libopus.preload({libopus.ENV: "system"}) is None
    with pytest.raises(CodecError, match=r"MAJLIS_LIBOPUS=/nowhere/libopus\.so\.0: cannot load"):
        libopus.preload({libopus.ENV: "/nowhere/libopus.so.0"})
    with pytest.raises(ValueError, match="complexity"):
        OpusDecoder(complexity=11)


def test_old_and_new_libraries_hear_each_other(tmp_path: Path) -> None:
    wav = speech_wav(tmp_path / "s.wav", "Can you hear me on the new library and on the old one?")
    pcm = read_wav(wav)
    pcm = np.concatenate([pcm, np.zeros(-len(pcm) % FRAME_SAMPLES, np.int16)])
    encoder = OpusEncoder(expected_loss=5)
    ours = [encoder.encode(f) for f in pcm.reshape(-1, FRAME_SAMPLES)]
    (tmp_path / "new.opus").write_bytes(b"".join(ours))

    env = {**os.environ, libopus.ENV: "system", "PYTHONPATH": str(ROOT)}
    child = subprocess.run(
        [sys.executable, "-c", CHILD, str(wav), str(tmp_path / "old.opus"),
         str(tmp_path / "new.opus"), str(tmp_path / "heard.npy")],
        env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60, check=True,
    )
    assert child.stdout.split() == ["libopus", "1.3.1", "False"]

    # 1.3.1 hears what 1.5 encoded.
    lag, score = heard_in(pcm, np.load(tmp_path / "heard.npy"))
    assert 250 <= lag <= 350 and score > 0.9, (lag, score)
    # 1.5 hears what 1.3.1 encoded, enhanced, lost frames concealed by the neural PLC.
    data = (tmp_path / "old.opus").read_bytes()
    old = [data[i : i + encoder.packet_size] for i in range(0, len(data), encoder.packet_size)]
    assert len(old) == len(ours)
    decoder = OpusDecoder(DECODER_COMPLEXITY)
    assert decoder.enhanced
    heard = np.concatenate([decoder.decode(p) for p in old])
    lag, score = heard_in(pcm, heard)
    assert 250 <= lag <= 350 and score > 0.9, (lag, score)
    decoder = OpusDecoder(DECODER_COMPLEXITY)
    lossy = np.concatenate(
        [decoder.conceal() if k % 10 == 5 else decoder.decode(p) for k, p in enumerate(old)]
    )
    lag, score = heard_in(pcm, lossy)
    assert 250 <= lag <= 350 and score > 0.7, (lag, score)
