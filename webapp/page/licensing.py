"""The licence request form of an item, its thank-you page, and the download link of a granted licence."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from catalog import licensing
from catalog.models import CatalogImage
from catalog.originals import LinkRefused
from webapp import rates
from webapp.media import original_response

RATE_WINDOW_SECONDS = 3600
OVER_THE_LIMIT = "Too many licence requests have come from your address in the last hour. Please try again later."


class LicenceRequestForm(forms.Form):
    """What a customer tells us; usage and size appear only when the item's collection offers a choice."""

    usage = forms.ChoiceField(label="Usage")
    size = forms.ChoiceField(label="Size")
    customer_name = forms.CharField(label="Your name", max_length=200)
    customer_email = forms.EmailField(label="E-mail")
    organisation = forms.CharField(label="Organisation", max_length=200, required=False)
    intended_use = forms.CharField(
        label="Intended use",
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="Where and how the picture will appear: publication, print run, territory, period.",
    )

    def __init__(self, *args, item: CatalogImage, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        collection = item.collection
        for name, offered in (("usage", collection.usage_list if collection else []),
                              ("size", collection.size_list if collection else [])):  # fmt: skip
            field = self.fields[name]
            if offered:
                assert isinstance(field, forms.ChoiceField)
                field.choices = [("", "Choose…"), *((option, option) for option in offered)]
            else:
                del self.fields[name]


def over_the_limit(request: HttpRequest) -> bool:
    """Count one request from this client address; True once it has sent more than the hour allows.

    The address is the connection's (REMOTE_ADDR), never a forwarded header a client can forge.
    """
    key = f"licence-requests:{request.META.get('REMOTE_ADDR', '')}"
    return rates.count(key, RATE_WINDOW_SECONDS) > settings.LIKENESS["LICENCE_REQUESTS_PER_HOUR"]


@require_http_methods(["GET", "POST"])
def request_licence(request: HttpRequest, pk: int) -> HttpResponse:
    """The form: a valid request is stored (one of the hour's allowance) and answered with the thank-you page."""
    item = get_object_or_404(licensing.licensable_items(request.user), pk=pk)
    form = LicenceRequestForm(request.POST if request.method == "POST" else None, item=item)
    status = 200
    if request.method == "POST" and form.is_valid():
        if over_the_limit(request):
            form.add_error(None, OVER_THE_LIMIT)
            status = 429
        else:
            try:
                licensing.create(item.pk, user=request.user, **form.cleaned_data)
            except licensing.RequestRefused as exc:  # the item was unpublished a moment ago, say
                form.add_error(exc.field if exc.field in form.fields else None, str(exc))
            else:
                return redirect("page:licence-thanks", pk=item.pk)
    return render(request, "page/licence_request.html", {"item": item, "form": form}, status=status)


@require_GET
def thanks(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_object_or_404(licensing.licensable_items(request.user), pk=pk)
    return render(request, "page/licence_thanks.html", {"item": item})


@require_GET
def download(request: HttpRequest, token: str) -> HttpResponseBase:
    """The original of a granted licence (one of its downloads), or a page that says why the link is refused."""
    try:
        licence = licensing.request_for_download(token)
    except LinkRefused as exc:
        return render(request, "page/link_refused.html", {"reason": str(exc)}, status=exc.status)
    assert licence.item is not None
    return original_response(licence.item)
