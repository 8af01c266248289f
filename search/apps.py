from django.apps import AppConfig


class SearchConfig(AppConfig):
    name = "search"
    verbose_name = "Search"

    def ready(self) -> None:
        from django.core.signals import setting_changed

        from search import checks  # noqa: F401  (registers the system checks)
        from search.backends import reset_backends
        from search.providers import reset_providers

        def forget_providers(setting: str, **kwargs) -> None:
            if setting == "LIKENESS_MATCH_PROVIDERS":
                reset_providers()
            if setting == "LIKENESS_SEARCH_BACKENDS":
                reset_backends()

        setting_changed.connect(forget_providers, weak=False, dispatch_uid="search_reset_providers")
