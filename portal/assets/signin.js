// Sign in with email and password at the organisation's portal (the username is derived from
// both, as the service names portal users).
import { page, tenant } from "./config.js";
import { busy, clearErrors, fieldError, say, TRY_LATER } from "./forms.js";
import * as session from "./session.js";

const form = document.getElementById("sign-in-form");
const org = document.getElementById("organisation");
const orgField = document.getElementById("organisation-field");
const orgShown = document.getElementById("organisation-shown");
const email = document.getElementById("email");
const password = document.getElementById("password");
const message = document.getElementById("message");
const notice = document.getElementById("notice");

if (session.current()) location.replace(page("profile"));

const NOTICES = {
  "session-ended": "Your session has ended. Please sign in again.",
  "signed-out": "You have signed out.",
};
const given = NOTICES[new URLSearchParams(location.search).get("notice")];
if (given) say(notice, given, "info");

org.value = tenant();
function showOrganisation(editable) {
  orgField.hidden = !editable;
  orgShown.hidden = editable;
  document.getElementById("organisation-name").textContent = org.value;
}
showOrganisation(!org.value);
document.getElementById("change-organisation").addEventListener("click", () => {
  showOrganisation(true);
  org.focus();
});

form.addEventListener("submit", (event) => {
  event.preventDefault();
  busy(form, async () => {
    clearErrors(form);
    say(message, "");
    const code = org.value.trim();
    const missing = [
      [org, code, "Enter your organisation code: it is in the link of your invitation email."],
      [email, email.value.trim(), "Enter your email address."],
      [password, password.value, "Enter your password."],
    ].filter(([, value]) => !value);
    if (missing.length) {
      if (!code) showOrganisation(true);
      for (const [input, , text] of missing) fieldError(input, text);
      return missing[0][0].focus();
    }
    try {
      await session.signIn(code, email.value, password.value);
    } catch (error) {
      if (!(error instanceof session.CognitoError)) {
        return say(message, "We could not reach the sign-in service. Check your connection and try again.");
      }
      if (error.refusal) return location.assign(page("ended", { reason: error.refusal, date: error.date }));
      // Cognito answers NotAuthorized for a wrong password or an unknown user (the emulator:
      // InvalidPassword for the former).
      if (["NotAuthorizedException", "UserNotFoundException", "InvalidPasswordException"].includes(error.type)) {
        say(message, "Your email or password is wrong, or this is not your organisation's portal. Please try again.");
        return password.select();
      }
      if (error.type === "TooManyRequestsException") return say(message, "Too many attempts. Please wait a few minutes and try again.");
      return say(message, TRY_LATER);
    }
    localStorage.setItem("portal.tenant", code);
    location.assign(page("profile"));
  });
});
