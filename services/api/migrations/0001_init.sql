-- Accounts own every row below except service nodes, which are platform infrastructure.
CREATE TABLE accounts (
  app_id text PRIMARY KEY,
  name text NOT NULL DEFAULT '',
  created_at timestamptz NOT NULL DEFAULT now()
);

-- Permanent keys have no session token; temporary credentials (spec 01 §2) carry a token hash and an expiry.
CREATE TABLE api_keys (
  secret_id text PRIMARY KEY,
  app_id text NOT NULL REFERENCES accounts(app_id),
  secret_key_enc text NOT NULL,
  session_token_hash text,
  expires_at timestamptz,
  description text NOT NULL DEFAULT '',
  created_at timestamptz NOT NULL DEFAULT now(),
  revoked_at timestamptz
);
CREATE INDEX api_keys_app_id ON api_keys(app_id);

CREATE TABLE service_nodes (
  id uuid PRIMARY KEY,
  name text NOT NULL,
  sip_id text NOT NULL,
  sip_domain text NOT NULL,
  sip_ip text NOT NULL,
  sip_port integer NOT NULL,
  media_host text NOT NULL,
  media_http_port integer NOT NULL,
  rtmp_port integer NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

-- parent_id 0 is the virtual root ("ParentId": "0"); level 1 is a child of the root.
CREATE TABLE organizations (
  id bigserial PRIMARY KEY,
  app_id text NOT NULL REFERENCES accounts(app_id),
  name text NOT NULL,
  parent_id bigint NOT NULL,
  level integer NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT organizations_sibling_name UNIQUE (app_id, parent_id, name)
);

CREATE TABLE devices (
  id uuid PRIMARY KEY,
  app_id text NOT NULL REFERENCES accounts(app_id),
  code char(20) NOT NULL UNIQUE,
  name text NOT NULL,
  access_protocol smallint NOT NULL,
  type smallint NOT NULL,
  transport_protocol smallint NOT NULL,
  password text NOT NULL,
  description text NOT NULL DEFAULT '',
  manufacturer text NOT NULL DEFAULT '',
  -- 0 unregistered, 1 online, 2 offline as last reported by the sip-server; Status 3 is `disabled`.
  link_status smallint NOT NULL DEFAULT 0,
  disabled boolean NOT NULL DEFAULT false,
  organization_id bigint NOT NULL,
  cluster_id uuid NOT NULL REFERENCES service_nodes(id),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX devices_app_org ON devices(app_id, organization_id, created_at, id);
CREATE INDEX devices_app_created ON devices(app_id, created_at, id);

-- Next GB sequence per 14-digit prefix (domain + type + network digit).
CREATE TABLE device_code_sequences (
  prefix char(14) PRIMARY KEY,
  last_value integer NOT NULL
);

CREATE TABLE channels (
  id uuid PRIMARY KEY,
  app_id text NOT NULL REFERENCES accounts(app_id),
  device_id uuid NOT NULL REFERENCES devices(id) ON DELETE CASCADE,
  code text NOT NULL,
  name text NOT NULL DEFAULT '',
  manufacturer text NOT NULL DEFAULT '',
  ptz_type smallint NOT NULL DEFAULT 0,
  resolution text NOT NULL DEFAULT '',
  state smallint NOT NULL DEFAULT 0,
  stream_status smallint NOT NULL DEFAULT 0,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT channels_device_code UNIQUE (device_id, code)
);
CREATE INDEX channels_app_device ON channels(app_id, device_id);
