#!/usr/bin/env python3
"""Independent check of Tessera's signatures with pycose, from docs/format.md alone.

Shares no code with the Rust implementation. For every test vector it rebuilds the
attribute root from the disclosures and proof (the tree shape in docs/format.md), verifies the
issuer COSE_Sign1 with that root as external AAD and the holder COSE_Sign1 with the holder AAD,
and verifies the trust list under the root key. Vectors that are valid must pass; vectors whose
reason is a bad signature must fail here too.

pycose (like OpenSSL) makes only RFC 8032's checks. docs/format.md requires more of a verifier,
and this script makes those checks itself: public keys must be canonical encodings and not one
of the eight small-order points, text attribute values obey the text rule, and a disclosed
portrait obeys the portrait rule (a WebP QR portrait within its caps, or a JPEG in a credential
valid from before 2027). Vectors whose
reason is `malformed` must be refused by these checks or by the structure.

Needs: pip install "cbor2<6" "pycose==1.1.0"   (cbor2 6 breaks pycose 1.1)
Usage: python3 scripts/check_vectors_pycose.py [tests/vectors]
"""
import hashlib
import pathlib
import sys
import unicodedata

import cbor2
from pycose.keys import OKPKey
from pycose.keys.curves import Ed25519
from pycose.messages import CoseMessage

# N(13, N(N(N(1,2), N(9,7)), N(N(N(3,4), N(5,6)), N(N(8,10), N(N(12,14), N(11, N(15,16)))))))
SHAPE = (13, (((1, 2), (9, 7)), (((3, 4), (5, 6)), ((8, 10), ((12, 14), (11, (15, 16)))))))


P = 2**255 - 19
# The canonical encodings of the eight points of small order (docs/format.md).
SMALL_ORDER = {bytes.fromhex(h) for h in (
    "0100000000000000000000000000000000000000000000000000000000000000",
    "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    "0000000000000000000000000000000000000000000000000000000000000000",
    "0000000000000000000000000000000000000000000000000000000000000080",
    "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05",
    "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85",
    "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a",
    "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa",
)}
# Text attributes: slots 1-4, 6-10 (text) and 7 (date).
TEXT_SLOTS = {1, 2, 3, 4, 6, 7, 8, 9, 10}


def key_problem(k):
    """Why a 32-byte Ed25519 public key (or R) is refused beyond RFC 8032, or None."""
    y = int.from_bytes(k, "little") & (2**255 - 1)
    if y >= P or (k[31] >> 7 and y in (1, P - 1)):
        return "not canonical"
    if k in SMALL_ORDER:
        return "small order"
    return None


def text_problem(t):
    """The text rule: no Cc, no Cf but ZWNJ/ZWJ, no line or paragraph separator."""
    for c in t:
        cat = unicodedata.category(c)
        if cat == "Cc" or (cat == "Cf" and c not in "\u200c\u200d") or cat in ("Zl", "Zp"):
            return f"U+{ord(c):04X}"
    return None


LEGACY_JPEG_UNTIL = 1798761600  # 2027-01-01T00:00:00Z


def portrait_problem(b, nbf):
    """The portrait rule (docs/format.md, "Portrait"): a simple-format lossy WebP of at most
    650 bytes and 96x128 pixels, or a JPEG of at most 16 KiB in a credential valid from
    before 2027."""
    if not isinstance(b, bytes):
        return "not bytes"
    if b[:4] == b"RIFF":
        if len(b) > 650:
            return "webp over 650 bytes"
        if len(b) < 30 or b[8:12] != b"WEBP" or b[12:16] != b"VP8 ":
            return "not a simple lossy webp"
        if int.from_bytes(b[4:8], "little") != len(b) - 8:
            return "riff size"
        n = int.from_bytes(b[16:20], "little")
        if 20 + n + (n & 1) != len(b):
            return "vp8 chunk size"
        frame = b[20:]
        if frame[0] & 1 or frame[3:6] != b"\x9d\x01\x2a":
            return "not a key frame"
        w = int.from_bytes(frame[6:8], "little") & 0x3FFF
        h = int.from_bytes(frame[8:10], "little") & 0x3FFF
        return None if 1 <= w <= 96 and 1 <= h <= 128 else "over 96x128"
    if b[:2] == b"\xff\xd8":
        if len(b) > 16384:
            return "jpeg over 16 KiB"
        return "jpeg from 2027 on" if nbf >= LEGACY_JPEG_UNTIL else None
    return "neither webp nor jpeg"


def slots(t):
    return {t} if isinstance(t, int) else slots(t[0]) | slots(t[1])


def root_from(shape, disclosed, proof):
    """disclosed: slot -> leaf hash; proof: list consumed in depth-first order."""
    if not (slots(shape) & disclosed.keys()):
        return proof.pop(0)
    if isinstance(shape, int):
        return disclosed[shape]
    left = root_from(shape[0], disclosed, proof)
    right = root_from(shape[1], disclosed, proof)
    return hashlib.sha256(b"\x01" + left + right).digest()


def sign1(obj_or_bytes, key, aad=b""):
    """Verify a COSE_Sign1 (tagged bytes, or an untagged array) under an Ed25519 key."""
    if isinstance(obj_or_bytes, list):
        obj_or_bytes = cbor2.dumps(cbor2.CBORTag(18, obj_or_bytes))
    msg = CoseMessage.decode(obj_or_bytes)
    msg.key = OKPKey(crv=Ed25519, x=key)
    msg.external_aad = aad
    return msg.verify_signature(), msg


def fields(path):
    out = {}
    for line in path.read_text().splitlines():
        if ":" in line:
            k, v = line.split(":", 1)
            out[k.strip()] = v.strip()
    return out


def check(p, trusted):
    f = fields(p)
    raw = bytes.fromhex(f["presentation"])
    try:
        top = cbor2.loads(raw)
        if cbor2.dumps(top) != raw:
            return "malformed"
        credential, disclosures, proof, holder = top
        cred = cbor2.loads(credential)
        protected = cbor2.loads(cred.value[0])
        kid = protected[4]
        claims = cbor2.loads(cred.value[2])
        holder_key = claims[8][1][-2]
    except (cbor2.CBORDecodeError, ValueError, TypeError, KeyError, IndexError):
        return "malformed"
    if not disclosures or key_problem(holder_key):
        return "malformed"
    if any(d[0] in TEXT_SLOTS and text_problem(d[2]) for d in disclosures):
        return "malformed"
    if any(d[0] == 11 and portrait_problem(d[2], claims[5]) for d in disclosures):
        return "malformed"
    leaf_hashes = {d[0]: hashlib.sha256(b"\x00" + cbor2.dumps(d)).digest() for d in disclosures}
    try:
        root = root_from(SHAPE, leaf_hashes, list(proof))
    except (IndexError, KeyError):
        return "malformed"
    if kid not in trusted:
        return "unknown_issuer"
    issuer_ok, _ = sign1(credential, trusted[kid], root)
    if not issuer_ok:
        return "bad_issuer_signature"
    code = f.get("counter-code")
    code = code.replace("-", "").replace(" ", "").upper() if code else None
    aad = cbor2.dumps(["TS1", code, credential, disclosures, proof])
    holder_ok, _ = sign1(holder, holder_key, aad)
    if not holder_ok:
        return "bad_holder_signature"
    return "signatures_ok"


def main():
    d = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "tests/vectors")
    t = fields(d / "trust.txt")
    root_key = bytes.fromhex(t["root"])
    ok, msg = sign1(bytes.fromhex(t["trust-list"]), root_key)
    assert ok, "trust list signature does not verify with pycose"
    payload = cbor2.loads(msg.payload)
    trusted = {k[1]: k[2] for issuer in payload[4] for k in issuer[4]}
    assert key_problem(root_key) is None and all(
        key_problem(k) is None for k in trusted.values()
    ), "weak key in the trust context"
    # The kid rule: first 8 bytes of SHA-256("tessera.kid" || key).
    for kid, key in trusted.items():
        assert kid == hashlib.sha256(b"tessera.kid" + key).digest()[:8], "kid rule"
    failures = 0
    checked = 0
    for p in sorted(d.glob("*.vec")):
        f = fields(p)
        reason = f.get("reason", "")
        got = check(p, trusted)
        want_sig_fail = reason in ("bad_issuer_signature", "bad_holder_signature", "unknown_issuer")
        expected = reason if want_sig_fail or reason == "malformed" else "signatures_ok"
        if reason == "wrong_counter_code":
            expected = "bad_holder_signature"  # pycose only sees the signature fail
        status = "ok" if got == expected else "MISMATCH"
        failures += status != "ok"
        checked += 1
        print(f"{status:8} {p.name:40} pycose: {got}")
    print(f"{checked - failures} passed, {failures} failed")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
