#!/usr/bin/env python3
"""Checks the enrolment request vectors (tests/vectors/requests/) with pycose and cbor2,
sharing no code with Tessera: every `valid` request verifies under the key it encloses with
external AAD = CBOR text "TR1", and `bad-signature` cases do not.

Needs `pip install pycose==1.1.0 'cbor2<6'`. Exit code 0 when every case agrees."""
import pathlib
import sys

import cbor2
from pycose.keys import OKPKey
from pycose.keys.curves import Ed25519
from pycose.messages import Sign1Message

DIR = pathlib.Path(__file__).resolve().parent.parent / "tests" / "vectors" / "requests"
AAD = cbor2.dumps("TR1")
bad = 0
for path in sorted(DIR.glob("*.vec")):
    f = dict(line.split(": ", 1) for line in path.read_text().splitlines() if ": " in line)
    if f["expect"] != "valid" and f.get("error") != "bad-signature":
        continue
    msg = Sign1Message.decode(bytes.fromhex(f["request"]))
    payload = cbor2.loads(msg.payload)
    msg.key = OKPKey(crv=Ed25519, x=payload[8][1][-2])
    msg.external_aad = AAD
    ok = msg.verify_signature()
    want = f["expect"] == "valid"
    if want and payload[8][1][-2].hex() != f["holder"]:
        ok = False
    print(f"{path.name}: signature {'verifies' if ok else 'does not verify'}"
          f"{'' if ok == want else '  <-- MISMATCH'}")
    bad += ok != want
sys.exit(1 if bad else 0)
