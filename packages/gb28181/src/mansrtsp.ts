/**
 * MANSRTSP playback control carried in SIP INFO bodies (GB/T 28181-2016 Appendix B):
 * a subset of RTSP 1.0 requests (RFC 2326 §10) without URI.
 */

export type MansrtspCommand =
  /** Resume or seek: `range` is the npt start in seconds, or "now" to resume where paused. */
  | { readonly method: "PLAY"; readonly cseq: number; readonly range?: number | "now"; readonly scale?: number }
  | { readonly method: "PAUSE"; readonly cseq: number; readonly pauseTime?: number | "now" }
  | { readonly method: "TEARDOWN"; readonly cseq: number };

export type MansrtspParseResult = ({ readonly ok: true } & MansrtspCommand) | { readonly ok: false; readonly reason: string };

const MAX_MANSRTSP_CHARS = 4096;

/** RTSP Scale is a decimal; devices expect "1.0", not "1". */
function formatScale(scale: number): string {
  return Number.isInteger(scale) ? scale.toFixed(1) : String(scale);
}

function formatNpt(value: number | "now"): string {
  return value === "now" ? "now" : String(value);
}

export function buildMansrtsp(command: MansrtspCommand): string {
  if (!Number.isInteger(command.cseq) || command.cseq < 0) throw new RangeError(`invalid CSeq: ${command.cseq}`);
  const lines = [`${command.method} RTSP/1.0`, `CSeq: ${command.cseq}`];
  if (command.method === "PLAY") {
    if (command.scale !== undefined) {
      if (!Number.isFinite(command.scale) || command.scale === 0) throw new RangeError(`invalid scale: ${command.scale}`);
      lines.push(`Scale: ${formatScale(command.scale)}`);
    }
    if (command.range !== undefined) lines.push(`Range: npt=${formatNpt(command.range)}-`);
  } else if (command.method === "PAUSE") {
    lines.push(`PauseTime: ${formatNpt(command.pauseTime ?? "now")}`);
  }
  return `${lines.join("\r\n")}\r\n\r\n`;
}

function nptValue(text: string): number | "now" | undefined {
  const value = text.trim().toLowerCase();
  if (value === "now") return "now";
  if (!/^\d+(\.\d+)?$/.test(value)) return undefined;
  return Number(value);
}

export function parseMansrtsp(text: string): MansrtspParseResult {
  if (text.length > MAX_MANSRTSP_CHARS) return { ok: false, reason: `body longer than ${MAX_MANSRTSP_CHARS} characters` };
  const lines = text.split(/\r?\n/).map((line) => line.trim());
  const start = lines.findIndex((line) => line !== "");
  const requestLine = /^(PLAY|PAUSE|TEARDOWN)\s+(?:\S+\s+)?RTSP\/1\.0$/i.exec(lines[start] ?? "");
  if (requestLine?.[1] === undefined) return { ok: false, reason: `unsupported request line: ${lines[start] ?? ""}` };
  const method = requestLine[1].toUpperCase() as MansrtspCommand["method"];

  const headers = new Map<string, string>();
  for (const line of lines.slice(start + 1)) {
    if (line === "") break;
    const colon = line.indexOf(":");
    if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  const cseqText = headers.get("cseq");
  if (cseqText === undefined || !/^\d+$/.test(cseqText)) return { ok: false, reason: "missing or invalid CSeq" };
  const cseq = Number(cseqText);

  if (method === "TEARDOWN") return { ok: true, method, cseq };
  if (method === "PAUSE") {
    const pauseText = headers.get("pausetime");
    const pauseTime = pauseText === undefined ? undefined : nptValue(pauseText);
    if (pauseText !== undefined && pauseTime === undefined) return { ok: false, reason: `invalid PauseTime: ${pauseText}` };
    return pauseTime === undefined ? { ok: true, method, cseq } : { ok: true, method, cseq, pauseTime };
  }

  const rangeText = headers.get("range");
  let range: number | "now" | undefined;
  if (rangeText !== undefined) {
    const npt = /^npt\s*=\s*([^-\s]+)\s*-/i.exec(rangeText);
    range = npt?.[1] === undefined ? undefined : nptValue(npt[1]);
    if (range === undefined) return { ok: false, reason: `invalid Range: ${rangeText}` };
  }
  const scaleText = headers.get("scale");
  const scale = scaleText === undefined ? undefined : Number(scaleText);
  if (scale !== undefined && (!Number.isFinite(scale) || scale === 0)) return { ok: false, reason: `invalid Scale: ${scaleText}` };
  return { ok: true, method, cseq, ...(range === undefined ? {} : { range }), ...(scale === undefined ? {} : { scale }) };
}
