import { useState } from "preact/hooks";
import type { Api } from "../api.js";
import { t } from "../i18n.js";
import type { Gateway, GatewayMonitor, ServiceVersion } from "../types.js";
import { attempt, useInterval, useLoad } from "../ui.js";

const POLL_MS = 3000;
/** The box's upgrade stages in order (edge-agent upgrader); the API names the running one in UpgradeInfo. */
const UPGRADE_STAGES = ["downloading", "verifying", "installing", "switching", "health-check"] as const;

/** The running stage from G6 `UpgradeInfo` ("upgrading to 2.0.0: installing"), undefined when none runs. */
function runningStage(services: ServiceVersion[]): { version: string; stage: string; step: number } | undefined {
  for (const s of services) {
    const m = /^upgrading to (\S+): (\S+)$/.exec(s.UpgradeInfo);
    if (m?.[1] && m[2]) return { version: m[1], stage: m[2], step: UPGRADE_STAGES.indexOf(m[2] as (typeof UPGRADE_STAGES)[number]) + 1 };
  }
  return undefined;
}

/** What the upgrade button's neighbour says: the running stage as a bar, else the outcome once one was asked for. */
function UpgradeProgress(props: { services: ServiceVersion[]; asked: boolean }) {
  const running = runningStage(props.services);
  if (running) {
    return (
      <div data-testid="upgrade-progress" data-stage={running.stage}>
        <progress max={UPGRADE_STAGES.length} value={running.step} /> {t("Upgrading to")} {running.version}: {t(running.stage)}
      </div>
    );
  }
  if (!props.asked) return null;
  const pending = props.services.filter((s) => s.IsUpdate);
  // After a failure or a rollback UpgradeInfo says so (with the reason); with nothing left to update, it succeeded.
  return (
    <div data-testid="upgrade-progress" data-stage={pending.length === 0 ? "succeeded" : "ended"}>
      {pending.length === 0 ? t("Upgrade succeeded") : pending.map((s) => <div key={s.Name}>{s.UpgradeInfo}</div>)}
    </div>
  );
}

function GatewayRow(props: { api: Api; gateway: Gateway; tick: number }) {
  const { api, gateway, tick } = props;
  const monitor = useLoad(() => api<GatewayMonitor>("GET", "/ivc/cms/gateway/monitor", { Id: gateway.Id }), [api, gateway.Id, tick]).data;
  // Upgrade progress is the box's report, read back through version (spec 04 G6).
  const versionLoad = useLoad(() => api<{ Services: ServiceVersion[] }>("GET", "/ivc/cms/gateway/version", { Id: gateway.Id }), [api, gateway.Id, tick]);
  const versions = versionLoad.data;
  const [asked, setAsked] = useState(false);
  const upgrade = async () => {
    if (!(await attempt(() => api("POST", "/ivc/cms/gateway/upgrade", { Id: gateway.Id })))) return;
    setAsked(true);
    versionLoad.reload();
  };
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
        <button type="button" onClick={upgrade} disabled={!services.some((s) => s.IsUpdate) || runningStage(services) !== undefined}>
          {t("Upgrade")}
        </button>
        <UpgradeProgress services={services} asked={asked} />
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
