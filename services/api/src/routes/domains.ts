import type { SecretBox } from "../accounts/secret-box.js";
import { checkCertificate } from "../domains/certificate.js";
import type { CheckedCertificate } from "../domains/certificate.js";
import { checkCnameResolves, nodeCname } from "../domains/cname.js";
import { ErrorCodes } from "../errors/codes.js";
import type { Outcome } from "../errors/outcome.js";
import { refuse, succeed } from "../errors/outcome.js";
import type { FormOption } from "../http/form-body.js";
import { defineRoute } from "../http/route.js";
import type { ApiRoute } from "../http/route.js";
import { deleteDomain, findDomain, insertDomain, listDomains, replaceCertificate } from "../store/domains.js";
import { findServiceNode } from "../store/service-nodes.js";
import { HOST_NAME_PATTERN, UUID_PATTERN } from "../validation/patterns.js";
import { str } from "../validation/rules.js";
import * as data from "./data-schemas.js";
import type { RouteDeps } from "./deps.js";

const TAG = "domains";

const clusterId = str({ required: true, description: "Service node id (getallregion Value)", pattern: UUID_PATTERN, invalid: ErrorCodes.NoServiceNode });
const playDomain = str({ required: true, description: "Play domain, e.g. play.example.com", maxLength: 253, pattern: HOST_NAME_PATTERN });
const internalDomain = str({ required: true, description: "The node's CNAME value (domain/cname)", maxLength: 253, pattern: HOST_NAME_PATTERN });
const domainId = str({ required: true, description: "Domain id (domain/query Id)", pattern: UUID_PATTERN });

/** §5.4's Key and Cert files as text fields (or a JSON body); a certificate chain is a few KiB. */
const PEM_FORM: FormOption = { files: "text", maxFileBytes: 64 * 1024 };
const pemLimits = { minLength: 1, maxLength: PEM_FORM.maxFileBytes } as const;
const keyFile = str({ required: true, description: "Private key file (PEM, unencrypted)", ...pemLimits });
/** §5.4 names the certificate `Cert`, §5.6 `Cret`: both are read, `Cert` first. */
const certFiles = {
  Cert: str({ required: false, description: "Certificate file (PEM, leaf first, chain may follow); required unless sent as Cret", ...pemLimits }),
  Cret: str({ required: false, description: "Certificate file as spec 01 §5.6 spells it; same as Cert", ...pemLimits }),
};

function certificateOf(body: { Cert: string | undefined; Cret: string | undefined }): Outcome<{ text: string; field: string }> {
  if (body.Cert !== undefined) return succeed({ text: body.Cert, field: "Cert" });
  if (body.Cret !== undefined) return succeed({ text: body.Cret, field: "Cret" });
  return refuse(ErrorCodes.InvalidParameter, "Cert is required (a certificate file; Cret is accepted as the same field)");
}

const sealed = (box: SecretBox, cert: CheckedCertificate) => ({ certPem: cert.certPem, keyEnc: box.seal(cert.keyPem), certNotAfter: cert.notAfter });

export function domainRoutes(deps: RouteDeps): ApiRoute[] {
  const { db, box } = deps;
  const { resolveCname, icp, changes } = deps.domains;
  return [
    defineRoute({
      method: "GET",
      url: "/ivc/cms/domain/cname",
      summary: "根据服务节点获取 CNAME The CNAME value a play domain must point at: the node's public host name (spec 01 §5.2)",
      tag: TAG,
      query: { ClusterId: clusterId },
      data: data.cname,
      async handle(_caller, { query }) {
        const node = await findServiceNode(db, query.ClusterId);
        if (!node) return refuse(ErrorCodes.NoServiceNode, `ClusterId ${query.ClusterId} is not a service node`);
        return succeed(nodeCname(node));
      },
    }),
    defineRoute({
      method: "POST",
      url: "/ivc/cms/domain/record",
      summary: "检测域名是否备案 Whether the domain is known to have an ICP filing; false when no registry is configured (spec 01 §5.3, docs/api-decisions.md)",
      tag: TAG,
      query: {},
      body: { PlayDomain: playDomain, InternalDomain: internalDomain },
      data: data.booleanData,
      handle: async (_caller, { body }) => succeed((await icp.check(body.PlayDomain.toLowerCase())) === "filed"),
    }),
    defineRoute({
      method: "POST",
      url: "/ivc/cms/domain/add",
      summary: "增加域名 Bind a play domain with its certificate to a service node; its stream URLs become https://<domain> (spec 01 §5.4)",
      tag: TAG,
      query: {},
      body: { PlayDomain: playDomain, InternalDomain: internalDomain, ClusterId: clusterId, Key: keyFile, ...certFiles },
      form: PEM_FORM,
      data: data.addedDomain,
      async handle(caller, { body }) {
        const domain = body.PlayDomain.toLowerCase();
        const node = await findServiceNode(db, body.ClusterId);
        if (!node) return refuse(ErrorCodes.NoServiceNode, `ClusterId ${body.ClusterId} is not a service node`);
        const cname = nodeCname(node);
        if (body.InternalDomain.toLowerCase() !== cname) return refuse(ErrorCodes.InvalidParameter, `InternalDomain must be the CNAME of ClusterId ${node.id}: ${cname} (domain/cname)`);
        const certFile = certificateOf(body);
        if (!certFile.ok) return certFile;
        const cert = checkCertificate(certFile.value.text, body.Key, domain, deps.now(), certFile.value.field);
        if (!cert.ok) return cert;
        if ((await icp.check(domain)) === "not-filed") return refuse(ErrorCodes.DomainNotFiled, `PlayDomain ${domain} has no ICP filing`);
        if (resolveCname) {
          const resolved = await checkCnameResolves(resolveCname, domain, cname);
          if (!resolved.ok) return resolved;
        }
        const added = await insertDomain(db, { appId: caller.appId, clusterId: node.id, playDomain: domain, internalDomain: cname, ...sealed(box, cert.value) });
        if (!added.ok) return added;
        changes.changed({ clusterId: node.id, playDomain: domain, change: "added" });
        return succeed({ ...added.value, Have_cert: added.value.HaveCert, Status: 1 });
      },
    }),
    defineRoute({
      method: "DELETE",
      url: "/ivc/cms/domain/delete",
      summary: "删除域名 Unbind a play domain; stream URLs of the node are refused (41623) until a domain is added again (spec 01 §5.5)",
      tag: TAG,
      query: { Id: domainId },
      data: data.nullData,
      async handle(caller, { query }) {
        const domain = await findDomain(db, caller.appId, query.Id);
        if (!domain || !(await deleteDomain(db, caller.appId, query.Id))) return refuse(ErrorCodes.RecordNotFound, `Id ${query.Id} is not a domain`);
        changes.changed({ clusterId: domain.ClusterId, playDomain: domain.PlayDomain, change: "deleted" });
        return succeed(null);
      },
    }),
    defineRoute({
      method: "POST",
      url: "/ivc/cms/domain/update",
      summary: "修改域名 Replace a play domain's certificate and key; the relay serves the new one without restarting (spec 01 §5.6)",
      tag: TAG,
      query: {},
      body: { Id: domainId, Key: keyFile, ...certFiles },
      form: PEM_FORM,
      data: data.nullData,
      async handle(caller, { body }) {
        const domain = await findDomain(db, caller.appId, body.Id);
        if (!domain) return refuse(ErrorCodes.RecordNotFound, `Id ${body.Id} is not a domain`);
        const certFile = certificateOf(body);
        if (!certFile.ok) return certFile;
        const cert = checkCertificate(certFile.value.text, body.Key, domain.PlayDomain, deps.now(), certFile.value.field);
        if (!cert.ok) return cert;
        if (!(await replaceCertificate(db, caller.appId, body.Id, sealed(box, cert.value)))) return refuse(ErrorCodes.RecordNotFound, `Id ${body.Id} is not a domain`);
        changes.changed({ clusterId: domain.ClusterId, playDomain: domain.PlayDomain, change: "updated" });
        return succeed(null);
      },
    }),
    defineRoute({
      method: "GET",
      url: "/ivc/cms/domain/query",
      summary: "查询域名 The account's play domains (spec 01 §5.7); keys are never returned",
      tag: TAG,
      query: {},
      data: data.domainList,
      handle: async (caller) => succeed(await listDomains(db, caller.appId)),
    }),
  ];
}
