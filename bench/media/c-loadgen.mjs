// The C load generator (loadgen.c) from Node: built on demand with the machine's C compiler and
// cached in os.tmpdir() by its source's hash; fed the clip as RTP packets muxed here (the packet
// file, its format in loadgen.c); driven over its stdin/stdout with the same `senders(cmd, args)`
// and `viewers(cmd, args)` calls as the senders.mjs and viewers.mjs workers answer.
import { spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { PsMuxer, RTP_HEADER_LENGTH, RtpPacketizer } from "@ivc/media";
import { cpuMsOf } from "../process-census.mjs";
import { FIRST_TIMESTAMP, psOfPicture, readClip, TICKS_PER_PICTURE } from "./source.mjs";

const SOURCE = fileURLToPath(new URL("loadgen.c", import.meta.url));
const FIELD = { scr: 1, pts: 2, dts: 3 };

/** Path of the loadgen.c binary, compiled unless this source's build is cached; throws why it cannot be built. */
export function buildCLoadgen() {
  const source = readFileSync(SOURCE);
  const binary = join(tmpdir(), `ivc-bench-loadgen-${createHash("sha256").update(source).digest("hex").slice(0, 16)}`);
  if (existsSync(binary)) return binary;
  const partial = `${binary}.${process.pid}.partial`;
  const r = spawnSync("cc", ["-O2", "-o", partial, SOURCE], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`cc could not build loadgen.c: ${r.error?.message ?? r.stderr.trim()}`);
  renameSync(partial, binary);
  return binary;
}

/** Where the 90 kHz timestamps sit in one picture's PS: each pack header's SCR and each PES header's PTS and DTS. */
function timestampFields(ps) {
  const fields = [];
  for (let at = 0; at < ps.length; ) {
    if (ps.readUIntBE(at, 3) !== 1) throw new Error(`no PS start code at byte ${at} of a muxed picture`);
    const code = ps[at + 3];
    if (code === 0xba) {
      fields.push([at + 4, FIELD.scr]);
      at += 14 + (ps[at + 13] & 0x07);
      continue;
    }
    // PES of an audio or video stream (0xC0-0xEF), MPEG-2 header: PTS_DTS_flags in byte 7.
    if (code >= 0xc0 && code <= 0xef && (ps[at + 6] & 0xc0) === 0x80) {
      const flags = ps[at + 7] >> 6;
      if (flags & 2) fields.push([at + 9, FIELD.pts]);
      if (flags === 3) fields.push([at + 14, FIELD.dts]);
    }
    at += 6 + ps.readUInt16BE(at + 4);
  }
  return fields;
}

/** The packet file of the clip (format: loadgen.c's header): every picture muxed and packetized as senders.mjs does at tick 0. */
function packetFile(clipPath) {
  const { pictures } = readClip(clipPath);
  const muxer = new PsMuxer({ video: "H264" });
  const packetizer = new RtpPacketizer({ ssrc: 0 });
  const u32 = (values) => {
    const out = Buffer.allocUnsafe(values.length * 4);
    values.forEach((v, i) => out.writeUInt32LE(v, i * 4));
    return out;
  };
  let payloadType;
  const parts = pictures.map((picture) => {
    const ps = psOfPicture(muxer, picture, FIRST_TIMESTAMP);
    const packets = packetizer.packetize(ps, FIRST_TIMESTAMP);
    payloadType = packets[0][1] & 0x7f;
    const fields = timestampFields(ps);
    return Buffer.concat([u32([ps.length, packets.length, fields.length]), u32(packets.map((p) => p.length - RTP_HEADER_LENGTH)), u32(fields.flat()), ps]);
  });
  return Buffer.concat([Buffer.from("IVCLGPK1"), u32([pictures.length, payloadType, FIRST_TIMESTAMP, TICKS_PER_PICTURE]), ...parts]);
}

/** A stream id or camera key travels as one word of a command line. */
function word(key) {
  if (!/^[\w.:-]+$/.test(key)) throw new Error(`the C load generator takes keys of letters, digits and _.:- only, not ${JSON.stringify(key)}`);
  return key;
}

/**
 * Starts `binary` (buildCLoadgen) with the clip's packets; its viewers, if `base` is given, read
 * `${base}${prefix}<streamId>.live.flv`. Resolves once it runs, as { name, senders, viewers,
 * usage, loadBetween, stop } (load-generator.mjs).
 */
export async function startCLoadgen({ binary, clipPath, base, prefix = "/live/" }) {
  const file = join(tmpdir(), `ivc-bench-loadgen-${process.pid}-${performance.now().toFixed(0)}.packets`);
  writeFileSync(file, packetFile(clipPath));
  const url = base === undefined ? undefined : new URL(base);
  const child = spawn(binary, [file, ...(url === undefined ? [] : [url.hostname, url.port || "80", prefix])], { stdio: ["pipe", "pipe", "inherit"] });
  // Each command gets one reply line, in order.
  const waiting = [];
  createInterface({ input: child.stdout }).on("line", (line) => waiting.shift()?.(line));
  const exited = new Promise((resolve) => child.once("exit", resolve));
  exited.then((code) => waiting.splice(0).forEach((resolve) => resolve(`error the load generator exited (${code})`)));
  const reply = () => new Promise((resolve) => waiting.push(resolve));
  const call = async (line) => {
    const answer = reply();
    child.stdin.write(`${line}\n`);
    const text = await answer;
    if (text.startsWith("error")) throw new Error(`load generator: ${line}: ${text}`);
    return text;
  };
  try {
    const ready = await reply();
    if (ready !== "ready") throw new Error(`the C load generator did not start: ${ready}`);
  } finally {
    rmSync(file, { force: true });
  }
  const stats = async () => JSON.parse(await call("stats"));
  return {
    name: `C (${binary})`,
    async senders(cmd, args) {
      if (cmd === "add") await Promise.all(args.map((c) => call(`add-camera ${word(c.key)} ${c.port} ${c.ssrc} ${c.phase ?? 0} ${c.startAtKeyframe ? 1 : 0}`)));
      else if (cmd === "remove") await Promise.all(args.map((key) => call(`remove-camera ${word(key)}`)));
      else if (cmd === "stats") {
        const { cameras, sentPackets, sentBytes, sendErrors, lateSlots } = await stats();
        return { cameras, sentPackets, sentBytes, sendErrors, lateSlots };
      } else throw new Error(`cameras: no command ${cmd}`);
      return undefined;
    },
    async viewers(cmd, args) {
      if (cmd === "add") await Promise.all(args.map((streamId) => call(`add-viewer ${word(streamId)}`)));
      else if (cmd === "remove") await Promise.all(args.map((streamId) => call(`remove-viewer ${word(streamId)}`)));
      else if (cmd === "stats") {
        const { bytes, failures } = await stats();
        return { bytes, failures };
      } else throw new Error(`viewers: no command ${cmd}`);
      return undefined;
    },
    usage: () => ({ at: performance.now(), ms: cpuMsOf(`/proc/${child.pid}/stat`), bench: process.cpuUsage() }),
    loadBetween(a, b) {
      const wallMs = b.at - a.at;
      const benchMs = (b.bench.user + b.bench.system - a.bench.user - a.bench.system) / 1000;
      return { cpu: ((b.ms - a.ms) / wallMs) * 100, detail: `C process; bench process ${((benchMs / wallMs) * 100).toFixed(0)} %` };
    },
    async stop() {
      if (child.exitCode === null) await call("stop").catch(() => undefined);
      await exited;
    },
  };
}
