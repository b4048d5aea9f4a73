import { parseCSeq } from "../cseq.js";
import { getHeader, getHeaderValues, type SipMessage, type SipRequest } from "../message.js";
import { parseNameAddr } from "../name-addr.js";
import { BRANCH_MAGIC_COOKIE, parseVia } from "../via.js";

function topViaOf(message: SipMessage) {
  return parseVia(getHeaderValues(message, "Via")[0] ?? "");
}

/**
 * Client transaction key (RFC 3261 §17.1.3): top Via branch + CSeq method, the
 * same for the request we sent and the responses to it.
 */
export function clientTransactionKey(message: SipMessage): string | undefined {
  const branch = topViaOf(message)?.params.branch;
  const method = parseCSeq(getHeader(message, "CSeq") ?? "")?.method;
  return branch && method ? `${branch}|${method}` : undefined;
}

/**
 * Server transaction key (RFC 3261 §17.2.3): branch + sent-by + method, with
 * ACK folded onto INVITE. Requests without an RFC 3261 branch (RFC 2543 peers,
 * or a bare magic cookie as in RFC 4475 §3.2.1) fall back to the §17.2.3
 * legacy fields minus the To tag, so an ACK still finds its INVITE.
 */
export function serverTransactionKey(request: SipRequest): string {
  const method = request.method === "ACK" ? "INVITE" : request.method;
  const via = topViaOf(request);
  const branch = via?.params.branch;
  if (via && branch && branch.startsWith(BRANCH_MAGIC_COOKIE) && branch.length > BRANCH_MAGIC_COOKIE.length) {
    return `${branch}|${via.host.toLowerCase()}:${via.port ?? ""}|${method}`;
  }
  const fromTag = parseNameAddr(getHeader(request, "From") ?? "")?.params.tag ?? "";
  const seq = parseCSeq(getHeader(request, "CSeq") ?? "")?.seq ?? "";
  const topVia = getHeaderValues(request, "Via")[0] ?? "";
  return `2543|${getHeader(request, "Call-ID") ?? ""}|${seq}|${fromTag}|${request.uri}|${topVia}|${method}`;
}
