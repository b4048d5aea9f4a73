import { succeed } from "../errors/outcome.js";
import { defineRoute } from "../http/route.js";
import type { ApiRoute } from "../http/route.js";
import { AuthState, readStreamAuth, writeStreamAuth } from "../store/stream-auth.js";
import { STREAM_SECRET_PATTERN, UUID_PATTERN } from "../validation/patterns.js";
import { int, str } from "../validation/rules.js";
import * as data from "./data-schemas.js";
import type { RouteDeps } from "./deps.js";

const TAG = "stream-auth";
/** Spec 01 §5.8 response table: "最长为60分钟". */
export const MAX_EXPIRY_MINUTES = 60;
export const MAX_SECRET_LENGTH = 10;

const state = (what: string) => int({ required: true, description: `${what} authentication: 1 on, 0 off`, values: Object.values(AuthState) });
const secret = (what: string) =>
  str({
    required: true,
    description: `${what} secret: letters and digits, at most ${MAX_SECRET_LENGTH}; required (non-empty) when the state is 1`,
    maxLength: MAX_SECRET_LENGTH,
    pattern: STREAM_SECRET_PATTERN,
  });
const expiry = (what: string) =>
  int({
    required: true,
    description: `How long a signed ${what} URL stays valid, minutes 0–${MAX_EXPIRY_MINUTES} (at least 1 when the state is 1)`,
    min: 0,
    max: MAX_EXPIRY_MINUTES,
  });

export function streamAuthRoutes(deps: RouteDeps): ApiRoute[] {
  const { db } = deps;
  return [
    defineRoute({
      method: "POST",
      url: "/ivc/cms/config/authstream",
      summary: "设置推拉流鉴权配置 Set push/pull stream authentication; Id must be the one GET answers (spec 01 §5.8)",
      tag: TAG,
      query: {},
      body: {
        Id: str({ required: true, description: "Auth config id, as GET /ivc/cms/config/authstream answers it", pattern: UUID_PATTERN }),
        PullState: state("Pull (play)"),
        PullSecret: secret("Pull (play)"),
        PullExpired: expiry("play"),
        PushState: state("Push (RTMP)"),
        PushSecret: secret("Push (RTMP)"),
        PushExpired: expiry("push"),
      },
      data: data.streamAuth,
      handle: (caller, { body }) => writeStreamAuth(db, caller.appId, body),
    }),
    defineRoute({
      method: "GET",
      url: "/ivc/cms/config/authstream",
      summary: "查询推拉流鉴权配置 Push/pull stream authentication; everything off until set (spec 01 §5.9)",
      tag: TAG,
      query: {},
      data: data.streamAuth,
      handle: async (caller) => succeed(await readStreamAuth(db, caller.appId)),
    }),
  ];
}
