// Browser test of the web console: Debian's chromium driven by playwright-core, against an
// emulator binary that .ci/console-browser.sh started (with an admin token, so the login form is
// part of the run). Every step waits for what a user would see; a screenshot of each view goes
// to $SCREENSHOT_DIR. Any failed step, page error or console error fails the run.
'use strict';

const crypto = require('crypto');
const fs = require('fs');
const path = require('path');
const { chromium } = require('playwright-core');

const endpoint = need('EMULATOR_ENDPOINT');
const token = need('ADMIN_TOKEN');
const executablePath = need('CHROMIUM');
const shots = need('SCREENSHOT_DIR');
const AK = 'oss-emulator-ak';
const SK = 'oss-emulator-secret';
const BUCKET = 'console-demo';

function need(name) {
  const v = process.env[name];
  if (!v) { console.error(`console.test: ${name} is not set (run .ci/console-browser.sh)`); process.exit(2); }
  return v;
}

let step = 'start';
function log(msg) { console.log(`console.test: ${msg}`); }
function assert(cond, msg) { if (!cond) throw new Error(`assertion failed: ${msg}`); }

// V1 header signing, for the requests a "client under test" makes beside the browser.
async function oss(method, resource, { secret = SK, body, contentType = '', query = '' } = {}) {
  const date = new Date().toUTCString();
  const sts = `${method}\n\n${contentType}\n${date}\n${resource}${query ? '?' + query : ''}`;
  const sig = crypto.createHmac('sha1', secret).update(sts).digest('base64');
  const headers = { date, authorization: `OSS ${AK}:${sig}` };
  if (contentType) headers['content-type'] = contentType;
  const resp = await fetch(`${endpoint}${resource}${query ? '?' + query : ''}`, { method, headers, body });
  return { status: resp.status, text: await resp.text() };
}

async function control(method, p, body) {
  const resp = await fetch(`${endpoint}/_emulator/${p}`, {
    method, body, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/octet-stream' },
  });
  const text = await resp.text();
  return { status: resp.status, json: text ? JSON.parse(text) : null };
}

// A 2×2 PNG, so the image preview has something to show.
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAYAAABytg0kAAAAFklEQVR4nGP4z8DwHwyBNANEgIGBAQB9Ggf5ndm0xAAAAABJRU5ErkJggg==', 'base64');

async function main() {
  fs.mkdirSync(shots, { recursive: true });
  const browser = await chromium.launch({ executablePath, headless: true, args: ['--no-sandbox', '--disable-gpu'] });
  const problems = [];
  try {
    const context = await browser.newContext({ viewport: { width: 1280, height: 860 }, acceptDownloads: true });
    const page = await context.newPage();
    page.setDefaultTimeout(10000);
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('console', (m) => { if (m.type() === 'error' && !/status of (4|5)\d\d/.test(m.text())) problems.push(`console error: ${m.text()}`); });
    // Nothing may be fetched from anywhere but the emulator.
    page.on('request', (r) => { if (!r.url().startsWith(endpoint) && !r.url().startsWith('blob:') && !r.url().startsWith('data:')) problems.push(`request to another origin: ${r.url()}`); });
    const shot = async (name) => { await page.screenshot({ path: path.join(shots, `${name}.png`), fullPage: true }); log(`screenshot ${name}.png`); };

    step = 'login';
    await page.goto(`${endpoint}/_emulator/ui/`);
    await page.locator('input[name=token]').fill(token);
    await shot('login');
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.locator('#view-title', { hasText: 'Buckets' }).waitFor();

    step = 'create a bucket';
    await page.locator('#f-bucket-name').fill(BUCKET);
    await page.getByRole('button', { name: 'Create bucket' }).click();
    await page.locator(`tr[data-bucket="${BUCKET}"]`).waitFor();
    await shot('buckets');

    step = 'upload by the upload control';
    await page.locator(`tr[data-bucket="${BUCKET}"] a`).first().click();
    await page.locator('#view-title', { hasText: `Bucket ${BUCKET}` }).waitFor();
    await page.locator('#upload-input').setInputFiles([
      { name: 'hello.txt', mimeType: 'text/plain', buffer: Buffer.from('Hello from the console test!\n') },
      { name: 'pixel.png', mimeType: 'image/png', buffer: PNG },
    ]);
    await page.locator('tr[data-key="hello.txt"]').waitFor();
    await page.locator('tr[data-key="pixel.png"]').waitFor();
    const crc = await page.locator('tr[data-key="hello.txt"] td:nth-child(7)').textContent();
    assert(/^\d+$/.test(crc.trim()), `a CRC-64 is listed (${crc})`);

    step = 'upload by drag and drop';
    const dropped = await page.evaluateHandle(() => {
      const dt = new DataTransfer();
      dt.items.add(new File(['dropped on the zone'], 'dropped.txt', { type: 'text/plain' }));
      return dt;
    });
    await page.dispatchEvent('#drop', 'drop', { dataTransfer: dropped });
    await page.locator('tr[data-key="dropped.txt"]').waitFor();
    // A folder, for the listing.
    assert((await control('PUT', `buckets/${BUCKET}/object?key=${encodeURIComponent('docs/readme.md')}`, '# docs')).status === 200, 'folder object');
    await page.reload();
    await page.locator('tr.folder a', { hasText: 'docs/' }).waitFor();
    await shot('objects');

    step = 'open an object';
    await page.locator('tr[data-key="hello.txt"] a', { hasText: 'hello.txt' }).click();
    await page.locator('#preview-text', { hasText: 'Hello from the console test!' }).waitFor();
    const etag = await page.locator('dl.kv dd').nth(3).textContent();
    assert(etag.startsWith('"'), `the ETag is shown (${etag})`);
    await shot('object');
    const [download] = await Promise.all([page.waitForEvent('download'), page.locator('#download').click()]);
    const saved = await download.path();
    assert(fs.readFileSync(saved, 'utf8') === 'Hello from the console test!\n', 'the download is the object');
    await page.goto(`${endpoint}/_emulator/ui/#/object/${BUCKET}?key=pixel.png`);
    await page.locator('#preview img').waitFor();
    assert(await page.locator('#preview img').evaluate((img) => img.complete && img.naturalWidth === 2), 'the image preview loads');

    step = 'watch a PutObject appear in the live journal';
    await page.goto(`${endpoint}/_emulator/ui/#/journal`);
    await page.locator('#view-title', { hasText: 'Journal' }).waitFor();
    await page.waitForTimeout(300); // the long poll is waiting now
    const liveKey = `live-${Date.now()}.txt`;
    const started = Date.now();
    const put = await oss('PUT', `/${BUCKET}/${liveKey}`, { body: 'live', contentType: 'text/plain' });
    assert(put.status === 200, `PutObject by a client: ${put.status} ${put.text}`);
    await page.locator('tr[data-operation="PutObject"]', { hasText: liveKey }).waitFor({ timeout: 2000 });
    log(`PutObject shown ${Date.now() - started} ms after it was sent`);

    step = 'a signature mismatch, explained';
    const bad = await oss('GET', '/', { secret: 'not-the-secret' });
    assert(bad.status === 403 && bad.text.includes('SignatureDoesNotMatch'), `wrong secret refused (${bad.status})`);
    const badRow = page.locator('tr[data-operation="ListBuckets"].failed').first();
    await badRow.waitFor({ timeout: 2000 });
    await shot('journal');
    await page.locator('#f-status').selectOption('errors');
    await page.locator('#journal-count', { hasText: /^1 matching/ }).waitFor();
    await shot('journal-errors');
    await page.locator('#f-status').selectOption('');
    await badRow.locator('a').click();
    await page.locator('#string-to-sign').waitFor();
    const sts = await page.locator('#string-to-sign').textContent();
    assert(sts.startsWith('GET\n') && sts.endsWith('\n/'), `the string-to-sign is shown: ${JSON.stringify(sts)}`);
    assert((await page.locator('main').textContent()).includes('refused: SignatureDoesNotMatch'), 'the verdict is shown');
    assert(!(await page.locator('main').textContent()).match(/OSS oss-emulator-ak:[A-Za-z0-9+/]{20,}/), 'the signature is masked');
    await shot('request');

    step = 'multipart uploads in flight';
    const init = await oss('POST', `/${BUCKET}/big.bin`, { query: 'uploads' });
    const uploadId = (init.text.match(/<UploadId>([^<]+)<\/UploadId>/) || [])[1];
    assert(uploadId, `InitiateMultipartUpload: ${init.status} ${init.text}`);
    for (const n of [1, 2]) {
      const part = await oss('PUT', `/${BUCKET}/big.bin`, { query: `partNumber=${n}&uploadId=${uploadId}`, body: 'x'.repeat(1000 * n), contentType: 'application/octet-stream' });
      assert(part.status === 200, `UploadPart ${n}: ${part.status}`);
    }
    await page.goto(`${endpoint}/_emulator/ui/#/uploads`);
    await page.locator('main', { hasText: uploadId }).waitFor();
    await shot('uploads');

    step = 'add a fault and see the next request fail';
    await page.goto(`${endpoint}/_emulator/ui/#/faults`);
    await page.locator('#view-title', { hasText: 'Faults' }).waitFor();
    await page.locator('#f-operation').selectOption('PutObject');
    await page.locator('#f-type').selectOption('error');
    await page.locator('#f-code').fill('SlowDown');
    await page.locator('#f-status').fill('503');
    await page.getByRole('button', { name: 'Add rule' }).click();
    await page.locator('tr[data-rule]').first().waitFor();
    // A named set too, shown apart from the global rules.
    await page.locator('#f-set').fill('flaky-tests');
    await page.locator('#f-type').selectOption('delay');
    await page.getByRole('button', { name: 'Add rule' }).click();
    await page.locator('section[data-set="flaky-tests"] tr[data-rule]').waitFor();
    await shot('faults');
    await page.goto(`${endpoint}/_emulator/ui/#/bucket/${BUCKET}`);
    await page.locator('#upload-input').setInputFiles({ name: 'refused.txt', mimeType: 'text/plain', buffer: Buffer.from('no') });
    await page.locator('#upload-status', { hasText: 'SlowDown' }).waitFor();
    assert(!(await page.locator('tr[data-key="refused.txt"]').count()), 'the refused upload is not listed');
    await shot('fault-fired');
    const journal = await control('GET', 'journal?operation=PutObject&status=503');
    assert(journal.json.entries.some((e) => e.fault && e.key === 'refused.txt'), 'the journal names the fault');

    step = 'freeze the clock';
    await page.goto(`${endpoint}/_emulator/ui/#/clock`);
    await page.locator('#clock-mode').waitFor();
    await page.locator('#freeze-now').click();
    await page.locator('#clock-mode', { hasText: 'frozen' }).waitFor();
    assert((await control('GET', 'clock')).json.mode === 'frozen', 'the emulator clock is frozen');
    await shot('clock');

    step = 'keyboard: reach and follow a section link';
    // A fresh load, so Tab starts at the top of the page: the skip link first, then the sections.
    await page.goto(`${endpoint}/_emulator/ui/#/buckets`);
    await page.reload();
    await page.locator('#view-title', { hasText: 'Buckets' }).waitFor();
    await page.keyboard.press('Tab');
    assert(await page.evaluate(() => document.activeElement.classList.contains('skip')), 'the skip link comes first');
    let reached = false;
    for (let i = 0; i < 12 && !reached; i++) {
      await page.keyboard.press('Tab');
      reached = await page.evaluate(() => document.activeElement && document.activeElement.textContent === 'Journal');
    }
    assert(reached, 'the Journal link is reachable by Tab');
    await page.keyboard.press('Enter');
    await page.locator('#view-title', { hasText: 'Journal' }).waitFor();

    step = 'a narrow window';
    await page.setViewportSize({ width: 420, height: 900 });
    await page.goto(`${endpoint}/_emulator/ui/#/bucket/${BUCKET}`);
    await page.locator('tr[data-key="hello.txt"]').waitFor();
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert(overflow <= 1, `the page does not scroll sideways at 420 px (by ${overflow} px)`);
    await shot('objects-narrow');
    await page.goto(`${endpoint}/_emulator/ui/#/journal`);
    await page.locator('#chart').waitFor();
    await shot('journal-narrow');

    step = 'no page errors';
    assert(!problems.length, problems.join('\n'));
  } finally {
    await browser.close();
  }
}

main().then(() => log('all steps passed'), (e) => {
  console.error(`console.test: FAILED at step "${step}": ${e.stack || e}`);
  process.exit(1);
});
