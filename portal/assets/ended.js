// Why the contact cannot use the portal: ?reason=<problem code>&date=YYYY-MM-DD.
import { page, tenant } from "./config.js";

sessionStorage.removeItem("portal.session");
const query = new URLSearchParams(location.search);
const date = /^\d{4}-\d{2}-\d{2}$/.test(query.get("date") ?? "")
  ? new Date(`${query.get("date")}T00:00:00Z`).toLocaleDateString(undefined, { dateStyle: "long", timeZone: "UTC" })
  : null;
const ask = "If you think this is a mistake, please contact your account team.";
const PAGES = {
  "portal-support-ended": ["Your support has ended", date ? `Your support ended on ${date}, and with it your access to the client portal. ${ask}` : `Your support agreement has ended, and with it your access to the client portal. ${ask}`],
  "portal-support-not-started": ["Your support has not started yet", date ? `You can use the client portal from ${date}, when your support starts.` : "You can use the client portal once your support starts."],
  "portal-not-active": ["Your portal access is not active", `Your access to the client portal has been revoked or is not set up. ${ask}`],
};
const [title, words] = PAGES[query.get("reason")] ?? ["You cannot use the client portal right now", ask];
document.title = `${title} · Client portal`;
document.getElementById("title").textContent = title;
document.getElementById("words").textContent = words;
document.getElementById("sign-in").href = page("index.html", { tenant: tenant() });
