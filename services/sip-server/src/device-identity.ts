import { getHeader, parseNameAddr, parseSipUri, type SipMessage } from "@ivc/sip";

/**
 * The user part of the From URI: GB28181 devices put their 20-digit code there in every request
 * (§9.1.2.1 REGISTER, §9.3 MESSAGE). Undefined when From is unreadable.
 */
export function senderCode(message: SipMessage): string | undefined {
  const from = parseNameAddr(getHeader(message, "From") ?? "");
  return from ? parseSipUri(from.uri)?.user : undefined;
}

const GB_CODE = /^\d{20}$/;

export function isDeviceCode(code: string | undefined): code is string {
  return code !== undefined && GB_CODE.test(code);
}
