"""Masking personal data (UU 27/2022): show only what a reader needs to recognise a record."""


def mask_nik(nik: str) -> str:
    """'6209015505800001' -> '6209********0001': region and serial tell nothing about the person."""
    if not nik:
        return ""
    if len(nik) <= 8:
        return "*" * len(nik)
    return nik[:4] + "*" * (len(nik) - 8) + nik[-4:]


def mask_name(name: str) -> str:
    """'BUDI SANTOSO' -> 'B*** S******': the initials confirm, the rest stays private."""
    return " ".join(word[:1] + "*" * (len(word) - 1) for word in (name or "").split())
