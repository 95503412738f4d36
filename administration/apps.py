from django.apps import AppConfig


class AdministrationConfig(AppConfig):
    name = "administration"

    def ready(self):
        from administration import checks  # noqa: F401 - registers the deploy checks
