// Cross-origin uploads in a real browser: Debian's chromium, driven by playwright-core, loads a
// page from a small HTTP server on another port than the emulator (another origin), and that
// page uploads with a presigned PUT URL and with a PostObject form (FormData), then reads both
// objects back through presigned GET URLs. The bucket's CORS rule names the page's origin; a
// page from a third origin, which no rule names, must be refused by the browser. Signatures are
// made here with node's crypto, independently of the Rust client. Started by
// .ci/cors-browser.sh, which passes the emulator's endpoint and region.
'use strict';

const crypto = require('crypto');
const http = require('http');
const { chromium } = require('playwright-core');

const endpoint = need('EMULATOR_ENDPOINT');
const region = need('EMULATOR_REGION');
const executablePath = need('CHROMIUM');
const AK = 'oss-emulator-ak';
const SK = 'oss-emulator-secret';
const BUCKET = `cors-browser-${Date.now().toString(36)}`;

function need(name) {
  const v = process.env[name];
  if (!v) { console.error(`cors.test: ${name} is not set (run .ci/cors-browser.sh)`); process.exit(2); }
  return v;
}

function log(msg) { console.log(`cors.test: ${msg}`); }
function assert(cond, msg) { if (!cond) throw new Error(`assertion failed: ${msg}`); }

// V1 header signing for the set-up requests node makes itself.
async function oss(method, resource, { body, contentType = '', query = '' } = {}) {
  const date = new Date().toUTCString();
  const sts = `${method}\n\n${contentType}\n${date}\n${resource}${query ? '?' + query : ''}`;
  const sig = crypto.createHmac('sha1', SK).update(sts).digest('base64');
  const headers = { date, authorization: `OSS ${AK}:${sig}` };
  if (contentType) headers['content-type'] = contentType;
  const resp = await fetch(`${endpoint}${resource}${query ? '?' + query : ''}`, { method, headers, body });
  return { status: resp.status, text: await resp.text() };
}

// A V1 presigned URL: the signature covers method, Content-Type, expiry and resource.
function presign(method, key, contentType = '') {
  const expires = Math.floor(Date.now() / 1000) + 600;
  const resource = `/${BUCKET}/${key}`;
  const sig = crypto.createHmac('sha1', SK).update(`${method}\n\n${contentType}\n${expires}\n${resource}`).digest('base64');
  const q = new URLSearchParams({ OSSAccessKeyId: AK, Expires: String(expires), Signature: sig });
  return `${endpoint}${resource}?${q}`;
}

// A V4 PostObject form: the policy pins bucket, key and the three signing fields; the signature
// is the hex HMAC-SHA256 of the policy's base64 with the V4 signing key of the scope.
function postForm(key) {
  const now = new Date();
  const datetime = now.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
  const date = datetime.slice(0, 8);
  const credential = `${AK}/${date}/${region}/oss/aliyun_v4_request`;
  const policy = {
    expiration: new Date(now.getTime() + 600_000).toISOString(),
    conditions: [
      { bucket: BUCKET },
      ['eq', '$key', key],
      { 'x-oss-signature-version': 'OSS4-HMAC-SHA256' },
      { 'x-oss-credential': credential },
      { 'x-oss-date': datetime },
      ['content-length-range', 1, 1024 * 1024],
      ['starts-with', '$x-oss-meta-from', ''],
    ],
  };
  const encoded = Buffer.from(JSON.stringify(policy)).toString('base64');
  let signingKey = Buffer.from(`aliyun_v4${SK}`);
  for (const part of [date, region, 'oss', 'aliyun_v4_request']) {
    signingKey = crypto.createHmac('sha256', signingKey).update(part).digest();
  }
  const signature = crypto.createHmac('sha256', signingKey).update(encoded).digest('hex');
  return [
    ['key', key],
    ['x-oss-meta-from', 'browser'],
    ['x-oss-signature-version', 'OSS4-HMAC-SHA256'],
    ['x-oss-credential', credential],
    ['x-oss-date', datetime],
    ['policy', encoded],
    ['x-oss-signature', signature],
  ];
}

// One page server per origin: it serves a blank page, the browser's fetches do the rest.
function pageServer() {
  return new Promise((resolve) => {
    const server = http.createServer((req, res) => {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end('<!doctype html><title>cors test</title><p>uploads from another origin</p>');
    });
    server.listen(0, '127.0.0.1', () => resolve({ server, origin: `http://127.0.0.1:${server.address().port}` }));
  });
}

async function main() {
  const good = await pageServer();
  const bad = await pageServer();
  let r = await oss('PUT', `/${BUCKET}/`);
  assert(r.status === 200, `PutBucket: ${r.status} ${r.text}`);
  const cors = `<?xml version="1.0" encoding="UTF-8"?><CORSConfiguration><CORSRule>` +
    `<AllowedOrigin>${good.origin}</AllowedOrigin>` +
    '<AllowedMethod>PUT</AllowedMethod><AllowedMethod>GET</AllowedMethod><AllowedMethod>POST</AllowedMethod>' +
    '<AllowedHeader>*</AllowedHeader><ExposeHeader>ETag</ExposeHeader><ExposeHeader>x-oss-request-id</ExposeHeader>' +
    '<MaxAgeSeconds>60</MaxAgeSeconds></CORSRule></CORSConfiguration>';
  r = await oss('PUT', `/${BUCKET}/`, { query: 'cors', body: cors, contentType: 'application/xml' });
  assert(r.status === 200, `PutBucketCors: ${r.status} ${r.text}`);
  log(`bucket ${BUCKET}, CORS rule for ${good.origin}; page origins ${good.origin} (allowed) and ${bad.origin} (not)`);

  const putContent = `presigned PUT from the browser ${crypto.randomUUID()}`;
  const postContent = `PostObject form from the browser ${crypto.randomUUID()}`;
  const job = {
    putUrl: presign('PUT', 'put.txt', 'text/plain'),
    putContent,
    postUrl: `${endpoint}/${BUCKET}/`,
    postFields: postForm('post.txt'),
    postContent,
    getPut: presign('GET', 'put.txt'),
    getPost: presign('GET', 'post.txt'),
  };

  const browser = await chromium.launch({ executablePath, headless: true, args: ['--no-sandbox', '--disable-gpu'] });
  try {
    const context = await browser.newContext();
    const page = await context.newPage();
    const problems = [];
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    await page.goto(`${good.origin}/`);
    const result = await page.evaluate(async (job) => {
      const out = {};
      const put = await fetch(job.putUrl, { method: 'PUT', headers: { 'content-type': 'text/plain' }, body: job.putContent });
      out.put = { status: put.status, etag: put.headers.get('etag'), text: await put.text() };
      const form = new FormData();
      for (const [name, value] of job.postFields) form.append(name, value);
      // The file goes last: OSS ignores what follows it.
      form.append('file', new Blob([job.postContent], { type: 'text/plain' }), 'post.txt');
      form.append('submit', 'Upload');
      const post = await fetch(job.postUrl, { method: 'POST', body: form });
      out.post = {
        status: post.status,
        etag: post.headers.get('etag'),
        requestId: post.headers.get('x-oss-request-id'),
        text: await post.text(),
      };
      for (const [name, url] of [['getPut', job.getPut], ['getPost', job.getPost]]) {
        const got = await fetch(url);
        out[name] = { status: got.status, type: got.headers.get('content-type'), text: await got.text() };
      }
      return out;
    }, job);
    log(`in the browser: ${JSON.stringify(result)}`);
    assert(result.put.status === 200, `presigned PUT: ${result.put.status} ${result.put.text}`);
    assert(/^"[0-9A-F]{32}"$/.test(result.put.etag || ''), `PUT ETag readable through ExposeHeader: ${result.put.etag}`);
    assert(result.post.status === 204, `PostObject: ${result.post.status} ${result.post.text}`);
    assert(/^"[0-9A-F]{32}"$/.test(result.post.etag || ''), `PostObject ETag readable: ${result.post.etag}`);
    assert((result.post.requestId || '').length === 24, `x-oss-request-id readable: ${result.post.requestId}`);
    assert(result.getPut.status === 200 && result.getPut.text === putContent, 'the PUT object reads back equal');
    assert(result.getPost.status === 200 && result.getPost.text === postContent, 'the POSTed object reads back equal');
    assert(result.getPost.type === 'text/plain', `the file part's type is the object's: ${result.getPost.type}`);
    const md5 = (s) => `"${crypto.createHash('md5').update(s).digest('hex').toUpperCase()}"`;
    assert(result.post.etag === md5(postContent), 'PostObject ETag is the MD5 of the file');

    // Read back outside the browser too: the form's metadata field was stored.
    const head = await fetch(presign('HEAD', 'post.txt'), { method: 'HEAD' });
    assert(head.headers.get('x-oss-meta-from') === 'browser', `x-oss-meta-from: ${head.headers.get('x-oss-meta-from')}`);

    // Another origin: no rule names it, so the answers carry no Access-Control-Allow-Origin and
    // the browser refuses to hand them to the page.
    const other = await context.newPage();
    await other.goto(`${bad.origin}/`);
    const refused = await other.evaluate(async (job) => {
      const out = {};
      for (const [name, init, url] of [
        ['get', {}, job.getPut],
        ['put', { method: 'PUT', headers: { 'content-type': 'text/plain' }, body: 'nope' }, job.putUrl],
      ]) {
        try {
          const resp = await fetch(url, init);
          out[name] = `answered ${resp.status}`;
        } catch (e) {
          out[name] = `refused: ${e.name}`;
        }
      }
      return out;
    }, job);
    log(`from ${bad.origin}: ${JSON.stringify(refused)}`);
    assert(refused.get === 'refused: TypeError', `a GET from an origin without a rule must fail: ${refused.get}`);
    assert(refused.put === 'refused: TypeError', `a PUT from an origin without a rule must fail: ${refused.put}`);
    const still = await fetch(job.getPut);
    assert(await still.text() === putContent, 'the refused preflight did not let the PUT through');
    assert(problems.length === 0, problems.join('; '));
  } finally {
    await browser.close();
    good.server.close();
    bad.server.close();
  }
  log('passed');
}

main().catch((e) => {
  console.error(`cors.test: FAILED: ${e.stack || e}`);
  process.exit(1);
});
