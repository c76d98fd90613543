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
