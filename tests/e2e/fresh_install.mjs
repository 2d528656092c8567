// Issue 25, "Done when": from an empty database to a running programme, in the browser.
//
// Starts `parcours --no-demo` on a fresh data directory, checks that it says how to
// create the first administrator, runs `parcours create-admin`, then in Chromium (every
// page through the kit's `visit`: axe at 1280 px, no horizontal scroll and 44 px touch
// targets at 360 px, screenshots) the administrator completes the set-up checklist:
// the organisation, a manager and two coaches invited (each opens the link in their
// email from the outbox, chooses a password and signs in), a France Travail agency and
// its user, a Region and its user, a programme with rules and a cohort. Then the
// referrer refers a person, the manager accepts them into the cohort and gives them a
// coach, the coach finds them in the caseload and the funder sees the programme.
//
// Called from run.mjs's main flow with the kit's helpers (one line there).

import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const REPO_REF = resolve(here, '../../../shared/ref');
const FIXTURE_REF = resolve(here, '../../crates/catalog/tests/fixtures/ref');
const ADMIN = 'anne.martin@tremplin.example';
const PASSWORD = 'un mot de passe solide';
const PROGRAMME = 'Cap Avenir 2027';

async function startFresh(bin, freePort) {
  const port = await freePort();
  const work = mkdtempSync(join(tmpdir(), 'parcours-fresh-'));
  const env = {
    ...process.env,
    PARCOURS_DATABASE_URL: `sqlite://${join(work, 'fresh.db')}?mode=rwc`,
    PARCOURS_OUTBOX_DIR: join(work, 'outbox'),
    PARCOURS_WORKER_POLL_MS: '500',
    PARCOURS_LOG: 'info',
    PARCOURS_REF_DIR: process.env.PARCOURS_REF_DIR || (existsSync(join(REPO_REF, 'rome4')) ? REPO_REF : FIXTURE_REF),
  };
  const child = spawn(bin, ['--no-demo', '--bind', `127.0.0.1:${port}`], { cwd: work, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 300; i++) {
    if (child.exitCode !== null) throw new Error(`parcours --no-demo exited early:\n${output}`);
    try {
      const r = await fetch(`${base}/healthz`);
      if (r.ok) return { base, child, work, env, log: () => output };
    } catch { /* not listening yet */ }
    await new Promise((r) => setTimeout(r, 200));
  }
  child.kill();
  throw new Error(`parcours --no-demo did not answer /healthz within 60 s:\n${output}`);
}

// The invitation link emailed to `to`, once the in-process worker wrote it.
async function invitationLink(work, to, seconds = 20) {
  const dir = join(work, 'outbox');
  for (let i = 0; i < seconds * 4; i++) {
    if (existsSync(dir)) {
      for (const f of readdirSync(dir)) {
        const raw = readFileSync(join(dir, f), 'utf8').replace(/=\r?\n/g, '');
        const link = raw.includes(`To: ${to}`) && raw.match(/\/invitation\/[0-9a-f]{32,}/);
        if (link) return link[0];
      }
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return null;
}

const submit = (page, selector) => Promise.all([page.waitForNavigation(), page.click(selector)]);

export async function freshInstall({ browser, bin, shots, kit }) {
  const { visit, check, newContext, freePort, login } = kit;
  const server = await startFresh(bin, freePort);
  const { base, work } = server;
  const contexts = [];
  // A browser of one's own; `phone`: 360 px wide, `noJs`: JavaScript off.
  const open = async ({ phone = false, noJs = false } = {}) => {
    const context = await newContext(browser, {
      bypassCSP: true, javaScriptEnabled: !noJs, ...(phone ? { viewport: { width: 360, height: 740 } } : {}),
    });
    contexts.push(context);
    return context.newPage();
  };
  const body = (page) => page.textContent('body');
  const step = (ok, what) => {
    check(ok, `fresh install: ${what}`);
    console.log(`  ${ok ? 'ok ' : 'BAD'} fresh install: ${what}`);
  };
  try {
    // The first run says how to create the first administrator; nobody can sign in.
    await new Promise((r) => setTimeout(r, 300));
    step(server.log().includes('create-admin --email') && !server.log().includes('Demo logins'),
      'an empty --no-demo start says how to create the first administrator');
    const made = execFileSync(bin, ['create-admin', '--email', ADMIN, '--name', 'Anne Martin', '--organisation', 'Tremplin Rouen'],
      { cwd: work, env: { ...server.env, PARCOURS_ADMIN_PASSWORD: PASSWORD } }).toString();
    step(made.includes(`Administrator ${ADMIN} created`), 'parcours create-admin creates the operator and its administrator');

    // The administrator, on a desktop browser.
    const admin = await open();
    await login(admin, base, ADMIN, PASSWORD);
    step(new URL(admin.url()).pathname === '/home', 'the administrator signs in');
    await visit(admin, base, '/home', 'fresh admin', shots);
    step((await body(admin)).includes('0 étape(s) faite(s) sur 5'), 'the home shows the set-up checklist, nothing done');

    // Step 1: the organisation.
    await visit(admin, base, '/admin/organisation', 'fresh admin', shots);
    await admin.goto(`${base}/admin/organisation`);
    await admin.fill('#siret', '73282932000074');
    await admin.fill('#address', "12 rue Jeanne d'Arc\n76000 Rouen");
    await admin.fill('#contact_email', 'contact@tremplin.example');
    await admin.fill('#contact_phone', '02 35 00 00 00');
    await admin.fill('#dpo_contact', 'dpo@tremplin.example');
    await submit(admin, 'main form.form button[type=submit]');
    step((await admin.inputValue('#siret')) === '73282932000074', `the organisation is saved (${admin.url()})`);

    // Step 2: the staff, invited by email.
    const staff = [
      ['paul.leroy@tremplin.example', 'Paul', 'Leroy', 'manager'],
      ['nadia.roux@tremplin.example', 'Nadia', 'Roux', 'coach'],
      ['samir.haddad@tremplin.example', 'Samir', 'Haddad', 'coach'],
    ];
    await visit(admin, base, '/admin/equipe', 'fresh admin', shots);
    for (const [email, first, last, role] of staff) {
      await admin.goto(`${base}/admin/equipe`);
      await admin.fill('#email', email);
      await admin.fill('#first_name', first);
      await admin.fill('#last_name', last);
      await admin.selectOption('#role', role);
      await submit(admin, 'form[action="/admin/equipe"] button[type=submit]');
      step((await body(admin)).includes(`${first} ${last}`), `${first} ${last} (${role}) is invited`);
    }

    // Step 3: the partners, a France Travail agency and a Region.
    await visit(admin, base, '/partenaires', 'fresh admin', shots);
    for (const [name, kind] of [['France Travail Rouen Saint-Sever', 'referrer'], ['Région Normandie', 'funder']]) {
      await admin.goto(`${base}/partenaires`);
      await admin.fill('#name', name);
      await admin.selectOption('#kind', kind);
      await submit(admin, 'form[action="/partenaires"] button[type=submit]');
      step((await body(admin)).includes(name), `the ${kind} organisation ${name} is created`);
    }
    // Their users. Until /partenaires invites a partner's people itself (another change
    // under way), the page's session calls POST /api/v1/accounts, as an API client would.
    const orgs = await admin.evaluate(() => fetch('/api/v1/organisations').then((r) => r.json()));
    const orgId = (kind) => orgs.find((o) => o.kind === kind)?.id;
    const partnerUsers = [
      ['lea.morel@francetravail.example', 'Léa', 'Morel', 'referrer', orgId('referrer')],
      ['marc.dupont@normandie.example', 'Marc', 'Dupont', 'funder', orgId('funder')],
    ];
    for (const [email, first, last, role, org] of partnerUsers) {
      const status = await admin.evaluate(async (b) => {
        const csrf = document.querySelector('input[name=_csrf]').value;
        const r = await fetch('/api/v1/accounts', {
          method: 'POST', headers: { 'content-type': 'application/json', 'x-csrf-token': csrf }, body: JSON.stringify(b),
        });
        return r.status;
      }, { email, first_name: first, last_name: last, role, organisation_id: org });
      step(status === 201, `${first} ${last} (${role}) is invited to their organisation (${status})`);
    }

    // Each opens the link in their email, chooses a password and signs in: the manager
    // on a phone, a coach without JavaScript.
    const signedIn = {};
    const people = [...staff, ...partnerUsers];
    for (const [i, [email, first, , role]] of people.entries()) {
      const link = await invitationLink(work, email);
      step(link !== null, `${first}'s invitation is in the outbox`);
      if (!link) continue;
      // axe runs in the page: the checks get a browser with JavaScript, the form maybe not.
      const page = await open({ phone: i === 0, noJs: i === 2 });
      await visit(i === 2 ? await open() : page, base, link, `fresh invitation ${role}`, shots);
      await page.goto(base + link);
      const password = `${PASSWORD} de ${first}`;
      await page.fill('#password', password);
      await page.fill('#confirm', password);
      await submit(page, 'main form.form button[type=submit]');
      step(new URL(page.url()).pathname === '/home', `${first} chooses a password from the email and lands on their home`);
      await submit(page, 'form.inline-form button[type=submit]');
      await login(page, base, email, password);
      step(new URL(page.url()).pathname === '/home', `${first} signs in with the new password`);
      signedIn[email] = page;
    }
    const manager = signedIn['paul.leroy@tremplin.example'];
    const coach = signedIn['nadia.roux@tremplin.example'];
    const referrer = signedIn['lea.morel@francetravail.example'];
    const funder = signedIn['marc.dupont@normandie.example'];

    // Step 4: the programme, its rules and a cohort.
    await visit(admin, base, '/programmes', 'fresh admin', shots);
    await admin.goto(`${base}/programmes`);
    await admin.fill('#name', PROGRAMME);
    await admin.fill('#slug', 'cap-avenir-2027');
    await admin.fill('#starts_on', '2027-01-04');
    await admin.fill('#ends_on', '2027-12-17');
    await admin.selectOption('#funder_id', { label: 'Région Normandie' });
    await submit(admin, 'form[action="/programmes"] button[type=submit]');
    if (!/\/programmes\/[0-9a-f-]{36}\/modifier/.test(admin.url())) {
      await admin.goto(`${base}/programmes`);
      await submit(admin, `a:has-text("${PROGRAMME}")`);
    }
    const programmePath = new URL(admin.url()).pathname;
    step(/\/programmes\/[0-9a-f-]{36}\/modifier$/.test(programmePath), `the programme is created (${programmePath})`);
    await admin.fill('#departements', '76');
    await admin.check('#public-youth');
    await admin.fill('#min_age', '16');
    await admin.fill('#max_age', '30');
    for (const box of await admin.$$('input[name=coach_ids]')) await box.check();
    await admin.fill(`#quota-${orgId('referrer')}`, '40');
    await submit(admin, `form[action="${programmePath}"] button[type=submit]`);
    step((await admin.inputValue(`#quota-${orgId('referrer')}`)) === '40' && (await admin.inputValue('#departements')).includes('76'),
      'the programme\'s rules, coaches and the agency\'s quota are saved');
    await admin.goto(base + programmePath);
    await admin.fill('#cohort_name', 'Janvier 2027');
    await admin.fill('#cohort_starts_on', '2027-01-11');
    await submit(admin, 'form[action$="/cohortes"] button[type=submit]');
    step((await body(admin)).includes('Janvier 2027'), 'a cohort is opened');
    await visit(admin, base, programmePath, 'fresh admin', shots);
    await admin.goto(`${base}/home`);
    const home = await body(admin);
    step(!home.includes('étape(s) faite(s) sur 5') || home.includes('5 étape(s) faite(s) sur 5'),
      `the checklist is complete (${(home.match(/\d étape\(s\) faite\(s\) sur 5/) || ['gone'])[0]})`);
    await visit(admin, base, '/home', 'fresh admin done', shots);

    // The referrer refers a person.
    if (referrer) {
      await visit(referrer, base, '/orientations', 'fresh referrer', shots);
      await referrer.goto(`${base}/orientations`);
      await referrer.selectOption('#programme', { label: PROGRAMME });
      await referrer.fill('#first_name', 'Inès');
      await referrer.fill('#last_name', 'Benali');
      await referrer.fill('#birth_date', '17/05/2004');
      await referrer.fill('#email', 'ines.benali@example.org');
      await referrer.fill('#commune_code', '76540');
      await referrer.check('#public-youth');
      await referrer.check('#consent');
      await submit(referrer, 'form[action="/orientations"] button[type=submit]');
      step((await body(referrer)).includes('Benali'), 'the referrer refers Inès Benali');
    }

    // The manager accepts her into the cohort and gives her a coach.
    if (manager) {
      await manager.goto(`${base}/orientations`);
      const card = manager.locator('article.card', { hasText: 'Benali' });
      await card.locator('select[name=cohort]').selectOption({ label: 'Janvier 2027 (2027-01-11)' });
      await Promise.all([manager.waitForNavigation(), card.locator('form:has(input[value=accept]) button').click()]);
      const accepted = await manager.locator('article.card', { hasText: 'Benali' }).textContent();
      step(accepted.includes('acceptée'), 'the manager accepts her into the cohort');
      await visit(manager, base, '/orientations', 'fresh manager', shots);
      await manager.goto(`${base}/orientations`);
      await Promise.all([manager.waitForNavigation(),
        manager.locator('article.card', { hasText: 'Benali' }).locator('a', { hasText: 'Ouvrir le dossier' }).click()]);
      const file = new URL(manager.url()).pathname;
      await manager.selectOption('#transfer-coach', { label: 'Nadia Roux' });
      await submit(manager, `form[action="${file}/transfert"] button[type=submit]`);
      step((await body(manager)).includes('Nadia Roux'), 'the manager gives her file to Nadia Roux');
      await visit(manager, base, file, 'fresh manager', shots);
    }

    // The coach finds her in the caseload; the funder sees the programme.
    if (coach) {
      await visit(coach, base, '/home', 'fresh coach', shots);
      await coach.goto(`${base}/home`);
      step((await body(coach)).includes('Benali'), 'the coach sees Inès Benali in the caseload');
      const person = await coach.getAttribute('a[href^="/beneficiaries/"]', 'href');
      if (person) await visit(coach, base, person, 'fresh coach', shots);
    }
    if (funder) {
      await visit(funder, base, '/home', 'fresh funder', shots);
      await funder.goto(`${base}/home`);
      step((await body(funder)).includes(PROGRAMME), 'the funder sees the programme');
    }
  } finally {
    for (const c of contexts) await c.close();
    server.child.kill();
    rmSync(work, { recursive: true, force: true });
  }
  // Nothing personal in what the server wrote after it started.
  const served = server.log().split('(Ctrl-C to stop)').slice(1).join('');
  for (const typed of ['Benali', 'nadia.roux@', 'lea.morel@', '73282932000074']) {
    check(!served.includes(typed), `fresh install logs: "${typed}" written by the server`);
  }
}
