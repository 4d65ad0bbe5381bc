// The hosted reset page end to end in a real browser: guestd is set up through its CLI, the guest gets a reset
// email in the spool, and Debian's Chromium (driven by playwright-core, JavaScript off) follows the link.
// Needs GUESTD_BINARY (the guestd executable); screenshots go to GUESTD_SCREENSHOT_DIR when it is set, in the dark
// scheme when GUESTD_COLOR_SCHEME=dark.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { chromium } from 'playwright-core';

const binary = process.env.GUESTD_BINARY;
const merchantId = 1234;
const merchantName = 'Hôtel <Plage> & "Co"';  // markup in the name must come out as text
const email = 'guest@example.com';
const oldPassword = 'correct horse battery';
const newPassword = 'purple elephant umbrella';
const expectedHeaders = {
  'content-security-policy':
    "default-src 'none'; style-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
};

let dir;            // everything this run writes
let server;         // the guestd serve child process
let serverLog = '';
let baseUrl;        // http://127.0.0.1:<port>
let merchant;       // guestd merchant add's JSON
let partner;        // guestd partner add's JSON
let context;        // the browser context (a fresh profile)
let screenshotDir;

/** Runs a guestd CLI command and parses its JSON output. */
function cli(...args) {
  return JSON.parse(execFileSync(binary, args, { encoding: 'utf8' }));
}

/** Starts `guestd serve` on a free port and resolves with the URL it announces on its first stdout line. */
async function startServer(db, spool) {
  server = spawn(binary, ['serve', '--db', db, '--listen', '127.0.0.1:0', '--mail-spool', spool,
                          '--mail-poll-ms', '100'], { stdio: ['ignore', 'pipe', 'pipe'] });
  server.stderr.on('data', (chunk) => { serverLog += chunk; });
  // Read stdout until its first line; keep draining it afterwards so the server never blocks on a full pipe
  return new Promise((resolve, reject) => {
    let out = '';
    const onData = (chunk) => {
      out += chunk;
      if (!out.includes('\n')) return;
      server.stdout.off('data', onData).on('data', () => {});
      const line = out.split('\n')[0];
      const match = /^guestd listening on (http:\/\/127\.0\.0\.1:\d+)$/.exec(line);
      if (match) resolve(match[1]);
      else reject(new Error(`unexpected first line from guestd serve: ${line}`));
    };
    server.stdout.on('data', onData);
    server.once('exit', (code) => reject(new Error(`guestd serve exited with ${code}; stderr:\n${serverLog}`)));
  });
}

/** Calls the JSON API; returns {status, body}. */
async function api(method, urlPath, body, authorization) {
  const res = await fetch(baseUrl + urlPath, {
    method,
    headers: { 'content-type': 'application/json', authorization },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let json;
  try { json = JSON.parse(text); } catch { json = text; }
  return { status: res.status, body: json };
}

const bearer = () => `Bearer ${partner.partner_token}:${merchant.hotel_token}`;
const basic = () => 'Basic ' + Buffer.from(`${partner.client_id}:${partner.client_secret}`).toString('base64');
const login = (password) => api('POST', '/api/xp-guest-account/login', { email, password }, bearer());

/** Undoes quoted-printable: soft line breaks, then =XX bytes, read as UTF-8. */
function decodeQuotedPrintable(text) {
  const joined = text.replace(/=\r?\n/g, '');
  const bytes = [];
  for (let i = 0; i < joined.length; ++i) {
    const hex = joined.slice(i + 1, i + 3);
    if (joined[i] === '=' && /^[0-9A-Fa-f]{2}$/.test(hex)) {
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else {
      bytes.push(...Buffer.from(joined[i], 'utf8'));
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

/** Every part's body, decoded as its Content-Transfer-Encoding says (7bit parts are taken as they are). */
function partBodies(message) {
  const parts = [...message.matchAll(/Content-Transfer-Encoding: (\S+)\r\n\r\n([\s\S]*?)\r\n--/g)];
  assert.ok(parts.length > 0, `no MIME parts in the email:\n${message}`);
  return parts.map(([, encoding, body]) => (encoding === 'quoted-printable' ? decodeQuotedPrintable(body) : body))
    .join('\n');
}

/** Waits for the first .eml in the spool and returns the reset link it holds. */
async function resetLinkFromSpool(spool) {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const names = (await fs.readdir(spool).catch(() => [])).filter((n) => n.endsWith('.eml'));
    if (names.length > 0) {
      const message = partBodies(await fs.readFile(path.join(spool, names[0]), 'utf8'));
      const match = /http:\/\/127\.0\.0\.1:\d+\/reset-password\?merchant=\d+&code=[^\s"<>&]+/.exec(message);
      assert.ok(match, `no reset link in the email:\n${message}`);
      return match[0];
    }
    await sleep(100);
  }
  throw new Error(`no email reached the spool ${spool}; guestd stderr:\n${serverLog}`);
}

/** Opens a page, checks the page's headers, and returns the page. */
async function open(url) {
  const page = await context.newPage();
  const response = await page.goto(url);
  assert.equal(response.status(), 200);
  const headers = response.headers();
  assert.match(headers['content-type'], /^text\/html; charset=utf-8$/i);
  for (const [name, value] of Object.entries(expectedHeaders)) assert.equal(headers[name], value, name);
  return page;
}

/** Takes a full-page screenshot; names the file when GUESTD_SCREENSHOT_DIR keeps it. */
async function screenshot(t, page, name) {
  const file = path.join(screenshotDir, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  if (process.env.GUESTD_SCREENSHOT_DIR) t.diagnostic(`screenshot: ${file}`);
}

before(async () => {
  assert.ok(binary, 'set GUESTD_BINARY to the guestd executable');
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'guestd-browser-'));
  screenshotDir = process.env.GUESTD_SCREENSHOT_DIR || dir;
  await fs.mkdir(screenshotDir, { recursive: true });
  const db = path.join(dir, 'guestd.db');
  const spool = path.join(dir, 'mail');

  // Make the merchant and the partner, then start the server
  merchant = cli('merchant', 'add', '--db', db, '--id', String(merchantId), '--name', merchantName);
  partner = cli('partner', 'add', '--db', db, '--name', 'Acme', '--merchant', String(merchantId));
  baseUrl = await startServer(db, spool);

  // Create the guest and its account through the Experience API
  const booking = {
    reference: 'R-1', status: 'valid', creation: '2021-06-01 15:22:00', arrival: '2030-06-01',
    departure: '2030-06-03', totalamount: '460', currency: 'EUR',
    customer: { reference: 'C-1', firstname: 'Jane', lastname: 'Doe', email },
  };
  const pushed = await api('POST', '/api/xp-store-bookings/bookings', { bookings: [booking] }, bearer());
  assert.equal(pushed.status, 200, JSON.stringify(pushed.body));
  const set = await api('POST', '/api/xp-guest-account/update-password', { email, password: oldPassword }, bearer());
  assert.equal(set.status, 200, JSON.stringify(set.body));
  assert.equal((await login(oldPassword)).status, 200);

  // Start a fresh browser profile with JavaScript off: the page must work without it
  context = await chromium.launchPersistentContext(path.join(dir, 'profile'), {
    executablePath: '/usr/bin/chromium',
    headless: true,
    javaScriptEnabled: false,
    colorScheme: process.env.GUESTD_COLOR_SCHEME === 'dark' ? 'dark' : 'light',  // to look at the dark scheme
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
           '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}, { timeout: 60_000 });

after(async () => {
  await context?.close();
  if (server && server.exitCode === null) {
    server.kill('SIGTERM');
    await Promise.race([once(server, 'exit'), sleep(10_000)]);
  }
  if (dir) await fs.rm(dir, { recursive: true, force: true });
});

test('a guest resets the password from the emailed link', { timeout: 180_000 }, async (t) => {
  // Ask for a reset as an anonymous Paytronix client
  const requested = await api('POST', '/rest/25.33/guestmanagement/generateAndSendGuestResetPasswordCode.json',
                              { merchantId, email }, basic());
  assert.equal(requested.status, 200, JSON.stringify(requested.body));
  assert.equal(requested.body.result, 'success');
  const link = await resetLinkFromSpool(path.join(dir, 'mail'));
  assert.ok(link.startsWith(`${baseUrl}/reset-password?merchant=${merchantId}&code=`), link);

  // The form names the merchant as text and loads its stylesheet despite the strict CSP
  const page = await open(link);
  await page.setViewportSize({ width: 320, height: 640 });
  assert.equal(await page.locator('h1').textContent(), 'Choose a new password');
  assert.equal(await page.locator('.lead strong').textContent(), merchantName);
  assert.equal(await page.title(), `Choose a new password - ${merchantName}`);
  assert.equal(await page.locator('html').getAttribute('lang'), 'en');
  assert.equal(await page.locator('#password').getAttribute('autocomplete'), 'new-password');
  assert.equal(await page.locator('#password').getAttribute('minlength'), '8');
  assert.equal(await page.locator('input[type=hidden][name=code]').count(), 1);
  assert.equal(await page.locator('input[type=hidden][name=merchant]').getAttribute('value'), String(merchantId));
  assert.equal(await page.getByLabel('New password', { exact: true }).count(), 1, 'labelled inputs');
  assert.equal(await page.getByLabel('Repeat the new password').count(), 1, 'labelled inputs');
  const formWidth = (await page.locator('form').boundingBox()).width;
  assert.ok(formWidth <= 320, `the form fits 320 px (${formWidth})`);
  const scrollWidth = await page.locator('body').evaluate((b) => b.scrollWidth);
  assert.ok(scrollWidth <= 320, `no horizontal scrolling at 320 px (${scrollWidth})`);
  assert.equal(await page.locator('button[type=submit]').evaluate((b) => getComputedStyle(b).width), '288px',
               'the stylesheet applies (full-width button inside 1rem margins)');

  // A keyboard user sees where the focus is
  await page.keyboard.press('Tab');
  const focus = await page.locator('#password').evaluate((e) => {
    const s = getComputedStyle(e);
    return { focused: document.activeElement === e, outline: s.outlineStyle, width: s.outlineWidth };
  });
  assert.deepEqual(focus, { focused: true, outline: 'solid', width: '3px' });
  await screenshot(t, page, 'form-320');

  // Passwords that differ keep the form, say why, and echo no password
  await page.getByLabel('New password', { exact: true }).fill(newPassword);
  await page.getByLabel('Repeat the new password').fill('something else entirely');
  await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Change password' }).click()]);
  assert.match(await page.getByRole('alert').textContent(), /The two passwords do not match/);
  assert.equal(await page.locator('form').count(), 1);
  assert.equal(await page.locator('#password').inputValue(), '');
  assert.ok(!(await page.content()).includes(newPassword));
  await screenshot(t, page, 'mismatch-320');
  assert.equal((await login(oldPassword)).status, 200, 'nothing changed');

  // A password the policy refuses keeps the form with the reason
  await page.setViewportSize({ width: 1024, height: 768 });
  await page.getByLabel('New password', { exact: true }).fill('password');
  await page.getByLabel('Repeat the new password').fill('password');
  await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Change password' }).click()]);
  assert.match(await page.getByRole('alert').textContent(), /The new password is too common/);
  assert.equal(await page.locator('form').count(), 1);
  await screenshot(t, page, 'policy-1024');

  // The same password twice changes it
  await page.getByLabel('New password', { exact: true }).fill(newPassword);
  await page.getByLabel('Repeat the new password').fill(newPassword);
  const [done] = await Promise.all([page.waitForNavigation(),
                                    page.getByRole('button', { name: 'Change password' }).click()]);
  assert.equal(done.status(), 200);
  assert.equal(done.headers()['content-security-policy'], expectedHeaders['content-security-policy']);
  assert.equal(await page.locator('h1').textContent(), 'Your password has been changed');
  assert.equal(await page.locator('form').count(), 0);
  await screenshot(t, page, 'success-1024');

  // The API agrees: the new password works, the old one no longer does
  assert.equal((await login(newPassword)).status, 200);
  assert.equal((await login(oldPassword)).status, 401);

  // The link now says it was used, with no form
  const reused = await open(link);
  assert.equal(await reused.locator('h1').textContent(), 'This link has already been used');
  assert.equal(await reused.locator('form').count(), 0);
  assert.equal(await reused.locator('input').count(), 0);
  await screenshot(t, reused, 'used-1024');
});

test('an unknown code shows no form', async () => {
  const page = await open(`${baseUrl}/reset-password?merchant=${merchantId}&code=not-a-code-we-ever-sent`);
  assert.equal(await page.locator('h1').textContent(), 'This link is not valid');
  assert.equal(await page.locator('form').count(), 0);
  assert.ok(!(await page.content()).includes('not-a-code-we-ever-sent'), 'the code is not echoed');
});

test('the page cannot be framed and the stylesheet has the same headers', async () => {
  const css = await fetch(`${baseUrl}/reset-password.css`);
  assert.equal(css.status, 200);
  assert.match(css.headers.get('content-type'), /^text\/css/);
  assert.equal(css.headers.get('x-frame-options'), 'DENY');
  const form = await fetch(`${baseUrl}/reset-password`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}',
  });
  assert.equal(form.status, 415);
  assert.match(form.headers.get('content-type'), /^text\/html/);
  assert.match(await form.text(), /The form could not be read/);
});
