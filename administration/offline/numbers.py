"""Offline form numbers: printed on each paper form, typed in at back-fill, unique for ever.

A number is 10 random symbols of Crockford's base 32 (no I, L, O, U: nothing to misread) and a
check symbol (Luhn mod 32), shown in groups as `7K3M-9QX2-TB4`. The check symbol catches every
single mistyped symbol and almost every swap of neighbours, so a typo at back-fill is refused
instead of matching another form. 50 random bits make numbers unguessable; uniqueness itself is
the database's job (the issued-forms table has a unique number; a clash is simply drawn again).
"""

import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_VALUE = {symbol: n for n, symbol in enumerate(ALPHABET)}
# Crockford's decoding: letters people write for the digits they look like.
_READS_AS = {"O": "0", "I": "1", "L": "1"}
BODY_LENGTH = 10
LENGTH = BODY_LENGTH + 1


class InvalidFormNumber(ValueError):
    pass


def _check_symbol(body: str) -> str:
    """Luhn mod N (N = 32), over the body's symbols from the right."""
    total = 0
    factor = 2
    for symbol in reversed(body):
        addend = factor * _VALUE[symbol]
        total += addend // 32 + addend % 32
        factor = 1 if factor == 2 else 2
    return ALPHABET[(32 - total % 32) % 32]


def form_number_new() -> str:
    body = "".join(secrets.choice(ALPHABET) for _ in range(BODY_LENGTH))
    return body + _check_symbol(body)


def form_number_display(number: str) -> str:
    return f"{number[:4]}-{number[4:8]}-{number[8:]}"


def form_number_parse(text: str) -> str:
    """The canonical number from what a person typed (any case, hyphens and spaces allowed)."""
    cleaned = "".join(_READS_AS.get(c, c) for c in text.upper() if c not in " -")
    if len(cleaned) != LENGTH or any(c not in _VALUE for c in cleaned):
        raise InvalidFormNumber(f"A form number has {LENGTH} letters and digits, like 7K3M-9QX2-TB4.")
    if _check_symbol(cleaned[:-1]) != cleaned[-1]:
        raise InvalidFormNumber("This form number has a typo: check it against the paper form.")
    return cleaned
