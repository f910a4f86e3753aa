// Sign-in: username + password, then whatever Cognito asks next (MFA code, new password,
// authenticator setup when the pool requires MFA).
import { h, replace, field, messageBox, setTitle, focusHeading } from "../dom.js";
import * as auth from "../auth.js";

export function loginView(main, { onSignedIn, notice = null }) {
  setTitle("Sign in");
  const errorSlot = h("div");
  const card = h("section", { class: "login card", "aria-labelledby": "login-h" });
  replace(main, card);

  function fail(err) {
    replace(errorSlot, messageBox("error", err instanceof auth.AuthError ? err.message : "Sign-in failed. Try again."));
  }

  async function next(result) {
    if (result.signedIn) { onSignedIn(); return; }
    const { challenge, session } = result;
    if (challenge === "SOFTWARE_TOKEN_MFA") mfaStep(session);
    else if (challenge === "NEW_PASSWORD_REQUIRED") newPasswordStep(session);
    else if (challenge === "MFA_SETUP") await mfaSetupStep(session);
    else fail(new auth.AuthError("Unsupported", `This sign-in step (${challenge}) is not supported by the portal.`));
  }

  function step(title, intro, fields, submitText, onSubmit) {
    replace(errorSlot);
    const button = h("button", { type: "submit" }, submitText);
    const form = h("form", { novalidate: false }, fields.map((f) => f.wrap), button);
    form.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      button.disabled = true;
      button.setAttribute("aria-busy", "true");
      try {
        await onSubmit();
      } catch (err) {
        fail(err);
      } finally {
        button.disabled = false;
        button.removeAttribute("aria-busy");
      }
    });
    replace(card, h("h1", { id: "login-h" }, title), intro ? h("p", {}, intro) : null, notice && title === "Sign in" ? messageBox("info", notice) : null, errorSlot, form);
    focusHeading(card);
    const first = form.querySelector("input");
    if (first) first.focus();
  }

  function passwordStep() {
    const user = field({ label: "Username", name: "username", required: true, autocomplete: "username", attrs: { autocapitalize: "none", spellcheck: "false" } });
    const pass = field({ label: "Password", name: "password", type: "password", required: true, autocomplete: "current-password" });
    step("Sign in", "ClinicFlow staff portal.", [user, pass], "Sign in", async () => {
      await next(await auth.signIn(user.input.value.trim(), pass.input.value));
    });
  }

  function mfaStep(session) {
    const code = codeField();
    step("Enter your authentication code", "Open your authenticator app and enter the 6-digit code for ClinicFlow.", [code], "Verify", async () => {
      await next(await auth.respond("SOFTWARE_TOKEN_MFA", session, { SOFTWARE_TOKEN_MFA_CODE: code.input.value.trim() }));
    });
  }

  function newPasswordStep(session) {
    const pw = field({ label: "New password", name: "new_password", type: "password", required: true, autocomplete: "new-password", hint: "At least 12 characters, with upper and lower case letters and a number." });
    const again = field({ label: "Repeat the new password", name: "new_password_again", type: "password", required: true, autocomplete: "new-password" });
    step("Choose a new password", "This is your first sign-in: choose your own password.", [pw, again], "Set password", async () => {
      if (pw.input.value !== again.input.value) throw new auth.AuthError("Mismatch", "The two passwords are not the same.");
      await next(await auth.respond("NEW_PASSWORD_REQUIRED", session, { NEW_PASSWORD: pw.input.value }));
    });
  }

  async function mfaSetupStep(session) {
    const { secret, session: s2 } = await auth.associateSoftwareToken(session);
    const code = codeField();
    step("Set up your authenticator app", null, [code], "Verify and sign in", async () => {
      const s3 = await auth.verifySoftwareToken(s2, code.input.value.trim());
      await next(await auth.respond("MFA_SETUP", s3, {}));
    });
    const form = card.querySelector("form");
    form.before(h("div", { class: "mfa-setup" },
      h("p", {}, "ClinicFlow requires a second factor. In your authenticator app, add an account with this setup key, then enter the code it shows."),
      h("p", {}, h("span", { class: "label" }, "Setup key: "), h("code", { class: "secret" }, secret))));
  }

  function codeField() {
    return field({ label: "6-digit code", name: "code", required: true, autocomplete: "one-time-code", inputmode: "numeric", attrs: { pattern: "[0-9]{6}", maxlength: "6" } });
  }

  passwordStep();
}
