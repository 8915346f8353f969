"""OpenAPI extensions: document the tenant-bound JWT as a bearer scheme."""

from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme


class TenantJWTScheme(SimpleJWTScheme):
    target_class = "tenancy.authentication.TenantJWTAuthentication"
    name = "jwtAuth"
