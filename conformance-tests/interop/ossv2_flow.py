#!/usr/bin/env python3
"""Interop flow for `alibabacloud-oss-v2` (1.4.1) against an OSS endpoint such as the emulator.

Environment: OSS_ENDPOINT (e.g. http://127.0.0.1:9000), OSS_ACCESS_KEY_ID, OSS_ACCESS_KEY_SECRET,
OSS_REGION (default cn-hangzhou), OSS_BUCKET_PREFIX (default interop).
Signature V4 (the SDK default), use_path_style=True, plain http (disable_ssl).
Prints one line per check; exits 1 on the first failure.
"""
import datetime
import email.utils
import hashlib
import itertools
import os
import random
import sys
import tempfile
import time
import traceback
import uuid
import xml.etree.ElementTree as ET

import alibabacloud_oss_v2 as oss
import requests
from common import CheckFailed, check, check_eq, crc64, set_label  # noqa: E402

ENDPOINT = os.environ['OSS_ENDPOINT']
AK = os.environ['OSS_ACCESS_KEY_ID']
SK = os.environ['OSS_ACCESS_KEY_SECRET']
REGION = os.environ.get('OSS_REGION') or 'cn-hangzhou'
PREFIX = (os.environ.get('OSS_BUCKET_PREFIX') or 'interop').lower()

KEY = 'photos/2024/a+b c 中文-ü.bin'   # '/', space, '+', unicode
DATA = random.Random(42).randbytes(100_003)
META = {'author': 'alice', 'note': 'two words'}
LIST_KEYS = ['photos/top.txt', 'photos/2024/x.txt', 'photos/2025/y.txt', 'readme.txt']
PAGE_KEYS = ['page/k%02d' % i for i in range(7)]


set_label('ossv2 v4')


def expect_error(what, fn, status, code, ec=None):
    """fn() must raise OperationError wrapping a ServiceError with the given status / Code / EC."""
    try:
        fn()
    except oss.exceptions.OperationError as e:
        err = e
    else:
        raise CheckFailed('%s: no exception raised, want OperationError(ServiceError)' % what)
    se = err.unwrap()
    check(type(se) is oss.exceptions.ServiceError, what + ': exception class',
          'got %s wrapping %s: %s' % (type(err).__name__, type(se).__name__, se))
    check_eq(se.status_code, status, what + ': status')
    check_eq(se.code, code, what + ': Code')
    if ec is not None:
        check_eq(se.ec, ec, what + ': EC')


def make_client(secret=SK):
    cfg = oss.config.load_default()
    cfg.credentials_provider = oss.credentials.StaticCredentialsProvider(AK, secret)
    cfg.region = REGION
    cfg.endpoint = ENDPOINT
    cfg.use_path_style = True
    cfg.disable_ssl = True
    cfg.connect_timeout = 10
    return oss.Client(cfg)


def keys_of(result):
    return [o.key for o in (result.contents or [])]


def prefixes_of(result):
    return [p.prefix for p in (result.common_prefixes or [])]


def run():
    client = make_client()
    name = '%s-ossv2-%s' % (PREFIX, uuid.uuid4().hex[:8])
    created = False
    try:
        r = client.put_bucket(oss.PutBucketRequest(bucket=name, acl='private'))
        check_eq(r.status_code, 200, 'put_bucket ' + name)
        created = True

        # --- put (user metadata, awkward key); the SDK compares x-oss-hash-crc64ecma itself
        md5 = hashlib.md5(DATA).hexdigest().upper()
        crc = crc64(DATA)
        r = client.put_object(oss.PutObjectRequest(bucket=name, key=KEY, body=DATA, metadata=META,
                                                   content_type='application/octet-stream'))
        check_eq(r.status_code, 200, 'put_object status')
        check_eq(r.etag, '"%s"' % md5, 'put_object ETag')
        check_eq(r.hash_crc64, str(crc), 'put_object x-oss-hash-crc64ecma')
        check(client._client.has_feature(oss.defaults.FF_ENABLE_CRC64_CHECK_UPLOAD),
              'put_object SDK CRC check enabled and passed')

        # --- get whole; get_object_to_file runs the SDK's download CRC check
        r = client.get_object(oss.GetObjectRequest(bucket=name, key=KEY))
        body = r.body.content
        check_eq(r.status_code, 200, 'get_object status')
        check(body == DATA, 'get_object body bytes', 'len %d vs %d' % (len(body), len(DATA)))
        check_eq(r.hash_crc64, str(crc), 'get_object x-oss-hash-crc64ecma')
        check(client._client.has_feature(oss.defaults.FF_ENABLE_CRC64_CHECK_DOWNLOAD),
              'SDK download CRC check enabled')
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, 'obj')
            client.get_object_to_file(oss.GetObjectRequest(bucket=name, key=KEY), path)
            with open(path, 'rb') as f:
                check(f.read() == DATA, 'get_object_to_file (SDK CRC-verified) bytes')

        # --- ranged get
        r = client.get_object(oss.GetObjectRequest(bucket=name, key=KEY, range_header='bytes=10-19'))
        check_eq(r.status_code, 206, 'ranged get status')
        check_eq(r.body.content, DATA[10:20], 'ranged get bytes')
        check_eq(r.content_range, 'bytes 10-19/%d' % len(DATA), 'ranged get Content-Range')

        # --- head
        r = client.head_object(oss.HeadObjectRequest(bucket=name, key=KEY))
        check_eq(r.content_length, len(DATA), 'head Content-Length')
        check_eq(r.headers.get('ETag'), '"%s"' % md5, 'head ETag is quoted uppercase MD5')
        check_eq(r.hash_crc64, str(crc), 'head x-oss-hash-crc64ecma == client crc64')
        check_eq(r.object_type, 'Normal', 'head x-oss-object-type')
        check_eq(r.content_type, 'application/octet-stream', 'head Content-Type')
        check_eq(r.metadata, META, 'head user metadata')
        lm = email.utils.parsedate_to_datetime(r.headers['Last-Modified'])
        check(isinstance(r.last_modified, datetime.datetime), 'head Last-Modified parsed by SDK',
              repr(r.last_modified))
        check_eq(r.last_modified.timestamp(), lm.timestamp(), 'head Last-Modified value')
        check(abs(lm.timestamp() - time.time()) < 900, 'head Last-Modified is recent', r.headers['Last-Modified'])

        # --- get_object_meta / is_object_exist
        r = client.get_object_meta(oss.GetObjectMetaRequest(bucket=name, key=KEY))
        check_eq(r.content_length, len(DATA), 'get_object_meta Content-Length')
        check_eq(r.etag, '"%s"' % md5, 'get_object_meta ETag')
        check_eq(r.last_modified.timestamp(), lm.timestamp(), 'get_object_meta Last-Modified')
        check_eq(client.is_object_exist(name, KEY), True, 'is_object_exist(existing)')
        check_eq(client.is_object_exist(name, 'no/such key'), False, 'is_object_exist(missing key)')

        # --- listing
        for k in LIST_KEYS + PAGE_KEYS:
            client.put_object(oss.PutObjectRequest(bucket=name, key=k, body=k.encode()))
        r = client.list_objects(oss.ListObjectsRequest(bucket=name, prefix='photos/', delimiter='/'))
        check_eq(keys_of(r), ['photos/top.txt'], 'list v1 prefix+delimiter objects')
        check_eq(prefixes_of(r), ['photos/2024/', 'photos/2025/'], 'list v1 common prefixes')
        check_eq(r.is_truncated, False, 'list v1 not truncated')
        r = client.list_objects_v2(oss.ListObjectsV2Request(bucket=name, prefix='photos/2024/', delimiter='/'))
        check_eq(keys_of(r), [KEY, 'photos/2024/x.txt'], 'list v2 prefix+delimiter objects')
        check_eq([o.size for o in r.contents], [len(DATA), len('photos/2024/x.txt')], 'list v2 sizes')
        check_eq(r.contents[0].etag, '"%s"' % md5, 'list v2 ETag')
        check_eq(r.key_count, 2, 'list v2 KeyCount')
        r = client.list_objects_v2(oss.ListObjectsV2Request(bucket=name, prefix='photos/', delimiter='/'))
        check_eq(prefixes_of(r), ['photos/2024/', 'photos/2025/'], 'list v2 common prefixes')

        want = [(PAGE_KEYS[0:3], True), (PAGE_KEYS[3:6], True), (PAGE_KEYS[6:], False)]
        it = client.list_objects_paginator(limit=3).iter_page(oss.ListObjectsRequest(bucket=name, prefix='page/'))
        pages = [(keys_of(p), p.is_truncated) for p in itertools.islice(it, 5)]
        check_eq(pages, want, 'list v1 paging max-keys=3 (paginator)')
        it = client.list_objects_v2_paginator(limit=3).iter_page(oss.ListObjectsV2Request(bucket=name, prefix='page/'))
        pages = [(keys_of(p), p.is_truncated) for p in itertools.islice(it, 5)]
        check_eq(pages, want, 'list v2 paging max-keys=3 (paginator)')

        # --- presigned URLs
        p = client.presign(oss.GetObjectRequest(bucket=name, key=KEY), expires=datetime.timedelta(minutes=5))
        resp = requests.get(p.url, timeout=10)
        check_eq(resp.status_code, 200, 'presigned GET status')
        check(resp.content == DATA, 'presigned GET body')
        p = client.presign(oss.GetObjectRequest(bucket=name, key=KEY), expires=datetime.timedelta(seconds=2))
        time.sleep(3.5)
        resp = requests.get(p.url, timeout=10)
        check_eq(resp.status_code, 403, 'expired presigned GET status')
        check_eq(ET.fromstring(resp.content).findtext('Code'), 'AccessDenied', 'expired presigned GET Code')

        # --- error cases
        expect_error('get missing key',
                     lambda: client.get_object(oss.GetObjectRequest(bucket=name, key='no/such key')),
                     404, 'NoSuchKey', '0026-00000001')
        expect_error('head missing key (x-oss-err)',
                     lambda: client.head_object(oss.HeadObjectRequest(bucket=name, key='no/such key')),
                     404, 'NoSuchKey', '0026-00000001')
        expect_error('is_object_exist on missing bucket',
                     lambda: client.is_object_exist(name + '-missing', 'k'),
                     404, 'NoSuchBucket', '0015-00000101')
        bad = make_client(SK + 'x')
        expect_error('wrong secret', lambda: bad.get_object(oss.GetObjectRequest(bucket=name, key=KEY)),
                     403, 'SignatureDoesNotMatch', '0002-00000201')
        expect_error('delete non-empty bucket',
                     lambda: client.delete_bucket(oss.DeleteBucketRequest(bucket=name)),
                     409, 'BucketNotEmpty', '0015-00000301')

        # --- delete, delete_multiple_objects
        r = client.delete_object(oss.DeleteObjectRequest(bucket=name, key=KEY))
        check_eq(r.status_code, 204, 'delete_object status')
        check_eq(client.is_object_exist(name, KEY), False, 'deleted object is gone')
        rest = LIST_KEYS + PAGE_KEYS
        r = client.delete_multiple_objects(oss.DeleteMultipleObjectsRequest(
            bucket=name, objects=[oss.DeleteObject(key=k) for k in rest]))
        check_eq(sorted(d.key for d in (r.deleted_objects or [])), sorted(rest),
                 'delete_multiple_objects deleted keys')
        r = client.list_objects_v2(oss.ListObjectsV2Request(bucket=name))
        check_eq(keys_of(r), [], 'bucket empty after delete_multiple_objects')
        r = client.delete_bucket(oss.DeleteBucketRequest(bucket=name))
        check_eq(r.status_code, 204, 'delete bucket')
        created = False
    finally:
        if created:  # best-effort cleanup after a failure
            try:
                for page in client.list_objects_v2_paginator().iter_page(oss.ListObjectsV2Request(bucket=name)):
                    for o in page.contents or []:
                        client.delete_object(oss.DeleteObjectRequest(bucket=name, key=o.key))
                client.delete_bucket(oss.DeleteBucketRequest(bucket=name))
            except Exception as e:  # noqa: BLE001 - cleanup must not hide the real failure
                print('cleanup of %s failed: %s' % (name, e), file=sys.stderr)


def main():
    try:
        run()
    except CheckFailed as e:
        print('FAIL [ossv2 v4] %s' % e, file=sys.stderr)
        return 1
    except Exception:  # an SDK exception where none was expected
        traceback.print_exc()
        print('FAIL [ossv2 v4] unexpected exception (see traceback above)', file=sys.stderr)
        return 1
    print('ossv2 flow: all checks passed')
    return 0


if __name__ == '__main__':
    sys.exit(main())
