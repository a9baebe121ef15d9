"""The example's round trip: POST /items writes a row and GET /items/<id> reads it back.
{%- if cookiecutter.use_celery %}
POST /items/<id>/process has a Celery task update it.
{%- endif %}
Validation runs without a database; the round trip needs one (INTEGRATION=1)."""

from __future__ import annotations

import pytest

from .conftest import integration


@pytest.mark.parametrize("payload", [{}, {"name": ""}, {"name": 42}, {"name": "x" * 201}])
def test_create_item_refuses_a_missing_or_bad_name(post, payload):
    status, _ = post("/items", payload)
    assert status == 422


@integration
def test_an_item_written_is_read_back(post, get):
    status, created = post("/items", {"name": "first"})
    assert status == 201
    assert created["name"] == "first" and created["status"] == "new"
    assert get(f"/items/{created['id']}") == (200, created)


@integration
def test_an_unknown_item_is_404(get):
    assert get("/items/999999999")[0] == 404
{%- if cookiecutter.use_celery %}


@integration
def test_the_process_task_marks_the_item_processed(post, get):
    from {{ cookiecutter.project_slug }}.tasks import process_item

    _, created = post("/items", {"name": "to process"})
    # Run eagerly, in this process: the task's own database access, without a worker.
    assert process_item.apply(args=(created["id"],)).get(timeout=10) == "processed"
    assert get(f"/items/{created['id']}")[1]["status"] == "processed"
{%- endif %}
