from django.apps import AppConfig


class CartographyConfig(AppConfig):
    name = "cartography"
    verbose_name = "Site"

    def ready(self) -> None:
        # The audit log and the request id's way into jobs (see cartography/signals.py).
        from cartography import signals

        signals.connect()
        # Registry writes move the ETag of the public pages (see cartography/http_cache.py).
        from cartography import http_cache

        http_cache.connect_signals()
