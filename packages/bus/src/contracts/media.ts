import { z } from "zod";
import { defineRequest, subjectOf } from "../contract.js";

const epochMs = z.number().int().nonnegative();
const port = z.number().int().min(1).max(65535);
/** GB28181 §F.4: the SSRC is a 10-digit decimal string ("0" live / "1" playback, domain, sequence). */
const ssrcDigits = z.string().regex(/^\d{10}$/, "a 10-digit SSRC");

export const mediaTransports = ["udp", "tcp-passive", "tcp-active"] as const;
export const mediaKinds = ["live", "playback", "download"] as const;
/**
 * A download's `a=downloadspeed` (GB/T 28181-2016 §9.9): the device sends its recording this many
 * times faster than real time, with the recording's own timestamps.
 */
const downloadSpeed = z.number().int().min(1).max(32);

/** A stream id is `<deviceId>_<channelId>` (live; `_sub` for the sub stream) or `<channelId>@<session>` (playback, download); it goes into URLs. */
const streamId = z.string().regex(/^[A-Za-z0-9_-]{1,64}(@[A-Za-z0-9_-]{1,64})?$/, "letters, digits, _ and -, optionally @session");

/**
 * Prepare ingest for one stream: the relay leases a port and an SSRC and starts listening
 * (UDP, TCP passive) or waits for `media.answer` to connect (TCP active). The reply is what
 * signaling puts into the INVITE's SDP (`c=`, `m=` port, `y=`).
 */
export const mediaOpen = defineRequest(
  "media.open",
  (p: { clusterId: string }) => subjectOf(p.clusterId, "media", "open"),
  z.object({
    streamId,
    channelId: z.string().min(1),
    deviceId: z.string().min(1),
    kind: z.enum(mediaKinds),
    transport: z.enum(mediaTransports),
    start: epochMs.optional(),
    end: epochMs.optional(),
    /** Downloads only. */
    speed: downloadSpeed.optional(),
  }),
  z.object({ ip: z.string(), port, ssrc: ssrcDigits, transport: z.enum(mediaTransports) }),
);

/**
 * What the device's 200 OK said: its SSRC (`y=`, accepted even when it differs from ours, as many
 * cameras ignore the offer) and, for TCP active, the address we connect to.
 */
export const mediaAnswer = defineRequest(
  "media.answer",
  (p: { clusterId: string }) => subjectOf(p.clusterId, "media", "answer"),
  z.object({
    streamId,
    callId: z.string().optional(),
    deviceSsrc: ssrcDigits.optional(),
    deviceIp: z.string().optional(),
    devicePort: port.optional(),
  }),
  z.object({ accepted: z.boolean() }),
);

/**
 * Ends a stream (e.g. after a BYE from the device); its port rests, its SSRC is freed. The
 * requester owns the SIP dialog: the relay sends no BYE for it.
 */
export const mediaClose = defineRequest(
  "media.close",
  (p: { clusterId: string }) => subjectOf(p.clusterId, "media", "close"),
  z.object({
    streamId,
    reason: z.string().optional(),
    /** The device reported the end of the file (MediaStatus 121): a playback or download is complete, not cut. */
    endOfFile: z.boolean().optional(),
  }),
  z.object({ closed: z.boolean() }),
);

/**
 * GB plays go request → invite-sent → answer → first-rtp → first-keyframe → first-byte; plays of a
 * gateway channel go request → gateway-start-sent (`gw.stream.start`) → gateway-started (the box
 * answered) → push-started (its RTMP publish arrived) → first-keyframe → first-byte.
 */
export const playStages = [
  "request", "invite-sent", "answer", "first-rtp", "gateway-start-sent", "gateway-started", "push-started", "first-keyframe", "first-byte", "failed", "closed",
] as const;

/** How a play's media arrives: a GB transport, or an RTMP push the relay asked a gateway box for. */
export const playTransports = [...mediaTransports, "gateway-push"] as const;

export const playRecord = z.object({
  streamId: z.string(),
  channelId: z.string(),
  kind: z.enum(mediaKinds),
  transport: z.enum(playTransports),
  /** Empty for a gateway push (no RTP). */
  ssrc: z.string(),
  stages: z.array(z.object({ stage: z.enum(playStages), at: epochMs, detail: z.string().optional() })),
  /** Set once the play ended: why (a failed stage, "no viewer", "closed by request", …). */
  outcome: z.string().optional(),
});
export type PlayRecord = z.infer<typeof playRecord>;

/** The last plays of a channel with the time of each stage, newest first ("no picture" diagnosis). */
export const mediaTimeline = defineRequest(
  "media.timeline",
  (p: { clusterId: string }) => subjectOf(p.clusterId, "media", "timeline"),
  /** `channelId`: `<device>_<channel>` for streams whose device is known (viewer URLs), else the channel id given at media.open. */
  z.object({ channelId: z.string().min(1) }),
  z.object({ plays: z.array(playRecord) }),
);

/**
 * The relay asks signaling to INVITE a device for a viewer of an idle stream. Signaling replies
 * after the 200 OK (and ACK); a refusal answers with the SIP status in the error code
 * (e.g. "sip_486"), a device that never answers with "sip_timeout".
 */
export const sipInvite = defineRequest(
  "sip.invite",
  (p: { clusterId: string }) => subjectOf(p.clusterId, "sip", "invite"),
  z.object({
    streamId,
    channelId: z.string().min(1),
    /** Absent when the viewer's URL did not name it: signaling finds the channel's device. */
    deviceId: z.string().min(1).optional(),
    mediaIp: z.string(),
    mediaPort: port,
    ssrc: ssrcDigits,
    transport: z.enum(mediaTransports),
    kind: z.enum(mediaKinds),
    start: epochMs.optional(),
    end: epochMs.optional(),
    /** Downloads only: `a=downloadspeed` (absent: the device's default, 1×). */
    speed: downloadSpeed.optional(),
    /** Which of the camera's encodings (GB/T 28181-2022 a=streamnumber): 0 main, 1 sub, 2… further ones; absent = the device's default (main). */
    streamNumber: z.number().int().min(0).max(9).optional(),
  }),
  z.object({
    callId: z.string(),
    deviceSsrc: ssrcDigits.optional(),
    deviceIp: z.string().optional(),
    devicePort: port.optional(),
  }),
);

export const sipBye = defineRequest(
  "sip.bye",
  (p: { clusterId: string }) => subjectOf(p.clusterId, "sip", "bye"),
  z.object({ callId: z.string(), streamId: z.string().optional(), reason: z.string().optional() }),
  z.object({ sent: z.boolean() }),
);
