from django.apps import AppConfig


class CartographyConfig(AppConfig):
    name = "cartography"
    verbose_name = "Site"

    def ready(self) -> None:
        # The audit log and the request id's way into jobs (see cartography/signals.py).
        from cartography import signals

        signals.connect()
