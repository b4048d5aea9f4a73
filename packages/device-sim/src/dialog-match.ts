import { getHeader, parseNameAddr, parseSipUri } from "@ivc/sip";
import type { SipDialog, SipRequest } from "@ivc/sip";

/** One key per dialog (RFC 3261 §12: Call-ID plus both tags). */
export function dialogKey(dialog: Pick<SipDialog, "callId" | "localTag" | "remoteTag">): string {
  return `${dialog.callId}|${dialog.localTag}|${dialog.remoteTag}`;
}

/** The dialog key of a request the peer sent inside one of our dialogs: our tag is in To, theirs in From. */
export function incomingDialogKey(request: SipRequest): string | undefined {
  const callId = getHeader(request, "Call-ID");
  const localTag = parseNameAddr(getHeader(request, "To") ?? "")?.params.tag;
  const remoteTag = parseNameAddr(getHeader(request, "From") ?? "")?.params.tag;
  if (callId === undefined || !localTag || !remoteTag) return undefined;
  return dialogKey({ callId, localTag, remoteTag });
}

/** The user part of a sip: Request-URI (the addressed device or channel ID). */
export function requestUriUser(request: SipRequest): string | undefined {
  return parseSipUri(request.uri)?.user;
}
