"""Who is area-bound and which desa they hold (issue 14); core/areas.py applies it to every query.

An account is area-bound when it holds ``enrollment.work_in_area`` (the Operator Desa and Operator
Kecamatan groups, core/roles.py) and is not a superuser. Its scope is the desa assigned to it plus
every desa of the kecamatan assigned to it; with nothing assigned it sees nothing.
"""

from core.areas import AreaScope, area_scope, unscoped

AREA_PERMISSION = "enrollment.work_in_area"


def is_area_bound(user) -> bool:
    return bool(user and user.is_authenticated and not user.is_superuser and user.has_perm(AREA_PERMISSION))


def scope_for(user) -> AreaScope | None:
    """The user's AreaScope, or None for an account that sees the whole regency."""
    if not is_area_bound(user):
        return None
    from .models import Desa, OperatorArea

    with unscoped():
        area = OperatorArea.objects.filter(user=user).first()
        if area is None:
            return AreaScope(user_id=user.pk)
        rows = Desa.objects.filter(
            pk__in=area.desa.values("pk")
        ).union(Desa.objects.filter(kecamatan__in=area.kecamatan.values("pk"))).values_list("pk", "kecamatan_id")
        rows = list(rows)
    return AreaScope(
        user_id=user.pk,
        desa_ids=frozenset(pk for pk, _kecamatan in rows),
        kecamatan_ids=frozenset(kecamatan for _pk, kecamatan in rows),
    )


def held_kecamatan_ids(user) -> frozenset:
    """The kecamatan assigned whole to the user (an Operator Kecamatan checks their rows)."""
    from .models import OperatorArea

    with unscoped():
        return frozenset(OperatorArea.objects.filter(user=user).values_list("kecamatan", flat=True).exclude(kecamatan=None))


class AreaScopeMiddleware:
    """Runs each request of an area-bound user inside its scope, streamed responses included (an
    export's rows are produced after the view returned, so the generator re-enters the scope)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        scope = scope_for(request.user)
        request.area_scope = scope
        if scope is None:
            return self.get_response(request)
        with area_scope(scope):
            response = self.get_response(request)
        if response.streaming:
            response.streaming_content = _within(scope, response.streaming_content)
        return response


def _within(scope, iterable):
    iterator = iter(iterable)
    while True:
        with area_scope(scope):
            try:
                chunk = next(iterator)
            except StopIteration:
                return
        yield chunk
