import { ONVIF_NS, soapEnvelope, type UsernameToken } from "./soap-envelope.js";
import { postSoap } from "./soap-post.js";
import { escapeXml, xmlElements, xmlText } from "./xml-values.js";

export type OnvifResult<T> = { ok: true; value: T } | { ok: false; reason: string };

export interface OnvifDeviceInformation {
  manufacturer: string;
  model: string;
  firmware: string;
  serialNumber: string;
}

export interface OnvifProfile {
  token: string;
  name: string;
  /** VideoSourceConfiguration/SourceToken: profiles sharing it are streams of one camera input. */
  videoSource: string | undefined;
  ptz: boolean;
}

export interface OnvifPreset {
  token: string;
  name: string;
}

export interface OnvifServiceUrls {
  device: string;
  media: string;
  ptz: string | undefined;
}

export interface OnvifClientOptions {
  /** Device service URL, e.g. http://192.168.1.64/onvif/device_service. */
  deviceUrl: string;
  user: string;
  password: string;
  timeoutMs?: number;
}

const MAX_RESPONSE_BYTES = 1024 * 1024;

/** "PT5S"-style xs:duration for PTZ timeouts. */
function isoSeconds(ms: number): string {
  return `PT${(ms / 1000).toFixed(3).replace(/\.?0+$/, "")}S`;
}

function num(n: number): string {
  return String(Math.max(-1, Math.min(1, n)));
}

/**
 * The few ONVIF operations the box uses (Core: GetDeviceInformation, GetCapabilities; Media:
 * GetProfiles, GetStreamUri; PTZ: ContinuousMove, Stop, GotoPreset, SetPreset, RemovePreset,
 * GetPresets), as SOAP 1.2 over HTTP with a WS-Security UsernameToken digest. Every call returns
 * a result: a camera's fault, timeout or garbage is a reason, never a throw.
 */
export class OnvifClient {
  private services: OnvifServiceUrls | undefined;

  constructor(private readonly options: OnvifClientOptions) {}

  async call(url: string, body: string): Promise<OnvifResult<string>> {
    const token: UsernameToken = { user: this.options.user, password: this.options.password };
    let text: string;
    let status: number;
    try {
      ({ status, text } = await postSoap(url, soapEnvelope(body, token), this.options.timeoutMs ?? 5000, MAX_RESPONSE_BYTES));
    } catch (err) {
      return { ok: false, reason: `ONVIF request to ${url} failed: ${err instanceof Error ? err.message : String(err)}` };
    }
    if (xmlElements(text, "Fault").length > 0) {
      return { ok: false, reason: `ONVIF fault: ${xmlText(text, "Text") ?? xmlText(text, "faultstring") ?? "no reason given"}` };
    }
    if (status !== 200) return { ok: false, reason: `ONVIF HTTP ${status} from ${url}` };
    return { ok: true, value: text };
  }

  async getDeviceInformation(): Promise<OnvifResult<OnvifDeviceInformation>> {
    const res = await this.call(this.options.deviceUrl, `<tds:GetDeviceInformation xmlns:tds="${ONVIF_NS.device}"/>`);
    if (!res.ok) return res;
    if (xmlElements(res.value, "GetDeviceInformationResponse").length === 0) return { ok: false, reason: "no GetDeviceInformationResponse" };
    return {
      ok: true,
      value: {
        manufacturer: xmlText(res.value, "Manufacturer") ?? "",
        model: xmlText(res.value, "Model") ?? "",
        firmware: xmlText(res.value, "FirmwareVersion") ?? "",
        serialNumber: xmlText(res.value, "SerialNumber") ?? "",
      },
    };
  }

  /** Media and PTZ service URLs from GetCapabilities; a camera that refuses it is tried at the device URL. */
  async serviceUrls(): Promise<OnvifServiceUrls> {
    if (this.services) return this.services;
    const res = await this.call(this.options.deviceUrl, `<tds:GetCapabilities xmlns:tds="${ONVIF_NS.device}"><tds:Category>All</tds:Category></tds:GetCapabilities>`);
    const xaddr = (section: string): string | undefined => {
      if (!res.ok) return undefined;
      const el = xmlElements(res.value, section)[0];
      return el ? xmlText(el.inner, "XAddr") : undefined;
    };
    this.services = { device: this.options.deviceUrl, media: xaddr("Media") ?? this.options.deviceUrl, ptz: xaddr("PTZ") };
    return this.services;
  }

  async getProfiles(): Promise<OnvifResult<OnvifProfile[]>> {
    const { media } = await this.serviceUrls();
    const res = await this.call(media, `<trt:GetProfiles xmlns:trt="${ONVIF_NS.media}"/>`);
    if (!res.ok) return res;
    const profiles = xmlElements(res.value, "Profiles").flatMap((p) => {
      const token = p.attributes.token;
      if (!token) return [];
      const source = xmlElements(p.inner, "VideoSourceConfiguration")[0];
      return [{ token, name: xmlText(p.inner, "Name") ?? token, videoSource: source ? xmlText(source.inner, "SourceToken") : undefined, ptz: xmlElements(p.inner, "PTZConfiguration").length > 0 }];
    });
    return { ok: true, value: profiles };
  }

  async getStreamUri(profileToken: string): Promise<OnvifResult<string>> {
    const { media } = await this.serviceUrls();
    const res = await this.call(
      media,
      `<trt:GetStreamUri xmlns:trt="${ONVIF_NS.media}"><trt:StreamSetup><tt:Stream>RTP-Unicast</tt:Stream>` +
        `<tt:Transport><tt:Protocol>RTSP</tt:Protocol></tt:Transport></trt:StreamSetup>` +
        `<trt:ProfileToken>${escapeXml(profileToken)}</trt:ProfileToken></trt:GetStreamUri>`,
    );
    if (!res.ok) return res;
    const uri = xmlText(res.value, "Uri");
    return uri && /^rtsps?:\/\//i.test(uri) ? { ok: true, value: uri } : { ok: false, reason: "GetStreamUri gave no rtsp:// Uri" };
  }

  private async ptzCall(body: string): Promise<OnvifResult<string>> {
    const { ptz } = await this.serviceUrls();
    return this.call(ptz ?? this.options.deviceUrl, body);
  }

  continuousMove(profileToken: string, velocity: { pan: number; tilt: number; zoom: number }, timeoutMs?: number): Promise<OnvifResult<string>> {
    return this.ptzCall(
      `<tptz:ContinuousMove xmlns:tptz="${ONVIF_NS.ptz}"><tptz:ProfileToken>${escapeXml(profileToken)}</tptz:ProfileToken>` +
        `<tptz:Velocity><tt:PanTilt x="${num(velocity.pan)}" y="${num(velocity.tilt)}"/><tt:Zoom x="${num(velocity.zoom)}"/></tptz:Velocity>` +
        `${timeoutMs ? `<tptz:Timeout>${isoSeconds(timeoutMs)}</tptz:Timeout>` : ""}</tptz:ContinuousMove>`,
    );
  }

  stop(profileToken: string): Promise<OnvifResult<string>> {
    return this.ptzCall(
      `<tptz:Stop xmlns:tptz="${ONVIF_NS.ptz}"><tptz:ProfileToken>${escapeXml(profileToken)}</tptz:ProfileToken>` +
        `<tptz:PanTilt>true</tptz:PanTilt><tptz:Zoom>true</tptz:Zoom></tptz:Stop>`,
    );
  }

  gotoPreset(profileToken: string, presetToken: string): Promise<OnvifResult<string>> {
    return this.ptzCall(
      `<tptz:GotoPreset xmlns:tptz="${ONVIF_NS.ptz}"><tptz:ProfileToken>${escapeXml(profileToken)}</tptz:ProfileToken>` +
        `<tptz:PresetToken>${escapeXml(presetToken)}</tptz:PresetToken></tptz:GotoPreset>`,
    );
  }

  async setPreset(profileToken: string, presetName?: string, presetToken?: string): Promise<OnvifResult<string>> {
    const res = await this.ptzCall(
      `<tptz:SetPreset xmlns:tptz="${ONVIF_NS.ptz}"><tptz:ProfileToken>${escapeXml(profileToken)}</tptz:ProfileToken>` +
        `${presetName ? `<tptz:PresetName>${escapeXml(presetName)}</tptz:PresetName>` : ""}` +
        `${presetToken ? `<tptz:PresetToken>${escapeXml(presetToken)}</tptz:PresetToken>` : ""}</tptz:SetPreset>`,
    );
    if (!res.ok) return res;
    const token = xmlText(res.value, "PresetToken");
    return token ? { ok: true, value: token } : { ok: false, reason: "SetPreset gave no PresetToken" };
  }

  removePreset(profileToken: string, presetToken: string): Promise<OnvifResult<string>> {
    return this.ptzCall(
      `<tptz:RemovePreset xmlns:tptz="${ONVIF_NS.ptz}"><tptz:ProfileToken>${escapeXml(profileToken)}</tptz:ProfileToken>` +
        `<tptz:PresetToken>${escapeXml(presetToken)}</tptz:PresetToken></tptz:RemovePreset>`,
    );
  }

  async getPresets(profileToken: string): Promise<OnvifResult<OnvifPreset[]>> {
    const res = await this.ptzCall(`<tptz:GetPresets xmlns:tptz="${ONVIF_NS.ptz}"><tptz:ProfileToken>${escapeXml(profileToken)}</tptz:ProfileToken></tptz:GetPresets>`);
    if (!res.ok) return res;
    const presets = xmlElements(res.value, "Preset").flatMap((p) => (p.attributes.token ? [{ token: p.attributes.token, name: xmlText(p.inner, "Name") ?? "" }] : []));
    return { ok: true, value: presets };
  }
}

/** The conventional device service address (ONVIF Core §5.1.1: "/onvif/device_service"). */
export function onvifDeviceUrl(ip: string, port: number): string {
  const host = ip.includes(":") ? `[${ip}]` : ip;
  return `http://${host}:${port}/onvif/device_service`;
}
