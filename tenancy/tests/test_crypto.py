"""Field encryption at rest: the columns hold Fernet tokens, code sees plain text, keys rotate."""

import json
import os
import subprocess
import sys
from types import SimpleNamespace

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import FieldError
from django.core.management import call_command
from django.db import connection
from django.test import override_settings

from billing.tests.factories import issued_invoice
from tenancy.crypto import TOKEN_PREFIX, FieldDecryptionError, blind_index, decrypt_rows_in_place, reencrypt_rows
from tenancy.models import Tenant, TenantSettings
from tenancy.tests.factories import TenantFactory

pytestmark = pytest.mark.django_db


def raw(table: str, column: str, pk: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table} WHERE id = %s", [pk])
        return cursor.fetchone()[0]


def raw_write(table: str, column: str, pk: int, value: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET {column} = %s WHERE id = %s", [value, pk])


def test_the_phone_column_holds_ciphertext_and_the_model_plain_text():
    tenant = TenantFactory(contact_phone="+49 30 1234567")
    stored = raw("tenancy_tenant", "contact_phone", tenant.pk)
    assert stored.startswith(TOKEN_PREFIX) and "1234567" not in stored
    assert Tenant.objects.get(pk=tenant.pk).contact_phone == "+49 30 1234567"
    # Every write is a new token: equal values do not show as equal ciphertext.
    other = TenantFactory(contact_phone="+49 30 1234567")
    assert raw("tenancy_tenant", "contact_phone", other.pk) != stored
    # The history rows are encrypted too.
    with connection.cursor() as cursor:
        cursor.execute("SELECT contact_phone FROM tenancy_historicaltenant WHERE id = %s", [tenant.pk])
        assert all(row[0].startswith(TOKEN_PREFIX) for row in cursor.fetchall())


def test_empty_values_stay_empty_and_searchable_for_emptiness():
    tenant = TenantFactory(contact_phone="")
    assert raw("tenancy_tenant", "contact_phone", tenant.pk) == ""
    assert Tenant.objects.filter(pk=tenant.pk, contact_phone="").exists()


def test_the_tax_id_is_encrypted_with_a_blind_index_for_lookup(api, tenant, tenant_admin):
    response = api(tenant_admin).patch("/api/tenants/settings/", {"tax_id": "DE 123-456-789"}, format="json")
    assert response.status_code == 200 and response.json()["tax_id"] == "DE 123-456-789"
    row = TenantSettings.objects.get(tenant=tenant)
    stored = raw("tenancy_tenantsettings", "tax_id", row.pk)
    assert stored.startswith(TOKEN_PREFIX) and "123" not in stored
    assert row.tax_id_index == blind_index("de123456789") != ""
    assert TenantSettings.objects.get(tax_id_index=blind_index("DE-123 456 789")).pk == row.pk
    assert api(tenant_admin).get("/api/tenants/settings/").json()["tax_id"] == "DE 123-456-789"


def test_an_encrypted_column_refuses_lookups_that_ciphertext_cannot_answer():
    with pytest.raises(FieldError):
        list(Tenant.objects.filter(contact_phone__startswith="+49"))


def test_staff_find_a_company_by_its_tax_id_in_the_control_panel(client, super_admin, tenant, other_tenant):
    row = TenantSettings.objects.get(tenant=tenant)
    row.tax_id = "ATU99999999"
    row.save(update_fields=["tax_id"])
    client.force_login(super_admin)
    page = client.get("/admin/tenancy/tenant/", {"q": "atu 9999 9999"}).content.decode()
    assert tenant.name in page and other_tenant.name not in page


def test_the_invoice_bill_to_tax_id_snapshot_is_encrypted(tenant):
    row = TenantSettings.objects.get(tenant=tenant)
    row.tax_id = "GB123456789"
    row.save()
    invoice = issued_invoice(tenant=tenant)
    stored = raw("billing_invoice", "bill_to_tax_id", invoice.pk)
    assert stored.startswith(TOKEN_PREFIX) and "123456789" not in stored
    invoice.refresh_from_db()
    assert invoice.bill_to_tax_id == "GB123456789"


def test_key_rotation_rewrites_every_row_under_the_new_key():
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    with override_settings(FIELD_ENCRYPTION_KEYS=[old]):
        tenant = TenantFactory(contact_phone="555-0100")
        before = raw("tenancy_tenant", "contact_phone", tenant.pk)
    with override_settings(FIELD_ENCRYPTION_KEYS=[new]), pytest.raises(FieldDecryptionError):
        Tenant.objects.get(pk=tenant.pk)
    with override_settings(FIELD_ENCRYPTION_KEYS=[new, old]):
        assert Tenant.objects.get(pk=tenant.pk).contact_phone == "555-0100"  # both keys read
        call_command("rotate_field_keys", stdout=open(os.devnull, "w"))  # noqa: SIM115
    after = raw("tenancy_tenant", "contact_phone", tenant.pk)
    assert after != before
    assert Fernet(new.encode()).decrypt(after.encode()) == b"555-0100"
    with override_settings(FIELD_ENCRYPTION_KEYS=[new]):  # the old key can go now
        assert Tenant.objects.get(pk=tenant.pk).contact_phone == "555-0100"


def test_the_data_migration_encrypts_plain_rows_and_its_reverse_restores_them(tenant):
    raw_write("tenancy_tenant", "contact_phone", tenant.pk, "030 555 1212")  # a row from before encryption
    assert Tenant.objects.get(pk=tenant.pk).contact_phone == "030 555 1212"  # still readable
    settings_row = TenantSettings.objects.get(tenant=tenant)
    raw_write("tenancy_tenantsettings", "tax_id", settings_row.pk, "FR12345")
    reencrypt_rows(Tenant)
    reencrypt_rows(TenantSettings)
    assert raw("tenancy_tenant", "contact_phone", tenant.pk).startswith(TOKEN_PREFIX)
    assert Tenant.objects.get(pk=tenant.pk).contact_phone == "030 555 1212"
    assert TenantSettings.objects.get(pk=settings_row.pk).tax_id_index == blind_index("FR12345")
    decrypt_rows_in_place(Tenant, SimpleNamespace(connection=connection))  # only .connection is used
    assert raw("tenancy_tenant", "contact_phone", tenant.pk) == "030 555 1212"


def _settings_import(**env):
    base = {k: v for k, v in os.environ.items() if k not in ("TESTING", "FIELD_ENCRYPTION_KEYS",
                                                               "FIELD_BLIND_INDEX_KEY")}
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        env={**base, "DJANGO_SETTINGS_MODULE": "project.settings", "DEBUG": "false",
             "SECRET_KEY": "x" * 50, **env},
        capture_output=True, text=True, timeout=60, check=False,
    )


def test_production_without_keys_refuses_to_start():
    result = _settings_import()
    assert result.returncode != 0
    assert "FIELD_ENCRYPTION_KEYS and FIELD_BLIND_INDEX_KEY must be set" in result.stderr
    ok = _settings_import(FIELD_ENCRYPTION_KEYS=Fernet.generate_key().decode(), FIELD_BLIND_INDEX_KEY="k" * 40)
    assert ok.returncode == 0, ok.stderr


def test_the_audit_log_never_holds_an_encrypted_value_in_plain_text(api, tenant, tenant_admin):
    from tenancy.models import ActivityLog

    api(tenant_admin).patch("/api/tenants/settings/", {"tax_id": "DE 123-456-789"}, format="json")
    api(tenant_admin).patch(f"/api/tenants/{tenant.pk}/", {"contact_phone": "+49 30 7654321"}, format="json")
    api(tenant_admin).patch("/api/tenants/settings/", {"tax_id": "DE 999"}, format="json")
    logged = json.dumps(list(ActivityLog.objects.values_list("changes", flat=True)))
    assert "123-456-789" not in logged and "7654321" not in logged and "DE 999" not in logged
    second = ActivityLog.objects.filter(verb="tenant.settings_updated").order_by("pk").last()
    old, new = second.changes["tax_id"]
    assert old.startswith("<encrypted ") and new.startswith("<encrypted ") and old != new  # a change still shows
