from django.apps import AppConfig


class SearchConfig(AppConfig):
    name = "search"
    verbose_name = "Search"

    def ready(self) -> None:
        """Connect what keeps the indexes in step with the catalog (catalog never imports search)."""
        from django.core.signals import setting_changed

        from search import checks, signals  # noqa: F401  (register the system checks and the index handlers)
        from search.backends import reset_backends

        def forget_backends(setting: str, **kwargs) -> None:
            if setting == "LIKENESS_SEARCH_BACKENDS":
                reset_backends()

        setting_changed.connect(forget_backends, weak=False, dispatch_uid="search_reset_backends")
