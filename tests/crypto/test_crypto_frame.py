"""Audio frames: sizes, counters, and every way a frame must fail to open."""

from __future__ import annotations

import random

import pytest

from crypto import (
    BadSignature,
    CryptoError,
    DecryptionFailed,
    EpochKey,
    FrameHeader,
    FrameSealer,
    Identity,
    MalformedMessage,
    NonceExhausted,
    ReplayedMessage,
    ReplayWindow,
    UnknownVersion,
    open_frame,
    parse_frame_header,
)

ALICE = Identity.from_seed(bytes(range(32)))
BOB = Identity.from_seed(bytes(range(32, 64)))
SESSION = bytes(range(8))
EPOCH = EpochKey(3, bytes([7]) * 32)
OPUS_32K = bytes(range(80))  # one 20 ms Opus packet at 32 kbit/s


def test_round_trip_and_wire_budget() -> None:
    frame = FrameSealer(ALICE, 12, SESSION).seal(EPOCH, OPUS_32K)
    assert len(frame) == 80 + 77 == 157
    assert len(frame) * 8 * 50 < 64_000  # bits per second at 50 frames a second
    header, payload = open_frame(frame, EPOCH, ALICE.public, SESSION)
    assert header == FrameHeader(epoch=3, member_id=12, counter=0)
    assert payload == OPUS_32K


def test_ciphertext_hides_the_payload() -> None:
    frame = FrameSealer(ALICE, 1, SESSION).seal(EPOCH, bytes(80))
    assert frame[13:93] != bytes(80)


def test_counter_advances_and_is_kept_across_epochs() -> None:
    sealer = FrameSealer(ALICE, 1, SESSION)
    counters = [parse_frame_header(sealer.seal(EPOCH, b"x")).counter for _ in range(3)]
    counters.append(parse_frame_header(sealer.seal(EPOCH.ratchet(), b"x")).counter)
    assert counters == [0, 1, 2, 3]
    assert sealer.counter == 4


def test_counter_exhaustion_raises_instead_of_wrapping() -> None:
    sealer = FrameSealer(ALICE, 1, SESSION)
    sealer._counter = 2**32 - 1  # 2.7 years of speech later
    last = sealer.seal(EPOCH, b"x")
    assert parse_frame_header(last).counter == 2**32 - 1
    with pytest.raises(NonceExhausted):
        sealer.seal(EPOCH, b"x")
    with pytest.raises(NonceExhausted):
        sealer.seal(EPOCH.ratchet(), b"x")


@pytest.mark.parametrize("size", [1, 1275])
def test_payload_size_limits_accepted(size: int) -> None:
    frame = FrameSealer(ALICE, 1, SESSION).seal(EPOCH, bytes(size))
    assert open_frame(frame, EPOCH, ALICE.public, SESSION)[1] == bytes(size)


@pytest.mark.parametrize("size", [0, 1276])
def test_payload_size_limits_refused(size: int) -> None:
    with pytest.raises(MalformedMessage):
        FrameSealer(ALICE, 1, SESSION).seal(EPOCH, bytes(size))


@pytest.mark.parametrize(("member_id", "session"), [(-1, SESSION), (2**32, SESSION), (1, b"s")])
def test_sealer_arguments_are_checked(member_id: int, session: bytes) -> None:
    with pytest.raises(MalformedMessage):
        FrameSealer(ALICE, member_id, session)


def test_same_counter_for_two_senders_gives_unrelated_ciphertexts() -> None:
    """Different (key, nonce) per sender: no keystream is ever shared between two senders."""
    a = FrameSealer(ALICE, 1, SESSION).seal(EPOCH, bytes(80))
    b = FrameSealer(BOB, 2, SESSION).seal(EPOCH, bytes(80))
    c = FrameSealer(ALICE, 1, bytes(8)).seal(EPOCH, bytes(80))
    assert len({a[13:93], b[13:93], c[13:93]}) == 3


def test_wrong_epoch_key_with_the_same_number_fails_the_signature() -> None:
    frame = FrameSealer(ALICE, 1, SESSION).seal(EPOCH, OPUS_32K)
    with pytest.raises(BadSignature):
        open_frame(frame, EpochKey(EPOCH.number, bytes(32)), ALICE.public, SESSION)


def test_wrong_epoch_number_is_refused_before_any_work() -> None:
    frame = FrameSealer(ALICE, 1, SESSION).seal(EPOCH, OPUS_32K)
    with pytest.raises(DecryptionFailed, match="epoch 3"):
        open_frame(frame, EPOCH.ratchet(), ALICE.public, SESSION)


def test_wrong_sender_key_fails() -> None:
    frame = FrameSealer(ALICE, 1, SESSION).seal(EPOCH, OPUS_32K)
    with pytest.raises(BadSignature):
        open_frame(frame, EPOCH, BOB.public, SESSION)


def test_wrong_session_fails() -> None:
    frame = FrameSealer(ALICE, 1, SESSION).seal(EPOCH, OPUS_32K)
    with pytest.raises(BadSignature):
        open_frame(frame, EPOCH, ALICE.public, bytes(8))


def test_member_cannot_speak_under_another_members_id() -> None:
    """Bob seals with Alice's member id: receivers look up Alice's key for it, and it fails."""
    forged = FrameSealer(BOB, 1, SESSION).seal(EPOCH, OPUS_32K)
    with pytest.raises(BadSignature):
        open_frame(forged, EPOCH, ALICE.public, SESSION)


def test_frame_from_an_earlier_session_does_not_open_in_the_new_one() -> None:
    """Rejoining resets the counter; an old frame replayed into the new session must fail."""
    old = FrameSealer(ALICE, 1, SESSION).seal(EPOCH, OPUS_32K)
    new_session = bytes([9]) * 8
    with pytest.raises(BadSignature):
        open_frame(old, EPOCH, ALICE.public, new_session)


def test_late_joiner_cannot_open_the_previous_epoch() -> None:
    frame = FrameSealer(ALICE, 1, SESSION).seal(EPOCH, OPUS_32K)
    joined = EPOCH.ratchet()  # all a late joiner is given
    with pytest.raises(DecryptionFailed):
        open_frame(frame, joined, ALICE.public, SESSION)
    # Relabelling the key it has, or anything derived from it, as the old epoch does not help.
    for guess in (joined.key, joined.ratchet().key, joined.control_key()):
        with pytest.raises(BadSignature):
            open_frame(frame, EpochKey(EPOCH.number, guess), ALICE.public, SESSION)


def test_unknown_version_in_header() -> None:
    frame = FrameSealer(ALICE, 1, SESSION).seal(EPOCH, OPUS_32K)
    with pytest.raises(UnknownVersion):
        parse_frame_header(b"\x02" + frame[1:])


@pytest.mark.parametrize("size", [0, 13, 77, 1353])
def test_header_parser_checks_the_whole_frame_length(size: int) -> None:
    with pytest.raises(MalformedMessage):
        parse_frame_header(bytes([1]) + bytes(size - 1) if size else b"")


def test_receive_path_with_loss_reorder_and_replays() -> None:
    """The path a listener runs: header, replay check, open, commit. Each frame plays once."""
    sealer = FrameSealer(ALICE, 1, SESSION)
    frames = [sealer.seal(EPOCH, bytes([i]) * 80) for i in range(200)]
    arrivals = frames + frames[::7] + frames[150:160]  # everything, then replays
    rng = random.Random(3)
    rng.shuffle(arrivals)
    window = ReplayWindow()
    played: list[int] = []
    rejected = 0
    for frame in arrivals:
        header = parse_frame_header(frame)
        try:
            window.check(header.counter)
            _, payload = open_frame(frame, EPOCH, ALICE.public, SESSION)
        except ReplayedMessage:
            rejected += 1
            continue
        window.commit(header.counter)
        assert payload == bytes([header.counter]) * 80
        played.append(header.counter)
    assert sorted(played) == list(range(200))
    assert rejected == len(arrivals) - 200


def test_forged_frames_do_not_advance_the_replay_window() -> None:
    sealer = FrameSealer(ALICE, 1, SESSION)
    genuine = sealer.seal(EPOCH, OPUS_32K)
    forged = FrameSealer(BOB, 1, SESSION)
    forged._counter = 5000
    fake = forged.seal(EPOCH, OPUS_32K)
    window = ReplayWindow()
    for frame in (fake, genuine):
        header = parse_frame_header(frame)
        window.check(header.counter)
        try:
            open_frame(frame, EPOCH, ALICE.public, SESSION)
        except CryptoError:
            continue
        window.commit(header.counter)
    assert window.highest == 0
