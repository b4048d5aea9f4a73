import { useState } from "preact/hooks";
import type { Api } from "../api.js";
import { t } from "../i18n.js";
import { attempt, useInterval, useLoad } from "../ui.js";

interface Gateway {
  Id: string;
  GwId: string;
  Name: string;
  ClusterName: string;
  Status: number;
}
interface Monitor {
  UpFlow: number;
  DeviceTotal: number;
  DeviceOnline: number;
  ChannelTotal: number;
  ChannelOnline: number;
}
interface ServiceVersion {
  Name: string;
  Version: string;
  LatestVersion: string;
  IsUpdate: boolean;
  UpgradeInfo: string;
}

const POLL_MS = 3000;

function GatewayRow(props: { api: Api; gateway: Gateway; tick: number }) {
  const { api, gateway, tick } = props;
  const monitor = useLoad(() => api<Monitor>("GET", "/ivc/cms/gateway/monitor", { Id: gateway.Id }), [api, gateway.Id, tick]).data;
  // Upgrade progress is the box's report, read back through version (spec 04 G6).
  const versions = useLoad(() => api<{ Services: ServiceVersion[] }>("GET", "/ivc/cms/gateway/version", { Id: gateway.Id }), [api, gateway.Id, tick]).data;
  const [asked, setAsked] = useState(false);
  const upgrade = async () => setAsked(await attempt(() => api("POST", "/ivc/cms/gateway/upgrade", { Id: gateway.Id })));
  const services = versions?.Services ?? [];
  return (
    <tr data-testid={`gateway-${gateway.GwId}`}>
      <td>{gateway.Name}</td>
      <td>
        <code>{gateway.GwId}</code>
      </td>
      <td>
        <span class={gateway.Status === 1 ? "status status-online" : "status status-offline"}>{t(gateway.Status === 1 ? "Online" : "Offline")}</span>
      </td>
      <td>
        {monitor ? (
          <>
            {t("Upstream")} {monitor.UpFlow} kbit/s · {t("Device online / total")} {monitor.DeviceOnline}/{monitor.DeviceTotal} · {t("Channel online / total")} {monitor.ChannelOnline}/
            {monitor.ChannelTotal}
          </>
        ) : (
          "…"
        )}
      </td>
      <td>
        {services.map((s) => (
          <div key={s.Name}>
            {s.Name} {s.Version} → {s.LatestVersion || "—"} {s.UpgradeInfo ? <span class="muted">({s.UpgradeInfo})</span> : null}
          </div>
        ))}
      </td>
      <td>
        <button type="button" onClick={upgrade} disabled={!services.some((s) => s.IsUpdate)}>
          {t("Upgrade")}
        </button>
        {asked ? <span class="muted"> {t("Upgrade progress")}…</span> : null}
      </td>
    </tr>
  );
}

/** Gateway boxes with their monitor figures, versions and the upgrade button (spec 04). */
export function GatewaysPage(props: { api: Api }) {
  const { api } = props;
  const tick = useInterval(POLL_MS);
  const { data } = useLoad(() => api<{ TotalCount: number; List: Gateway[] }>("GET", "/ivc/cms/gateway/list", { PageNumber: "1", PageSize: "100" }), [api, tick]);
  return (
    <section>
      <h2>{t("Gateways")}</h2>
      <table>
        <thead>
          <tr>
            <th>{t("Name")}</th>
            <th>GwId</th>
            <th>{t("Status")}</th>
            <th>{t("Monitor")}</th>
            <th>{t("Version")}</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {(data?.List ?? []).map((g) => (
            <GatewayRow key={g.Id} api={api} gateway={g} tick={tick} />
          ))}
        </tbody>
      </table>
    </section>
  );
}
