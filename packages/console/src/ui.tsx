import type { ComponentChildren } from "preact";
import { useCallback, useEffect, useState } from "preact/hooks";
import { ApiError } from "./api.js";
import { t } from "./i18n.js";
import { signal, useSignal } from "./signal.js";

/** The last failure, shown in one bar above every page with the API's code and message. */
export const lastError = signal<ApiError | undefined>(undefined);

export function report(err: unknown): void {
  lastError.set(err instanceof ApiError ? err : new ApiError(0, err instanceof Error ? err.message : String(err), "", ""));
}

export function ErrorBar() {
  const error = useSignal(lastError);
  if (!error) return null;
  return (
    <div class="error" role="alert" data-testid="api-error">
      <strong>
        {t("Error")} {error.statusCode}
      </strong>{" "}
      <span>{error.message}</span>
      {error.detail ? <span class="detail"> — {error.detail}</span> : null}
      {error.requestId ? <span class="muted"> (RequestId {error.requestId})</span> : null}
      <button type="button" onClick={() => lastError.set(undefined)}>
        {t("Close")}
      </button>
    </div>
  );
}

/** Loads data on mount and whenever `deps` change; failures go to the error bar. */
export function useLoad<T>(load: () => Promise<T>, deps: readonly unknown[]): { data: T | undefined; reload: () => void } {
  const [data, setData] = useState<T | undefined>(undefined);
  const [tick, setTick] = useState(0);
  useEffect(() => {
    let live = true;
    load().then((value) => live && setData(value), report);
    return () => {
      live = false;
    };
  }, [...deps, tick]);
  return { data, reload: useCallback(() => setTick((n) => n + 1), []) };
}

/** Runs an action, reporting its failure; resolves true when it succeeded. */
export async function attempt(action: () => Promise<unknown>): Promise<boolean> {
  try {
    await action();
    lastError.set(undefined);
    return true;
  } catch (err) {
    report(err);
    return false;
  }
}

export function Field(props: { label: string; children: ComponentChildren }) {
  return (
    <label class="field">
      <span>{props.label}</span>
      {props.children}
    </label>
  );
}

/** Polls `tick` every `ms` while mounted (live status). */
export function useInterval(ms: number): number {
  const [tick, setTick] = useState(0);
  useEffect(() => {
    const id = setInterval(() => setTick((n) => n + 1), ms);
    return () => clearInterval(id);
  }, [ms]);
  return tick;
}
