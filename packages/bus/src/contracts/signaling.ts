import type { z } from "zod";
import type { deviceCredentials, deviceInfoFields, deviceStatusQuery } from "./device.js";

/**
 * Named types for the payloads signaling exchanges, inferred from the contracts in device.ts so
 * a service can hold them (e.g. in a cache) without importing zod itself.
 */
export type DeviceCredentialsReply = z.output<typeof deviceCredentials.reply>;
export type DeviceInfoFields = z.output<typeof deviceInfoFields>;
export type DeviceStatusReply = z.output<typeof deviceStatusQuery.reply>;
