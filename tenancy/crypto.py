"""Field encryption at rest: tax ids, bank details and contact phone numbers.

Values are encrypted with Fernet (AES-128-CBC + HMAC-SHA256) under the keys in
`FIELD_ENCRYPTION_KEYS` (comma-separated, newest first). The first key encrypts; every key decrypts,
so a new key is put in front, `manage.py rotate_field_keys` re-encrypts every row with it, and the
old key is dropped afterwards. Ciphertext differs on every write, so an encrypted column cannot be
searched; where a lookup is needed a `blind_index()` column (HMAC-SHA256 of the normalized value
under `FIELD_BLIND_INDEX_KEY`) sits beside it.
"""

import hashlib
import hmac
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models

# Every Fernet token starts with version byte 0x80 + a 64-bit timestamp: base64 "gAAAAA".
TOKEN_PREFIX = "gAAAAA"


class FieldDecryptionError(Exception):
    """A stored token cannot be decrypted with any configured key (a key was removed too early)."""


@lru_cache(maxsize=8)
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    try:
        return MultiFernet([Fernet(key.encode()) for key in keys])
    except ValueError as exc:
        raise ImproperlyConfigured(
            "FIELD_ENCRYPTION_KEYS must hold Fernet keys (32 url-safe base64-encoded bytes each); "
            "make one with: python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'"
        ) from exc


def fernet() -> MultiFernet:
    """Return the MultiFernet of the configured keys (the first one encrypts)."""
    keys = tuple(settings.FIELD_ENCRYPTION_KEYS)
    if not keys:
        raise ImproperlyConfigured("FIELD_ENCRYPTION_KEYS must be set.")
    return _fernet(keys)


def encrypt(value: str) -> str:
    return fernet().encrypt(value.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return fernet().decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise FieldDecryptionError(
            "A stored value cannot be decrypted with FIELD_ENCRYPTION_KEYS: was a key removed before "
            "`manage.py rotate_field_keys` ran?"
        ) from exc


def is_encrypted(value: str) -> bool:
    return value.startswith(TOKEN_PREFIX)


def blind_index(value: str) -> str:
    """Return the HMAC of a normalized value (case, spaces and separators ignored); '' for ''."""
    normalized = "".join(ch for ch in (value or "").upper() if ch.isalnum())
    if not normalized:
        return ""
    key = settings.FIELD_BLIND_INDEX_KEY.encode()
    return hmac.new(key, normalized.encode(), hashlib.sha256).hexdigest()


def redacted(value: str) -> str:
    """Stand-in for an encrypted value in logs and diffs: tells changes apart without revealing the value."""
    if not value:
        return value
    digest = hmac.new(settings.FIELD_BLIND_INDEX_KEY.encode(), value.encode(), hashlib.sha256).hexdigest()
    return f"<encrypted {digest[:10]}>"


class EncryptedTextField(models.TextField):
    """A text field stored as a Fernet token; Python code only ever sees the plain text.

    `max_length` limits the plain text (validation); the column is a TEXT column for the token.
    Rows written before the field was encrypted (plain text, no token prefix) still read, and
    the migration that introduced the field encrypts them.
    """

    description = "Text encrypted at rest"

    def get_internal_type(self):
        return "TextField"

    def from_db_value(self, value, expression, connection):
        if value is None or value == "" or not is_encrypted(value):
            return value
        return decrypt(value)

    def to_python(self, value):
        if isinstance(value, str) and is_encrypted(value):
            return decrypt(value)
        return super().to_python(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return encrypt(str(value))

    def get_lookup(self, lookup_name):
        # Ciphertext differs on every write: only emptiness can be asked (search a blind index instead).
        if lookup_name not in ("isnull", "exact"):
            return None
        return super().get_lookup(lookup_name)


def encrypted_fields(model) -> list[str]:
    return [field.attname for field in model._meta.concrete_fields if isinstance(field, EncryptedTextField)]


def reencrypt_rows(model, *, batch_size: int = 500) -> int:
    """Write every non-empty encrypted value of `model` again under the first key; return rows written.

    Plain-text rows (written before the field was encrypted) come out encrypted, tokens of an older
    key come out under the newest one. Used by the data migrations and `rotate_field_keys`.
    """
    fields = encrypted_fields(model)
    if not fields:
        return 0
    pk = model._meta.pk.attname
    written = 0
    rows = model._base_manager.values_list(pk, *fields).order_by(pk)
    for row in rows.iterator(chunk_size=batch_size):
        changes = {name: value for name, value in zip(fields, row[1:], strict=True) if value}
        if changes:
            extra = {"tax_id_index": blind_index(changes["tax_id"])} if (
                "tax_id" in changes and any(f.attname == "tax_id_index" for f in model._meta.concrete_fields)
            ) else {}
            model._base_manager.filter(**{pk: row[0]}).update(**changes, **extra)
            written += 1
    return written


def decrypt_rows_in_place(model, schema_editor) -> None:
    """Write every encrypted value of `model` back as plain text (the data migrations' reverse)."""
    fields = encrypted_fields(model)
    if not fields:
        return
    pk = model._meta.pk
    quote = schema_editor.connection.ops.quote_name
    table = quote(model._meta.db_table)
    with schema_editor.connection.cursor() as cursor:
        for row in model._base_manager.values_list(pk.attname, *fields).iterator():
            for name, value in zip(fields, row[1:], strict=True):
                if value:
                    column = quote(model._meta.get_field(name).column)
                    cursor.execute(f"UPDATE {table} SET {column} = %s WHERE {quote(pk.column)} = %s",  # noqa: S608
                                   [value, row[0]])
