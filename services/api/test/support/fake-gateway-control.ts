import type { GatewayControl } from "../../src/bus/gateway-control.js";
import type { Outcome } from "../../src/errors/outcome.js";
import { succeed } from "../../src/errors/outcome.js";

export const TEST_BUNDLE_BASE_URL = "http://api.test:8080";

/** Records what gateway routes ask of the boxes and answers what the test scripts. */
export class FakeGatewayControl implements GatewayControl {
  readonly upgrades: Array<{ gwId: string; version: string; bundleUrl: string }> = [];
  readonly revocations: Array<{ gwId: string; reason: string }> = [];
  upgradeAnswer: Outcome<null> = succeed(null);
  /** When set (bus tests), calls go on to the real control after being recorded. */
  forwardTo: GatewayControl | undefined;

  async upgrade(gwId: string, version: string, bundleUrl: string): Promise<Outcome<null>> {
    this.upgrades.push({ gwId, version, bundleUrl });
    return this.forwardTo ? this.forwardTo.upgrade(gwId, version, bundleUrl) : this.upgradeAnswer;
  }

  revoke(gwId: string, reason: string): void {
    this.revocations.push({ gwId, reason });
    this.forwardTo?.revoke(gwId, reason);
  }
}
