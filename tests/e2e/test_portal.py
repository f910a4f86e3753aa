"""The portal's core screens in headless Chromium: sign-in, patient search and page, inline
patient creation (422 field errors, 409 duplicates), card images, settings, idle sign-out."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import secrets
import string
import struct
import time
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.e2e.conftest import TABLET, Portal

pytestmark = pytest.mark.e2e

# A 2x2 PNG (synthetic card image).
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAAFklEQVR4nGP8z8DAwMDAxMDAwMDAAAANHQEDasKb6QAAAABJRU5ErkJggg=="
)


def unique_last_name(prefix: str) -> str:
    """A synthetic surname nobody else in the session uses."""
    return prefix + "".join(secrets.choice(string.ascii_lowercase) for _ in range(6))


def expect_text(portal: Portal, text: str) -> None:
    portal.page.get_by_text(text).first.wait_for()


def go_to_patients(portal: Portal) -> None:
    """The calendar is the start page when scheduling exists: open Patients from the menu."""
    portal.page.get_by_role("navigation", name="Main").get_by_role("link", name="Patients").click()
    portal.page.get_by_role("heading", name="Patients", level=1).wait_for()


def search(portal: Portal, **criteria: str) -> None:
    page = portal.page
    if not page.get_by_role("search", name="Find a patient").count():
        go_to_patients(portal)
    form = page.get_by_role("search", name="Find a patient")
    labels = {
        "last_name": "Last name",
        "first_name": "First name",
        "dob": "Date of birth",
        "mrn": "MRN",
    }
    for key, value in criteria.items():
        form.get_by_label(labels[key], exact=True).fill(value)
    form.get_by_role("button", name="Search").click()
    page.get_by_role("heading", name=re.compile(r"^Results")).wait_for()


def test_sign_in_find_a_patient_and_open_their_page(portal: Portal, log_capture: Any) -> None:
    page = portal.page
    urls: list[str] = []
    page.on("request", lambda r: urls.append(r.url))
    portal.open()
    page.get_by_role("heading", name="Sign in").wait_for()
    portal.audit("login")
    portal.shot("login")

    # A wrong password is refused with a message, and nothing is stored.
    page.get_by_label("Username").fill("sunrise-frontdesk")
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Sign in").click()
    expect_text(portal, "Incorrect username or password.")
    assert page.evaluate("sessionStorage.length") == 0

    portal.sign_in("sunrise-frontdesk")
    go_to_patients(portal)
    # Front desk: no settings, no audit trail.
    assert not page.get_by_role("link", name="Settings").is_visible()
    portal.audit("patient-search")

    search(portal, last_name="ald")
    rows = page.get_by_role("table").get_by_role("row")
    assert rows.count() >= 2
    portal.shot("search-results")
    portal.audit("search-results")

    first_link = page.get_by_role("table").get_by_role("link").first
    name = first_link.inner_text()
    first_link.click()
    page.get_by_role("heading", name="Demographics").wait_for()
    page.get_by_role("heading", name="Insurance coverages").wait_for()
    last, first = [part.strip() for part in name.split(",")]
    assert page.get_by_role("heading", level=1).inner_text() == f"{first} {last}"
    page.get_by_text("Loading…").first.wait_for(state="detached")
    assert not page.get_by_role("heading", name="Audit trail").is_visible()
    portal.shot("patient-page")
    portal.audit("patient-page")

    # Back to the search keeps the results (in memory, not in the URL).
    page.get_by_role("link", name="← Patient search").click()
    page.get_by_role("heading", name=re.compile(r"^Results")).wait_for()

    # No PHI in URLs; nothing but the session token in browser storage.
    for url in urls:
        parts = urlsplit(url)
        assert last.lower() not in (parts.path + parts.query + parts.fragment).lower(), url
        assert "ald" not in parts.query.lower(), url
    assert page.evaluate("localStorage.length") == 0
    assert page.evaluate("Object.keys(sessionStorage)") == ["clinicflow.session"]
    stored = json.loads(page.evaluate("sessionStorage.getItem('clinicflow.session')"))
    assert set(stored) == {"idToken", "expiresAt", "lastActivity"}

    page.get_by_role("button", name="Log out").click()
    page.get_by_role("heading", name="Sign in").wait_for()
    assert page.evaluate("sessionStorage.length") == 0


def test_create_a_patient_inline_with_field_errors_and_duplicates(portal: Portal) -> None:
    page = portal.page
    last = unique_last_name("Portaltest")
    portal.sign_in("sunrise-frontdesk")
    go_to_patients(portal)
    page.get_by_role("button", name="New patient").click()
    dialog = page.get_by_role("dialog", name="New patient")
    dialog.wait_for()
    # Required fields are checked before anything is sent.
    dialog.get_by_role("button", name="Create patient").click()
    expect_text(portal, "4 fields need attention")
    assert dialog.get_by_label("First name").get_attribute("aria-invalid") == "true"

    dialog.get_by_label("First name").fill("Wren")
    dialog.get_by_label("Last name").fill(last)
    dialog.get_by_label("Date of birth").fill("2999-01-01")  # the API refuses future births: 422
    dialog.get_by_label("Sex").select_option("female")
    dialog.get_by_label("Phone", exact=True).fill("12")
    dialog.get_by_role("button", name="Create patient").click()
    dob = dialog.get_by_label("Date of birth")
    dialog.get_by_text("Must not be in the future").wait_for()
    assert dob.get_attribute("aria-invalid") == "true"
    error_id = dob.get_attribute("aria-describedby")
    assert (
        error_id
        and page.locator(f"#{error_id.split()[-1]}").inner_text() == "Must not be in the future"
    )
    phone = dialog.get_by_label("Phone", exact=True)
    assert phone.get_attribute("aria-invalid") == "true"
    portal.shot("create-422")
    portal.audit("create-patient-422")

    dob.fill("1984-03-09")
    phone.fill("303-555-0107")
    dialog.get_by_label("The patient agrees to appointment text messages").check()
    dialog.get_by_role("button", name="Create patient").click()
    page.get_by_role("heading", name=f"Wren {last}", level=1).wait_for()
    created_url = page.url
    expect_text(portal, "+13035550107 (mobile)")

    # The same name and birth date again: the duplicate is offered instead.
    go_to_patients(portal)
    page.get_by_role("button", name="New patient").click()
    dialog = page.get_by_role("dialog", name="New patient")
    dialog.get_by_label("First name").fill("Wren")
    dialog.get_by_label("Last name").fill(last)
    dialog.get_by_label("Date of birth").fill("1984-03-09")
    dialog.get_by_label("Sex").select_option("female")
    dialog.get_by_role("button", name="Create patient").click()
    expect_text(portal, "A patient with the same name and date of birth already exists.")
    portal.shot("create-409")
    portal.audit("create-patient-409")
    dialog.get_by_role("button", name=re.compile(rf"^Use Wren {last}")).click()
    page.get_by_role("heading", name=f"Wren {last}", level=1).wait_for()
    assert page.url == created_url


def test_admin_uploads_and_views_a_card_image_and_reads_the_audit_trail(
    portal: Portal,
) -> None:
    page = portal.page
    portal.sign_in("sunrise-admin")
    search(portal, last_name="a")
    page.get_by_role("table").get_by_role("link").first.click()
    page.get_by_role("heading", name="Insurance coverages").wait_for()
    page.get_by_text("Loading…").first.wait_for(state="detached")
    upload = page.get_by_role("button", name=re.compile("^Upload a card image")).first
    if not upload.is_visible():  # a self-pay patient: add a coverage first
        page.get_by_role("button", name="Add coverage").click()
        dialog = page.get_by_role("dialog", name="Add coverage")
        dialog.get_by_label(re.compile("^Payer")).select_option(index=1)
        dialog.get_by_label("Member ID").fill("SBX-E2E-1001")
        dialog.get_by_role("button", name="Add coverage").click()
        upload.wait_for()
    upload.click()
    dialog = page.get_by_role("dialog", name="Upload a card image")
    dialog.get_by_label("Side").select_option("front")
    dialog.get_by_label(re.compile("^Image or PDF")).set_input_files(
        files=[{"name": "card-front.png", "mimeType": "image/png", "buffer": PNG}]
    )
    dialog.get_by_role("button", name="Upload").click()
    dialog.wait_for(state="detached")
    page.get_by_role("button", name=re.compile("^View card images")).first.click()
    image = page.get_by_role("img", name=re.compile("^Front of the card"))
    image.wait_for()
    assert image.evaluate("img => img.complete && img.naturalWidth") == 2
    page.reload()  # the audit trail now lists the upload and the view
    page.get_by_role("heading", name="Audit trail").wait_for()
    audit = page.get_by_role("table").filter(has_text="coverage card")
    audit.wait_for()
    assert audit.get_by_role("row").filter(has_text="sunrise-admin").count() >= 1
    portal.shot("patient-admin")
    portal.audit("patient-page-admin")


def test_admin_settings_screens(portal: Portal) -> None:
    page = portal.page
    portal.sign_in("sunrise-admin")
    page.get_by_role("link", name="Settings").click()
    page.get_by_role("heading", name="Settings", level=1).wait_for()
    for tab, marker in [
        ("Practice", "Sunrise Family Medicine PC"),
        ("Locations", "Sunrise Denver"),
        ("Providers", "Erik Lindqvist"),
        ("Staff users", "sunrise-frontdesk"),
        ("Rooms", None),
        ("Appointment types", None),
        ("Availability", "Weekly hours"),
    ]:
        page.get_by_role("navigation", name="Settings sections").get_by_role(
            "link", name=tab
        ).click()
        page.get_by_role("heading", name=tab, level=2).wait_for()
        if marker:
            page.get_by_text(marker, exact=True).first.wait_for()
        slug = tab.lower().replace(" ", "-")
        portal.shot(f"settings-{slug}")
        portal.audit(f"settings-{slug}")

    # Invite a staff member, then disable them.
    page.get_by_role("navigation", name="Settings sections").get_by_role(
        "link", name="Staff users"
    ).click()
    page.get_by_role("button", name="Invite staff member").click()
    dialog = page.get_by_role("dialog", name="Invite staff member")
    dialog.get_by_label("Full name").fill("Casey Portal")
    suffix = secrets.token_hex(3)
    dialog.get_by_label("Email").fill(f"casey.portal.{suffix}@example.org")
    dialog.get_by_label("Role").select_option("front-desk")
    dialog.get_by_role("button", name="Send invitation").click()
    dialog.wait_for(state="detached")
    row = page.get_by_role("row").filter(has_text=f"casey.portal.{suffix}@example.org")
    row.wait_for()
    row.get_by_role("button", name="Disable Casey Portal").click()
    confirm = page.get_by_role("dialog", name="Disable staff member")
    portal.audit("settings-confirm-dialog")
    confirm.get_by_role("button", name="Disable", exact=True).click()
    row.get_by_text("disabled", exact=True).wait_for()

    # Change a provider's calendar colour.
    page.get_by_role("link", name="Providers").click()
    page.get_by_role("button", name="Edit Erik Lindqvist").click()
    dialog = page.get_by_role("dialog", name="Edit Erik Lindqvist")
    dialog.get_by_label("Calendar colour").fill("#2a6f97")
    portal.audit("settings-provider-dialog")
    dialog.get_by_role("button", name="Save").click()
    dialog.wait_for(state="detached")
    page.get_by_role("row").filter(has_text="Erik Lindqvist").get_by_text("#2a6f97").wait_for()


def test_front_desk_cannot_open_settings(portal: Portal) -> None:
    portal.sign_in("sunrise-frontdesk")
    portal.open("#/settings")
    portal.page.get_by_role("heading", name="Not allowed").wait_for()


def test_session_ends_after_the_idle_time(portal: Portal) -> None:
    page = portal.page
    page.clock.install()
    portal.sign_in("sunrise-frontdesk")
    go_to_patients(portal)
    page.clock.run_for("14:00")  # 14 minutes: still signed in
    assert page.get_by_role("button", name="Log out").is_visible()
    page.clock.run_for("01:30")
    page.get_by_role("heading", name="Sign in").wait_for()
    expect_text(portal, "You were signed out after 15 minutes without activity.")
    assert page.evaluate("sessionStorage.length") == 0


def test_tablet_width_has_no_horizontal_scrolling(portal_factory: Any) -> None:
    portal = portal_factory(TABLET)
    page = portal.page
    portal.sign_in("sunrise-admin")
    search(portal, last_name="b")
    page.get_by_role("table").get_by_role("link").first.click()
    page.get_by_role("heading", name="Audit trail").wait_for()
    page.get_by_text("Loading…").first.wait_for(state="detached")
    width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1], width
    portal.shot("tablet-patient")
    portal.audit("tablet-patient")


def totp(secret: str, at: float) -> str:
    """The RFC 6238 code an authenticator app shows for a base32 key (SHA-1, 30 s, 6 digits)."""
    key = base64.b32decode(secret + "=" * (-len(secret) % 8), casefold=True)
    digest = hmac.new(key, struct.pack(">Q", int(at // 30)), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    return f"{(struct.unpack('>I', digest[offset : offset + 4])[0] & 0x7FFFFFFF) % 1_000_000:06d}"


def current_code(secret: str) -> str:
    """A code that stays valid long enough to be typed and checked (not in a step's last 3 s)."""
    if time.time() % 30 > 27:
        time.sleep(30 - time.time() % 30 + 0.2)
    return totp(secret, time.time())


def test_first_sign_in_sets_a_password_and_enrols_an_authenticator(
    portal: Portal, portal_factory: Any, stack: Any
) -> None:
    """With MFA required (as the deployed pool has it), a new staff member chooses a password,
    enrols an authenticator app from the setup key (a wrong code is refused) and is signed in;
    on another device the sign-in asks for a code. Cognito (the emulator, checking TOTP codes)
    answers every step; nothing is faked."""
    cognito = stack.client("cognito-idp")
    pool = stack.user_pool_id
    username = "sunrise-mfa-" + "".join(secrets.choice(string.ascii_lowercase) for _ in range(5))
    cognito.set_user_pool_mfa_config(
        UserPoolId=pool,
        SoftwareTokenMfaConfiguration={"Enabled": True},
        MfaConfiguration="ON",
    )
    try:
        cognito.admin_create_user(
            UserPoolId=pool,
            Username=username,
            TemporaryPassword="Temporary-Pass-2026",
            MessageAction="SUPPRESS",
            UserAttributes=[
                {"Name": "email", "Value": f"{username}@example.test"},
                {"Name": "custom:practice_id", "Value": "sunrise"},
            ],
        )
        cognito.admin_add_user_to_group(UserPoolId=pool, Username=username, GroupName="front-desk")
        page = portal.page
        portal.open()
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill("Temporary-Pass-2026")
        page.get_by_role("button", name="Sign in").click()
        page.get_by_role("heading", name="Choose a new password").wait_for()
        portal.audit("login-new-password")
        page.get_by_label(re.compile("^New password")).fill("Brand-New-Pass-2026")
        page.get_by_label("Repeat the new password").fill("Brand-New-Pass-2026")
        page.get_by_role("button", name="Set password").click()
        page.get_by_role("heading", name="Set up your authenticator app").wait_for()
        secret = page.locator("code.secret").inner_text().strip()
        portal.shot("login-mfa-setup")
        portal.audit("login-mfa-setup")
        wrong = "000000" if current_code(secret) != "000000" else "111111"
        page.get_by_label("6-digit code").fill(wrong)
        page.get_by_role("button", name="Verify and sign in").click()
        expect_text(portal, "That code is not right.")
        page.get_by_label("6-digit code").fill(current_code(secret))
        page.get_by_role("button", name="Verify and sign in").click()
        page.get_by_role("button", name="Log out").wait_for()

        # On another device, signing in asks for a code from the app.
        other = portal_factory()
        other.open()
        other.page.get_by_label("Username").fill(username)
        other.page.get_by_label("Password").fill("Brand-New-Pass-2026")
        other.page.get_by_role("button", name="Sign in").click()
        other.page.get_by_role("heading", name="Enter your authentication code").wait_for()
        other.page.get_by_label("6-digit code").fill(wrong)
        other.page.get_by_role("button", name="Verify").click()
        expect_text(other, "That code is not right.")
        other.shot("login-mfa")
        other.audit("login-mfa")
        other.page.get_by_label("6-digit code").fill(current_code(secret))
        other.page.get_by_role("button", name="Verify").click()
        other.page.get_by_role("button", name="Log out").wait_for()

        user = cognito.admin_get_user(UserPoolId=pool, Username=username)
        assert user["UserStatus"] == "CONFIRMED"
    finally:
        cognito.set_user_pool_mfa_config(UserPoolId=pool, MfaConfiguration="OFF")
        cognito.admin_delete_user(UserPoolId=pool, Username=username)
