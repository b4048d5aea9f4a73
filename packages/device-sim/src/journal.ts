import type { ManscdpParseResult } from "@ivc/gb28181";
import type { SipDestination, SipRequest } from "@ivc/sip";

/** One request the device received, kept so tests can assert what arrived. */
export interface JournalEntry {
  /** Epoch ms. */
  readonly receivedAt: number;
  readonly method: string;
  readonly request: SipRequest;
  readonly remote: SipDestination;
  /** The parsed body when it is MANSCDP (by Content-Type). */
  readonly manscdp?: ManscdpParseResult;
}
