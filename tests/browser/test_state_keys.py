"""The page state's declared keys in real Chromium: values come from the URL only when they parse as
their key's type, a declared key round-trips through the URL, and an undeclared key is refused."""
import pytest

pytestmark = pytest.mark.browser

PAGE = """---
title: State
---

Nothing but prose: the page still loads the widget modules' shared state.
"""

STORE = "import('unrolled/lib/state.js')"


@pytest.fixture(scope="module")
def state_site(make_site):
    return make_site("state", {"state/index.md": PAGE})


def test_a_malformed_url_value_is_ignored(page, state_site):
    _, base = state_site
    page.goto(base + "state/?epoch=abc&step=-1&layer=2&run=&other=x")
    seen = page.evaluate(f"""{STORE}.then((s) => [s.get('epoch', 'none'), s.get('step', 'none'),
        s.get('layer'), s.get('run', 'none')])""")
    assert seen == ["none", "none", 2, "none"]


def test_a_declared_key_round_trips_through_the_url(page, state_site):
    _, base = state_site
    page.goto(base + "state/?other=x")
    search = page.evaluate(f"{STORE}.then((s) => {{ s.set({{ epoch: 40, run: 'lr-good' }}); return location.search; }})")
    assert search == "?other=x&epoch=40&run=lr-good"
    page.goto(base + "state/" + search)
    assert page.evaluate(f"{STORE}.then((s) => [s.get('epoch'), s.get('run')])") == [40, "lr-good"]


def test_an_undeclared_key_or_a_wrong_type_is_refused(page, state_site):
    _, base = state_site
    page.goto(base + "state/")
    errors = page.evaluate(f"""{STORE}.then((s) => [
        () => s.get('epoc'), () => s.set({{ colour: 'red' }}), () => s.subscribe('zoom', () => {{}}),
        () => s.set({{ epoch: '40' }}), () => s.set({{ step: 1.5 }}),
    ].map((attempt) => {{ try {{ attempt(); return 'accepted'; }} catch (e) {{ return e.name; }} }}))""")
    assert errors == ["Error", "Error", "Error", "TypeError", "TypeError"]
    assert page.evaluate("location.search") == ""
