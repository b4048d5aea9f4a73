/**
 * Why a bus call failed, in terms a caller can map to an API error code:
 * - `timeout`: a responder exists but did not answer in time (e.g. device signaling stalled);
 * - `no_responders`: no service listens on the subject (that service is not running);
 * - `remote`: the responder answered with an error of its own (`remoteCode` says which);
 * - `invalid_reply` / `invalid_request`: a message broke its schema;
 * - `connection`: the NATS connection is closed or draining.
 */
export type BusErrorKind = "timeout" | "no_responders" | "remote" | "invalid_reply" | "invalid_request" | "connection";

export class BusError extends Error {
  constructor(
    readonly kind: BusErrorKind,
    readonly subject: string,
    message: string,
    readonly remoteCode?: string,
  ) {
    super(message);
    this.name = "BusError";
  }
}

/**
 * Thrown by a reply handler to answer with a coded error instead of data. The code travels to the
 * requester as `BusError.remoteCode` (e.g. "device_offline", "sip_timeout").
 */
export class BusHandlerError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = "BusHandlerError";
  }
}

export function isBusError(err: unknown, kind?: BusErrorKind): err is BusError {
  return err instanceof BusError && (kind === undefined || err.kind === kind);
}
