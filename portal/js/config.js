// Runtime configuration. Deployed: config.json next to index.html (written at deploy time from
// the stack's outputs). Locally: the local stack's /_local/config.
let loaded = null;

export async function loadConfig() {
  if (loaded) return loaded;
  let config = await tryJson("config.json");
  if (!config) config = await tryJson("/_local/config");
  if (!config) throw new Error("The portal's configuration could not be loaded.");
  loaded = {
    apiBase: "",
    idleTimeoutMinutes: 15,
    ...config,
  };
  loaded.cognitoEndpoint = loaded.cognitoEndpoint || `https://cognito-idp.${loaded.region}.amazonaws.com/`;
  return loaded;
}

async function tryJson(url) {
  try {
    const res = await fetch(url, { cache: "no-store", headers: { Accept: "application/json" } });
    if (!res.ok || !(res.headers.get("content-type") || "").includes("json")) return null;
    return await res.json();
  } catch {
    return null;
  }
}

export function config() {
  if (!loaded) throw new Error("configuration not loaded");
  return loaded;
}
