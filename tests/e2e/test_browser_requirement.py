"""Without Chromium the browser tests are skipped on a developer's machine and fail in CI."""

import pytest

from .conftest import missing_browser


@pytest.mark.parametrize("variables", [{"CI": "true"}, {"GOVFEEDBACK_REQUIRE_BROWSER": "1"}])
def test_a_missing_browser_fails_the_run_in_ci(monkeypatch, variables):
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.delenv("GOVFEEDBACK_REQUIRE_BROWSER", raising=False)
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(pytest.fail.Exception, match="apt-get install -y chromium chromium-driver"):
        missing_browser("/usr/bin/chromium not found")


def test_a_missing_browser_is_a_skip_with_the_way_to_install_it_elsewhere(monkeypatch):
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.delenv("GOVFEEDBACK_REQUIRE_BROWSER", raising=False)
    with pytest.raises(pytest.skip.Exception, match="apt-get install -y chromium chromium-driver"):
        missing_browser("/usr/bin/chromium not found")
