import { useEffect, useMemo, useState } from "preact/hooks";
import { apiWith } from "./api.js";
import { lang, setLang, t } from "./i18n.js";
import { CloudPage } from "./pages/cloud.js";
import { DevicesPage } from "./pages/devices.js";
import { GatewaysPage } from "./pages/gateways.js";
import { LivePage } from "./pages/live.js";
import { LoginPage } from "./pages/login.js";
import { OrganizationsPage } from "./pages/organizations.js";
import { PlaysPage } from "./pages/plays.js";
import { RecordingsPage } from "./pages/recordings.js";
import { StreamAuthPage } from "./pages/stream-auth.js";
import { parseHash } from "./route.js";
import { forgetKey, loadKey, saveKey, type ApiKey } from "./session.js";
import { useSignal } from "./signal.js";
import { ErrorBar, lastError } from "./ui.js";

const PAGES: Array<[string, string]> = [
  ["organizations", "Organizations"],
  ["devices", "Devices"],
  ["live", "Live view"],
  ["recordings", "Recordings"],
  ["cloud", "Cloud recording"],
  ["plays", "Diagnostics"],
  ["gateways", "Gateways"],
  ["streamauth", "Stream authentication"],
];

export function App() {
  useSignal(lang);
  const [key, setKey] = useState<ApiKey | undefined>(loadKey);
  const [route, setRoute] = useState(parseHash);
  useEffect(() => {
    const onHash = () => setRoute(parseHash());
    addEventListener("hashchange", onHash);
    return () => removeEventListener("hashchange", onHash);
  }, []);
  const api = useMemo(() => (key ? apiWith(key) : undefined), [key]);

  const header = (
    <header>
      <h1>{t("IVC console")}</h1>
      {api ? (
        <nav>
          {PAGES.map(([page, label]) => (
            <a key={page} href={`#/${page}`} class={route.page === page ? "active" : ""}>
              {t(label)}
            </a>
          ))}
        </nav>
      ) : null}
      <span class="spacer" />
      <button type="button" data-testid="lang" onClick={() => setLang(lang.get() === "zh" ? "en" : "zh")}>
        {lang.get() === "zh" ? "English" : "中文"}
      </button>
      {key ? (
        <button
          type="button"
          onClick={() => {
            forgetKey();
            lastError.set(undefined);
            setKey(undefined);
          }}
        >
          {t("Log out")} ({key.secretId.slice(0, 12)}…)
        </button>
      ) : null}
    </header>
  );

  if (!api) {
    return (
      <>
        {header}
        <ErrorBar />
        <LoginPage
          onLogin={(k) => {
            saveKey(k);
            setKey(k);
          }}
        />
      </>
    );
  }
  const [a0, a1] = route.args;
  let page;
  switch (route.page) {
    case "organizations":
      page = <OrganizationsPage api={api} />;
      break;
    case "live":
      page = <LivePage api={api} channelId={a0} layout={a1} />;
      break;
    case "recordings":
      page = <RecordingsPage api={api} channelId={a0} />;
      break;
    case "cloud":
      page = <CloudPage api={api} tab={a0} channelId={a1} />;
      break;
    case "plays":
      page = <PlaysPage api={api} channelId={a0} />;
      break;
    case "gateways":
      page = <GatewaysPage api={api} />;
      break;
    case "streamauth":
      page = <StreamAuthPage api={api} />;
      break;
    default:
      page = <DevicesPage api={api} deviceId={a0} />;
  }
  return (
    <>
      {header}
      <ErrorBar />
      <main>{page}</main>
    </>
  );
}
