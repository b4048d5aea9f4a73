import { buildCatalogQuery } from "@ivc/gb28181";
import type { Logger } from "@ivc/runtime";
import { createDialogAsUac, createInDialogRequest, getHeader, type SipDialog, type SipRequest } from "@ivc/sip";
import { charsetOf } from "./device-queries.js";
import { MANSCDP_CONTENT_TYPE, type DeviceRequester } from "./device-requester.js";
import type { Registration } from "./registration-store.js";
import type { SipEndpoint } from "./sip-endpoint.js";
import type { SnCounter } from "./sn-counter.js";

export interface CatalogSubscriptionOptions {
  expiresSeconds: number;
  requester: DeviceRequester;
  endpoint: SipEndpoint;
  sn: SnCounter;
  logger: Logger;
  /** The registration as it is now, or undefined once the device is gone. */
  currentRegistration: (deviceId: string) => Promise<Registration | undefined>;
}

interface Subscription {
  dialog: SipDialog | undefined;
  timer: NodeJS.Timeout | undefined;
}

// Refresh at 80 % of the granted time (RFC 6665 §4.1.2.1 leaves the margin to the subscriber).
const REFRESH_AT = 0.8;

/**
 * Catalog subscriptions (GB/T 28181 §9.6.3): SUBSCRIBE with Event: Catalog after registering,
 * refreshed inside the dialog before it expires; the device then NOTIFYs channel changes.
 * Devices that refuse (many IPCs answer 4xx/5xx) are left alone until they register again.
 * Subscriptions live in the instance that made them; after a restart the next REGISTER refresh
 * renews them.
 */
export class CatalogSubscriptions {
  private readonly subscriptions = new Map<string, Subscription>();
  private closed = false;

  constructor(private readonly options: CatalogSubscriptionOptions) {}

  get size(): number {
    return this.subscriptions.size;
  }

  has(deviceId: string): boolean {
    return this.subscriptions.has(deviceId);
  }

  async subscribe(registration: Registration): Promise<void> {
    this.stop(registration.deviceId);
    const subscription: Subscription = { dialog: undefined, timer: undefined };
    this.subscriptions.set(registration.deviceId, subscription);
    await this.send(registration, subscription);
  }

  stop(deviceId: string): void {
    const subscription = this.subscriptions.get(deviceId);
    if (!subscription) return;
    clearTimeout(subscription.timer);
    this.subscriptions.delete(deviceId);
  }

  close(): void {
    this.closed = true;
    for (const deviceId of [...this.subscriptions.keys()]) this.stop(deviceId);
  }

  private async send(registration: Registration, subscription: Subscription): Promise<void> {
    const { deviceId } = registration;
    const logger = this.options.logger.child({ deviceId });
    let request: SipRequest | undefined;
    let status: number;
    try {
      request = this.request(registration, subscription, await this.options.sn.next(deviceId));
      const response = await this.options.requester.send(registration, request);
      status = response.status;
      if (status < 300 && !subscription.dialog) subscription.dialog = createDialogAsUac(request, response);
      if (status < 300) {
        const granted = Number(getHeader(response, "Expires") ?? this.options.expiresSeconds);
        const seconds = Number.isFinite(granted) && granted > 0 ? Math.min(granted, this.options.expiresSeconds) : this.options.expiresSeconds;
        this.schedule(deviceId, subscription, seconds * 1000 * REFRESH_AT);
        logger.debug({ callId: getHeader(request, "Call-ID"), expires: seconds }, "catalog subscription active");
        return;
      }
    } catch (err) {
      logger.info({ callId: request && getHeader(request, "Call-ID"), err: err instanceof Error ? err.message : String(err) }, "catalog SUBSCRIBE unanswered");
      if (this.subscriptions.get(deviceId) === subscription) this.subscriptions.delete(deviceId);
      return;
    }
    if (status === 481 && subscription.dialog) {
      // The device forgot the dialog (it rebooted): start a new subscription.
      subscription.dialog = undefined;
      await this.send(registration, subscription);
      return;
    }
    logger.info({ callId: getHeader(request, "Call-ID"), status }, "device declined the catalog subscription");
    if (this.subscriptions.get(deviceId) === subscription) this.subscriptions.delete(deviceId);
  }

  private request(registration: Registration, subscription: Subscription, sn: number): SipRequest {
    const headers: Array<[string, string]> = [
      ["Event", `Catalog;id=${sn}`],
      ["Expires", String(this.options.expiresSeconds)],
    ];
    const body = buildCatalogQuery({ sn, deviceId: registration.deviceId, charset: charsetOf(registration) });
    if (!subscription.dialog) return this.options.requester.build(registration, "SUBSCRIBE", { body, headers, withContact: true });
    const { request, dialog } = createInDialogRequest(subscription.dialog, "SUBSCRIBE", {
      via: this.options.endpoint.via(registration.transport),
      contact: this.options.requester.contact(),
      headers,
      body,
      contentType: MANSCDP_CONTENT_TYPE,
    });
    subscription.dialog = dialog;
    return request;
  }

  private schedule(deviceId: string, subscription: Subscription, delayMs: number): void {
    if (this.closed || this.subscriptions.get(deviceId) !== subscription) return;
    clearTimeout(subscription.timer);
    subscription.timer = setTimeout(() => {
      void this.refresh(deviceId, subscription);
    }, delayMs);
    subscription.timer.unref();
  }

  private async refresh(deviceId: string, subscription: Subscription): Promise<void> {
    if (this.subscriptions.get(deviceId) !== subscription) return;
    const registration = await this.options.currentRegistration(deviceId).catch(() => undefined);
    if (!registration) {
      this.stop(deviceId);
      return;
    }
    await this.send(registration, subscription).catch((err: unknown) => this.options.logger.warn({ err, deviceId }, "catalog re-subscribe failed"));
  }
}
