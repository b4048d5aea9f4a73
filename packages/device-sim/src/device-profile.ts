import type { XmlCharset } from "@ivc/gb28181";

/** What the device says about itself in MANSCDP answers. */
export interface DeviceProfile {
  readonly deviceId: string;
  readonly name: string;
  readonly manufacturer: string;
  readonly model: string;
  readonly firmware: string;
  /** Charset of every XML body the device sends. */
  readonly charset: XmlCharset;
  /** Catalog items per MESSAGE. */
  readonly catalogPage: number;
  /** RecordInfo items per MESSAGE. */
  readonly recordPage: number;
  /** PresetQuery items per MESSAGE. */
  readonly presetPage: number;
  /** Local time of RecordInfo (A.2.1 dateTime has no zone), minutes east of UTC. */
  readonly utcOffsetMinutes: number;
}
