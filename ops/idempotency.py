"""Idempotency-Key for API POSTs, as Stripe does it.

A POST under /api/ that carries `Idempotency-Key` runs in one transaction together with the row that
records its key; its 2xx answer is stored with the key. A retry with the same key and the same body
gets that answer again (`Idempotent-Replayed: true`) and creates nothing; the same key with another
body is a 409 `idempotency_key_reused`. Keys are scoped to the user of the bearer token (anonymous
requests: to the host) and kept IDEMPOTENCY_KEY_HOURS. A request that fails (4xx, 5xx) does not use
up its key: the client may fix it and retry. If the database dies before the commit, the write and
the key are rolled back together, so the retry after recovery creates exactly one object.
"""

import hashlib
import logging
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpResponse, JsonResponse
from django.utils import timezone

from ops.models import IdempotencyKey
from project.jwthint import bearer_user_id

logger = logging.getLogger("ops.idempotency")

HEADER = "HTTP_IDEMPOTENCY_KEY"
MAX_KEY_LENGTH = 255
# Session and credential endpoints create nothing a retry could duplicate, and replaying their
# answers (tokens) would be wrong: the header is ignored there and not documented.
EXCLUDED_PREFIXES = ("/api/auth/login/", "/api/auth/logout/", "/api/auth/token/", "/api/auth/change-password/",
                     "/api/auth/password-reset/")


def applies_to(path: str) -> bool:
    return path.startswith("/api/") and not path.startswith(EXCLUDED_PREFIXES)


def _error(code: str, detail: str, status: int) -> JsonResponse:
    return JsonResponse({"code": code, "detail": detail, "fields": {}}, status=status)


def _request_hash(request) -> str:
    digest = hashlib.sha256()
    digest.update(f"{request.method} {request.get_full_path()}\n".encode())
    if request.content_type == "multipart/form-data":
        # Uploads may be larger than request.body allows: hash the parsed fields and the files' bytes.
        for name in sorted(request.POST):
            digest.update(f"{name}={request.POST.getlist(name)!r}\n".encode())
        for name in sorted(request.FILES):
            for upload in request.FILES.getlist(name):
                digest.update(f"{name}:{upload.name}:{upload.size}\n".encode())
                for chunk in upload.chunks():
                    digest.update(chunk)
                upload.seek(0)
    else:
        digest.update(request.body)
    return digest.hexdigest()


def _replay(record: IdempotencyKey, request_hash: str) -> HttpResponse:
    if record.request_hash != request_hash:
        return _error("idempotency_key_reused",
                      "This Idempotency-Key was used for a different request.", 409)
    if record.status_code is None:
        return _error("idempotency_key_in_progress",
                      "A request with this Idempotency-Key is still running; retry shortly.", 409)
    response = HttpResponse(bytes(record.body or b""), status=record.status_code, content_type=record.content_type)
    response["Idempotent-Replayed"] = "true"
    return response


class IdempotencyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        key = request.META.get(HEADER)
        if key is None or request.method != "POST" or not applies_to(request.path):
            return self.get_response(request)
        key = key.strip()
        if not key or len(key) > MAX_KEY_LENGTH or not key.isprintable():
            return _error("idempotency_key_invalid",
                          f"Idempotency-Key must be 1 to {MAX_KEY_LENGTH} printable characters.", 400)
        user_id = bearer_user_id(request)
        if user_id is None:
            return self.get_response(request)  # a bad token: the view answers 401
        tenant = getattr(request, "tenant", None)
        host = request.get_host().lower()
        scope = f"u{user_id}:t{tenant.pk if tenant else 0}" if user_id else f"h{host}"[:100]
        request_hash = _request_hash(request)
        now = timezone.now()

        existing = IdempotencyKey.objects.filter(scope=scope, key=key).first()
        if existing is not None and existing.expires_at > now:
            return _replay(existing, request_hash)
        if existing is not None:
            existing.delete()

        with transaction.atomic():
            try:
                with transaction.atomic():
                    record = IdempotencyKey.objects.create(
                        scope=scope, key=key, request_hash=request_hash, method=request.method,
                        path=request.path[:500], expires_at=now + timedelta(hours=settings.IDEMPOTENCY_KEY_HOURS),
                    )
            except IntegrityError:
                record = None  # a concurrent request with this key committed first
            if record is not None:
                response = self.get_response(request)
                if response.status_code >= 500:
                    transaction.set_rollback(True)  # nothing half-written, the key stays free
                elif 200 <= response.status_code < 300 and not response.streaming:
                    record.status_code = response.status_code
                    record.content_type = response.get("Content-Type", "")[:100]
                    record.body = response.content
                    record.save(update_fields=["status_code", "content_type", "body"])
                else:
                    record.delete()  # a refused request does not use up its key
                return response
        concurrent = IdempotencyKey.objects.filter(scope=scope, key=key).first()
        if concurrent is None:
            return _error("idempotency_key_in_progress",
                          "A request with this Idempotency-Key is still running; retry shortly.", 409)
        return _replay(concurrent, request_hash)


IDEMPOTENCY_PARAMETER = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "description": (
        "Makes the POST safe to retry: a retry with the same key and body within "
        "IDEMPOTENCY_KEY_HOURS (24 by default) returns the first answer (header "
        "`Idempotent-Replayed: true`) and creates nothing; "
        "the same key with another body answers 409 `idempotency_key_reused`; while the first request "
        "runs, 409 `idempotency_key_in_progress`. Only 2xx answers are kept. Keys are per user."
    ),
    "schema": {"type": "string", "minLength": 1, "maxLength": MAX_KEY_LENGTH},
}


def schema_add_idempotency_key(result, generator, request, public):
    """drf-spectacular post-processing hook: document the header on every POST."""
    for path, path_item in result.get("paths", {}).items():
        operation = path_item.get("post")
        if operation is None or not applies_to(path):
            continue
        parameters = operation.setdefault("parameters", [])
        if not any(p.get("name") == "Idempotency-Key" and p.get("in") == "header" for p in parameters):
            parameters.append(dict(IDEMPOTENCY_PARAMETER))
    return result
