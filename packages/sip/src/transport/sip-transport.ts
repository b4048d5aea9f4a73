import type { SipDestination } from "../destination.js";
import type { SipMessage } from "../message.js";

/** Where a received message came from (same shape as a destination: answer there). */
export type SipRemote = SipDestination;

export type SipMessageHandler = (message: SipMessage, remote: SipRemote) => void;

/** The I/O boundary of the SIP stack; everything above it is pure. */
export interface SipTransport {
  /** Sends a message (serialized here) or pre-serialized bytes. Rejects on socket errors. */
  send(message: SipMessage | Buffer, destination: SipDestination): Promise<void>;
  /** Registers the handler for every well-formed message received. */
  onMessage(handler: SipMessageHandler): void;
  close(): Promise<void>;
}

/** The subset of a pino logger the transport uses. */
export interface SipLogger {
  warn(obj: object, msg: string): void;
  debug(obj: object, msg: string): void;
}
