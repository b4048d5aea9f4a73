// Worker thread: the simulated cameras. Each sends the looped clip as PS over RTP/UDP at 25 fps
// from its own connected socket. Running here keeps their CPU off the relay's process. These are the
// Node load generator's cameras (load-generator.mjs); loadgen.c does the same at a fraction of the CPU.
//
// All cameras share the 90 kHz clock (picture tick k has timestamp 90000 + k·3600), so each
// (tick, picture) is muxed and packetized once and only the RTP sequence number and SSRC are
// patched per camera. Cameras differ in GOP phase (keyframes spread over the second, as
// unsynchronised cameras are) and send in one of SLOTS sub-slots of the frame interval, so the
// relay gets a steady packet rate instead of one burst every 40 ms.
import { createSocket } from "node:dgram";
import { parentPort, workerData } from "node:worker_threads";
import { PsMuxer, RtpPacketizer } from "@ivc/media";
import { FIRST_TIMESTAMP, FPS, psOfPicture, readClip, TICKS_PER_PICTURE } from "./source.mjs";

const SLOTS = 8;
const FRAME_MS = 1000 / FPS;
const SLOT_MS = FRAME_MS / SLOTS;

const { pictures } = readClip(workerData.clipPath);
const muxer = new PsMuxer({ video: "H264" });
const template = new RtpPacketizer({ ssrc: 0 });
const cameras = new Map();
const slots = Array.from({ length: SLOTS }, () => new Set());
let nextSlot = 0;
const startedAt = performance.now();
let sentPackets = 0;
let sentBytes = 0;
let sendErrors = 0;
/** Slots sent later than one frame interval after they were due: the sender is behind. */
let lateSlots = 0;
let muxedTick = -1;
const muxed = new Map();

function packetsOf(tick, index) {
  if (tick !== muxedTick) {
    muxed.clear();
    muxedTick = tick;
  }
  let packets = muxed.get(index);
  if (packets === undefined) {
    const ts = FIRST_TIMESTAMP + tick * TICKS_PER_PICTURE;
    packets = template.packetize(psOfPicture(muxer, pictures[index], ts), ts);
    muxed.set(index, packets);
  }
  return packets;
}

function sendSlot(tick, slot) {
  for (const camera of slots[slot]) {
    for (const packet of packetsOf(tick, (tick + camera.phase) % pictures.length)) {
      // dgram may queue the buffer, so every camera gets its own copy.
      const copy = Buffer.allocUnsafe(packet.length);
      packet.copy(copy);
      copy.writeUInt16BE(camera.seq, 2);
      copy.writeUInt32BE(camera.ssrc, 8);
      camera.seq = (camera.seq + 1) & 0xffff;
      camera.socket.send(copy);
      sentPackets++;
      sentBytes += copy.length;
    }
  }
}

/** Sends every sub-slot that is due by the wall clock (a late timer catches up, it does not drift). */
function pump() {
  const now = performance.now() - startedAt;
  while (nextSlot * SLOT_MS <= now) {
    if (now - nextSlot * SLOT_MS > FRAME_MS) lateSlots++;
    sendSlot(Math.floor(nextSlot / SLOTS), nextSlot % SLOTS);
    nextSlot++;
  }
  setTimeout(pump, Math.max(0, nextSlot * SLOT_MS - (performance.now() - startedAt)));
}

async function add({ key, port, ssrc, startAtKeyframe, phase }) {
  const socket = createSocket("udp4");
  socket.on("error", () => sendErrors++);
  await new Promise((resolve) => socket.bind(0, "127.0.0.1", resolve));
  await new Promise((resolve) => socket.connect(port, "127.0.0.1", resolve));
  socket.setSendBufferSize(1 << 20);
  const slot = cameras.size % SLOTS;
  // A camera answering an INVITE starts with a keyframe: the first tick it sends in shows picture 0.
  const firstTick = Math.floor(nextSlot / SLOTS) + (slot >= nextSlot % SLOTS ? 0 : 1);
  const start = startAtKeyframe ? (pictures.length - (firstTick % pictures.length)) % pictures.length : phase % pictures.length;
  const camera = { key, socket, ssrc, phase: start, seq: Math.floor(Math.random() * 0x10000), slot };
  cameras.set(key, camera);
  slots[camera.slot].add(camera);
}

function remove(key) {
  const camera = cameras.get(key);
  if (camera === undefined) return;
  cameras.delete(key);
  slots[camera.slot].delete(camera);
  camera.socket.close();
}

parentPort.on("message", async ({ id, cmd, args }) => {
  let result;
  if (cmd === "add") await Promise.all(args.map(add));
  else if (cmd === "remove") args.forEach(remove);
  else if (cmd === "stats") result = { cameras: cameras.size, sentPackets, sentBytes, sendErrors, lateSlots };
  else if (cmd === "stop") {
    [...cameras.keys()].forEach(remove);
    parentPort.postMessage({ id, result });
    process.exit(0);
  }
  parentPort.postMessage({ id, result });
});
pump();
