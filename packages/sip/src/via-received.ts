import type { SipDestination, SipTransportProtocol } from "./destination.js";
import type { SipRequest } from "./message.js";
import { splitHeaderList } from "./syntax.js";
import type { SipParams } from "./params.js";
import { formatVia, parseVia, type SipVia } from "./via.js";

function sameAddress(host: string, address: string): boolean {
  const bare = (text: string) => text.replace(/^\[|\]$/g, "").replace(/^::ffff:/i, "").toLowerCase();
  return bare(host) === bare(address);
}

/**
 * Stamps the top Via of a received request (RFC 3261 §18.2.1, RFC 3581 §4):
 * received=<source address> when sent-by differs from it (always when the
 * client asked for rport), rport=<source port> when rport came without a value.
 * Returns the request unchanged when nothing needs adding or the Via is unreadable.
 */
export function stampViaReceived(request: SipRequest, source: { address: string; port: number }): SipRequest {
  const index = request.headers.findIndex((header) => header.name === "Via");
  const line = request.headers[index];
  if (!line) return request;
  const [top = "", ...rest] = splitHeaderList(line.value);
  const via = parseVia(top);
  if (!via) return request;
  const wantsRport = "rport" in via.params && via.params.rport === null;
  const address = source.address.replace(/^::ffff:/i, "");
  if (!wantsRport && sameAddress(via.host, address)) return request;

  const params: SipParams = { ...via.params, received: address };
  if (wantsRport) params.rport = String(source.port);
  const stamped = formatVia({ ...via, params });
  const headers = [...request.headers];
  headers[index] = { name: "Via", value: [stamped, ...rest].join(", ") };
  return { ...request, headers };
}

export interface ResponseRoutingOptions {
  /**
   * Answer UDP requests at their source address and port even without rport.
   * GB28181 cameras behind NAT often omit rport while their sent-by is a private
   * address; WVP-style servers reply to the source for the same reason.
   */
  symmetric?: boolean;
}

/**
 * Where to send a response (RFC 3261 §18.2.2, RFC 3581 §4) given the top Via of
 * the request (as stamped by stampViaReceived) and where the request came from.
 * Reliable transports answer over the connection the request came on, which the
 * transport finds by the source address and port.
 */
export function responseDestination(
  topVia: SipVia,
  source: { protocol: SipTransportProtocol; address: string; port: number },
  options: ResponseRoutingOptions = {},
): SipDestination {
  const { protocol } = source;
  if (protocol === "tcp" || options.symmetric) return { protocol, address: source.address, port: source.port };
  const rport = topVia.params.rport;
  if (rport !== undefined && rport !== null && /^\d+$/.test(rport)) {
    return { protocol, address: topVia.params.received ?? source.address, port: Number(rport) };
  }
  const address = topVia.params.received ?? topVia.host.replace(/^\[|\]$/g, "");
  return { protocol, address, port: topVia.port ?? 5060 };
}
