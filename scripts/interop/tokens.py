"""Access tokens shaped like Supabase Auth's: HS256 with the project secret (with a `kid` header, as
Supabase's HS256 tokens have), ES256 with a JWKS key, plus the malformed and hostile ones that a
verifier must refuse (alg none, algorithm confusion, foreign keys)."""

import base64
import copy
import hashlib
import hmac
import json
import secrets
import string
import time
import uuid
from pathlib import Path

import jwt
from cryptography.hazmat.primitives.asymmetric import ec


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _segment(obj) -> str:
    return _b64url(json.dumps(obj, separators=(",", ":")).encode())


def random_kid():
    return "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(16))


class Minter:
    def __init__(self, secret, issuer, es_private_key, es_kid):
        self.secret = secret
        self.issuer = issuer
        self.es_private_key = es_private_key
        self.es_kid = es_kid
        self.hs_kid = random_kid()
        self.issued = []  # every token minted, to check none of them reaches the server's log

    def claims(self, sub=None, email=None, **overrides):
        """Claims as Supabase Auth issues them for a password sign-in."""
        now = int(time.time())
        c = {
            "aud": "authenticated",
            "exp": now + 3600,
            "iat": now,
            "iss": self.issuer,
            "sub": sub or str(uuid.uuid4()),
            "email": email if email is not None else f"user-{uuid.uuid4().hex[:8]}@example.com",
            "phone": "",
            "app_metadata": {"provider": "email", "providers": ["email"]},
            "user_metadata": {},
            "role": "authenticated",
            "aal": "aal1",
            "amr": [{"method": "password", "timestamp": now}],
            "session_id": str(uuid.uuid4()),
            "is_anonymous": False,
        }
        c.update(overrides)
        return c

    def _keep(self, token):
        self.issued.append(token)
        return token

    def hs256(self, claims, secret=None, kid="default"):
        headers = {"kid": self.hs_kid if kid == "default" else kid} if kid is not None else None
        return self._keep(jwt.encode(claims, secret or self.secret, algorithm="HS256", headers=headers))

    def es256(self, claims, private_key=None, kid="default"):
        headers = {"kid": self.es_kid if kid == "default" else kid}
        return self._keep(jwt.encode(claims, private_key or self.es_private_key, algorithm="ES256", headers=headers))

    def user(self, email=None):
        """(user id, HS256 token) for a fresh user."""
        sub = str(uuid.uuid4())
        return sub, self.hs256(self.claims(sub=sub, email=email))

    # Hostile tokens, built by hand because PyJWT (rightly) refuses to make them.

    def alg_none(self, claims, signature=b""):
        header = {"alg": "none", "typ": "JWT"}
        return self._keep(f"{_segment(header)}.{_segment(claims)}.{_b64url(signature)}")

    def hs256_raw_key(self, claims, key: bytes, kid=None):
        """HS256 with an arbitrary HMAC key, e.g. the ES256 public key PEM (algorithm confusion)."""
        header = {"alg": "HS256", "typ": "JWT"}
        if kid:
            header["kid"] = kid
        signing_input = f"{_segment(header)}.{_segment(claims)}"
        sig = hmac.new(key, signing_input.encode(), hashlib.sha256).digest()
        return self._keep(f"{signing_input}.{_b64url(sig)}")

    def hmac_signature(self, header, claims):
        signing_input = f"{_segment(header)}.{_segment(claims)}"
        return hmac.new(self.secret.encode(), signing_input.encode(), hashlib.sha256).digest()

    def alg_none_with_valid_hmac(self, claims):
        """alg none, but carrying the HMAC a naive verifier that ignores `alg` would accept."""
        header = {"alg": "none", "typ": "JWT"}
        return self._keep(f"{_segment(header)}.{_segment(claims)}.{_b64url(self.hmac_signature(header, claims))}")


def foreign_es256_key():
    return ec.generate_private_key(ec.SECP256R1())


def _is_uuid(value):
    try:
        uuid.UUID(str(value))
        return True
    except ValueError:
        return False


def fixture_claim_sets(supabase_dir: Path, issuer: str):
    """Claim sets from shared/fixtures/supabase, refreshed so they can be re-signed with our secret:
    fresh exp (and iat where the original had one), a uuid sub if theirs is not one, our issuer where
    the original had an issuer (theirs name other Supabase projects). Absent claims stay absent.
    Yields (name, claims, kid, expect_accepted)."""
    files = {
        "anonymous_sign_in": "supabase-swift_anonymous-sign-in_access_token.payload.json",
        "legacy_2022_session": "supabase-swift_legacy-2022-session_access_token.payload.json",
        "docs_authenticated_user": "supabase-docs_jwt-fields_authenticated-user-token.claims.json",
        "docs_custom_access_token_hook": "supabase-docs_custom-access-token-hook_input.json",
        "docs_anon_key": "supabase-docs_jwt-fields_anon-key.claims.json",
    }
    real_header_kid = None
    header_path = supabase_dir / "supabase-swift_anonymous-sign-in_access_token.header.json"
    if header_path.exists():
        real_header_kid = json.loads(header_path.read_text()).get("kid")

    now = int(time.time())
    out = []
    loaded = {}
    for name, fname in files.items():
        path = supabase_dir / fname
        if not path.exists():
            continue
        data = json.loads(path.read_text())
        if name == "docs_custom_access_token_hook":
            data = data["claims"]
        c = copy.deepcopy(data)
        c["exp"] = now + 3600
        if "iat" in c:
            c["iat"] = now
        if "sub" in c and not _is_uuid(c["sub"]):
            c["sub"] = str(uuid.uuid4())
        if "iss" in c and name != "docs_anon_key":
            c["iss"] = issuer
        loaded[name] = c
        # role anon, no sub: must be refused; and the server is run with SUPABASE_URL, so an
        # issuer is configured and a token without `iss` (older Supabase) is refused too.
        expect_ok = name != "docs_anon_key" and "iss" in c
        kid = real_header_kid if name == "anonymous_sign_in" and real_header_kid else random_kid()
        out.append((name, c, kid, expect_ok))

    # Shapes the notes in fixtures/README.md name that no single file shows.
    if "docs_authenticated_user" in loaded:
        base = loaded["docs_authenticated_user"]
        v = copy.deepcopy(base)
        v["aud"] = ["authenticated"]
        out.append(("aud_as_array", v, random_kid(), True))
        v = copy.deepcopy(base)
        v["amr"] = ["password"]
        out.append(("amr_as_strings", v, random_kid(), True))
        v = copy.deepcopy(base)
        v["email"] = ""
        out.append(("empty_email", v, random_kid(), True))
    return out
