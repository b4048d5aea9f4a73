/** The key the person logged in with: this tab only (sessionStorage), gone when the tab closes. */
export interface ApiKey {
  readonly secretId: string;
  readonly secretKey: string;
}

const STORAGE_KEY = "ivc-console-key";

export function loadKey(): ApiKey | undefined {
  const text = sessionStorage.getItem(STORAGE_KEY);
  if (text === null) return undefined;
  try {
    const saved = JSON.parse(text) as Partial<ApiKey>;
    return typeof saved.secretId === "string" && typeof saved.secretKey === "string" ? { secretId: saved.secretId, secretKey: saved.secretKey } : undefined;
  } catch {
    return undefined;
  }
}

export function saveKey(key: ApiKey): void {
  sessionStorage.setItem(STORAGE_KEY, JSON.stringify(key));
}

export function forgetKey(): void {
  sessionStorage.removeItem(STORAGE_KEY);
}
