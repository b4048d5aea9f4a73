import Hls from "hls.js";
import mpegts from "mpegts.js";
import { useEffect, useRef, useState } from "preact/hooks";
import type { PlayUrls } from "./types.js";

/** The relay answers a WebSocket upgrade on the HTTP-FLV path: WS-FLV needs no CORS on the media port. */
export function wsFlvUrl(flv: string): string {
  return flv.replace(/^http/, "ws");
}

type Engine = "ws-flv" | "hls" | "native-hls";

/** Picks what this browser can play: FLV over MSE (mpegts.js), else HLS through hls.js, else native HLS. */
function startPlayer(video: HTMLVideoElement, urls: PlayUrls, onError: (text: string) => void): { engine: Engine; stop: () => void } {
  if (mpegts.getFeatureList().mseLivePlayback) {
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
export function Player(props: { urls: PlayUrls; label?: string; testId?: string; onVideo?: (video: HTMLVideoElement | null) => void }) {
  const ref = useRef<HTMLVideoElement>(null);
  const [engine, setEngine] = useState<Engine | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  const { Flv, Hls: hlsUrl } = props.urls;
  useEffect(() => {
    const video = ref.current;
    if (!video) return;
    setError(undefined);
    const running = startPlayer(video, { Flv, Hls: hlsUrl }, setError);
    setEngine(running.engine);
    props.onVideo?.(video);
    return () => running.stop();
  }, [Flv, hlsUrl]);
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
