"""Helpers to crawl the control panel: read a page's form fields, list every admin URL worth hitting."""

from html.parser import HTMLParser

from django.contrib import admin
from django.urls import NoReverseMatch, reverse

SKIPPED_INPUTS = {"csrfmiddlewaretoken", "_save", "_continue", "_addanother", "_saveasnew"}


class _FormParser(HTMLParser):
    """Collect the fields of the first <form> that holds a field (or of the form with `form_id`)."""

    def __init__(self, form_id: str | None = None):
        super().__init__(convert_charrefs=True)
        self.form_id = form_id
        self.forms: list[dict] = []
        self._current: dict | None = None
        self._select: str | None = None
        self._select_first: str | None = None
        self._select_chosen = False
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self._current = {"id": attrs.get("id"), "fields": {}, "multi": set()}
            self.forms.append(self._current)
            return
        if self._current is None:
            return
        name = attrs.get("name")
        if tag == "input" and name and name not in SKIPPED_INPUTS:
            kind = attrs.get("type", "text")
            if kind in ("checkbox", "radio"):
                if "checked" in attrs:
                    self._current["fields"].setdefault(name, [])
                    self._current["fields"][name].append(attrs.get("value", "on"))
                else:
                    self._current["fields"].setdefault(name, [])
            elif kind not in ("submit", "button", "file", "image", "reset"):
                self._current["fields"][name] = [attrs.get("value", "")]
        elif tag == "select" and name:
            self._select, self._select_first, self._select_chosen = name, None, False
            self._current["fields"][name] = []
            if "multiple" in attrs:
                self._current["multi"].add(name)
        elif tag == "option" and self._select:
            value = attrs.get("value", "")
            if self._select_first is None:
                self._select_first = value
            if "selected" in attrs:
                self._current["fields"][self._select].append(value)
                self._select_chosen = True
        elif tag == "textarea" and name:
            self._textarea = name
            self._current["fields"][name] = [""]

    def handle_endtag(self, tag):
        if tag == "select" and self._select:
            if not self._select_chosen and self._select not in self._current["multi"] and self._select_first:
                self._current["fields"][self._select] = [self._select_first]
            self._select = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "form":
            self._current = None

    def handle_data(self, data):
        if self._textarea and self._current is not None:
            self._current["fields"][self._textarea][0] += data


def form_fields(html: str) -> dict[str, list[str]]:
    """Return {name: [values]} of the page's form with the most fields (the admin's main form or a dialog)."""
    parser = _FormParser()
    parser.feed(html)
    forms = [form for form in parser.forms if form["fields"]]
    if not forms:
        return {}
    return max(forms, key=lambda form: len(form["fields"]))["fields"]


def editable_names(fields: dict) -> list[str]:
    """The fields a person types into (not the formsets' bookkeeping)."""
    return [name for name in fields
            if not name.endswith(("-TOTAL_FORMS", "-INITIAL_FORMS", "-MIN_NUM_FORMS", "-MAX_NUM_FORMS"))
            and not name.endswith(("-id", "-tenant", "-DELETE")) and name not in ("action", "select_across",
                                                                                  "index", "_selected_action")]


def model_admins():
    return sorted(admin.site._registry.items(), key=lambda item: item[0]._meta.label)


def url_or_none(name: str, *args) -> str | None:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None
