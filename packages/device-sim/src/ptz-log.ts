import type { PtzCommand } from "@ivc/gb28181";

/** One PTZCmd the device received (GB/T 28181-2016 A.3), for tests to assert the exact bytes. */
export interface PtzLogEntry {
  /** Epoch ms. */
  readonly receivedAt: number;
  /** DeviceID of the DeviceControl: the channel addressed. */
  readonly channelId: string;
  /** As received, upper-cased. */
  readonly ptzCmd: string;
  /** The 8 bytes; empty when the text is not 16 hex characters. */
  readonly bytes: readonly number[];
  /** Absent when the command does not decode (bad checksum, unknown code). */
  readonly command?: PtzCommand;
}
