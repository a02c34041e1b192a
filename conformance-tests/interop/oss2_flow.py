#!/usr/bin/env python3
"""Interop flow for the `oss2` SDK (2.19.1) against an OSS endpoint such as the emulator.

Environment: OSS_ENDPOINT (e.g. http://127.0.0.1:9000), OSS_ACCESS_KEY_ID, OSS_ACCESS_KEY_SECRET,
OSS_REGION (default cn-hangzhou), OSS_BUCKET_PREFIX (default interop).
Runs the whole flow twice: signature V1 (oss2.Auth) and V4 (oss2.AuthV4 + region).
Prints one line per check; exits 1 on the first failure.
"""
import email.utils
import hashlib
import os
import random
import sys
import tempfile
import time
import traceback
import uuid

import oss2
import requests
from oss2 import exceptions as oe
from common import CheckFailed, check, check_eq, crc64, set_label  # noqa: E402

ENDPOINT = os.environ['OSS_ENDPOINT']
AK = os.environ['OSS_ACCESS_KEY_ID']
SK = os.environ['OSS_ACCESS_KEY_SECRET']
REGION = os.environ.get('OSS_REGION') or 'cn-hangzhou'
PREFIX = (os.environ.get('OSS_BUCKET_PREFIX') or 'interop').lower()

KEY = 'photos/2024/a+b c 中文-ü.bin'   # '/', space, '+', unicode
DATA = random.Random(42).randbytes(100_003)
META = {'x-oss-meta-author': 'alice', 'x-oss-meta-note': 'two words'}
LIST_KEYS = ['photos/top.txt', 'photos/2024/x.txt', 'photos/2025/y.txt', 'readme.txt']
PAGE_KEYS = ['page/k%02d' % i for i in range(7)]


def expect_error(what, fn, cls, status, code, ec=None):
    """fn() must raise exactly `cls` with the given status / Code / EC."""
    try:
        fn()
    except oe.OssError as e:
        err = e
    else:
        raise CheckFailed('%s: no exception raised, want %s' % (what, cls.__name__))
    check(type(err) is cls, what + ': exception class',
          'got %s, want %s (%s)' % (type(err).__name__, cls.__name__, err))
    check_eq(err.status, status, what + ': status')
    check_eq(err.code, code, what + ': Code')
    if ec is not None:
        check_eq(err.ec, ec, what + ': EC')


def xml_code(body):
    import xml.etree.ElementTree as ET
    root = ET.fromstring(body)
    return root.findtext('Code'), root.findtext('EC')


def run(label, make_auth):
    set_label('oss2 ' + label)
    auth = make_auth(AK, SK)
    name = '%s-oss2-%s-%s' % (PREFIX, label, uuid.uuid4().hex[:8])
    bucket = oss2.Bucket(auth, ENDPOINT, name, region=REGION, connect_timeout=10)
    created = False
    try:
        check_eq(bucket.create_bucket(oss2.BUCKET_ACL_PRIVATE).status, 200, 'create bucket ' + name)
        created = True

        # --- put (user metadata, awkward key); the SDK's own CRC check is on (enable_crc default)
        md5 = hashlib.md5(DATA).hexdigest().upper()
        crc = crc64(DATA)
        headers = dict(META, **{'Content-Type': 'application/octet-stream'})
        r = bucket.put_object(KEY, DATA, headers=headers)
        check_eq(r.status, 200, 'put_object status')
        check_eq(r.headers.get('etag'), '"%s"' % md5, 'put_object ETag header')
        check_eq(r.crc, crc, 'put_object x-oss-hash-crc64ecma')
        check(bucket.enable_crc, 'put_object SDK CRC check enabled and passed')

        # --- get whole: bytes + SDK-computed CRC vs server CRC
        r = bucket.get_object(KEY)
        body = r.read()
        check_eq(r.status, 200, 'get_object status')
        check(body == DATA, 'get_object body bytes', 'len %d vs %d' % (len(body), len(DATA)))
        check(r.client_crc is not None, 'get_object SDK CRC check active')
        check_eq(r.server_crc, crc, 'get_object server CRC')
        check_eq(r.client_crc, r.server_crc, 'get_object client CRC == server CRC')
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, 'obj')
            bucket.get_object_to_file(KEY, path)  # raises InconsistentError on CRC mismatch
            with open(path, 'rb') as f:
                check(f.read() == DATA, 'get_object_to_file (SDK CRC-verified) bytes')

        # --- ranged get
        r = bucket.get_object(KEY, byte_range=(10, 19))
        check_eq(r.status, 206, 'ranged get status')
        check_eq(r.read(), DATA[10:20], 'ranged get bytes')
        check_eq(r.headers.get('content-range'), 'bytes 10-19/%d' % len(DATA), 'ranged get Content-Range')

        # --- head
        r = bucket.head_object(KEY)
        check_eq(r.content_length, len(DATA), 'head Content-Length')
        check_eq(r.headers.get('etag'), '"%s"' % md5, 'head ETag is quoted uppercase MD5')
        check_eq(r.server_crc, crc, 'head x-oss-hash-crc64ecma == client crc64')
        check_eq(r.object_type, 'Normal', 'head x-oss-object-type')
        check_eq(r.content_type, 'application/octet-stream', 'head Content-Type')
        for k, v in META.items():
            check_eq(r.headers.get(k), v, 'head user metadata ' + k)
        lm = email.utils.parsedate_to_datetime(r.headers['last-modified']).timestamp()
        check_eq(r.last_modified, int(lm), 'head Last-Modified parses (SDK strict format)')
        check(abs(lm - time.time()) < 900, 'head Last-Modified is recent', r.headers['last-modified'])

        # --- get_object_meta / object_exists
        r = bucket.get_object_meta(KEY)
        check_eq(r.content_length, len(DATA), 'get_object_meta Content-Length')
        check_eq(r.etag, md5, 'get_object_meta ETag')
        check_eq(r.last_modified, int(lm), 'get_object_meta Last-Modified')
        check_eq(bucket.object_exists(KEY), True, 'object_exists(existing)')
        check_eq(bucket.object_exists('no/such key'), False, 'object_exists(missing key)')

        # --- listing
        for k in LIST_KEYS + PAGE_KEYS:
            bucket.put_object(k, k.encode())
        r = bucket.list_objects(prefix='photos/', delimiter='/')
        check_eq([o.key for o in r.object_list], ['photos/top.txt'], 'list v1 prefix+delimiter objects')
        check_eq(r.prefix_list, ['photos/2024/', 'photos/2025/'], 'list v1 common prefixes')
        check_eq(r.is_truncated, False, 'list v1 not truncated')
        r = bucket.list_objects_v2(prefix='photos/2024/', delimiter='/')
        check_eq([o.key for o in r.object_list], [KEY, 'photos/2024/x.txt'], 'list v2 prefix+delimiter objects')
        check_eq([o.size for o in r.object_list], [len(DATA), len('photos/2024/x.txt')], 'list v2 sizes')
        check_eq(r.object_list[0].etag, md5, 'list v2 ETag')
        r = bucket.list_objects_v2(prefix='photos/', delimiter='/')
        check_eq(r.prefix_list, ['photos/2024/', 'photos/2025/'], 'list v2 common prefixes')

        pages, marker = [], ''
        while True:
            r = bucket.list_objects(prefix='page/', marker=marker, max_keys=3)
            pages.append(([o.key for o in r.object_list], r.is_truncated))
            if not r.is_truncated or len(pages) > 5:
                break
            marker = r.next_marker
        check_eq(pages, [(PAGE_KEYS[0:3], True), (PAGE_KEYS[3:6], True), (PAGE_KEYS[6:], False)],
                 'list v1 paging max-keys=3')
        pages, token = [], ''
        while True:
            r = bucket.list_objects_v2(prefix='page/', continuation_token=token, max_keys=3)
            pages.append(([o.key for o in r.object_list], r.is_truncated))
            if not r.is_truncated or len(pages) > 5:
                break
            token = r.next_continuation_token
        check_eq(pages, [(PAGE_KEYS[0:3], True), (PAGE_KEYS[3:6], True), (PAGE_KEYS[6:], False)],
                 'list v2 paging max-keys=3')

        # --- presigned URLs
        url = bucket.sign_url('GET', KEY, 60)
        resp = requests.get(url, timeout=10)
        check_eq(resp.status_code, 200, 'presigned GET status')
        check(resp.content == DATA, 'presigned GET body')
        url = bucket.sign_url('GET', KEY, 1)
        time.sleep(2.5)
        resp = requests.get(url, timeout=10)
        check_eq(resp.status_code, 403, 'expired presigned GET status')
        check_eq(xml_code(resp.content)[0], 'AccessDenied', 'expired presigned GET Code')

        # --- error cases
        expect_error('get missing key', lambda: bucket.get_object('no/such key').read(),
                     oe.NoSuchKey, 404, 'NoSuchKey', '0026-00000001')
        expect_error('head missing key (x-oss-err)', lambda: bucket.head_object('no/such key'),
                     oe.NoSuchKey, 404, 'NoSuchKey', '0026-00000001')
        ghost = oss2.Bucket(auth, ENDPOINT, name + '-missing', region=REGION, connect_timeout=10)
        expect_error('object_exists on missing bucket', lambda: ghost.object_exists('k'),
                     oe.NoSuchBucket, 404, 'NoSuchBucket', '0015-00000101')
        bad = oss2.Bucket(make_auth(AK, SK + 'x'), ENDPOINT, name, region=REGION, connect_timeout=10)
        expect_error('wrong secret', lambda: bad.get_object(KEY).read(), oe.SignatureDoesNotMatch,
                     403, 'SignatureDoesNotMatch', '0002-00000040' if label == 'v1' else '0002-00000201')
        expect_error('delete non-empty bucket', bucket.delete_bucket,
                     oe.BucketNotEmpty, 409, 'BucketNotEmpty', '0015-00000301')

        # --- delete, delete_multiple
        check_eq(bucket.delete_object(KEY).status, 204, 'delete_object status')
        check_eq(bucket.object_exists(KEY), False, 'deleted object is gone')
        rest = LIST_KEYS + PAGE_KEYS
        r = bucket.batch_delete_objects(rest)
        check_eq(sorted(r.deleted_keys), sorted(rest), 'batch_delete_objects deleted keys')
        check_eq(bucket.list_objects().object_list, [], 'bucket empty after batch delete')
        check_eq(bucket.delete_bucket().status, 204, 'delete bucket')
        created = False
    finally:
        if created:  # best-effort cleanup after a failure
            try:
                for obj in oss2.ObjectIterator(bucket):
                    bucket.delete_object(obj.key)
                bucket.delete_bucket()
            except Exception as e:  # noqa: BLE001 - cleanup must not hide the real failure
                print('cleanup of %s failed: %s' % (name, e), file=sys.stderr)


def main():
    for label, make_auth in [('v1', oss2.Auth), ('v4', oss2.AuthV4)]:
        try:
            run(label, make_auth)
        except CheckFailed as e:
            print('FAIL [oss2 %s] %s' % (label, e), file=sys.stderr)
            return 1
        except Exception:  # an SDK exception where none was expected
            traceback.print_exc()
            print('FAIL [oss2 %s] unexpected exception (see traceback above)' % label, file=sys.stderr)
            return 1
    print('oss2 flow: all checks passed')
    return 0


if __name__ == '__main__':
    sys.exit(main())
