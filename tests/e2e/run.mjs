// Parcours browser kit.
//
// Starts the parcours binary on a fresh SQLite database with the demo world on a free
// port, signs in as every demo role through the real login form, walks the pages each
// role can reach, and on every page checks:
//   - axe-core, WCAG 2.1 A and AA rules: zero violations;
//   - at 360 px: no horizontal scroll, touch targets of at least 44 x 44 px;
// plus journeys: sign in and out for each role, the language switch, a form error shown
// next to its field, and forms that still submit with JavaScript disabled.
//
// Usage: node run.mjs [--bin PATH] [--screenshots DIR]
//   PARCOURS_BIN (or --bin): the binary to drive; default: the release build.
//   --screenshots DIR: save full-page PNGs of each page at 360 px and 1280 px.

import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, readdirSync, rmSync, existsSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const PASSWORD = 'parcours-demo';
const ROLES = [
  ['coach', 'coach@demo.parcours.test'],
  ['second coach', 'coach2@demo.parcours.test'],
  ['programme manager', 'manager@demo.parcours.test'],
  ['administrator', 'admin@demo.parcours.test'],
  ['beneficiary', 'beneficiaire@demo.parcours.test'],
  ['funder', 'funder@demo.parcours.test'],
  ['referrer', 'referrer@demo.parcours.test'],
  ['second referrer', 'referrer2@demo.parcours.test'],
  ['employer', 'employer@demo.parcours.test'],
  ['other operator coach', 'coach@horizon.parcours.test'],
];
const ANONYMOUS_PAGES = [
  '/', '/login', '/password/forgot', '/page-qui-n-existe-pas', `/password/reset/${'0'.repeat(64)}`,
  '/metiers', '/metiers?q=boulangere', '/metiers?q=zzzz', '/metiers?domaine=D', '/metiers?interet=4',
  '/metiers/D1102', '/metiers/D1102?commune=Rouen&rayon=30', '/metiers/D1102?commune=Atlantide&rayon=900',
];
const REPO_REF = resolve(here, '../../../shared/ref');
const FIXTURE_REF = resolve(here, '../../crates/catalog/tests/fixtures/ref');
const MAX_PAGES_PER_ROLE = 12;

function parseArgs(argv) {
  const args = { bin: process.env.PARCOURS_BIN, screenshots: null };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--bin') args.bin = argv[++i];
    else if (argv[i] === '--screenshots') args.screenshots = resolve(argv[++i]);
    else if (argv[i] === '--help') {
      console.log('usage: node run.mjs [--bin PATH] [--screenshots DIR]');
      process.exit(0);
    } else throw new Error(`unknown argument ${argv[i]}`);
  }
  if (!args.bin) {
    const target = process.env.CARGO_TARGET_DIR || resolve(here, '../../target');
    args.bin = join(target, 'release', 'parcours');
  }
  return args;
}

function freePort() {
  return new Promise((ok, fail) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => ok(port));
    });
    srv.on('error', fail);
  });
}

async function startServer(bin) {
  if (!existsSync(bin)) throw new Error(`no parcours binary at ${bin}: run 'cargo build --release' or pass --bin`);
  const port = await freePort();
  const work = mkdtempSync(join(tmpdir(), 'parcours-e2e-'));
  const child = spawn(bin, ['--bind', `127.0.0.1:${port}`], {
    cwd: work,
    env: {
      ...process.env,
      PARCOURS_DATABASE_URL: `sqlite://${join(work, 'e2e.db')}?mode=rwc`,
      PARCOURS_OUTBOX_DIR: join(work, 'outbox'),
      // The in-process worker sends emails within half a second.
      PARCOURS_WORKER_POLL_MS: '500',
      // Verbose, so that the scan at the end sees everything an operator could turn on.
      PARCOURS_LOG: 'debug',
      // The real reference set when it sits beside the clone, else the repository's fixture.
      PARCOURS_REF_DIR: process.env.PARCOURS_REF_DIR || (existsSync(join(REPO_REF, 'rome4')) ? REPO_REF : FIXTURE_REF),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 300; i++) {
    if (child.exitCode !== null) throw new Error(`parcours exited early:\n${output}`);
    try {
      const r = await fetch(`${base}/healthz`);
      if (r.ok) return { base, child, work, log: () => output };
    } catch { /* not listening yet */ }
    await new Promise((r) => setTimeout(r, 200));
  }
  child.kill();
  throw new Error(`parcours did not answer /healthz within 60 s:\n${output}`);
}

const failures = [];
let checks = 0;
function check(ok, what) {
  checks++;
  if (!ok) failures.push(what);
  return ok;
}

// Our users' browsers speak French; the English pages are reached by the switch.
const newContext = (browser, options = {}) => browser.newContext({ locale: 'fr-FR', ...options });

async function axeCheck(page, label) {
  await page.evaluate(AXE_SOURCE);
  const result = await page.evaluate(async () =>
    // eslint-disable-next-line no-undef
    axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } }));
  for (const v of result.violations) {
    for (const node of v.nodes) {
      failures.push(`axe ${v.id} (${v.impact}) on ${label}: ${node.target.join(' ')}\n      ${v.help}\n      ${node.html.slice(0, 200)}`);
    }
  }
  checks++;
  return result.violations.length;
}

// Layout checks at phone width: no horizontal scroll, touch targets >= 44 px.
async function phoneCheck(page, label) {
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  check(overflow <= 0, `horizontal scroll of ${overflow}px at 360 px on ${label}`);
  const small = await page.evaluate(() => {
    const out = [];
    const targets = document.querySelectorAll('a[href], button, input:not([type=hidden]), select, textarea, [role=button]');
    for (const el of targets) {
      const r = el.getBoundingClientRect();
      const style = getComputedStyle(el);
      if (r.width === 0 || r.height === 0 || style.visibility === 'hidden' || r.bottom + window.scrollY <= 0) continue;
      // Links inside a sentence are exempt (WCAG 2.5.5 "inline" exception).
      if (el.tagName === 'A' && style.display === 'inline') {
        const parentText = (el.parentElement?.textContent || '').trim();
        if (parentText.length > (el.textContent || '').trim().length + 1) continue;
      }
      if (r.height < 44 || r.width < 44) {
        out.push(`${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''} "${(el.textContent || el.value || '').trim().slice(0, 40)}" ${Math.round(r.width)}x${Math.round(r.height)}`);
      }
    }
    return out;
  });
  for (const s of small) failures.push(`touch target under 44 px on ${label}: ${s}`);
  checks++;
}

async function shoot(page, dir, label, width) {
  if (!dir) return;
  const name = label.replace(/[^a-z0-9]+/gi, '_').replace(/^_|_$/g, '') || 'root';
  await page.screenshot({ path: join(dir, `${name}_${width}.png`), fullPage: true });
}

// Visits one page: axe at 1280 px, then layout at 360 px (and screenshots).
// Returns the status, or null when a redirect led to a page of a shape already seen.
async function visit(page, base, path, label, shots, seen = null) {
  const response = await page.goto(base + path);
  const status = response ? response.status() : 0;
  const landed = new URL(page.url()).pathname;
  if (seen && shape(landed) !== shape(path)) {
    if (seen.has(shape(landed))) return null;
    seen.add(shape(landed));
  }
  await page.setViewportSize({ width: 1280, height: 900 });
  const violations = await axeCheck(page, `${label} ${path}`);
  await shoot(page, shots, `${label} ${path}`, 1280);
  await page.setViewportSize({ width: 360, height: 740 });
  await phoneCheck(page, `${label} ${path}`);
  await shoot(page, shots, `${label} ${path}`, 360);
  await page.setViewportSize({ width: 1280, height: 900 });
  console.log(`  ${violations === 0 ? 'ok ' : 'BAD'} ${status} ${label.padEnd(22)} ${path}`);
  return status;
}

async function login(page, base, email, password = PASSWORD) {
  await page.goto(`${base}/login`);
  await page.fill('#email', email);
  await page.fill('#password', password);
  await Promise.all([page.waitForNavigation(), page.click('form.form button[type=submit]')]);
}

// Same-origin GET links of the page, one per route shape (ids folded), for the walk.
async function reachableLinks(page, base) {
  // Links marked `download` are files (PDF, CSV, .ics), not pages to check.
  const hrefs = await page.$$eval('a[href]:not([download])', (as) => as.map((a) => a.getAttribute('href')));
  const out = [];
  for (const href of hrefs) {
    if (!href || !href.startsWith('/') || href.startsWith('//')) continue;
    if (href.startsWith('/lang/') || href.startsWith('/static/') || href === '/logout') continue;
    out.push(href.split('#')[0]);
  }
  return out;
}
const shape = (path) => path.replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, '{id}').split('?')[0];

async function walkRole(browser, base, role, email, shots) {
  const context = await newContext(browser, { bypassCSP: true }); // axe is injected
  const page = await context.newPage();
  await login(page, base, email);
  check(new URL(page.url()).pathname === '/home', `${role}: sign-in should land on /home, got ${page.url()}`);
  const seen = new Set();
  const queue = ['/home'];
  while (queue.length && seen.size < MAX_PAGES_PER_ROLE) {
    const path = queue.shift();
    if (seen.has(shape(path)) || ANONYMOUS_PAGES.includes(path)) continue;
    seen.add(shape(path));
    const status = await visit(page, base, path, role, shots, seen);
    if (status === null) continue;
    check(status === 200, `${role}: ${path} answered ${status}`);
    for (const link of await reachableLinks(page, base)) if (!seen.has(shape(link))) queue.push(link);
  }
  // Sign out through the header button.
  await page.goto(`${base}/home`);
  await Promise.all([page.waitForNavigation(), page.click('form.inline-form button[type=submit]')]);
  check(page.url().endsWith('/login?bye=1'), `${role}: sign-out should land on /login?bye=1, got ${page.url()}`);
  const after = await page.goto(`${base}/home`);
  check(new URL(page.url()).pathname === '/login', `${role}: /home after sign-out should send to /login (status ${after?.status()})`);
  await context.close();
}

async function journeys(browser, base) {
  // A form error is shown next to its field, and what was typed is kept.
  {
    const context = await newContext(browser);
    const page = await context.newPage();
    await page.goto(`${base}/login`);
    await page.fill('#email', 'pas-une-adresse');
    await Promise.all([page.waitForNavigation(), page.click('form.form button[type=submit]')]);
    const error = await page.evaluate(() => {
      const input = document.querySelector('#password');
      const field = input?.closest('.field');
      const message = field?.querySelector('.field-error');
      return {
        invalid: input?.getAttribute('aria-invalid'),
        describedBy: input?.getAttribute('aria-describedby') || '',
        message: message?.textContent?.trim() || '',
        messageId: message?.id || '',
        summaryLink: document.querySelector('.error-summary a[href="#password"]') !== null,
        kept: document.querySelector('#email')?.value,
      };
    });
    check(error.invalid === 'true', 'form error: the empty password field should be aria-invalid');
    check(error.message.length > 0 && error.describedBy.includes(error.messageId), `form error: message next to the field and tied by aria-describedby (${JSON.stringify(error)})`);
    check(error.summaryLink, 'form error: the summary links to the field');
    check(error.kept === 'pas-une-adresse', 'form error: what was typed is kept');
    console.log('  ok  journey: form error next to its field');
    await context.close();
  }
  // The language switch.
  {
    const context = await newContext(browser);
    const page = await context.newPage();
    await page.goto(`${base}/login`);
    check((await page.getAttribute('html', 'lang')) === 'fr', 'language: French by default');
    await Promise.all([page.waitForNavigation(), page.click('a[hreflang=en]')]);
    check((await page.getAttribute('html', 'lang')) === 'en', 'language: English after the switch');
    check(new URL(page.url()).pathname === '/login', 'language: the switch returns to the same page');
    check((await page.textContent('h1'))?.trim() === 'Sign in', 'language: the heading is in English');
    await Promise.all([page.waitForNavigation(), page.click('a[hreflang=fr]')]);
    check((await page.getAttribute('html', 'lang')) === 'fr', 'language: back to French');
    console.log('  ok  journey: language switch');
    await context.close();
  }
  // Without JavaScript: sign in, change a person's contact details, sign out.
  {
    const context = await newContext(browser, { javaScriptEnabled: false });
    const page = await context.newPage();
    await login(page, base, 'coach@demo.parcours.test');
    check(new URL(page.url()).pathname === '/home', `no-JS: sign-in lands on /home (got ${page.url()})`);
    const person = await page.getAttribute('table.data tbody a', 'href');
    await page.goto(base + person);
    await page.fill('#phone', '06 12 34 56 78');
    await Promise.all([page.waitForNavigation(), page.click('form.form button[type=submit]')]);
    check(page.url().includes('saved=1'), `no-JS: the contact form submits (got ${page.url()})`);
    check((await page.inputValue('#phone')) === '06 12 34 56 78', 'no-JS: the new phone number is shown');
    await page.goto(`${base}/metiers`);
    await page.fill('#q', 'aide soignant');
    await Promise.all([page.waitForNavigation(), page.click('form.form button[type=submit]')]);
    check((await page.$('a[href="/metiers/J1501"]')) !== null, 'no-JS: the occupation search finds J1501');
    await page.goto(`${base}/metiers/J1501`);
    await page.fill('#commune', 'Rouen');
    await Promise.all([page.waitForNavigation(), page.click('section#market form button[type=submit], form[action*="#market"] button[type=submit]')]);
    check((await page.textContent('body')).includes('Autour de Rouen'), 'no-JS: the local market form submits');
    await Promise.all([page.waitForNavigation(), page.click('form.inline-form button[type=submit]')]);
    check(page.url().endsWith('/login?bye=1'), 'no-JS: sign-out works');
    console.log('  ok  journey: forms without JavaScript');
    await context.close();
  }
}

// The bilan on a phone without JavaScript: consent, a form, a questionnaire left and
// resumed, a ranking, results; then axe on each kind of bilan page, and the coach's view.
async function bilanJourney(browser, base, shots) {
  const context = await newContext(browser, { javaScriptEnabled: false, viewport: { width: 360, height: 740 } });
  const page = await context.newPage();
  await login(page, base, 'beneficiaire@demo.parcours.test');
  const personHref = await page.getAttribute('a[href^="/beneficiaries/"]', 'href');
  await page.goto(`${base}/parcours`);
  await Promise.all([page.waitForNavigation(), page.click('form[action="/parcours/consentement"] button')]);
  check((await page.$('a.button[href^="/activites/"]')) !== null, 'bilan: after consent the next activity is offered');
  const activityHref = async (title) => page.$$eval('a.action-link[href^="/activites/"]',
    (as, t) => as.find((a) => a.textContent.trim().startsWith(t))?.getAttribute('href'), title);
  // Constraints: a whole form.
  await page.goto(base + await activityHref('Ma situation'));
  await page.fill('#home_commune', '76540');
  await page.fill('#max_commute_km', '30');
  await page.check('#health-heavy_loads');
  await Promise.all([page.waitForNavigation(), page.click('form.form button[type=submit]')]);
  check(page.url().endsWith('/resultats') && (await page.textContent('body')).includes('seront évités'), `bilan: the constraints form saves (got ${page.url()})`);
  // RIASEC: one question per screen; leave after 5 and resume at the 6th.
  await page.goto(`${base}/parcours`);
  const riasec = await activityHref('Ce que j');
  const answer = async (n) => {
    const choice = n % 3 === 0 ? 'v5' : (n % 3 === 1 ? 'v2' : 'v4');
    await page.click(`label[for=${choice}]`);
    await Promise.all([page.waitForNavigation(), page.click('form.question button[type=submit]')]);
  };
  await page.goto(base + riasec);
  for (let n = 1; n <= 5; n++) await answer(n);
  await page.goto(`${base}/parcours`);
  await page.goto(base + riasec);
  check(page.url().endsWith('/q/6'), `bilan: the questionnaire resumes at question 6 (got ${page.url()})`);
  for (let n = 6; n <= 36; n++) await answer(n);
  check(page.url().endsWith('/resultats'), `bilan: the last answer leads to the results (got ${page.url()})`);
  check((await page.$('svg.hexagon')) !== null && (await page.$('table.data')) !== null, 'bilan: results show the hexagon and its data table');
  // Values: a ranking with select boxes.
  await page.goto(`${base}/parcours`);
  await page.goto(base + await activityHref('Ce qui compte'));
  const picks = ['helping', 'security', 'balance', 'income', 'learning'];
  for (let i = 0; i < 5; i++) await page.selectOption(`#rank${i + 1}`, picks[i]);
  await page.fill('#reason1', 'Aider les autres me rend fier');
  await Promise.all([page.waitForNavigation(), page.click('form.form button[type=submit]')]);
  check((await page.textContent('body')).includes('Aider les autres me rend fier'), 'bilan: the ranking and its reason are shown');
  // Experiences: a past job found by search, life experiences, skills confirmed.
  await page.goto(`${base}/parcours`);
  const experiences = await activityHref('Mes expériences');
  await page.goto(base + experiences);
  await page.fill('#q', 'boulangere');
  await Promise.all([page.waitForNavigation(), page.click('form[role=search] button')]);
  check((await page.$$('ul.hits li')).length > 0, 'experiences: a job search lists job titles');
  await Promise.all([page.waitForNavigation(), page.click('ul.hits li button')]);
  check((await page.textContent('ul.chosen')).includes('Boulanger'), 'experiences: the job is added to the list');
  await page.check('#life-parenting');
  await page.check('#life-languages');
  await Promise.all([page.waitForNavigation(), page.click('#life form button[type=submit]')]);
  check(await page.isChecked('#life-languages'), 'experiences: life experiences are saved');
  const skills = await page.$$('#skills input[type=checkbox]');
  check(skills.length >= 3, `experiences: skills are proposed from the job and the life experiences (got ${skills.length})`);
  for (const box of skills.slice(0, 3)) await box.check();
  await Promise.all([page.waitForNavigation(), page.click('#skills form button[type=submit]')]);
  check((await page.textContent('body')).includes('confirmé 3 compétence'), 'experiences: three skills confirmed');
  // The journal: answer a prompt and share it, write a private free page.
  await page.goto(`${base}/parcours/journal`);
  await Promise.all([page.waitForNavigation(), page.click('a[href^="/parcours/journal/nouveau?prompt="]')]);
  await page.fill('#body', 'Je veux un travail utile, près de chez moi.');
  await page.check('#shared');
  await Promise.all([page.waitForNavigation(), page.click('form.form button[type=submit]')]);
  await Promise.all([page.waitForNavigation(), page.click('a[href="/parcours/journal/nouveau"]')]);
  await page.fill('#body', 'Une page rien que pour moi.');
  await Promise.all([page.waitForNavigation(), page.click('form.form button[type=submit]')]);
  const journalText = await page.textContent('body');
  check(journalText.includes('près de chez moi') && journalText.includes('rien que pour moi'), 'journal: both pages are listed for the person');
  // Pistes: about 40 occupations with reasons; keep one, set one aside with a reason.
  await page.goto(`${base}/parcours/pistes`);
  const cards = await page.$$('ol.pistes > li');
  check(cards.length >= 20, `pistes: about 40 occupations are proposed (got ${cards.length})`);
  const firstId = await cards[0].getAttribute('id');
  await Promise.all([page.waitForNavigation(), page.click(`#${firstId} form:has(input[value=shortlist]) button`)]);
  check((await page.textContent(`#${firstId}`)).includes('Gardée'), 'pistes: the kept occupation is marked');
  const secondId = await page.$$eval('ol.pistes > li', (lis) => lis[1].id);
  await page.click(`#${secondId} details summary`);
  await page.fill(`#${secondId} details input[name=reason]`, 'Trop loin de mes envies');
  await Promise.all([page.waitForNavigation(), page.click(`#${secondId} details button`)]);
  check((await page.textContent('body')).includes('Trop loin de mes envies') && (await page.$(`ol.pistes > li#${secondId}`)) === null,
    'pistes: the occupation set aside leaves the list and shows its reason');
  // The project: chosen from the kept piste, one piece of evidence, validation asked.
  await Promise.all([page.waitForNavigation(), page.click(`#${firstId} form:has(input[value=occupation]) button`)]);
  check(page.url().includes('/parcours/projet'), `project: choosing a piste opens the project (got ${page.url()})`);
  await page.fill('#note-informational_interview', "J'ai rencontré une boulangère du quartier.");
  await Promise.all([page.waitForNavigation(), page.click('#evidence-informational_interview button')]);
  check((await page.textContent('#evidence-informational_interview')).includes('Noté par'), 'project: the evidence shows who noted it');
  await Promise.all([page.waitForNavigation(), page.click('form:has(input[value=validating]) button')]);
  check((await page.textContent('body')).includes('En cours de validation'), 'project: validation is asked');
  // The action plan: an objective and a dated action, on the phone without JavaScript.
  await page.goto(`${base}/parcours/plan`);
  await page.fill('#objective-title', 'Rencontrer deux boulangers');
  await Promise.all([page.waitForNavigation(), page.click('form:has(#objective-title) button')]);
  await page.fill('input[id^=action-title-]', 'Appeler la boulangerie Martin');
  await page.fill('input[id^=due-]', '2026-12-15');
  await Promise.all([page.waitForNavigation(), page.click('form:has(input[id^=action-title-]) button')]);
  check((await page.textContent('body')).includes('Appeler la boulangerie Martin'), 'plan: the action is listed under its objective');
  console.log('  ok  journey: bilan on a 360 px phone without JavaScript');
  await context.close();

  // Accessibility of every kind of bilan page, for the person and the coach.
  const checked = await newContext(browser, { bypassCSP: true });
  const me = await checked.newPage();
  await login(me, base, 'beneficiaire@demo.parcours.test');
  await visit(me, base, '/parcours', 'bilan beneficiary', shots);
  const results = await me.$$eval('a[href$="/resultats"]', (as) => as.map((a) => a.getAttribute('href')));
  for (const href of results) await visit(me, base, href, 'bilan beneficiary', shots);
  await me.goto(`${base}/parcours`);
  const open = await me.$$eval('li.activity-todo a.action-link, li.activity-in-progress a.action-link', (as) => as.map((a) => a.getAttribute('href')));
  check(open.length >= 2, `bilan: activities still to do are listed (got ${open.length})`);
  for (const href of open) await visit(me, base, href, 'bilan beneficiary', shots);
  // An answer error shown next to the question, checked by axe too.
  await me.goto(base + open[0]);
  await Promise.all([me.waitForNavigation(), me.click('form.question button[type=submit]')]);
  check((await me.$('#question-error')) !== null, 'bilan: an empty answer is refused next to the question');
  await axeCheck(me, 'bilan question with its error');
  // The experiences page with search hits; then it is finished on the phone.
  await visit(me, base, `${experiences}?q=boulangere`, 'bilan beneficiary', shots);
  // With JavaScript and our real CSP, htmx lists job titles as the person types.
  const strict = await newContext(browser);
  const live = await strict.newPage();
  const consoleErrors = [];
  live.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(m.text()); });
  await login(live, base, 'beneficiaire@demo.parcours.test');
  await live.goto(base + experiences);
  const before = live.url();
  await live.type('#q', 'aide soi', { delay: 30 });
  const listed = await live.waitForSelector('#hits ul.hits li', { timeout: 5000 }).then(() => true, () => false);
  check(listed && live.url() === before, 'experiences: job titles appear while typing (htmx), same page');
  check(consoleErrors.length === 0, `no console error with htmx under the CSP (got ${consoleErrors.join(' | ')})`);
  await strict.close();
  await me.setViewportSize({ width: 360, height: 740 });
  await me.goto(base + experiences);
  await Promise.all([me.waitForNavigation(), me.click('form:has(input[value=finish]) button')]);
  check(me.url().endsWith('/resultats') && (await me.textContent('body')).includes('Boulanger'), `experiences: finishing shows the results (got ${me.url()})`);
  await visit(me, base, new URL(me.url()).pathname, 'bilan beneficiary', shots);
  await visit(me, base, '/parcours/pistes', 'bilan beneficiary', shots);
  await visit(me, base, '/parcours/projet', 'bilan beneficiary', shots);
  await visit(me, base, '/parcours/plan', 'bilan beneficiary', shots);
  await visit(me, base, '/parcours/journal', 'bilan beneficiary', shots);
  await visit(me, base, '/parcours/journal/nouveau', 'bilan beneficiary', shots);
  await me.goto(`${base}/parcours/journal`);
  const entry = await me.$eval('article a.action-link', (a) => a.getAttribute('href'));
  await visit(me, base, entry, 'bilan beneficiary', shots);
  // An empty journal page is refused with its message, checked by axe too.
  await me.goto(`${base}/parcours/journal/nouveau`);
  await Promise.all([me.waitForNavigation(), me.click('form.form button[type=submit]')]);
  check((await me.$('.error-summary')) !== null, 'journal: an empty page is refused with a message');
  await axeCheck(me, 'journal page with its error');
  await checked.close();
  const coachContext = await newContext(browser, { bypassCSP: true });
  const coach = await coachContext.newPage();
  await login(coach, base, 'coach@demo.parcours.test');
  const journeyPath = `${personHref}/parcours`;
  await visit(coach, base, journeyPath, 'bilan coach', shots);
  const coachResults = await coach.$$eval('a[href$="/resultats"]', (as) => as.map((a) => a.getAttribute('href')));
  check(coachResults.length === 4, `bilan: the coach sees 4 finished activities (got ${coachResults.length})`);
  for (const href of coachResults) await visit(coach, base, href, 'bilan coach', shots);
  await visit(coach, base, `${personHref}/journal`, 'bilan coach', shots);
  const shared = await coach.textContent('body');
  check(shared.includes('près de chez moi') && !shared.includes('rien que pour moi'), 'journal: the coach sees the shared page only');
  await visit(coach, base, `${personHref}/pistes`, 'bilan coach', shots);
  check((await coach.textContent('body')).includes('Trop loin de mes envies'), 'pistes: the coach sees what the person set aside');
  await visit(coach, base, `${personHref}/projet`, 'bilan coach', shots);
  check((await coach.$('form:has(input[value=validated]) textarea')) !== null, 'project: the coach can validate with a comment');
  // The coach records the remaining evidence on a phone and validates with a comment.
  await coach.setViewportSize({ width: 360, height: 740 });
  for (const item of ['immersion', 'training_path', 'job_prospects', 'constraints_compatible']) {
    await coach.goto(`${base}${personHref}/projet`);
    await coach.fill(`#note-${item}`, 'Vérifié avec la personne');
    await Promise.all([coach.waitForNavigation(), coach.click(`#evidence-${item} button`)]);
  }
  await coach.fill('#comment-validated', 'Projet cohérent, financement trouvé');
  await Promise.all([coach.waitForNavigation(), coach.click('form:has(input[value=validated]) button')]);
  const validated = await coach.textContent('body');
  check(validated.includes('Validé') && validated.includes('Projet cohérent, financement trouvé'),
    'project: the coach validates the project once every piece of evidence is in');
  await coach.goto(base + riasec + '/resultats');
  check((await coach.textContent('body')).includes('qualité des réponses'), 'bilan: the coach sees the quality section');
  await coachContext.close();
}

// Paris wall-clock date and time `minutes` from now, rounded up to 5 minutes.
function parisSoon(minutes) {
  const at = new Date(Math.ceil((Date.now() + minutes * 60000) / 300000) * 300000);
  const parts = Object.fromEntries(new Intl.DateTimeFormat('en-GB', {
    timeZone: 'Europe/Paris', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23',
  }).formatToParts(at).map((p) => [p.type, p.value]));
  return { date: `${parts.year}-${parts.month}-${parts.day}`, time: `${parts.hour}:${parts.minute}` };
}

async function outboxHas(work, text, seconds = 20) {
  const dir = join(work, 'outbox');
  for (let i = 0; i < seconds * 4; i++) {
    if (existsSync(dir)) {
      for (const f of readdirSync(dir)) {
        const raw = readFileSync(join(dir, f), 'utf8').replace(/=\r?\n/g, '');
        if (raw.includes(text)) return raw;
      }
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return null;
}

// Sessions and the synthesis, end to end: the coach publishes slots and invites, the
// person books from the link on a phone without signing in, the reminder lands in the
// outbox; the session to come offers no attendance form; the coach records a phone call
// of yesterday after the fact, with notes, and issues the synthesis; the person downloads
// a PDF whose text holds the required parts.
async function sessionsJourney(browser, base, work, shots) {
  const meContext = await newContext(browser, { bypassCSP: true });
  const me = await meContext.newPage();
  await login(me, base, 'beneficiaire@demo.parcours.test');
  const personHref = await me.getAttribute('a[href^="/beneficiaries/"]', 'href');
  const coachContext = await newContext(browser, { bypassCSP: true });
  const coach = await coachContext.newPage();
  await login(coach, base, 'coach@demo.parcours.test');
  const { date, time } = parisSoon(20);
  await coach.goto(`${base}/agenda`);
  await coach.fill('#slot-date', date);
  await coach.fill('#slot-time', time);
  await coach.fill('#slot-minutes', '45');
  await coach.check('#mode-video');
  await coach.fill('#slot-place', 'https://visio.example.org/parcours-abc');
  await coach.fill('#slot-count', '2');
  await Promise.all([coach.waitForNavigation(), coach.click('form.form button[type=submit]')]);
  check((await coach.$$('ul.activity-list li')).length >= 2, `agenda: two slots published (${coach.url()})`);
  await visit(coach, base, '/agenda', 'sessions coach', shots);
  // Every note of the file, fifty a page (the file itself shows the latest ten).
  await visit(coach, base, `${personHref}/notes`, 'notes coach', shots);
  await visit(me, base, `${personHref}/notes`, 'notes beneficiary', shots);
  await coach.goto(`${base}${personHref}/rendez-vous`);
  await Promise.all([coach.waitForNavigation(), coach.click('form[action$="/rendez-vous/invitation"] button')]);
  const link = await coach.$eval('#invitation-link', (a) => a.getAttribute('href')).catch(() => null);
  check(link !== null && link.includes('/rendez-vous/'), 'sessions: the coach gets an invitation link');
  check((await outboxHas(work, '/rendez-vous/')) !== null, 'sessions: the invitation email lands in the outbox');

  // The person opens the link on a phone, not signed in, and picks the first slot.
  const phoneContext = await newContext(browser, { bypassCSP: true, viewport: { width: 360, height: 740 } });
  const phone = await phoneContext.newPage();
  const path = new URL(link).pathname;
  await visit(phone, base, path, 'sessions invitation', shots);
  await phone.goto(base + path);
  // The first of the coach's new slots (the demo agenda offers others too).
  await phone.check('.point:has-text("parcours-abc") input[name=slot]');
  await Promise.all([phone.waitForNavigation(), phone.click('form.form button[type=submit]')]);
  const booked = await phone.textContent('body');
  check(booked.includes('réservé') && booked.includes('Ajouter à mon agenda'), 'sessions: the person books from the link');
  await axeCheck(phone, 'invitation page after booking');
  const ics = await phone.$eval('a[href$="agenda.ics"]', (a) => a.getAttribute('href'));
  const calendar = await (await phone.request.get(base + ics)).text();
  check(calendar.includes('BEGIN:VEVENT') && calendar.includes('visio.example.org'), 'sessions: the .ics file describes the session');
  await phoneContext.close();
  const confirmation = await outboxHas(work, 'Votre rendez-vous est confirm');
  check(confirmation !== null && confirmation.includes('BEGIN:VCALENDAR'), 'sessions: the confirmation email carries the .ics');
  check((await outboxHas(work, 'Petit rappel')) !== null, 'sessions: the reminder email lands in the outbox');

  // The session just booked has not started: the coach may cancel it, not say it took place.
  await coach.goto(`${base}${personHref}/rendez-vous`);
  const upcoming = coach.locator('section.card', { hasText: 'parcours-abc' }).first();
  const upcomingText = (await upcoming.textContent().catch(() => '')) ?? '';
  check(await upcoming.locator('input[value=held], input[value=missed]').count() === 0
    && upcomingText.includes('une fois le rendez-vous commencé')
    && await upcoming.locator('input[name=status][value=cancelled]').count() > 0,
  'sessions: a session to come offers no held form, only cancelling');

  // A phone call yesterday, recorded after the fact with notes.
  await coach.fill('#past-date', parisSoon(-24 * 60).date);
  await coach.fill('#past-time', '10:00');
  await coach.fill('#past-minutes', '45');
  await coach.check('#past-mode-phone');
  await coach.fill('#past-notes', 'Premier entretien : envies de métiers de bouche.');
  await Promise.all([coach.waitForNavigation(), coach.click('#past-session button[type=submit]')]);
  const past = coach.locator('section.card', { hasText: '45 min · Par téléphone' }).first();
  const pastBadge = (await past.locator('.badge').textContent().catch(() => '')) ?? '';
  const pastNotes = await past.locator('textarea').inputValue().catch(() => '');
  check(coach.url().includes('saved=1') && pastBadge.includes('A eu lieu') && pastNotes.includes('envies de métiers de bouche'),
    `sessions: the coach records a past session, held, with notes (${coach.url()})`);
  await visit(coach, base, `${personHref}/rendez-vous`, 'sessions coach', shots);

  // The coach issues the synthesis; the person downloads it.
  await coach.goto(`${base}${personHref}/synthese`);
  await Promise.all([coach.waitForNavigation(), coach.click(`form[action="${personHref}/synthese"] button`)]);
  check((await coach.textContent('body')).includes('Établi le'), 'synthesis: the coach issues it');
  await coachContext.close();
  await visit(me, base, '/parcours/synthese', 'synthesis beneficiary', shots);
  await visit(me, base, '/parcours/rendez-vous', 'sessions beneficiary', shots);
  const own = await me.textContent('body');
  const ownPast = (await me.locator('section.card', { hasText: '45 min · Par téléphone' }).first().textContent().catch(() => '')) ?? '';
  check(ownPast.includes('A eu lieu') && !own.includes('métiers de bouche'), 'sessions: the person sees the session, not the notes');
  await me.goto(`${base}/parcours/synthese`);
  const href = await me.$eval('a[href$="/synthese/document"]', (a) => a.getAttribute('href'));
  const response = await me.request.get(base + href);
  check(response.headers()['content-type'] === 'application/pdf', 'synthesis: the person downloads a PDF');
  const file = join(work, 'synthese.pdf');
  writeFileSync(file, await response.body());
  const text = execFileSync('pdftotext', ['-layout', '-enc', 'UTF-8', file, '-'], { encoding: 'utf8' });
  for (const part of ['Circonstances du bilan', 'Camille Martin', 'Durée du bilan', 'Compétences et aptitudes', 'Résultats qui comptent',
    'Projet professionnel', 'Étapes du projet', 'Suivi prévu']) {
    check(text.includes(part), `synthesis PDF holds «${part}»`);
  }
  await meContext.close();
}

// The coach's workspace: a shared note, a message thread with its notice email, and
// the person giving their synthesis (issued in the sessions journey) to a recipient.
async function workspaceJourney(browser, base, work, shots) {
  const coachContext = await newContext(browser, { bypassCSP: true });
  const coach = await coachContext.newPage();
  await login(coach, base, 'coach@demo.parcours.test');
  const meContext = await newContext(browser, { bypassCSP: true, viewport: { width: 360, height: 740 } });
  const me = await meContext.newPage();
  await login(me, base, 'beneficiaire@demo.parcours.test');
  const personHref = await me.getAttribute('a[href^="/beneficiaries/"]', 'href');

  await coach.goto(`${base}${personHref}`);
  await coach.fill('#note-body', 'Très bonne enquête métier, continuez ainsi.');
  await coach.check('#note-shared');
  await Promise.all([coach.waitForNavigation(), coach.click('form[action$="/notes"] button')]);
  const file = await coach.textContent('body');
  check(file.includes('Très bonne enquête métier') && file.includes('partagée'), 'workspace: the coach writes a shared note');
  check(file.includes('Chronologie') && file.includes('Note écrite'), 'workspace: the timeline shows the note');
  await visit(coach, base, personHref, 'workspace coach file', shots);

  await coach.goto(`${base}${personHref}/messages`);
  await coach.fill('#subject', 'Votre CV');
  await coach.fill('#body', 'Pouvez-vous m’envoyer votre CV avant jeudi ?');
  await Promise.all([coach.waitForNavigation(), coach.click('form.form button[type=submit]')]);
  const thread = new URL(coach.url()).pathname;
  check(thread.startsWith('/messages/'), `workspace: the coach starts a thread (${thread})`);
  const notice = await outboxHas(work, thread);
  check(notice !== null && !notice.includes('CV avant jeudi'), 'workspace: the person is told a message waits, without its content');

  await visit(me, base, '/parcours/messages', 'workspace messages', shots);
  check((await me.textContent('body')).includes('1 non lu(s)'), 'workspace: the person sees an unread message');
  await me.goto(base + thread);
  await me.fill('#body', 'Oui, je vous l’envoie demain.');
  await Promise.all([me.waitForNavigation(), me.click('form.form button[type=submit]')]);
  check((await me.textContent('body')).includes('je vous l’envoie demain'), 'workspace: the person replies');
  await visit(me, base, thread, 'workspace thread', shots);
  await coach.goto(base + thread);
  check((await coach.textContent('body')).includes('Lu'), 'workspace: the coach sees the message was read');
  await coachContext.close();

  const own = await (await me.goto(`${base}${personHref}`)).text();
  check(own.includes('Très bonne enquête métier'), 'workspace: the person reads the shared note on their file');

  await me.goto(`${base}/parcours/synthese`);
  await me.fill('#recipient_name', 'Boulangerie Dupont');
  await me.fill('#recipient_email', 'recrutement@boulangerie.example');
  await me.check('#consent');
  await Promise.all([me.waitForNavigation(), me.click('form[action$="/synthese/partages"] button')]);
  check((await me.textContent('body')).includes('Boulangerie Dupont'), 'workspace: the person gives the synthesis to a recipient');
  await visit(me, base, '/parcours/synthese', 'workspace synthesis', shots);
  const mail = await outboxHas(work, 'recrutement@boulangerie.example');
  const match = mail && mail.match(/\/documents\/partage\/[0-9a-f]{64}/);
  check(match !== null, 'workspace: the recipient gets a link by email');
  if (match) {
    const response = await me.request.get(base + match[0]);
    check(response.headers()['content-type'] === 'application/pdf', 'workspace: the link gives the PDF');
  }
  await meContext.close();
}

// Referrals: a CSV with two bad rows and a duplicate, fixed in the browser, then the
// manager accepts candidates into a cohort.
async function referralJourney(browser, base, work, shots) {
  const refContext = await newContext(browser, { bypassCSP: true, viewport: { width: 360, height: 740 } });
  const ref = await refContext.newPage();
  await login(ref, base, 'referrer@demo.parcours.test');
  await ref.goto(`${base}/orientations`);
  // A workbook that once took the server down (a cell at XFD1048576): refused, with
  // a message that names the sheet and the cell, on an accessible page.
  await ref.setInputFiles('#file', join(here, '../../fuzz/seeds/import_files/far-cell.xlsx'));
  await ref.check('#import-consent');
  await Promise.all([ref.waitForNavigation(), ref.click('form[action="/orientations/import"] button')]);
  const refused = await ref.textContent('body');
  check(refused.includes('XFD1048576'), 'referrals: a workbook past the limits is refused naming its cell');
  await axeCheck(ref, 'referrals hostile workbook refused');
  await phoneCheck(ref, 'referrals hostile workbook refused');
  await shoot(ref, shots, 'referrals hostile workbook refused', 360);
  await ref.goto(`${base}/orientations`);
  const csv = 'prenom;nom;date_naissance;email;telephone;commune;publics;email_conseiller\n'
    + 'Gaël;Lévy;08/02/1994;gael@example.org;;76540;youth;lea.morel@francetravail.example\n'
    + 'Sarah;Benali;1987-13-01;sarah@example.org;;;;\n'
    + '=HYPERLINK("http://x");Martin;1990-01-01;;0612345678;;;\n'
    + 'Gael;LEVY;1994-02-08;GAEL@example.org;;;;\n'
    + 'Jo;Durand;1970-06-30;;07 00 00 00 01;;social_minima;\n';
  await ref.setInputFiles('#file', { name: 'orientations.csv', mimeType: 'text/csv', buffer: Buffer.from(csv, 'utf8') });
  await ref.check('#import-consent');
  await Promise.all([ref.waitForNavigation(), ref.click('form[action="/orientations/import"] button')]);
  const check1 = await ref.textContent('body');
  check(check1.includes('2 ligne(s) prête(s)') && check1.includes('3 ligne(s) à corriger'), 'referrals: the file is checked row by row');
  const importPath = new URL(ref.url()).pathname;
  await visit(ref, base, importPath, 'referrals import', shots);
  await ref.goto(base + importPath);
  await ref.fill('#l3_birth_date', '1987-12-01');
  await ref.fill('#l4_first_name', 'Paul');
  await ref.check('#l5_skip');
  await Promise.all([ref.waitForNavigation(), ref.click('form.form-wide button[type=submit]')]);
  check((await ref.textContent('body')).includes('4 ligne(s) prête(s)'), 'referrals: the referrer fixes the rows in the browser');
  await Promise.all([ref.waitForNavigation(), ref.click('form[action$="/valider"] button')]);
  check((await ref.textContent('body')).includes('4 orientation(s) importée(s)'), 'referrals: four referrals imported, the duplicate left out');
  await visit(ref, base, '/orientations', 'referrals referrer', shots);

  const manContext = await newContext(browser, { bypassCSP: true });
  const man = await manContext.newPage();
  await login(man, base, 'manager@demo.parcours.test');
  await man.goto(`${base}/orientations`);
  await man.fill('#cohort-name', 'Printemps 2027');
  await man.fill('#cohort-starts', '2027-03-01');
  await man.fill('#cohort-capacity', '12');
  await Promise.all([man.waitForNavigation(), man.click('form[action="/cohortes"] button')]);
  check((await man.textContent('section[aria-labelledby=cohorts]')).includes('Printemps 2027'), 'referrals: the manager opens a cohort');
  for (const name of ['Lévy', 'Benali']) {
    const card = man.locator('article.card', { hasText: name });
    await card.locator('select[name=cohort]').selectOption({ label: 'Printemps 2027 (2027-03-01)' });
    await Promise.all([man.waitForNavigation(), card.locator('form:has(input[value=accept]) button').click()]);
  }
  const accepted = await man.locator('article.card', { hasText: 'Benali' }).textContent();
  check(accepted.includes('acceptée') && accepted.includes('Ouvrir le dossier'), 'referrals: the manager accepts candidates into the cohort');
  await visit(man, base, '/orientations', 'referrals manager', shots);
  // The manager opens the accepted candidate's own space from their file.
  await Promise.all([man.waitForNavigation(), man.locator('article.card', { hasText: 'Lévy' }).locator('a', { hasText: 'Ouvrir le dossier' }).click()]);
  const file = new URL(man.url()).pathname;
  await Promise.all([man.waitForNavigation(), man.click(`form[action="${file}/espace"] button`)]);
  check((await man.textContent('#space')) !== null && (await man.textContent('body')).includes('La personne a son espace'), 'referrals: the manager opens the candidate\'s space');
  await manContext.close();
  await ref.goto(`${base}/orientations`);
  check((await ref.textContent('body')).includes('acceptée'), 'referrals: the referrer sees the answer');
  await refContext.close();

  // The advisor named in the file, without an account, follows from the emailed link.
  const advisorMail = await outboxHas(work, 'To: lea.morel@francetravail.example');
  const advisorLink = advisorMail && advisorMail.match(/\/orientations\/suivi\/[0-9a-f]{64}/);
  check(advisorLink !== null, 'referrals: the advisor without an account gets a link');
  if (advisorLink) {
    const advContext = await newContext(browser, { bypassCSP: true, viewport: { width: 360, height: 740 } });
    const adv = await advContext.newPage();
    await visit(adv, base, advisorLink[0], 'referrals advisor link', shots);
    await adv.goto(base + advisorLink[0]);
    const seen = await adv.textContent('body');
    check(seen.includes('Gaël Lévy') && seen.includes('acceptée') && !seen.includes('Benali'), 'referrals: the advisor sees their referral and its answer, no other');
    await visit(adv, base, '/orientations/suivi', 'referrals advisor new link', shots);
    await advContext.close();
  }
}

// The imported candidate, accepted and invited, requests the demo immersion; the employer
// accepts from the emailed link, without an account, and both leave feedback.
async function opportunityJourney(browser, base, work, shots) {
  const meContext = await newContext(browser, { bypassCSP: true, viewport: { width: 360, height: 740 } });
  const me = await meContext.newPage();
  // The candidate imported by the referrer enters from the link of their invitation.
  const invitation = await outboxHas(work, 'To: gael@example.org');
  const signIn = invitation && invitation.match(/\/connexion\/[0-9a-f]{64}/);
  check(signIn !== null, 'opportunities: the accepted candidate gets a sign-in link');
  if (!signIn) { await meContext.close(); return; }
  await me.goto(base + signIn[0]);
  await Promise.all([me.waitForNavigation(), me.click('form button[type=submit]')]);
  check(new URL(me.url()).pathname === '/home', 'opportunities: the candidate enters without a password');
  await visit(me, base, '/parcours/opportunites', 'opportunities beneficiary', shots);
  await me.goto(`${base}/parcours/opportunites`);
  const card = me.locator('article.card', { hasText: 'Deux semaines au fournil' });
  await card.locator('textarea').fill('J’aimerais découvrir le fournil.');
  await Promise.all([me.waitForNavigation(), card.locator('button[type=submit]').click()]);
  check((await me.textContent('body')).includes('en attente de réponse'), 'opportunities: the candidate requests the immersion');
  const raw = await outboxHas(work, '/demandes/');
  const match = raw && raw.match(/\/demandes\/[0-9a-f]{64}/);
  check(match !== null, 'opportunities: the employer gets a link by email');
  if (match) {
    const empContext = await newContext(browser, { bypassCSP: true });
    const emp = await empContext.newPage();
    await visit(emp, base, match[0], 'opportunities employer link', shots);
    await emp.goto(base + match[0]);
    await Promise.all([emp.waitForNavigation(), emp.click('form:has(input[value=accept]) button')]);
    check((await emp.textContent('body')).includes('acceptée'), 'opportunities: the employer accepts from the link');
    await emp.check('#rating-employer-4');
    await Promise.all([emp.waitForNavigation(), emp.click('form[action$="/avis"] button')]);
    check((await emp.textContent('body')).includes('Merci pour votre avis'), 'opportunities: the employer leaves feedback');
    await empContext.close();
    await me.goto(`${base}/parcours/opportunites`);
    const mine = me.locator('article.card', { hasText: 'acceptée' });
    await mine.locator('input[value="3"]').check();
    await Promise.all([me.waitForNavigation(), mine.locator('button[type=submit]').click()]);
    check((await me.textContent('body')).includes('Merci pour votre avis'), 'opportunities: the candidate leaves feedback');
  }
  await meContext.close();
}

// Outcomes: the coach records Camille's exit on a phone; the exit survey reaches her by
// email and she answers without signing in; the funder reads the programme's results.
async function outcomesJourney(browser, base, work, shots) {
  const meContext = await newContext(browser, { bypassCSP: true });
  const me = await meContext.newPage();
  await login(me, base, 'beneficiaire@demo.parcours.test');
  const personHref = await me.getAttribute('a[href^="/beneficiaries/"]', 'href');
  await meContext.close();
  const coachContext = await newContext(browser, { bypassCSP: true, viewport: { width: 360, height: 740 } });
  const coach = await coachContext.newPage();
  await login(coach, base, 'coach@demo.parcours.test');
  await visit(coach, base, `${personHref}/suivi`, 'outcomes coach', shots);
  await coach.goto(`${base}${personHref}/suivi`);
  await coach.selectOption('#point', 'exit');
  await coach.check('#status-finished');
  await coach.selectOption('#situation', 'employment');
  await coach.selectOption('#contract_type', 'cdd');
  await Promise.all([coach.waitForNavigation(), coach.click('form[action$="/suivi"] button[type=submit]')]);
  check((await coach.textContent('body')).includes('fin prévue'), 'outcomes: a CDD without its end is refused next to the field');
  await coach.fill('#starts_on', '2027-01-04');
  await coach.fill('#planned_end', '2027-07-02');
  await Promise.all([coach.waitForNavigation(), coach.click('form[action$="/suivi"] button[type=submit]')]);
  check((await coach.textContent('body')).includes('6 mois'), 'outcomes: the coach records the exit, its contract measured');
  await coachContext.close();

  const mail = await outboxHas(work, '/questionnaire-suivi/');
  const link = mail && mail.match(/\/questionnaire-suivi\/[0-9a-f]{64}/);
  check(link !== null, 'outcomes: the exit survey is emailed');
  if (link) {
    const anonContext = await newContext(browser, { bypassCSP: true, viewport: { width: 360, height: 740 } });
    const anon = await anonContext.newPage();
    await visit(anon, base, link[0], 'outcomes survey', shots);
    await anon.goto(base + link[0]);
    await anon.check('#situation-employment');
    await anon.selectOption('#contract_type', 'cdd');
    await anon.fill('#starts_on', '2027-01-04');
    await anon.fill('#planned_end', '2027-07-02');
    const agree = anon.locator('input[value="4"]').first();
    await agree.check();
    await Promise.all([anon.waitForNavigation(), anon.click('form button[type=submit]')]);
    check((await anon.textContent('body')).includes('Merci'), 'outcomes: the person answers the survey without an account');
    await anonContext.close();
  }

  const funderContext = await newContext(browser, { bypassCSP: true });
  const funder = await funderContext.newPage();
  await login(funder, base, 'funder@demo.parcours.test');
  const results = await funder.getAttribute('a[href$="/resultats"]', 'href');
  await visit(funder, base, results, 'outcomes funder results', shots);
  await funder.goto(base + results);
  const text = await funder.textContent('body');
  check(text.includes('Participants') && text.includes('Définitions') && !text.includes('Camille'), 'outcomes: the funder reads figures, never a person');
  for (const [ext, type, magic] of [['pdf', 'application/pdf', '%PDF-'], ['xlsx', 'spreadsheetml', 'PK'], ['csv', 'text/csv', '\ufeffgroup']]) {
    const href = await funder.getAttribute(`a[href$="/resultats.${ext}"]`, 'href');
    const answer = href && await funder.request.get(base + href);
    const body = answer ? (await answer.body()).toString('utf8', 0, 8) : '';
    check(answer && answer.ok() && answer.headers()['content-type'].includes(type) && body.startsWith(magic), `outcomes: the funder downloads the results as ${ext}`);
  }
  await funderContext.close();
}

// Personal data never reaches the logs: after the start-up banner (which lists the
// demo's fictional sign-ins on purpose), no email address and none of the names and
// phone numbers the kit typed may appear in what the server wrote.
function scanLogs(output) {
  const served = output.split('(Ctrl-C to stop)').slice(1).join('');
  const emails = served.match(/[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g) || [];
  check(emails.length === 0, `logs: email addresses written by the server: ${[...new Set(emails)].join(', ')}`);
  for (const typed of ['Lévy', 'Benali', 'Durand', 'Camille Martin', '07 00 00 00 01', '08/02/1994']) {
    check(!served.includes(typed), `logs: "${typed}" written by the server`);
  }
  check(served.includes('request'), 'logs: the requests were logged');
  console.log(`log scan: ${served.split('\n').length} lines of server output, ${emails.length} addresses`);
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  if (args.screenshots) mkdirSync(args.screenshots, { recursive: true });
  const server = await startServer(args.bin);
  console.log(`parcours e2e: ${args.bin} on ${server.base}`);
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
  try {
    console.log('anonymous pages');
    const context = await newContext(browser, { bypassCSP: true });
    const page = await context.newPage();
    for (const path of ANONYMOUS_PAGES) await visit(page, server.base, path, 'anonymous', args.screenshots);
    await context.close();
    for (const [role, email] of ROLES) {
      console.log(`${role} (${email})`);
      await walkRole(browser, server.base, role, email, args.screenshots);
    }
    console.log('journeys');
    await journeys(browser, server.base);
    await bilanJourney(browser, server.base, args.screenshots);
    console.log('sessions and synthesis');
    await sessionsJourney(browser, server.base, server.work, args.screenshots);
    console.log('coach workspace');
    await workspaceJourney(browser, server.base, server.work, args.screenshots);
    console.log('referrals');
    await referralJourney(browser, server.base, server.work, args.screenshots);
    console.log('employers');
    await opportunityJourney(browser, server.base, server.work, args.screenshots);
    console.log('outcomes');
    await outcomesJourney(browser, server.base, server.work, args.screenshots);
    console.log('fresh install (--no-demo)'); await (await import('./fresh_install.mjs')).freshInstall({ browser, bin: args.bin, shots: args.screenshots, kit: { visit, check, newContext, freePort, login } });
  } finally {
    await browser.close();
    server.child.kill();
    rmSync(server.work, { recursive: true, force: true });
  }
  scanLogs(server.log());
  if (failures.length) {
    console.log(`\n${failures.length} problem(s):`);
    for (const f of failures) console.log(`  - ${f}`);
  }
  const failed = failures.length;
  console.log(`\ne2e: ${checks - Math.min(checks, failed)} passed, ${failed} failed`);
  process.exit(failed ? 1 : 0);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
