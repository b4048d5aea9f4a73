import type { Api } from "../api.js";
import { allChannels } from "../all-channels.js";
import { t } from "../i18n.js";
import { choosePlayer, Player, playerChoice, type PlayerChoice } from "../player.js";
import { useSignal } from "../signal.js";
import { go } from "../route.js";
import type { PlayUrls } from "../types.js";
import { useLoad } from "../ui.js";
import { PtzPad } from "./ptz-pad.js";

const GRIDS: Record<string, number> = { "2x2": 4, "3x3": 9 };

/** `control/stream` for a channel, or for an RTMP device (`device:<id>`). */
function streamBody(target: string): Record<string, string> {
  return target.startsWith("device:") ? { DeviceId: target.slice(7) } : { ChannelId: target };
}

function LiveTile(props: { api: Api; target: string; label: string; testId?: string }) {
  const { api, target } = props;
  const { data } = useLoad(() => api<PlayUrls>("POST", "/ivc/cms/control/stream", {}, streamBody(target)), [api, target]);
  return data ? <Player urls={data} label={props.label} {...(props.testId ? { testId: props.testId } : {})} /> : <div class="player placeholder">{props.label}</div>;
}

/** One channel with its PTZ pad, or a 2×2 / 3×3 grid of the first online channels. */
export function LivePage(props: { api: Api; channelId?: string | undefined; layout?: string | undefined }) {
  const { api } = props;
  const channels = useLoad(() => allChannels(api), [api]).data ?? [];
  const gridSize = GRIDS[props.layout ?? ""] ?? (props.channelId && props.channelId in GRIDS ? GRIDS[props.channelId] : undefined);
  const single = gridSize === undefined ? props.channelId : undefined;
  const current = channels.find((c) => c.ChannelId === single);
  const choice = useSignal(playerChoice);
  return (
    <section>
      <div class="row">
        <h2>{t("Live view")}</h2>
        <select
          data-testid="channel-picker"
          value={single ?? ""}
          onChange={(e) => go("live", e.currentTarget.value)}
        >
          <option value="">{t("Choose a channel")}</option>
          {channels.map((c) => (
            <option key={c.ChannelId} value={c.ChannelId}>
              {c.deviceName} / {c.Name} ({t(c.State === 1 ? "Online" : "Offline")})
            </option>
          ))}
        </select>
        <a href={`#/live/${single ?? ""}`}>{t("Single")}</a>
        <a href="#/live/2x2">2×2</a>
        <a href="#/live/3x3">3×3</a>
        <select data-testid="player-choice" value={choice} onChange={(e) => choosePlayer(e.currentTarget.value as PlayerChoice)}>
          <option value="auto">{t("Player")}: WS-FLV</option>
          <option value="hls">{t("Player")}: HLS</option>
        </select>
      </div>
      {single ? (
        <div class="live-single">
          <LiveTile api={api} target={single} label={current ? `${current.deviceName} / ${current.Name}` : single} testId="live-video" />
          {single.startsWith("device:") ? null : (
            <div>
              <PtzPad api={api} channelId={single} />
              <p>
                <a href={`#/plays/${single}`}>{t("Diagnostics")}</a> · <a href={`#/recordings/${single}`}>{t("Recordings")}</a>
              </p>
            </div>
          )}
        </div>
      ) : gridSize ? (
        <div class={`grid grid-${gridSize}`} data-testid="live-grid">
          {[...channels]
            .sort((a, b) => b.State - a.State)
            .slice(0, gridSize)
            .map((c) => (
              <LiveTile key={c.ChannelId} api={api} target={c.ChannelId} label={`${c.deviceName} / ${c.Name}`} />
            ))}
        </div>
      ) : (
        <p class="muted">{t("Pick a channel in Devices")}</p>
      )}
    </section>
  );
}
