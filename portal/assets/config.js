// The portal's settings, served by the stack next to the pages as config.json:
// { cognitoEndpoint, clientId, apiBase, passwordMinLength }; the URLs may be relative to it.
const source = new URL("../config.json", import.meta.url);
let loaded;

export function config() {
  loaded ??= fetch(source, { cache: "no-store" }).then(async (res) => {
    if (!res.ok) throw new Error(`config.json answered ${res.status}`);
    const settings = await res.json();
    return {
      ...settings,
      apiBase: new URL(settings.apiBase, source).href.replace(/\/$/, ""),
      cognitoEndpoint: new URL(settings.cognitoEndpoint, source).href,
    };
  });
  return loaded;
}

/** A URL of another portal page (`index.html` is the sign-in page), with query parameters. */
export function page(name, params = {}) {
  const url = new URL(`../${name}`, import.meta.url);
  for (const [key, value] of Object.entries(params)) if (value) url.searchParams.set(key, value);
  return url.href;
}

/** The organisation code: from the page's query (remembered), else the last one used. */
export function tenant() {
  const given = new URLSearchParams(location.search).get("tenant")?.trim();
  if (given) localStorage.setItem("portal.tenant", given);
  return given || localStorage.getItem("portal.tenant") || "";
}
