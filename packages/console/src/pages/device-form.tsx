import { useState } from "preact/hooks";
import type { Api } from "../api.js";
import { t } from "../i18n.js";
import type { Device, DeviceDescription, Organization, Region } from "../types.js";
import { ACCESS_GB, ACCESS_RTMP } from "../types.js";
import { attempt, Field, useLoad } from "../ui.js";

/** Add (no `device`) or edit a device; calls back with the device's description (what to enter on the camera). */
export function DeviceForm(props: { api: Api; device?: Device; onDone: (saved?: DeviceDescription) => void }) {
  const { api, device } = props;
  const regions = useLoad(() => api<Region[]>("GET", "/ivc/cms/config/getuserregion"), [api]).data ?? [];
  const orgs = useLoad(() => api<Organization[]>("GET", "/ivc/cms/organization/query"), [api]).data ?? [];
  const [name, setName] = useState(device?.Name ?? "");
  const [access, setAccess] = useState(device?.AccessProtocol ?? ACCESS_GB);
  const [type, setType] = useState(device?.Type ?? 1);
  const [transport, setTransport] = useState(device?.TransportProtocol || 1);
  const [password, setPassword] = useState("");
  const [description, setDescription] = useState(device?.Description ?? "");
  const [org, setOrg] = useState(device?.OrganizationId ?? "0");
  const [cluster, setCluster] = useState("");
  const gb = access === ACCESS_GB;

  const submit = async (e: Event) => {
    e.preventDefault();
    let id = device?.Id;
    const ok = await attempt(async () => {
      const optional = { ...(password ? { Password: password } : {}), ...(description ? { Description: description } : {}) };
      if (device) {
        await api("PUT", "/ivc/cms/device/update", { Id: device.Id }, { Id: device.Id, Name: name, ...(gb ? { TransportProtocol: transport } : {}), ...optional });
      } else {
        const body = {
          Name: name,
          AccessProtocol: access,
          Type: gb ? type : 1,
          OrganizationId: org,
          ClusterId: cluster || regions[0]?.Value || "",
          ...(gb ? { TransportProtocol: transport } : {}),
          ...optional,
        };
        id = (await api<{ Id: string }>("POST", "/ivc/cms/device/add", {}, body)).Id;
      }
    });
    if (!ok || !id) return;
    const described = id;
    let saved: DeviceDescription | undefined;
    await attempt(async () => {
      saved = await api<DeviceDescription>("GET", "/ivc/cms/device/describe", { Id: described });
    });
    props.onDone(saved);
  };

  return (
    <form class="card" onSubmit={submit} data-testid="device-form">
      <h3>{device ? `${t("Edit")} ${device.Name}` : t("Add device")}</h3>
      <Field label={t("Name")}>
        <input name="name" value={name} onInput={(e) => setName(e.currentTarget.value)} required maxLength={64} />
      </Field>
      {device ? null : (
        <>
          <Field label={t("Access")}>
            <select name="access" value={access} onChange={(e) => setAccess(Number(e.currentTarget.value))}>
              <option value={ACCESS_GB}>GB28181</option>
              <option value={ACCESS_RTMP}>RTMP</option>
            </select>
          </Field>
          {gb ? (
            <Field label={t("Type")}>
              <select name="type" value={type} onChange={(e) => setType(Number(e.currentTarget.value))}>
                <option value={1}>IPC</option>
                <option value={2}>NVR</option>
              </select>
            </Field>
          ) : null}
          <Field label={t("Organization")}>
            <select name="organization" value={org} onChange={(e) => setOrg(e.currentTarget.value)}>
              <option value="0">{t("Root")}</option>
              {orgs.map((o) => (
                <option key={o.Id} value={o.Id}>
                  {o.Name}
                </option>
              ))}
            </select>
          </Field>
          <Field label={t("Service node")}>
            <select name="cluster" value={cluster || regions[0]?.Value} onChange={(e) => setCluster(e.currentTarget.value)}>
              {regions.map((r) => (
                <option key={r.Value} value={r.Value}>
                  {r.Label}
                </option>
              ))}
            </select>
          </Field>
        </>
      )}
      {gb ? (
        <>
          <Field label={t("Transport")}>
            <select name="transport" value={transport} onChange={(e) => setTransport(Number(e.currentTarget.value))}>
              <option value={1}>UDP</option>
              <option value={2}>TCP</option>
            </select>
          </Field>
          <Field label={t("Password")}>
            <input name="password" value={password} onInput={(e) => setPassword(e.currentTarget.value)} placeholder={device ? "" : "12345678"} />
          </Field>
        </>
      ) : null}
      <Field label={t("Description")}>
        <input name="description" value={description} onInput={(e) => setDescription(e.currentTarget.value)} />
      </Field>
      <div class="row">
        <button type="submit">{t("Save")}</button>
        <button type="button" onClick={() => props.onDone()}>
          {t("Cancel")}
        </button>
      </div>
    </form>
  );
}
