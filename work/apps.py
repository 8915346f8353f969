from django.apps import AppConfig


class WorkConfig(AppConfig):
    name = "work"

    def ready(self):
        from tenancy import limits
        from tenancy.services.members import register_member_release
        from work import selectors
        from work.services.members import member_release

        limits.register_usage("teams", selectors.team_usage)
        limits.register_usage("tasks", selectors.task_usage)
        limits.register_usage("storage_mb", selectors.attachment_storage_mb)
        register_member_release(member_release)
        from tenancy.exports import register_export
        from work.exports import export_work

        register_export(export_work)
