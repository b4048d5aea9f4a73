/** `live/<streamId>?sign=…`: what RTMP publish/play names and HTTP paths may carry. */
const STREAM_ID = /^[A-Za-z0-9_@-]{1,129}$/;

export interface StreamName {
  app: string;
  streamId: string;
  /** The stream name's query, else the app's (`rtmp://h/live?sign=…/<id>` also occurs in the wild). */
  query: URLSearchParams;
}

function splitQuery(text: string): [string, string] {
  const at = text.indexOf("?");
  return at < 0 ? [text, ""] : [text.slice(0, at), text.slice(at + 1)];
}

/** undefined when the name is not a usable stream id. */
export function parseStreamName(appWithQuery: string, nameWithQuery: string): StreamName | undefined {
  const [app, appQuery] = splitQuery(appWithQuery);
  const [streamId, nameQuery] = splitQuery(nameWithQuery);
  if (!STREAM_ID.test(streamId) || app === "") return undefined;
  return { app: app.replace(/\/+$/, ""), streamId, query: new URLSearchParams(nameQuery !== "" ? nameQuery : appQuery) };
}
