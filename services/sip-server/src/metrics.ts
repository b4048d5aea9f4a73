import { Counter, Gauge, type Registry } from "@ivc/runtime";

export type RegisterResult =
  | "registered"
  | "refreshed"
  | "unregistered"
  | "challenged"
  | "wrong-password"
  | "backed-off"
  | "unknown-device"
  | "disabled"
  | "other-cluster"
  | "api-unreachable"
  | "bad-request"
  | "rechallenged"
  | "unknown-backed-off"
  | "throttled";

export type CatalogOutcome = "complete" | "partial" | "rejected";

export interface SipServerMetrics {
  registerOutcomes: Counter<"result">;
  keepalives: Counter<"result">;
  catalogAssemblies: Counter<"outcome">;
  wrongSource: Counter<"method">;
}

/** Prometheus metrics of the sip-server; the registered gauge reads Redis at scrape time. */
export function createSipServerMetrics(registry: Registry, countRegistered: () => Promise<number>): SipServerMetrics {
  new Gauge({
    name: "ivc_sip_registered_devices",
    help: "Devices with a live registration in this cluster (shared by all instances).",
    registers: [registry],
    async collect() {
      this.set(await countRegistered());
    },
  });
  return {
    registerOutcomes: new Counter({
      name: "ivc_sip_register_total",
      help: "REGISTER requests answered, by result.",
      labelNames: ["result"],
      registers: [registry],
    }),
    keepalives: new Counter({
      name: "ivc_sip_keepalive_total",
      help: "Keepalive MESSAGEs, by whether the device was registered.",
      labelNames: ["result"],
      registers: [registry],
    }),
    catalogAssemblies: new Counter({
      name: "ivc_sip_catalog_assemblies_total",
      help: "Catalog answers assembled, by outcome (partial = fewer items than SumNum before the timeout).",
      labelNames: ["outcome"],
      registers: [registry],
    }),
    wrongSource: new Counter({
      name: "ivc_sip_wrong_source_refused_total",
      help: "Requests naming a registered device from another transport/address/port than its authenticated REGISTER, refused 403.",
      labelNames: ["method"],
      registers: [registry],
    }),
  };
}
