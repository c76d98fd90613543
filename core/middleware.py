from django.conf import settings
from django.utils import translation
from django.utils.cache import patch_vary_headers


class LanguageMiddleware:
    """Bahasa Indonesia unless the user picked another language (the language cookie).

    Django's LocaleMiddleware follows the browser's Accept-Language, which would show an
    English-configured browser in a Lamandau office an English admin; here the choice is explicit.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.supported = {code for code, _name in settings.LANGUAGES}

    def __call__(self, request):
        language = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if language not in self.supported:
            language = settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        patch_vary_headers(response, ("Cookie",))
        response.headers.setdefault("Content-Language", language)
        return response


class DatabaseUnavailableMiddleware:
    """A request whose database connection broke (PostgreSQL restarted, the session was
    terminated) answers 503 with a clear message instead of a 500. Every change is one durable
    transaction, so the broken one was rolled back by PostgreSQL: nothing was half-written and the
    user can simply repeat the action. The broken connection is closed; the next request opens a
    new one (issue 11)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        from django.db import InterfaceError, OperationalError, connections
        from django.shortcuts import render

        if not isinstance(exception, (OperationalError, InterfaceError)):
            return None
        import logging

        logging.getLogger(__name__).warning("database unavailable during %s %s: %r", request.method, request.path,
                                            exception)
        for connection in connections.all(initialized_only=True):
            connection.close()
        response = render(request, "core/database_unavailable.html", status=503)
        response["Retry-After"] = "10"
        return response


# Longest query value accepted (a search term, a code, a date): longer ones are refused, not searched.
MAX_QUERY_VALUE = 500


def input_problem(text: str, *, max_length: int | None = None) -> str | None:
    """Why a piece of request input cannot be used, or None.

    NUL bytes end in PostgreSQL's "string literal cannot contain NUL"; digits outside ASCII (², ٣)
    pass ``str.isdigit()`` and then break ``int()`` or mean another number; very long values
    only cost time. No name, code, date or search term of this program contains them.
    """
    from django.utils.translation import gettext as _

    if any(ord(c) < 32 and c not in "\t\r\n" for c in text):
        return _("Karakter kontrol (misalnya byte NUL) tidak diterima.")
    if any(not c.isascii() and (c.isdigit() or c.isnumeric()) for c in text):
        return _("Angka harus ditulis dengan angka biasa 0–9.")
    if max_length is not None and len(text) > max_length:
        return _("Nilai terlalu panjang (lebih dari %(max)d karakter).") % {"max": max_length}
    return None


class RejectBadInputMiddleware:
    """The one gate for malformed input (issue 10): a path or query value that no view can use gets
    400 with the reason, before any view turns it into a database error and a 500.

    Form bodies are checked for NUL bytes only (their fields validate the rest); file contents are
    not input text and are left to the upload gate (claims/documents.py).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        problem = self.problem(request)
        if problem:
            from django.http import HttpResponseBadRequest
            from django.utils.html import format_html
            from django.utils.translation import gettext as _

            return HttpResponseBadRequest(format_html(
                '<!doctype html><html lang="{}"><title>{}</title><h1>{}</h1><p id="bad-input">{}</p></html>',
                translation.get_language() or "id", _("Permintaan tidak valid"), _("Permintaan tidak valid"), problem,
            ))
        return self.get_response(request)

    def problem(self, request) -> str | None:
        from django.utils.translation import gettext as _

        if problem := input_problem(request.path, max_length=2000):
            return _("Alamat: %(problem)s") % {"problem": problem}
        for key, values in request.GET.lists():
            for text in (key, *values):
                if problem := input_problem(text, max_length=MAX_QUERY_VALUE):
                    return _("Parameter %(name)s: %(problem)s") % {"name": key[:40], "problem": problem}
        if request.method == "POST" and request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
            for key, values in request.POST.lists():
                if any("\x00" in text for text in (key, *values)):
                    return _("Isian %(name)s: byte NUL tidak diterima.") % {"name": key[:40].replace("\x00", "")}
        return None
