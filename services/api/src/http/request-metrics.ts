import { Counter, Histogram } from "@ivc/runtime";
import type { Registry } from "@ivc/runtime";
import type { AppDeps } from "./app.js";

/** `ivc_api_requests_total` and `ivc_api_request_seconds` on `registry`, as buildApp's `observe`. */
export function requestObserver(registry: Registry): NonNullable<AppDeps["observe"]> {
  const requests = new Counter({ name: "ivc_api_requests_total", help: "API requests answered", labelNames: ["method", "route", "status"], registers: [registry] });
  const latency = new Histogram({
    name: "ivc_api_request_seconds",
    help: "API request latency",
    labelNames: ["method", "route"],
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  return ({ method, route, statusCode }, seconds) => {
    requests.inc({ method, route, status: String(statusCode) });
    latency.observe({ method, route }, seconds);
  };
}
