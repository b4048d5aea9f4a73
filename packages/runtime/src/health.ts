/** State of one dependency as /healthz reports it. */
export interface DependencyState {
  ok: boolean;
  detail?: string;
}

export type HealthCheck = () => DependencyState | Promise<DependencyState>;

export interface HealthReport {
  service: string;
  status: "ok" | "degraded";
  uptimeSeconds: number;
  version: string;
  dependencies: Record<string, DependencyState>;
}

/** Named dependency checks; a check that throws or hangs past the timeout counts as down. */
export class HealthRegistry {
  private readonly checks = new Map<string, HealthCheck>();
  private readonly startedAt = Date.now();

  constructor(
    readonly service: string,
    readonly version: string,
    private readonly checkTimeoutMs = 2000,
  ) {}

  register(name: string, check: HealthCheck): void {
    this.checks.set(name, check);
  }

  async report(): Promise<HealthReport> {
    const entries = await Promise.all(
      [...this.checks].map(async ([name, check]) => [name, await this.run(check)] as const),
    );
    const dependencies = Object.fromEntries(entries);
    return {
      service: this.service,
      status: entries.every(([, s]) => s.ok) ? "ok" : "degraded",
      uptimeSeconds: Math.round((Date.now() - this.startedAt) / 1000),
      version: this.version,
      dependencies,
    };
  }

  private async run(check: HealthCheck): Promise<DependencyState> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<DependencyState>((resolve) => {
      timer = setTimeout(() => resolve({ ok: false, detail: `no answer within ${this.checkTimeoutMs} ms` }), this.checkTimeoutMs);
    });
    try {
      return await Promise.race([Promise.resolve().then(check), timeout]);
    } catch (err) {
      return { ok: false, detail: err instanceof Error ? err.message : String(err) };
    } finally {
      clearTimeout(timer);
    }
  }
}
