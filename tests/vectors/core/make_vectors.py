"""Writes tests/vectors/core/bodies.json: every room-core message body, encoded.

Deterministic (fixed keys, sessions and names), so that rerunning it reproduces the file; the
tests check that, and that each body decodes to the fields listed beside it. Invalid bodies sit
beside the valid ones with the error they must raise.

Run: .venv/bin/python tests/vectors/core/make_vectors.py
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT))

from app.core import messages as m  # noqa: E402
from app.core.door import door_pass  # noqa: E402
from app.core.roster import Member, Role  # noqa: E402
from crypto.identity import Identity  # noqa: E402
from crypto.keys import routing_id  # noqa: E402

OUT = Path(__file__).with_name("bodies.json")

HOST = Member(1, bytes(range(32)), b"\x11" * 8, 1, "Huda", Role.HOST, muted=False)
ALI = Member(2, bytes(range(32, 64)), b"\x22" * 8, 7, "علي", Role.LISTENER, hand=True)


def vectors() -> dict[str, object]:
    valid = {
        "knock": m.encode_knock(m.KnockBody("Ali", b"\x22" * 8)),
        "admit": m.encode_admit(m.Admit(ALI, 5)),
        "hand_raised": m.encode_flag(m.Flag(True)),
        "stage_invite": m.encode_target(m.Target(2)),
        "set_role_speaker": m.encode_set_role(m.SetRole(2, Role.SPEAKER, 6)),
        "rekey": m.encode_rekey(m.Rekey(6, m.RekeyReason.KICK, 0, 1, (3,),
                                        ((2, b"\xab" * 84),))),
        "welcome": m.encode_welcome(m.Welcome(b"\x22" * 8, 2, "Majlis", "tea and talk", 5,
                                              b"\x55" * 32, (HOST, ALI), 1, False)),
        "welcome_resync_banned": m.encode_welcome(m.Welcome(
            b"\x22" * 8, 2, "Majlis", "", 7, b"\x66" * 32, (HOST, ALI), 1, True,
            (bytes(range(64, 96)),))),
        "key_request": m.encode_key_request(m.KeyRequest(2, b"\x22" * 8, 5, b"\x33" * 16,
                                                         m.Evidence.AUDIO, b"\x01" * 90)),
        "waiting": m.encode_session(b"\x22" * 8),
        "knock_resume": m.encode_knock(m.KnockBody("Ali", b"\x22" * 8, m.Resume(2, 3))),
        "return": m.encode_return(m.Return(6, ((2, 9), (4, 12)))),
        "move": m.encode_move(m.Move(1)),
        "key_request_after_return": m.encode_key_request(m.KeyRequest(
            1, b"\x11" * 8, 9, b"\x44" * 16, m.Evidence.NONE, b"")),
        "leave_handing_over": m.encode_leave(m.Leave(2)),
        "propose_removal": m.encode_proposal(m.Proposal(3, None)),
        "propose_speaker": m.encode_proposal(m.Proposal(2, Role.SPEAKER)),
        "loss_report": m.encode_loss_report(m.LossReport(1, 250, 12, 30)),
        # Key-tree fields (the tree bytes are opaque here; their layouts and real values are in
        # tests/vectors/keytree/keytree.json).
        "admit_with_tree": m.encode_admit(m.Admit(ALI, 5, b"\x77" * 98)),
        "rekey_from_tree": m.encode_rekey(m.Rekey(6, m.RekeyReason.LEAVE, 0, 1, (3,),
                                                  ((2, b"\xab" * 84),),
                                                  (b"\x88" * 147, b"\x99" * 147), True)),
        "tree_welcome": m.encode_tree_welcome(m.TreeWelcome(5, b"\x44" * 184)),
    }
    invalid = {
        "admit_truncated": (valid["admit"][:-1], "decode_admit"),
        "admit_bad_role": (valid["admit"][:4 + 4 + 32 + 8 + 4] + b"\x09"
                           + valid["admit"][4 + 4 + 32 + 8 + 5:], "decode_admit"),
        "flag_not_boolean": (b"\x02", "decode_flag"),
        "flag_trailing": (b"\x01\x00", "decode_flag"),
        "set_role_unknown": (b"\x00\x00\x00\x02\x07\x00\x00\x00\x06", "decode_set_role"),
        "set_role_without_epoch": (b"\x00\x00\x00\x02\x03", "decode_set_role"),
        "rekey_chunk_out_of_range": (b"\x00\x00\x00\x06\x01\x00\x02\x00\x02\x00\x00\x00\x00",
                                     "decode_rekey"),
        "knock_name_not_utf8": (b"\x22" * 8 + b"\x02\xff\xfe", "decode_knock"),
        "welcome_trailing": (valid["welcome"] + b"\x00", "decode_welcome"),
        "target_short": (b"\x00\x01", "decode_target"),
        "knock_resume_truncated": (valid["knock_resume"][:-1], "decode_knock"),
        "return_empty": (b"\x00\x00\x00\x06\x00\x00", "decode_return"),
        "return_member_twice": (b"\x00\x00\x00\x06\x00\x02"
                                + b"\x00\x00\x00\x02\x00\x00\x00\x09" * 2, "decode_return"),
        "return_slot_zero": (b"\x00\x00\x00\x06\x00\x01\x00\x00\x00\x02\x00\x00\x00\x00",
                             "decode_return"),
        "key_request_no_evidence": (valid["key_request"][:33] + b"\x00\x00",
                                    "decode_key_request"),
        "key_request_unknown_evidence": (valid["key_request"][:32] + b"\x09"
                                         + valid["key_request"][33:], "decode_key_request"),
        "key_request_none_with_evidence": (valid["key_request"][:32] + b"\x00"
                                           + valid["key_request"][33:], "decode_key_request"),
        "welcome_banned_truncated": (valid["welcome_resync_banned"][:-1], "decode_welcome"),
        "leave_truncated": (b"\x00\x00\x02", "decode_leave"),
        "propose_unknown_role": (b"\x00\x00\x00\x02\x09", "decode_proposal"),
        "move_trailing": (b"\x01\x00", "decode_move"),
        "loss_report_more_lost_than_due": (b"\x00\x00\x00\x01\x00\x0a\x00\x0b\x00\x00",
                                           "decode_loss_report"),
    }
    rekey_head = b"\x00\x00\x00\x06\x02\x00\x01\x00\x02\x00\x00\x00\x00"  # chunk 1 of 2
    invalid.update({
        "admit_tree_too_long": (valid["admit"][:-2] + b"\x03\x73" + b"\x00" * 883,
                                "decode_admit"),
        "rekey_tree_in_later_chunk": (rekey_head + b"\x00\x01\x00\x01\x00", "decode_rekey"),
        "rekey_from_tree_without_updates": (valid["rekey"][:-2] + b"\x01\x00", "decode_rekey"),
        "rekey_tree_update_truncated": (valid["rekey_from_tree"][:-1], "decode_rekey"),
        "tree_welcome_empty": (b"\x00\x00\x00\x05", "decode_tree_welcome"),
        "tree_welcome_too_long": (b"\x00\x00\x00\x05" + b"\x00" * 633, "decode_tree_welcome"),
    })
    # DOOR (0x36) is the door's 32-byte seed; DOOR_PASS (0x37) its signature for one joiner.
    seed = bytes(range(100, 132))
    door = Identity.from_seed(seed)
    rid = routing_id(b"\x07" * 32)
    door_vector = {
        "seed": seed.hex(), "door_key": door.public.key.hex(), "routing_id": rid.hex(),
        "admin_key": HOST.key.hex(), "session": ALI.session.hex(),
        "door_pass": door_pass(door, rid, HOST.key, ALI.session).hex(),
    }
    return {
        "door": door_vector,
        "valid": {k: v.hex() for k, v in valid.items()},
        "invalid": {k: {"hex": v.hex(), "decoder": d} for k, (v, d) in invalid.items()},
    }


if __name__ == "__main__":
    OUT.write_text(json.dumps(vectors(), indent=2, ensure_ascii=False) + "\n")
    print(f"wrote {OUT}")
