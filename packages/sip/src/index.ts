export type { SipHeader, SipMessage, SipRequest, SipResponse } from "./message.js";
export { getHeader, getHeaderValues, withHeader, withHeaderPrepended, withoutHeader } from "./message.js";
export { canonicalHeaderName, isListHeader } from "./header-names.js";
export { splitHeaderList } from "./syntax.js";
export type { SipParseResult } from "./parse.js";
export { parseSipMessage } from "./parse.js";
export { serializeSipMessage } from "./serialize.js";
export type { SipParams } from "./params.js";
export { formatParams, parseParams } from "./params.js";
export type { SipUri } from "./uri.js";
export { formatSipUri, parseSipUri, uriScheme } from "./uri.js";
export type { SipVia } from "./via.js";
export { BRANCH_MAGIC_COOKIE, formatVia, parseVia } from "./via.js";
export type { SipNameAddr } from "./name-addr.js";
export { formatNameAddr, parseNameAddr } from "./name-addr.js";
export type { SipCSeq } from "./cseq.js";
export { formatCSeq, MAX_CSEQ, parseCSeq } from "./cseq.js";
export type { RequestOptions, ResponseOptions } from "./build.js";
export { createAck, createCancel, createRequest, createResponse } from "./build.js";
export { generateBranch, generateCallId, generateTag } from "./ids.js";
export { reasonPhrase } from "./reason-phrases.js";
export type { FramedItem, SipStreamFramerLimits } from "./framer.js";
export { SipStreamFramer } from "./framer.js";
export type {
  DigestAuthorizationOptions,
  DigestChallenge,
  DigestChallengeOptions,
  DigestCredentials,
  DigestInput,
  DigestNonceStatus,
  DigestVerifyOptions,
  DigestVerifyResult,
} from "./digest.js";
export {
  buildDigestAuthorization,
  computeDigestResponse,
  createDigestChallenge,
  parseDigestChallenge,
  parseDigestCredentials,
  verifyDigest,
} from "./digest.js";
export type { DigestNonceIssuer, DigestNonceIssuerOptions } from "./digest-nonce.js";
export { createDigestNonceIssuer } from "./digest-nonce.js";
export type { SipDestination, SipTransportProtocol } from "./destination.js";
export { isReliable } from "./destination.js";
export type { TimerConfig, TimerName, TransactionTimers } from "./transaction/timers.js";
export { DEFAULT_TIMER_CONFIG, nodeTimers } from "./transaction/timers.js";
export type { TransactionAction, Transition } from "./transaction/actions.js";
export type { ClientInviteContext, ClientInviteEvent } from "./transaction/client-invite.js";
export { ClientInviteState, startClientInvite, transitionClientInvite } from "./transaction/client-invite.js";
export type { ClientNonInviteContext, ClientNonInviteEvent } from "./transaction/client-non-invite.js";
export { ClientNonInviteState, startClientNonInvite, transitionClientNonInvite } from "./transaction/client-non-invite.js";
export type { ServerInviteContext, ServerInviteEvent } from "./transaction/server-invite.js";
export { ServerInviteState, startServerInvite, transitionServerInvite } from "./transaction/server-invite.js";
export type { ServerNonInviteContext, ServerNonInviteEvent } from "./transaction/server-non-invite.js";
export { ServerNonInviteState, startServerNonInvite, transitionServerNonInvite } from "./transaction/server-non-invite.js";
export type { ClientTransactionHandlers } from "./transaction/client-transaction.js";
export { ClientTransaction } from "./transaction/client-transaction.js";
export type { ServerTransactionEvents } from "./transaction/server-transaction.js";
export { ServerTransaction } from "./transaction/server-transaction.js";
export type { SendMessage } from "./transaction/send.js";
export { clientTransactionKey, serverTransactionKey } from "./transaction/keys.js";
export type { IncomingRequest, TransactionManagerOptions } from "./transaction/manager.js";
export { TransactionManager } from "./transaction/manager.js";
export type { ResponseRoutingOptions } from "./via-received.js";
export { responseDestination, stampViaReceived } from "./via-received.js";
export type { InDialogRequestOptions, SipDialog } from "./dialog.js";
export { createDialogAsUac, createDialogAsUas, createInDialogRequest, dialogId } from "./dialog.js";
export type { SipLogger, SipMessageHandler, SipRemote, SipTransport } from "./transport/sip-transport.js";
export type { InboundVerdict } from "./transport/inbound.js";
export { interpretInbound } from "./transport/inbound.js";
export type { NodeSipTransport, NodeSipTransportOptions } from "./transport/node-transport.js";
export { createNodeSipTransport } from "./transport/node-transport.js";
