"""Browser tests: the portal in Debian's headless Chromium, driven by Playwright, against the
session's local stack. Screenshots and axe-core results go to test-artifacts/e2e/."""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from clinicflow.local.stack import LocalStack
from tests.conftest import ROOT

playwright_api = pytest.importorskip("playwright.sync_api")
axe_api = pytest.importorskip("axe_playwright_python.sync_playwright")

ARTIFACTS = ROOT / "test-artifacts" / "e2e"
PASSWORD = "Demo-Clinic-2026!"
# Debian's chromium: Playwright never downloads a browser of its own here.
CHROMIUM = os.environ.get("CLINICFLOW_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
LAPTOP = {"width": 1366, "height": 768}
TABLET = {"width": 820, "height": 1180}
BLOCKING_IMPACTS = {"serious", "critical"}


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """One headless Chromium for the session."""
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian chromium is not installed (make system-deps installs it)")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with playwright_api.sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()


@dataclass
class Portal:
    """One browser tab on the portal, with what it logged."""

    page: Any
    base: str
    name: str
    now: Callable[[], datetime]
    problems: list[str] = field(default_factory=list)
    axe_reports: list[dict[str, Any]] = field(default_factory=list)

    def open(self, hash_route: str = "") -> None:
        self.page.goto(f"{self.base}/portal/{hash_route}")

    def sign_in(self, username: str, password: str = PASSWORD) -> None:
        """Sign in through the login form and wait for the first screen."""
        self.open()
        page = self.page
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Sign in").click()
        page.get_by_role("button", name="Log out").wait_for()

    def shot(self, label: str) -> Path:
        """Save a full-page screenshot as a test artefact."""
        path = ARTIFACTS / f"{self.name}--{label}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path

    def audit(self, screen: str) -> list[dict[str, Any]]:
        """axe-core on the current screen; fails on any serious or critical violation."""
        results = axe_api.Axe().run(self.page)
        violations = results.response.get("violations", [])
        summary = [
            {
                "id": v["id"],
                "impact": v.get("impact"),
                "help": v.get("help"),
                "targets": [n.get("target") for n in v.get("nodes", [])][:10],
            }
            for v in violations
        ]
        report = {"screen": screen, "violations": summary}
        self.axe_reports.append(report)
        (ARTIFACTS / f"{self.name}--{screen}--axe.json").write_text(json.dumps(report, indent=2))
        blocking = [v for v in summary if v["impact"] in BLOCKING_IMPACTS]
        assert not blocking, f"axe: serious/critical violations on {screen}: {blocking}"
        return summary


@pytest.fixture
def portal_factory(
    browser: Any,
    stack: LocalStack,
    request: pytest.FixtureRequest,
) -> Iterator[Callable[..., Portal]]:
    """portal_factory(viewport=LAPTOP) → a fresh browser context (its own session storage)."""
    contexts: list[Any] = []
    portals: list[Portal] = []
    test_name = re.sub(r"[^A-Za-z0-9_-]+", "-", request.node.name)

    def make(viewport: dict[str, int] | None = None) -> Portal:
        context = browser.new_context(viewport=viewport or LAPTOP, locale="en-US")
        context.set_default_timeout(15_000)
        contexts.append(context)
        page = context.new_page()
        portal = Portal(page, stack.api_url, f"{test_name}-{len(portals) + 1}", stack.clock.now)

        def console(msg: Any) -> None:
            text = msg.text
            if "Content Security Policy" in text or "Refused to" in text:
                portal.problems.append(f"CSP: {text}")
            elif msg.type == "error" and "Failed to load resource" not in text:
                portal.problems.append(f"console error: {text}")

        page.on("console", console)
        page.on("pageerror", lambda err: portal.problems.append(f"page error: {err}"))
        portals.append(portal)
        return portal

    yield make
    failed = getattr(request.node, "rep_call", None)
    for portal in portals:
        if failed is not None and failed.failed:
            with contextlib.suppress(Exception):  # the page may be gone
                portal.shot("failure")
    for context in contexts:
        context.close()
    problems = [p for portal in portals for p in portal.problems]
    assert not problems, f"browser reported problems: {problems}"


@pytest.fixture
def portal(portal_factory: Callable[..., Portal]) -> Portal:
    """A laptop-sized tab on the portal."""
    return portal_factory()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Browser tests run last, whatever the command line's order: they add patients and
    calendars to the shared stack, which tests reading the demo seed must not see first."""
    here = Path(__file__).parent
    items.sort(key=lambda item: item.path.is_relative_to(here))


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """Keep each phase's report on the item, so fixtures can screenshot failures."""
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report
