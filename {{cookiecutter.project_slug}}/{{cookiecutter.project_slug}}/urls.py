{%- set db = cookiecutter.use_postgres -%}
{% if db -%}
from django.contrib import admin
{% endif -%}
from django.urls import path

from . import views

urlpatterns = [
    path("health", views.health),
    path("ready", views.ready),
{%- if db %}
    path("items", views.create_item),
    path("items/<int:item_id>", views.get_item),
{%- if cookiecutter.use_celery %}
    path("items/<int:item_id>/process", views.process),
{%- endif %}
    path("admin/", admin.site.urls),
{%- endif %}
]
