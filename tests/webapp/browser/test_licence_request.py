"""A licence from request to download in a real Chromium: the customer asks on the item page, staff grant it in
the admin, the e-mail (captured by the locmem backend) holds a link that downloads the original."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest

from catalog.models import Collection, LicenceRequest
from tests.images import encode, picture

pytestmark = pytest.mark.browser

LINK = re.compile(r"https?://\S+/licences/[^/\s]+/download/")


def test_a_customer_requests_staff_grant_and_the_emailed_link_downloads_the_original(
    page, make_item, staff_user, mailoutbox, tmp_path
):
    collection = Collection.objects.create(name="Harbours", usage_options="Web\nPrint", size_options="Full size")
    item = make_item(seed=41, title="Harbour at Dawn", license_type="rights-managed", collection=collection,
                     data=encode(picture(900, 600, 41), "PNG"))  # fmt: skip

    # The customer: item page, "License this picture", the form.
    page.goto(item.get_absolute_url())
    page.click("text=License this picture")
    page.wait_for_url(re.compile(r"/license/$"))
    assert page.locator("#licence-type").inner_text() == "Rights-managed"
    page.select_option("#id_usage", "Print")
    page.select_option("#id_size", "Full size")
    page.fill("#id_customer_name", "Ada Holm")
    page.fill("#id_customer_email", "ada@example.com")
    page.fill("#id_organisation", "Holm Press")
    page.fill("#id_intended_use", "The cover of a book on harbours.")
    page.click("#send-request")
    page.wait_for_url(re.compile(r"/license/thanks/$"))
    assert "Thank you" in page.locator("#thanks").inner_text()
    assert LicenceRequest.objects.get().usage == "Print"

    # Staff: the admin index counts the new request; grant it from the filtered list.
    page.goto("/admin/login/?next=/admin/")
    page.fill("#id_username", staff_user.username)
    page.fill("#id_password", "pw")
    page.click("input[type=submit]")
    page.click("#licence-requests-waiting a:has-text('1 new licence request waiting')")
    page.check("input[name=_selected_action]")
    page.select_option("select[name=action]", "grant")
    page.click("button[name=index]")
    assert "1 request granted" in page.locator(".messagelist").inner_text()

    # The customer's e-mail, and the download its link starts.
    assert len(mailoutbox) == 1 and mailoutbox[0].to == ["ada@example.com"]
    link = LINK.search(mailoutbox[0].body).group(0)
    with page.expect_download() as started:
        page.evaluate("(url) => { window.location.href = url; }", link)
    saved = tmp_path / "original"
    started.value.save_as(saved)
    assert hashlib.sha256(Path(saved).read_bytes()).hexdigest() == item.sha256
    assert LicenceRequest.objects.get().downloads_used == 1
