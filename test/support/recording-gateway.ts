import { mkdtempSync, rmSync } from "node:fs";
import { rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import pg from "pg";
import { generateTestPattern, StreamingMediaResponder, VirtualDevice, type VirtualDeviceOptions } from "@ivc/device-sim";
import { startGateway, type DescribedDevice, type RunningGateway } from "./gateway.js";
import { waitFor } from "./wait.js";

/**
 * The whole stack `npm start` runs, recording to a folder of its own, with one GB NVR of the
 * device-sim added through the API and online: what the end-to-end recording tests
 * (e2e-recording, e2e-upload-restart) stand on. The database is read directly for index rows.
 */
export interface RecordingGateway {
  gw: RunningGateway;
  db: pg.Client;
  device: DescribedDevice;
  channels: Array<{ ChannelId: string; ChannelCode: string }>;
  recordingDir: string;
  /** The channel's index rows, in time order. */
  segmentRows(channelCode: string): Promise<SegmentRow[]>;
  close(): Promise<void>;
}

export interface SegmentRow {
  channel_code: string;
  start_ms: number;
  end_ms: number;
  bytes: number;
  object_key: string;
}

export interface RecordingGatewayOptions {
  /** Gateway environment beside RECORDING_DIR (RECORD_TIME_ZONE, MEDIA_WORKERS, …). */
  env: Record<string, string>;
  deviceName: string;
  channels: number;
  /** The NVR's own recordings (for uploads). */
  recordings?: VirtualDeviceOptions["recordings"];
}

export async function startRecordingGateway(options: RecordingGatewayOptions): Promise<RecordingGateway> {
  const video = await generateTestPattern();
  if (video === undefined) throw new Error("ffmpeg is needed to make the test picture (npm test installs it)");
  const recordingDir = mkdtempSync(join(tmpdir(), "ivc-e2e-recordings-"));
  let gw: RunningGateway | undefined;
  let db: pg.Client | undefined;
  let sim: VirtualDevice | undefined;
  let responder: StreamingMediaResponder | undefined;
  const close = async () => {
    await sim?.stop();
    await responder?.close();
    await db?.end();
    await gw?.stop();
    await rm(dirname(video), { recursive: true, force: true });
    rmSync(recordingDir, { recursive: true, force: true });
  };
  try {
    const running = (gw = await startGateway({ ...options.env, RECORDING_DIR: recordingDir }));
    const client = (db = new pg.Client({ connectionString: running.env.DATABASE_URL }));
    await client.connect();
    const clusterId = (await running.call<Array<{ Value: string }>>("GET", "/ivc/cms/config/getuserregion")).Data[0]!.Value;
    const added = await running.call<DescribedDevice>("POST", "/ivc/cms/device/add", { Name: options.deviceName, Type: 2, OrganizationId: "0", ClusterId: clusterId, AccessProtocol: 2, TransportProtocol: 1, Password: "12345678" });
    if (added.StatusCode !== 200) throw new Error(`device/add refused: ${JSON.stringify(added)}`);
    const device = (await running.call<DescribedDevice>("GET", `/ivc/cms/device/describe?Id=${added.Data.Id}`)).Data;
    responder = new StreamingMediaResponder({ video, audio: false });
    sim = new VirtualDevice({
      deviceId: device.Code, password: device.Password, serverHost: device.SipIp, serverPort: device.SipPort, serverId: device.SipId, domain: device.SipDomain,
      localHost: "127.0.0.1", keepaliveInterval: 5, kind: "nvr", channels: options.channels, mediaResponder: responder,
      ...(options.recordings ? { recordings: options.recordings } : {}),
    });
    await sim.start();
    const channels = await waitFor(() => `${options.channels} channel(s) online; gateway log:\n${running.logs().slice(-3000)}`, async () => {
      const list = await running.call<Array<{ ChannelId: string; ChannelCode: string; State: number }>>("GET", `/ivc/cms/device/channel?DeviceId=${device.Id}`);
      return list.Data.length === options.channels && list.Data.every((c) => c.State === 1) ? list.Data : undefined;
    }, 30_000);
    return {
      gw: running,
      db: client,
      device,
      channels,
      recordingDir,
      async segmentRows(channelCode) {
        const { rows } = await client.query<SegmentRow>(
          `SELECT channel_code, (extract(epoch from start_at) * 1000)::float8 AS start_ms, (extract(epoch from end_at) * 1000)::float8 AS end_ms, bytes::float8 AS bytes, object_key
             FROM recording_segments WHERE device_code = $1 AND channel_code = $2 ORDER BY start_at`,
          [device.Code, channelCode],
        );
        return rows;
      },
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}
