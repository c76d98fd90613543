"""The area scope (issue 14): the one place that decides which rows an area-bound account sees.

An Operator Desa or Operator Kecamatan works for one or more desa/kecamatan. While a request of
such a user runs (enrollment.areas.AreaScopeMiddleware) the current ``AreaScope`` is set, and every
model with an ``AreaScopedManager`` filters its default manager by it: lists, pages, searches,
exports, APIs, downloads and admin objects alike, with no view filtering on its own (another area's
object by id simply does not exist: 404). Related managers (``worker.coverages``) use the default
manager's class, so they are scoped too; ``_base_manager`` (forward foreign keys, ``refresh_from_db``)
is not, since it only follows a row already reached through a scoped query.

Outside such a request (district staff, the regent, Celery tasks, commands) there is no scope and
nothing is filtered. core knows no areas: each model names its own rule (a function of the scope
returning a Q), and enrollment decides who is area-bound and which desa they hold.
"""

from collections.abc import Callable
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from django.db import models
from django.db.models import Q


@dataclass(frozen=True)
class AreaScope:
    """What an area-bound user may see: the desa they hold (directly or through their kecamatan)."""

    user_id: int
    desa_ids: frozenset = frozenset()
    kecamatan_ids: frozenset = frozenset()  # the kecamatan of those desa

    def as_data(self) -> dict:
        """The scope as plain data, for a task that works for an area account: tasks run unscoped
        (core/tasks.py), so one that builds something the account will see re-enters
        ``area_scope(AreaScope.from_data(data))`` with the scope it was given, never recomputed."""
        return {"user": self.user_id, "desa": sorted(self.desa_ids), "kecamatan": sorted(self.kecamatan_ids)}

    @classmethod
    def from_data(cls, data: dict | None) -> "AreaScope | None":
        if not data:
            return None
        return cls(user_id=int(data["user"]), desa_ids=frozenset(int(pk) for pk in data.get("desa", ())),
                   kecamatan_ids=frozenset(int(pk) for pk in data.get("kecamatan", ())))

    def cache_key(self) -> str:
        """Part of a cache key, so that figures cached for one area never serve another."""
        return "area-" + "-".join(str(pk) for pk in sorted(self.desa_ids)) if self.desa_ids else "area-none"


_current: ContextVar[AreaScope | None] = ContextVar("area_scope", default=None)


def current_scope() -> AreaScope | None:
    """The scope of the running request, or None: nothing is filtered."""
    return _current.get()


@contextmanager
def area_scope(scope: AreaScope | None):
    """Run the block with ``scope`` (None lifts any scope, e.g. for a check that must see every
    NIK in the regency, like deduplication; it must never hand those rows to the user)."""
    token = _current.set(scope)
    try:
        yield scope
    finally:
        _current.reset(token)


def unscoped():
    """The whole regency, for rules that must count everything (quota, NIK already registered)."""
    return area_scope(None)


def area_rule(*lookups: str) -> Callable[[AreaScope], Q]:
    """The usual rule: any of these lookups (paths to a desa id) is among the scope's desa."""
    def rule(scope: AreaScope) -> Q:
        q = Q(pk__in=[])
        for lookup in lookups:
            q |= Q(**{f"{lookup}__in": scope.desa_ids})
        return q

    return rule


def NOTHING(scope: AreaScope) -> Q:
    """The rule of rows an area-bound user never sees (a whole program's files, other payers)."""
    return Q(pk__in=[])


class AreaScopedManager(models.Manager):
    """A default manager filtered by the current area scope. Subclass it with ``rule`` set (a
    function of the AreaScope returning a Q), or use ``scoped_manager``."""

    rule = staticmethod(NOTHING)

    def get_queryset(self):
        queryset = super().get_queryset()
        scope = current_scope()
        if scope is None:
            return queryset
        return queryset.filter(type(self).rule(scope))


def scoped_manager(rule: Callable[[AreaScope], Q], queryset_class=models.QuerySet) -> AreaScopedManager:
    """``objects = scoped_manager(area_rule("worker__desa"), CoverageQuerySet)``."""
    manager_class = type(
        f"AreaScoped{queryset_class.__name__}Manager",
        (AreaScopedManager.from_queryset(queryset_class),),
        {"rule": staticmethod(rule)},
    )
    return manager_class()
