-- The server's store, SQLite flavour. Times are unix seconds; amounts decimal strings of base
-- units; addresses EIP-55 checksummed text.

CREATE TABLE api_keys (
    id          TEXT PRIMARY KEY,          -- public part of the key ("ak_" + 16 hex)
    secret_hash TEXT NOT NULL,             -- sha256 of the whole key, hex
    name        TEXT NOT NULL,
    scopes      TEXT NOT NULL,             -- comma-separated: admin, reviewer
    created     BIGINT NOT NULL,
    revoked     BIGINT
);

CREATE TABLE auth_nonces (
    nonce   TEXT PRIMARY KEY,
    created BIGINT NOT NULL,
    expires BIGINT NOT NULL,
    used    BIGINT
);

CREATE TABLE campaigns (
    id              TEXT PRIMARY KEY,
    name            TEXT NOT NULL,
    spec            TEXT NOT NULL,         -- campaign.toml as given
    chain_id        BIGINT NOT NULL,
    signup_deadline BIGINT,
    bundle          TEXT,                  -- the published bundle folder, once published
    published_root  TEXT,
    created         BIGINT NOT NULL,
    updated         BIGINT NOT NULL
);

CREATE TABLE campaign_files (
    campaign TEXT NOT NULL,
    name     TEXT NOT NULL,                -- as the spec names it (file = "…")
    content  BLOB NOT NULL,
    sha256   TEXT NOT NULL,
    created  BIGINT NOT NULL,
    PRIMARY KEY (campaign, name)
);

CREATE TABLE signups (
    campaign      TEXT NOT NULL,
    address       TEXT NOT NULL,
    referral_code TEXT NOT NULL,
    referred_by   TEXT,
    message       TEXT NOT NULL,           -- the signed EIP-4361 message, kept as proof
    signature     TEXT NOT NULL,
    created       BIGINT NOT NULL,
    PRIMARY KEY (campaign, address),
    UNIQUE (campaign, referral_code)
);

CREATE TABLE tasks (
    campaign        TEXT NOT NULL,
    id              TEXT NOT NULL,
    title           TEXT NOT NULL,
    description     TEXT NOT NULL,
    points          BIGINT NOT NULL,
    referral_points BIGINT NOT NULL,
    created         BIGINT NOT NULL,
    PRIMARY KEY (campaign, id)
);

CREATE TABLE submissions (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    campaign    TEXT NOT NULL,
    task        TEXT NOT NULL,
    address     TEXT NOT NULL,
    evidence    TEXT NOT NULL,
    referred_by TEXT,
    status      TEXT NOT NULL,             -- pending | approved | rejected
    reason      TEXT,
    reviewer    TEXT,
    created     BIGINT NOT NULL,
    reviewed    BIGINT,
    UNIQUE (campaign, task, address)
);

CREATE TABLE relay_requests (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    campaign    TEXT NOT NULL,
    claim_index BIGINT NOT NULL,
    account     TEXT NOT NULL,
    amount      TEXT NOT NULL,
    nonce       TEXT NOT NULL,             -- the signed nonce: one signed claim, one request
    payload     TEXT NOT NULL,             -- JSON: proof, signature deadline, signature
    state       TEXT NOT NULL,             -- queued | submitting | submitted | failed
    worker      TEXT,
    tx_hash     TEXT,
    error       TEXT,
    created     BIGINT NOT NULL,
    updated     BIGINT NOT NULL,
    UNIQUE (campaign, claim_index, nonce)
);
CREATE INDEX relay_requests_state ON relay_requests (state, id);

CREATE TABLE jobs (
    id       TEXT PRIMARY KEY,
    kind     TEXT NOT NULL,
    campaign TEXT NOT NULL,
    state    TEXT NOT NULL,                -- queued | running | done | failed
    done     BIGINT NOT NULL,
    total    BIGINT NOT NULL,
    message  TEXT NOT NULL,
    output   TEXT,                         -- e.g. the bundle folder a build wrote
    created  BIGINT NOT NULL,
    updated  BIGINT NOT NULL
);
