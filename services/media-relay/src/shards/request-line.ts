/** The longest request line the relay reads before routing a connection (its URLs are short). */
export const MAX_REQUEST_LINE = 8192;

export type RequestLine = { complete: false } | { complete: true; target: string | undefined };

/**
 * The request target of an HTTP/1.x request line at the start of `head`, once its CRLF (or bare
 * LF) has arrived. `target` is undefined for a line that is not a request line: the HTTP server
 * it is handed to answers that with 400 itself.
 */
export function readRequestLine(head: Buffer): RequestLine {
  const end = head.indexOf(0x0a);
  if (end < 0) return head.length >= MAX_REQUEST_LINE ? { complete: true, target: undefined } : { complete: false };
  const line = head.subarray(0, end).toString("latin1").replace(/\r$/, "");
  const match = /^[A-Z]{3,10} (\S+) HTTP\/1\.[01]$/.exec(line);
  return { complete: true, target: match?.[1] };
}
