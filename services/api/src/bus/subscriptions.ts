import {
  ANY_CLUSTER,
  channelChanged,
  deviceCatalog,
  deviceCredentials as credentialsContract,
  deviceInfo,
  deviceOffline,
  deviceOnline,
  rtmpPushEnded,
  rtmpPushStarted,
  streamAuthorize,
} from "@ivc/bus";
import type { Bus } from "@ivc/bus";
import type { SecretBox } from "../accounts/secret-box.js";
import type { Db } from "../db/database.js";
import { deviceCredentials } from "./device-credentials.js";
import { createDeviceEventHandlers } from "./device-events.js";
import { authorizeStream } from "./stream-authorize.js";

/** API instances share events and requests through one queue group, so each is applied once. */
const QUEUE = "api";

/**
 * Device state follows the sip-server's events and the relay's RTMP push events; the sip-server
 * asks the API for REGISTER credentials, the relay whether a push or a pull is allowed.
 */
export function subscribeDeviceEvents(bus: Bus, db: Db, box: SecretBox): Array<{ unsubscribe(): void }> {
  const handlers = createDeviceEventHandlers(db);
  const options = { queue: QUEUE };
  return [
    bus.subscribe(deviceOnline, (e) => handlers.online(e), options),
    bus.subscribe(deviceOffline, (e) => handlers.offline(e), options),
    bus.subscribe(deviceCatalog, (e) => handlers.catalog(e), options),
    bus.subscribe(channelChanged, (e) => handlers.channel(e), options),
    bus.subscribe(deviceInfo, (e) => handlers.info(e), options),
    bus.subscribe(rtmpPushStarted, (e) => handlers.rtmpPush(e, true), options),
    bus.subscribe(rtmpPushEnded, (e) => handlers.rtmpPush(e, false), options),
    bus.reply(credentialsContract, { clusterId: ANY_CLUSTER }, (request) => deviceCredentials(db, box, request.deviceId), options),
    bus.reply(streamAuthorize, { clusterId: ANY_CLUSTER }, (request) => authorizeStream(db, request), options),
  ];
}
