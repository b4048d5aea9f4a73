#!/usr/bin/env node
import { CLI_USAGE, parseCliArgs } from "./cli-args.js";
import { RegistrationError } from "./registration-error.js";
import { StreamingMediaResponder } from "./streaming-responder.js";
import { VirtualDevice } from "./virtual-device.js";

const EXIT_USAGE = 2;

function print(line: string): void {
  process.stdout.write(`${new Date().toISOString()} ${line}\n`);
}

/** The exit code, or undefined while the device runs (signals end it). */
async function main(): Promise<number | undefined> {
  const parsed = parseCliArgs(process.argv.slice(2));
  if (parsed.kind === "help") {
    process.stdout.write(`${CLI_USAGE}\n`);
    return 0;
  }
  if (parsed.kind === "error") {
    process.stderr.write(`gb-device-sim: ${parsed.message}\nTry gb-device-sim --help\n`);
    return EXIT_USAGE;
  }
  const { options, media } = parsed;
  const responder = new StreamingMediaResponder(media);
  responder.on("warning", (text) => print(`warning: ${text}`));
  responder.on("streaming", (info) =>
    print(`streaming ${info.channelId} as ${media.codec ?? "H264"} over ${info.plan.kind} (y=${info.answeredSsrc}, RTP SSRC ${info.rtpSsrc})`),
  );
  responder.on("stopped", (_key, reason) => print(`stream stopped: ${reason}`));
  if (media.refuseInvite === undefined) await responder.prepare();
  const device = new VirtualDevice({ ...options, mediaResponder: responder });
  const server = `${options.serverHost}:${options.serverPort}`;
  device.on("registered", (expires) =>
    print(`registered ${device.deviceId} with ${server} over ${options.transport} (expires ${expires} s, local port ${device.localPort}, ${device.channels.length} channels)`),
  );
  device.on("registerFailed", (status, reason) => print(`register failed: ${status} ${reason}`));
  device.on("unregistered", () => print("unregistered"));
  device.on("queryAnswered", (query, statuses) =>
    print(`answered ${query.cmdType} query SN ${query.sn} for ${query.deviceId} in ${statuses.length} MESSAGE(s), server replied ${statuses.join(",")}`),
  );
  device.on("keepalive", (status) => {
    if (status !== 200) print(`keepalive failed: ${status}`);
  });
  device.on("warning", (text) => print(`warning: ${text}`));

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    print(`${signal}: unregistering`);
    void device.stop().then(async () => {
      await responder.close();
      print("stopped");
      process.exit(0);
    });
  };
  process.on("SIGINT", () => stop("SIGINT"));
  process.on("SIGTERM", () => stop("SIGTERM"));

  try {
    await device.start();
  } catch (error) {
    // A signal during start: the stop handler reports and exits.
    if (stopping) return undefined;
    if (error instanceof RegistrationError) return 1;
    print(`cannot start: ${(error as Error).message}`);
    return 1;
  }
  return undefined;
}

main().then(
  (code) => {
    if (code !== undefined) process.exit(code);
  },
  (error: unknown) => {
    process.stderr.write(`gb-device-sim: ${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  },
);
