/**
 * Why a play failed, named by the stage that broke so an operator knows where to look:
 * signaling (sip-server absent, slow or failing), the device (offline, unreachable, refused the
 * INVITE), the network (no RTP), the device's SSRC, or its PS payload. Gateway channels: the box
 * (not connected or silent, refused `gw.stream.start`) or its push (nothing published in time).
 */
export type FailedStage =
  | "signaling"
  | "signaling unavailable"
  | "signaling timeout"
  | "device offline"
  | "device unreachable"
  | "device refused"
  | "no RTP"
  | "SSRC mismatch"
  | "undecodable PS"
  | "no ports"
  | "gateway unreachable"
  | "gateway refused"
  | "no push from gateway"
  | "closed";

/** A gateway's view (RFC 9110 §15.6): 504 when something upstream was too slow, 502 when it failed, 404 for no such device. */
const httpStatusOf: Record<FailedStage, number> = {
  signaling: 502,
  "signaling unavailable": 502,
  "signaling timeout": 504,
  "device offline": 404,
  "device unreachable": 502,
  "device refused": 502,
  "no RTP": 504,
  "SSRC mismatch": 502,
  "undecodable PS": 502,
  "no ports": 503,
  "gateway unreachable": 502,
  "gateway refused": 502,
  "no push from gateway": 504,
  closed: 410,
};

export class PlayError extends Error {
  constructor(
    readonly stage: FailedStage,
    message: string,
    /** The device's SIP final response when it refused the INVITE (e.g. 486). */
    readonly sipStatus?: number,
  ) {
    super(message);
    this.name = "PlayError";
  }

  get httpStatus(): number {
    return httpStatusOf[this.stage];
  }
}
