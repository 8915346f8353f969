"""Filters shared by the tenant API."""

import django_filters
from django import forms

from tenancy.models import MAX_ID


class IdFilter(django_filters.NumberFilter):
    """A row id compared as a plain number ("1.5", "-1" or 10**30 are a 400, not a 500).

    Unlike django-filter's default for a foreign key (a choice over the whole table), it never tells
    another tenant's id from an unknown one: both simply match nothing in the scoped queryset.
    """

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)
