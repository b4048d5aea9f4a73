import type { Api } from "../api.js";
import { allChannels } from "../all-channels.js";
import { t } from "../i18n.js";
import { go } from "../route.js";
import { useLoad } from "../ui.js";

/** One play of the relay's diagnostics timeline ("why is there no picture"), as control/plays answers it. */
interface Play {
  StreamId: string;
  Kind: string;
  Transport: string;
  Ssrc: string;
  Outcome?: string;
  Stages: Array<{ Stage: string; At: number; Detail?: string }>;
}

function PlayTimeline(props: { play: Play }) {
  const { play } = props;
  const first = play.Stages[0]?.At ?? 0;
  return (
    <div class="card" data-testid="play">
      <h3>
        {play.StreamId} <span class="muted">({play.Kind}, {play.Transport}{play.Ssrc ? `, SSRC ${play.Ssrc}` : ""})</span>
      </h3>
      <p>
        {t("Outcome")}: <strong>{play.Outcome ?? t("running")}</strong> · {new Date(first).toLocaleString()}
      </p>
      <table>
        <thead>
          <tr>
            <th>+ms</th>
            <th>{t("Stage")}</th>
            <th>{t("Detail")}</th>
          </tr>
        </thead>
        <tbody>
          {play.Stages.map((s, i) => (
            <tr key={i}>
              <td class="num">{s.At - first}</td>
              <td>{s.Stage}</td>
              <td>{s.Detail ?? ""}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** The last plays of a channel with the time of each stage: the failed stage says where to look. */
export function PlaysPage(props: { api: Api; channelId?: string | undefined }) {
  const { api, channelId } = props;
  const channels = useLoad(() => allChannels(api), [api]).data ?? [];
  const { data, reload } = useLoad(
    () => (channelId ? api<Play[]>("POST", "/ivc/cms/control/plays", {}, { ChannelId: channelId }) : Promise.resolve(undefined)),
    [api, channelId],
  );
  return (
    <section>
      <div class="row">
        <h2>{t("Diagnostics")}</h2>
        <select value={channelId ?? ""} onChange={(e) => go("plays", e.currentTarget.value)}>
          <option value="">{t("Choose a channel")}</option>
          {channels.map((c) => (
            <option key={c.ChannelId} value={c.ChannelId}>
              {c.deviceName} / {c.Name}
            </option>
          ))}
        </select>
        <button type="button" onClick={reload} disabled={!channelId}>
          {t("Refresh")}
        </button>
      </div>
      {data ? (
        data.length === 0 ? (
          <p class="muted">{t("No plays since the media relay started")}</p>
        ) : (
          <>
            <p>{t("Plays of this channel, newest first")}</p>
            {data.map((p, i) => (
              <PlayTimeline key={i} play={p} />
            ))}
          </>
        )
      ) : null}
    </section>
  );
}
