import { useState } from "preact/hooks";
import type { Api } from "../api.js";
import { t } from "../i18n.js";
import type { RecordTemplate, TimeSection } from "../types.js";
import { attempt, Field, useLoad } from "../ui.js";

/** DayOfWeek 1 Monday … 7 Sunday (spec 03 §3.1). */
export const WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"] as const;
const WHOLE_DAY = { StartTime: "00:00:00", EndTime: "23:59:59" };
const DAY_SECONDS = 86_400;

const secondsOf = (time: string) => {
  const [h = 0, m = 0, s = 0] = time.split(":").map(Number);
  return h * 3600 + m * 60 + s;
};
/** `<input type=time step=1>` may give HH:MM; the API wants HH:MM:SS. */
const withSeconds = (time: string) => (time.length === 5 ? `${time}:00` : time);

/** The week as seven rows with the template's sections as bars. */
export function WeekView(props: { sections: TimeSection[] }) {
  return (
    <div class="week">
      {WEEKDAYS.map((day, i) => (
        <div key={day} class="week-day">
          <span class="muted">{t(day)}</span>
          <div class="timeline small">
            {props.sections
              .filter((s) => s.DayOfWeek === i + 1)
              .map((s, k) => {
                const from = secondsOf(s.StartTime);
                return (
                  <span
                    key={k}
                    class="segment"
                    title={`${s.StartTime}–${s.EndTime}`}
                    style={{ left: `${(from / DAY_SECONDS) * 100}%`, width: `${Math.max(0.5, ((secondsOf(s.EndTime) + 1 - from) / DAY_SECONDS) * 100)}%` }}
                  />
                );
              })}
          </div>
        </div>
      ))}
    </div>
  );
}

/** Add (no `template`) or edit a template: its name and weekly sections. */
function TemplateForm(props: { api: Api; template?: RecordTemplate; onDone: (saved: boolean) => void }) {
  const { api, template } = props;
  const [name, setName] = useState(template?.TemplateName ?? "");
  const [sections, setSections] = useState<TimeSection[]>(template?.TimeSections ?? [{ DayOfWeek: 1, StartTime: "08:00:00", EndTime: "20:00:00" }]);
  const change = (i: number, patch: Partial<TimeSection>) => setSections(sections.map((s, k) => (k === i ? { ...s, ...patch } : s)));
  const submit = async (e: Event) => {
    e.preventDefault();
    const ok = await attempt(() =>
      template
        ? api("POST", "/ivc/record/template/modify", {}, { TemplateId: template.TemplateId, Mod: { TemplateName: name, TimeSections: sections } })
        : api("POST", "/ivc/record/template/add", {}, { TemplateName: name, TimeSections: sections }),
    );
    if (ok) props.onDone(true);
  };
  return (
    <form class="card" onSubmit={submit} data-testid="template-form">
      <h3>{template ? `${t("Edit")} ${template.TemplateName}` : t("Add template")}</h3>
      <Field label={t("Name")}>
        <input name="template-name" value={name} onInput={(e) => setName(e.currentTarget.value)} required maxLength={32} />
      </Field>
      <table class="sections">
        <thead>
          <tr>
            <th>{t("Day")}</th>
            <th>{t("Start")}</th>
            <th>{t("End")}</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {sections.map((s, i) => (
            <tr key={i} data-testid="time-section">
              <td>
                <select name="day" value={s.DayOfWeek} onChange={(e) => change(i, { DayOfWeek: Number(e.currentTarget.value) })}>
                  {WEEKDAYS.map((day, d) => (
                    <option key={day} value={d + 1}>
                      {t(day)}
                    </option>
                  ))}
                </select>
              </td>
              <td>
                <input name="start" type="time" step={1} value={s.StartTime} onInput={(e) => change(i, { StartTime: withSeconds(e.currentTarget.value) })} />
              </td>
              <td>
                <input name="end" type="time" step={1} value={s.EndTime} onInput={(e) => change(i, { EndTime: withSeconds(e.currentTarget.value) })} />
              </td>
              <td>
                <button type="button" onClick={() => setSections(sections.filter((_, k) => k !== i))}>
                  {t("Remove")}
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <div class="row wrap">
        <button type="button" onClick={() => setSections([...sections, { DayOfWeek: 1, ...WHOLE_DAY }])}>
          {t("Add section")}
        </button>
        <button type="button" onClick={() => setSections(WEEKDAYS.map((_, d) => ({ DayOfWeek: d + 1, ...WHOLE_DAY })))}>
          {t("Every day, all day")}
        </button>
      </div>
      <WeekView sections={sections} />
      <div class="row">
        <button type="submit">{t("Save")}</button>
        <button type="button" onClick={() => props.onDone(false)}>
          {t("Cancel")}
        </button>
      </div>
    </form>
  );
}

/** Live-to-cloud templates (spec 03 §3): when the plans that use one record. */
export function TemplatesTab(props: { api: Api }) {
  const { api } = props;
  const { data, reload } = useLoad(() => api<RecordTemplate[]>("GET", "/ivc/record/templatelist/query"), [api]);
  const [edited, setEdited] = useState<RecordTemplate | "new" | undefined>(undefined);
  const remove = async (tpl: RecordTemplate) => {
    if (confirm(t("Delete this template?")) && (await attempt(() => api("POST", "/ivc/record/template/delete", {}, { TemplateId: tpl.TemplateId })))) reload();
  };
  return (
    <section>
      <div class="row">
        <h3>{t("Recording templates")}</h3>
        <button type="button" data-testid="add-template" onClick={() => setEdited("new")}>
          {t("Add template")}
        </button>
      </div>
      {edited ? (
        <TemplateForm
          key={edited === "new" ? "new" : edited.TemplateId}
          api={api}
          {...(edited === "new" ? {} : { template: edited })}
          onDone={(saved) => {
            setEdited(undefined);
            if (saved) reload();
          }}
        />
      ) : null}
      {data && data.length === 0 ? <p class="muted">{t("No templates")}</p> : null}
      {(data ?? []).map((tpl) => (
        <div key={tpl.TemplateId} class="card" data-testid={`template-${tpl.TemplateName}`}>
          <div class="row">
            <strong>{tpl.TemplateName}</strong>
            <span class="muted">
              {tpl.TimeSections.length} {t("sections")}
            </span>
            <span class="spacer" />
            <button type="button" onClick={() => setEdited(tpl)}>
              {t("Edit")}
            </button>
            <button type="button" onClick={() => remove(tpl)}>
              {t("Delete")}
            </button>
          </div>
          <WeekView sections={tpl.TimeSections} />
        </div>
      ))}
    </section>
  );
}
