"""Voucher codes: length, alphabet, normalization and a check character that catches
every single-character substitution and every adjacent transposition."""

from __future__ import annotations

from o2o.vouchers import codes


def test_generated_codes_are_long_unique_and_valid():
    seen = {codes.generate() for _ in range(2000)}
    assert len(seen) == 2000
    for code in seen:
        assert len(code) == codes.LENGTH >= 12
        assert set(code) <= set(codes.ALPHABET)
        assert codes.is_valid(code)


def test_every_single_substitution_is_caught():
    caught = 0
    for _ in range(300):
        code = codes.generate()
        for i, original in enumerate(code):
            for ch in codes.ALPHABET:
                if ch != original:
                    typo = code[:i] + ch + code[i + 1:]
                    assert not codes.is_valid(typo), (code, typo)
                    caught += 1
    assert caught == 300 * codes.LENGTH * (len(codes.ALPHABET) - 1)


def test_every_adjacent_transposition_is_caught():
    checked = 0
    for _ in range(2000):
        code = codes.generate()
        for i in range(len(code) - 1):
            if code[i] != code[i + 1]:
                swapped = code[:i] + code[i + 1] + code[i] + code[i + 2:]
                assert not codes.is_valid(swapped), (code, swapped)
                checked += 1
    assert checked > 20000


def test_transpositions_caught_for_every_pair_of_characters():
    # Exhaustive over all 32 x 32 pairs at every position of one fixed body.
    base = codes.generate()[:-1]
    for i in range(len(base) - 1):
        for p in codes.ALPHABET:
            for q in codes.ALPHABET:
                if p == q:
                    continue
                body = base[:i] + p + q + base[i + 2:]
                code = body + codes.check_character(body)
                swapped = body[:i] + q + p + body[i + 2:] + code[-1]
                assert codes.is_valid(code) and not codes.is_valid(swapped)


def test_normalize_reads_what_people_type():
    code = codes.generate()
    shown = codes.display(code)
    assert shown.count("-") == 3 and shown.replace("-", "") == code
    assert codes.parse(shown) == code
    assert codes.parse(" " + shown.lower().replace("-", " - ") + "\n") == code
    if "0" in code or "1" in code:
        lookalike = code.replace("0", "o").replace("1", "l")
        assert codes.parse(lookalike) == code
    body = "0" * 14 + "1"
    made = body + codes.check_character(body)
    assert codes.parse("O" * 14 + "I" + made[-1]) == made
    assert codes.parse("o" * 14 + "L" + made[-1]) == made


def test_malformed_input_is_refused():
    code = codes.generate()
    for bad in ["", "   ", code[:-1], code + "0", code[:-1] + "U", None, 12345, "é" * 16,
                code[:8] + "!" + code[9:]]:
        assert codes.parse(bad) is None


def test_mask_shows_only_last_group():
    code = codes.generate()
    assert codes.mask(code) == "****-****-****-" + code[-4:]
