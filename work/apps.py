from django.apps import AppConfig


class WorkConfig(AppConfig):
    name = "work"

    def ready(self):
        from tenancy import limits
        from work import selectors

        limits.register_usage("teams", selectors.team_usage)
        limits.register_usage("tasks", selectors.task_usage)
        # The registry holds one counter per resource: keep counting whatever another app (billing's
        # payment proofs) registered before us and add the attachments to it.
        previous = limits._counters.get("storage_mb")

        def storage_mb(tenant) -> float:
            own = selectors.attachment_storage_mb(tenant)
            return own + (previous(tenant) if previous is not None else 0)

        limits.register_usage("storage_mb", storage_mb)
