import type { Redis } from "ioredis";
import type { SipTransportProtocol } from "@ivc/sip";
import { RedisScript } from "./redis-script.js";

/** One device's registration as kept in Redis (a hash per device). */
export interface Registration {
  deviceId: string;
  transport: SipTransportProtocol;
  /** Where the REGISTER came from (after NAT): requests to the device go here. */
  address: string;
  port: number;
  /** Contact URI as the device sent it. */
  contact: string;
  /** Call-ID of the REGISTER: a new one means the device rebooted (RFC 3261 §10.2.4). */
  callId: string;
  expiresSeconds: number;
  expiresAt: number;
  registeredAt: number;
  lastKeepaliveAt: number;
  /** Charset of the device's MANSCDP bodies; queries to it use the same. */
  charset: string;
}

/** Where a request came from as the server saw it (after NAT), not what its Via claims. */
export interface RequestSource {
  protocol: SipTransportProtocol;
  address: string;
  port: number;
}

export interface DeviceKeepalive {
  deviceId: string;
  registeredAt: number;
  lastKeepaliveAt: number;
}

/** A keepalive's effect: refreshed, or refused because the device is not registered or is bound elsewhere. */
export type KeepaliveOutcome = "refreshed" | "unregistered" | "wrong-source";

export type ExpiryReason = "keepalive-timeout" | "registration-expired";

export interface ExpiredRegistration {
  deviceId: string;
  reason: ExpiryReason;
}

// Deadline of a device = min(registration expiry, last keepalive + window). Only the deadline set
// is scanned; the hash says which of the two passed.
// The SN counter of the registration (see nextSn) survives refreshes and re-registrations.
const SAVE = new RedisScript(`
local sn = redis.call('HGET', KEYS[1], 'sn')
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], unpack(ARGV, 3))
if sn then redis.call('HSET', KEYS[1], 'sn', sn) end
redis.call('ZADD', KEYS[2], ARGV[1], ARGV[2])
return 1`);

// SN is an xs:integer but many firmwares store it in 32 bits: wrap before 2^31.
const NEXT_SN = new RedisScript(`
if redis.call('EXISTS', KEYS[1]) == 0 then return false end
local sn = redis.call('HINCRBY', KEYS[1], 'sn', 1)
if sn >= 2000000000 then
  sn = 1
  redis.call('HSET', KEYS[1], 'sn', sn)
end
return sn`);

// Only a keepalive from the transport/address/port of the device's authenticated REGISTER counts
// (2 = from elsewhere: nothing changes).
const KEEPALIVE = new RedisScript(`
local reg = redis.call('HMGET', KEYS[1], 'expiresAt', 'transport', 'address', 'port')
local expiresAt = reg[1]
if not expiresAt then return 0 end
if reg[2] ~= ARGV[5] or reg[3] ~= ARGV[6] or reg[4] ~= ARGV[7] then return 2 end
redis.call('HSET', KEYS[1], 'lastKeepaliveAt', ARGV[2], 'charset', ARGV[4])
local deadline = math.min(tonumber(expiresAt), tonumber(ARGV[2]) + tonumber(ARGV[3]))
redis.call('ZADD', KEYS[2], deadline, ARGV[1])
return 1`);

const REMOVE = new RedisScript(`
local removed = redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('DEL', KEYS[1])
return removed`);

// ZRANGEBYSCORE + ZREM in one script: an instance scanning at the same moment as another (or as
// a keepalive moving the deadline) can neither double-report nor remove a fresh deadline.
const TAKE_EXPIRED = new RedisScript(`
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, ARGV[2])
local out = {}
for _, id in ipairs(due) do
  redis.call('ZREM', KEYS[1], id)
  local key = ARGV[3] .. id
  out[#out + 1] = id
  out[#out + 1] = redis.call('HGET', key, 'expiresAt') or '0'
  redis.call('DEL', key)
end
return out`);

// After every instance was down, keepalives went unheard: give each device whose registration is
// still valid one full keepalive window to prove it is alive instead of dropping them all at once.
const REARM = new RedisScript(`
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
local rearmed = 0
for _, id in ipairs(due) do
  local expiresAt = tonumber(redis.call('HGET', ARGV[3] .. id, 'expiresAt') or '0')
  if expiresAt > tonumber(ARGV[1]) then
    redis.call('ZADD', KEYS[1], math.min(expiresAt, tonumber(ARGV[1]) + tonumber(ARGV[2])), id)
    rearmed = rearmed + 1
  end
end
return rearmed`);

/**
 * Registrations and their deadlines in Redis, so a restart or a second instance loses none.
 * Keys are scoped by `namespace` (the cluster id): several sites may share one Redis.
 */
export class RegistrationStore {
  private readonly prefix: string;
  private readonly deadlinesKey: string;

  constructor(
    private readonly redis: Redis,
    namespace: string,
    /** KEEPALIVE_INTERVAL × KEEPALIVE_MISSES. */
    private readonly keepaliveWindowMs: number,
  ) {
    this.prefix = `ivc:sip:${namespace}:reg:`;
    this.deadlinesKey = `ivc:sip:${namespace}:deadlines`;
  }

  async save(registration: Registration): Promise<void> {
    const deadline = Math.min(registration.expiresAt, registration.lastKeepaliveAt + this.keepaliveWindowMs);
    const fields = Object.entries(registration).flatMap(([name, value]) => [name, String(value)]);
    await SAVE.run(this.redis, [this.keyOf(registration.deviceId), this.deadlinesKey], [deadline, registration.deviceId, ...fields]);
  }

  async get(deviceId: string): Promise<Registration | undefined> {
    return parseRegistration(await this.redis.hgetall(this.keyOf(deviceId)));
  }

  async exists(deviceId: string): Promise<boolean> {
    return (await this.redis.exists(this.keyOf(deviceId))) === 1;
  }

  /**
   * Moves the keepalive deadline when the keepalive comes from where the device last registered.
   * A keepalive carries no authentication, so it never moves the device: a NAT that rebinds gets
   * the keepalive refused, and the device registers again (with digest) from its new address.
   */
  async refreshKeepalive(deviceId: string, now: number, charset: string, source: RequestSource): Promise<KeepaliveOutcome> {
    const args = [deviceId, now, this.keepaliveWindowMs, charset, source.protocol, source.address, source.port];
    const result = await KEEPALIVE.run(this.redis, [this.keyOf(deviceId), this.deadlinesKey], args);
    return result === 1 ? "refreshed" : result === 2 ? "wrong-source" : "unregistered";
  }

  /** When each of `deviceIds` registered and last sent a keepalive, in one round trip; unregistered ones are left out. */
  async keepalives(deviceIds: readonly string[]): Promise<DeviceKeepalive[]> {
    const pipeline = this.redis.pipeline();
    for (const id of deviceIds) pipeline.hmget(this.keyOf(id), "registeredAt", "lastKeepaliveAt");
    const answers = (await pipeline.exec()) ?? [];
    return deviceIds.flatMap((deviceId, i) => {
      const [err, fields] = answers[i] ?? [null, []];
      if (err) throw err;
      const [registeredAt, lastKeepaliveAt] = (fields as Array<string | null>).map(Number);
      return registeredAt && lastKeepaliveAt ? [{ deviceId, registeredAt, lastKeepaliveAt }] : [];
    });
  }

  /** Where the device's last authenticated REGISTER came from; undefined when it is not registered. */
  async boundSource(deviceId: string): Promise<RequestSource | undefined> {
    const [protocol, address, port] = await this.redis.hmget(this.keyOf(deviceId), "transport", "address", "port");
    if ((protocol !== "udp" && protocol !== "tcp") || !address || !port) return undefined;
    return { protocol, address, port: Number(port) };
  }

  /**
   * The SN for the next MANSCDP command to the device (GB/T 28181 A.2.1: the answer repeats it),
   * counted in its registration so every instance draws from one sequence and the counter goes
   * with the registration; undefined when the device is not registered.
   */
  async nextSn(deviceId: string): Promise<number | undefined> {
    const sn = (await NEXT_SN.run(this.redis, [this.keyOf(deviceId)], [])) as number | null;
    return sn ?? undefined;
  }

  /** The registration's Redis key (scripts that must act only while the device is registered check it). */
  keyOf(deviceId: string): string {
    return this.prefix + deviceId;
  }

  /** Forgets a registration; true for the one caller that actually removed it. */
  async remove(deviceId: string): Promise<boolean> {
    return (await REMOVE.run(this.redis, [this.keyOf(deviceId), this.deadlinesKey], [deviceId])) === 1;
  }

  /** Removes and returns registrations whose deadline passed; each one goes to exactly one caller. */
  async takeExpired(now: number, limit = 500): Promise<ExpiredRegistration[]> {
    const flat = (await TAKE_EXPIRED.run(this.redis, [this.deadlinesKey], [now, limit, this.prefix])) as string[];
    const expired: ExpiredRegistration[] = [];
    for (let i = 0; i + 1 < flat.length; i += 2) {
      const deviceId = flat[i] ?? "";
      const expiresAt = Number(flat[i + 1]);
      expired.push({ deviceId, reason: expiresAt <= now ? "registration-expired" : "keepalive-timeout" });
    }
    return expired;
  }

  /** See REARM; returns how many deadlines moved. */
  async rearmOverdue(now: number): Promise<number> {
    return Number(await REARM.run(this.redis, [this.deadlinesKey], [now, this.keepaliveWindowMs, this.prefix]));
  }

  count(): Promise<number> {
    return this.redis.zcard(this.deadlinesKey);
  }
}

function parseRegistration(hash: Record<string, string>): Registration | undefined {
  const { deviceId, transport, address, contact, callId, charset } = hash;
  const numbers = ["port", "expiresSeconds", "expiresAt", "registeredAt", "lastKeepaliveAt"].map((name) => Number(hash[name]));
  const [port, expiresSeconds, expiresAt, registeredAt, lastKeepaliveAt] = numbers as [number, number, number, number, number];
  if (!deviceId || (transport !== "udp" && transport !== "tcp") || !address || numbers.some((n) => !Number.isFinite(n))) return undefined;
  return {
    deviceId,
    transport,
    address,
    port,
    contact: contact ?? "",
    callId: callId ?? "",
    expiresSeconds,
    expiresAt,
    registeredAt,
    lastKeepaliveAt,
    charset: charset ?? "GB2312",
  };
}
