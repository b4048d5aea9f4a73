/**
 * Start-up progress between a service and the launcher that started it, over Node's IPC channel.
 *
 * A store box under a busy NVR can take minutes to open its database; the launcher must tell a
 * service that is slow from one that is stuck. While it starts, a service names its stage
 * ("connecting to NATS", "opening the database", "applying migrations") and sends a sign of life
 * every few seconds; the launcher waits as long as those keep coming, says what it waits on, and
 * tells the service when it has seen it healthy, which ends the signs of life.
 */

/** Service → launcher. */
export interface StartupProgressMessage {
  ivc: "startup";
  stage: string;
}

/** Launcher → service: healthy seen, stop reporting. */
export interface StartupSeenMessage {
  ivc: "started";
}

export const STARTUP_TICK_MS = 2000;

export function isStartupProgress(message: unknown): message is StartupProgressMessage {
  const m = message as Partial<StartupProgressMessage> | null;
  return typeof m === "object" && m !== null && m.ivc === "startup" && typeof m.stage === "string";
}

let currentStage: string | undefined;
let tick: NodeJS.Timeout | undefined;

function send(): void {
  if (currentStage === undefined || !process.send || !process.connected) return;
  const message: StartupProgressMessage = { ivc: "startup", stage: currentStage };
  process.send(message, undefined, {}, () => undefined);
}

function stopReporting(): void {
  clearInterval(tick);
  tick = undefined;
  currentStage = undefined;
  process.channel?.unref();
}

/**
 * Names the stage the service is in now. Outside the launcher (no IPC channel) this does nothing,
 * so services run alone under systemd exactly as before.
 */
export function reportStartupStage(stage: string): void {
  if (!process.send) return;
  currentStage = stage;
  send();
  if (tick) return;
  tick = setInterval(send, STARTUP_TICK_MS);
  tick.unref();
  process.on("message", (message: unknown) => {
    if ((message as Partial<StartupSeenMessage> | null)?.ivc === "started") stopReporting();
  });
  // The channel must not keep a service alive on its own (it exits when its work is done).
  process.channel?.unref();
}
