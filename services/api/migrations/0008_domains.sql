-- Play domains (spec 01 §5.2–5.7). A node's CNAME target is its public host name (NODE_PUBLIC_HOST) and
-- viewers reach its relay's TLS listener on media_https_port.
ALTER TABLE service_nodes ADD COLUMN public_host text NOT NULL DEFAULT '';
ALTER TABLE service_nodes ADD COLUMN media_https_port integer NOT NULL DEFAULT 8443;

-- One live domain per account and node (§5.1 "each service node can bind only one domain"); a play
-- domain is bound once across accounts, since the relay picks its certificate by that name (SNI).
-- A deleted domain keeps its row with deleted_at set and its certificate and key wiped: stream URLs of
-- that account on that node are then refused (41623) until a domain is added again.
CREATE TABLE domains (
  id uuid PRIMARY KEY,
  app_id text NOT NULL REFERENCES accounts(app_id),
  cluster_id uuid NOT NULL REFERENCES service_nodes(id),
  play_domain text NOT NULL,
  internal_domain text NOT NULL,
  cert_pem text NOT NULL,
  -- The private key, sealed with the master key (AES-256-GCM, as api_keys.secret_key_enc).
  key_enc text NOT NULL,
  cert_not_after timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  deleted_at timestamptz
);
CREATE UNIQUE INDEX domains_play_domain_live ON domains(play_domain) WHERE deleted_at IS NULL;
CREATE UNIQUE INDEX domains_account_node_live ON domains(app_id, cluster_id) WHERE deleted_at IS NULL;
CREATE INDEX domains_cluster ON domains(cluster_id);
