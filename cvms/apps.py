from django.apps import AppConfig


class CvmsConfig(AppConfig):
    name = "cvms"
    verbose_name = "CVMS core"

    def ready(self):
        from cvms import signals  # noqa: F401  (connects the login and MFA audit receivers)
