#!/usr/bin/env node
/*
 * Interop flow for the Node SDK `ali-oss` (6.23.0) against an OSS endpoint such as the emulator.
 *
 * Environment: OSS_ENDPOINT (e.g. http://127.0.0.1:9000), OSS_ACCESS_KEY_ID, OSS_ACCESS_KEY_SECRET,
 * OSS_BUCKET_PREFIX (default interop).
 *
 * With an IP endpoint ali-oss sends `http://IP:PORT/<key>` with `Host: <bucket>.oss-cn-hangzhou.aliyuncs.com`,
 * so the bucket reaches the server only through the Host header (virtual-host addressing).
 * The whole flow runs twice: signature V1 (the default) and V4 (authorizationV4 + region).
 * Prints one line per check; exits 1 on the first failure, after best-effort cleanup.
 *
 * Run by emulator/tests/interop_node.rs; by hand: `node ali_oss_flow.js` with the variables above.
 */
'use strict';

const crypto = require('crypto');
const OSS = require('ali-oss');

function env(name, fallback) {
  const v = process.env[name];
  if (v === undefined || v === '') {
    if (fallback !== undefined) return fallback;
    console.error(`FAIL environment: ${name} is not set`);
    process.exit(2);
  }
  return v;
}

const ENDPOINT = env('OSS_ENDPOINT');
const AK = env('OSS_ACCESS_KEY_ID');
const SK = env('OSS_ACCESS_KEY_SECRET');
const PREFIX = env('OSS_BUCKET_PREFIX', 'interop').toLowerCase();
const REGION = 'oss-cn-hangzhou';

const KEY = 'photos/2024/a b+c 中文-ü.bin'; // '/', space, '+', non-ASCII
const META = { author: 'alice', note: 'two words' };
const LIST_KEYS = ['photos/top.txt', 'photos/2025/y.txt', 'readme.txt'];
const OTHER_KEY = 'src dir/other object.bin'; // in the second bucket; x-oss-copy-source gets %2F and %20
const BIG_KEY = 'big/source.bin';
const OTHER_BIG_KEY = 'big/other source.bin';
const PART = 102400;

// ---------------------------------------------------------------------------------------------
// helpers

class CheckFailed extends Error {}

let lastOk = '(none)';

function check(cond, what, detail) {
  if (!cond) {
    throw new CheckFailed(`${what}${detail ? `: ${detail}` : ''}`);
  }
  lastOk = what;
  console.log(`ok   ${what}`);
}

function show(v) {
  if (Buffer.isBuffer(v)) return `<Buffer ${v.length} bytes>`;
  return JSON.stringify(v);
}

function checkEq(got, want, what) {
  check(got === want, what, `got ${show(got)}, want ${show(want)}`);
}

function checkBytes(got, want, what) {
  check(Buffer.isBuffer(got) && got.equals(want), what,
    Buffer.isBuffer(got) ? `${got.length} bytes vs ${want.length} expected, or content differs` : `got ${show(got)}`);
}

/** Runs fn, which must reject with an ali-oss error of the given status and code. */
async function expectError(what, fn, status, code) {
  let err = null;
  try {
    await fn();
  } catch (e) {
    err = e;
  }
  check(err !== null, `${what}: request fails`, 'it succeeded');
  check(err.status === status && err.code === code, `${what}: ${status} ${code}`,
    `got status ${show(err.status)} code ${show(err.code)} name ${show(err.name)} message ${show(err.message)}`);
  return err;
}

/** Deterministic pseudo-random bytes (xorshift32), so failures are reproducible. */
function pseudoRandom(n, seed) {
  const out = Buffer.alloc(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13; x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5; x >>>= 0;
    out[i] = x & 0xff;
  }
  return out;
}

const md5Hex = buf => crypto.createHash('md5').update(buf).digest('hex').toUpperCase();
const quotedMd5 = buf => `"${md5Hex(buf)}"`;

// CRC-64/XZ (what OSS calls crc64ecma), computed independently of any SDK; decimal string like the header.
const CRC_TABLE = (() => {
  const poly = 0xC96C5795D7870F42n;
  const t = [];
  for (let i = 0n; i < 256n; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = (c & 1n) ? (c >> 1n) ^ poly : c >> 1n;
    t.push(c);
  }
  return t;
})();
function crc64(buf) {
  let crc = 0xFFFFFFFFFFFFFFFFn;
  for (const b of buf) crc = CRC_TABLE[Number((crc ^ BigInt(b)) & 0xFFn)] ^ (crc >> 8n);
  return (crc ^ 0xFFFFFFFFFFFFFFFFn).toString();
}
if (crc64(Buffer.from('123456789')) !== (0x995DC9BBDF1939FAn).toString()) {
  throw new Error('self-test: crc64 implementation is wrong');
}

const ISO_MS = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
const MULTIPART_ETAG = n => new RegExp(`^"[0-9A-F]{32}-${n}"$`);

function recent(dateText) {
  const t = Date.parse(dateText);
  return Number.isFinite(t) && Math.abs(t - Date.now()) < 15 * 60 * 1000;
}

// ---------------------------------------------------------------------------------------------
// the flow

async function run(label, extra) {
  const suffix = crypto.randomBytes(4).toString('hex');
  const bucket = `${PREFIX}-node-${label}-${suffix}`;
  const other = `${PREFIX}-node-${label}-src-${suffix}`;
  const opts = b => Object.assign({ endpoint: ENDPOINT, bucket: b, accessKeyId: AK, accessKeySecret: SK }, extra);
  const client = new OSS(opts(bucket));
  const otherClient = new OSS(opts(other));
  const created = [];
  console.log(`--- ali-oss ${label}: buckets ${bucket}, ${other}`);

  const data = pseudoRandom(100003, 42);
  const otherData = pseudoRandom(150001, 7);
  const big = pseudoRandom(350 * 1024 + 123, 99); // 4 parts of 102400 with partSize 102400
  const otherBig = pseudoRandom(2 * PART + 5000, 1234); // 3 parts of the low-level flow

  try {
    // --- buckets
    let r = await client.putBucket(bucket);
    created.push([client, bucket]);
    checkEq(r.res.status, 200, `${label} putBucket ${bucket}`);
    r = await client.putBucket(other);
    created.push([otherClient, other]);
    checkEq(r.res.status, 200, `${label} putBucket ${other}`);
    r = await client.getBucketInfo(bucket);
    checkEq(r.bucket && r.bucket.Name, bucket, `${label} getBucketInfo Name`);

    // --- put: Buffer, user metadata, awkward key
    r = await client.put(KEY, data, { meta: META });
    checkEq(r.res.status, 200, `${label} put status`);
    checkEq(r.name, KEY, `${label} put name`);
    checkEq(r.res.headers.etag, quotedMd5(data), `${label} put ETag header is quoted uppercase MD5`);
    checkEq(r.res.headers['x-oss-hash-crc64ecma'], crc64(data), `${label} put x-oss-hash-crc64ecma`);

    // --- get
    r = await client.get(KEY);
    checkEq(r.res.status, 200, `${label} get status`);
    checkBytes(r.content, data, `${label} get body bytes`);
    checkEq(r.res.headers.etag, quotedMd5(data), `${label} get ETag`);
    checkEq(r.res.headers['x-oss-hash-crc64ecma'], crc64(data), `${label} get x-oss-hash-crc64ecma`);

    r = await client.get(KEY, { headers: { Range: 'bytes=10-19' } });
    checkEq(r.res.status, 206, `${label} ranged get status`);
    checkBytes(r.content, data.subarray(10, 20), `${label} ranged get bytes`);
    checkEq(r.res.headers['content-range'], `bytes 10-19/${data.length}`, `${label} ranged get Content-Range`);

    // --- head
    r = await client.head(KEY);
    checkEq(r.status, 200, `${label} head status`);
    checkEq(r.res.headers['content-length'], String(data.length), `${label} head Content-Length`);
    checkEq(r.res.headers.etag, quotedMd5(data), `${label} head ETag`);
    checkEq(r.res.headers['x-oss-hash-crc64ecma'], crc64(data), `${label} head x-oss-hash-crc64ecma`);
    checkEq(r.res.headers['x-oss-object-type'], 'Normal', `${label} head x-oss-object-type`);
    check(recent(r.res.headers['last-modified']), `${label} head Last-Modified is recent`,
      show(r.res.headers['last-modified']));
    checkEq(show(r.meta), show(META), `${label} head user metadata`);

    r = await client.getObjectMeta(KEY);
    checkEq(r.res.headers.etag, quotedMd5(data), `${label} getObjectMeta ETag`);

    // --- list
    for (const k of LIST_KEYS) {
      await client.put(k, Buffer.from(`body of ${k}`));
    }
    r = await client.list({ prefix: 'photos/', 'max-keys': 100 });
    checkEq(r.res.status, 200, `${label} list status`);
    checkEq(show(r.objects.map(o => o.name)), show([KEY, 'photos/2025/y.txt', 'photos/top.txt']),
      `${label} list prefix=photos/ names (sorted)`);
    const listed = r.objects.find(o => o.name === KEY);
    checkEq(listed.size, data.length, `${label} list Size`);
    checkEq(listed.etag, quotedMd5(data), `${label} list ETag`);
    check(ISO_MS.test(listed.lastModified), `${label} list LastModified is ISO 8601 with millis`,
      show(listed.lastModified));
    checkEq(r.isTruncated, false, `${label} list IsTruncated`);

    r = await client.list({ prefix: 'photos/', delimiter: '/' });
    checkEq(show(r.objects.map(o => o.name)), show(['photos/top.txt']), `${label} list delimiter objects`);
    checkEq(show(r.prefixes), show(['photos/2024/', 'photos/2025/']), `${label} list delimiter CommonPrefixes`);

    r = await client.list({ 'max-keys': 2 });
    checkEq(r.objects.length, 2, `${label} list max-keys=2 page size`);
    checkEq(r.isTruncated, true, `${label} list max-keys=2 IsTruncated`);
    const page2 = await client.list({ 'max-keys': 100, marker: r.nextMarker });
    checkEq(show(r.objects.concat(page2.objects).map(o => o.name)),
      show([KEY, 'photos/2025/y.txt', 'photos/top.txt', 'readme.txt']), `${label} list pages via NextMarker`);

    r = await client.listV2({ prefix: 'photos/', 'max-keys': 100 });
    checkEq(show(r.objects.map(o => o.name)), show([KEY, 'photos/2025/y.txt', 'photos/top.txt']),
      `${label} listV2 names`);
    checkEq(r.keyCount, 3, `${label} listV2 KeyCount`);

    // --- copy within the bucket (default directive COPY)
    const copyKey = 'copies/same bucket copy.bin';
    r = await client.copy(copyKey, KEY);
    checkEq(r.res.status, 200, `${label} copy same bucket status`);
    check(r.data !== null, `${label} copy same bucket has a CopyObjectResult body`);
    checkEq(r.data.etag, quotedMd5(data), `${label} copy same bucket body ETag`);
    check(ISO_MS.test(r.data.lastModified) && recent(r.data.lastModified),
      `${label} copy same bucket body LastModified`, show(r.data.lastModified));
    r = await client.get(copyKey);
    checkBytes(r.content, data, `${label} copy same bucket bytes`);
    r = await client.head(copyKey);
    checkEq(show(r.meta), show(META), `${label} copy same bucket keeps user metadata`);

    // --- copy with new metadata (REPLACE)
    const replKey = 'copies/replaced meta.bin';
    r = await client.copy(replKey, KEY, { meta: { flavour: 'replaced' } });
    checkEq(r.res.status, 200, `${label} copy with meta (REPLACE) status`);
    r = await client.head(replKey);
    checkEq(show(r.meta), show({ flavour: 'replaced' }), `${label} copy with meta replaces user metadata`);

    // --- copy from the other bucket
    r = await otherClient.put(OTHER_KEY, otherData);
    checkEq(r.res.status, 200, `${label} put into ${other}`);
    const crossKey = 'copies/from other bucket.bin';
    r = await client.copy(crossKey, OTHER_KEY, other);
    checkEq(r.res.status, 200, `${label} copy from other bucket status`);
    check(r.data !== null, `${label} copy from other bucket has a CopyObjectResult body`);
    checkEq(r.data.etag, quotedMd5(otherData), `${label} copy from other bucket body ETag`);
    check(ISO_MS.test(r.data.lastModified) && recent(r.data.lastModified),
      `${label} copy from other bucket body LastModified`, show(r.data.lastModified));
    r = await client.get(crossKey);
    checkBytes(r.content, otherData, `${label} copy from other bucket bytes`);

    // --- multipartUploadCopy: HEAD source, Initiate, parallel UploadPartCopy, Complete
    r = await client.put(BIG_KEY, big);
    checkEq(r.res.status, 200, `${label} put ${big.length}-byte source`);
    const srcHead = await client.head(BIG_KEY);
    const srcCrc = srcHead.res.headers['x-oss-hash-crc64ecma'];
    checkEq(srcCrc, crc64(big), `${label} source x-oss-hash-crc64ecma`);
    const mpcKey = 'copies/multipart copy.bin';
    r = await client.multipartUploadCopy(mpcKey, { sourceKey: BIG_KEY, sourceBucketName: bucket },
      { partSize: PART });
    checkEq(r.res.status, 200, `${label} multipartUploadCopy status`);
    check(MULTIPART_ETAG(4).test(r.etag || ''), `${label} multipartUploadCopy Complete ETag header "HEX-4"`,
      show(r.etag));
    r = await client.get(mpcKey);
    checkBytes(r.content, big, `${label} multipartUploadCopy bytes`);
    r = await client.head(mpcKey);
    checkEq(r.res.headers['content-length'], String(big.length), `${label} multipartUploadCopy HEAD Content-Length`);
    checkEq(r.res.headers['x-oss-hash-crc64ecma'], srcCrc,
      `${label} multipartUploadCopy HEAD x-oss-hash-crc64ecma == source`);
    checkEq(r.res.headers['x-oss-object-type'], 'Multipart', `${label} multipartUploadCopy x-oss-object-type`);

    // --- low level: initMultipartUpload + uploadPartCopy (from the other bucket) + listParts + complete
    r = await otherClient.put(OTHER_BIG_KEY, otherBig);
    checkEq(r.res.status, 200, `${label} put ${otherBig.length}-byte source into ${other}`);
    const llKey = 'copies/low level copy.bin';
    const init = await client.initMultipartUpload(llKey, { meta: { flow: 'low-level' } });
    checkEq(init.res.status, 200, `${label} initMultipartUpload status`);
    check(typeof init.uploadId === 'string' && init.uploadId.length > 0, `${label} initMultipartUpload UploadId`,
      show(init.uploadId));
    checkEq(init.bucket, bucket, `${label} initMultipartUpload Bucket`);
    checkEq(init.name, llKey, `${label} initMultipartUpload Key`);
    const src = { sourceKey: OTHER_BIG_KEY, sourceBucketName: other };
    const ranges = [[1, `0-${PART - 1}`, 0, PART], [2, `${PART}-${2 * PART - 1}`, PART, 2 * PART],
      [3, `${2 * PART}-`, 2 * PART, otherBig.length]]; // the last one open-ended
    const parts = [];
    for (const [n, range, start, end] of ranges) {
      const p = await client.uploadPartCopy(llKey, init.uploadId, n, range, src);
      checkEq(p.res.status, 200, `${label} uploadPartCopy part ${n} (bytes=${range}) status`);
      checkEq(p.etag, quotedMd5(otherBig.subarray(start, end)), `${label} uploadPartCopy part ${n} ETag header`);
      parts.push({ number: n, etag: p.etag });
    }
    r = await client.listParts(llKey, init.uploadId);
    checkEq(r.res.status, 200, `${label} listParts status`);
    const listedParts = Array.isArray(r.parts) ? r.parts : [r.parts];
    checkEq(show(listedParts.map(p => [Number(p.PartNumber), p.ETag, Number(p.Size)])),
      show(ranges.map(([n, , s, e], i) => [n, parts[i].etag, e - s])), `${label} listParts numbers/ETags/sizes`);
    r = await client.completeMultipartUpload(llKey, init.uploadId, parts);
    checkEq(r.res.status, 200, `${label} completeMultipartUpload status`);
    check(MULTIPART_ETAG(3).test(r.etag || ''), `${label} completeMultipartUpload ETag header "HEX-3"`, show(r.etag));
    r = await client.get(llKey);
    checkBytes(r.content, otherBig, `${label} low-level multipart copy bytes`);
    r = await client.head(llKey);
    checkEq(r.res.headers['x-oss-hash-crc64ecma'], crc64(otherBig),
      `${label} low-level multipart copy x-oss-hash-crc64ecma == source`);
    checkEq(show(r.meta), show({ flow: 'low-level' }), `${label} low-level multipart copy metadata from Initiate`);

    // --- abort (204 only) and EntityTooSmall
    const abortKey = 'copies/aborted.bin';
    const up = await client.initMultipartUpload(abortKey);
    const small = await client.uploadPartCopy(abortKey, up.uploadId, 1, '0-999', src);
    const rest = await client.uploadPartCopy(abortKey, up.uploadId, 2, `1000-${otherBig.length - 1}`, src);
    await expectError(`${label} complete with a 1000-byte first part`,
      () => client.completeMultipartUpload(abortKey, up.uploadId,
        [{ number: 1, etag: small.etag }, { number: 2, etag: rest.etag }]), 400, 'EntityTooSmall');
    r = await client.listUploads({});
    check(r.uploads.some(u => u.uploadId === up.uploadId && u.name === abortKey), `${label} listUploads shows it`,
      show(r.uploads));
    r = await client.abortMultipartUpload(abortKey, up.uploadId);
    checkEq(r.res.status, 204, `${label} abortMultipartUpload status`);
    r = await client.listUploads({});
    checkEq(r.uploads.length, 0, `${label} listUploads empty after abort`);

    // --- errors
    let err = await expectError(`${label} get missing key`, () => client.get('no/such key.bin'), 404, 'NoSuchKey');
    check(err.name === 'NoSuchKeyError' && err.message !== 'Object not exists' && !!err.requestId,
      `${label} get missing key: error parsed from the XML body`,
      `name ${show(err.name)} message ${show(err.message)} requestId ${show(err.requestId)}`);
    await expectError(`${label} head missing key`, () => client.head('no/such key.bin'), 404, 'NoSuchKey');
    const missing = new OSS(opts(`${PREFIX}-node-${label}-missing-${suffix}`));
    await expectError(`${label} get in a missing bucket`, () => missing.get(KEY), 404, 'NoSuchBucket');
    const wrong = new OSS(Object.assign(opts(bucket), { accessKeySecret: `${SK}-wrong` }));
    await expectError(`${label} get with a wrong secret`, () => wrong.get(KEY), 403, 'SignatureDoesNotMatch');
    await expectError(`${label} put with a wrong secret`, () => wrong.put('wrong.txt', Buffer.from('x')), 403,
      'SignatureDoesNotMatch');
    await expectError(`${label} head with a wrong secret (x-oss-err)`, () => wrong.head(KEY), 403,
      'SignatureDoesNotMatch');
    await expectError(`${label} deleteBucket of a non-empty bucket`, () => client.deleteBucket(bucket), 409,
      'BucketNotEmpty');

    // --- deleteMulti, delete, deleteBucket
    const multi = [KEY, ...LIST_KEYS, copyKey, replKey, crossKey, 'never existed.txt'];
    r = await client.deleteMulti(multi, { quiet: false });
    checkEq(r.res.status, 200, `${label} deleteMulti status`);
    checkEq(show(r.deleted.map(d => d.Key).sort()), show(multi.slice().sort()), `${label} deleteMulti Deleted keys`);
    await expectError(`${label} get after deleteMulti`, () => client.get(KEY), 404, 'NoSuchKey');

    for (const k of [BIG_KEY, mpcKey, llKey]) {
      r = await client.delete(k);
      checkEq(r.res.status, 204, `${label} delete ${k}`);
    }
    r = await client.delete('never existed either.txt');
    checkEq(r.res.status, 204, `${label} delete of a missing key`);
    for (const k of [OTHER_KEY, OTHER_BIG_KEY]) {
      r = await otherClient.delete(k);
      checkEq(r.res.status, 204, `${label} delete ${other}/${k}`);
    }
    r = await client.list({});
    checkEq(r.objects.length, 0, `${label} bucket is empty`);

    for (const b of [bucket, other]) {
      r = await client.deleteBucket(b);
      check([200, 204].includes(r.res.status), `${label} deleteBucket ${b}`, `status ${r.res.status}`);
      created.splice(created.findIndex(([, name]) => name === b), 1);
    }
    await expectError(`${label} getBucketInfo after deleteBucket`, () => client.getBucketInfo(bucket), 404,
      'NoSuchBucket');
  } finally {
    await cleanup(created);
  }
}

/** Best effort: empties and deletes buckets a failed run left behind. */
async function cleanup(created) {
  for (const [c, b] of created) {
    try {
      const ups = await c.listUploads({});
      for (const u of ups.uploads) await c.abortMultipartUpload(u.name, u.uploadId).catch(() => {});
      const l = await c.list({ 'max-keys': 1000 });
      if (l.objects.length) await c.deleteMulti(l.objects.map(o => o.name), { quiet: true });
      await c.deleteBucket(b);
      console.log(`cleanup: removed bucket ${b}`);
    } catch (e) {
      console.log(`cleanup: could not remove bucket ${b}: ${e.code || e.name}: ${e.message}`);
    }
  }
}

async function main() {
  await run('v1', {});
  await run('v4', { authorizationV4: true, region: REGION });
  console.log('ali-oss flow: all checks passed');
}

main().catch(e => {
  if (e instanceof CheckFailed) {
    console.log(`FAIL ${e.message}`);
    console.error(`FAIL ${e.message}`);
  } else {
    const info = ['status', 'code', 'requestId', 'ecCode']
      .filter(k => e && e[k] !== undefined).map(k => `${k}=${show(e[k])}`);
    const p = e && e.params;
    const req = p ? ` request=${show(`${p.method} bucket=${p.bucket} object=${p.object} subres=${show(p.subres)}`)}` : '';
    console.log(`FAIL unexpected error after check "${lastOk}": ${e && e.name}: ${e && e.message} ${info.join(' ')}${req}`);
    console.error(e && e.stack ? e.stack : e);
    if (e && e.res && e.res.headers) console.error('response headers:', JSON.stringify(e.res.headers));
  }
  process.exit(1);
});
