from django.apps import AppConfig


class ProjectsConfig(AppConfig):
    name = "projects"
    verbose_name = "Registry"

    def ready(self) -> None:
        # The registry's services call this after an artifact's record changes; the openness
        # package imports the services, so the services learn of it here instead of importing it.
        from projects import services
        from projects.openness.verdicts import openness_refresh

        if openness_refresh not in services.ARTIFACT_RECORD_CHANGED:
            services.ARTIFACT_RECORD_CHANGED.append(openness_refresh)
