/**
 * Whether a domain has a mainland-China ICP filing (备案, spec 01 §5.3). Only the national registry
 * knows, and a self-hosted gateway cannot ask it; an operator who has a lookup service plugs a
 * checker in (RouteDeps.domains.icp). `not-checked` is what the default answers.
 */
export type IcpFiling = "filed" | "not-filed" | "not-checked";

export interface IcpChecker {
  check(playDomain: string): Promise<IcpFiling>;
}

/** The default: no registry is asked, so nothing is claimed (docs/api-decisions.md "Domains"). */
export const uncheckedIcp: IcpChecker = { check: async () => "not-checked" };
