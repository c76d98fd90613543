"""Personal data (UU 27/2022): who sees it (``sees_personal_data``), and masking for everyone else,
showing only what a reader needs to recognise a record."""

from functools import wraps

from django.core.exceptions import PermissionDenied


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


# Whoever may read the workers' records (Operator Kabupaten, Petugas BPJS, administrators) sees
# personal data in full; everyone else (Pimpinan, Keuangan Daerah) sees it masked or not at all.
PERSONAL_DATA_PERMISSION = "enrollment.view_worker"


def sees_personal_data(user) -> bool:
    """UU 27/2022: whether ``user`` sees NIKs, names, KPJ numbers, bank accounts and exact small
    counts in full. The one decision for every view, export, page and template (``|sees_personal_data``)."""
    return bool(user and user.is_authenticated and user.has_perm(PERSONAL_DATA_PERMISSION))


def personal_data_required(view):
    """A view listing people by name (403 for readers who do not see personal data)."""
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not sees_personal_data(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped
