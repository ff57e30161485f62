"""Organisation settings (name, scope, time zone, logo) and the tree of departments and sites."""
import datetime as dt
import io
import os
from unittest import mock

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from PIL import Image

from qms_portal.audit import AuditEntry
from qms_portal.models import Organisation, OrgUnit, OrgUnitKind
from tests.core.factories import OrgUnitFactory, UserFactory

pytestmark = pytest.mark.django_db


def image_bytes(image_format: str, size: tuple[int, int] = (32, 32), noise: bool = False) -> bytes:
    """A real image file; ``noise`` makes it incompressible, so its size follows its pixel count."""
    pixels = os.urandom(size[0] * size[1] * 3) if noise else bytes([0, 128, 128]) * (size[0] * size[1])
    image = Image.frombytes("RGB", size, pixels)
    buffer = io.BytesIO()
    image.save(buffer, format=image_format)
    return buffer.getvalue()


def settings_form(**changes) -> dict:
    return {"name": "Calder Valve & Pump Ltd", "scope_statement": "Valves and pumps.", "time_zone": "UTC", **changes}


def stored_files() -> list[str]:
    return [name for _, _, names in os.walk(settings.MEDIA_ROOT) for name in names]


# --- Settings ------------------------------------------------------------------------------------


def test_new_settings_show_in_the_header_footer_and_home_page(qm_client):
    response = qm_client.post(reverse("organisation"), settings_form(
        name="Northern Pumps plc", scope_statement="Design and repair of pumps at the Leeds site.",
        time_zone="Asia/Tokyo",
    ))

    assert response.status_code == 302
    home = qm_client.get(reverse("home"))
    assert '<span class="brand-org">Northern Pumps plc</span>' in home.text
    assert "<title>Home · Northern Pumps plc</title>" in home.text
    assert "Times shown in Asia/Tokyo" in home.text
    assert "Design and repair of pumps at the Leeds site." in home.text


def test_changed_settings_are_recorded_in_the_audit_trail(portal_users, qm_client):
    old_name = Organisation.current().name

    qm_client.post(reverse("organisation"), settings_form(name="Northern Pumps plc", time_zone="Europe/London"))

    entry = AuditEntry.objects.filter(record_type="qms_portal.organisation").order_by("id").last()
    assert entry.actor_id == portal_users.quality_manager.pk
    assert entry.changes["name"] == [old_name, "Northern Pumps plc"]
    assert entry.changes["time_zone"][1] == "Europe/London"
    trail = qm_client.get(reverse("audit_trail"), {"record_type": "qms_portal.organisation"})
    assert "Northern Pumps plc" in trail.text


def test_times_are_shown_in_the_organisations_time_zone(qm_client):
    organisation = Organisation.current()
    organisation.time_zone = "Asia/Tokyo"
    organisation.save()
    with mock.patch("django.utils.timezone.now", return_value=dt.datetime(2025, 3, 10, 20, 30, tzinfo=dt.UTC)):
        OrgUnitFactory(name="Night shift")

    response = qm_client.get(reverse("audit_trail"), {"record_type": "qms_portal.orgunit"})

    assert "11 Mar 2025" in response.text
    assert "05:30:00" in response.text


def test_an_unknown_time_zone_is_refused(qm_client):
    response = qm_client.post(reverse("organisation"), settings_form(time_zone="Mars/Olympus_Mons"))

    assert response.status_code == 200
    assert response.context["form"].errors["time_zone"]
    assert Organisation.current().time_zone != "Mars/Olympus_Mons"


# --- Logo ----------------------------------------------------------------------------------------


def test_a_png_logo_is_stored_and_served_with_nosniff(qm_client):
    png = image_bytes("PNG")

    response = qm_client.post(
        reverse("organisation"), settings_form(logo=SimpleUploadedFile("our logo.png", png, "image/png"))
    )

    assert response.status_code == 302
    served = qm_client.get(reverse("organisation_logo"))
    assert served.status_code == 200
    assert served["Content-Type"] == "image/png"
    assert served["X-Content-Type-Options"] == "nosniff"
    assert b"".join(served.streaming_content) == png
    assert f'src="{reverse("organisation_logo")}"' in qm_client.get(reverse("home")).text


def test_the_logo_is_served_to_the_sign_in_page_without_signing_in(qm_client, client_for):
    qm_client.post(
        reverse("organisation"),
        settings_form(logo=SimpleUploadedFile("logo.jpg", image_bytes("JPEG"), "image/jpeg")),
    )
    anonymous = client_for(None)

    served = anonymous.get(reverse("organisation_logo"))

    assert served.status_code == 200
    assert served["Content-Type"] == "image/jpeg"
    assert b"".join(served.streaming_content).startswith(b"\xff\xd8")  # a JPEG's first bytes
    assert f'src="{reverse("organisation_logo")}"' in anonymous.get(reverse("login")).text


def test_with_no_logo_the_logo_url_answers_not_found(client_for):
    assert client_for(None).get(reverse("organisation_logo")).status_code == 404


SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script><rect width="9" height="9"/></svg>'
HTML = b"<!doctype html><html><body><script>alert(document.cookie)</script></body></html>"


def _svg():
    return SimpleUploadedFile("logo.svg", SVG, "image/svg+xml")


def _html_named_png():
    return SimpleUploadedFile("logo.png", HTML, "image/png")


def _gif():
    return SimpleUploadedFile("logo.gif", image_bytes("GIF"), "image/gif")


def _oversize_png():
    side = int((settings.LOGO_MAX_BYTES / 3) ** 0.5) + 20
    content = image_bytes("PNG", size=(side, side), noise=True)
    assert len(content) > settings.LOGO_MAX_BYTES
    return SimpleUploadedFile("logo.png", content, "image/png")


@pytest.mark.parametrize("upload", [_svg, _html_named_png, _gif, _oversize_png])
def test_a_logo_that_is_not_a_small_png_or_jpeg_is_refused_and_nothing_stored(upload, qm_client):
    response = qm_client.post(reverse("organisation"), settings_form(name="Renamed", logo=upload()))

    assert response.status_code == 200
    assert response.context["form"].errors["logo"]
    assert 'class="invalid-feedback' in response.text
    organisation = Organisation.current()
    assert not organisation.logo
    assert organisation.name != "Renamed"
    assert stored_files() == []


def test_the_size_limit_is_named_when_a_logo_is_too_big(qm_client):
    response = qm_client.post(reverse("organisation"), settings_form(logo=_oversize_png()))

    [message] = response.context["form"].errors["logo"]
    assert f"the limit is {settings.LOGO_MAX_BYTES // 1024} KB" in message


def test_an_image_with_an_absurd_pixel_count_is_refused_and_nothing_stored(qm_client, monkeypatch):
    # Pillow refuses images over twice MAX_IMAGE_PIXELS; lower the bar so a small file can stand in for a bomb.
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 100)
    bomb = SimpleUploadedFile("logo.png", image_bytes("PNG", size=(32, 32)), "image/png")

    response = qm_client.post(reverse("organisation"), settings_form(logo=bomb))

    assert response.status_code == 200
    [message] = response.context["form"].errors["logo"]
    assert "Upload a valid image" in message
    assert stored_files() == []


def test_a_replaced_logo_leaves_only_the_new_file(qm_client, django_capture_on_commit_callbacks):
    for image_format, name in (("PNG", "first.png"), ("JPEG", "second.jpg")):
        with django_capture_on_commit_callbacks(execute=True):
            qm_client.post(reverse("organisation"), settings_form(
                logo=SimpleUploadedFile(name, image_bytes(image_format), f"image/{image_format.lower()}")
            ))

    [kept] = stored_files()
    assert kept.endswith(".jpg")
    assert Organisation.current().logo.name.endswith(kept)


# --- Departments and sites -----------------------------------------------------------------------


def test_a_unit_is_added_and_listed_under_its_parent(qm_client):
    site = OrgUnitFactory(name="Halifax works", code="HFX", kind=OrgUnitKind.SITE)

    response = qm_client.post(
        reverse("org_unit_create"), {"name": "Machining", "code": "MACH", "kind": "department", "parent": site.pk}
    )

    assert response.status_code == 302
    unit = OrgUnit.objects.get(code="MACH")
    assert unit.parent == site
    listing = qm_client.get(reverse("org_units"))
    assert listing.context["rows"] == [(site, 0), (unit, 1)]
    assert "Machining" in listing.text


def test_a_unit_is_renamed_and_moved(qm_client):
    first_site = OrgUnitFactory(name="Halifax works")
    second_site = OrgUnitFactory(name="Brighouse plant")
    unit = OrgUnitFactory(name="Stores", code="STORES", parent=first_site)

    response = qm_client.post(reverse("org_unit_edit", args=[unit.pk]), {
        "name": "Central stores", "code": "STORES", "kind": "department", "parent": second_site.pk,
    })

    assert response.status_code == 302
    unit.refresh_from_db()
    assert (unit.name, unit.parent) == ("Central stores", second_site)


def test_two_units_cannot_share_a_code(qm_client):
    OrgUnitFactory(code="QA")

    response = qm_client.post(reverse("org_unit_create"), {"name": "Quality", "code": "QA", "kind": "department"})

    assert response.status_code == 200
    assert response.context["form"].errors["code"]
    assert OrgUnit.objects.filter(code="QA").count() == 1


def test_an_empty_unit_is_deleted(qm_client):
    unit = OrgUnitFactory(name="Old stores")

    response = qm_client.post(reverse("org_unit_delete", args=[unit.pk]), follow=True)

    assert not OrgUnit.objects.filter(pk=unit.pk).exists()
    assert "“Old stores” is deleted." in response.text


def _unit_with_a_person() -> OrgUnit:
    unit = OrgUnitFactory(name="Machining")
    UserFactory(org_unit=unit)
    return unit


def _unit_with_a_sub_unit() -> OrgUnit:
    unit = OrgUnitFactory(name="Machining")
    OrgUnitFactory(parent=unit)
    return unit


@pytest.mark.parametrize("make_unit", [_unit_with_a_person, _unit_with_a_sub_unit])
def test_a_unit_with_people_or_sub_units_is_not_deleted(make_unit, qm_client):
    unit = make_unit()
    units_before = OrgUnit.objects.count()

    response = qm_client.post(reverse("org_unit_delete", args=[unit.pk]), follow=True)

    assert "“Machining” still has sub-units or people in it: move them first, then delete it." in response.text
    assert OrgUnit.objects.count() == units_before
    assert not AuditEntry.objects.filter(action="delete").exists()


def test_a_unit_cannot_be_put_inside_itself_or_its_descendants(qm_client):
    site = OrgUnitFactory(name="Site")
    department = OrgUnitFactory(name="Department", parent=site)
    team = OrgUnitFactory(name="Team", parent=department)
    elsewhere = OrgUnitFactory(name="Elsewhere")

    form_page = qm_client.get(reverse("org_unit_edit", args=[site.pk]))

    offered = set(form_page.context["form"].fields["parent"].queryset)
    assert offered == {elsewhere}
    for parent in (site, team):
        response = qm_client.post(reverse("org_unit_edit", args=[site.pk]), {
            "name": "Site", "code": site.code, "kind": "site", "parent": parent.pk,
        })
        assert response.status_code == 200
        assert response.context["form"].errors["parent"]
    site.refresh_from_db()
    assert site.parent is None


def test_a_form_posted_without_its_csrf_token_is_refused_and_changes_nothing(portal_users):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(portal_users.quality_manager, backend="qms_portal.auth.PortalBackend")

    response = browser.post(reverse("org_unit_create"), {"name": "Forged", "code": "FORGED", "kind": "department"})

    assert response.status_code == 403
    assert "This form has expired" in response.text
    assert not OrgUnit.objects.filter(code="FORGED").exists()
