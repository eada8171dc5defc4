// Accept an invitation or use a password reset link: the token comes in the fragment
// (never sent to a server), the password goes with it to POST /invites/accept.
import { config, page, tenant } from "./config.js";
import { busy, clearErrors, fieldError, say, TRY_LATER } from "./forms.js";

const reset = document.body.dataset.kind === "reset";
const token = new URLSearchParams(location.hash.slice(1)).get("token");
if (location.hash) history.replaceState(null, "", location.pathname + location.search);

const form = document.getElementById("password-form");
const password = document.getElementById("password");
const confirm = document.getElementById("confirm");
const check = document.getElementById("password-check");
const message = document.getElementById("message");
const done = document.getElementById("done");
const org = tenant();

const { passwordMinLength: min } = await config().catch(() => {
  form.hidden = true;
  say(message, TRY_LATER);
  return { passwordMinLength: 12 };
});
for (const el of document.querySelectorAll(".min-length")) el.textContent = String(min);

function describeLength() {
  const missing = min - [...password.value].length;
  check.classList.toggle("met", missing <= 0);
  check.textContent =
    missing <= 0 ? "Long enough." : `${missing} more character${missing === 1 ? "" : "s"} needed (at least ${min}).`;
  return missing <= 0;
}
password.addEventListener("input", describeLength);
describeLength();

const ask = reset ? "ask your account team to send you a new password reset email" : "ask your account team for a new invitation";
if (!token) {
  form.hidden = true;
  say(message, `This page needs the link from your email. Open the link in the email again, or ${ask}.`);
}

form.addEventListener("submit", (event) => {
  event.preventDefault();
  busy(form, async () => {
    clearErrors(form);
    say(message, "");
    if (!describeLength()) {
      fieldError(password, `Your password is too short: use at least ${min} characters.`);
      return password.focus();
    }
    if (confirm.value !== password.value) {
      fieldError(confirm, "The two passwords are not the same. Type the same password in both fields.");
      return confirm.focus();
    }
    let res;
    try {
      const { apiBase } = await config();
      res = await fetch(`${apiBase}/invites/accept`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ token, password: password.value }),
      });
    } catch {
      return say(message, "We could not reach the portal. Check your connection and try again.");
    }
    const problem = res.ok ? null : await res.json().catch(() => ({}));
    if (res.ok) {
      form.hidden = true;
      document.getElementById("sign-in-link").href = page("index.html", { tenant: org });
      done.hidden = false;
      done.querySelector("h2").focus();
    } else if (res.status === 404) {
      say(message, `This link is not valid. Check that you opened the whole link from your email, or ${ask}.`);
    } else if (res.status === 410) {
      say(message, `This link has been used or has expired. Please ${ask}.`);
    } else if (res.status === 422 && problem.errors?.length) {
      const words = problem.errors.filter((e) => e.field === "password").map((e) => e.message.replace(/\.$/, ""));
      fieldError(password, `This password cannot be used: ${(words.length ? words : problem.errors.map((e) => e.message.replace(/\.$/, ""))).join("; ")}.`);
      password.focus();
    } else {
      say(message, res.status === 429 ? "Too many attempts. Please wait a few minutes and try again." : TRY_LATER);
    }
  });
});
