import { createHash } from "node:crypto";

export interface PushAuth {
  readonly secret: string;
  /** How long a push URL handed out by describe stays valid. */
  readonly validSeconds: number;
}

/**
 * The RTMP push URL of an RTMP device: `rtmp://<media host>:<port>/live/<Code>`, signed as
 * node-media-server checks it (`sign=<expiry>-md5("/live/<Code>-<expiry>-<secret>")`) when a push
 * secret is configured, so media-relay can refuse pushes without a valid signature.
 */
export function pushStreamUrl(
  node: { mediaHost: string; rtmpPort: number },
  code: string,
  auth: PushAuth | undefined,
  nowSeconds: number,
): string {
  const path = `/live/${code}`;
  const base = `rtmp://${node.mediaHost}:${node.rtmpPort}${path}`;
  if (!auth) return base;
  const expiry = nowSeconds + auth.validSeconds;
  const digest = createHash("md5").update(`${path}-${expiry}-${auth.secret}`).digest("hex");
  return `${base}?sign=${expiry}-${digest}`;
}
