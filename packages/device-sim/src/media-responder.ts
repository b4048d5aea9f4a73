import type { GbSdpParseResult } from "@ivc/gb28181";
import type { SipDestination, SipRequest } from "@ivc/sip";
import type { Recording } from "./recordings.js";

/** An INVITE for one of the device's channels (GB/T 28181-2016 §9.2). */
export interface InviteOffer {
  readonly request: SipRequest;
  /** User part of the Request-URI: the channel the platform wants to see. */
  readonly channelId: string;
  /** The platform's SDP offer; undefined when the INVITE has no body. */
  readonly sdp: GbSdpParseResult | undefined;
  readonly remote: SipDestination;
  /** The device's own address (its Contact host): where media is sent from or listened on. */
  readonly localAddress: string;
  /** The dialog a 2xx answer creates, as later passed to onAck / onBye. */
  readonly dialogKey: string;
  /**
   * Sends MediaStatus 121 (A.2.5.6: the file ended) for this call as a MESSAGE (reusing its Call-ID
   * unless `mediaStatusCallId` is "new"); resolves with the platform's status.
   */
  readonly reportEndOfFile: () => Promise<number>;
  /** The recordings the channel holds (what RecordInfo answers): a download sends only these. */
  readonly recordings: readonly Recording[];
}

export interface InviteAnswer {
  readonly status: number;
  readonly reason?: string;
  /** SDP answer for a 2xx. */
  readonly body?: Buffer;
  readonly contentType?: string;
}

/**
 * How the device answers media requests. The signalling (transactions, dialog,
 * BYE) stays in VirtualDevice; a responder decides and produces the media.
 */
export interface MediaResponder {
  answerInvite(offer: InviteOffer): InviteAnswer | Promise<InviteAnswer>;
  /** The ACK for a 2xx arrived: the session is up and media may flow. */
  onAck?(dialogKey: string): void;
  /** The dialog ended: the platform hung up (BYE), the device did (endStream) or it is stopping. */
  onBye?(dialogKey: string): void;
  /** An INFO in an accepted dialog (playback control, §9.8.2); returns the status to answer. Without it: 200. */
  onInfo?(dialogKey: string, body: Buffer, contentType: string | undefined): number;
}

/** The default: the simulator streams nothing yet, so every offer is refused (RFC 3261 §21.4.26). */
export const rejectingMediaResponder: MediaResponder = {
  answerInvite: () => ({ status: 488 }),
};
