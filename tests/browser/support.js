// What the browser tests share: the browser (Debian's chromium through playwright-core, never a
// downloaded one), a watch on each page's console and requests, axe-core, screenshots, and the
// staff API and SES emulator calls that set up and check the journey. Not a test file itself.
"use strict";
const assert = require("node:assert/strict");
const fs = require("node:fs");
const path = require("node:path");
const { chromium } = require("playwright-core");

function need(name) {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run the browser tests with scripts/browser-test`);
  return value.replace(/\/$/, "");
}

const env = {
  api: need("API_URL"),
  portal: need("PORTAL_URL"),
  ses: need("SES_URL"),
  adminToken: need("ADMIN_TOKEN"),
  screenshots: process.env.SCREENSHOTS || "target/portal-screenshots",
  tenant: "demo",
};

const AXE = fs.readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");

async function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: [
      "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync",
    ],
  });
}

/**
 * Records what a page does: console errors, uncaught exceptions, every request's URL, and the
 * answers with an error status (which Chromium also reports as a console error).
 */
function watch(page) {
  const seen = { console: [], exceptions: [], requests: [], failures: [] };
  page.on("console", (m) => m.type() === "error" && seen.console.push(m.text()));
  page.on("pageerror", (e) => seen.exceptions.push(String(e)));
  page.on("request", (r) => seen.requests.push(r.url()));
  page.on("requestfailed", (r) => seen.failures.push(`${r.url()}: ${r.failure()?.errorText}`));
  return seen;
}

/**
 * No exception, no failed request, and no console error but Chromium's own line for an answer
 * whose status the test provoked on purpose (`expected`, e.g. [410] for a used link).
 */
function assertClean(seen, expected = []) {
  assert.deepEqual(seen.exceptions, [], "uncaught exceptions in the page");
  assert.deepEqual(seen.failures, [], "requests that failed");
  const unexpected = seen.console.filter((text) => {
    const status = /the server responded with a status of (\d+)/.exec(text)?.[1];
    return !(status && expected.includes(Number(status)));
  });
  assert.deepEqual(unexpected, [], "console errors");
}

/** axe-core's violations on the page as it is now (WCAG 2.x A and AA, and best practices). */
async function axe(page) {
  await page.evaluate(AXE);
  const result = await page.evaluate(() => axe.run(document, { resultTypes: ["violations"] }));
  return result.violations.map((v) => `${v.id} (${v.impact}): ${v.help}: ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
}

async function assertAccessible(page) {
  assert.deepEqual(await axe(page), [], `axe-core violations on ${page.url()}`);
}

async function screenshot(page, name) {
  fs.mkdirSync(env.screenshots, { recursive: true });
  await page.screenshot({ path: path.join(env.screenshots, `${name}.png`), fullPage: true });
}

/** Press Tab until the focused element matches `selector` (fails if it is never reached). */
async function tabTo(page, selector, limit = 25) {
  for (let i = 0; i < limit; i++) {
    if (await page.evaluate((s) => document.activeElement?.matches(s) ?? false, selector)) return;
    await page.keyboard.press("Tab");
  }
  assert.fail(`${selector} not reached with ${limit} presses of Tab`);
}

/** A staff API call as the tenant's administrator: `{status, etag, body}`. */
async function staff(method, route, body, headers = {}) {
  const res = await fetch(env.api + route, {
    method,
    headers: {
      authorization: `Bearer ${env.adminToken}`,
      ...(body === undefined ? {} : { "content-type": "application/json" }),
      ...headers,
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, etag: res.headers.get("etag"), body: text ? JSON.parse(text) : null };
}

/** The portal link (`/accept-invite` or `/reset-password`) in the newest email to `address`. */
async function linkIn(address, kind, { after = 0, timeoutMs = 20_000 } = {}) {
  const deadline = Date.now() + timeoutMs;
  const pattern = new RegExp(`https?://[^\\s"'<>]+/${kind}[^\\s"'<>]*`);
  for (;;) {
    const store = await (await fetch(`${env.ses}/store`)).json();
    const links = (store.emails ?? [])
      .filter((m) => (m.destination?.to ?? []).includes(address))
      .map((m) => pattern.exec(m.body?.text ?? m.body?.html ?? "")?.[0])
      .filter(Boolean);
    if (links.length > after) return links[links.length - 1].replace(/&amp;/g, "&");
    if (Date.now() > deadline) assert.fail(`no email to ${address} with a /${kind} link`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

module.exports = { env, launch, watch, assertClean, axe, assertAccessible, screenshot, tabTo, staff, linkIn };
