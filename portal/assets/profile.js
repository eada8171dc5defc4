// The contact's own profile: GET /portal/me, and a merge patch of the changed fields with If-Match.
import { call } from "./api.js";
import { busy, clearErrors, fieldError, say, TRY_LATER } from "./forms.js";
import * as session from "./session.js";

const form = document.getElementById("profile-form");
const message = document.getElementById("message");
const FIELDS = ["salutation", "first_name", "last_name", "job_title", "mobile", "phone", "secondary_phone"];
const ADDRESS = ["line1", "line2", "city", "region", "postal_code", "country"];
const PERMISSIONS = {
  invoices: "Invoices", estimates: "Estimates", contracts: "Contracts",
  proposals: "Proposals", support: "Support tickets", projects: "Projects",
};
let profile, etag;

const input = (field) => document.getElementById(`f-${field.replace(".", "-")}`);
const text = (id, value) => (document.getElementById(id).textContent = value);
const day = (iso) => new Date(`${iso}T00:00:00Z`).toLocaleDateString(undefined, { dateStyle: "long", timeZone: "UTC" });

function show(data, tag) {
  profile = data;
  etag = tag || `"v${data.version}"`;
  const name = [data.salutation, data.first_name, data.last_name].filter(Boolean).join(" ");
  text("welcome", `Welcome, ${[data.first_name, data.last_name].filter(Boolean).join(" ")}`);
  text("p-name", name);
  text("p-client", data.client_name);
  text("p-email", data.email ?? "none");
  text("p-job", [data.job_title, data.department].filter(Boolean).join(", ") || "not given");
  const { support_start: start, support_end: end } = data.portal;
  text("p-support", start && end ? `${day(start)} to ${day(end)}` : end ? `until ${day(end)}` : start ? `from ${day(start)}, no end date` : "no end date");
  const list = document.getElementById("p-permissions");
  list.replaceChildren(...data.permissions.map((p) => Object.assign(document.createElement("li"), { textContent: PERMISSIONS[p] ?? p })));
  document.getElementById("p-no-permissions").hidden = data.permissions.length > 0;
  for (const f of FIELDS) input(f).value = data[f] ?? "";
  for (const f of ADDRESS) input(`address.${f}`).value = data.address?.[f] ?? "";
}

async function load() {
  const res = await call("/portal/me", { portal: profile?.portal });
  if (!res.ok) return say(message, TRY_LATER);
  show(res.body, res.etag);
  document.getElementById("content").hidden = false;
}

/** The merge patch of what the form changed: blank means cleared. */
function changes() {
  const value = (f) => input(f).value.trim() || null;
  const patch = {};
  for (const f of FIELDS) if (value(f) !== (profile[f] ?? null)) patch[f] = value(f);
  const address = {};
  for (const f of ADDRESS) if (value(`address.${f}`) !== (profile.address?.[f] ?? null)) address[f] = value(`address.${f}`);
  if (Object.keys(address).length) patch.address = address;
  return patch;
}

form.addEventListener("submit", (event) => {
  event.preventDefault();
  busy(form, async () => {
    clearErrors(form);
    const patch = changes();
    if (!Object.keys(patch).length) return say(message, "There is nothing to save: you have not changed anything.", "info");
    const res = await call("/portal/me", { method: "PATCH", body: patch, headers: { "If-Match": etag }, portal: profile.portal });
    if (res.ok) {
      show(res.body, res.etag);
      return say(message, "Your changes are saved.", "ok");
    }
    if (res.status === 412) {
      await load();
      return say(message, "Your details were changed elsewhere, so we reloaded them. Please make your change again.", "info");
    }
    const errors = (res.body?.errors ?? []).map((e) => [e.field.replace(/\[.*$/, ""), e.message.replace(/\.$/, "")]);
    if ((res.status === 422 || res.status === 400) && errors.length) {
      const placed = errors.filter(([field]) => input(field));
      for (const [field, words] of placed) fieldError(input(field), `${input(field).labels[0].textContent}: ${words}.`);
      const other = errors.filter(([field]) => !input(field)).map(([f, w]) => `${f}: ${w}`);
      say(message, `Please check the highlighted fields${other.length ? ` (${other.join("; ")})` : ""}. Nothing was saved.`);
      return placed.length && input(placed[0][0]).focus();
    }
    say(message, TRY_LATER);
  });
});

document.getElementById("sign-out").addEventListener("click", () => session.signOut());

if (!session.current()) session.end("signed-out");
else {
  session.schedule();
  load().catch(() => say(message, TRY_LATER));
}
