/**
 * How long to wait before starting again something that died, after `failures` restarts in a row
 * that did not hold: the first comes at once (200 ms; a kill -9 or OOM is usually a one-off), then
 * 1 s doubling to 30 s, so a crash loop does not spin. The launcher (services, infrastructure) and the relay (its shard processes) share it.
 */
export function restartDelayMs(failures: number): number {
  return failures === 0 ? 200 : Math.min(30_000, 1000 * 2 ** Math.min(failures - 1, 5));
}
