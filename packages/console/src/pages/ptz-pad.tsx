import { useState } from "preact/hooks";
import type { Api } from "../api.js";
import { t } from "../i18n.js";
import { attempt, useLoad } from "../ui.js";

const PAD: Array<[string, string]> = [
  ["leftup", "↖"],
  ["up", "↑"],
  ["rightup", "↗"],
  ["left", "←"],
  ["", ""],
  ["right", "→"],
  ["leftdown", "↙"],
  ["down", "↓"],
  ["rightdown", "↘"],
];
const LENS: Array<[string, string]> = [
  ["zoomin", "Zoom +"],
  ["zoomout", "Zoom −"],
  ["focusnear", "Focus near"],
  ["focusfar", "Focus far"],
  ["irisin", "Iris +"],
  ["irisout", "Iris −"],
];
/** Spec 02 §16: presets 1–10 only. */
const PRESET_INDEXES = Array.from({ length: 10 }, (_, i) => i + 1);

/** One click = one move; signaling stops it after PTZ_PULSE (the API has no stop command). */
export function PtzPad(props: { api: Api; channelId: string }) {
  const { api, channelId } = props;
  const [speed, setSpeed] = useState(4);
  const [index, setIndex] = useState(1);
  const presets = useLoad(() => api<Array<{ Index: number; Name: string }>>("POST", "/ivc/cms/control/preset/get", {}, { ChannelId: channelId }), [api, channelId]);
  const move = (type: string) => attempt(() => api("POST", "/ivc/cms/control/ptz", {}, { ChannelId: channelId, Type: type, Speed: speed }));
  const preset = async (cmd: string, at: number) => {
    if (await attempt(() => api("POST", "/ivc/cms/control/preset/mange", {}, { ChannelId: channelId, Cmd: cmd, Index: at }))) presets.reload();
  };
  return (
    <div class="card ptz" data-testid="ptz">
      <h3>{t("PTZ")}</h3>
      <div class="pad">
        {PAD.map(([type, arrow], i) =>
          type ? (
            <button key={type} type="button" data-ptz={type} title={type} onClick={() => move(type)}>
              {arrow}
            </button>
          ) : (
            <span key={i} />
          ),
        )}
      </div>
      <div class="row wrap">
        {LENS.map(([type, label]) => (
          <button key={type} type="button" data-ptz={type} onClick={() => move(type)}>
            {t(label)}
          </button>
        ))}
      </div>
      <label class="field">
        <span>
          {t("Speed")} {speed}
        </span>
        <input type="range" min={1} max={8} value={speed} onInput={(e) => setSpeed(Number(e.currentTarget.value))} />
      </label>
      <h4>{t("Presets")}</h4>
      <ul class="presets">
        {(presets.data ?? []).map((p) => (
          <li key={p.Index}>
            {p.Index}. {p.Name}{" "}
            <button type="button" onClick={() => preset("goto", p.Index)}>
              {t("Go to")}
            </button>
            <button type="button" onClick={() => preset("del", p.Index)}>
              {t("Delete")}
            </button>
          </li>
        ))}
      </ul>
      <div class="row">
        <select value={index} onChange={(e) => setIndex(Number(e.currentTarget.value))}>
          {PRESET_INDEXES.map((i) => (
            <option key={i} value={i}>
              {i}
            </option>
          ))}
        </select>
        <button type="button" onClick={() => preset("set", index)}>
          {t("Set")}
        </button>
        <button type="button" onClick={() => preset("goto", index)}>
          {t("Go to")}
        </button>
      </div>
    </div>
  );
}
