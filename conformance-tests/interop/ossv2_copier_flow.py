#!/usr/bin/env python3
"""Copy interop flow for `alibabacloud-oss-v2` (1.4.1): copy_object, the Copier and UploadPartCopy.

`client.copier(multipart_copy_threshold=100 KiB, part_size=100 KiB, disable_shallow_copy=True)` on a ~350 KB
source runs HEAD + InitiateMultipartUpload + UploadPartCopy x4 + Complete + its own CRC comparison.

Environment: OSS_ENDPOINT, OSS_ACCESS_KEY_ID, OSS_ACCESS_KEY_SECRET, OSS_REGION (default cn-hangzhou),
OSS_BUCKET_PREFIX (default interop). Optional OSS_COPY_SAME_BUCKET_MAX: the endpoint's CopyObject limit within
a bucket, below the 350 KB source (then the copier's shallow copy must fall back to multipart on
EntityTooLarge); without it that check prints a SKIP line.
Signature V4 (the SDK default), use_path_style=True, plain http (disable_ssl). One PASS line per check; exits
1 on the first failure.
"""
import hashlib
import os
import random
import sys
import traceback
import uuid

import alibabacloud_oss_v2 as oss
from common import CheckFailed, check, check_eq, crc64, set_label  # noqa: E402

ENDPOINT = os.environ['OSS_ENDPOINT']
AK = os.environ['OSS_ACCESS_KEY_ID']
SK = os.environ['OSS_ACCESS_KEY_SECRET']
REGION = os.environ.get('OSS_REGION') or 'cn-hangzhou'
PREFIX = (os.environ.get('OSS_BUCKET_PREFIX') or 'interop').lower()
SAME_MAX = int(os.environ.get('OSS_COPY_SAME_BUCKET_MAX') or 0)

BIG_KEY = 'src/big 中文+ü.bin'   # '/', space, '+', unicode
SMALL_KEY = 'src/small.txt'
BIG = random.Random(11).randbytes(350_001)   # 4 parts of 100 KiB (the last one shorter)
SMALL = random.Random(12).randbytes(100_003)
META = {'author': 'alice', 'note': 'two words'}
PART = 100 * 1024


set_label('ossv2 v4')


def qmd5(data):
    """The quoted uppercase MD5 that OSS uses as the ETag of a Normal object or of a part."""
    return '"%s"' % hashlib.md5(data).hexdigest().upper()


def expect_error(what, fn, status, code):
    """fn() must raise an error wrapping a ServiceError with the given status / Code."""
    try:
        fn()
    except oss.exceptions.BaseError as e:
        err = e
    else:
        raise CheckFailed('%s: no exception raised, want ServiceError %s' % (what, code))
    se = err
    while hasattr(se, 'unwrap') and not isinstance(se, oss.exceptions.ServiceError):
        se = se.unwrap()
    check(type(se) is oss.exceptions.ServiceError, what + ': exception class',
          'got %s wrapping %s: %s' % (type(err).__name__, type(se).__name__, se))
    check_eq(se.status_code, status, what + ': status')
    check_eq(se.code, code, what + ': Code')


def make_client():
    cfg = oss.config.load_default()
    cfg.credentials_provider = oss.credentials.StaticCredentialsProvider(AK, SK)
    cfg.region = REGION
    cfg.endpoint = ENDPOINT
    cfg.use_path_style = True
    cfg.disable_ssl = True
    cfg.connect_timeout = 10
    return oss.Client(cfg)


def run(client, made):
    base = '%s-ossv2cp-%s' % (PREFIX, uuid.uuid4().hex[:8])
    src, dst = base + '-src', base + '-dst'
    for name in (src, dst):
        check_eq(client.put_bucket(oss.PutBucketRequest(bucket=name, acl='private')).status_code, 200,
                 'put_bucket ' + name)
        made.append(name)
    for key, data in ((BIG_KEY, BIG), (SMALL_KEY, SMALL)):
        r = client.put_object(oss.PutObjectRequest(
            bucket=src, key=key, body=data, metadata=META, content_type='text/plain',
            cache_control='no-cache', content_disposition='attachment; filename="a.txt"'))
        check_eq(r.hash_crc64, str(crc64(data)), 'put source %s: x-oss-hash-crc64ecma' % key)

    def verify(bucket, key, what, data, object_type):
        r = client.get_object(oss.GetObjectRequest(bucket=bucket, key=key))
        check(r.body.content == data, what + ': body bytes')
        check_eq(r.hash_crc64, str(crc64(data)), what + ': GET x-oss-hash-crc64ecma')
        h = client.head_object(oss.HeadObjectRequest(bucket=bucket, key=key))
        check_eq(h.object_type, object_type, what + ': x-oss-object-type')
        if object_type == 'Normal':
            check_eq(h.etag, qmd5(data), what + ': ETag == source ETag')
        check_eq(h.metadata, META, what + ': user metadata carried over')
        check_eq((h.content_type, h.cache_control, h.content_disposition),
                 ('text/plain', 'no-cache', 'attachment; filename="a.txt"'), what + ': standard headers carried over')

    # --- copy_object: the ETag comes from the <CopyObjectResult> body
    r = client.copy_object(oss.CopyObjectRequest(bucket=src, key='copy/plain', source_bucket=src,
                                                 source_key=SMALL_KEY))
    check_eq(r.status_code, 200, 'copy_object within bucket: status')
    check_eq(r.etag, qmd5(SMALL), 'copy_object within bucket: XML ETag == source ETag')
    check(r.last_modified is not None, 'copy_object: XML LastModified parsed')
    check_eq(r.hash_crc64, str(crc64(SMALL)), 'copy_object: x-oss-hash-crc64ecma')
    verify(src, 'copy/plain', 'copy_object within bucket', SMALL, 'Normal')
    r = client.copy_object(oss.CopyObjectRequest(bucket=dst, key='copy/big', source_bucket=src, source_key=BIG_KEY))
    check_eq(r.etag, qmd5(BIG), 'copy_object of the big source across buckets: XML ETag == source ETag')
    verify(dst, 'copy/big', 'copy_object of the big source across buckets', BIG, 'Normal')
    expect_error('copy_object from a missing key', lambda: client.copy_object(oss.CopyObjectRequest(
        bucket=dst, key='copy/never', source_bucket=src, source_key='no/such key')), 404, 'NoSuchKey')
    expect_error('copy_object with x-oss-copy-source-if-match mismatch', lambda: client.copy_object(
        oss.CopyObjectRequest(bucket=dst, key='copy/never', source_bucket=src, source_key=SMALL_KEY,
                              if_match='"%s"' % ('0' * 32))), 412, 'PreconditionFailed')

    # --- the Copier, forced to multipart
    copier = client.copier(multipart_copy_threshold=PART, part_size=PART, disable_shallow_copy=True)
    for bucket, what in ((src, 'within bucket'), (dst, 'across buckets')):
        what = 'copier multipart ' + what
        r = copier.copy(oss.CopyObjectRequest(bucket=bucket, key='copier/multi', source_bucket=src,
                                              source_key=BIG_KEY))
        check(bool(r.upload_id), what + ': went multipart (upload id)', repr(r.upload_id))
        check_eq(r.status_code, 200, what + ': Complete status')
        check_eq(r.hash_crc64, str(crc64(BIG)), what + ': Complete x-oss-hash-crc64ecma (the SDK compares it)')
        check(r.etag is not None and r.etag.endswith('-4"'), what + ': Complete XML ETag "...-4"', repr(r.etag))
        verify(bucket, 'copier/multi', what, BIG, 'Multipart')
    expect_error('copier from a missing key (HEAD 404)', lambda: copier.copy(oss.CopyObjectRequest(
        bucket=dst, key='copier/never', source_bucket=src, source_key='no/such key')), 404, 'NoSuchKey')

    # --- the Copier with its defaults: below the threshold one CopyObject; above it a shallow copy
    r = client.copier(multipart_copy_threshold=PART).copy(oss.CopyObjectRequest(
        bucket=dst, key='copier/single', source_bucket=src, source_key=SMALL_KEY))
    check_eq((r.upload_id, r.etag), (None, qmd5(SMALL)), 'copier below the threshold: one CopyObject')
    verify(dst, 'copier/single', 'copier below the threshold', SMALL, 'Normal')
    if SAME_MAX:
        check(len(BIG) > SAME_MAX, 'big source exceeds OSS_COPY_SAME_BUCKET_MAX', SAME_MAX)
        expect_error('copy_object within bucket above the limit', lambda: client.copy_object(oss.CopyObjectRequest(
            bucket=src, key='copy/too-large', source_bucket=src, source_key=BIG_KEY)), 400, 'EntityTooLarge')
        r = client.copier(multipart_copy_threshold=PART, part_size=PART).copy(oss.CopyObjectRequest(
            bucket=src, key='copier/shallow', source_bucket=src, source_key=BIG_KEY))
        check(bool(r.upload_id), 'copier shallow copy: EntityTooLarge falls back to multipart', repr(r.upload_id))
        verify(src, 'copier/shallow', 'copier shallow-copy fallback', BIG, 'Multipart')
    else:
        print('SKIP [ossv2 v4] copier shallow-copy fallback: OSS_COPY_SAME_BUCKET_MAX not set', flush=True)

    # --- UploadPartCopy, low level
    key = 'upc/manual'
    uid = client.initiate_multipart_upload(oss.InitiateMultipartUploadRequest(bucket=dst, key=key)).upload_id
    r = client.upload_part_copy(oss.UploadPartCopyRequest(
        bucket=dst, key=key, upload_id=uid, part_number=1, source_bucket=src, source_key=BIG_KEY,
        source_range='bytes=0-102399'))
    check_eq(r.etag, qmd5(BIG[:PART]), 'upload_part_copy bytes=0-102399: XML ETag == MD5 of the range')
    check(r.last_modified is not None, 'upload_part_copy: XML LastModified parsed')
    r = client.list_parts(oss.ListPartsRequest(bucket=dst, key=key, upload_id=uid))
    check_eq([(p.part_number, p.size, p.etag) for p in r.parts or []], [(1, PART, qmd5(BIG[:PART]))],
             'list_parts shows the copied part')
    check_eq((r.upload_id, r.is_truncated), (uid, False), 'list_parts UploadId, IsTruncated')
    r = client.upload_part_copy(oss.UploadPartCopyRequest(
        bucket=dst, key=key, upload_id=uid, part_number=2, source_bucket=src, source_key=BIG_KEY,
        source_range='bytes=%d-' % PART))
    check_eq(r.etag, qmd5(BIG[PART:]), 'upload_part_copy open range bytes=102400-: ETag')
    expect_error('upload_part_copy with x-oss-copy-source-if-match mismatch', lambda: client.upload_part_copy(
        oss.UploadPartCopyRequest(bucket=dst, key=key, upload_id=uid, part_number=3, source_bucket=src,
                                  source_key=BIG_KEY, if_match='"%s"' % ('0' * 32))), 412, 'PreconditionFailed')
    parts = [oss.UploadPart(part_number=p.part_number, etag=p.etag) for p in client.list_parts(
        oss.ListPartsRequest(bucket=dst, key=key, upload_id=uid)).parts]
    check_eq([p.part_number for p in parts], [1, 2], 'list_parts shows both parts')
    r = client.complete_multipart_upload(oss.CompleteMultipartUploadRequest(
        bucket=dst, key=key, upload_id=uid, complete_multipart_upload=oss.CompleteMultipartUpload(parts=parts)))
    check_eq(r.hash_crc64, str(crc64(BIG)), 'complete after upload_part_copy: x-oss-hash-crc64ecma')
    r = client.get_object(oss.GetObjectRequest(bucket=dst, key=key))
    check(r.body.content == BIG, 'upload_part_copy result: body bytes')


def drop_bucket(client, name):
    for page in client.list_multipart_uploads_paginator().iter_page(oss.ListMultipartUploadsRequest(bucket=name)):
        for u in page.uploads or []:
            client.abort_multipart_upload(oss.AbortMultipartUploadRequest(bucket=name, key=u.key, upload_id=u.upload_id))
    for page in client.list_objects_v2_paginator().iter_page(oss.ListObjectsV2Request(bucket=name)):
        for o in page.contents or []:
            client.delete_object(oss.DeleteObjectRequest(bucket=name, key=o.key))
    return client.delete_bucket(oss.DeleteBucketRequest(bucket=name)).status_code


def main():
    client, made = make_client(), []
    try:
        run(client, made)
        while made:
            check_eq(drop_bucket(client, made[-1]), 204, 'delete bucket %s (after deleting objects)' % made[-1])
            made.pop()
    except CheckFailed as e:
        print('FAIL [ossv2 v4] %s' % e, file=sys.stderr)
        return 1
    except Exception:  # an SDK exception where none was expected
        traceback.print_exc()
        print('FAIL [ossv2 v4] unexpected exception (see traceback above)', file=sys.stderr)
        return 1
    finally:
        for name in reversed(made):  # best-effort cleanup after a failure
            try:
                drop_bucket(client, name)
            except Exception as e:  # noqa: BLE001 - cleanup must not hide the real failure
                print('cleanup of %s failed: %s' % (name, e), file=sys.stderr)
    print('ossv2 copier flow: all checks passed')
    return 0


if __name__ == '__main__':
    sys.exit(main())
