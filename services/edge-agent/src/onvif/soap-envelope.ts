import { createHash, randomBytes } from "node:crypto";
import { escapeXml } from "./xml-values.js";

export const ONVIF_NS = {
  device: "http://www.onvif.org/ver10/device/wsdl",
  media: "http://www.onvif.org/ver10/media/wsdl",
  ptz: "http://www.onvif.org/ver20/ptz/wsdl",
  schema: "http://www.onvif.org/ver10/schema",
} as const;

export interface UsernameToken {
  user: string;
  password: string;
  /** For tests: fixed nonce and time. */
  nonce?: Buffer;
  created?: string;
}

/**
 * WS-Security UsernameToken Profile 1.0 §3.1 PasswordDigest, which ONVIF Core §5.12 requires:
 * Base64(SHA-1(nonce + created + password)), with the raw nonce bytes.
 */
export function passwordDigest(nonce: Buffer, created: string, password: string): string {
  return createHash("sha1").update(Buffer.concat([nonce, Buffer.from(created, "utf8"), Buffer.from(password, "utf8")])).digest("base64");
}

function securityHeader(token: UsernameToken): string {
  const nonce = token.nonce ?? randomBytes(16);
  const created = token.created ?? new Date().toISOString().replace(/\.\d{3}Z$/, "Z");
  return (
    `<wsse:Security s:mustUnderstand="1" xmlns:wsse="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd" ` +
    `xmlns:wsu="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd">` +
    `<wsse:UsernameToken><wsse:Username>${escapeXml(token.user)}</wsse:Username>` +
    `<wsse:Password Type="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordDigest">` +
    `${passwordDigest(nonce, created, token.password)}</wsse:Password>` +
    `<wsse:Nonce EncodingType="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-soap-message-security-1.0#Base64Binary">` +
    `${nonce.toString("base64")}</wsse:Nonce><wsu:Created>${created}</wsu:Created></wsse:UsernameToken></wsse:Security>`
  );
}

/** A SOAP 1.2 envelope around `body` (which declares its own namespaces), signed when `token` is given. */
export function soapEnvelope(body: string, token?: UsernameToken): string {
  const header = token && token.user !== "" ? `<s:Header>${securityHeader(token)}</s:Header>` : "";
  return (
    `<?xml version="1.0" encoding="UTF-8"?>` +
    `<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:tt="${ONVIF_NS.schema}">${header}<s:Body>${body}</s:Body></s:Envelope>`
  );
}
