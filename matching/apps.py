from django.apps import AppConfig


class MatchingConfig(AppConfig):
    name = "matching"
    verbose_name = "Matching"

    def ready(self) -> None:
        from django.core.signals import setting_changed

        from matching import checks  # noqa: F401  (registers the system checks)
        from matching.providers import reset_providers

        def forget_providers(setting: str, **kwargs) -> None:
            if setting == "LIKENESS_MATCH_PROVIDERS":
                reset_providers()

        setting_changed.connect(forget_providers, weak=False, dispatch_uid="matching_reset_providers")
