// The OSS emulator's web console: one script, no framework, no network beyond the emulator.
// It reads and changes the emulator through the JSON control API under /_emulator/ (see
// emulator/src/control.rs). Views are chosen by the URL fragment, so every view has a link and
// the browser's back button works.
'use strict';

// "/_emulator/ui/" → "/_emulator/": the control API sits beside the console.
const BASE = location.pathname.replace(/ui\/.*$/, '');
const JOURNAL_KEEP = 5000;   // entries kept in the page
const JOURNAL_SHOW = 500;    // rows drawn in the table
const CHART_SECONDS = 60;

const S = {
  health: null,
  operations: [],
  entries: [],      // journal entries, oldest first
  lastId: 0,        // the newest id seen; the long poll asks for more
  live: true,
  connected: true,
  clockSkewMs: 0,   // emulator time minus browser time
  clock: null,
  filters: { operation: '', bucket: '', status: '', access_key_id: '' },
  onJournal: null,  // set by the journal views to redraw on new entries
};

// ---- small helpers ----

function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else if (v === true) el.setAttribute(k, '');
    else el.setAttribute(k, String(v));
  }
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

const svgNS = 'http://www.w3.org/2000/svg';
function s(tag, attrs, text) {
  const el = document.createElementNS(svgNS, tag);
  for (const [k, v] of Object.entries(attrs || {})) el.setAttribute(k, String(v));
  if (text !== undefined) el.textContent = text;
  return el;
}

const enc = encodeURIComponent;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function fmtBytes(n) {
  if (n === null || n === undefined) return '';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  let v = Number(n);
  while (v >= 1024 && i < units.length - 1) { v /= 1024; i++; }
  return i === 0 ? `${v} B` : `${v.toFixed(v < 10 ? 2 : 1)} ${units[i]}`;
}

function fmtTime(iso) {
  if (!iso) return '';
  return iso.replace('T', ' ').replace(/\.\d+Z$|Z$/, '');
}

function toast(message, isError) {
  const box = document.getElementById('toast');
  const m = h('div', { class: 'msg' + (isError ? ' error' : '') }, message);
  box.append(m);
  setTimeout(() => m.remove(), isError ? 8000 : 4000);
}

class ApiError extends Error {
  constructor(status, data) {
    super((data && (data.error || data.message)) || `HTTP ${status}`);
    this.status = status;
    this.data = data || {};
  }
}

// Every change carries the console header: with cookie login, the control API refuses changes
// without it, which keeps other sites from using the cookie.
async function api(method, path, body, extra) {
  const opts = { method, headers: { 'x-oss-emulator-console': '1' }, credentials: 'same-origin' };
  if (body instanceof Blob) {
    opts.body = body;
    opts.headers['content-type'] = (extra && extra.contentType) || body.type || 'application/octet-stream';
  } else if (body !== undefined) {
    opts.body = JSON.stringify(body);
    opts.headers['content-type'] = 'application/json';
  }
  if (extra && extra.signal) opts.signal = extra.signal;
  const resp = await fetch(BASE + path, opts);
  if (resp.status === 401) {
    // The login cookie is gone (or the token changed): back to the login form.
    location.reload();
    throw new ApiError(401, { error: 'not logged in' });
  }
  const text = await resp.text();
  let data = null;
  try { data = text ? JSON.parse(text) : null; } catch (_) { data = { error: text }; }
  if (!resp.ok) throw new ApiError(resp.status, data);
  return data;
}

function errorText(e) {
  const rid = e.data && e.data.request_id ? ` (request ${e.data.request_id})` : '';
  return `${e.message}${rid}`;
}

function objectHref(bucket, key) { return `#/object/${enc(bucket)}?key=${enc(key)}`; }
function prefixHref(bucket, prefix) { return `#/bucket/${enc(bucket)}` + (prefix ? `?prefix=${enc(prefix)}` : ''); }
function contentUrl(bucket, key, extra) { return `${BASE}buckets/${enc(bucket)}/object/content?key=${enc(key)}${extra || ''}`; }

function table(headers, rows, emptyText) {
  if (!rows.length) return h('div', { class: 'table-wrap' }, h('p', { class: 'empty' }, emptyText));
  return h('div', { class: 'table-wrap' },
    h('table', {},
      h('thead', {}, h('tr', {}, headers.map((c) => h('th', { scope: 'col', class: c.cls }, c.label || c)))),
      h('tbody', {}, rows)));
}

function field(label, control, cls) {
  return h('label', { class: cls || '' }, label, control);
}

function select(name, options, value) {
  return h('select', { name, id: `f-${name}` },
    options.map((o) => {
      const [v, text] = Array.isArray(o) ? o : [o, o];
      return h('option', { value: v, selected: v === value }, text);
    }));
}

// ---- views ----

const views = {};
let current = null;

function setView(section, title, ...content) {
  for (const a of document.querySelectorAll('#nav a')) {
    if (a.dataset.section === section) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  document.title = `${title} · OSS emulator`;
  const main = document.getElementById('main');
  main.replaceChildren(h('h1', { id: 'view-title', tabindex: '-1' }, title), ...content.flat().filter((c) => c));
}

async function route() {
  const hash = location.hash.replace(/^#/, '') || '/buckets';
  const [path, qs] = hash.split('?');
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  const params = new URLSearchParams(qs || '');
  S.onJournal = null;
  if (current && current.leave) current.leave();
  current = null;
  const name = parts[0] || 'buckets';
  const view = views[name] || views.buckets;
  try {
    current = (await view(parts.slice(1), params)) || null;
  } catch (e) {
    setView(name, 'Error', h('p', { class: 'error', role: 'alert' }, errorText(e)));
  }
  // Keyboard and screen-reader users land on the new view's heading, not at the page top.
  const title = document.getElementById('view-title');
  if (title && route.moved) title.focus({ preventScroll: true });
  route.moved = true;
}

// Buckets: totals, create, delete.
views.buckets = async () => {
  const data = await api('GET', 'buckets');
  const rows = data.buckets.map((b) => h('tr', { 'data-bucket': b.name },
    h('td', {}, h('a', { href: prefixHref(b.name, '') }, b.name)),
    h('td', {}, b.region),
    h('td', { class: 'mono' }, b.owner_access_key_id || b.owner_id),
    h('td', {}, b.acl),
    h('td', {}, b.storage_class),
    h('td', { class: 'num' }, b.objects + (b.complete ? '' : '+')),
    h('td', { class: 'num' }, fmtBytes(b.bytes)),
    h('td', { class: 'hide-narrow' }, fmtTime(b.created)),
    h('td', {}, h('button', { class: 'small danger', type: 'button', 'aria-label': `Delete bucket ${b.name}`,
      onclick: async () => {
        if (!confirm(`Delete bucket ${b.name}? It must be empty.`)) return;
        try { await api('DELETE', `buckets/${enc(b.name)}`); toast(`Deleted bucket ${b.name}`); route(); } catch (e) { toast(errorText(e), true); }
      } }, 'Delete'))));
  const form = h('form', { class: 'card row', id: 'create-bucket', onsubmit: async (ev) => {
    ev.preventDefault();
    const f = new FormData(ev.target);
    const spec = { name: f.get('name').trim(), region: f.get('region'), acl: f.get('acl'), storage_class: f.get('storage_class'), owner: f.get('owner') };
    try { await api('POST', 'buckets', spec); toast(`Created bucket ${spec.name}`); route(); } catch (e) { toast(errorText(e), true); }
  } },
  field('Name', h('input', { name: 'name', id: 'f-bucket-name', required: true, pattern: '[a-z0-9][a-z0-9\\-]{1,61}[a-z0-9]', placeholder: 'my-bucket', autocomplete: 'off' }), 'grow'),
  field('Region', select('region', data.regions, data.regions[0])),
  field('ACL', select('acl', ['private', 'public-read', 'public-read-write'], 'private')),
  field('Storage class', select('storage_class', ['Standard', 'IA', 'Archive', 'ColdArchive', 'DeepColdArchive'], 'Standard')),
  field('Owner', select('owner', data.accounts.map((a) => a.access_key_id), (data.accounts[0] || {}).access_key_id)),
  h('button', { class: 'primary', type: 'submit' }, 'Create bucket'));
  setView('buckets', 'Buckets', form,
    table(['Name', 'Region', 'Owner', 'ACL', 'Storage class', { label: 'Objects', cls: 'num' }, { label: 'Size', cls: 'num' }, { label: 'Created', cls: 'hide-narrow' }, ''],
      rows, 'No buckets yet: create one above, or point a client at the emulator.'));
};

// One bucket: folders and objects under a prefix, upload, delete.
views.bucket = async ([bucket], params) => {
  const prefix = params.get('prefix') || '';
  const marker = params.get('marker') || '';
  const q = `buckets/${enc(bucket)}/objects?prefix=${enc(prefix)}&delimiter=%2F` + (marker ? `&marker=${enc(marker)}` : '');
  const data = await api('GET', q);
  const crumbs = [h('a', { href: prefixHref(bucket, '') }, bucket)];
  let acc = '';
  for (const piece of prefix.split('/').filter(Boolean)) {
    acc += piece + '/';
    crumbs.push(h('span', { 'aria-hidden': 'true' }, '/'), h('a', { href: prefixHref(bucket, acc) }, piece));
  }
  const folderRows = data.folders.map((f) => h('tr', { class: 'folder' },
    h('td', {}, h('a', { href: prefixHref(bucket, f) }, h('span', { class: 'folder-icon', 'aria-hidden': 'true' }), f.slice(prefix.length))),
    h('td', { class: 'num' }, ''), h('td', {}, 'folder'), h('td', {}), h('td', {}), h('td', {}), h('td', {}), h('td', {}), h('td', {})));
  const objectRows = data.objects.map((o) => h('tr', { 'data-key': o.key },
    h('td', {}, h('a', { href: objectHref(bucket, o.key) }, o.key.slice(prefix.length) || o.key)),
    h('td', { class: 'num' }, fmtBytes(o.size)),
    h('td', {}, o.content_type || ''),
    h('td', {}, o.object_type),
    h('td', {}, o.storage_class),
    h('td', { class: 'mono' }, o.etag),
    h('td', { class: 'mono' }, o.crc64),
    h('td', { class: 'hide-narrow' }, fmtTime(o.last_modified)),
    h('td', {},
      h('a', { href: contentUrl(bucket, o.key, '&download=1'), download: o.key.split('/').pop(), 'aria-label': `Download ${o.key}` }, 'Download'), ' ',
      h('button', { class: 'small danger', type: 'button', 'aria-label': `Delete ${o.key}`, onclick: () => deleteObject(bucket, o.key, () => route()) }, 'Delete'))));
  const input = h('input', { type: 'file', id: 'upload-input', multiple: true, onchange: (ev) => uploadFiles(bucket, prefix, ev.target.files) });
  const drop = h('label', { class: 'drop', id: 'drop', for: 'upload-input' },
    input, h('strong', {}, 'Upload: '), 'drop files here, or press Enter / click to choose', prefix ? ` (into ${prefix})` : '');
  drop.addEventListener('keydown', (ev) => { if (ev.key === 'Enter' || ev.key === ' ') { ev.preventDefault(); input.click(); } });
  for (const t of ['dragenter', 'dragover']) drop.addEventListener(t, (ev) => { ev.preventDefault(); drop.classList.add('over'); });
  for (const t of ['dragleave', 'drop']) drop.addEventListener(t, () => drop.classList.remove('over'));
  drop.addEventListener('drop', (ev) => { ev.preventDefault(); uploadFiles(bucket, prefix, ev.dataTransfer.files); });
  const more = data.truncated
    ? h('p', {}, h('a', { href: `#/bucket/${enc(bucket)}?prefix=${enc(prefix)}&marker=${enc(data.next_marker)}` }, 'Next page →'))
    : null;
  setView('buckets', `Bucket ${bucket}`,
    h('nav', { class: 'crumbs', 'aria-label': 'Folder' }, h('a', { href: '#/buckets' }, 'Buckets'), h('span', { 'aria-hidden': 'true' }, '›'), crumbs),
    h('div', { class: 'card' }, drop, h('p', { class: 'muted', id: 'upload-status', role: 'status' })),
    table(['Name', { label: 'Size', cls: 'num' }, 'Type', 'Object type', 'Storage class', 'ETag', 'CRC-64', { label: 'Modified', cls: 'hide-narrow' }, ''],
      [...folderRows, ...objectRows], prefix ? 'Nothing under this prefix.' : 'This bucket is empty: upload a file above.'),
    more,
    h('p', {}, h('a', { href: `#/uploads?bucket=${enc(bucket)}` }, 'Multipart uploads in flight in this bucket')));
};

async function uploadFiles(bucket, prefix, files) {
  const status = document.getElementById('upload-status');
  let ok = 0;
  for (const file of Array.from(files)) {
    const key = prefix + file.name;
    if (status) status.textContent = `Uploading ${key} (${fmtBytes(file.size)})…`;
    try {
      const r = await api('PUT', `buckets/${enc(bucket)}/object?key=${enc(key)}`, file, { contentType: file.type || 'application/octet-stream' });
      ok++;
      toast(`Uploaded ${key} (ETag ${r.etag})`);
    } catch (e) {
      const msg = `Upload of ${key} failed: ${errorText(e)}`;
      if (status) { status.textContent = msg; status.className = 'error'; }
      toast(msg, true);
      return;
    }
  }
  if (status) status.textContent = `Uploaded ${ok} file(s).`;
  route();
}

async function deleteObject(bucket, key, then) {
  if (!confirm(`Delete ${key}?`)) return;
  try { await api('DELETE', `buckets/${enc(bucket)}/object?key=${enc(key)}`); toast(`Deleted ${key}`); then(); } catch (e) { toast(errorText(e), true); }
}

const TEXTUAL = /^(text\/|application\/(json|xml|javascript|x-yaml|yaml|toml|x-sh|csv|x-ndjson))|\+json|\+xml/;

// One object: metadata, headers, preview, download, delete.
views.object = async ([bucket], params) => {
  const key = params.get('key') || '';
  const d = await api('GET', `buckets/${enc(bucket)}/object?key=${enc(key)}`);
  const o = d.object;
  const folder = key.includes('/') ? key.slice(0, key.lastIndexOf('/') + 1) : '';
  const kv = (pairs) => h('dl', { class: 'kv' }, pairs.flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v === null || v === undefined || v === '' ? '—' : v)]));
  const preview = h('div', { class: 'preview', id: 'preview' }, h('p', { class: 'muted' }, 'No preview for this type.'));
  const type = o.content_type || '';
  if (type.startsWith('image/')) {
    preview.replaceChildren(h('img', { src: contentUrl(bucket, key), alt: `Preview of ${key}` }));
  } else if (TEXTUAL.test(type) || o.size === 0) {
    preview.replaceChildren(h('p', { class: 'muted' }, 'Loading…'));
    fetch(contentUrl(bucket, key, '&preview_bytes=65536'), { credentials: 'same-origin' })
      .then(async (r) => {
        const text = await r.text();
        const cut = o.size > 65536 ? h('p', { class: 'muted' }, `First 64 KiB of ${fmtBytes(o.size)}.`) : null;
        const shown = r.ok ? h('pre', { class: 'block', id: 'preview-text' }, text) : h('p', { class: 'error' }, `Preview failed: HTTP ${r.status}`);
        preview.replaceChildren(...[shown, cut].filter((c) => c));
      })
      .catch((e) => preview.replaceChildren(h('p', { class: 'error' }, `Preview failed: ${e}`)));
  }
  setView('buckets', key,
    h('nav', { class: 'crumbs', 'aria-label': 'Location' }, h('a', { href: '#/buckets' }, 'Buckets'), h('span', { 'aria-hidden': 'true' }, '›'),
      h('a', { href: prefixHref(bucket, '') }, bucket), folder ? [h('span', { 'aria-hidden': 'true' }, '›'), h('a', { href: prefixHref(bucket, folder) }, folder)] : null),
    h('div', { class: 'row', style: null },
      h('a', { href: contentUrl(bucket, key, '&download=1'), download: key.split('/').pop(), class: 'button', id: 'download' }, 'Download'),
      h('button', { class: 'danger', type: 'button', onclick: () => deleteObject(bucket, key, () => { location.hash = prefixHref(bucket, folder); }) }, 'Delete')),
    h('div', { class: 'grid2' },
      h('section', { class: 'card', 'aria-labelledby': 'meta-h' }, h('h2', { id: 'meta-h' }, 'Metadata'), kv([
        ['Bucket', bucket], ['Key', o.key], ['Size', `${fmtBytes(o.size)} (${o.size} bytes)`], ['ETag', o.etag], ['CRC-64', o.crc64],
        ['Content-MD5', d.content_md5], ['Content type', type], ['Object type', o.object_type], ['Storage class', o.storage_class],
        ['ACL', d.acl], ['Last modified', fmtTime(o.last_modified)], ['Encryption', d.server_side_encryption], ['Segments', d.segments],
      ])),
      h('section', { class: 'card', 'aria-labelledby': 'hdr-h' }, h('h2', { id: 'hdr-h' }, 'Headers and user metadata'),
        d.headers.length || d.user_meta.length || d.tags.length
          ? kv([...d.headers, ...d.user_meta, ...d.tags.map(([k, v]) => [`tag ${k}`, v])])
          : h('p', { class: 'muted' }, 'No stored headers, metadata or tags.'))),
    h('section', { class: 'card', 'aria-labelledby': 'pv-h' }, h('h2', { id: 'pv-h' }, 'Preview'), preview));
};

// Multipart uploads in flight, with their parts.
views.uploads = async (_, params) => {
  const all = await api('GET', 'buckets');
  const names = all.buckets.map((b) => b.name);
  const chosen = params.get('bucket') || '';
  const buckets = chosen ? [chosen] : names;
  const sections = [];
  for (const b of buckets) {
    const data = await api('GET', `buckets/${enc(b)}/uploads`);
    if (!data.uploads.length && !chosen) continue;
    sections.push(h('h2', {}, b));
    if (!data.uploads.length) { sections.push(h('p', { class: 'muted' }, 'No uploads in flight.')); continue; }
    for (const u of data.uploads) {
      sections.push(h('div', { class: 'card' },
        h('p', {}, h('strong', {}, u.key), ' ', h('span', { class: 'muted mono' }, u.upload_id)),
        h('p', { class: 'muted' }, `started ${fmtTime(u.initiated)} · ${u.parts.length} part(s), ${fmtBytes(u.bytes)} · ${u.storage_class}${u.content_type ? ' · ' + u.content_type : ''}`),
        table(['Part', { label: 'Size', cls: 'num' }, 'ETag', 'CRC-64', 'Uploaded'],
          u.parts.map((p) => h('tr', {}, h('td', { class: 'num' }, p.number), h('td', { class: 'num' }, fmtBytes(p.size)), h('td', { class: 'mono' }, p.etag), h('td', { class: 'mono' }, p.crc64), h('td', {}, fmtTime(p.last_modified)))),
          'No parts uploaded yet.')));
    }
  }
  const picker = h('form', { class: 'row card', onsubmit: (ev) => { ev.preventDefault(); const v = new FormData(ev.target).get('bucket'); location.hash = v ? `#/uploads?bucket=${enc(v)}` : '#/uploads'; } },
    field('Bucket', select('bucket', [['', 'all buckets'], ...names], chosen)), h('button', { type: 'submit' }, 'Show'));
  setView('uploads', 'Multipart uploads in flight', picker, sections.length ? sections : h('p', { class: 'muted' }, 'No multipart uploads in flight.'));
};

// ---- the journal ----

function statusMatches(want, status) {
  switch (want) {
    case '': return true;
    case 'ok': return status < 400;
    case 'errors': return status >= 400;
    case '2xx': case '3xx': case '4xx': case '5xx': return Math.floor(status / 100) === Number(want[0]);
    default: return String(status) === want;
  }
}

function filtered() {
  const f = S.filters;
  return S.entries.filter((e) => (!f.operation || e.operation === f.operation)
    && (!f.bucket || e.bucket === f.bucket)
    && (!f.access_key_id || (e.access_key_id || '') === f.access_key_id)
    && statusMatches(f.status, e.status));
}

function distinct(key) {
  return [...new Set(S.entries.map((e) => e[key]).filter((v) => v))].sort();
}

function emulatorNow() { return Date.now() + S.clockSkewMs; }

// Requests per second and errors over the last minute, by the emulator's clock, as bars.
function chart(entries) {
  const W = 600, H = 120, pad = 22;
  const end = Math.floor(emulatorNow() / 1000);
  const total = new Array(CHART_SECONDS).fill(0);
  const errors = new Array(CHART_SECONDS).fill(0);
  for (const e of entries) {
    const t = Math.floor(Date.parse(e.time) / 1000);
    const i = CHART_SECONDS - 1 - (end - t);
    if (i < 0 || i >= CHART_SECONDS) continue;
    total[i]++;
    if (e.status >= 400) errors[i]++;
  }
  const max = Math.max(1, ...total);
  const bw = (W - pad) / CHART_SECONDS;
  const y = (v) => H - 14 - (v / max) * (H - 24);
  const svg = s('svg', { class: 'chart', id: 'chart', viewBox: `0 0 ${W} ${H}`, preserveAspectRatio: 'none', role: 'img',
    'aria-label': `Requests per second over the last ${CHART_SECONDS} seconds: ${total.reduce((a, b) => a + b, 0)} requests, ${errors.reduce((a, b) => a + b, 0)} errors` });
  svg.append(s('line', { class: 'axis', x1: pad, y1: H - 14, x2: W, y2: H - 14 }));
  svg.append(s('text', { x: 0, y: 12 }, String(max)), s('text', { x: 0, y: H - 14 }, '0'));
  svg.append(s('text', { x: pad, y: H - 2 }, `-${CHART_SECONDS}s`), s('text', { x: W - 24, y: H - 2 }, 'now'));
  for (let i = 0; i < CHART_SECONDS; i++) {
    const x = pad + i * bw + 1;
    if (total[i]) {
      const bar = s('rect', { class: 'bar', x, y: y(total[i]), width: bw - 2, height: H - 14 - y(total[i]) });
      bar.append(s('title', {}, `${total[i]} requests, ${errors[i]} errors, ${CHART_SECONDS - 1 - i}s ago`));
      svg.append(bar);
    }
    if (errors[i]) svg.append(s('rect', { class: 'errbar', x, y: y(errors[i]), width: bw - 2, height: H - 14 - y(errors[i]) }));
  }
  return svg;
}

function journalRow(e) {
  const failed = e.status >= 400;
  return h('tr', { class: 'clickable' + (failed ? ' failed' : ''), 'data-id': e.id, 'data-operation': e.operation },
    h('td', { class: 'num' }, h('a', { href: `#/request/${e.id}`, 'aria-label': `Request ${e.id}: ${e.operation} ${e.status}` }, e.id)),
    h('td', { class: 'hide-narrow' }, fmtTime(e.time)),
    h('td', {}, e.operation),
    h('td', { class: 'mono' }, e.bucket + (e.key ? '/' + e.key : '')),
    h('td', { class: 'num status' }, e.status),
    h('td', {}, e.error_code || ''),
    h('td', {}, e.auth),
    h('td', { class: 'mono hide-narrow' }, e.access_key_id || ''),
    h('td', { class: 'num' }, e.duration_ms.toFixed(1)),
    h('td', {}, e.fault ? h('span', { class: 'warn' }, e.fault) : ''));
}

views.journal = async () => {
  const f = S.filters;
  const ops = [...new Set([...S.operations, 'Unknown'])].sort();
  const filters = h('form', { class: 'card row', id: 'journal-filters', onchange: (ev) => {
    const data = new FormData(ev.currentTarget);
    for (const k of Object.keys(f)) f[k] = data.get(k) || '';
    draw();
  }, onsubmit: (ev) => ev.preventDefault() },
  field('Operation', select('operation', [['', 'any'], ...ops], f.operation)),
  field('Bucket', select('bucket', [['', 'any'], ...distinct('bucket')], f.bucket)),
  field('Status', select('status', [['', 'any'], ['ok', 'success (< 400)'], ['errors', 'errors (≥ 400)'], '2xx', '3xx', '4xx', '5xx',
    ...[...new Set(S.entries.map((e) => String(e.status)))].sort()], f.status)),
  field('Access key', select('access_key_id', [['', 'any'], ...distinct('access_key_id')], f.access_key_id)),
  h('label', { class: 'row' }, h('input', { type: 'checkbox', id: 'live', checked: S.live, onchange: (ev) => { S.live = ev.target.checked; } }), 'Live'),
  h('button', { type: 'button', onclick: async () => {
    if (!confirm('Clear the journal?')) return;
    try { await api('DELETE', 'journal'); S.entries = []; draw(); } catch (e) { toast(errorText(e), true); }
  } }, 'Clear'));
  const chartBox = h('div', { class: 'card' },
    h('div', { class: 'legend' }, h('span', {}, h('i', { style: null, class: 'lg-bar' }), 'requests/s'), h('span', {}, h('i', { class: 'lg-err' }), 'errors/s')),
    h('div', { id: 'chart-box' }));
  const count = h('p', { class: 'muted', id: 'journal-count', 'aria-live': 'polite' });
  const tableBox = h('div', { id: 'journal-table' });
  function draw() {
    const rows = filtered();
    document.getElementById('chart-box').replaceChildren(chart(rows));
    count.textContent = `${rows.length} matching of ${S.entries.length} entries${rows.length > JOURNAL_SHOW ? `, newest ${JOURNAL_SHOW} shown` : ''}.`;
    tableBox.replaceChildren(table(['#', { label: 'Time', cls: 'hide-narrow' }, 'Operation', 'Bucket/key', { label: 'Status', cls: 'num' }, 'Error', 'Auth', { label: 'Access key', cls: 'hide-narrow' }, { label: 'ms', cls: 'num' }, 'Fault'],
      rows.slice(-JOURNAL_SHOW).reverse().map(journalRow), 'No requests yet (or none match the filters).'));
  }
  setView('journal', 'Journal', filters, chartBox, count, tableBox);
  draw();
  S.onJournal = () => { if (S.live) draw(); };
  // The chart's window moves with time even when nothing arrives.
  const tick = setInterval(() => { if (S.live) document.getElementById('chart-box')?.replaceChildren(chart(filtered())); }, 1000);
  return { leave: () => clearInterval(tick) };
};

async function findEntry(id) {
  const local = S.entries.find((e) => e.id === id);
  if (local) return local;
  const r = await api('GET', `journal?since_id=${id - 1}&limit=1`);
  return r.entries.find((e) => e.id === id) || null;
}

function copyButton(label, text) {
  return h('button', { type: 'button', class: 'small', onclick: async () => {
    try { await navigator.clipboard.writeText(text); toast(`${label} copied`); } catch (_) { toast('The browser refused the clipboard; select the text instead.', true); }
  } }, `Copy ${label}`);
}

// One request: what arrived, what the emulator decided, and, for a signature mismatch, what it
// signed, to diff against the client's debug output.
views.request = async ([id]) => {
  const e = await findEntry(Number(id));
  if (!e) { setView('journal', `Request ${id}`, h('p', {}, 'Not in the journal (any more).'), h('a', { href: '#/journal' }, '← Journal')); return; }
  const verdict = e.auth_error ? h('span', { class: 'error' }, `refused: ${e.auth_error}`)
    : e.auth === 'none' ? h('span', { class: 'muted' }, 'not reached (the request failed before authentication)')
      : h('span', { class: 'ok' }, `accepted as ${e.auth}${e.access_key_id ? ' (' + e.access_key_id + ')' : ''}`);
  const kv = (pairs) => h('dl', { class: 'kv' }, pairs.flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v === null || v === undefined || v === '' ? '—' : v)]));
  const sections = [
    h('p', {}, h('a', { href: '#/journal' }, '← Journal')),
    h('div', { class: 'grid2' },
      h('section', { class: 'card', 'aria-labelledby': 'sum-h' }, h('h2', { id: 'sum-h' }, 'Summary'), kv([
        ['Request id', h('span', { class: 'mono' }, e.request_id)], ['Time', e.time], ['Request', h('span', { class: 'mono' }, `${e.method} ${e.uri || ''}`)],
        ['Operation', e.operation], ['Bucket', e.bucket], ['Key', e.key], ['Region', e.region],
        ['Status', h('span', { class: e.status >= 400 ? 'error' : 'ok' }, `${e.status}${e.error_code ? ' ' + e.error_code : ''}`)],
        ['Auth verdict', verdict], ['Signature', e.auth], ['Access key', e.access_key_id],
        ['Timing', `${e.duration_ms.toFixed(2)} ms`], ['Bytes in / out', `${e.bytes_in} / ${e.bytes_out}`],
        ['Copy source', e.copy_source], ['Fault fired', e.fault ? h('a', { href: '#/faults', class: 'warn' }, e.fault) : 'none'],
      ])),
      h('section', { class: 'card', 'aria-labelledby': 'hdr-h' }, h('h2', { id: 'hdr-h' }, 'Request headers'),
        h('p', { class: 'muted' }, 'Signatures and tokens are masked.'),
        e.headers && e.headers.length ? kv(e.headers) : h('p', { class: 'muted' }, 'Not recorded.'))),
  ];
  if (e.signature) {
    const sig = e.signature;
    sections.push(h('section', { class: 'card', id: 'signature', 'aria-labelledby': 'sig-h' },
      h('h2', { id: 'sig-h' }, `What the emulator signed (${sig.version.toUpperCase()})`),
      h('p', {}, 'The signature did not match. Compare these with what your client logged: the first line that differs is the culprit.'),
      h('p', {}, h('strong', {}, 'Signed headers: '), h('span', { class: 'mono' }, sig.signed_headers.join(';') || '(none)')),
      sig.canonical_request ? [h('h3', {}, 'Canonical request ', copyButton('canonical request', sig.canonical_request)), h('pre', { class: 'block', id: 'canonical-request' }, sig.canonical_request)] : null,
      h('h3', {}, 'String to sign ', copyButton('string to sign', sig.string_to_sign)),
      h('pre', { class: 'block', id: 'string-to-sign' }, sig.string_to_sign)));
  }
  setView('journal', `${e.operation} · ${e.status}`, ...sections);
};

// ---- faults ----

function actionText(a) {
  switch (a.type) {
    case 'error': return `error ${a.status} ${a.code}${a.message ? ': ' + a.message : ''}`;
    case 'delay': return `delay ${a.ms} ms`;
    case 'throttle': return `throttle ${fmtBytes(a.bytes_per_sec)}/s`;
    case 'reset_response_after': return `cut response after ${a.bytes} B`;
    case 'reset_request_after': return `cut request after ${a.bytes} B`;
    case 'stall_after': return `stall after ${a.bytes} B`;
    case 'commit_then_drop': return 'commit, then drop the connection';
    default: return JSON.stringify(a);
  }
}

function matchText(r) {
  const m = [];
  if (r.bucket) m.push(`bucket ${r.bucket}`);
  if (r.key_prefix) m.push(`key ${r.key_prefix}*`);
  if (r.access_key_id) m.push(`key id ${r.access_key_id}`);
  if (r.probability !== null && r.probability !== undefined) m.push(`p=${r.probability}`);
  return m.join(', ') || 'every request';
}

function ruleRows(rules, remove) {
  return rules.map((r) => h('tr', { 'data-rule': r.id },
    h('td', { class: 'mono' }, r.id), h('td', {}, r.operation || 'any'), h('td', {}, matchText(r)),
    h('td', { class: 'num' }, r.nth), h('td', { class: 'num' }, r.times === 0 ? '∞' : r.times),
    h('td', {}, actionText(r.action)), h('td', { class: 'num' }, r.matched), h('td', { class: 'num' }, r.fired),
    h('td', {}, h('button', { type: 'button', class: 'small danger', 'aria-label': `Remove rule ${r.id}`, onclick: remove(r) }, 'Remove'))));
}

const RULE_HEAD = ['Id', 'Operation', 'Matches', { label: 'From nth', cls: 'num' }, { label: 'Times', cls: 'num' }, 'Action', { label: 'Matched', cls: 'num' }, { label: 'Fired', cls: 'num' }, ''];

// A rule as the control API takes it back (the counters are the server's).
function bareRule(r) {
  const { matched, fired, ...rule } = r;
  return rule;
}

views.faults = async () => {
  const [global, sets] = await Promise.all([api('GET', 'faults'), api('GET', 'fault-sets')]);
  const refresh = () => route();
  const removeGlobal = (r) => async () => {
    try { await api('DELETE', `faults/${enc(r.id)}`); toast(`Removed ${r.id}`); refresh(); } catch (e) { toast(errorText(e), true); }
  };
  const actionFields = h('div', { class: 'inline-fields', id: 'action-fields' });
  const showActionFields = (type) => {
    const num = (name, label, value) => field(label, h('input', { name, id: `f-${name}`, type: 'number', min: 0, value, required: true }));
    const byType = {
      error: [field('Code', h('input', { name: 'code', id: 'f-code', value: 'SlowDown', required: true })), num('status', 'Status', 503),
        field('Message', h('input', { name: 'message', id: 'f-message', placeholder: '(default)' }), 'grow')],
      delay: [num('ms', 'Milliseconds', 2000)],
      throttle: [num('bytes_per_sec', 'Bytes per second', 65536)],
      reset_response_after: [num('bytes', 'After bytes', 1024)],
      reset_request_after: [num('bytes', 'After bytes', 1024)],
      stall_after: [num('bytes', 'After bytes', 1024)],
      commit_then_drop: [],
    };
    actionFields.replaceChildren(...(byType[type] || []));
  };
  showActionFields('error');
  const setNames = Object.keys(sets).sort();
  const form = h('form', { class: 'card', id: 'fault-form', onsubmit: async (ev) => {
    ev.preventDefault();
    const f = new FormData(ev.target);
    const opt = (k) => (f.get(k) || '').trim() || undefined;
    const type = f.get('type');
    const action = { type };
    for (const k of ['ms', 'bytes', 'bytes_per_sec', 'status']) if (f.has(k)) action[k] = Number(f.get(k));
    if (type === 'error') { action.code = f.get('code'); if (opt('message')) action.message = opt('message'); }
    const rule = { operation: opt('operation'), bucket: opt('bucket'), key_prefix: opt('key_prefix'), access_key_id: opt('access_key_id'),
      nth: Number(f.get('nth') || 1), times: Number(f.get('times') || 0), action };
    if (opt('probability')) { rule.probability = Number(f.get('probability')); rule.seed = 1; }
    const set = opt('set');
    try {
      if (set) {
        const existing = (sets[set] || []).map(bareRule);
        await api('PUT', `fault-sets/${enc(set)}`, [...existing, rule]);
        toast(`Added a rule to set ${set} (requests opt in with x-oss-emulator-fault-set: ${set})`);
      } else {
        const r = await api('POST', 'faults', rule);
        toast(`Added fault rule ${r.id}`);
      }
      refresh();
    } catch (e) { toast(errorText(e), true); }
  } },
  h('h2', {}, 'Add a rule'),
  h('div', { class: 'row' },
    field('Operation', select('operation', [['', 'any'], ...S.operations], 'PutObject')),
    field('Bucket', h('input', { name: 'bucket', id: 'f-fbucket', placeholder: 'any' })),
    field('Key prefix', h('input', { name: 'key_prefix', id: 'f-key_prefix', placeholder: 'any' })),
    field('Access key', h('input', { name: 'access_key_id', id: 'f-access_key_id', placeholder: 'any' })),
    field('From the nth match', h('input', { name: 'nth', id: 'f-nth', type: 'number', min: 1, value: 1 })),
    field('Times (0 = always)', h('input', { name: 'times', id: 'f-times', type: 'number', min: 0, value: 1 })),
    field('Probability', h('input', { name: 'probability', id: 'f-probability', type: 'number', min: 0, max: 1, step: 'any', placeholder: '1' }))),
  h('div', { class: 'row' },
    field('Action', select('type', [['error', 'answer an OSS error'], ['delay', 'delay'], ['throttle', 'throttle the response'],
      ['reset_response_after', 'cut the response'], ['reset_request_after', 'cut the request body'], ['stall_after', 'stall the response'],
      ['commit_then_drop', 'commit, then drop']], 'error')),
    actionFields),
  h('div', { class: 'row' },
    field('Add to', h('input', { name: 'set', id: 'f-set', list: 'set-names', placeholder: 'global (all requests)' })),
    h('datalist', { id: 'set-names' }, setNames.map((n) => h('option', { value: n }))),
    h('button', { class: 'primary', type: 'submit' }, 'Add rule')));
  form.querySelector('[name=type]').addEventListener('change', (ev) => showActionFields(ev.target.value));
  const setSections = setNames.map((name) => h('section', { class: 'card', 'data-set': name },
    h('h3', {}, `Set ${name} `, h('button', { type: 'button', class: 'small danger', onclick: async () => {
      try { await api('DELETE', `fault-sets/${enc(name)}`); toast(`Removed set ${name}`); refresh(); } catch (e) { toast(errorText(e), true); }
    } }, 'Remove set')),
    table(RULE_HEAD, ruleRows(sets[name], (r) => async () => {
      try { await api('PUT', `fault-sets/${enc(name)}`, sets[name].filter((x) => x.id !== r.id).map(bareRule)); refresh(); } catch (e) { toast(errorText(e), true); }
    }), 'Empty set.')));
  setView('faults', 'Faults', form,
    h('h2', {}, 'Global rules ', global.rules.length ? h('button', { type: 'button', class: 'small', onclick: async () => {
      try { await api('DELETE', 'faults'); refresh(); } catch (e) { toast(errorText(e), true); }
    } }, 'Remove all') : null),
    table(RULE_HEAD, ruleRows(global.rules, removeGlobal), 'No global rules: every request is served normally.'),
    h('h2', {}, 'Named fault sets'),
    h('p', { class: 'muted' }, 'A set applies only to requests carrying x-oss-emulator-fault-set: <name>, so parallel tests do not see each other\'s faults.'),
    setSections.length ? setSections : h('p', { class: 'muted' }, 'No named sets.'));
};

// ---- the clock ----

async function refreshClock() {
  const before = Date.now();
  const c = await api('GET', 'clock');
  S.clock = c;
  S.clockSkewMs = Date.parse(c.now) - Math.round((before + Date.now()) / 2);
  const badge = document.getElementById('clock-badge');
  badge.textContent = `${fmtTime(c.now)} (${c.mode})`;
  badge.className = 'badge' + (c.mode === 'system' ? '' : ' frozen');
  return c;
}

views.clock = async () => {
  const c = await refreshClock();
  const now = h('p', { class: 'mono', id: 'clock-now', style: null }, c.now);
  const mode = h('p', { id: 'clock-mode' }, `Mode: ${c.mode}`);
  const change = async (body, what) => {
    try { await api('POST', 'clock', body); toast(what); route(); } catch (e) { toast(errorText(e), true); }
  };
  const at = h('input', { type: 'datetime-local', id: 'freeze-at', step: 1, value: c.now.slice(0, 19) });
  const shift = h('input', { type: 'number', id: 'shift-min', value: 60, step: 'any' });
  setView('clock', 'Clock',
    h('div', { class: 'card' }, h('h2', {}, 'Emulator time'), now, mode,
      h('p', { class: 'muted' }, 'Last-Modified, presigned-URL expiry, the skew check and journal times follow this clock.')),
    h('div', { class: 'card row' },
      h('button', { type: 'button', class: 'primary', id: 'freeze-now', onclick: () => change({ freeze: S.clock.now }, 'Clock frozen') }, 'Freeze now'),
      field('Freeze at (UTC)', at),
      h('button', { type: 'button', onclick: () => change({ freeze: at.value.length === 16 ? `${at.value}:00Z` : `${at.value}Z` }, 'Clock frozen') }, 'Freeze at'),
      field('Shift by minutes (negative = behind)', shift),
      h('button', { type: 'button', id: 'shift', onclick: () => change({ offset_ms: Math.round(Number(shift.value) * 60000) }, 'Clock shifted') }, 'Shift'),
      h('button', { type: 'button', id: 'resume', onclick: () => change({ reset: true }, 'Clock back to real time') }, 'Resume real time')));
  const tick = setInterval(async () => {
    try { const n = await refreshClock(); now.textContent = n.now; mode.textContent = `Mode: ${n.mode}`; } catch (_) { /* shown by the badge */ }
  }, 1000);
  return { leave: () => clearInterval(tick) };
};

// ---- the live journal feed ----

function setConnected(ok) {
  if (S.connected === ok) return;
  S.connected = ok;
  const badge = document.getElementById('conn');
  badge.textContent = ok ? 'live' : 'disconnected';
  badge.className = 'badge' + (ok ? '' : ' down');
}

function addEntries(entries) {
  if (!entries.length) return;
  S.entries.push(...entries);
  if (S.entries.length > JOURNAL_KEEP) S.entries.splice(0, S.entries.length - JOURNAL_KEEP);
  S.lastId = Math.max(S.lastId, ...entries.map((e) => e.id));
  if (S.onJournal) S.onJournal();
}

// Follows the journal with the control API's long poll: each call returns as soon as an entry
// newer than the last one seen exists, so a request shows up within milliseconds.
async function followJournal() {
  for (;;) {
    try {
      const r = await api('GET', `journal/follow?since_id=${S.lastId}&timeout_ms=25000`);
      setConnected(true);
      addEntries(r.entries);
      if (r.next_id - 1 < S.lastId) S.lastId = r.next_id - 1; // the emulator restarted
    } catch (_) {
      setConnected(false);
      await sleep(1000);
    }
  }
}

async function start() {
  document.getElementById('conn').textContent = 'live';
  try {
    // Only the newest entries the page keeps: limit=0 answers just next_id, the start of the tail.
    const [health, ops, head] = await Promise.all([api('GET', 'health'), api('GET', 'operations'), api('GET', 'journal?limit=0')]);
    const journal = await api('GET', `journal?since_id=${Math.max(0, head.next_id - 1 - JOURNAL_KEEP)}`);
    S.health = health;
    S.operations = ops.operations;
    S.lastId = journal.next_id - 1;
    addEntries(journal.entries.slice(-JOURNAL_KEEP));
    if (health.admin_token) document.getElementById('logout').hidden = false;
  } catch (e) {
    toast(`Cannot reach the control API: ${errorText(e)}`, true);
  }
  refreshClock().catch(() => {});
  setInterval(() => refreshClock().catch(() => {}), 5000);
  window.addEventListener('hashchange', route);
  route();
  followJournal();
}

start();
