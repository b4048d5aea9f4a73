import { z } from "zod";
import { defineEvent, defineRequest, subjectOf, type ClusterScope } from "../contract.js";

export const streamDirections = ["push", "pull"] as const;

/**
 * Sent on the relay's cluster subject; the API answers every site through `ANY_CLUSTER`.
 * The relay asks the API whether a stream may be pushed (RTMP publish) or pulled (RTMP play,
 * HTTP-FLV, WS-FLV, HLS), answered from the devices and `/ivc/cms/config/authstream`
 * (spec 01 §5.8–5.9). The relay caches answers for about 10 s and verifies the URL's
 * `sign=<expires>-<md5hex("/<app>/<streamId>-<expires>-<secret>")>` itself.
 *
 * - push: `streamId` is the RTMP device's 20-digit code; `exists` = such a device exists,
 *   `enabled` = it is not disabled, `accessProtocol` = 1 (RTMP) for devices that may push.
 * - pull: `streamId` is the signed path's stream: `<device code>_<channel code>` (live, `_sub` for
 *   the sub stream), `<channel code>@<session>` (playback), a bare channel code, or an RTMP device's
 *   code; `deviceId` is the URL's `?device=` when it has one. `exists`/`enabled` describe that exact
 *   channel of that exact device; a bare channel code several devices report is answered as
 *   `ambiguous` (not enabled). A pull is allowed only when `exists` and `enabled`.
 * - `signWindowSeconds`: the account's PullExpired (PushExpired) window; a `sign` whose expiry
 *   lies further ahead than that is refused.
 * - `secretRequired` = PushState / PullState is 1; `secret` = PushSecret / PullSecret (present
 *   when `secretRequired`).
 * - push of a gateway channel (its code `<box device id>-<n>`): `accessProtocol` 3, `gwId` = the
 *   box that owns it, `secretRequired` always, `secret` = that gateway's own push secret (not the
 *   account's PushSecret), which the relay uses both to sign the push URL it hands the box and to
 *   verify the publish.
 */
export const streamAuthorize = defineRequest(
  "api.stream.authorize",
  (p: { clusterId: ClusterScope }) => subjectOf(p.clusterId, "api", "stream", "authorize"),
  z.object({
    direction: z.enum(streamDirections),
    app: z.string().min(1),
    streamId: z.string().min(1).max(129),
    deviceId: z.string().min(1).max(64).optional(),
  }),
  z.object({
    exists: z.boolean(),
    enabled: z.boolean(),
    deviceId: z.string().optional(),
    /** Spec 02 §4 `AccessProtocol`: 1 RTMP, 2 GB, 3 gateway. */
    accessProtocol: z.number().int().optional(),
    secretRequired: z.boolean(),
    secret: z.string().optional(),
    /** Push of a gateway channel: the GwId of the box that owns the channel. */
    gwId: z.string().optional(),
    signWindowSeconds: z.number().int().positive().optional(),
    /** Pull of a bare channel code that several devices report: the URL must name the device. */
    ambiguous: z.boolean().optional(),
  }),
);

/**
 * An RTMP device started / stopped pushing to a relay: the API sets the device online while it
 * pushes (issue 5, "the device goes online while it pushes").
 */
export const rtmpPushStarted = defineEvent(
  "stream.push-started",
  subjectOf("evt", "stream", "push-started"),
  z.object({ clusterId: z.string(), app: z.string(), streamId: z.string(), deviceId: z.string().optional(), remoteAddress: z.string(), at: z.number().int().nonnegative() }),
);

export const rtmpPushEnded = defineEvent(
  "stream.push-ended",
  subjectOf("evt", "stream", "push-ended"),
  z.object({ clusterId: z.string(), app: z.string(), streamId: z.string(), deviceId: z.string().optional(), reason: z.string(), at: z.number().int().nonnegative() }),
);

export type StreamAuthorizeReply = z.infer<typeof streamAuthorize.reply>;
