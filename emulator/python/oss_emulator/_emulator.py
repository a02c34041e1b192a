"""Starting the bundled ``oss-emulator`` binary and speaking its control API."""

from __future__ import annotations

import json
import os
import re
import shutil
import ssl
import subprocess
import sys
import sysconfig
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import datetime, timezone
from pathlib import Path
from types import TracebackType
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple, Type, Union

DEV_ACCESS_KEY_ID = "oss-emulator-ak"
DEV_ACCESS_KEY_SECRET = "oss-emulator-secret"

#: What ``accounts=`` takes: ``"AK:SK"``, ``"AK:SK:OWNER_ID"``, ``(ak, sk)`` or ``(ak, sk, owner_id)``.
AccountSpec = Union[str, Tuple[str, str], Tuple[str, str, str]]

# "listening on 127.0.0.1:41234 (region cn-hangzhou, endpoint http://127.0.0.1:41234)", one line
# per listener, printed once the port is bound (see emulator/src/main.rs).
_LISTENING = re.compile(r"^listening on (\S+) \(region (\S+), endpoint (\S+)\)$")
# "  tls       CA certificate: /path/ca.pem", printed with --tls-self-signed.
_CA_LINE = re.compile(r"CA certificate: (.+)$")

_LIMIT_FLAGS = (
    "min_part_size",
    "copy_cross_bucket_max",
    "copy_same_bucket_max",
    "copy_with_change_max",
    "max_object_size",
)


class EmulatorError(RuntimeError):
    """The emulator could not be started, or a control request failed."""


def find_binary() -> str:
    """The ``oss-emulator`` executable this package installed.

    ``$OSS_EMULATOR_BINARY`` wins; then the scripts directory of this interpreter's installation
    (where pip puts the wheel's binary, also in a virtualenv that is not activated), the user
    scripts directory (``pip install --user``), and finally ``$PATH``.
    """
    override = os.environ.get("OSS_EMULATOR_BINARY")
    if override:
        return override
    name = "oss-emulator.exe" if os.name == "nt" else "oss-emulator"
    candidates = [Path(sys.executable).parent / name]
    for scheme in (None, f"{os.name}_user"):
        try:
            scripts = sysconfig.get_path("scripts", scheme) if scheme else sysconfig.get_path("scripts")
        except KeyError:
            continue
        if scripts:
            candidates.append(Path(scripts) / name)
    for candidate in candidates:
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    found = shutil.which(name)
    if found:
        return found
    raise EmulatorError(
        "cannot find the oss-emulator binary: install this package with pip (the wheel carries it), "
        "put it on PATH, or set OSS_EMULATOR_BINARY"
    )


def _account_flag(spec: AccountSpec) -> str:
    if isinstance(spec, str):
        return spec
    return ":".join(spec)


class OssEmulator:
    """One emulator process on a free port of 127.0.0.1, with a fresh temporary data directory.

    Use it as a context manager (or call :meth:`start` and :meth:`stop`). The options map to the
    binary's flags:

    ``region``
        the default region (``--region``), ``cn-hangzhou``.
    ``extra_regions``
        more regions, each with a listener of its own (``--region-listen REGION=127.0.0.1:0``);
        see :meth:`endpoint_for`.
    ``accounts``
        replaces the development account (``--account``); the first one is the one
        :attr:`access_key_id` and :attr:`access_key_secret` name.
    ``auth``
        ``"strict"`` (default), ``"expiry-only"`` or ``"off"`` (``--auth``).
    ``limits``
        ``{"min_part_size": 5, "copy_cross_bucket_max": 1 << 20, ...}``: ``--min-part-size``,
        ``--copy-cross-bucket-max``, ``--copy-same-bucket-max``, ``--copy-with-change-max``,
        ``--max-object-size``.
    ``host_names``, ``admin_token``, ``id_seed``, ``seed``, ``journal_size``, ``durability``
        ``--host-name``, ``--admin-token``, ``--id-seed``, ``--seed``, ``--journal-size``,
        ``--durability`` (default ``none``: a throwaway directory needs no crash safety).
    ``tls``
        serve HTTPS with a generated certificate (``--tls-self-signed``): :attr:`endpoint` is then
        ``https://...`` and :attr:`ca_file` the certificate authority to trust.
    ``extra_args``
        anything else, passed to the binary as it is.
    ``binary``
        the executable (default: :func:`find_binary`).

    ``OSS_EMULATOR_*`` variables of the calling environment are not passed on, so a developer's
    shell settings cannot change what a test runs against.
    """

    def __init__(
        self,
        *,
        region: str = "cn-hangzhou",
        extra_regions: Sequence[str] = (),
        accounts: Optional[Sequence[AccountSpec]] = None,
        auth: str = "strict",
        limits: Optional[Mapping[str, int]] = None,
        host_names: Sequence[str] = (),
        admin_token: Optional[str] = None,
        id_seed: Optional[int] = None,
        seed: Optional[Union[str, "os.PathLike[str]"]] = None,
        journal_size: Optional[int] = None,
        durability: str = "none",
        tls: bool = False,
        extra_args: Sequence[str] = (),
        binary: Optional[str] = None,
        startup_timeout: float = 30.0,
    ) -> None:
        self._region = region
        self._extra_regions = list(extra_regions)
        self._accounts = [_account_flag(a) for a in accounts] if accounts else []
        first = (self._accounts[0] if self._accounts else f"{DEV_ACCESS_KEY_ID}:{DEV_ACCESS_KEY_SECRET}").split(":")
        if len(first) < 2:
            raise ValueError(f"an account is AK:SK or (ak, sk), got {first!r}")
        self._access_key_id, self._access_key_secret = first[0], first[1]
        self._auth = auth
        self._limits = dict(limits or {})
        unknown = set(self._limits) - set(_LIMIT_FLAGS)
        if unknown:
            raise ValueError(f"unknown limits {sorted(unknown)}; known: {', '.join(_LIMIT_FLAGS)}")
        self._host_names = list(host_names)
        self._admin_token = admin_token
        self._id_seed = id_seed
        self._seed = seed
        self._journal_size = journal_size
        self._durability = durability
        self._tls = tls
        self._extra_args = list(extra_args)
        self._binary = binary
        self._startup_timeout = startup_timeout

        self._process: Optional[subprocess.Popen[str]] = None
        self._workdir: Optional[str] = None
        self._log_path: Optional[str] = None
        self._listeners: List[Tuple[str, str, str]] = []  # (region, addr, endpoint)
        self._ca_file: Optional[str] = None
        self._ssl: Optional[ssl.SSLContext] = None
        # Never through a proxy: the emulator is on this machine's loopback.
        self._opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))

    # -- lifecycle -------------------------------------------------------------------------

    def __enter__(self) -> "OssEmulator":
        self.start()
        return self

    def __exit__(
        self,
        exc_type: Optional[Type[BaseException]],
        exc: Optional[BaseException],
        tb: Optional[TracebackType],
    ) -> None:
        self.stop()

    def _command(self, data_dir: str) -> List[str]:
        args = [self._binary or find_binary(), "--listen", "127.0.0.1:0", "--data-dir", data_dir]
        args += ["--region", self._region, "--auth", self._auth, "--durability", self._durability]
        for region in self._extra_regions:
            args += ["--region-listen", f"{region}=127.0.0.1:0"]
        for account in self._accounts:
            args += ["--account", account]
        for name, value in self._limits.items():
            args += ["--" + name.replace("_", "-"), str(value)]
        for name in self._host_names:
            args += ["--host-name", name]
        if self._admin_token is not None:
            args += ["--admin-token", self._admin_token]
        if self._id_seed is not None:
            args += ["--id-seed", str(self._id_seed)]
        if self._seed is not None:
            args += ["--seed", os.fspath(self._seed)]
        if self._journal_size is not None:
            args += ["--journal-size", str(self._journal_size)]
        if self._tls:
            args.append("--tls-self-signed")
        return args + self._extra_args

    def start(self) -> "OssEmulator":
        """Starts the process and waits until every listener is up and the server is healthy."""
        if self._process is not None:
            raise EmulatorError("already started")
        self._workdir = tempfile.mkdtemp(prefix="oss-emulator-py-")
        data_dir = os.path.join(self._workdir, "data")
        command = self._command(data_dir)
        env = {k: v for k, v in os.environ.items() if not k.startswith("OSS_EMULATOR_")}
        self._log_path = os.path.join(self._workdir, "emulator.log")
        try:
            # The child's stderr (one log line per request) goes to a file, never a pipe nobody
            # reads; appending, so reading it from here cannot move the child's write position.
            with open(self._log_path, "ab") as log:
                self._process = subprocess.Popen(
                    command,
                    stdin=subprocess.DEVNULL,
                    stdout=subprocess.PIPE,
                    stderr=log,
                    env=env,
                    text=True,
                    encoding="utf-8",
                    errors="replace",
                )
        except OSError as e:
            self._cleanup()
            raise EmulatorError(f"cannot run {command[0]}: {e}") from e
        try:
            self._wait_ready(1 + len(self._extra_regions))
        except BaseException:
            self.stop()
            raise
        return self

    def _wait_ready(self, listeners: int) -> None:
        process = self._process
        assert process is not None and process.stdout is not None
        stdout = process.stdout
        lines: List[str] = []
        ready = threading.Event()

        def read() -> None:
            # Keeps draining stdout for the process's lifetime, so the banner (and anything the
            # emulator prints later) can never fill the pipe and block it.
            for line in stdout:
                line = line.rstrip("\n")
                lines.append(line)
                match = _LISTENING.match(line)
                if match:
                    self._listeners.append((match.group(2), match.group(1), match.group(3)))
                ca = _CA_LINE.search(line)
                if ca:
                    self._ca_file = ca.group(1).strip()
                if len(self._listeners) >= listeners:
                    ready.set()
            ready.set()

        threading.Thread(target=read, name="oss-emulator-stdout", daemon=True).start()
        if not ready.wait(self._startup_timeout) or len(self._listeners) < listeners:
            try:
                status = process.wait(1)
                why = f"the emulator exited with status {status}"
            except subprocess.TimeoutExpired:
                why = f"the emulator did not start listening within {self._startup_timeout:g} s"
            output = "\n".join(lines + [self._log_tail()]).strip()
            raise EmulatorError(f"{why}:\n{output}")
        if self._tls:
            if not self._ca_file:
                raise EmulatorError("the emulator printed no CA certificate path:\n" + "\n".join(lines))
            self._ssl = ssl.create_default_context(cafile=self._ca_file)
        deadline = time.monotonic() + self._startup_timeout
        while True:
            try:
                self.health()
                return
            except EmulatorError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise
                time.sleep(0.05)

    def _log_tail(self, lines: int = 40) -> str:
        if self._log_path is None:
            return ""
        try:
            with open(self._log_path, encoding="utf-8", errors="replace") as log:
                return "".join(log.readlines()[-lines:])
        except OSError:
            return ""

    def stop(self) -> None:
        """Stops the process (SIGTERM, then SIGKILL after 15 s) and removes the data directory."""
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            process.terminate()  # SIGTERM: the emulator finishes open requests and exits
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if process is not None and process.stdout is not None:
            process.stdout.close()
        self._cleanup()

    def _cleanup(self) -> None:
        self._log_path = None
        if self._workdir is not None:
            shutil.rmtree(self._workdir, ignore_errors=True)
            self._workdir = None
        self._listeners = []
        self._ssl = None

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    # -- where and who ---------------------------------------------------------------------

    def _require_started(self) -> None:
        if not self._listeners:
            raise EmulatorError("the emulator is not running (use it as a context manager, or call start())")

    @property
    def endpoint(self) -> str:
        """``http://127.0.0.1:<port>`` (``https://`` with ``tls=True``) of the default region."""
        self._require_started()
        return self._listeners[0][2]

    @property
    def endpoints(self) -> Dict[str, str]:
        """Each region's endpoint."""
        self._require_started()
        out: Dict[str, str] = {}
        for region, _, endpoint in self._listeners:
            out.setdefault(region, endpoint)
        return out

    def endpoint_for(self, region: str) -> str:
        """The endpoint of a region given in ``extra_regions`` (or the default one)."""
        try:
            return self.endpoints[region]
        except KeyError:
            raise EmulatorError(f"no listener serves region {region!r}; pass it in extra_regions") from None

    @property
    def host(self) -> str:
        self._require_started()
        return self._listeners[0][1].rsplit(":", 1)[0]

    @property
    def port(self) -> int:
        self._require_started()
        return int(self._listeners[0][1].rsplit(":", 1)[1])

    @property
    def region(self) -> str:
        return self._region

    @property
    def access_key_id(self) -> str:
        return self._access_key_id

    @property
    def access_key_secret(self) -> str:
        return self._access_key_secret

    @property
    def ca_file(self) -> Optional[str]:
        """With ``tls=True``, the PEM file of the certificate authority clients must trust."""
        return self._ca_file

    @property
    def data_dir(self) -> Optional[str]:
        return os.path.join(self._workdir, "data") if self._workdir else None

    @property
    def log(self) -> str:
        """The emulator's log so far (one line per request)."""
        return self._log_tail(10**9)

    # -- control API -----------------------------------------------------------------------

    def _control(self, method: str, path: str, body: Any = None, query: Optional[Mapping[str, Any]] = None) -> Any:
        self._require_started()
        # Plain HTTP even with tls=True: every port also answers plain requests, and the control
        # API then needs no certificate handling of its own.
        url = f"http://{self._listeners[0][1]}/_emulator/{path}"
        if query:
            url += "?" + urllib.parse.urlencode({k: _query_value(v) for k, v in query.items() if v is not None})
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(url, data=data, method=method)
        if data is not None:
            request.add_header("content-type", "application/json")
        if self._admin_token is not None:
            request.add_header("authorization", f"Bearer {self._admin_token}")
        try:
            with self._opener.open(request, timeout=60) as response:
                text = response.read().decode()
        except urllib.error.HTTPError as e:
            detail = e.read().decode(errors="replace")
            raise EmulatorError(f"{method} /_emulator/{path}: {e.code} {detail}") from None
        except (urllib.error.URLError, OSError) as e:
            raise EmulatorError(f"{method} /_emulator/{path}: {e}") from None
        return json.loads(text) if text else None

    def health(self) -> Dict[str, Any]:
        """Version, listeners, accounts (ids only), buckets, limits."""
        result: Dict[str, Any] = self._control("GET", "health")
        return result

    def journal(self, **filters: Any) -> List[Dict[str, Any]]:
        """Journal entries, oldest first: one dict per answered request.

        Filters (all optional): ``operation``, ``bucket``, ``key_prefix``, ``status``,
        ``access_key_id``, ``since_id``, ``since_time``, ``since_request_id``, ``limit``, ``tail``
        (only the newest N matches).
        """
        result = self._control("GET", "journal", query=filters)
        entries: List[Dict[str, Any]] = result["entries"]
        return entries

    def clear_journal(self) -> None:
        self._control("DELETE", "journal")

    def add_fault(self, rule: Mapping[str, Any]) -> str:
        """Adds a fault rule and returns its id.

        ``{"operation": "PutObject", "action": {"type": "error", "code": "InternalError",
        "status": 500}}`` fires once (``times`` defaults to 1; 0 = on every match).
        """
        result = self._control("POST", "faults", body=dict(rule))
        fault_id: str = result["id"]
        return fault_id

    def remove_fault(self, fault_id: str) -> None:
        self._control("DELETE", f"faults/{urllib.parse.quote(fault_id, safe='')}")

    def faults(self) -> List[Dict[str, Any]]:
        rules: List[Dict[str, Any]] = self._control("GET", "faults")["rules"]
        return rules

    def clear_faults(self) -> None:
        self._control("DELETE", "faults")

    def freeze_clock(self, at: Union[str, datetime]) -> None:
        """Stops the emulator's clock at ``at`` (ISO-8601, e.g. ``2030-01-01T00:00:00Z``)."""
        if isinstance(at, datetime):
            if at.tzinfo is None:
                at = at.replace(tzinfo=timezone.utc)
            at = at.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.") + f"{at.microsecond // 1000:03d}Z"
        self._control("POST", "clock", body={"freeze": at})

    def shift_clock(self, ms: int) -> None:
        """Runs the emulator's clock ``ms`` milliseconds ahead of real time (behind if negative).

        The shift is from real time, not cumulative: ``shift_clock(0)`` is real time again.
        """
        self._control("POST", "clock", body={"offset_ms": int(ms)})

    def reset_clock(self) -> None:
        self._control("POST", "clock", body={"reset": True})

    def seed(self, manifest: Mapping[str, Any]) -> Dict[str, Any]:
        """Creates buckets and objects: ``{"buckets": [{"name": "b", "objects": [{"key": "k", "content": "v"}]}]}``."""
        result: Dict[str, Any] = self._control("POST", "seed", body=dict(manifest))
        return result

    def reset(self) -> None:
        """Back to a fresh emulator: no buckets, no fault rules or rule sets, real time, empty journal."""
        self._control("POST", "reset")
        self._control("DELETE", "faults")
        for name in self._control("GET", "fault-sets") or {}:
            self._control("DELETE", f"fault-sets/{urllib.parse.quote(name, safe='')}")
        self._control("POST", "clock", body={"reset": True})
        self._control("DELETE", "journal")

    def __repr__(self) -> str:
        where = self._listeners[0][2] if self._listeners else "not running"
        return f"<OssEmulator {where} region={self._region}>"


def _query_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
