#!/usr/bin/env python3
"""Runs oss2's own functional tests against the emulator and checks them against the ratchet.

Called by .ci/oss2-ratchet.sh (which prepares the sdist and the venv); run with the venv's python.

For every test file and every signature version (v1, v4) it starts a FRESH emulator (own port,
own empty data dir), runs pytest on that one file with ratchet_plugin loaded, and reads the
plugin's JSON-lines records. Then:
  * a test listed in expected-pass.txt that did not pass is a regression: exit 1, named;
  * a server-backed test that passed but is not listed is printed as newly passing (no failure);
  * tests that sent no request to the emulator are mock-only and are not counted;
  * excluded.txt entries (whole files or test ids, each with a reason) are not run at all.
"""
import argparse
import collections
import concurrent.futures
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TAGS = ("v1", "v4")

# Credentials given to the emulator. The dev account comes first (the first --account replaces
# it); explicit owner ids so the tests' OSS_TEST_UID / OSS_TEST_PAYER_UID can name them.
MAIN = ("oss-emulator-ak", "oss-emulator-secret", "1000000000000001")
PAYER = ("oss2-ratchet-payer-ak", "oss2-ratchet-payer-secret", "1000000000000002")
REGION = "cn-hangzhou"


def die(msg):
    print("oss2-ratchet: ERROR: " + msg, file=sys.stderr, flush=True)
    sys.exit(2)


def read_list(path, want_reason):
    """Lines of expected-pass.txt / excluded.txt; '#' starts a comment (excluded.txt: the reason)."""
    out = []
    if not os.path.exists(path):
        die("%s is missing" % path)
    with open(path) as f:
        for n, raw in enumerate(f, 1):
            line, _, reason = raw.partition("#")
            line = line.strip()
            if not line:
                continue
            if want_reason and not reason.strip():
                die("%s:%d: '%s' has no reason (write: SELECTOR  # why it cannot run here)" % (path, n, line))
            out.append((line, reason.strip(), n))
    return out


def parse_selector(sel, path, n):
    """'[v1|v4] tests/test_x.py[::Class::test]' -> (tags, nodeid-or-file)."""
    parts = sel.split()
    tags = TAGS
    if len(parts) == 2 and parts[0] in TAGS:
        tags, parts = (parts[0],), parts[1:]
    if len(parts) != 1 or not parts[0].startswith("tests/test_"):
        die("%s:%d: cannot parse '%s' (want '[v1|v4] tests/test_x.py[::Class::test_y]')" % (path, n, sel))
    return tags, parts[0]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Emulator:
    """One emulator process on a free port with an empty data dir, for one test file."""

    def __init__(self, binary, workdir):
        self.binary = binary
        self.data = os.path.join(workdir, "data")
        self.log_path = os.path.join(workdir, "emulator.log")
        self.proc = None
        self.port = None

    def start(self):
        for attempt in range(5):  # free_port() can race with the other worker: retry on a new port
            self.port = free_port()
            shutil.rmtree(self.data, ignore_errors=True)
            os.makedirs(self.data)
            log = open(self.log_path, "w")
            self.proc = subprocess.Popen(
                [self.binary, "--listen", "127.0.0.1:%d" % self.port, "--data-dir", self.data,
                 "--region", REGION, "--account", ":".join(MAIN), "--account", ":".join(PAYER)],
                stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
            log.close()
            deadline = time.time() + 30
            while time.time() < deadline:
                if self.proc.poll() is not None:
                    break
                try:
                    socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                    return
                except OSError:
                    time.sleep(0.05)
            self.stop()
        with open(self.log_path) as f:
            die("emulator %s did not start listening; its log:\n%s" % (self.binary, f.read()[-3000:]))

    def crashed(self):
        return self.proc is not None and self.proc.poll() is not None

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def run_file(args, tag, test_file, excluded_ids, print_lock):
    """Runs one test file under one signature version; returns its records."""
    name = os.path.basename(test_file)[:-3]
    workdir = os.path.join(args.work, "runs", tag, name)
    shutil.rmtree(workdir, ignore_errors=True)
    scratch = os.path.join(workdir, "cwd")  # the tests write temp files into the cwd
    os.makedirs(scratch)
    results = os.path.join(workdir, "results.jsonl")
    exclude_json = os.path.join(workdir, "exclude.json")
    with open(exclude_json, "w") as f:
        json.dump(sorted(excluded_ids), f)

    emu = Emulator(args.emulator, workdir)
    emu.start()
    endpoint = "http://127.0.0.1:%d" % emu.port
    env = {k: v for k, v in os.environ.items() if not k.startswith("OSS_")}
    env.update({
        # tests/common.py reads these (see it for the full list).
        "OSS_TEST_ACCESS_KEY_ID": MAIN[0],
        "OSS_TEST_ACCESS_KEY_SECRET": MAIN[1],
        "OSS_TEST_UID": MAIN[2],
        "OSS_TEST_ENDPOINT": endpoint,
        "OSS_TEST_REGION": REGION,
        "OSS_TEST_BUCKET": "oss2-ratchet-",
        "OSS_TEST_AUTH_VERSION": tag,
        "OSS_TEST_PAYER_UID": PAYER[2],
        "OSS_TEST_PAYER_ACCESS_KEY_ID": PAYER[0],
        "OSS_TEST_PAYER_ACCESS_KEY_SECRET": PAYER[1],
        # Inventory/replication only store these in bucket configuration.
        "OSS_TEST_RAM_UID": MAIN[2],
        "OSS_TEST_RAM_ROLE_ARN": "acs:ram::%s:role/oss2-ratchet-role" % MAIN[2],
        "RATCHET_EMULATOR_PORT": str(emu.port),
        "RATCHET_RESULTS": results,
        "RATCHET_TAG": tag,
        "RATCHET_EXCLUDE": exclude_json,
        # The plugin, then the sdist root (tests import `tests.common` and `unittests`).
        "PYTHONPATH": HERE + os.pathsep + args.sdist,
        "PYTHONDONTWRITEBYTECODE": "1",
        "NO_PROXY": "*",
    })
    for k in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
        env.pop(k, None)
    cmd = [sys.executable, "-m", "pytest", "-p", "ratchet_plugin", "-p", "no:cacheprovider",
           "--rootdir", args.sdist, "--timeout", str(args.test_timeout), "--timeout-method", "signal",
           "-q", "-rN", "--no-header", "-o", "console_output_style=classic",
           os.path.join(args.sdist, test_file)]
    t0 = time.time()
    killed = False
    with open(os.path.join(workdir, "pytest.log"), "w") as log:
        proc = subprocess.Popen(cmd, cwd=scratch, env=env, stdout=log, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, start_new_session=True)
        try:
            rc = proc.wait(args.file_timeout)
        except subprocess.TimeoutExpired:
            # pytest-timeout normally ends a hung test; this is the backstop for a hung teardown or
            # a wedged interpreter: kill the whole process group.
            killed = True
            os.killpg(proc.pid, signal.SIGKILL)
            rc = proc.wait()
    crashed = emu.crashed()
    emu.stop()
    elapsed = time.time() - t0
    # Objects are not needed afterwards (the logs are kept); some files upload tens of MB.
    shutil.rmtree(emu.data, ignore_errors=True)

    records = []
    if os.path.exists(results):
        with open(results) as f:
            records = [json.loads(line) for line in f if line.strip()]
    note = ""
    if killed:
        note = " KILLED after %ds (file timeout)" % args.file_timeout
    elif rc not in (0, 1) and not records:
        note = " pytest exit %d with no results (collection error?) see %s" % (rc, os.path.join(workdir, "pytest.log"))
    if crashed:
        note += " EMULATOR EXITED during the run, see %s" % emu.log_path
    counts = collections.Counter(r["outcome"] for r in records)
    with print_lock:
        print("[%s] %-45s %s (%.1fs)%s" % (
            tag, test_file, ", ".join("%d %s" % (v, k) for k, v in sorted(counts.items())) or "no tests",
            elapsed, note), flush=True)
    return {"tag": tag, "file": test_file, "records": records, "killed": killed, "rc": rc,
            "crashed": crashed, "elapsed": elapsed, "note": note.strip()}


# ---------------------------------------------------------------- failure causes

def op_name(err):
    subs = err.get("subresources") or []
    return "%s %s%s" % (err["method"], err.get("kind", "?"), ("?" + "&".join(subs)) if subs else "")


_NORMALIZE = [
    (re.compile(r"0x[0-9a-f]+"), "0x…"),
    (re.compile(r"\b[0-9A-F]{24}\b"), "<id>"),
    (re.compile(r"oss2-ratchet-[a-z0-9-]+"), "<bucket>"),
    (re.compile(r"\b[a-z]{16,}\b"), "<rand>"),  # the suite's random_string() keys and names
    (re.compile(r"\d+"), "N"),
]


def normalize(msg):
    for rx, rep in _NORMALIZE:
        msg = rx.sub(rep, msg)
    return msg[:160]


def cause(rec, info=None, phase=None):
    """One line naming why a test did not pass; info/phase select a teardown failure instead."""
    if info is None:
        info, phase = rec, rec.get("phase")
    else:
        info = dict(info, errors=rec.get("errors", []))
    return _cause(rec, info, phase)


def _cause(rec, info, phase):
    if rec.get("blocked"):
        return "network blocked (needs real cloud/DNS): %s" % ", ".join(sorted(set(rec["blocked"])))
    if rec["outcome"] == "timeout":
        return "test did not finish (file killed by the ratchet)"
    if info.get("exc_type") == "Failed" and "Timeout" in info.get("exc_msg", ""):
        return "per-test timeout"
    errors = [e for e in info.get("errors", []) if e.get("phase") == phase]
    oss = info.get("oss")
    if oss:
        if oss["status"] in (-1, -2):  # oss2's RequestError / ClientError: nothing came back
            return "%s (client side): %s" % (info.get("exc_type"), normalize(info.get("exc_msg", "")))
        op = ""
        for err in reversed(errors):
            if err["status"] == oss["status"] and (err["code"] == oss["code"] or not err["code"]):
                op = " on " + op_name(err)
                break
        return "emulator answers %s %s%s" % (oss["status"], oss["code"] or "(no code)", op)
    base = "%s: %s" % (info.get("exc_type", "?"), normalize(info.get("exc_msg", "")))
    if info.get("where") and info.get("exc_type") in ("AssertionError", "TypeError", "KeyError", "AttributeError", "ValueError"):
        base += "  @ " + info["where"]
    if errors:
        # The assertion itself rarely says why; the last error the emulator sent usually does.
        last = errors[-1]
        base += "  [last emulator error: %s %s on %s]" % (last["status"], last["code"], op_name(last))
    return base


def _grouped(title, groups):
    lines = []
    ordered = sorted(groups.items(), key=lambda kv: (-sum(len(t) for t in kv[1].values()), kv[0]))
    total = sum(sum(len(t) for t in g.values()) for _, g in ordered)
    lines.append(title % total)
    lines.append("")
    for key, tests in ordered:
        n1 = sum(1 for t in tests.values() if "v1" in t)
        n4 = sum(1 for t in tests.values() if "v4" in t)
        lines.append("%4d runs (v1 %d, v4 %d)  %s" % (n1 + n4, n1, n4, key))
        for nodeid in sorted(tests):
            lines.append("        %s %s" % ("+".join(sorted(tests[nodeid])), nodeid))
    return lines


def _not_implemented_rollup(records):
    """Which missing operations stand in the way: per NotImplemented answer, the failing test runs
    that got it (outside the clean-up), and how many got no other NotImplemented."""
    hit = collections.defaultdict(set)
    sole = collections.Counter()
    for r in records:
        if r["outcome"] in ("passed", "excluded") or r.get("requests", 0) == 0:
            continue
        ops = {op_name(e) for e in r.get("errors", [])
               if e.get("code") == "NotImplemented" and e.get("phase") != "teardown"}
        for op in ops:
            hit[op].add((r["tag"], r["nodeid"]))
        if len(ops) == 1:
            sole[next(iter(ops))] += 1
    lines = ["NotImplemented answers met by failing test runs (outside teardown), by operation. A test",
             "mostly stops at its first error, so more gaps may hide behind these; 'only' counts the runs",
             "that met no other NotImplemented:", ""]
    for op, runs in sorted(hit.items(), key=lambda kv: (-len(kv[1]), kv[0])):
        lines.append("%4d runs (only %d)  %s" % (len(runs), sole[op], op))
    return lines


def failure_report(records):
    groups = collections.defaultdict(lambda: collections.defaultdict(set))
    teardown = collections.defaultdict(lambda: collections.defaultdict(set))
    for r in records:
        if r["outcome"] == "excluded" or r.get("requests", 1) == 0:
            continue
        if r["outcome"] != "passed":
            groups[cause(r)][r["nodeid"]].add(r["tag"])
        if r.get("teardown_error"):
            teardown[cause(r, r["teardown_error"], "teardown")][r["nodeid"]].add(r["tag"])
    lines = _grouped("oss2 ratchet: %d non-passing server-backed test runs (v1+v4), grouped by cause", groups)
    lines.append("")
    lines += _not_implemented_rollup(records)
    lines.append("")
    lines += _grouped("Teardown (tests/common.py clean-up) failed in %d test runs; this does not fail a "
                      "test, but hides what teardown would check:", teardown)
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------- main

def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--emulator", required=True, help="oss-emulator binary")
    ap.add_argument("--sdist", required=True, help="extracted oss2 sdist (holds tests/ and unittests/)")
    ap.add_argument("--work", required=True, help="scratch dir for emulator data, logs, results")
    ap.add_argument("--expected", default=os.path.join(HERE, "expected-pass.txt"))
    ap.add_argument("--excluded", default=os.path.join(HERE, "excluded.txt"))
    # The suite mostly waits (sleeps, throttled transfers), so four files at once fit on two
    # cores: 205 s instead of 392 s here, 266 s beside a release build, same results.
    ap.add_argument("--jobs", type=int, default=4, help="test files run at once")
    ap.add_argument("--test-timeout", type=int, default=150, help="seconds per test (pytest-timeout): a hang backstop, not a speed limit; test_put_object_chunked alone makes 3000 PUTs")
    ap.add_argument("--file-timeout", type=int, default=300, help="seconds per test file, backstop")
    ap.add_argument("--only", action="append", default=[], help="run only this test file (repeatable); no ratchet check")
    ap.add_argument("--tags", default="v1,v4", help="signature versions to run")
    ap.add_argument("--update-expected", action="store_true",
                    help="add every newly passing server-backed test to expected-pass.txt (never removes)")
    ap.add_argument("--failures", help="also write the grouped failure causes to this file")
    args = ap.parse_args()

    for p in (args.emulator, args.sdist):
        if not os.path.exists(p):
            die("%s does not exist" % p)
    args.emulator = os.path.abspath(args.emulator)
    args.sdist = os.path.abspath(args.sdist)
    args.work = os.path.abspath(args.work)
    tags = [t for t in args.tags.split(",") if t]
    for t in tags:
        if t not in TAGS:
            die("unknown tag %r (want v1 and/or v4)" % t)

    all_files = sorted("tests/" + f for f in os.listdir(os.path.join(args.sdist, "tests"))
                       if f.startswith("test_") and f.endswith(".py"))
    if not all_files:
        die("no tests/test_*.py in %s" % args.sdist)

    # excluded.txt: whole files (never started) and single tests (deselected inside pytest).
    excluded_files = {t: {} for t in TAGS}
    excluded_ids = {t: {} for t in TAGS}
    for sel, reason, n in read_list(args.excluded, want_reason=True):
        sel_tags, target = parse_selector(sel, args.excluded, n)
        fname = target.split("::", 1)[0]
        if fname not in all_files:
            die("%s:%d: %s is not in the oss2 sdist (stale entry?)" % (args.excluded, n, fname))
        for t in sel_tags:
            (excluded_ids if "::" in target else excluded_files)[t][target] = reason

    expected = set()
    for sel, _, n in read_list(args.expected, want_reason=False):
        sel_tags, target = parse_selector(sel, args.expected, n)
        if len(sel.split()) != 2 or "::" not in target:
            die("%s:%d: want 'v1|v4 tests/test_x.py::Class::test_y', got '%s'" % (args.expected, n, sel))
        expected.add(sel)

    files = all_files
    if args.only:
        files = [f if f.startswith("tests/") else "tests/" + f for f in args.only]
        for f in files:
            if f not in all_files:
                die("--only %s: no such test file" % f)

    jobs = [(t, f) for f in files for t in tags if f not in excluded_files[t]]
    # Longest files first so the workers finish together.
    jobs.sort(key=lambda j: -os.path.getsize(os.path.join(args.sdist, j[1])))
    os.makedirs(args.work, exist_ok=True)
    print("oss2-ratchet: %d file runs (%s), %d at a time, emulator %s" % (
        len(jobs), "+".join(tags), args.jobs, args.emulator), flush=True)

    t0 = time.time()
    print_lock = threading.Lock()
    runs = []
    with concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
        futs = [pool.submit(run_file, args, t, f,
                            [i for i in excluded_ids[t] if i.split("::", 1)[0] == f], print_lock)
                for t, f in jobs]
        for fut in concurrent.futures.as_completed(futs):
            runs.append(fut.result())
    wall = time.time() - t0

    records = []
    problems = []
    for run in runs:
        records.extend(run["records"])
        if run["note"]:
            problems.append("[%s] %s: %s" % (run["tag"], run["file"], run["note"]))
    with open(os.path.join(args.work, "results.jsonl"), "w") as f:
        for r in sorted(records, key=lambda r: (r["tag"], r["nodeid"])):
            f.write(json.dumps(r) + "\n")

    # Every per-test exclusion must have matched a collected test: a typo must not go unnoticed.
    seen_excluded = {(r["tag"], r["nodeid"]) for r in records if r["outcome"] == "excluded"}
    for t in tags:
        for nodeid in excluded_ids[t]:
            if nodeid.split("::", 1)[0] in files and (t, nodeid) not in seen_excluded:
                problems.append("excluded.txt names %s %s but no such test was collected" % (t, nodeid))

    key = lambda r: "%s %s" % (r["tag"], r["nodeid"])
    passed = {key(r) for r in records if r["outcome"] == "passed"}
    server = {key(r) for r in records if r["outcome"] != "excluded" and r.get("requests", 0) > 0}
    mock_only = {key(r) for r in records if r["outcome"] != "excluded" and r.get("requests", 0) == 0}
    counted_pass = passed & server

    report = failure_report(records)
    with open(os.path.join(args.work, "failures.txt"), "w") as f:
        f.write(report)
    if args.failures:
        with open(args.failures, "w") as f:
            f.write(report)

    ran_tags = set(tags)
    relevant_expected = {e for e in expected if e.split()[0] in ran_tags
                         and (not args.only or e.split()[1].split("::", 1)[0] in files)}
    regressions = sorted(relevant_expected - passed)
    newly = sorted(counted_pass - expected)
    # Network access was refused by the plugin's guard: fine for a test that expects a connection
    # error and passed anyway; a failing one needs the real cloud and belongs in excluded.txt.
    blocked = sorted({key(r) for r in records if r.get("blocked") and r["outcome"] != "passed"})

    print("")
    print("oss2-ratchet: %d test runs (%d server-backed, %d mock-only and not counted); excluded.txt kept out "
          "%d test runs and %d file runs; wall %.0fs" % (
              len(server) + len(mock_only), len(server), len(mock_only),
              sum(1 for r in records if r["outcome"] == "excluded"),
              sum(1 for t in tags for f in files if f in excluded_files[t]), wall))
    print("oss2-ratchet: grouped failure causes in %s" % os.path.join(args.work, "failures.txt"))
    for p in problems:
        print("oss2-ratchet: PROBLEM: " + p)
    for b in blocked:
        print("oss2-ratchet: network access was blocked in %s (belongs in excluded.txt)" % b)
    for n in newly:
        print("oss2-ratchet: newly passing, add to expected-pass.txt: %s" % n)
    for r in regressions:
        why = next((rec for rec in records if key(rec) == r), None)
        detail = cause(why) if why else "did not run"
        if why and why["outcome"] == "passed":
            detail = "?"
        print("oss2-ratchet: REGRESSION: %s  (%s: %s)" % (r, why["outcome"] if why else "missing", detail))

    if args.update_expected:
        merged = sorted(expected | counted_pass)
        with open(args.expected, "w") as f:
            f.write("".join(line + "\n" for line in merged))
        print("oss2-ratchet: wrote %d entries to %s" % (len(merged), args.expected))

    n_pass = {t: sum(1 for p in counted_pass if p.startswith(t + " ")) for t in TAGS}
    strict = {key(r) for r in records if r["outcome"] == "passed" and not r.get("teardown_error")} & server
    n_strict = {t: sum(1 for p in strict if p.startswith(t + " ")) for t in TAGS}
    print("oss2-ratchet: of these, with a clean teardown as well (strict): V1 %d, V4 %d" % (n_strict["v1"], n_strict["v4"]))
    print("oss2 ratchet: V1 %d passed, V4 %d passed, %d expected, %d regressions" % (
        n_pass["v1"], n_pass["v4"], len(relevant_expected), len(regressions)))
    if regressions or problems:
        sys.exit(1)


if __name__ == "__main__":
    main()
