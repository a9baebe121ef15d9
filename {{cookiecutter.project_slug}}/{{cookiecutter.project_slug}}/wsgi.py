import os

from django.core.wsgi import get_wsgi_application

from .config import settings
from .request_context import RequestContextMiddleware

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "{{ cookiecutter.project_slug }}.settings")

# The request ID, and the client and scheme from the TLS edge (TRUSTED_PROXIES) only.
application = RequestContextMiddleware(get_wsgi_application(), settings.trusted_proxies)
