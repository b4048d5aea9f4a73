import { errors, type NatsConnection, type Subscription } from "@nats-io/transport-node";
import type { z } from "zod";
import type { EventContract, RequestContract } from "./contract.js";
import { BusError, BusHandlerError } from "./errors.js";

/** What travels back on a reply subject: data, or a coded error from the responder. */
type ReplyEnvelope<T> = { ok: true; data: T } | { ok: false; error: { code: string; message: string } };

export interface BusLogger {
  warn(obj: object, msg: string): void;
  debug(obj: object, msg: string): void;
}

export interface RequestOptions {
  /** Milliseconds to wait for the answer. */
  timeoutMs?: number;
}

/** Where a request arrived: with `ANY_CLUSTER` responders, the subject names the asking cluster. */
export interface RequestMeta {
  subject: string;
}

export interface ReplyOptions {
  /** Queue group, so several instances of a service share the requests. */
  queue?: string;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const DEFAULT_TIMEOUT_MS = 5000;

function encode(value: unknown): Uint8Array {
  return encoder.encode(JSON.stringify(value));
}

function decode(data: Uint8Array): unknown {
  return JSON.parse(decoder.decode(data));
}

/**
 * Typed request/reply and events over one NATS connection. Every message is checked against its
 * contract's schema on both ends, so a service that drifts from the contract fails loudly.
 */
export class Bus {
  constructor(
    readonly nc: NatsConnection,
    private readonly logger: BusLogger,
  ) {}

  async request<P, Req extends z.ZodType, Res extends z.ZodType>(
    contract: RequestContract<P, Req, Res>,
    params: P,
    payload: z.input<Req>,
    options: RequestOptions = {},
  ): Promise<z.output<Res>> {
    const subject = contract.subject(params);
    const checked = contract.request.safeParse(payload);
    if (!checked.success) {
      throw new BusError("invalid_request", subject, `request for ${contract.name} breaks its schema: ${checked.error.message}`);
    }
    const timeout = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    let raw: Uint8Array;
    try {
      const msg = await this.nc.request(subject, encode(checked.data), { timeout });
      raw = msg.data;
    } catch (err) {
      throw toBusError(err, subject, contract.name, timeout);
    }
    let envelope: ReplyEnvelope<unknown>;
    try {
      envelope = decode(raw) as ReplyEnvelope<unknown>;
    } catch {
      throw new BusError("invalid_reply", subject, `reply to ${contract.name} is not JSON`);
    }
    if (!envelope || typeof envelope !== "object" || !("ok" in envelope)) {
      throw new BusError("invalid_reply", subject, `reply to ${contract.name} has no envelope`);
    }
    if (!envelope.ok) {
      throw new BusError("remote", subject, envelope.error.message, envelope.error.code);
    }
    const reply = contract.reply.safeParse(envelope.data);
    if (!reply.success) {
      throw new BusError("invalid_reply", subject, `reply to ${contract.name} breaks its schema: ${reply.error.message}`);
    }
    return reply.data;
  }

  /**
   * Answers requests of `contract` with `handler`. A handler that throws BusHandlerError answers
   * with its code; any other throw answers "internal" and is logged, never crashing the service.
   */
  reply<P, Req extends z.ZodType, Res extends z.ZodType>(
    contract: RequestContract<P, Req, Res>,
    params: P,
    handler: (request: z.output<Req>, meta: RequestMeta) => Promise<z.input<Res>> | z.input<Res>,
    options: ReplyOptions = {},
  ): Subscription {
    const subject = contract.subject(params);
    return this.nc.subscribe(subject, {
      ...(options.queue ? { queue: options.queue } : {}),
      callback: (err, msg) => {
        if (err) {
          this.logger.warn({ err, subject }, "subscription error");
          return;
        }
        void this.answer(contract, msg.data, (request) => handler(request, { subject: msg.subject })).then((envelope) => {
          if (msg.reply) msg.respond(encode(envelope));
        });
      },
    });
  }

  publish<E extends z.ZodType>(contract: EventContract<E>, event: z.input<E>): void {
    const checked = contract.schema.safeParse(event);
    if (!checked.success) {
      throw new BusError("invalid_request", contract.subject, `event ${contract.name} breaks its schema: ${checked.error.message}`);
    }
    this.nc.publish(contract.subject, encode(checked.data));
  }

  /**
   * Calls `handler` for every valid event; malformed events are logged and skipped. With `queue`,
   * one instance of a service group handles each event instead of every instance.
   */
  subscribe<E extends z.ZodType>(
    contract: EventContract<E>,
    handler: (event: z.output<E>) => Promise<void> | void,
    options: ReplyOptions = {},
  ): Subscription {
    return this.nc.subscribe(contract.subject, {
      ...(options.queue ? { queue: options.queue } : {}),
      callback: (err, msg) => {
        if (err) {
          this.logger.warn({ err, subject: contract.subject }, "subscription error");
          return;
        }
        let parsed: z.ZodSafeParseResult<z.output<E>>;
        try {
          parsed = contract.schema.safeParse(decode(msg.data));
        } catch {
          this.logger.warn({ subject: contract.subject }, "event is not JSON; skipped");
          return;
        }
        if (!parsed.success) {
          this.logger.warn({ subject: contract.subject, issues: parsed.error.issues }, "event breaks its schema; skipped");
          return;
        }
        Promise.resolve()
          .then(() => handler(parsed.data))
          .catch((handlerErr: unknown) => this.logger.warn({ err: handlerErr, subject: contract.subject }, "event handler failed"));
      },
    });
  }

  private async answer<P, Req extends z.ZodType, Res extends z.ZodType>(
    contract: RequestContract<P, Req, Res>,
    data: Uint8Array,
    handler: (request: z.output<Req>) => Promise<z.input<Res>> | z.input<Res>,
  ): Promise<ReplyEnvelope<z.output<Res>>> {
    let input: unknown;
    try {
      input = decode(data);
    } catch {
      return { ok: false, error: { code: "invalid_request", message: "request is not JSON" } };
    }
    const request = contract.request.safeParse(input);
    if (!request.success) {
      return { ok: false, error: { code: "invalid_request", message: request.error.message } };
    }
    try {
      const result = contract.reply.safeParse(await handler(request.data));
      if (!result.success) {
        this.logger.warn({ contract: contract.name, issues: result.error.issues }, "handler reply breaks its schema");
        return { ok: false, error: { code: "internal", message: `reply breaks the ${contract.name} schema` } };
      }
      return { ok: true, data: result.data };
    } catch (err) {
      if (err instanceof BusHandlerError) return { ok: false, error: { code: err.code, message: err.message } };
      this.logger.warn({ err, contract: contract.name }, "request handler failed");
      return { ok: false, error: { code: "internal", message: err instanceof Error ? err.message : String(err) } };
    }
  }
}

function toBusError(err: unknown, subject: string, name: string, timeoutMs: number): BusError {
  const causes = [err, err instanceof Error ? err.cause : undefined];
  if (causes.some((c) => c instanceof errors.NoRespondersError) || (err instanceof errors.RequestError && err.isNoResponders())) {
    return new BusError("no_responders", subject, `no service answers ${name} (${subject})`);
  }
  if (causes.some((c) => c instanceof errors.TimeoutError)) {
    return new BusError("timeout", subject, `${name} got no answer within ${timeoutMs} ms`);
  }
  if (causes.some((c) => c instanceof errors.ClosedConnectionError || c instanceof errors.DrainingConnectionError)) {
    return new BusError("connection", subject, `NATS connection is closed; ${name} not sent`);
  }
  return new BusError("connection", subject, `${name} failed: ${err instanceof Error ? err.message : String(err)}`);
}
