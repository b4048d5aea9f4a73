import { useState } from "preact/hooks";
import type { Api } from "../api.js";
import { allChannels, type ChannelOfDevice } from "../all-channels.js";
import { t } from "../i18n.js";
import type { Page, PlanChannel, RecordPlan, RecordTemplate } from "../types.js";
import { attempt, Field, useLoad } from "../ui.js";

/** A plan shows this many of its channels (devicelist/query is paged). */
const CHANNEL_PAGE = 100;

/** Channels of the account in no plan yet (one plan per channel, spec 03 §1.1). */
function useFreeChannels(api: Api, tick: number): ChannelOfDevice[] {
  const all = useLoad(() => allChannels(api), [api]).data ?? [];
  const planned = useLoad(() => api<{ List: string[] }>("GET", "/ivc/record/allchannellist/query"), [api, tick]).data?.List ?? [];
  const taken = new Set(planned);
  return all.filter((c) => !taken.has(c.ChannelId));
}

/** Checkboxes of channels; calls back with the picked ones as the plan's `{DeviceId, ChannelId}`. */
function ChannelPicker(props: { channels: ChannelOfDevice[]; picked: Set<string>; onChange: (picked: Set<string>) => void }) {
  if (props.channels.length === 0) return <p class="muted">{t("Every channel is in a plan already")}</p>;
  return (
    <div class="picker" data-testid="channel-choices">
      {props.channels.map((c) => (
        <label key={c.ChannelId}>
          <input
            type="checkbox"
            checked={props.picked.has(c.ChannelId)}
            onChange={(e) => {
              const next = new Set(props.picked);
              if (e.currentTarget.checked) next.add(c.ChannelId);
              else next.delete(c.ChannelId);
              props.onChange(next);
            }}
          />{" "}
          {c.deviceName} / {c.Name}
        </label>
      ))}
    </div>
  );
}

const refsOf = (channels: ChannelOfDevice[], picked: Set<string>) => channels.filter((c) => picked.has(c.ChannelId)).map((c) => ({ DeviceId: c.DeviceId, ChannelId: c.ChannelId }));

function PlanForm(props: { api: Api; templates: RecordTemplate[]; onDone: (saved: boolean) => void }) {
  const { api, templates } = props;
  const free = useFreeChannels(api, 0);
  const [name, setName] = useState("");
  const [templateId, setTemplateId] = useState("");
  const [describe, setDescribe] = useState("");
  const [streamType, setStreamType] = useState("default");
  const [transition, setTransition] = useState(30);
  const [expiration, setExpiration] = useState(0);
  const [picked, setPicked] = useState(new Set<string>());
  const submit = async (e: Event) => {
    e.preventDefault();
    const body = {
      PlanName: name,
      TemplateId: templateId || templates[0]?.TemplateId || "",
      ...(describe ? { Describe: describe } : {}),
      StreamType: streamType,
      LifeCycle: { Transition: transition, Expiration: expiration },
      Channels: refsOf(free, picked),
    };
    if (await attempt(() => api("POST", "/ivc/record/plan/add", {}, body))) props.onDone(true);
  };
  return (
    <form class="card" onSubmit={submit} data-testid="plan-form">
      <h3>{t("Add plan")}</h3>
      <div class="row wrap">
        <Field label={t("Name")}>
          <input name="plan-name" value={name} onInput={(e) => setName(e.currentTarget.value)} required maxLength={32} />
        </Field>
        <Field label={t("Template")}>
          <select name="template" value={templateId || templates[0]?.TemplateId} onChange={(e) => setTemplateId(e.currentTarget.value)}>
            {templates.map((tpl) => (
              <option key={tpl.TemplateId} value={tpl.TemplateId}>
                {tpl.TemplateName}
              </option>
            ))}
          </select>
        </Field>
        <Field label={t("Stream")}>
          <select name="stream-type" value={streamType} onChange={(e) => setStreamType(e.currentTarget.value)}>
            <option value="default">{t("Default stream")}</option>
            <option value="main">{t("Main stream")}</option>
            <option value="sub">{t("Sub stream")}</option>
          </select>
        </Field>
        <Field label={t("Hot storage (days)")}>
          <input name="transition" type="number" min={1} max={3650} value={transition} onInput={(e) => setTransition(Number(e.currentTarget.value))} />
        </Field>
        <Field label={t("Cold storage (days, 0 none)")}>
          <input name="expiration" type="number" min={0} max={3650} value={expiration} onInput={(e) => setExpiration(Number(e.currentTarget.value))} />
        </Field>
        <Field label={t("Description")}>
          <input name="describe" value={describe} onInput={(e) => setDescribe(e.currentTarget.value)} maxLength={128} />
        </Field>
      </div>
      <h4>{t("Channels")}</h4>
      <ChannelPicker channels={free} picked={picked} onChange={setPicked} />
      <div class="row">
        <button type="submit">{t("Save")}</button>
        <button type="button" onClick={() => props.onDone(false)}>
          {t("Cancel")}
        </button>
      </div>
    </form>
  );
}

/** A plan's channels, with adding (Mod.Add) and taking out (Mod.Del). */
function PlanChannels(props: { api: Api; plan: RecordPlan; onChange: () => void }) {
  const { api, plan } = props;
  const [tick, setTick] = useState(0);
  const page = useLoad(
    () => api<Page<PlanChannel>>("GET", "/ivc/record/devicelist/query", { PlanId: plan.PlanId, PageNumber: "1", PageSize: String(CHANNEL_PAGE) }),
    [api, plan.PlanId, tick],
  ).data;
  const free = useFreeChannels(api, tick);
  const [picked, setPicked] = useState(new Set<string>());
  const modify = async (mod: Record<string, unknown>) => {
    if (await attempt(() => api("POST", "/ivc/record/plan/modify", {}, { PlanId: plan.PlanId, Mod: mod }))) {
      setPicked(new Set());
      setTick((n) => n + 1);
      props.onChange();
    }
  };
  return (
    <div data-testid={`plan-channels-${plan.PlanName}`}>
      <table>
        <thead>
          <tr>
            <th>{t("Device")}</th>
            <th>{t("Channel")}</th>
            <th>{t("Organization")}</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {(page?.List ?? []).map((c) => (
            <tr key={c.ChannelId} data-testid="plan-channel">
              <td>{c.DeviceName}</td>
              <td>{c.ChannelName}</td>
              <td>{c.OrganizationName || t("Root")}</td>
              <td class="actions">
                <a href={`#/cloud/timeline/${c.ChannelId}`}>{t("Cloud recordings")}</a>
                <button type="button" onClick={() => modify({ Del: [c.ChannelId] })}>
                  {t("Remove")}
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {page && page.TotalCount > page.List.length ? (
        <p class="muted">
          {page.List.length} / {page.TotalCount}
        </p>
      ) : null}
      <h4>{t("Add channels")}</h4>
      <ChannelPicker channels={free} picked={picked} onChange={setPicked} />
      <button type="button" disabled={picked.size === 0} onClick={() => modify({ Add: refsOf(free, picked) })}>
        {t("Add channels")}
      </button>
    </div>
  );
}

/** Live-to-cloud plans (spec 03 §1): which channels record, on which template, kept how long. */
export function PlansTab(props: { api: Api }) {
  const { api } = props;
  const { data, reload } = useLoad(() => api<RecordPlan[]>("GET", "/ivc/record/planlist/query"), [api]);
  const templates = useLoad(() => api<RecordTemplate[]>("GET", "/ivc/record/templatelist/query"), [api]).data ?? [];
  const [adding, setAdding] = useState(false);
  const [open, setOpen] = useState<string | undefined>(undefined);
  const templateName = (id: string) => templates.find((tpl) => tpl.TemplateId === id)?.TemplateName ?? id;
  const remove = async (plan: RecordPlan) => {
    if (confirm(t("Delete this plan?")) && (await attempt(() => api("POST", "/ivc/record/plan/delete", {}, { PlanId: plan.PlanId })))) reload();
  };
  return (
    <section>
      <div class="row">
        <h3>{t("Recording plans")}</h3>
        <button type="button" data-testid="add-plan" onClick={() => setAdding(true)} disabled={templates.length === 0} title={templates.length === 0 ? t("Add a template first") : ""}>
          {t("Add plan")}
        </button>
      </div>
      {adding ? (
        <PlanForm
          api={api}
          templates={templates}
          onDone={(saved) => {
            setAdding(false);
            if (saved) reload();
          }}
        />
      ) : null}
      {data && data.length === 0 ? <p class="muted">{t("No plans")}</p> : null}
      <table>
        <thead>
          <tr>
            <th>{t("Name")}</th>
            <th>{t("Template")}</th>
            <th>{t("Stream")}</th>
            <th>{t("Hot / cold days")}</th>
            <th>{t("Description")}</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {(data ?? []).map((plan) => (
            <>
              <tr key={plan.PlanId} data-testid={`plan-${plan.PlanName}`}>
                <td>
                  <button type="button" class="link" onClick={() => setOpen(open === plan.PlanId ? undefined : plan.PlanId)}>
                    {open === plan.PlanId ? "▾" : "▸"} {plan.PlanName}
                  </button>
                </td>
                <td>{templateName(plan.TemplateId)}</td>
                <td>{plan.StreamType}</td>
                <td>
                  {plan.LifeCycle.Transition} / {plan.LifeCycle.Expiration}
                </td>
                <td>{plan.Describe}</td>
                <td class="actions">
                  <button type="button" onClick={() => remove(plan)}>
                    {t("Delete")}
                  </button>
                </td>
              </tr>
              {open === plan.PlanId ? (
                <tr>
                  <td colSpan={6}>
                    <PlanChannels api={api} plan={plan} onChange={reload} />
                  </td>
                </tr>
              ) : null}
            </>
          ))}
        </tbody>
      </table>
    </section>
  );
}
