"""Forged session tokens for the auth tests: every way a JWT can be wrong.

forged_tokens(real, secret) takes a genuine naapd JWT and the server's JWT_SECRET and
returns {name: token}. Each is refused by a correct verifier; several reuse the genuine
token's sid and sub, so a verifier that skipped a check would let them through.
"""

import base64
import hashlib
import hmac
import json
import time


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64url_json(obj):
    return b64url(json.dumps(obj, separators=(",", ":")).encode())


def decode_part(part):
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


def sign(header, claims, key, digest=hashlib.sha256):
    signing_input = b64url_json(header) + "." + b64url_json(claims)
    mac = hmac.new(key.encode() if isinstance(key, str) else key, signing_input.encode(), digest)
    return signing_input + "." + b64url(mac.digest())


def forged_tokens(real, secret):
    claims = decode_part(real.split(".")[1])
    now = int(time.time())
    hs256 = {"alg": "HS256", "typ": "JWT"}
    none_input = b64url_json({"alg": "none", "typ": "JWT"}) + "." + b64url_json(claims)
    h, p, s = real.split(".")
    tampered = dict(claims, sub="someone-else")
    return {
        "alg none": none_input + ".",
        "alg none, no signature part": none_input,
        "alg None": b64url_json({"alg": "None"}) + "." + b64url_json(claims) + ".",
        "HS512 with the right key": sign({"alg": "HS512", "typ": "JWT"}, claims, secret,
                                         hashlib.sha512),
        "HS384 with the right key": sign({"alg": "HS384", "typ": "JWT"}, claims, secret,
                                         hashlib.sha384),
        "wrong key": sign(hs256, claims, "not-the-secret-" + "x" * 32),
        "empty key": sign(hs256, claims, ""),
        "expired": sign(hs256, dict(claims, iat=now - 7200, exp=now - 3600), secret),
        "expires now": sign(hs256, dict(claims, iat=now - 60, exp=now), secret),
        "issued in the future": sign(hs256, dict(claims, iat=now + 3600, exp=now + 7200), secret),
        "exp as a string": sign(hs256, dict(claims, exp=str(claims["exp"])), secret),
        "no sid": sign(hs256, {k: v for k, v in claims.items() if k != "sid"}, secret),
        "tampered sub, old signature": h + "." + b64url_json(tampered) + "." + s,
        "truncated signature": real[:-5],
        "truncated in the payload": real[: len(h) + 1 + len(p) // 2],
        "header and payload only": h + "." + p,
        "signature only doubled": real + s,
        "extra segment": real + ".AAAA",
        "garbage": "a.b.c",
        "garbage with a real header": h + ".garbage.garbage",
        "dots only": "..",
    }
