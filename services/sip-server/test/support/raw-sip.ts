import { createSocket } from "node:dgram";
import { generateBranch, getHeader, parseSipMessage, serializeSipMessage, createRequest, type SipRequest, type SipResponse } from "@ivc/sip";
import { SERVER_ID } from "./harness.js";

/**
 * A bare UDP SIP peer on its own port: sends hand-built requests (an impostor, a camera with
 * another platform's credentials, a storm) and keeps every request the server sends it.
 */
export interface RawSipPeer {
  readonly address: string;
  readonly port: number;
  /** Requests the server sent to this socket. */
  readonly received: SipRequest[];
  /** Sends once; resolves with the final response, or undefined after `timeoutMs`. */
  send(request: SipRequest, timeoutMs?: number): Promise<SipResponse | undefined>;
  /** Sends without waiting; `answers` counts final responses by status. */
  fire(request: SipRequest): void;
  readonly answers: Map<number, number>;
  close(): Promise<void>;
}

export async function rawSipPeer(serverPort: number, address = "127.0.0.1"): Promise<RawSipPeer> {
  const socket = createSocket("udp4");
  await new Promise<void>((resolve) => socket.bind(0, address, resolve));
  const port = socket.address().port;
  const waiters = new Map<string, (response: SipResponse) => void>();
  const received: SipRequest[] = [];
  const answers = new Map<number, number>();
  const keyOf = (m: SipRequest | SipResponse) => `${getHeader(m, "Call-ID")}|${getHeader(m, "CSeq")}`;
  socket.on("message", (bytes) => {
    const parsed = parseSipMessage(bytes);
    if (!parsed.ok) return;
    const message = parsed.message;
    if (message.kind === "request") {
      received.push(message);
      return;
    }
    if (message.status < 200) return;
    answers.set(message.status, (answers.get(message.status) ?? 0) + 1);
    waiters.get(keyOf(message))?.(message);
    waiters.delete(keyOf(message));
  });
  const fire = (request: SipRequest) => socket.send(serializeSipMessage(request), serverPort, "127.0.0.1");
  return {
    address,
    port,
    received,
    answers,
    fire,
    send(request, timeoutMs = 3000) {
      return new Promise((resolve) => {
        const timer = setTimeout(() => {
          waiters.delete(keyOf(request));
          resolve(undefined);
        }, timeoutMs);
        waiters.set(keyOf(request), (response) => {
          clearTimeout(timer);
          resolve(response);
        });
        fire(request);
      });
    },
    close: () => new Promise((resolve) => socket.close(() => resolve())),
  };
}

/** An out-of-dialog request from `deviceId` as a GB28181 device sends it, with Via naming the peer. */
export function deviceRequest(
  peer: { address: string; port: number },
  domain: string,
  deviceId: string,
  method: "REGISTER" | "MESSAGE",
  options: { callId: string; cseq?: number; headers?: Array<[string, string]>; body?: Buffer },
): SipRequest {
  return createRequest({
    method,
    uri: `sip:${SERVER_ID}@${domain}`,
    via: { protocol: "SIP/2.0", transport: "UDP", host: peer.address, port: peer.port, params: { branch: generateBranch(), rport: null } },
    from: { uri: `sip:${deviceId}@${domain}`, params: { tag: `t${options.callId.slice(0, 8)}` } },
    to: { uri: method === "REGISTER" ? `sip:${deviceId}@${domain}` : `sip:${SERVER_ID}@${domain}`, params: {} },
    callId: options.callId,
    cseq: options.cseq ?? 1,
    contact: { uri: `sip:${deviceId}@${peer.address}:${peer.port}`, params: {} },
    headers: options.headers ?? [],
    ...(options.body ? { body: options.body, contentType: "Application/MANSCDP+xml" } : {}),
  });
}
