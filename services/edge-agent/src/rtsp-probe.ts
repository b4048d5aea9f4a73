import { connect } from "node:net";

const MAX_RESPONSE = 8 * 1024;

/** True when `head` starts like an RTSP response (RFC 2326 §7.1 Status-Line), whatever the status. */
export function isRtspStatusLine(head: string): boolean {
  return /^RTSP\/1\.0 \d{3} /.test(head);
}

/**
 * Online check for a camera without ONVIF: an RTSP OPTIONS (RFC 2326 §10.1) to its RTSP port. Any
 * RTSP answer, even 401, means the device is up; a refused connection, timeout or non-RTSP
 * answer means it is not.
 */
export function probeRtsp(host: string, port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    let received = "";
    const finish = (online: boolean): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(online);
    };
    const timer = setTimeout(() => finish(false), timeoutMs);
    socket.setEncoding("latin1");
    socket.once("connect", () => socket.write(`OPTIONS rtsp://${host}:${port}/ RTSP/1.0\r\nCSeq: 1\r\nUser-Agent: ivc-edge-agent\r\n\r\n`));
    socket.on("data", (chunk: string) => {
      received += chunk;
      if (received.includes("\r\n") || received.length > MAX_RESPONSE) finish(isRtspStatusLine(received));
    });
    socket.once("error", () => finish(false));
    socket.once("close", () => finish(isRtspStatusLine(received)));
  });
}
