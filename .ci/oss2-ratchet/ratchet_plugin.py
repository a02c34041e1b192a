# pytest plugin loaded into every oss2 test run of the ratchet (`-p ratchet_plugin`).
#
# It does three things the upstream suite cannot do by itself:
#   1. Network guard. CI may reach nothing but the package registries, so every DNS lookup and
#      connect() to a non-loopback address is refused (and recorded). The one exception is the
#      emulator's own advertised names (`oss-<region>[-internal].aliyuncs.com` and
#      `<bucket>.oss-...`): the emulator reports them as a bucket's ExtranetEndpoint, and
#      common.clean_and_delete_bucket_by_prefix() connects to them, so they resolve to the
#      emulator, like an /etc/hosts entry would.
#   2. Request accounting. Each test records how many HTTP requests reached the emulator and which
#      of them got an error response. A test that sent none is "mock-only" (the unittests mocks
#      patch oss2's Session, so nothing reaches requests' adapter) and is not counted.
#   3. A JSON-lines result record per test (outcome, failure cause) for the runner, which is more
#      precise than parsing pytest's terminal output.
import ipaddress
import json
import os
import random
import re
import socket
import sys
import threading
import time
import traceback
import zlib

_PORT = int(os.environ["RATCHET_EMULATOR_PORT"])
_RESULTS = os.environ["RATCHET_RESULTS"]
_TAG = os.environ.get("RATCHET_TAG", "")
_EMULATOR_NAME = re.compile(r"^(?:[^.]+\.)?oss-[a-z0-9-]+\.aliyuncs\.com\.?$", re.I)

_SIGNING_PARAMS = {"OSSAccessKeyId", "Expires", "Signature", "security-token", "x-oss-signature-version",
                   "x-oss-credential", "x-oss-date", "x-oss-expires", "x-oss-signature",
                   "x-oss-additional-headers", "x-oss-security-token", "x-oss-access-key-id"}

_lock = threading.Lock()
_state = {"requests": 0, "blocked": [], "errors": []}


def _is_loopback(host):
    if host in ("localhost", "localhost.", "ip6-localhost"):
        return True
    try:
        return ipaddress.ip_address(host.split("%", 1)[0]).is_loopback
    except ValueError:
        return False


def _block(host):
    with _lock:
        if host not in _state["blocked"]:
            _state["blocked"].append(host)
    return "oss2-ratchet: blocked network access to %s (only loopback is allowed)" % host


_orig_getaddrinfo = socket.getaddrinfo
_orig_gethostbyname = socket.gethostbyname
_orig_gethostbyname_ex = socket.gethostbyname_ex
_orig_connect = socket.socket.connect
_orig_connect_ex = socket.socket.connect_ex


def _getaddrinfo(host, port, *args, **kwargs):
    h = host.decode() if isinstance(host, bytes) else host
    if h is None or _is_loopback(h):
        return _orig_getaddrinfo(host, port, *args, **kwargs)
    if _EMULATOR_NAME.match(h):
        return _orig_getaddrinfo("127.0.0.1", _PORT, *args, **kwargs)
    raise socket.gaierror(socket.EAI_NONAME, _block(h))


def _gethostbyname(host):
    if _is_loopback(host):
        return _orig_gethostbyname(host)
    if _EMULATOR_NAME.match(host):
        return "127.0.0.1"
    raise socket.gaierror(socket.EAI_NONAME, _block(host))


def _gethostbyname_ex(host):
    if _is_loopback(host):
        return _orig_gethostbyname_ex(host)
    raise socket.gaierror(socket.EAI_NONAME, _block(host))


def _check_addr(addr):
    if isinstance(addr, tuple) and addr and isinstance(addr[0], str) and not _is_loopback(addr[0]):
        raise OSError(101, _block(addr[0]))


def _connect(self, addr):
    _check_addr(addr)
    return _orig_connect(self, addr)


def _connect_ex(self, addr):
    _check_addr(addr)
    return _orig_connect_ex(self, addr)


socket.getaddrinfo = _getaddrinfo
socket.gethostbyname = _gethostbyname
socket.gethostbyname_ex = _gethostbyname_ex
socket.socket.connect = _connect
socket.socket.connect_ex = _connect_ex


def _install_request_counter():
    import requests.adapters
    from urllib.parse import urlsplit, parse_qsl

    orig_send = requests.adapters.HTTPAdapter.send

    def send(self, request, *args, **kwargs):
        resp = orig_send(self, request, *args, **kwargs)
        with _lock:
            _state["requests"] += 1
        if resp.status_code >= 400:
            u = urlsplit(request.url)
            # Sub-resources (?tagging, ?acl, ?x-oss-process, ...) name the operation; object keys,
            # values and presigned-URL signature parameters don't.
            q = parse_qsl(u.query, keep_blank_values=True)
            subs = sorted(k for k, _ in q if k not in _SIGNING_PARAMS)
            process = [v.split("/", 1)[0] + "/" + v.split("/", 1)[1].split(",", 1)[0] if "/" in v else v
                       for k, v in q if k == "x-oss-process"]
            if process:
                subs = [s if s != "x-oss-process" else "x-oss-process=" + process[0] for s in subs]
            # Path-style (IP endpoint): "/" is the service, "/bucket[/]" a bucket, else an object;
            # a virtual-hosted emulator name (bucket.oss-...aliyuncs.com) carries the bucket.
            segs = [p for p in u.path.split("/") if p]
            host = u.hostname or ""
            if _EMULATOR_NAME.match(host) and not host.startswith("oss-"):
                segs.insert(0, host.split(".", 1)[0])
            kind = "service" if not segs else ("bucket" if len(segs) == 1 else "object")
            code = resp.headers.get("x-oss-ec", "")
            try:
                body = resp.content[:2048].decode("utf-8", "replace")  # cached: oss2 still reads it
                m = re.search(r"<Code>([^<]*)</Code>", body)
                if m:
                    code = m.group(1)
            except Exception:
                pass
            with _lock:
                _state["errors"].append({
                    "method": request.method,
                    "subresources": subs,
                    "kind": kind,
                    "status": resp.status_code,
                    "code": code,
                    "phase": _current.get("phase", ""),
                })
        return resp

    requests.adapters.HTTPAdapter.send = send


_install_request_counter()

_current = {}


def _wrap_suite_teardown():
    # pytest runs a unittest test's setUp and tearDown inside the "call" phase, so a failing
    # tests/common.py OssTestCase.tearDown (the clean-up: delete versions, uploads, objects, live
    # channels, the bucket) would fail every test whose body passed. Clean-up is housekeeping
    # (every file gets a fresh emulator), so its failure is recorded as teardown_error, reported
    # among the failure causes and counted in the "strict" numbers, but does not fail the test.
    common = sys.modules.get("tests.common")
    if common is None or getattr(common.OssTestCase, "_ratchet_wrapped", False):
        return
    orig = common.OssTestCase.tearDown

    def tearDown(self):
        prev = _current.get("phase")
        _current["phase"] = "teardown"
        try:
            orig(self)
        except Exception as e:
            _current.setdefault("teardown_fail", _describe_exc(e, sys.exc_info()[2]))
        finally:
            _current["phase"] = prev

    common.OssTestCase.tearDown = tearDown
    common.OssTestCase._ratchet_wrapped = True


def pytest_collection_modifyitems(session, config, items):
    _wrap_suite_teardown()
    # Per-test exclusions from excluded.txt (whole files are never passed to pytest). Each one that
    # matched is reported, so the runner can fail loudly on an entry that matches nothing.
    path = os.environ.get("RATCHET_EXCLUDE")
    if not path:
        return
    with open(path) as f:
        wanted = set(json.load(f))
    keep, dropped = [], []
    for item in items:
        (dropped if item.nodeid in wanted else keep).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = keep
    with open(_RESULTS, "a") as f:
        for item in dropped:
            f.write(json.dumps({"tag": _TAG, "nodeid": item.nodeid, "outcome": "excluded"}) + "\n")


def pytest_runtest_logstart(nodeid, location):
    with _lock:
        _state["requests"] = 0
        _state["blocked"] = []
        _state["errors"] = []
    _current.clear()
    _current.update(nodeid=nodeid, phases={}, start=time.time())
    # The suite draws at random, e.g. random.choice([bucket, rsa_crypto_bucket, kms_crypto_bucket])
    # in test_upload/test_download: a ratchet must not flap, so each test gets the same draws on
    # every run (seeded from its node id, equal for v1 and v4).
    random.seed(zlib.crc32(nodeid.encode()))


def _describe(excinfo):
    return _describe_exc(excinfo.value, excinfo.tb)


def _describe_exc(e, tb):
    d = {"exc_type": type(e).__name__, "exc_msg": str(e).strip().splitlines()[0][:300] if str(e).strip() else ""}
    status = getattr(e, "status", None)
    code = getattr(e, "code", None)
    if status is not None and code is not None and type(e).__module__.startswith("oss2"):
        d["oss"] = {"status": status, "code": code, "message": (getattr(e, "message", "") or "")[:300]}
    # Innermost frame inside the test suite: where the failure shows, for grouping.
    where = ""
    for fs in traceback.extract_tb(tb):
        if "/tests/" in fs.filename:
            where = "%s:%d" % ("tests/" + fs.filename.rsplit("/tests/", 1)[1], fs.lineno)
    d["where"] = where
    return d


def pytest_runtest_setup(item):
    _current["phase"] = "setup"


def pytest_runtest_call(item):
    _current["phase"] = "call"


def pytest_runtest_teardown(item):
    _current["phase"] = "teardown"


def pytest_runtest_makereport(item, call):
    # Runs before pytest's own implementation; we only peek at call.excinfo.
    if call.excinfo is not None and call.excinfo.typename != "Skipped":
        if call.when == "teardown":
            _current.setdefault("teardown_fail", _describe(call.excinfo))
        else:
            _current.setdefault("fail", (call.when, _describe(call.excinfo)))


def pytest_runtest_logreport(report):
    _current.setdefault("phases", {})[report.when] = report.outcome
    if hasattr(report, "wasxfail"):
        _current["xfail"] = True


def pytest_runtest_logfinish(nodeid, location):
    phases = _current.get("phases", {})
    # A failing teardown does not make a passed test fail: teardown is the suite's housekeeping
    # (common.clean_and_delete_bucket), and each file gets a fresh emulator anyway. It is recorded
    # (teardown_error) and reported among the failure causes.
    if phases.get("setup") == "failed":
        outcome = "error"
    elif phases.get("call") == "passed" and not _current.get("xfail"):
        outcome = "passed"
    elif phases.get("call") == "failed":
        outcome = "failed"
    else:
        outcome = "skipped"
    with _lock:
        rec = {
            "tag": _TAG,
            "nodeid": nodeid,
            "outcome": outcome,
            "requests": _state["requests"],
            "blocked": list(_state["blocked"]),
            "errors": list(_state["errors"])[-100:],
            "duration": round(time.time() - _current.get("start", time.time()), 2),
        }
    if "fail" in _current:
        rec["phase"], info = _current["fail"]
        rec.update(info)
    if "teardown_fail" in _current:
        rec["teardown_error"] = _current["teardown_fail"]
    with open(_RESULTS, "a") as f:
        f.write(json.dumps(rec) + "\n")
