import { useState } from "preact/hooks";
import type { Api } from "../api.js";
import { t } from "../i18n.js";
import type { Channel, Device, DeviceDescription } from "../types.js";
import { ACCESS_PROTOCOL, ACCESS_RTMP, DEVICE_STATUS, DEVICE_TYPE, TRANSPORT } from "../types.js";
import { attempt, useInterval, useLoad } from "../ui.js";
import { CameraSettings } from "./camera-settings.js";
import { DeviceForm } from "./device-form.js";

/** Live status is polled: the API has no push channel to a browser. */
const STATUS_POLL_MS = 3000;
const PAGE_SIZE = 100;
const STATUS_DISABLED = 3;
const COLUMNS = 8;

function StatusBadge(props: { status: number }) {
  const label = DEVICE_STATUS[props.status] ?? String(props.status);
  return <span class={`status status-${label.toLowerCase()}`}>{t(label)}</span>;
}

/** When the device was last heard (LastKeepaliveTime), as "12 s ago" with the time in the title. */
function LastKeepalive(props: { seconds: number }) {
  if (!props.seconds) return <span class="muted">—</span>;
  const ago = Math.max(0, Math.round(Date.now() / 1000 - props.seconds));
  return <span title={new Date(props.seconds * 1000).toLocaleString()}>{ago < 120 ? `${ago} ${t("s ago")}` : new Date(props.seconds * 1000).toLocaleString()}</span>;
}

function Channels(props: { api: Api; device: Device; tick: number }) {
  const { api, device } = props;
  const { data } = useLoad(() => api<Channel[]>("GET", "/ivc/cms/device/channel", { DeviceId: device.Id }), [api, device.Id, props.tick]);
  if (!data) return null;
  return (
    <table class="channels" data-testid={`channels-${device.Id}`}>
      <thead>
        <tr>
          <th>{t("Channel")}</th>
          <th>{t("Name")}</th>
          <th>{t("Status")}</th>
          <th />
        </tr>
      </thead>
      <tbody>
        {data.map((c) => (
          <tr key={c.ChannelId} data-testid={`channel-${c.ChannelCode}`}>
            <td>
              <code>{c.ChannelCode}</code>
            </td>
            <td>{c.Name}</td>
            <td>
              <span class={c.State === 1 ? "status status-online" : "status status-offline"}>{t(c.State === 1 ? "Online" : "Offline")}</span>
            </td>
            <td class="actions">
              <a href={`#/live/${c.ChannelId}`}>{t("Live")}</a>
              <a href={`#/recordings/${c.ChannelId}`}>{t("Recordings")}</a>
              <a href={`#/plays/${c.ChannelId}`}>{t("Diagnostics")}</a>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** Devices of an organization (or all), their status every few seconds, channels, add / edit / disable / delete. */
export function DevicesPage(props: { api: Api; deviceId?: string | undefined }) {
  const { api } = props;
  const orgId = props.deviceId?.startsWith("org:") ? props.deviceId.slice(4) : "0";
  const tick = useInterval(STATUS_POLL_MS);
  const [edited, setEdited] = useState<Device | "new" | undefined>(undefined);
  const [settings, setSettings] = useState<DeviceDescription | undefined>(undefined);
  const [open, setOpen] = useState<string | undefined>(props.deviceId?.startsWith("org:") ? undefined : props.deviceId);
  const { data, reload } = useLoad(
    () => api<{ TotalCount: number; List: Device[] }>("GET", "/ivc/urm/resource/getUserResources", { OrganizationId: orgId, IsContainSubLevel: "true", PageNumber: "1", PageSize: String(PAGE_SIZE) }),
    [api, orgId, tick],
  );
  const showSettings = async (d: Device) => {
    await attempt(async () => setSettings(await api<DeviceDescription>("GET", "/ivc/cms/device/describe", { Id: d.Id })));
  };
  const setDisabled = async (d: Device, disable: boolean) => {
    const Status = disable ? 3 : 2;
    if (await attempt(() => api("PUT", "/ivc/cms/device/updatestatus", { Id: d.Id }, { Id: d.Id, Status }))) reload();
  };
  const remove = async (d: Device) => {
    if (confirm(t("Delete this device?")) && (await attempt(() => api("DELETE", "/ivc/cms/device/delete", { Id: d.Id })))) reload();
  };
  const devices = data?.List ?? [];
  return (
    <section>
      <div class="row">
        <h2>{t("Devices")}</h2>
        <span class="muted">
          {t("Total")} {data?.TotalCount ?? "…"}
        </span>
        <button type="button" data-testid="add-device" onClick={() => setEdited("new")}>
          {t("Add device")}
        </button>
      </div>
      {edited ? (
        <DeviceForm
          api={api}
          {...(edited === "new" ? {} : { device: edited })}
          onDone={(saved) => {
            setEdited(undefined);
            if (saved) setSettings(saved);
            reload();
          }}
        />
      ) : null}
      {settings ? (
        <div>
          <div class="row">
            <h3>
              {t("Camera settings")}: {settings.Name}
            </h3>
            <StatusBadge status={settings.Status} />
            <span data-testid="described-keepalive">
              {t("Last keepalive")}: <LastKeepalive seconds={settings.LastKeepaliveTime} />
            </span>
            <button type="button" onClick={() => setSettings(undefined)}>
              {t("Close")}
            </button>
          </div>
          <CameraSettings device={settings} />
        </div>
      ) : null}
      <table class="devices">
        <thead>
          <tr>
            <th>{t("Name")}</th>
            <th>{t("Code")}</th>
            <th>{t("Access")}</th>
            <th>{t("Type")}</th>
            <th>{t("Transport")}</th>
            <th>{t("Status")}</th>
            <th>{t("Last keepalive")}</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {devices.length === 0 ? (
            <tr>
              <td colSpan={COLUMNS} class="muted">
                {t("No devices")}
              </td>
            </tr>
          ) : null}
          {devices.map((d) => (
            <>
              <tr key={d.Id} data-testid={`device-${d.Code}`}>
                <td>
                  <button type="button" class="link" onClick={() => setOpen(open === d.Id ? undefined : d.Id)}>
                    {open === d.Id ? "▾" : "▸"} {d.Name}
                  </button>
                </td>
                <td>
                  <code>{d.Code}</code>
                </td>
                <td>{ACCESS_PROTOCOL[d.AccessProtocol] ?? d.AccessProtocol}</td>
                <td>{DEVICE_TYPE[d.Type] ?? d.Type}</td>
                <td>{TRANSPORT[d.TransportProtocol] ?? "—"}</td>
                <td data-testid="device-status">
                  <StatusBadge status={d.Status} />
                </td>
                <td data-testid="device-keepalive">
                  <LastKeepalive seconds={d.LastKeepaliveTime} />
                </td>
                <td class="actions">
                  {d.AccessProtocol === ACCESS_RTMP ? <a href={`#/live/device:${d.Id}`}>{t("Live")}</a> : null}
                  <button type="button" onClick={() => showSettings(d)}>
                    {t("Camera settings")}
                  </button>
                  <button type="button" onClick={() => setEdited(d)}>
                    {t("Edit")}
                  </button>
                  <button type="button" onClick={() => setDisabled(d, d.Status !== STATUS_DISABLED)}>
                    {t(d.Status === STATUS_DISABLED ? "Enable" : "Disable")}
                  </button>
                  <button type="button" onClick={() => remove(d)}>
                    {t("Delete")}
                  </button>
                </td>
              </tr>
              {open === d.Id && d.AccessProtocol !== ACCESS_RTMP ? (
                <tr>
                  <td colSpan={COLUMNS}>
                    <Channels api={api} device={d} tick={tick} />
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
