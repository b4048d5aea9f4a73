import { BusHandlerError } from "@ivc/bus";
import type { Db } from "../db/database.js";
import { activateGateway } from "../store/gateway-activation.js";
import type { BoxInfo } from "../store/gateway-activation.js";

/** The answer to packages/bus `api.gateway.activate`; refusals travel as `gateway_key_invalid` / `gateway_already_activated`. */
export async function answerActivation(db: Db, request: { key: string; boxInfo: BoxInfo }) {
  const result = await activateGateway(db, request.key, request.boxInfo);
  if (!result.ok) throw new BusHandlerError(result.code, result.reason);
  const { id, gwId, clusterId, createdAt, token } = result.value;
  return { id, gwId, clusterId, createdAt: createdAt.getTime(), credentials: { token } };
}
