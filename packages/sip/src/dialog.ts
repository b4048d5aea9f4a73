import { createRequest } from "./build.js";
import { parseCSeq } from "./cseq.js";
import { getHeader, getHeaderValues, type SipRequest, type SipResponse } from "./message.js";
import { parseNameAddr, type SipNameAddr } from "./name-addr.js";
import type { SipVia } from "./via.js";

/** RFC 3261 §12: dialog state as seen from one side. */
export interface SipDialog {
  callId: string;
  localTag: string;
  remoteTag: string;
  /** Our From in requests we send (URI and display name, no tag). */
  local: SipNameAddr;
  /** Their identity: our To in requests we send (no tag). */
  remote: SipNameAddr;
  /** Contact URI of the peer: the Request-URI of in-dialog requests (§12.2.1.1). */
  remoteTarget: string;
  /** Route header values for in-dialog requests, in order. */
  routeSet: string[];
  /** Last CSeq number we used (the next request uses localSeq + 1). */
  localSeq: number;
}

export function dialogId(dialog: SipDialog): string {
  return `${dialog.callId}|${dialog.localTag}|${dialog.remoteTag}`;
}

function identity(value: string | undefined): { nameAddr: SipNameAddr; tag: string | undefined } | undefined {
  const parsed = value === undefined ? undefined : parseNameAddr(value);
  if (!parsed) return undefined;
  const { tag, ...params } = parsed.params;
  return { nameAddr: { ...parsed, params }, tag: tag ?? undefined };
}

function contactUri(message: SipRequest | SipResponse): string | undefined {
  const first = getHeaderValues(message, "Contact")[0];
  return first === undefined ? undefined : parseNameAddr(first)?.uri;
}

/**
 * The UAC side of a dialog, from the request we sent and a 2xx/1xx-with-tag
 * response (§12.1.2): route set is the response's Record-Route reversed.
 * Undefined when the response lacks a To tag or a Contact.
 */
export function createDialogAsUac(request: SipRequest, response: SipResponse): SipDialog | undefined {
  const from = identity(getHeader(request, "From"));
  const to = identity(getHeader(response, "To"));
  const remoteTarget = contactUri(response);
  const seq = parseCSeq(getHeader(request, "CSeq") ?? "")?.seq;
  const callId = getHeader(request, "Call-ID");
  if (!from?.tag || !to?.tag || remoteTarget === undefined || seq === undefined || callId === undefined) return undefined;
  return {
    callId,
    localTag: from.tag,
    remoteTag: to.tag,
    local: from.nameAddr,
    remote: to.nameAddr,
    remoteTarget,
    routeSet: getHeaderValues(response, "Record-Route").reverse(),
    localSeq: seq,
  };
}

/**
 * The UAS side of a dialog, from the request received and the tag we put in
 * our To (§12.1.1): route set is the request's Record-Route in order.
 */
export function createDialogAsUas(request: SipRequest, localTag: string): SipDialog | undefined {
  const from = identity(getHeader(request, "From"));
  const to = identity(getHeader(request, "To"));
  const remoteTarget = contactUri(request);
  const callId = getHeader(request, "Call-ID");
  if (!from?.tag || !to || remoteTarget === undefined || callId === undefined) return undefined;
  return {
    callId,
    localTag,
    remoteTag: from.tag,
    local: to.nameAddr,
    remote: from.nameAddr,
    remoteTarget,
    routeSet: getHeaderValues(request, "Record-Route"),
    // §12.1.1: the UAS's local sequence is empty until its first request, which uses 1.
    localSeq: 0,
  };
}

export interface InDialogRequestOptions {
  /** Our Via (with a fresh branch). */
  via: SipVia;
  contact?: SipNameAddr;
  headers?: Array<[string, string]>;
  body?: Buffer;
  contentType?: string;
}

/**
 * A request inside the dialog (§12.2.1.1) with the next local CSeq, e.g. BYE, or
 * INFO carrying MANSRTSP (GB28181 playback control). Loose routing only: the
 * Request-URI is the remote target and the route set goes in Route headers
 * (strict routers predate RFC 3261 and are not supported).
 */
export function createInDialogRequest(
  dialog: SipDialog,
  method: string,
  options: InDialogRequestOptions,
): { request: SipRequest; dialog: SipDialog } {
  const seq = dialog.localSeq + 1;
  const request = createRequest({
    method,
    uri: dialog.remoteTarget,
    via: options.via,
    from: { ...dialog.local, params: { ...dialog.local.params, tag: dialog.localTag } },
    to: { ...dialog.remote, params: { ...dialog.remote.params, tag: dialog.remoteTag } },
    callId: dialog.callId,
    cseq: seq,
    route: dialog.routeSet,
    ...(options.contact ? { contact: options.contact } : {}),
    ...(options.headers ? { headers: options.headers } : {}),
    ...(options.body ? { body: options.body } : {}),
    ...(options.contentType ? { contentType: options.contentType } : {}),
  });
  return { request, dialog: { ...dialog, localSeq: seq } };
}
