"""Working days: Monday to Friday, except the public holidays the administrator enters (``Holiday``).

The one calendar for every deadline counted in working days: a contribution due on a weekend or
a holiday moves to the next working day (R-PAY-1, ``funding.billing.due_date``), and BPJS pays a
claim within 3 or 7 working days of complete documents (R-SLA-1, ``claims.benefits``).
"""

import datetime

from .models import Holiday


def load_holidays() -> frozenset:
    """The public holidays entered by the administrator (one query)."""
    return frozenset(Holiday.objects.values_list("date", flat=True))


def is_working_day(day: datetime.date, holidays=frozenset()) -> bool:
    return day.weekday() < 5 and day not in holidays


def next_working_day(day: datetime.date, holidays=frozenset()) -> datetime.date:
    """``day`` itself when it is a working day, else the first working day after it."""
    while not is_working_day(day, holidays):
        day += datetime.timedelta(days=1)
    return day


def add_working_days(day: datetime.date, days: int, holidays=frozenset()) -> datetime.date:
    """The date ``days`` working days (Monday-Friday, not a holiday) after ``day``."""
    current = day
    while days > 0:
        current += datetime.timedelta(days=1)
        if is_working_day(current, holidays):
            days -= 1
    return current
