"""pytest fixtures for the OSS emulator, registered through the ``pytest11`` entry point.

``oss_emulator``
    one emulator for the whole session, reset (no buckets, no fault rules, real time, empty
    journal) before every test that uses it. Cheap: start it once, pay only for the reset.
``oss_emulator_fresh``
    an emulator of its own for one test, stopped when the test ends. Options come from
    ``@pytest.mark.oss_emulator(**options)`` on the test (see :class:`oss_emulator.OssEmulator`).

Both take the options of the ``oss_emulator_options`` fixture (session-scoped, a dict; override
it in a ``conftest.py``); the marker's options are added on top for ``oss_emulator_fresh``.
``--oss-emulator-binary PATH`` (or ``$OSS_EMULATOR_BINARY``) picks another binary.

    def test_upload(oss_emulator):
        auth = oss2.Auth(oss_emulator.access_key_id, oss_emulator.access_key_secret)
        bucket = oss2.Bucket(auth, oss_emulator.endpoint, "my-bucket")
        bucket.create_bucket()
        bucket.put_object("k", b"v")
        assert oss_emulator.journal(operation="PutObject")[0]["status"] == 200
"""

from __future__ import annotations

from typing import Any, Dict, Iterator

import pytest

from ._emulator import OssEmulator


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("oss-emulator")
    group.addoption(
        "--oss-emulator-binary",
        default=None,
        help="the oss-emulator executable (default: the one this package installed)",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "oss_emulator(**options): options of the test's oss_emulator_fresh emulator"
    )


@pytest.fixture(scope="session")
def oss_emulator_options() -> Dict[str, Any]:
    """Options for both fixtures' emulators (override in conftest.py). Empty: the defaults."""
    return {}


def _options(request: pytest.FixtureRequest, base: Dict[str, Any]) -> Dict[str, Any]:
    options = dict(base)
    binary = request.config.getoption("--oss-emulator-binary")
    if binary and "binary" not in options:
        options["binary"] = binary
    return options


@pytest.fixture(scope="session")
def oss_emulator(request: pytest.FixtureRequest, oss_emulator_options: Dict[str, Any]) -> Iterator[OssEmulator]:
    """One emulator per session; ``_oss_emulator_reset`` resets it before each test using it."""
    with OssEmulator(**_options(request, oss_emulator_options)) as emulator:
        yield emulator


@pytest.fixture(autouse=True)
def _oss_emulator_reset(request: pytest.FixtureRequest) -> None:
    # Autouse, but only touches the session emulator when the test asked for it: a test that
    # does not use the emulator never starts one.
    if "oss_emulator" in request.fixturenames:
        emulator: OssEmulator = request.getfixturevalue("oss_emulator")
        emulator.reset()


@pytest.fixture
def oss_emulator_fresh(request: pytest.FixtureRequest, oss_emulator_options: Dict[str, Any]) -> Iterator[OssEmulator]:
    """An emulator of this test's own, with the options of its ``oss_emulator`` marker."""
    options = _options(request, oss_emulator_options)
    for marker in reversed(list(request.node.iter_markers("oss_emulator"))):
        options.update(marker.kwargs)
    with OssEmulator(**options) as emulator:
        yield emulator
