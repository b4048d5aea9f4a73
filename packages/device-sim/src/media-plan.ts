import type { GbSdp, SetupRole } from "@ivc/gb28181";

/** How the device moves its RTP for one offer. */
export type MediaPlan =
  | { readonly kind: "udp"; readonly remoteIp: string; readonly remotePort: number }
  /** The platform listens (offer a=setup:passive): the device connects and answers setup:active. */
  | { readonly kind: "tcp-connect"; readonly remoteIp: string; readonly remotePort: number }
  /** The platform connects (offer a=setup:active): the device listens and answers setup:passive. */
  | { readonly kind: "tcp-listen" };

export type MediaPlanResult = { ok: true; plan: MediaPlan; answerSetup?: SetupRole } | { ok: false; reason: string };

/**
 * Reads the platform's offer (GB/T 28181-2016 §9.2.2; RFC 4145 §4 for TCP roles). An offer
 * without a=setup, or with actpass, gets the active role: the platform then waits for us,
 * which is what platforms that omit the line expect.
 */
export function planMedia(offer: GbSdp): MediaPlanResult {
  const { media } = offer;
  const hasPs = Object.values(media.rtpmap).some((entry) => entry.encoding.toUpperCase() === "PS");
  if (!hasPs) return { ok: false, reason: "the offer has no PS payload (a=rtpmap:… PS/90000)" };
  if (media.transport === "tcp" && media.setup === "active") return { ok: true, plan: { kind: "tcp-listen" }, answerSetup: "passive" };
  if (media.ip === undefined || media.port <= 0) return { ok: false, reason: "the offer names no address to send to" };
  if (media.transport === "udp") return { ok: true, plan: { kind: "udp", remoteIp: media.ip, remotePort: media.port } };
  return { ok: true, plan: { kind: "tcp-connect", remoteIp: media.ip, remotePort: media.port }, answerSetup: "active" };
}
