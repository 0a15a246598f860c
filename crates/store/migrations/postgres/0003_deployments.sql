-- Distributors registered for published campaigns, checked on chain when registered (merkle
-- root and token match the published bundle). Outside any bundle: a rebuild never removes a
-- record of money sent. Every instance reads them, so relaying and claimed amounts work on all.
CREATE TABLE deployments (
    campaign    TEXT NOT NULL,
    root        TEXT NOT NULL,         -- the published root the distributor holds
    distributor TEXT NOT NULL,         -- checksummed address
    chain_id    BIGINT NOT NULL,
    block       BIGINT NOT NULL,       -- where its events start
    created     BIGINT NOT NULL,
    PRIMARY KEY (campaign, root)
);
