import { useEffect, useRef, useState } from "preact/hooks";
import { signal, useSignal } from "./signal.js";
import type { PlayUrls } from "./types.js";

export type PlayerChoice = "auto" | "hls";
const PLAYER_KEY = "ivc-console-player";

/** `hls` skips FLV, e.g. where a proxy blocks WebSocket; remembered in this browser. */
export const playerChoice = signal<PlayerChoice>(localStorage.getItem(PLAYER_KEY) === "hls" ? "hls" : "auto");

export function choosePlayer(choice: PlayerChoice): void {
  localStorage.setItem(PLAYER_KEY, choice);
  playerChoice.set(choice);
}

/** The relay answers a WebSocket upgrade on the HTTP-FLV path: WS-FLV needs no CORS on the media port. */
export function wsFlvUrl(flv: string): string {
  return flv.replace(/^http/, "ws");
}

type Engine = "ws-flv" | "hls" | "native-hls";

/**
 * Picks what this browser can play: FLV over MSE (mpegts.js), else HLS through hls.js, else native
 * HLS. The players are loaded on first use, so the other pages do not carry them.
 */
async function startPlayer(video: HTMLVideoElement, urls: PlayUrls, choice: PlayerChoice, onError: (text: string) => void): Promise<{ engine: Engine; stop: () => void }> {
  const { default: mpegts } = await import("mpegts.js");
  // Cloud playback has only an HLS URL (Flv ""); device-local playback only an FLV one.
  if (urls.Flv !== "" && (choice === "auto" || urls.Hls === "") && mpegts.getFeatureList().mseLivePlayback) {
    const player = mpegts.createPlayer(
      { type: "flv", isLive: true, hasAudio: false, url: wsFlvUrl(urls.Flv) },
      { enableStashBuffer: false, liveBufferLatencyChasing: true, lazyLoad: false },
    );
    player.on(mpegts.Events.ERROR, (type: string, detail: string, info: unknown) => onError(`${type} ${detail} ${JSON.stringify(info ?? "")}`));
    player.attachMediaElement(video);
    player.load();
    void Promise.resolve(player.play()).catch(() => undefined);
    return {
      engine: "ws-flv",
      stop: () => {
        player.pause();
        player.unload();
        player.detachMediaElement();
        player.destroy();
      },
    };
  }
  const { default: Hls } = await import("hls.js");
  if (Hls.isSupported()) {
    const hls = new Hls({ liveDurationInfinity: true });
    hls.on(Hls.Events.ERROR, (_event, data) => {
      if (data.fatal) onError(`hls ${data.type} ${data.details}`);
    });
    hls.loadSource(urls.Hls);
    hls.attachMedia(video);
    void video.play().catch(() => undefined);
    return { engine: "hls", stop: () => hls.destroy() };
  }
  video.src = urls.Hls;
  void video.play().catch(() => undefined);
  return { engine: "native-hls", stop: () => video.removeAttribute("src") };
}

/** One live (or playback) picture; muted so browsers let it start without a click. */
export function Player(props: { urls: PlayUrls; label?: string; testId?: string }) {
  const ref = useRef<HTMLVideoElement>(null);
  const [engine, setEngine] = useState<Engine | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  const { Flv, Hls: hlsUrl } = props.urls;
  const choice = useSignal(playerChoice);
  useEffect(() => {
    const video = ref.current;
    if (!video) return;
    setError(undefined);
    let stop: (() => void) | undefined;
    let unmounted = false;
    startPlayer(video, { Flv, Hls: hlsUrl }, choice, setError).then(
      (running) => {
        if (unmounted) return running.stop();
        stop = running.stop;
        setEngine(running.engine);
      },
      (err: unknown) => setError(String(err)),
    );
    return () => {
      unmounted = true;
      stop?.();
    };
  }, [Flv, hlsUrl, choice]);
  return (
    <figure class="player">
      <video ref={ref} muted autoplay playsInline data-testid={props.testId ?? "video"} />
      <figcaption>
        {props.label ? <span>{props.label}</span> : null} <span class="muted">{engine}</span>
        {error ? <span class="player-error"> {error}</span> : null}
      </figcaption>
    </figure>
  );
}
