from django.apps import AppConfig


class WorkConfig(AppConfig):
    name = "work"

    def ready(self):
        from tenancy import limits
        from work import selectors

        limits.register_usage("teams", selectors.team_usage)
        limits.register_usage("tasks", selectors.task_usage)
        limits.register_usage("storage_mb", selectors.attachment_storage_mb)
