import { z } from "zod";
import { defineRequest, subjectOf } from "../contract.js";

export const serviceNames = ["api", "sip-server", "media-relay", "edge-agent"] as const;
export type ServiceName = (typeof serviceNames)[number];

/** Every service answers this; the launcher and operators use it to see who is alive. */
export const ping = defineRequest(
  "ping",
  (p: { service: ServiceName }) => subjectOf("ping", p.service),
  z.object({}),
  z.object({
    service: z.string(),
    instance: z.string(),
    version: z.string(),
    uptimeSeconds: z.number(),
    clusterId: z.string().optional(),
  }),
);
