import { t } from "../i18n.js";
import { ACCESS_RTMP, type DeviceDescription } from "../types.js";

/** What to enter on the camera (GB28181) or the encoder (RTMP), as `ivc device add-gb/add-rtmp` prints it. */
export function CameraSettings(props: { device: DeviceDescription }) {
  const d = props.device;
  if (d.AccessProtocol === ACCESS_RTMP) {
    const url = new URL(d.PushStreamUrl);
    const slash = url.pathname.lastIndexOf("/");
    return (
      <div class="card" data-testid="camera-settings">
        <h3>{t("Push URL (RTMP)")}</h3>
        <code class="block">{d.PushStreamUrl}</code>
        <dl>
          <dt>{t("Server")}</dt>
          <dd>
            <code>{`${url.protocol}//${url.host}${url.pathname.slice(0, slash)}`}</code>
          </dd>
          <dt>{t("Stream key")}</dt>
          <dd>
            <code>{`${url.pathname.slice(slash + 1)}${url.search}`}</code>
          </dd>
        </dl>
      </div>
    );
  }
  const tcp = d.TransportProtocol === 2;
  const rows: Array<[string, string, string]> = [
    ["SIP server ID", d.SipId, "sip-id"],
    ["SIP domain", d.SipDomain, "sip-domain"],
    ["SIP server IP", d.SipIp, "sip-ip"],
    ["SIP server port", String(d.SipPort), "sip-port"],
    ["Device ID", d.Code, "device-code"],
    ["Password", d.Password, "device-password"],
    ["Transport", tcp ? "TCP" : "UDP", "transport"],
  ];
  const sim = `npx gb-device-sim --server ${d.SipIp}:${d.SipPort} --server-id ${d.SipId} --domain ${d.SipDomain} --id ${d.Code} --password ${d.Password}${tcp ? " --transport tcp" : ""}${d.Type === 2 ? " --channels 4" : ""}`;
  return (
    <div class="card" data-testid="camera-settings">
      <h3>{t("Enter on the camera (GB28181)")}</h3>
      <dl>
        {rows.map(([label, value, id]) => (
          <>
            <dt>{t(label)}</dt>
            <dd>
              <code data-testid={id}>{value}</code>
            </dd>
          </>
        ))}
      </dl>
      <p>{t("No camera at hand? The virtual device, with the same values:")}</p>
      <code class="block">{sim}</code>
    </div>
  );
}
