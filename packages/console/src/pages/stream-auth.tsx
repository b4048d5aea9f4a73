import { useEffect, useState } from "preact/hooks";
import type { Api } from "../api.js";
import { t } from "../i18n.js";
import type { StreamAuth } from "../types.js";
import { attempt, Field, useLoad } from "../ui.js";

/** Push / pull URL signing of the account (config/authstream, spec 01 §5.8). */
export function StreamAuthPage(props: { api: Api }) {
  const { api } = props;
  const { data, reload } = useLoad(() => api<StreamAuth>("GET", "/ivc/cms/config/authstream"), [api]);
  const [form, setForm] = useState<StreamAuth | undefined>(undefined);
  const [saved, setSaved] = useState(false);
  useEffect(() => setForm(data), [data]);
  if (!form) return null;
  const set = (patch: Partial<StreamAuth>) => {
    setSaved(false);
    setForm({ ...form, ...patch });
  };
  const save = async (e: Event) => {
    e.preventDefault();
    if (await attempt(() => api("POST", "/ivc/cms/config/authstream", {}, form))) {
      setSaved(true);
      reload();
    }
  };
  const part = (title: string, state: "PullState" | "PushState", secret: "PullSecret" | "PushSecret", expired: "PullExpired" | "PushExpired") => (
    <fieldset>
      <legend>{t(title)}</legend>
      <Field label={t("Status")}>
        <select value={form[state]} onChange={(e) => set({ [state]: Number(e.currentTarget.value) })}>
          <option value={1}>{t("On")}</option>
          <option value={0}>{t("Off")}</option>
        </select>
      </Field>
      <Field label={t("Secret")}>
        <input value={form[secret]} maxLength={10} onInput={(e) => set({ [secret]: e.currentTarget.value })} />
      </Field>
      <Field label={t("Valid for (minutes)")}>
        <input type="number" min={0} max={60} value={form[expired]} onInput={(e) => set({ [expired]: Number(e.currentTarget.value) })} />
      </Field>
    </fieldset>
  );
  return (
    <form class="card" onSubmit={save}>
      <h2>{t("Stream authentication")}</h2>
      {part("Pull (play) authentication", "PullState", "PullSecret", "PullExpired")}
      {part("Push authentication", "PushState", "PushSecret", "PushExpired")}
      <button type="submit">{t("Save")}</button> {saved ? <span class="muted">{t("Saved")}</span> : null}
    </form>
  );
}
