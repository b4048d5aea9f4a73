import { randomBytes } from "node:crypto";
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { gatewayDevice, type GatewayChannel, type GatewayDevice } from "@ivc/bus";

/** A device as the box keeps it: what the platform sees, plus what only the box may know. */
export interface StoredDevice extends GatewayDevice {
  user: string;
  password: string;
  rtspPort: number;
  /** Whether the device answered ONVIF (then it is probed and steered through ONVIF). */
  onvif: boolean;
}

export interface OnlineCounts {
  total: number;
  online: number;
  offline: number;
}

/** What leaves the box: no credentials (passwords stay in devices.json, mode 0600). */
export function publicDevice(device: StoredDevice): GatewayDevice {
  const { user: _user, password: _password, rtspPort: _rtspPort, onvif: _onvif, ...visible } = device;
  return { ...visible, channels: visible.channels.map(({ rtspUrl: _rtspUrl, ...c }) => c) };
}

function countOf(flags: boolean[]): OnlineCounts {
  const online = flags.filter(Boolean).length;
  return { total: flags.length, online, offline: flags.length - online };
}

export function newDeviceId(): string {
  return `dev-${randomBytes(6).toString("hex")}`;
}

/** The attached LAN devices, persisted in one JSON file written atomically (write, then rename). */
export class DeviceRegistry {
  private devices: StoredDevice[] = [];

  constructor(readonly path: string) {}

  async load(): Promise<void> {
    let raw: unknown;
    try {
      raw = JSON.parse(await readFile(this.path, "utf8"));
    } catch {
      this.devices = [];
      return;
    }
    const list = Array.isArray(raw) ? raw : [];
    this.devices = list.flatMap((d: Record<string, unknown>) => {
      const visible = gatewayDevice.safeParse(d);
      if (!visible.success || typeof d.user !== "string" || typeof d.password !== "string" || typeof d.rtspPort !== "number") return [];
      return [{ ...visible.data, user: d.user, password: d.password, rtspPort: d.rtspPort, onvif: d.onvif === true }];
    });
  }

  list(): StoredDevice[] {
    return [...this.devices];
  }

  get(id: string): StoredDevice | undefined {
    return this.devices.find((d) => d.id === id);
  }

  findChannel(channelId: string): { device: StoredDevice; channel: GatewayChannel } | undefined {
    for (const device of this.devices) {
      const channel = device.channels.find((c) => c.channelId === channelId);
      if (channel) return { device, channel };
    }
    return undefined;
  }

  async put(device: StoredDevice): Promise<void> {
    const at = this.devices.findIndex((d) => d.id === device.id);
    if (at >= 0) this.devices[at] = device;
    else this.devices.push(device);
    await this.save();
  }

  async remove(id: string): Promise<boolean> {
    const before = this.devices.length;
    this.devices = this.devices.filter((d) => d.id !== id);
    if (this.devices.length === before) return false;
    await this.save();
    return true;
  }

  /** G3 figures: devices and channels total/online/offline. */
  counts(): { devices: OnlineCounts; channels: OnlineCounts } {
    return {
      devices: countOf(this.devices.map((d) => d.online)),
      channels: countOf(this.devices.flatMap((d) => d.channels.map((c) => c.online))),
    };
  }

  private async save(): Promise<void> {
    await mkdir(dirname(this.path), { recursive: true, mode: 0o700 });
    const tmp = `${this.path}.${process.pid}.tmp`;
    await writeFile(tmp, JSON.stringify(this.devices, null, 2), { mode: 0o600 });
    await rename(tmp, this.path);
  }
}
