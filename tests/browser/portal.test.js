// The client portal's pages in headless Chromium against scripts/run-local's stack: a contact
// invited through the staff API accepts, signs in, edits its details, signs out, resets its
// password, and is told when its support has ended; every page is checked with axe-core, with
// the keyboard alone, for console errors and for requests outside the stack. Run by
// scripts/browser-test, which starts the stack and sets the environment (see support.js).
"use strict";
const assert = require("node:assert/strict");
const { test, before, after } = require("node:test");
const { env, launch, watch, assertClean, assertAccessible, screenshot, tabTo, staff, linkIn } = require("./support.js");

const run = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;
const email = `grace.${run}@browser-test.example`;
const clientName = `Browser test ${run}`;
const firstPassword = "a long and private passphrase";
const newPassword = "another long and private phrase";
let browser, config, clientId, contactId, inviteLink;

const contactPath = () => `/clients/${clientId}/contacts/${contactId}`;
const yesterday = () => new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);

before(async () => {
  browser = await launch();
  const res = await fetch(`${env.portal}/config.json`);
  assert.equal(res.status, 200, "GET {portal}/config.json");
  config = await res.json();
  const client = await staff("POST", "/clients", { name: clientName });
  assert.equal(client.status, 201, JSON.stringify(client.body));
  clientId = client.body.id;
  const contact = await staff("POST", `/clients/${clientId}/contacts`, {
    first_name: "Grace", last_name: "Hopper", email, job_title: "Engineer",
    permissions: ["invoices", "support"], invite: false,
  });
  assert.equal(contact.status, 201, JSON.stringify(contact.body));
  contactId = contact.body.id;
  const invited = await staff("POST", `${contactPath()}/invite`);
  assert.equal(invited.status, 202, JSON.stringify(invited.body));
});

after(() => browser?.close());

/** A fresh browser context (empty storage) and page, closed when the test ends. */
async function open(t, { width = 1024, height = 800 } = {}) {
  const context = await browser.newContext({ viewport: { width, height } });
  t.after(() => context.close());
  const page = await context.newPage();
  return { page, seen: watch(page) };
}

async function signIn(page, password) {
  await page.goto(`${env.portal}/index.html?tenant=${env.tenant}`);
  await page.fill("#email", email);
  await page.fill("#password", password);
  await page.click("#sign-in-form button[type=submit]");
  await page.waitForURL(/\/profile$/);
  await page.locator("#content").waitFor();
}

const text = (page, selector) => page.locator(selector).innerText();
const session = (page) => page.evaluate(() => JSON.parse(sessionStorage.getItem("portal.session")));

test("the invitation email links to the accept page with the organisation code, and the token in the fragment", async () => {
  inviteLink = await linkIn(email, "accept-invite");
  const url = new URL(inviteLink);
  assert.equal(url.origin + url.pathname, `${env.portal}/accept-invite`);
  assert.equal(url.searchParams.get("tenant"), env.tenant);
  assert.match(url.hash, /^#token=[A-Za-z0-9_-]{20,}$/);
});

test("the accept page shows the password policy up front and says why a too-short password is refused, without sending it", async (t) => {
  const { page, seen } = await open(t);
  await page.goto(inviteLink);
  assert.equal(await page.evaluate(() => location.hash), "", "the token is removed from the address bar and history");
  assert.equal(new URL(page.url()).searchParams.get("tenant"), env.tenant);
  assert.match(await text(page, "#policy"), new RegExp(`at least ${config.passwordMinLength} characters`));
  await page.fill("#password", "too short");
  assert.match(await text(page, "#password-check"), new RegExp(`${config.passwordMinLength - 9} more characters needed`));
  await page.fill("#confirm", "too short");
  await page.click("#password-form button[type=submit]");
  const error = page.locator("#password-error");
  assert.match(await error.innerText(), /too short: use at least \d+ characters/);
  assert.equal(await page.getAttribute("#password", "aria-invalid"), "true");
  assert.match(await page.getAttribute("#password", "aria-describedby"), /\bpassword-error\b/);
  assert.equal(await page.evaluate(() => document.activeElement.id), "password");
  assert.deepEqual(seen.requests.filter((u) => u.endsWith("/invites/accept")), [], "nothing is sent");
  await assertAccessible(page);
  await screenshot(page, "accept-invite");
  assertClean(seen);
});

test("a contact accepts its invitation, signs in, corrects its details and signs out with the keyboard alone (Tab, typing, Enter)", async (t) => {
  const { page, seen } = await open(t);
  await page.goto(inviteLink);
  await tabTo(page, "#password");
  await page.keyboard.type(firstPassword);
  assert.equal(await text(page, "#password-check"), "Long enough.");
  await tabTo(page, "#confirm");
  await page.keyboard.type(firstPassword);
  await page.keyboard.press("Enter");
  await page.locator("#done").waitFor();
  assert.equal(await text(page, "#done h2"), "Your password is set");
  await assertAccessible(page);
  await screenshot(page, "accept-invite-done");
  await tabTo(page, "#sign-in-link");
  await page.keyboard.press("Enter");
  await page.waitForURL((url) => url.pathname.endsWith("/portal/index.html") && url.searchParams.get("tenant") === env.tenant);
  assert.equal(await text(page, "#organisation-name"), env.tenant);
  await tabTo(page, "#email");
  await page.keyboard.type(email);
  await tabTo(page, "#password");
  await page.keyboard.type(firstPassword);
  await page.keyboard.press("Enter");
  await page.waitForURL(/\/profile$/);
  await page.locator("#content").waitFor();
  assert.equal(await text(page, "#welcome"), "Welcome, Grace Hopper");
  await tabTo(page, "#f-address-city");
  await page.keyboard.type("Arlington");
  await page.keyboard.press("Enter");
  await page.locator("#message", { hasText: "Your changes are saved." }).waitFor();
  assert.equal((await staff("GET", contactPath())).body.address?.city, "Arlington");
  await tabTo(page, "#sign-out", 40);
  await page.keyboard.press("Enter");
  await page.waitForURL(/\/portal\/index\.html\?notice=signed-out/);
  assertClean(seen);
});

test("an invitation link that was used says so, and what to do", async (t) => {
  const { page, seen } = await open(t);
  await page.goto(inviteLink);
  await page.fill("#password", firstPassword);
  await page.fill("#confirm", firstPassword);
  await page.click("#password-form button[type=submit]");
  const message = page.locator("#message");
  await message.filter({ hasText: /\S/ }).waitFor();
  assert.match(await message.innerText(), /has been used or has expired.*new invitation/s);
  assert.equal(await message.getAttribute("role"), "alert");
  await assertAccessible(page);
  assertClean(seen, [410]);
});

test("an unknown link says it is not valid", async (t) => {
  const { page, seen } = await open(t);
  await page.goto(`${env.portal}/accept-invite?tenant=${env.tenant}#token=${"A".repeat(43)}`);
  await page.fill("#password", firstPassword);
  await page.fill("#confirm", firstPassword);
  await page.click("#password-form button[type=submit]");
  await page.locator("#message").filter({ hasText: /\S/ }).waitFor();
  assert.match(await text(page, "#message"), /This link is not valid/);
  assertClean(seen, [404]);
});

test("the portal's address with ?tenant= opens the sign-in page for that organisation", async (t) => {
  const { page, seen } = await open(t);
  await page.goto(`${env.portal}?tenant=${env.tenant}`);
  assert.equal(await text(page, "h1"), "Sign in");
  assert.equal(await text(page, "#organisation-name"), env.tenant);
  assert.equal(await page.locator("#organisation").isVisible(), false, "no need to type the organisation code");
  assertClean(seen);
});

test("a wrong password is refused in words a person understands", async (t) => {
  const { page, seen } = await open(t);
  await page.goto(`${env.portal}/index.html?tenant=${env.tenant}`);
  await page.fill("#email", email);
  await page.fill("#password", "not the password at all");
  await page.click("#sign-in-form button[type=submit]");
  await page.locator("#message").filter({ hasText: /\S/ }).waitFor();
  assert.match(await text(page, "#message"), /email or password is wrong/);
  assert.match(page.url(), /\/portal\/index\.html\?tenant=/);
  await assertAccessible(page);
  assertClean(seen, [400]);
});

test("the profile shows the contact's name, client, permissions and support window", async (t) => {
  const { page, seen } = await open(t);
  await signIn(page, firstPassword);
  assert.equal(await text(page, "#p-name"), "Grace Hopper");
  assert.equal(await text(page, "#p-client"), clientName);
  assert.equal(await text(page, "#p-email"), email);
  assert.deepEqual(await page.locator("#p-permissions li").allInnerTexts(), ["Invoices", "Support tickets"]);
  assert.equal(await text(page, "#p-support"), "no end date");
  assert.equal(await page.inputValue("#f-job_title"), "Engineer");
  await assertAccessible(page);
  await screenshot(page, "profile");
  assertClean(seen);
});

test("a first load requests nothing outside the stack (the portal's origin and the Cognito endpoint)", async (t) => {
  const allowed = new Set([new URL(env.portal).origin, new URL(config.cognitoEndpoint).origin]);
  const outside = (seen) => seen.requests.filter((u) => !u.startsWith("data:") && !allowed.has(new URL(u).origin));
  for (const path of ["", `?tenant=${env.tenant}`, "/index.html", "/accept-invite#token=x", "/reset-password#token=x", "/ended?reason=portal-not-active"]) {
    const { page, seen } = await open(t);
    await page.goto(env.portal + path, { waitUntil: "networkidle" });
    assert.deepEqual(outside(seen), [], path);
    assertClean(seen);
  }
  const { page, seen } = await open(t);
  await signIn(page, firstPassword);
  await page.waitForLoadState("networkidle");
  assert.deepEqual(outside(seen), [], "/profile");
  assertClean(seen);
});

test("changing the job title sends only that field with If-Match, and staff see the change", async (t) => {
  const { page, seen } = await open(t);
  await signIn(page, firstPassword);
  const patches = [];
  page.on("request", (r) => r.method() === "PATCH" && patches.push(r));
  await page.fill("#f-job_title", "Head of Engineering");
  await page.click("#profile-form button[type=submit]");
  await page.locator("#message", { hasText: "Your changes are saved." }).waitFor();
  assert.equal(patches.length, 1);
  assert.deepEqual(JSON.parse(patches[0].postData()), { job_title: "Head of Engineering" });
  assert.match(await patches[0].headerValue("if-match"), /^(W\/)?"v\d+"$/);
  assert.equal(await text(page, "#p-job"), "Head of Engineering");
  await screenshot(page, "profile-saved");
  const seenByStaff = await staff("GET", contactPath());
  assert.equal(seenByStaff.body.job_title, "Head of Engineering");
  assertClean(seen);
});

test("a value the API refuses is shown next to its field, and nothing is saved", async (t) => {
  const { page, seen } = await open(t);
  await signIn(page, firstPassword);
  await page.fill("#f-mobile", "not a phone number");
  await page.click("#profile-form button[type=submit]");
  const error = page.locator("#f-mobile-error");
  await error.waitFor();
  assert.match(await error.innerText(), /^Mobile: .+/);
  assert.equal(await page.getAttribute("#f-mobile", "aria-invalid"), "true");
  assert.match(await page.getAttribute("#f-mobile", "aria-describedby"), /\bf-mobile-error\b/);
  assert.match(await text(page, "#message"), /check the highlighted fields/);
  assert.equal(await page.evaluate(() => document.activeElement.id), "f-mobile");
  await assertAccessible(page);
  await screenshot(page, "profile-field-error");
  assert.equal((await staff("GET", contactPath())).body.mobile, null);
  assertClean(seen, [422]);
});

test("a change made elsewhere meanwhile is reloaded, not overwritten (If-Match)", async (t) => {
  const { page, seen } = await open(t);
  await signIn(page, firstPassword);
  const current = await staff("GET", contactPath());
  const changed = await staff("PATCH", contactPath(), { department: "Research" }, { "if-match": current.etag });
  assert.equal(changed.status, 200, JSON.stringify(changed.body));
  await page.fill("#f-job_title", "Not saved");
  await page.click("#profile-form button[type=submit]");
  await page.locator("#message", { hasText: "changed elsewhere" }).waitFor();
  assert.equal(await text(page, "#p-job"), "Head of Engineering, Research");
  assert.equal(await page.inputValue("#f-job_title"), "Head of Engineering");
  assert.equal((await staff("GET", contactPath())).body.job_title, "Head of Engineering");
  assertClean(seen, [412]);
});

test("the session is refreshed a minute before the ID token expires", async (t) => {
  const { page, seen } = await open(t);
  await signIn(page, firstPassword);
  const refreshes = [];
  page.on("request", (r) => r.postData()?.includes('"REFRESH_TOKEN_AUTH"') && refreshes.push(r.url()));
  await page.evaluate(() => {
    const s = JSON.parse(sessionStorage.getItem("portal.session"));
    sessionStorage.setItem("portal.session", JSON.stringify({ ...s, expiresAt: Date.now() + 30_000 }));
  });
  await page.reload();
  await page.locator("#content").waitFor();
  assert.equal(refreshes.length, 1);
  assert.ok((await session(page)).expiresAt > Date.now() + 60_000, "the new ID token is stored");
  assert.equal(await text(page, "#p-name"), "Grace Hopper");
  assertClean(seen);
});

test("a refresh that Cognito refuses ends the session and asks to sign in again", async (t) => {
  const { page, seen } = await open(t);
  await signIn(page, firstPassword);
  await page.evaluate(() => {
    const s = JSON.parse(sessionStorage.getItem("portal.session"));
    sessionStorage.setItem("portal.session", JSON.stringify({ ...s, refreshToken: "no-such-token", expiresAt: Date.now() }));
  });
  await page.reload();
  await page.waitForURL(/notice=session-ended/);
  assert.equal(await text(page, "#notice"), "Your session has ended. Please sign in again.");
  assert.equal(await session(page), null);
  await assertAccessible(page);
  assertClean(seen, [400]);
});

test("signing out clears the session, revokes the refresh token and returns to sign-in", async (t) => {
  const { page, seen } = await open(t);
  await signIn(page, firstPassword);
  const { refreshToken } = await session(page);
  await page.click("#sign-out");
  await page.waitForURL(/notice=signed-out/);
  assert.equal(await text(page, "#notice"), "You have signed out.");
  assert.equal(await session(page), null);
  const refreshed = await fetch(config.cognitoEndpoint, {
    method: "POST",
    headers: { "content-type": "application/x-amz-json-1.1", "x-amz-target": "AWSCognitoIdentityProviderService.InitiateAuth" },
    body: JSON.stringify({ AuthFlow: "REFRESH_TOKEN_AUTH", ClientId: config.clientId, AuthParameters: { REFRESH_TOKEN: refreshToken } }),
  });
  assert.equal(refreshed.status, 400, "the revoked refresh token is refused");
  await page.goto(`${env.portal}/profile`);
  await page.waitForURL(/\/portal\/index\.html\?notice=signed-out/);
  await screenshot(page, "sign-in");
  assertClean(seen);
});

test("a password reset link works once", async (t) => {
  const sent = await staff("POST", `${contactPath()}/password-reset`);
  assert.equal(sent.status, 202, JSON.stringify(sent.body));
  const link = await linkIn(email, "reset-password");
  assert.equal(new URL(link).searchParams.get("tenant"), env.tenant);
  const { page, seen } = await open(t);
  await page.goto(link);
  assert.equal(await text(page, "h1"), "Choose a new password");
  await page.fill("#password", newPassword);
  await page.fill("#confirm", newPassword);
  await assertAccessible(page);
  await screenshot(page, "reset-password");
  await page.click("#password-form button[type=submit]");
  await page.locator("#done").waitFor();
  assert.equal(await text(page, "#done h2"), "Your new password is set");
  assertClean(seen);

  const again = await open(t);
  await again.page.goto(link);
  await again.page.fill("#password", "yet another long passphrase");
  await again.page.fill("#confirm", "yet another long passphrase");
  await again.page.click("#password-form button[type=submit]");
  await again.page.locator("#message").filter({ hasText: /\S/ }).waitFor();
  assert.match(await text(again.page, "#message"), /has been used or has expired/);
  assertClean(again.seen, [410]);

  const signedIn = await open(t);
  await signIn(signedIn.page, newPassword);
  assert.equal(await text(signedIn.page, "#p-name"), "Grace Hopper");
});

test("axe-core finds no violations on the sign-in, link and ended pages in each of their states", async (t) => {
  const pages = [
    "/index.html", `/index.html?tenant=${env.tenant}&notice=session-ended`, "/accept-invite#token=x", "/accept-invite",
    "/reset-password#token=x", "/ended?reason=portal-support-ended&date=2026-01-31",
    "/ended?reason=portal-support-not-started&date=2030-01-01", "/ended?reason=portal-not-active", "/ended",
  ];
  for (const path of pages) {
    const { page, seen } = await open(t);
    await page.goto(env.portal + path, { waitUntil: "networkidle" });
    await assertAccessible(page);
    assertClean(seen);
  }
  const { page } = await open(t);
  await page.goto(env.portal + "/index.html");
  await page.click("#sign-in-form button[type=submit]");
  assert.equal(await page.getAttribute("#organisation", "aria-invalid"), "true", "an empty form names every missing field");
  assert.equal(await page.getAttribute("#email", "aria-invalid"), "true");
  await assertAccessible(page);
});

test("every page fits a 360 px wide screen without sideways scrolling", async (t) => {
  const pages = { "sign-in": "/index.html", "accept-invite": "/accept-invite#token=x", "reset-password": "/reset-password#token=x", ended: "/ended?reason=portal-support-ended&date=2026-01-31" };
  for (const [name, path] of Object.entries(pages)) {
    const { page } = await open(t, { width: 360, height: 740 });
    await page.goto(env.portal + path, { waitUntil: "networkidle" });
    assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= 360), `${name} is wider than 360 px`);
    await screenshot(page, `${name}-360`);
  }
  const { page } = await open(t, { width: 360, height: 740 });
  await signIn(page, newPassword);
  assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= 360), "profile is wider than 360 px");
  await screenshot(page, "profile-360");
});

test("the ended page explains each reason, with the date when it has one", async (t) => {
  const { page } = await open(t);
  const cases = [
    ["portal-support-ended&date=2026-01-31", "Your support has ended", /ended on 31 January 2026|ended on January 31, 2026/],
    ["portal-support-not-started&date=2030-01-01", "Your support has not started yet", /from (1 January 2030|January 1, 2030)/],
    ["portal-not-active", "Your portal access is not active", /revoked/],
  ];
  for (const [query, heading, words] of cases) {
    await page.goto(`${env.portal}/ended?reason=${query}`);
    assert.equal(await text(page, "h1"), heading);
    assert.match(await text(page, "#words"), words);
  }
  await screenshot(page, "ended");
});

test("pages are served with the security headers (CSP without inline code, no referrer, nosniff, no framing)", async () => {
  for (const path of ["", "/index.html", "/accept-invite", "/reset-password", "/profile", "/ended", "/assets/portal.css", "/assets/session.js"]) {
    const res = await fetch(env.portal + path);
    assert.equal(res.status, 200, path);
    const csp = res.headers.get("content-security-policy") ?? "";
    if (!path.startsWith("/assets/")) {
      assert.match(csp, /script-src 'self'(;|$)/, `${path}: ${csp}`);
      assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/, path);
      assert.match(csp, /frame-ancestors 'none'/, path);
      assert.equal(res.headers.get("referrer-policy"), "no-referrer", path);
    }
    assert.equal(res.headers.get("x-content-type-options"), "nosniff", path);
  }
});

test("a call refused because support has ended leads to the ended page", async (t) => {
  const { page, seen } = await open(t);
  await signIn(page, newPassword);
  const current = await staff("GET", contactPath());
  const ended = await staff("PATCH", contactPath(), { portal: { support_end: yesterday() } }, { "if-match": current.etag });
  assert.equal(ended.status, 200, JSON.stringify(ended.body));
  await page.reload();
  await page.waitForURL(/\/ended\?reason=portal-support-ended/);
  assert.equal(await text(page, "h1"), "Your support has ended");
  assert.equal(new URL(page.url()).searchParams.get("date"), yesterday(), "the 403's detail names the day");
  assert.equal(await session(page), null);
  assertClean(seen, [403]);
});

test("after support has ended, signing in says so", async (t) => {
  const { page, seen } = await open(t);
  await page.goto(`${env.portal}/index.html?tenant=${env.tenant}`);
  await page.fill("#email", email);
  await page.fill("#password", newPassword);
  await page.click("#sign-in-form button[type=submit]");
  await page.waitForURL(/\/ended\?reason=portal-support-ended/);
  assert.equal(await text(page, "h1"), "Your support has ended");
  assert.equal(new URL(page.url()).searchParams.get("date"), yesterday(), "the gate's words name the day");
  await assertAccessible(page);
  assertClean(seen, [400]);
});
