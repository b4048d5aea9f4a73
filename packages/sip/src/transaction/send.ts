import type { SipDestination } from "../destination.js";
import type { SipMessage } from "../message.js";

/** How transactions hand messages to the transport; a rejection or throw is a transport error. */
export type SendMessage = (message: SipMessage, destination: SipDestination) => void | Promise<void>;

/** Calls `send`, reporting synchronous and asynchronous failures through `onError`; true when it did not throw at once. */
export function trySend(send: SendMessage, message: SipMessage, destination: SipDestination, onError: () => void): boolean {
  try {
    const pending = send(message, destination);
    if (pending instanceof Promise) pending.catch(onError);
    return true;
  } catch {
    return false;
  }
}
