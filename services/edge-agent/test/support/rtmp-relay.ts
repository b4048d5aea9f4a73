import { spawn, type ChildProcess } from "node:child_process";
import { freePort } from "../../../../test/support/ports.js";

/**
 * The media relay's RTMP ingest, played by `ffmpeg -listen 1`: it accepts one publisher on
 * rtmp://127.0.0.1:<port>/live/<stream> and reads what it sends. `close()` is the relay going away
 * mid-push (the publisher's connection is cut).
 */
export class RtmpRelay {
  private listener: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();

  private constructor(readonly port: number) {}

  /** Listens on `port` (a fresh one when not given): the relay back at the address a push was given. */
  static async open(port?: number): Promise<RtmpRelay> {
    const relay = new RtmpRelay(port ?? (await freePort()));
    relay.listener = spawn("/usr/bin/ffmpeg", ["-hide_banner", "-loglevel", "quiet", "-nostdin", "-listen", "1", "-i", relay.pushUrl, "-c", "copy", "-f", "null", "-"], { stdio: "ignore" });
    const listener = relay.listener;
    relay.exited = new Promise((resolve) => listener.once("close", () => resolve()));
    return relay;
  }

  get pushUrl(): string {
    return `rtmp://127.0.0.1:${this.port}/live/lifecycle`;
  }

  async close(): Promise<void> {
    this.listener?.kill("SIGKILL");
    await this.exited;
  }
}
