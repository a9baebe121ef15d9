"""The example model: created by POST /items{% if cookiecutter.use_celery %}, processed by a Celery task{% endif %}.

After changing a model, write the migration: `make manage cmd=makemigrations`, review it, commit it.
"""

from django.db import models


class Item(models.Model):
    name = models.CharField(max_length=200)
    status = models.CharField(max_length=20, default="new", db_default="new")
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.name

    def as_dict(self) -> dict:
        return {"id": self.pk, "name": self.name, "status": self.status}
