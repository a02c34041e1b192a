#!/usr/bin/env python3
"""Copy interop flow for the `oss2` SDK (2.19.1): the two flows of Alibaba's "Copy objects" document.

(a) simple copy, `bucket.copy_object(src_bucket, src_key, dst_key)` within and across buckets with metadata
    directive COPY and REPLACE, and `update_object_meta` (a self-copy with REPLACE);
(b) large objects: head_object -> determine_part_size -> init_multipart_upload -> upload_part_copy loop ->
    complete_multipart_upload;
plus copy / multipart error cases, the CopyObject size limit between buckets and copies between accounts.

Environment as oss2_flow.py, plus (optional; else a SKIP line) OSS_COPY_CROSS_BUCKET_MAX (the endpoint's
CopyObject limit between buckets, below the 350 KB source) and OSS_ACCESS_KEY_ID_B / _SECRET_B (2nd account).
Runs twice: V1 (oss2.Auth) and V4 (oss2.AuthV4 + region). One PASS line per check; exits 1 on the first failure.
"""
import hashlib
import os
import random
import sys
import traceback
import uuid

import oss2
from oss2 import determine_part_size, exceptions as oe
from oss2.models import PartInfo
from common import CheckFailed, check, check_eq, crc64, set_label  # noqa: E402

ENDPOINT = os.environ['OSS_ENDPOINT']
AK = os.environ['OSS_ACCESS_KEY_ID']
SK = os.environ['OSS_ACCESS_KEY_SECRET']
REGION = os.environ.get('OSS_REGION') or 'cn-hangzhou'
PREFIX = (os.environ.get('OSS_BUCKET_PREFIX') or 'interop').lower()
CROSS_MAX = int(os.environ.get('OSS_COPY_CROSS_BUCKET_MAX') or 0)
AK_B, SK_B = os.environ.get('OSS_ACCESS_KEY_ID_B'), os.environ.get('OSS_ACCESS_KEY_SECRET_B')

SRC_KEY = 'src/copy me+ü.bin'          # '/', space, '+', unicode: oss2 sends it as %2F...%20...%2B
BIG_KEY = 'src/big 中文.bin'
SMALL = random.Random(7).randbytes(100_003)
BIG = random.Random(8).randbytes(350_001)  # 4 parts of 100 KiB (the last one shorter)
META = {'x-oss-meta-author': 'alice', 'x-oss-meta-note': 'two words'}


def md5hex(data):
    return hashlib.md5(data).hexdigest().upper()


MADE = []  # the oss2.Bucket objects the current run created


def expect_error(what, fn, cls, status, code):
    """fn() must raise exactly `cls` with the given status and Code."""
    try:
        fn()
    except oe.OssError as e:
        err = e
    else:
        raise CheckFailed('%s: no exception raised, want %s %s' % (what, cls.__name__, code))
    check(type(err) is cls, what + ': exception class',
          'got %s, want %s (%s)' % (type(err).__name__, cls.__name__, err))
    check_eq(err.status, status, what + ': status')
    check_eq(err.code, code, what + ': Code')


def new_bucket(auth, name):
    b = oss2.Bucket(auth, ENDPOINT, name, region=REGION, connect_timeout=10)
    check_eq(b.create_bucket(oss2.BUCKET_ACL_PRIVATE).status, 200, 'create bucket ' + name)
    MADE.append(b)
    return b


def drop_bucket(b):
    for u in oss2.MultipartUploadIterator(b):
        b.abort_multipart_upload(u.key, u.upload_id)
    for o in oss2.ObjectIterator(b):
        b.delete_object(o.key)
    return b.delete_bucket().status


def verify(b, key, what, data, meta, ctype, object_type='Normal'):
    """GET (bytes, CRC) and HEAD (ETag, type, Content-Type, user metadata) of a copy."""
    r = b.get_object(key)
    body = r.read()
    check(body == data, what + ': body bytes', 'len %d vs %d' % (len(body), len(data)))
    check_eq(r.server_crc, crc64(data), what + ': GET x-oss-hash-crc64ecma')
    check_eq(r.client_crc, r.server_crc, what + ': SDK client CRC == server CRC')
    h = b.head_object(key)
    if object_type == 'Normal':
        check_eq(h.etag, md5hex(data), what + ': ETag == source ETag (content MD5)')
    check_eq(h.object_type, object_type, what + ': x-oss-object-type')
    check_eq(h.content_type, ctype, what + ': Content-Type')
    got = {k.lower(): v for k, v in h.headers.items() if k.lower().startswith('x-oss-meta-')}
    check_eq(got, meta, what + ': user metadata')


def doc_multipart_copy(bucket, source, src_key, dst_key):
    """The document's "copy a large object" sample, verbatim apart from names (HEAD goes to `source`)."""
    total_size = source.head_object(src_key).content_length
    part_size = determine_part_size(total_size, preferred_size=100 * 1024)
    upload_id = bucket.init_multipart_upload(dst_key).upload_id
    parts, part_number, offset = [], 1, 0
    while offset < total_size:
        num_to_upload = min(part_size, total_size - offset)
        byte_range = (offset, offset + num_to_upload - 1)
        result = bucket.upload_part_copy(source.bucket_name, src_key, byte_range, dst_key, upload_id, part_number)
        parts.append(PartInfo(part_number, result.etag))
        offset += num_to_upload
        part_number += 1
    return part_size, parts, bucket.complete_multipart_upload(dst_key, upload_id, parts)


def check_multipart_copy(bucket, source, dst_key, what):
    part_size, parts, r = doc_multipart_copy(bucket, source, BIG_KEY, dst_key)
    check_eq(part_size, 102400, what + ': determine_part_size(350001, 100 KiB)')
    chunks = [BIG[i:i + part_size] for i in range(0, len(BIG), part_size)]
    check_eq([p.etag for p in parts], [md5hex(c) for c in chunks], what + ': upload_part_copy ETags (part MD5)')
    check_eq(r.status, 200, what + ': complete status')
    check_eq(r.crc, source.head_object(BIG_KEY).server_crc, what + ': Complete CRC == source server CRC')
    check_eq(r.crc, crc64(BIG), what + ': Complete CRC == crc64(source bytes)')
    check_eq(r.etag, md5hex(''.join(p.etag for p in parts).encode()) + '-%d' % len(parts),
             what + ': Complete ETag (MD5 of the part ETags + "-N")')
    verify(bucket, dst_key, what, BIG, {}, 'application/octet-stream', 'Multipart')


def complete_unsorted(bucket, key, upload_id, parts):
    """CompleteMultipartUpload with the parts in the given order: oss2 itself always sorts them, so this
    sends the SDK's own XML through its own signed request path, skipping only the sort."""
    data = oss2.xml_utils.to_complete_upload_request(parts)
    return bucket._do('POST', bucket.bucket_name, key, params={'uploadId': upload_id}, data=data)


def journal_next_id():
    """The id the emulator's next journal entry gets (its control API, not part of OSS)."""
    import requests
    return requests.get(ENDPOINT + '/_emulator/journal?limit=0', timeout=10).json()['next_id']


def journal_operations(since, bucket):
    import requests
    url = '%s/_emulator/journal?since_id=%d&bucket=%s' % (ENDPOINT, since - 1, bucket)
    return [e['operation'] for e in requests.get(url, timeout=10).json()['entries']]


def run(label, make_auth):
    set_label('oss2 ' + label)
    auth = make_auth(AK, SK)
    base = '%s-oss2cp-%s-%s' % (PREFIX, label, uuid.uuid4().hex[:8])
    src = new_bucket(auth, base + '-src')
    dst = new_bucket(auth, base + '-dst')
    md5, crc = md5hex(SMALL), crc64(SMALL)
    r = src.put_object(SRC_KEY, SMALL, headers=dict(META, **{'Content-Type': 'text/plain'}))
    check_eq(r.crc, crc, 'put source: x-oss-hash-crc64ecma')

    # --- (a) simple copy; the emulator's journal proves it was one server-side copy
    journal_start = journal_next_id()
    r = src.copy_object(src.bucket_name, SRC_KEY, 'copy/same')
    check_eq(r.status, 200, 'copy within bucket: status')
    ops = journal_operations(journal_start, src.bucket_name)
    check_eq(ops.count('CopyObject'), 1, 'journal: copy_object sent exactly one CopyObject')
    check_eq(ops.count('GetObject') + ops.count('PutObject'), 0, 'journal: copy_object never downloaded or uploaded')
    check_eq(r.etag, md5, 'copy within bucket: response ETag == source ETag')
    check_eq(r.crc, crc, 'copy within bucket: response x-oss-hash-crc64ecma')
    verify(src, 'copy/same', 'copy within bucket', SMALL, META, 'text/plain')

    r = dst.copy_object(src.bucket_name, SRC_KEY, 'copy/cross', headers={'x-oss-metadata-directive': 'COPY'})
    check_eq(r.etag, md5, 'copy across buckets (COPY): response ETag == source ETag')
    check_eq(r.crc, crc, 'copy across buckets (COPY): response x-oss-hash-crc64ecma')
    verify(dst, 'copy/cross', 'copy across buckets (COPY)', SMALL, META, 'text/plain')

    new_meta = {'x-oss-meta-color': 'blue'}
    r = dst.copy_object(src.bucket_name, SRC_KEY, 'copy/replaced', headers=dict(
        new_meta, **{'x-oss-metadata-directive': 'REPLACE', 'Content-Type': 'application/json'}))
    check_eq(r.crc, crc, 'copy across buckets (REPLACE): response x-oss-hash-crc64ecma')
    verify(dst, 'copy/replaced', 'copy across buckets (REPLACE)', SMALL, new_meta, 'application/json')

    r = src.update_object_meta('copy/same', {'x-oss-meta-author': 'bob', 'Content-Type': 'text/markdown'})
    check_eq(r.status, 200, 'update_object_meta (self-copy, REPLACE): status')
    verify(src, 'copy/same', 'update_object_meta', SMALL, {'x-oss-meta-author': 'bob'}, 'text/markdown')

    r = dst.copy_object(src.bucket_name, SRC_KEY, 'copy/if-match', headers={'x-oss-copy-source-if-match': md5})
    check_eq(r.etag, md5, 'copy with matching x-oss-copy-source-if-match: ETag')
    expect_error('copy with x-oss-copy-source-if-match mismatch', lambda: dst.copy_object(
        src.bucket_name, SRC_KEY, 'copy/never', headers={'x-oss-copy-source-if-match': '0' * 32}),
        oe.PreconditionFailed, 412, 'PreconditionFailed')
    expect_error('copy from a missing source key', lambda: dst.copy_object(src.bucket_name, 'no/such key', 'copy/never'),
                 oe.NoSuchKey, 404, 'NoSuchKey')
    expect_error('copy from a missing source bucket', lambda: dst.copy_object(base + '-none', SRC_KEY, 'copy/never'),
                 oe.NoSuchBucket, 404, 'NoSuchBucket')
    check_eq(dst.object_exists('copy/never'), False, 'failed copies created no object')

    # --- (b) large objects: the document's multipart copy loop, within and across buckets
    check_eq(src.put_object(BIG_KEY, BIG).crc, crc64(BIG), 'put big source: x-oss-hash-crc64ecma')
    check_multipart_copy(src, src, 'big/mp-same', 'multipart copy within bucket')
    check_multipart_copy(dst, src, 'big/mp-cross', 'multipart copy across buckets')
    r = src.copy_object(src.bucket_name, BIG_KEY, 'big/plain-same')
    check_eq(r.etag, md5hex(BIG), 'CopyObject of the big source within bucket: ETag')
    if CROSS_MAX:
        check(len(BIG) > CROSS_MAX, 'big source exceeds OSS_COPY_CROSS_BUCKET_MAX', CROSS_MAX)
        expect_error('CopyObject across buckets above the limit', lambda: dst.copy_object(
            src.bucket_name, BIG_KEY, 'big/too-large'), oe.ServerError, 400, 'EntityTooLarge')
        check_eq(dst.object_exists('big/too-large'), False, 'EntityTooLarge copy created no object')
    else:
        print('SKIP [oss2 %s] CopyObject above the limit: OSS_COPY_CROSS_BUCKET_MAX not set' % label, flush=True)

    # --- multipart error cases (hand-made parts)
    key = 'mp/errors'
    uid = dst.init_multipart_upload(key).upload_id
    chunks = [SMALL[:50 * 1024], BIG[:100 * 1024], BIG[100 * 1024:200 * 1024], b'tail' * 250]
    pis = [PartInfo(i + 1, dst.upload_part(key, uid, i + 1, c).etag) for i, c in enumerate(chunks)]
    check_eq([p.etag for p in pis], [md5hex(c) for c in chunks], 'upload_part ETags (a 50 KiB part is accepted)')
    r = dst.list_parts(key, uid)
    check_eq([(p.part_number, p.size, p.etag) for p in r.parts],
             [(i + 1, len(c), md5hex(c)) for i, c in enumerate(chunks)], 'list_parts numbers, sizes, ETags')
    expect_error('complete with a 50 KiB non-last part', lambda: dst.complete_multipart_upload(key, uid, pis[:2]),
                 oe.ServerError, 400, 'EntityTooSmall')
    expect_error('complete with a wrong ETag', lambda: dst.complete_multipart_upload(
        key, uid, [PartInfo(2, '0' * 32), pis[2]]), oe.ServerError, 400, 'InvalidPart')
    expect_error('complete with parts out of order', lambda: complete_unsorted(dst, key, uid, [pis[2], pis[1]]),
                 oe.ServerError, 400, 'InvalidPartOrder')
    check_eq(dst.object_exists(key), False, 'failed completes created no object')
    check_eq(len(dst.list_parts(key, uid).parts), 4, 'failed completes left the upload and its parts')
    check_eq(dst.abort_multipart_upload(key, uid).status, 204, 'abort_multipart_upload status')
    expect_error('list_parts after abort', lambda: dst.list_parts(key, uid), oe.NoSuchUpload, 404, 'NoSuchUpload')
    expect_error('abort after abort', lambda: dst.abort_multipart_upload(key, uid),
                 oe.NoSuchUpload, 404, 'NoSuchUpload')
    expect_error('complete after abort', lambda: dst.complete_multipart_upload(key, uid, pis[1:]),
                 oe.NoSuchUpload, 404, 'NoSuchUpload')

    # --- a second account
    if AK_B and SK_B:
        other = new_bucket(make_auth(AK_B, SK_B), base + '-b')
        expect_error("account B copies from A's private object", lambda: other.copy_object(
            src.bucket_name, SRC_KEY, 'from-a'), oe.AccessDenied, 403, 'AccessDenied')
        uid = other.init_multipart_upload('from-a-mp').upload_id
        expect_error("account B upload_part_copy from A's private object", lambda: other.upload_part_copy(
            src.bucket_name, BIG_KEY, (0, 102399), 'from-a-mp', uid, 1), oe.AccessDenied, 403, 'AccessDenied')
        other.abort_multipart_upload('from-a-mp', uid)
        check_eq(other.object_exists('from-a'), False, 'denied copy created no object')
        check_eq(src.put_object_acl(SRC_KEY, oss2.OBJECT_ACL_PUBLIC_READ).status, 200, 'A makes the source public-read')
        r = other.copy_object(src.bucket_name, SRC_KEY, 'from-a')
        check_eq(r.etag, md5, "account B copies A's public-read object: ETag")
        verify(other, 'from-a', "account B's copy of A's public-read object", SMALL, META, 'text/plain')
        other.put_object('own', b'B owns this')
        into_a = oss2.Bucket(make_auth(AK_B, SK_B), ENDPOINT, dst.bucket_name, region=REGION, connect_timeout=10)
        expect_error("account B copies into A's private bucket", lambda: into_a.copy_object(
            other.bucket_name, 'own', 'planted'), oe.AccessDenied, 403, 'AccessDenied')
        check_eq(dst.object_exists('planted'), False, 'denied copy into A planted nothing')
    else:
        print('SKIP [oss2 %s] copies between accounts: OSS_ACCESS_KEY_ID_B not set' % label, flush=True)

    while MADE:
        b = MADE[-1]
        check_eq(drop_bucket(b), 204, 'delete bucket %s (after aborting uploads, deleting objects)' % b.bucket_name)
        MADE.pop()


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
        finally:
            for b in reversed(MADE):  # best-effort cleanup after a failure
                try:
                    drop_bucket(b)
                except Exception as e:  # noqa: BLE001 - cleanup must not hide the real failure
                    print('cleanup of %s failed: %s' % (b.bucket_name, e), file=sys.stderr)
            MADE.clear()
    print('oss2 copy flow: all checks passed')
    return 0


if __name__ == '__main__':
    sys.exit(main())
