import { isBusError } from "@ivc/bus";
import { PlayError } from "./play-error.js";

/** `sip_<status>`: the device's final SIP response to the INVITE (RFC 3261 §21.4–21.6). */
const SIP_STATUS_CODE = /^sip_([3-6]\d\d)$/;

/**
 * The stage a failed sip.invite stands for, from the bus error kind and the code the sip-server
 * answered with (packages/bus media.ts `sipInvite`): the viewer learns whether signaling, the
 * device's registration, its network or the device itself is to blame.
 */
export function inviteFailure(err: unknown): PlayError {
  if (!isBusError(err)) return new PlayError("signaling", err instanceof Error ? err.message : String(err));
  if (err.kind === "timeout") return new PlayError("signaling timeout", `signaling did not answer in time: ${err.message}`);
  if (err.kind === "no_responders") return new PlayError("signaling unavailable", `no sip-server answers: ${err.message}`);
  if (err.kind !== "remote") return new PlayError("signaling", `${err.kind}: ${err.message}`);
  const code = err.remoteCode ?? "";
  const detail = `${code}: ${err.message}`;
  if (code === "sip_timeout") return new PlayError("signaling timeout", `the device did not answer the INVITE: ${detail}`);
  if (code === "device_offline") return new PlayError("device offline", detail);
  if (code === "sip_unreachable") return new PlayError("device unreachable", detail);
  if (code === "device_refused") return new PlayError("device refused", detail);
  const status = SIP_STATUS_CODE.exec(code)?.[1];
  if (status !== undefined) return new PlayError("device refused", `the device answered the INVITE with ${status}: ${err.message}`, Number(status));
  return new PlayError("signaling", detail);
}
