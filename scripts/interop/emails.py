"""The email-syntax corpus (shared/fixtures/email/emails.tsv) and python email-validator's verdicts,
to compare with the server's `hirebase email-check`."""

from pathlib import Path

import email_validator


def decode_control_pictures(s: str) -> str:
    """U+2400+n -> U+000n, U+2421 -> DEL (the TSV cannot hold control characters)."""
    out = []
    for ch in s:
        cp = ord(ch)
        if 0x2400 <= cp <= 0x241F:
            out.append(chr(cp - 0x2400))
        elif cp == 0x2421:
            out.append("\x7f")
        else:
            out.append(ch)
    return "".join(out)


def load_corpus(path: Path):
    """[(address, expected_valid)] in file order. Split on "\\n" only: four rows hold U+2028/U+2029,
    which str.splitlines() would treat as line ends. Addresses are not trimmed."""
    rows = []
    text = path.read_bytes().decode("utf-8")
    for line in text.split("\n"):
        if line == "" or line.startswith("#"):
            continue
        address, expected, _source = line.rsplit("\t", 2)
        if expected not in ("valid", "invalid"):
            raise ValueError(f"unexpected verdict {expected!r} in {path}")
        rows.append((decode_control_pictures(address), expected == "valid"))
    return rows


def python_verdict(address: str):
    try:
        r = email_validator.validate_email(address, check_deliverability=False)
        return {"valid": True, "normalized": r.normalized, "error": None}
    except email_validator.EmailNotValidError as e:
        return {"valid": False, "normalized": None, "error": str(e)}


def compare(addresses, python_results, server_results):
    """-> (full agreement count, validity agreement count, [disagreement lines]).
    Full agreement: same verdict and, when valid, the same normalized form."""
    full = validity = 0
    lines = []
    for i, (addr, py, srv) in enumerate(zip(addresses, python_results, server_results)):
        srv_valid = srv.get("valid") if isinstance(srv, dict) else None
        if srv_valid == py["valid"]:
            validity += 1
            if not py["valid"] or srv.get("normalized") == py["normalized"]:
                full += 1
                continue
            a, b = py["normalized"], srv.get("normalized")
            if repr(a) == repr(b) or (isinstance(b, str) and a.encode("ascii", "ignore") == b.encode("ascii", "ignore")):
                a, b = ascii(a), ascii(b)  # differ only in non-ASCII code points: show them
            else:
                a, b = repr(a), repr(b)
            lines.append(f"#{i + 1} {addr!r}: both valid, normalized python={a} server={b}")
        else:
            lines.append(f"#{i + 1} {addr!r}: python {'valid' if py['valid'] else 'invalid'}"
                         f"{'' if py['valid'] else ' (' + py['error'] + ')'}, "
                         f"server {srv!r}")
    return full, validity, lines
