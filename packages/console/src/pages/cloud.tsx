import type { Api } from "../api.js";
import { t } from "../i18n.js";
import { CloudTimelineTab } from "./cloud-records.js";
import { PlansTab } from "./cloud-plans.js";
import { TemplatesTab } from "./cloud-templates.js";

const TABS: Array<[string, string]> = [
  ["templates", "Recording templates"],
  ["plans", "Recording plans"],
  ["timeline", "Cloud recordings"],
];

/** Cloud recording: `#/cloud/templates`, `#/cloud/plans`, `#/cloud/timeline/<channel id>`. */
export function CloudPage(props: { api: Api; tab?: string | undefined; channelId?: string | undefined }) {
  const tab = TABS.some(([id]) => id === props.tab) ? props.tab : "templates";
  return (
    <section>
      <div class="row">
        <h2>{t("Cloud recording")}</h2>
        <nav class="tabs">
          {TABS.map(([id, label]) => (
            <a key={id} href={`#/cloud/${id}`} class={tab === id ? "active" : ""}>
              {t(label)}
            </a>
          ))}
        </nav>
      </div>
      {tab === "plans" ? <PlansTab api={props.api} /> : tab === "timeline" ? <CloudTimelineTab api={props.api} channelId={props.channelId} /> : <TemplatesTab api={props.api} />}
    </section>
  );
}
