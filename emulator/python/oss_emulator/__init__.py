"""A local Alibaba Cloud OSS emulator for tests.

    from oss_emulator import OssEmulator

    with OssEmulator() as emu:
        bucket = oss2.Bucket(oss2.Auth(emu.access_key_id, emu.access_key_secret), emu.endpoint, "b")
        bucket.create_bucket()
        bucket.put_object("k", b"v")
        assert [e["operation"] for e in emu.journal(bucket="b")] == ["PutBucket", "PutObject"]

The package carries the ``oss-emulator`` binary; :class:`OssEmulator` starts it on a free port
with a temporary data directory, and talks to its control API (``/_emulator/``) with the standard
library only. The pytest plugin (``oss_emulator.pytest_plugin``, registered as an entry point)
provides the ``oss_emulator`` and ``oss_emulator_fresh`` fixtures.
"""

from ._emulator import (
    DEV_ACCESS_KEY_ID,
    DEV_ACCESS_KEY_SECRET,
    EmulatorError,
    OssEmulator,
    find_binary,
)

__all__ = [
    "DEV_ACCESS_KEY_ID",
    "DEV_ACCESS_KEY_SECRET",
    "EmulatorError",
    "OssEmulator",
    "find_binary",
]
