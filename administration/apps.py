from django.apps import AppConfig


class AdministrationConfig(AppConfig):
    name = "administration"

    def ready(self):
        from django.db.models.signals import m2m_changed, post_delete, post_save

        from administration import checks  # noqa: F401 - registers the deploy checks
        from administration.selectors.clinical import series_rules_forget
        from inventory.models import Product, SeriesRule

        # The series rules are kept per process (administration.selectors.clinical): a saved
        # product or rule, or a rule's list of products it completes, forgets them.
        for model in (Product, SeriesRule):
            post_save.connect(
                series_rules_forget, sender=model, dispatch_uid=f"series_rules_saved_{model.__name__}"
            )
            post_delete.connect(
                series_rules_forget, sender=model, dispatch_uid=f"series_rules_deleted_{model.__name__}"
            )
        m2m_changed.connect(
            series_rules_forget, sender=SeriesRule.completes.through, dispatch_uid="series_rules_completes"
        )
