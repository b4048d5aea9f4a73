import { useState } from "preact/hooks";
import type { Api } from "../api.js";
import { allChannels } from "../all-channels.js";
import { t } from "../i18n.js";
import { Player } from "../player.js";
import { go } from "../route.js";
import { fromInput, localInput, Timeline } from "../timeline.js";
import type { Segment } from "../types.js";
import { attempt, Field, useLoad } from "../ui.js";

/** recordctl Scale values (spec 02 §23). */
const SCALES = [0.25, 0.5, 1, 2, 4, 8];
const DAY_SECONDS = 24 * 3600;

/** `…/live/<channel code>@<session>.live.flv`: what recordctl names the playback by. */
function sessionOf(flv: string): { channel: string; session: string } | undefined {
  const m = /\/live\/([^/@]+)@([A-Za-z0-9_-]+)\.live\.flv/.exec(flv);
  return m?.[1] && m[2] ? { channel: m[1], session: m[2] } : undefined;
}

/** The device's local recordings of a channel on a timeline; playback with pause, seek and speed. */
export function RecordingsPage(props: { api: Api; channelId?: string | undefined }) {
  const { api, channelId } = props;
  const channels = useLoad(() => allChannels(api), [api]).data ?? [];
  const now = Math.floor(Date.now() / 1000);
  const [start, setStart] = useState(now - DAY_SECONDS);
  const [end, setEnd] = useState(now);
  const [segments, setSegments] = useState<Segment[] | undefined>(undefined);
  const [flv, setFlv] = useState<string | undefined>(undefined);
  const [from, setFrom] = useState(0);
  const [paused, setPaused] = useState(false);
  const [pos, setPos] = useState(0);
  const search = () => attempt(async () => setSegments(await api<Segment[]>("POST", "/ivc/cms/control/timeline", {}, { ChannelId: channelId, Start: start, End: end })));
  const play = (s: Segment) =>
    attempt(async () => {
      const url = await api<{ Flv: string }>("POST", "/ivc/cms/control/record", {}, { ChannelId: channelId, Start: s.Begin, End: s.End });
      setFlv(url.Flv);
      setFrom(s.Begin);
      setPaused(false);
    });
  const control = (body: Record<string, unknown>) => {
    const id = flv ? sessionOf(flv) : undefined;
    return id ? attempt(() => api("POST", "/ivc/cms/control/recordctl", {}, { ChannelId: id.channel, Session: id.session, ...body })) : Promise.resolve(false);
  };
  return (
    <section>
      <h2>{t("Recordings")}</h2>
      <div class="row wrap">
        <select value={channelId ?? ""} onChange={(e) => go("recordings", e.currentTarget.value)}>
          <option value="">{t("Choose a channel")}</option>
          {channels.map((c) => (
            <option key={c.ChannelId} value={c.ChannelId}>
              {c.deviceName} / {c.Name}
            </option>
          ))}
        </select>
        <Field label={t("Start")}>
          <input type="datetime-local" value={localInput(start)} onChange={(e) => setStart(fromInput(e.currentTarget.value))} />
        </Field>
        <Field label={t("End")}>
          <input type="datetime-local" value={localInput(end)} onChange={(e) => setEnd(fromInput(e.currentTarget.value))} />
        </Field>
        <button type="button" onClick={search} disabled={!channelId}>
          {t("Search")}
        </button>
      </div>
      {segments ? (
        segments.length === 0 ? (
          <p class="muted">{t("No recordings in this range")}</p>
        ) : (
          <Timeline segments={segments} start={start} end={end} onPick={play} testId="record-timeline" />
        )
      ) : null}
      {flv ? (
        <div class="playback">
          <Player urls={{ Flv: flv, Hls: "" }} label={new Date(from * 1000).toLocaleString()} testId="playback-video" />
          <div class="row wrap">
            <button type="button" onClick={async () => (await control({ Action: paused ? "play" : "pause" })) && setPaused(!paused)}>
              {t(paused ? "Resume" : "Pause")}
            </button>
            <input type="number" class="short" min={0} value={pos} onInput={(e) => setPos(Number(e.currentTarget.value))} />
            <button type="button" onClick={() => control({ Action: "play", Pos: pos })}>
              {t("Seek")} (s)
            </button>
            {SCALES.map((scale) => (
              <button key={scale} type="button" onClick={() => control({ Action: "play", Scale: scale })}>
                ×{scale}
              </button>
            ))}
            <button type="button" onClick={async () => (await control({ Action: "stop" })) && setFlv(undefined)}>
              {t("Stop")}
            </button>
          </div>
        </div>
      ) : null}
    </section>
  );
}
