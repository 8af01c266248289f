from django.apps import AppConfig


class SearchConfig(AppConfig):
    name = "search"
    verbose_name = "Search"

    def ready(self) -> None:
        from django.core.signals import setting_changed

        from search.providers import reset_providers

        def forget_providers(setting: str, **kwargs) -> None:
            if setting in ("LIKENESS_MATCH_PROVIDERS",):
                reset_providers()

        setting_changed.connect(forget_providers, weak=False, dispatch_uid="search_reset_providers")
