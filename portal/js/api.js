// The ClinicFlow REST API: JSON in and out, the staff ID token in Authorization, typed errors.
import { config } from "./config.js";
import { idToken, expired } from "./auth.js";

export class ApiError extends Error {
  constructor(status, body) {
    super((body && body.message) || `Request failed (${status})`);
    this.status = status;
    this.body = body || {};
    this.fields = (body && body.fields) || [];
    this.candidates = (body && body.candidates) || [];
  }

  /** A message fit for a receptionist. */
  get friendly() {
    if (this.status === 403) return "Your role does not allow this.";
    if (this.status === 404) return "Not found. It may have been removed.";
    if (this.status === 0) return "The server could not be reached. Check the connection and try again.";
    if (this.status >= 500) return "Something went wrong on the server. Try again in a moment.";
    return this.message;
  }
}

export async function api(method, path, body, { idempotencyKey } = {}) {
  const token = await idToken();
  const headers = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (token) headers.Authorization = token;
  if (idempotencyKey) headers["Idempotency-Key"] = idempotencyKey;
  let res;
  try {
    res = await fetch(config().apiBase + path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      cache: "no-store",
      credentials: "omit",
    });
  } catch {
    throw new ApiError(0, { message: "network error" });
  }
  const text = await res.text();
  let parsed = null;
  try { parsed = text ? JSON.parse(text) : null; } catch { parsed = { message: text }; }
  if (res.status === 401) {
    expired();
    throw new ApiError(401, { message: "Your session has ended. Sign in again." });
  }
  if (!res.ok) throw new ApiError(res.status, parsed);
  return parsed;
}

export const get = (path) => api("GET", path);
export const post = (path, body, opts) => api("POST", path, body ?? {}, opts);
export const put = (path, body) => api("PUT", path, body ?? {});
export const patch = (path, body) => api("PATCH", path, body ?? {});
export const del = (path) => api("DELETE", path);

/** Encode one path segment. */
export const seg = (value) => encodeURIComponent(value);

/** Which API capabilities this deployment has (from the OpenAPI document when it is served). */
let capabilities = null;
export async function hasCapability(name) {
  if (!capabilities) {
    capabilities = new Set();
    try {
      const res = await fetch(`${config().apiBase}/openapi.json`, { cache: "no-store" });
      if (res.ok) {
        const doc = await res.json();
        for (const path of Object.keys(doc.paths || {})) capabilities.add(path.split("/")[1]);
      }
    } catch { /* no document: core screens only */ }
    if (config().capabilities) for (const c of config().capabilities) capabilities.add(c);
  }
  return capabilities.has(name);
}
