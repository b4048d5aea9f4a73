import type { DeviceCredentialsReply } from "@ivc/bus";
import type { SecretBox } from "../accounts/secret-box.js";
import type { Db } from "../db/database.js";
import { AccessProtocol, DeviceType, mediaTransport } from "../store/device-enums.js";
import { findDeviceByCode } from "../store/device-link.js";
import { openDevicePassword } from "../store/device-passwords.js";

/** The answer to packages/bus `api.device.credentials`: what signaling needs to admit a device at REGISTER. */
export async function deviceCredentials(db: Db, box: SecretBox, code: string): Promise<DeviceCredentialsReply> {
  const device = await findDeviceByCode(db, code);
  // RTMP devices never REGISTER over SIP.
  if (!device || device.accessProtocol === AccessProtocol.Rtmp) return { found: false };
  return {
    found: true,
    clusterId: device.clusterId,
    enabled: !device.disabled,
    password: openDevicePassword(box, device.passwordEnc),
    deviceType: device.type === DeviceType.Nvr ? "NVR" : "IPC",
    transport: mediaTransport(device.transportProtocol),
  };
}
