/**
 * Where the header section of a message starting at `from` ends: the first
 * empty line (RFC 3261 §7). CRLF is the rule; bare-LF peers are tolerated,
 * and "\r\n\n" counts as an end too.
 */
export function findHeaderSectionEnd(data: Buffer, from = 0): { headEnd: number; bodyStart: number } | undefined {
  const crlf = data.indexOf("\r\n\r\n", from);
  const lf = data.indexOf("\n\n", from);
  if (crlf >= 0 && (lf < 0 || crlf < lf)) return { headEnd: crlf, bodyStart: crlf + 4 };
  if (lf >= 0) return { headEnd: data[lf - 1] === 0x0d ? lf - 1 : lf, bodyStart: lf + 2 };
  return undefined;
}
