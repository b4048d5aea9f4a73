import type { Segment } from "./types.js";

/** `datetime-local` text of epoch seconds, in the browser's time zone. */
export function localInput(seconds: number): string {
  const d = new Date(seconds * 1000);
  return new Date(d.getTime() - d.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
}

export function fromInput(text: string): number {
  return Math.floor(new Date(text).getTime() / 1000);
}

/** Spans of [start, end] as clickable bars (device-local and cloud recordings alike). */
export function Timeline(props: { segments: Segment[]; start: number; end: number; onPick: (s: Segment) => void; testId: string }) {
  const { start } = props;
  const span = Math.max(1, props.end - start);
  return (
    <div class="timeline" data-testid={props.testId}>
      {props.segments.map((s) => (
        <button
          key={`${s.Begin}`}
          type="button"
          class="segment"
          style={{ left: `${((s.Begin - start) / span) * 100}%`, width: `${Math.max(0.5, ((s.End - s.Begin) / span) * 100)}%` }}
          title={`${new Date(s.Begin * 1000).toLocaleString()} – ${new Date(s.End * 1000).toLocaleString()}`}
          onClick={() => props.onPick(s)}
        />
      ))}
    </div>
  );
}
