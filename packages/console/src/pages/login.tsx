import { useState } from "preact/hooks";
import { callApi } from "../api.js";
import { t } from "../i18n.js";
import type { ApiKey } from "../session.js";
import { attempt, Field } from "../ui.js";

/** Checks the key with one signed call (the user's service nodes) before keeping it for the tab. */
export function LoginPage(props: { onLogin: (key: ApiKey) => void }) {
  const [secretId, setSecretId] = useState("");
  const [secretKey, setSecretKey] = useState("");
  const submit = async (e: Event) => {
    e.preventDefault();
    const key = { secretId: secretId.trim(), secretKey: secretKey.trim() };
    if (await attempt(() => callApi(key, "GET", "/ivc/cms/config/getuserregion"))) props.onLogin(key);
  };
  return (
    <form class="card login" onSubmit={submit}>
      <h2>{t("Log in")}</h2>
      <p>{t("Log in with an API key (SecretId / SecretKey). The key stays in this tab only and is never sent: requests are signed in the browser.")}</p>
      <Field label="SecretId">
        <input name="secretId" autocomplete="username" value={secretId} onInput={(e) => setSecretId(e.currentTarget.value)} required />
      </Field>
      <Field label="SecretKey">
        <input name="secretKey" type="password" autocomplete="current-password" value={secretKey} onInput={(e) => setSecretKey(e.currentTarget.value)} required />
      </Field>
      <button type="submit">{t("Log in")}</button>
      <p class="muted">{t("npm start prints the first key; it is kept in var/first-key.json.")}</p>
    </form>
  );
}
