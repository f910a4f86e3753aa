// Staff sign-in against the Cognito user pool through its JSON API (no SDK), and the session.
// The ID token (what API Gateway's Cognito authorizer reads) is kept in sessionStorage so a
// reload keeps the tab signed in; the refresh and access tokens stay in memory only. Nothing
// else is stored in the browser.
import { config } from "./config.js";

const KEY = "clinicflow.session";
const ACTIVITY_EVENTS = ["pointerdown", "keydown", "wheel", "touchstart"];

let memory = { accessToken: null, refreshToken: null, username: null };
let listeners = [];
let idleTimer = null;

export class AuthError extends Error {
  constructor(type, message) {
    super(message);
    this.type = type;
  }
}

const MESSAGES = {
  NotAuthorizedException: "Incorrect username or password.",
  UserNotFoundException: "Incorrect username or password.",
  PasswordResetRequiredException: "Your password must be reset. Ask a practice administrator.",
  UserNotConfirmedException: "This account is not confirmed yet. Ask a practice administrator.",
  CodeMismatchException: "That code is not right. Enter the current 6-digit code from your authenticator app.",
  ExpiredCodeException: "That code has expired. Enter the current code.",
  EnableSoftwareTokenMFAException: "That code is not right. Enter the current 6-digit code from your authenticator app.",
  InvalidPasswordException: "The new password does not meet the password policy (at least 12 characters with upper and lower case letters and a number).",
  TooManyRequestsException: "Too many attempts. Wait a minute and try again.",
  LimitExceededException: "Too many attempts. Wait a minute and try again.",
};

async function cognito(action, payload) {
  const res = await fetch(config().cognitoEndpoint, {
    method: "POST",
    headers: {
      "Content-Type": "application/x-amz-json-1.1",
      "X-Amz-Target": `AWSCognitoIdentityProviderService.${action}`,
    },
    body: JSON.stringify(payload),
    cache: "no-store",
  });
  const body = await res.json().catch(() => ({}));
  if (!res.ok) {
    const type = String(body.__type || "Error").split("#").pop();
    const message = MESSAGES[type] || "Sign-in failed. Try again.";
    throw new AuthError(type, message);
  }
  return body;
}

/** Start sign-in. Resolves to {signedIn: true} or {challenge, session, ...} for the next step. */
export async function signIn(username, password) {
  memory.username = username;
  const body = await cognito("InitiateAuth", {
    AuthFlow: "USER_PASSWORD_AUTH",
    ClientId: config().clientId,
    AuthParameters: { USERNAME: username, PASSWORD: password },
  });
  return handleAuthResponse(body);
}

/** Answer a challenge (SOFTWARE_TOKEN_MFA, NEW_PASSWORD_REQUIRED, MFA_SETUP). */
export async function respond(challenge, session, responses) {
  const body = await cognito("RespondToAuthChallenge", {
    ChallengeName: challenge,
    ClientId: config().clientId,
    Session: session,
    ChallengeResponses: { USERNAME: memory.username, ...responses },
  });
  return handleAuthResponse(body);
}

/** MFA_SETUP: get the TOTP secret to enter into an authenticator app. */
export async function associateSoftwareToken(session) {
  const body = await cognito("AssociateSoftwareToken", { Session: session });
  return { secret: body.SecretCode, session: body.Session || session };
}

/** MFA_SETUP: verify the first code; then answer the MFA_SETUP challenge with the new session. */
export async function verifySoftwareToken(session, code) {
  const body = await cognito("VerifySoftwareToken", { Session: session, UserCode: code, FriendlyDeviceName: "ClinicFlow portal" });
  return body.Session || session;
}

function handleAuthResponse(body) {
  if (body.AuthenticationResult) {
    startSession(body.AuthenticationResult);
    return { signedIn: true };
  }
  return {
    challenge: body.ChallengeName,
    session: body.Session,
    parameters: body.ChallengeParameters || {},
  };
}

function startSession(result) {
  const claims = decodeJwt(result.IdToken);
  memory.accessToken = result.AccessToken || memory.accessToken;
  memory.refreshToken = result.RefreshToken || memory.refreshToken;
  const now = Date.now();
  sessionStorage.setItem(KEY, JSON.stringify({
    idToken: result.IdToken,
    expiresAt: (claims.exp || 0) * 1000,
    lastActivity: now,
  }));
  startIdleWatch();
}

function read() {
  try {
    return JSON.parse(sessionStorage.getItem(KEY) || "null");
  } catch {
    return null;
  }
}

/** The current ID token, refreshed when it is about to expire (null when signed out). */
export async function idToken() {
  const s = read();
  if (!s) return null;
  if (Date.now() > s.expiresAt - 60_000) {
    if (!memory.refreshToken) { end("expired"); return null; }
    try {
      const body = await cognito("InitiateAuth", {
        AuthFlow: "REFRESH_TOKEN_AUTH",
        ClientId: config().clientId,
        AuthParameters: { REFRESH_TOKEN: memory.refreshToken },
      });
      startSession(body.AuthenticationResult);
    } catch {
      end("expired");
      return null;
    }
    return read().idToken;
  }
  return s.idToken;
}

export function isSignedIn() {
  const s = read();
  return Boolean(s && !idleExpired(s) && (Date.now() < s.expiresAt || memory.refreshToken));
}

/** Who is signed in: {username, name, email, practiceId, roles}. */
export function user() {
  const s = read();
  if (!s) return null;
  const c = decodeJwt(s.idToken);
  return {
    username: c["cognito:username"] || c.username || "",
    name: c.name || c["cognito:username"] || "",
    email: c.email || "",
    practiceId: c["custom:practice_id"] || "",
    roles: c["cognito:groups"] || [],
  };
}

export function hasRole(...roles) {
  const u = user();
  return Boolean(u && u.roles.some((r) => roles.includes(r)));
}

/** Sign out: revoke the refresh token's session at Cognito (best effort) and forget everything. */
export async function signOut() {
  const access = memory.accessToken;
  end("signed-out");
  if (access) {
    try { await cognito("GlobalSignOut", { AccessToken: access }); } catch { /* already gone */ }
  }
}

/** Called when the API answers 401: the token is no longer accepted. */
export function expired() {
  end("expired");
}

/** Subscribe to session ends: fn(reason) with reason "idle" | "expired" | "signed-out". */
export function onSessionEnd(fn) {
  listeners.push(fn);
}

function end(reason) {
  const had = Boolean(read());
  sessionStorage.removeItem(KEY);
  memory = { accessToken: null, refreshToken: null, username: null };
  stopIdleWatch();
  if (had) for (const fn of listeners) fn(reason);
}

// --- Idle timeout ------------------------------------------------------------------------
function idleLimitMs() {
  return Number(config().idleTimeoutMinutes || 15) * 60_000;
}

function idleExpired(s) {
  return Date.now() - (s.lastActivity || 0) > idleLimitMs();
}

let lastWrite = 0;
function activity() {
  const now = Date.now();
  if (now - lastWrite < 5_000) return; // at most one write every 5 s
  lastWrite = now;
  const s = read();
  if (!s) return;
  if (idleExpired(s)) { end("idle"); return; }
  s.lastActivity = now;
  sessionStorage.setItem(KEY, JSON.stringify(s));
}

function check() {
  const s = read();
  if (s && idleExpired(s)) end("idle");
}

export function startIdleWatch() {
  stopIdleWatch();
  for (const ev of ACTIVITY_EVENTS) window.addEventListener(ev, activity, { passive: true, capture: true });
  idleTimer = setInterval(check, 10_000);
  document.addEventListener("visibilitychange", check);
}

function stopIdleWatch() {
  for (const ev of ACTIVITY_EVENTS) window.removeEventListener(ev, activity, { capture: true });
  if (idleTimer) clearInterval(idleTimer);
  idleTimer = null;
  document.removeEventListener("visibilitychange", check);
}

function decodeJwt(token) {
  try {
    const part = token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
    const json = decodeURIComponent(Array.from(atob(part), (c) => `%${c.charCodeAt(0).toString(16).padStart(2, "0")}`).join(""));
    return JSON.parse(json);
  } catch {
    return {};
  }
}
