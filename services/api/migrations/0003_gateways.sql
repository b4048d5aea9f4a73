-- View-access gateways (spec 04 Part G): edge boxes that activate with a single-use key.

-- `ivc gateway key create`: only the SHA-256 of the key is kept; `used_at` spends it.
CREATE TABLE gateway_keys (
  key_hash text PRIMARY KEY,
  app_id text NOT NULL REFERENCES accounts(app_id),
  cluster_id uuid NOT NULL REFERENCES service_nodes(id),
  expires_at timestamptz NOT NULL,
  used_at timestamptz,
  -- The gateway the key created; it stays set after that gateway is deleted (the key is spent).
  gateway_id uuid,
  created_at timestamptz NOT NULL DEFAULT now()
);

-- One row per activated box; deleting it (G9) revokes the box's token, which is stored hashed.
CREATE TABLE gateways (
  id uuid PRIMARY KEY,
  app_id text NOT NULL REFERENCES accounts(app_id),
  gw_id text NOT NULL UNIQUE,
  cluster_id uuid NOT NULL REFERENCES service_nodes(id),
  name text NOT NULL,
  description text NOT NULL DEFAULT '',
  -- 0 offline, 1 online (heartbeats arriving).
  status smallint NOT NULL DEFAULT 0,
  -- A box (its /etc/machine-id) has at most one gateway: activating it twice is 41632.
  machine_id text NOT NULL UNIQUE,
  hostname text NOT NULL DEFAULT '',
  token_hash text NOT NULL,
  -- service name -> installed version, as the box last reported.
  versions jsonb NOT NULL DEFAULT '{}',
  last_heartbeat_at timestamptz,
  up_flow_kbps integer NOT NULL DEFAULT 0,
  device_total integer NOT NULL DEFAULT 0,
  device_online integer NOT NULL DEFAULT 0,
  device_offline integer NOT NULL DEFAULT 0,
  channel_total integer NOT NULL DEFAULT 0,
  channel_online integer NOT NULL DEFAULT 0,
  channel_offline integer NOT NULL DEFAULT 0,
  -- packages/bus gatewayUpgradeState as last reported (or as requested by G7 until the box reports).
  upgrade jsonb,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX gateways_app_created ON gateways(app_id, created_at, id);
-- The offline sweep scans online gateways by their last heartbeat.
CREATE INDEX gateways_online_heartbeat ON gateways(last_heartbeat_at) WHERE status = 1;

-- A LAN device attached to a gateway is a device row (AccessProtocol 3) plus what G4 lists about it;
-- its channels are channel rows whose code is the box's channel id (`<box device id>-<n>`).
CREATE TABLE gateway_devices (
  device_id uuid PRIMARY KEY REFERENCES devices(id) ON DELETE CASCADE,
  gateway_id uuid NOT NULL REFERENCES gateways(id) ON DELETE CASCADE,
  box_device_id text NOT NULL,
  protocol_type smallint NOT NULL,
  ip text NOT NULL,
  port integer NOT NULL,
  CONSTRAINT gateway_devices_box_id UNIQUE (gateway_id, box_device_id)
);

-- `ivc release publish`: the newest published_at is the LatestVersion of G6.
CREATE TABLE releases (
  version text PRIMARY KEY,
  -- service name -> version in the bundle's manifest.
  services jsonb NOT NULL,
  notes text NOT NULL DEFAULT '',
  -- File name under IVC_VAR_DIR/releases.
  file text NOT NULL,
  sha256 char(64) NOT NULL,
  size bigint NOT NULL,
  published_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX releases_published ON releases(published_at);
