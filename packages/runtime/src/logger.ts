import { pino, type Logger, type LoggerOptions } from "pino";

export type { Logger };

/**
 * pino JSON to stdout with the service name on every line. Lines about one device, channel,
 * call or stream are made with `logger.child({ deviceId, channelId, callId, streamId })`.
 */
export function createLogger(service: string, level = "info", options: LoggerOptions = {}): Logger {
  return pino({
    level,
    base: { service, pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    ...options,
  });
}
