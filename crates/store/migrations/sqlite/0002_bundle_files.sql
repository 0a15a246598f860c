-- What an instance needs to serve a built bundle without the builder's disk: the claims as
-- address,amount (the tree is rebuilt and its root checked on load), the manifest and the
-- deployment record. Keyed by the bundle folder the build job recorded as its output.
CREATE TABLE bundle_files (
    bundle   TEXT NOT NULL,
    name     TEXT NOT NULL,
    content  BLOB NOT NULL,
    PRIMARY KEY (bundle, name)
);
