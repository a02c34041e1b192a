"""The package as a user's test suite sees it: the pytest fixtures with oss2 and
alibabacloud-oss-v2, the context manager, and HTTPS with the generated CA.

Run by .ci/python-package.sh in a clean virtualenv where only the wheel, pytest and the two SDKs
are installed: the fixtures come from the plugin's entry point, not from a conftest.py.
"""

import datetime
import os
import random

import alibabacloud_oss_v2 as oss
import oss2
import pytest

from oss_emulator import EmulatorError, OssEmulator

PART = 100 * 1024  # the emulator's (and OSS's) smallest part but the last


def oss2_bucket(emu, name, **kwargs):
    return oss2.Bucket(oss2.Auth(emu.access_key_id, emu.access_key_secret), emu.endpoint, name, **kwargs)


def v2_client(emu):
    cfg = oss.config.load_default()
    cfg.credentials_provider = oss.credentials.StaticCredentialsProvider(emu.access_key_id, emu.access_key_secret)
    cfg.region, cfg.endpoint, cfg.use_path_style = emu.region, emu.endpoint, True
    return oss.Client(cfg)


def operations(emu, **filters):
    return [e["operation"] for e in emu.journal(**filters)]


def test_oss2_put_copy_and_the_journal(oss_emulator):
    bucket = oss2_bucket(oss_emulator, "py-oss2")
    bucket.create_bucket()
    bucket.put_object("a.txt", b"hello")
    bucket.copy_object("py-oss2", "a.txt", "b.txt")
    assert bucket.get_object("b.txt").read() == b"hello"
    assert operations(oss_emulator, bucket="py-oss2") == ["PutBucket", "PutObject", "CopyObject", "GetObject"]
    get = oss_emulator.journal(operation="GetObject")[0]
    assert (get["status"], get["bytes_out"], get["auth"]) == (200, 5, "v1")
    assert oss_emulator.journal(tail=1)[0]["operation"] == "GetObject"


def test_the_session_emulator_is_reset_between_tests(oss_emulator):
    # The previous test's bucket, journal entries and faults are gone.
    assert oss_emulator.health()["buckets"] == []
    assert oss_emulator.journal(operation="PutObject") == []
    assert oss_emulator.faults() == []


def test_oss2_multipart_copy(oss_emulator):
    bucket = oss2_bucket(oss_emulator, "py-mpc")
    bucket.create_bucket()
    data = random.Random(1).randbytes(2 * PART + 123)
    bucket.put_object("src.bin", data)
    upload_id = bucket.init_multipart_upload("dst.bin").upload_id
    parts = []
    for number, start in enumerate(range(0, len(data), PART), start=1):
        end = min(start + PART, len(data)) - 1
        result = bucket.upload_part_copy("py-mpc", "src.bin", (start, end), "dst.bin", upload_id, number)
        parts.append(oss2.models.PartInfo(number, result.etag))
    bucket.complete_multipart_upload("dst.bin", upload_id, parts)
    assert bucket.get_object("dst.bin").read() == data
    assert operations(oss_emulator, operation="UploadPartCopy") == ["UploadPartCopy"] * 3
    assert operations(oss_emulator, operation="GetObject", bucket="py-mpc") == ["GetObject"]


def test_alibabacloud_oss_v2_put_copy_and_multipart_copy(oss_emulator):
    client = v2_client(oss_emulator)
    client.put_bucket(oss.PutBucketRequest(bucket="py-v2"))
    data = random.Random(2).randbytes(3 * PART + 7)
    client.put_object(oss.PutObjectRequest(bucket="py-v2", key="src.bin", body=data))
    client.copy_object(oss.CopyObjectRequest(bucket="py-v2", key="copy.bin", source_bucket="py-v2", source_key="src.bin"))
    copier = client.copier(multipart_copy_threshold=PART, part_size=PART, disable_shallow_copy=True)
    copier.copy(oss.CopyObjectRequest(bucket="py-v2", key="multi.bin", source_bucket="py-v2", source_key="src.bin"))
    for key in ("copy.bin", "multi.bin"):
        assert client.get_object(oss.GetObjectRequest(bucket="py-v2", key=key)).body.read() == data
    assert len(oss_emulator.journal(operation="UploadPartCopy", bucket="py-v2")) == 4
    completes = oss_emulator.journal(operation="CompleteMultipartUpload")
    assert [(e["key"], e["status"], e["auth"]) for e in completes] == [("multi.bin", 200, "v4")]


def test_a_fault_seen_by_oss2(oss_emulator):
    bucket = oss2_bucket(oss_emulator, "py-fault")
    bucket.create_bucket()
    fault = oss_emulator.add_fault(
        {"operation": "PutObject", "action": {"type": "error", "code": "InternalError", "status": 500}}
    )
    with pytest.raises(oss2.exceptions.ServerError) as raised:
        bucket.put_object("k", b"v")
    assert (raised.value.status, raised.value.code) == (500, "InternalError")
    bucket.put_object("k", b"v")  # `times` defaults to 1: the rule fired once
    puts = oss_emulator.journal(operation="PutObject")
    assert [(e["status"], e["fault"]) for e in puts] == [(500, fault), (200, None)]


def test_a_fault_retried_by_alibabacloud_oss_v2(oss_emulator):
    client = v2_client(oss_emulator)
    client.put_bucket(oss.PutBucketRequest(bucket="py-retry"))
    oss_emulator.add_fault(
        {"operation": "PutObject", "times": 2, "action": {"type": "error", "code": "ServiceUnavailable", "status": 503}}
    )
    client.put_object(oss.PutObjectRequest(bucket="py-retry", key="k", body=b"v"))  # the SDK retries 5xx
    assert [e["status"] for e in oss_emulator.journal(operation="PutObject")] == [503, 503, 200]


def test_the_clock(oss_emulator):
    bucket = oss2_bucket(oss_emulator, "py-clock")
    bucket.create_bucket()
    # Within the 15 minutes of allowed skew, so signed requests still pass.
    at = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0) - datetime.timedelta(minutes=5)
    oss_emulator.freeze_clock(at)
    bucket.put_object("frozen", b"x")
    assert bucket.head_object("frozen").last_modified == int(at.timestamp())
    oss_emulator.shift_clock(-10 * 60 * 1000)
    bucket.put_object("shifted", b"x")
    shifted = bucket.head_object("shifted").last_modified
    assert abs(shifted - (datetime.datetime.now().timestamp() - 600)) < 60


@pytest.mark.oss_emulator(region="cn-shanghai", extra_regions=["cn-beijing"], limits={"min_part_size": 5})
def test_a_fresh_emulator_with_options(oss_emulator_fresh, oss_emulator):
    emu = oss_emulator_fresh
    assert emu.endpoint != oss_emulator.endpoint
    assert emu.region == "cn-shanghai" and emu.health()["region"] == "cn-shanghai"
    assert set(emu.endpoints) == {"cn-shanghai", "cn-beijing"}
    bucket = oss2.Bucket(
        oss2.AuthV4(emu.access_key_id, emu.access_key_secret), emu.endpoint, "py-fresh", region="cn-shanghai"
    )
    bucket.create_bucket()
    upload_id = bucket.init_multipart_upload("tiny").upload_id
    etags = [bucket.upload_part("tiny", upload_id, n, b"123456").etag for n in (1, 2)]
    parts = [oss2.models.PartInfo(n, etag) for n, etag in zip((1, 2), etags)]
    bucket.complete_multipart_upload("tiny", upload_id, parts)  # 6-byte parts pass min_part_size=5
    assert bucket.get_object("tiny").read() == b"123456" * 2
    assert oss_emulator.journal(bucket="py-fresh") == []  # the session emulator saw none of it


def test_the_context_manager_removes_its_data_directory():
    with OssEmulator(accounts=[("ak-1", "sk-1"), "ak-2:sk-2"], auth="strict") as emu:
        data_dir = emu.data_dir
        assert os.path.isdir(data_dir)
        assert (emu.access_key_id, emu.access_key_secret) == ("ak-1", "sk-1")
        assert [a["access_key_id"] for a in emu.health()["accounts"]] == ["ak-1", "ak-2"]
        oss2_bucket(emu, "py-cm").create_bucket()
    assert not os.path.exists(data_dir)
    with pytest.raises(EmulatorError, match="not running"):
        emu.journal()


def test_start_up_errors_are_reported():
    with pytest.raises(EmulatorError, match="invalid region"):
        OssEmulator(region="Not A Region").start()


def test_https_with_oss2_verifying_the_generated_ca(monkeypatch):
    with OssEmulator(tls=True) as emu:
        assert emu.endpoint.startswith("https://127.0.0.1:")
        assert emu.ca_file and os.path.isfile(emu.ca_file)
        # requests (under oss2 and alibabacloud-oss-v2) lets REQUESTS_CA_BUNDLE override a
        # session's `verify`, so point that at the CA: it is what a user's environment decides.
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", emu.ca_file)
        bucket = oss2_bucket(emu, "py-tls")
        bucket.create_bucket()
        bucket.put_object("k", b"secret")
        bucket.copy_object("py-tls", "k", "k2")
        assert bucket.get_object("k2").read() == b"secret"
        # With only the system's authorities, verification fails: the certificate is checked.
        monkeypatch.delenv("REQUESTS_CA_BUNDLE")
        monkeypatch.delenv("CURL_CA_BUNDLE", raising=False)
        with pytest.raises(oss2.exceptions.RequestError, match="CERTIFICATE_VERIFY_FAILED"):
            oss2_bucket(emu, "py-tls").get_object("k")
        assert [e["status"] for e in emu.journal(operation="GetObject")] == [200]
