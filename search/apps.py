from django.apps import AppConfig


class SearchConfig(AppConfig):
    name = "search"
    verbose_name = "Search"

    def ready(self) -> None:
        """Connect what keeps the indexes in step with the catalog (catalog never imports search)."""
        from search import checks, signals  # noqa: F401  (register the system checks and the index handlers)
