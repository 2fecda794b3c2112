"""Voucher codes: 15 random Crockford base32 characters (75 bits from `secrets`)
and one check character, 16 in all, shown grouped in fours (ABCD-EFGH-JKMN-PQRS).

The check is Damm's scheme over the field GF(32): reading the characters as field
elements d1..dn, the running value is r <- a*r + d (a = the primitive element x,
modulus x^5 + x^2 + 1) and a valid code ends with r == 0. Each step is a permutation
of d, so any single wrong character changes the result; and swapping two adjacent
different characters p, q changes it by (a - 1)(p - q) * a^k != 0, so every adjacent
transposition is caught as well (the check character included).
"""

from __future__ import annotations

import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32: no I, L, O, U
RANDOM_LENGTH = 15
LENGTH = RANDOM_LENGTH + 1
_VALUE = {ch: i for i, ch in enumerate(ALPHABET)}
# Crockford's reading of look-alike characters.
_ALIASES = str.maketrans({"O": "0", "I": "1", "L": "1"})
_MODULUS = 0b100101  # x^5 + x^2 + 1, primitive over GF(2)


def _times_a(value: int) -> int:
    value <<= 1
    if value & 0b100000:
        value ^= _MODULUS
    return value


def _residue(symbols: str) -> int:
    r = 0
    for ch in symbols:
        r = _times_a(r) ^ _VALUE[ch]  # addition in GF(2^5) is XOR
    return r


def check_character(body: str) -> str:
    """The character that makes `body` + it a valid code: a*r + c = 0, so c = a*r."""
    return ALPHABET[_times_a(_residue(body))]


def generate() -> str:
    body = "".join(secrets.choice(ALPHABET) for _ in range(RANDOM_LENGTH))
    return body + check_character(body)


def normalize(raw: object) -> str:
    """Upper-case, drop spaces and dashes, read O as 0 and I/L as 1. Does not validate."""
    if not isinstance(raw, str):
        return ""
    cleaned = "".join(raw.split()).replace("-", "").upper()
    return cleaned.translate(_ALIASES)


def is_valid(code: str) -> bool:
    """True for a normalized code of the right length, alphabet and check character."""
    return (len(code) == LENGTH and all(ch in _VALUE for ch in code)
            and _residue(code) == 0)


def parse(raw: object) -> str | None:
    """The normalized code, or None when it is malformed or fails the check."""
    code = normalize(raw)
    return code if is_valid(code) else None


def display(code: str) -> str:
    """Grouped in fours for people: ABCD-EFGH-JKMN-PQRS."""
    return "-".join(code[i:i + 4] for i in range(0, len(code), 4))


def mask(code: str) -> str:
    """Only the last group visible, for lists and logs."""
    return "****-****-****-" + code[-4:]
