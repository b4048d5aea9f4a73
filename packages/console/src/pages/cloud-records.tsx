import { useState } from "preact/hooks";
import type { Api } from "../api.js";
import { allChannels } from "../all-channels.js";
import { t } from "../i18n.js";
import { Player } from "../player.js";
import { go } from "../route.js";
import { fromInput, localInput, Timeline } from "../timeline.js";
import type { CloudTimeline, Segment } from "../types.js";
import { attempt, Field, useLoad } from "../ui.js";

/** The timeline spans one day at most (spec 02 §19); the page starts on the last 6 hours. */
const DEFAULT_RANGE_SECONDS = 6 * 3600;
/** A download is 30 minutes at most (spec 02 §24): the first 30 minutes of the picked span. */
const DOWNLOAD_MAX_SECONDS = 30 * 60;

/** The cloud recordings of a channel (what the plans recorded) on a timeline; HLS playback and download. */
export function CloudTimelineTab(props: { api: Api; channelId?: string | undefined }) {
  const { api, channelId } = props;
  const channels = useLoad(() => allChannels(api), [api]).data ?? [];
  const channel = channels.find((c) => c.ChannelId === channelId);
  const now = Math.floor(Date.now() / 1000);
  const [start, setStart] = useState(now - DEFAULT_RANGE_SECONDS);
  const [end, setEnd] = useState(now);
  const [timeline, setTimeline] = useState<CloudTimeline | undefined>(undefined);
  const [picked, setPicked] = useState<Segment | undefined>(undefined);
  const [hls, setHls] = useState<string | undefined>(undefined);
  const [download, setDownload] = useState<string | undefined>(undefined);
  const search = () =>
    attempt(async () => {
      if (!channel) return;
      setTimeline(
        await api<CloudTimeline>("GET", "/ivc/record/filelist/query", { DeviceId: channel.DeviceId, ChannelId: channel.ChannelId, StartTime: String(start), EndTime: String(end) }),
      );
    });
  const play = (s: Segment) =>
    attempt(async () => {
      setPicked(s);
      setDownload(undefined);
      setHls((await api<{ Hls: string }>("GET", "/ivc/record/playback/url", { ChannelId: channelId ?? "", StartTime: String(s.Begin), EndTime: String(s.End) })).Hls);
    });
  const askDownload = (s: Segment) =>
    attempt(async () => {
      const body = { ChannelId: channelId, BeginTime: String(s.Begin), EndTime: String(Math.min(s.End, s.Begin + DOWNLOAD_MAX_SECONDS)), FileType: "mp4" };
      setDownload((await api<{ Url: string }>("POST", "/ivc/vds/VideoDownloadUrl", {}, body)).Url);
    });
  return (
    <section>
      <div class="row wrap">
        <select data-testid="cloud-channel" value={channelId ?? ""} onChange={(e) => go("cloud", "timeline", e.currentTarget.value)}>
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
        <button type="button" data-testid="cloud-search" onClick={search} disabled={!channel}>
          {t("Search")}
        </button>
      </div>
      {timeline ? (
        <div data-testid="cloud-result">
          {timeline.List.length === 0 ? (
            <p class="muted">{t("No recordings in this range")}</p>
          ) : (
            <>
              <p>
                {timeline.List.length} {t("spans")}
              </p>
              <Timeline segments={timeline.List} start={start} end={end} onPick={play} testId="cloud-timeline" />
            </>
          )}
          {timeline.Tips === 1 ? <p class="muted">{t("Part of this range is archived (cold storage) and cannot play until restored.")}</p> : null}
        </div>
      ) : null}
      {picked && hls ? (
        <div class="playback">
          <Player urls={{ Flv: "", Hls: hls }} label={`${new Date(picked.Begin * 1000).toLocaleString()} – ${new Date(picked.End * 1000).toLocaleString()}`} testId="cloud-video" />
          <div class="row wrap">
            <button type="button" data-testid="cloud-download" onClick={() => askDownload(picked)}>
              {t("Download")} (MP4)
            </button>
            {download ? (
              <a href={download} download>
                {t("Download link (valid 10 minutes)")}
              </a>
            ) : null}
          </div>
        </div>
      ) : null}
    </section>
  );
}
