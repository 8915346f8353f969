"""Domain errors raised by services; the API turns them into `{"code", "detail", "fields"}`."""


class ServiceError(Exception):
    """A rule refused the operation; nothing was changed."""

    status_code = 400
    default_code = "invalid"
    default_detail = "The request is not valid."

    def __init__(self, detail: str | None = None, *, code: str | None = None,
                 fields: dict | None = None, status_code: int | None = None):
        self.detail = detail or self.default_detail
        self.code = code or self.default_code
        self.fields = fields or {}
        if status_code is not None:
            self.status_code = status_code
        super().__init__(self.detail)


class NotFound(ServiceError):
    status_code = 404
    default_code = "not_found"
    default_detail = "Not found."


class Forbidden(ServiceError):
    status_code = 403
    default_code = "permission_denied"
    default_detail = "You do not have permission to perform this action."


class Conflict(ServiceError):
    status_code = 409
    default_code = "conflict"
    default_detail = "The object is not in a state that allows this operation."


class InvalidTransition(Conflict):
    default_code = "invalid_transition"
    default_detail = "This status change is not allowed."

    @classmethod
    def refuse(cls, *, noun: str, current: str, target: str, status: str) -> "InvalidTransition":
        """Build the refusal of `current` -> `target` (status labels) in plain English.

        "The company is already active." when nothing would change, otherwise "The company is
        pending approval; it cannot become suspended." (no article to get wrong).
        """
        current, target = current.lower(), target.lower()
        if current == target:
            detail = f"The {noun} is already {current}."
        else:
            detail = f"The {noun} is {current}; it cannot become {target}."
        return cls(detail, fields={"status": [status]})


class PlanLimitReached(Forbidden):
    default_code = "plan_limit_reached"
    default_detail = "Your plan's limit has been reached."
