import { useState } from "preact/hooks";
import type { Api } from "../api.js";
import { t } from "../i18n.js";
import type { Organization } from "../types.js";
import { attempt, useLoad } from "../ui.js";

const ROOT = "0";

function OrgNode(props: { org: Organization; children: Map<string, Organization[]>; onChange: () => void; api: Api }) {
  const { org, api } = props;
  const [name, setName] = useState<string | undefined>(undefined);
  const kids = props.children.get(org.Id) ?? [];
  const rename = async () => {
    if (name !== undefined && (await attempt(() => api("PUT", "/ivc/cms/organization/update", {}, { Id: org.Id, Name: name })))) {
      setName(undefined);
      props.onChange();
    }
  };
  const remove = async () => {
    if (confirm(t("Delete this organization?")) && (await attempt(() => api("DELETE", "/ivc/cms/organization/delete", { Id: org.Id })))) props.onChange();
  };
  return (
    <li data-testid={`org-${org.Id}`}>
      {name === undefined ? (
        <span class="org-name">{org.Name}</span>
      ) : (
        <input value={name} onInput={(e) => setName(e.currentTarget.value)} />
      )}{" "}
      <span class="badge" title={t("Online")}>
        {org.Online} / {org.Total}
      </span>{" "}
      <a href={`#/devices/org:${org.Id}`}>{t("Devices")}</a>{" "}
      {name === undefined ? (
        <button type="button" onClick={() => setName(org.Name)}>
          {t("Edit")}
        </button>
      ) : (
        <button type="button" onClick={rename}>
          {t("Save")}
        </button>
      )}
      <button type="button" onClick={remove}>
        {t("Delete")}
      </button>
      {kids.length > 0 ? (
        <ul>
          {kids.map((k) => (
            <OrgNode key={k.Id} org={k} children={props.children} onChange={props.onChange} api={api} />
          ))}
        </ul>
      ) : null}
    </li>
  );
}

/** The organization tree with each node's online / total device count (organization/query). */
export function OrganizationsPage(props: { api: Api }) {
  const { api } = props;
  const { data, reload } = useLoad(() => api<Organization[]>("GET", "/ivc/cms/organization/query"), [api]);
  const [name, setName] = useState("");
  const [parent, setParent] = useState(ROOT);
  const orgs = data ?? [];
  const children = new Map<string, Organization[]>();
  const ids = new Set(orgs.map((o) => o.Id));
  for (const o of orgs) {
    // A node whose parent is not listed is shown at the top rather than lost.
    const p = ids.has(o.ParentId) ? o.ParentId : ROOT;
    children.set(p, [...(children.get(p) ?? []), o]);
  }
  const add = async (e: Event) => {
    e.preventDefault();
    if (await attempt(() => api("POST", "/ivc/cms/organization/add", {}, { Name: name, ParentId: parent }))) {
      setName("");
      reload();
    }
  };
  return (
    <section>
      <h2>{t("Organizations")}</h2>
      <ul class="tree">
        {(children.get(ROOT) ?? []).map((o) => (
          <OrgNode key={o.Id} org={o} children={children} onChange={reload} api={api} />
        ))}
      </ul>
      <form class="row" onSubmit={add}>
        <input placeholder={t("Name")} value={name} onInput={(e) => setName(e.currentTarget.value)} required />
        <select value={parent} onChange={(e) => setParent(e.currentTarget.value)}>
          <option value={ROOT}>{t("Root")}</option>
          {orgs.map((o) => (
            <option key={o.Id} value={o.Id}>
              {"  ".repeat(Math.max(0, o.Level - 1))}
              {o.Name}
            </option>
          ))}
        </select>
        <button type="submit">{t("Add organization")}</button>
      </form>
    </section>
  );
}
