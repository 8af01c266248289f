"""The site's own face, set by staff in the admin: name, introduction, logo, favicon, footer pages, admin title."""

import io
import re

import pytest
from django.contrib.flatpages.models import FlatPage
from django.contrib.sites.models import Site
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from webapp.identity import defaults
from webapp.identity.models import SiteIdentity

pytestmark = pytest.mark.django_db


def png(size=(64, 64), color=(200, 30, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, "PNG")
    return out.getvalue()


def test_a_new_site_starts_with_an_identity_and_footer_pages_that_read_well(client, site_defaults):
    html = client.get("/").content.decode()
    assert f"<title>Search the catalog · {defaults.NAME}</title>" in html
    assert defaults.TAGLINE in html and "drop, paste or choose one" in html
    footer = re.search(r'<footer class="site-footer">.*</footer>', html, re.S).group(0)
    links = dict(re.findall(r'<a href="([^"]+)">([^<]+)</a>', footer))
    assert set(links.values()) == {"Terms of licence", "Licensing FAQ", "Contact", "Privacy"}
    for url, title in links.items():
        page = client.get(url)
        assert page.status_code == 200 and f"<h1>{title}</h1>" in page.content.decode()


def test_what_staff_write_is_what_every_page_shows(staff_client, site_defaults, make_item):
    item = make_item(title="Harbour at Dawn")
    identity = SiteIdentity.objects.get(site=Site.objects.get_current())
    answer = staff_client.post(f"/admin/identity/siteidentity/{identity.pk}/change/", {
        "site": identity.site_id, "name": "Harbourview Picture Library", "tagline": "Three centuries of the sea",
        "introduction": "First paragraph about the museum.\n\nSecond paragraph, on licensing.",
    })  # fmt: skip
    assert answer.status_code == 302
    home = staff_client.get("/").content.decode()
    assert "<title>Search the catalog · Harbourview Picture Library</title>" in home
    assert '<h1 id="welcome-heading">Three centuries of the sea</h1>' in home
    assert "<p>First paragraph about the museum.</p>" in home and "<p>Second paragraph, on licensing.</p>" in home
    assert "Harbourview Picture Library" in staff_client.get(item.get_absolute_url()).content.decode()
    admin = staff_client.get("/admin/").content.decode()
    assert "Harbourview Picture Library · staff admin" in admin and "Django administration" not in admin


def test_a_footer_page_staff_add_is_linked_at_once_and_a_members_only_page_is_not(client, site_defaults):
    client.get("/")  # the footer is cached now
    jobs = FlatPage.objects.create(url="/jobs/", title="Work with us", content="<p>We are hiring.</p>")
    jobs.sites.add(Site.objects.get_current())
    hidden = FlatPage.objects.create(url="/staff-notes/", title="Staff notes", registration_required=True)
    hidden.sites.add(Site.objects.get_current())
    html = client.get("/").content.decode()
    assert '<a href="/pages/jobs/">Work with us</a>' in html and "Staff notes" not in html


def test_an_uploaded_logo_and_favicon_are_shown_and_served_as_pictures_only(client, site_defaults):
    identity = SiteIdentity.objects.get()
    identity.logo = SimpleUploadedFile("logo.png", png((160, 40)))
    identity.favicon = SimpleUploadedFile("icon.png", png())
    identity.save()
    html = client.get("/").content.decode()
    assert 'src="/site/logo/"' in html and 'rel="icon" href="/site/favicon/"' in html
    logo = client.get("/site/logo/")
    assert logo["Content-Type"] == "image/png" and "sandbox" in logo["Content-Security-Policy"]
    assert Image.open(io.BytesIO(b"".join(logo.streaming_content))).size == (160, 40)


def test_without_an_uploaded_favicon_the_built_in_one_answers(client, site_defaults):
    answer = client.get("/favicon.ico", follow=True)
    assert answer.redirect_chain[-1][0].endswith("img/favicon.svg")
    assert 'rel="icon" href="/static/img/favicon.svg"' in client.get("/").content.decode()


def test_a_logo_must_be_a_raster_picture(staff_client, site_defaults):
    identity = SiteIdentity.objects.get()
    svg = SimpleUploadedFile("logo.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>')
    answer = staff_client.post(f"/admin/identity/siteidentity/{identity.pk}/change/",
                               {"site": identity.site_id, "name": "X", "logo": svg})  # fmt: skip
    assert answer.status_code == 200 and "errorlist" in answer.content.decode()
    assert not SiteIdentity.objects.get().logo


def test_a_site_without_an_identity_still_has_a_name(client, make_item):
    SiteIdentity.objects.all().delete()
    html = client.get("/").content.decode()
    assert f"· {defaults.NAME}</title>" in html
