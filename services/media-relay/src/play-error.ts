/**
 * Why a play failed, named by the stage that broke so an operator knows where to look:
 * signaling (sip-server absent or slow), the device (refused the INVITE), the network (no RTP),
 * the device's SSRC, or its PS payload.
 */
export type FailedStage = "signaling" | "signaling timeout" | "device refused" | "no RTP" | "SSRC mismatch" | "undecodable PS" | "no ports" | "closed";

const httpStatusOf: Record<FailedStage, number> = {
  signaling: 502,
  "signaling timeout": 504,
  "device refused": 502,
  "no RTP": 504,
  "SSRC mismatch": 502,
  "undecodable PS": 502,
  "no ports": 503,
  closed: 410,
};

export class PlayError extends Error {
  constructor(
    readonly stage: FailedStage,
    message: string,
  ) {
    super(message);
    this.name = "PlayError";
  }

  get httpStatus(): number {
    return httpStatusOf[this.stage];
  }
}
