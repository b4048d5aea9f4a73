import { gatewayProtocolTypes, type GatewayChannel, type GatewayProtocolType } from "@ivc/bus";
import type { Logger } from "@ivc/runtime";
import { OnvifClient, onvifDeviceUrl, type OnvifProfile } from "../onvif/onvif-client.js";
import { probeRtsp } from "../rtsp-probe.js";
import { RTSP_DEFAULT_PORT, vendorRtspUrl } from "../vendor-rtsp.js";
import { newDeviceId, publicDevice, type DeviceRegistry, type StoredDevice } from "./device-registry.js";

/** A refusal the bus layer turns into its coded error (`gateway_protocol_invalid` → 41629). */
export class DeviceError extends Error {
  constructor(
    readonly code: "gateway_protocol_invalid" | "gateway_operation_failed",
    message: string,
  ) {
    super(message);
    this.name = "DeviceError";
  }
}

export interface AddDeviceInput {
  name?: string;
  protocolType: number;
  type?: 1 | 2;
  ip: string;
  port: number;
  user: string;
  password: string;
  channelCount?: number;
  rtspPort?: number;
}

export function isGatewayProtocol(value: number): value is GatewayProtocolType {
  return gatewayProtocolTypes.some((p) => p.value === value);
}

/** One channel per camera input (ONVIF video source); of its profiles the first (main stream) is used. */
export function channelProfiles(profiles: OnvifProfile[]): OnvifProfile[] {
  const seen = new Set<string>();
  return profiles.filter((p) => {
    const source = p.videoSource ?? p.token;
    if (seen.has(source)) return false;
    seen.add(source);
    return true;
  });
}

const PROBE_TIMEOUT_MS = 3000;

export interface DeviceEvents {
  /** The device list or a device's state changed: the platform is told. */
  changed(): void;
  /** `device` is about to be removed: what runs for its channels (pushes, PTZ pulses) must end. */
  removing(device: StoredDevice): Promise<void>;
}

/**
 * Attaches LAN devices and keeps their online state: ONVIF first (device information, profiles,
 * stream URIs, PTZ), the vendor's documented RTSP layout for protocols 1-3 (also when ONVIF does
 * not answer), an RTSP OPTIONS probe for devices without ONVIF.
 */
export class DeviceManager {
  constructor(
    private readonly registry: DeviceRegistry,
    private readonly logger: Logger,
    private readonly events: DeviceEvents,
  ) {}

  list(): StoredDevice[] {
    return this.registry.list();
  }

  onvifClientOf(device: StoredDevice): OnvifClient {
    return new OnvifClient({ deviceUrl: onvifDeviceUrl(device.ip, device.port), user: device.user, password: device.password, timeoutMs: PROBE_TIMEOUT_MS });
  }

  async add(input: AddDeviceInput): Promise<StoredDevice> {
    if (!isGatewayProtocol(input.protocolType)) {
      throw new DeviceError("gateway_protocol_invalid", `protocol ${input.protocolType} is not in the access-protocol dictionary (1-4)`);
    }
    const id = newDeviceId();
    const label = gatewayProtocolTypes.find((p) => p.value === input.protocolType)?.label ?? "";
    const base: StoredDevice = {
      id,
      name: input.name ?? `${label} ${input.ip}`,
      protocolType: input.protocolType,
      type: input.type ?? 1,
      ip: input.ip,
      port: input.port,
      user: input.user,
      password: input.password,
      rtspPort: input.rtspPort ?? RTSP_DEFAULT_PORT,
      onvif: false,
      online: false,
      channels: [],
    };
    const device = await this.inspect(base, input.channelCount ?? 1);
    await this.registry.put(device);
    this.logger.info({ deviceId: id, ip: device.ip, protocolType: device.protocolType, online: device.online, channels: device.channels.length }, "device attached");
    this.events.changed();
    return device;
  }

  /** Every removal (platform, local page, CLI) ends the device's pushes and PTZ pulses first. */
  async remove(id: string): Promise<boolean> {
    const device = this.registry.get(id);
    if (!device) return false;
    await this.events.removing(device);
    const removed = await this.registry.remove(id);
    if (removed) {
      this.logger.info({ deviceId: id }, "device removed");
      this.events.changed();
    }
    return removed;
  }

  /** Re-checks every device; publishes once if any online state or channel list changed. */
  async probeAll(): Promise<void> {
    let changed = false;
    for (const device of this.registry.list()) {
      const next = await this.probe(device);
      // Removed while its probe was out: storing the answer would attach it again.
      if (this.registry.get(device.id) === undefined) continue;
      if (JSON.stringify(publicDevice(next)) !== JSON.stringify(publicDevice(device)) || next.onvif !== device.onvif) {
        await this.registry.put(next);
        this.logger.info({ deviceId: device.id, online: next.online }, "device state changed");
        changed = true;
      }
    }
    if (changed) this.events.changed();
  }

  private async probe(device: StoredDevice): Promise<StoredDevice> {
    const online = device.onvif || device.protocolType === 4
      ? (await this.onvifClientOf(device).getDeviceInformation()).ok
      : await probeRtsp(device.ip, device.rtspPort, PROBE_TIMEOUT_MS);
    if (online && device.channels.length === 0) return this.inspect(device, 1);
    return { ...device, online, channels: device.channels.map((c) => ({ ...c, online })) };
  }

  /** Reads what the device offers: ONVIF information and channels, or the vendor RTSP layout. */
  private async inspect(device: StoredDevice, channelCount: number): Promise<StoredDevice> {
    const client = this.onvifClientOf(device);
    const info = await client.getDeviceInformation();
    if (info.ok) {
      const profiles = await client.getProfiles();
      const channels: GatewayChannel[] = [];
      for (const [i, profile] of channelProfiles(profiles.ok ? profiles.value : []).entries()) {
        const layout = vendorRtspUrl(device.protocolType, device.ip, i + 1, device.rtspPort);
        const uri = layout ?? (await client.getStreamUri(profile.token));
        const rtspUrl = typeof uri === "string" ? uri : uri.ok ? uri.value : undefined;
        channels.push({ channelId: `${device.id}-${i + 1}`, name: profile.name, online: true, profileToken: profile.token, ptz: profile.ptz, ...(rtspUrl ? { rtspUrl } : {}) });
      }
      return {
        ...device,
        onvif: true,
        online: true,
        manufacturer: info.value.manufacturer,
        model: info.value.model,
        firmware: info.value.firmware,
        channels,
      };
    }
    if (device.protocolType === 4) {
      this.logger.warn({ deviceId: device.id, ip: device.ip, reason: info.reason }, "ONVIF device does not answer; kept offline until it does");
      return { ...device, onvif: false, online: false };
    }
    const online = await probeRtsp(device.ip, device.rtspPort, PROBE_TIMEOUT_MS);
    const channels: GatewayChannel[] = Array.from({ length: channelCount }, (_, i) => {
      const rtspUrl = vendorRtspUrl(device.protocolType, device.ip, i + 1, device.rtspPort);
      return { channelId: `${device.id}-${i + 1}`, name: `${device.name} ${i + 1}`, online, ptz: false, ...(rtspUrl ? { rtspUrl } : {}) };
    });
    return { ...device, onvif: false, online, channels };
  }
}
