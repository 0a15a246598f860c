//! Checks of chain sources, exclusions and secrets, through [`Campaign::parse`].

#![allow(clippy::unwrap_used, clippy::expect_used)]
use super::*;

mod errors;

const TOKEN: &str = "0x1111111111111111111111111111111111111111";

fn campaign(source: &str, extra: &str) -> Result<Campaign> {
    let text = format!(
        r#"name = "t"
chain_id = 1
token = {{ address = "0x00000000000000000000000000000000000000aa", symbol = "GEN", decimals = 6 }}
budget = "1000"

[[source]]
name = "holders"
{source}

[[pool]]
source = "holders"
share = "100%"
rule = "flat"
{extra}"#
    );
    Campaign::parse(&text, "campaign.toml")
}

fn err(source: &str) -> String {
    campaign(source, "").unwrap_err().to_string()
}

const ERC20: &str = r#"kind = "erc20-balances"
rpc = "http://127.0.0.1:8545"
token = "0x1111111111111111111111111111111111111111"
block = 100"#;

#[test]
fn erc20_source_parses_with_min_in_whole_tokens() {
    let c = campaign(&format!("{ERC20}\nmin = \"2.5\"\nfrom_block = 7\nexclude_contracts = true\nallow = \"wallets.csv\""), "").unwrap();
    let s = &c.sources[0];
    let chain = s.chain.as_ref().unwrap();
    assert_eq!(chain.kind, ChainKind::Erc20Balances);
    assert_eq!(chain.rpc, RpcRef::Url("http://127.0.0.1:8545".into()));
    assert_eq!(chain.block, 100);
    assert_eq!(chain.token, Some(parse_address(TOKEN).unwrap()));
    // The campaign token's 6 decimals.
    assert_eq!(chain.min, U256::from(2_500_000u64));
    assert_eq!(chain.from_block, Some(7));
    assert!(chain.exclude_contracts);
    assert_eq!(chain.allow.as_deref(), Some("wallets.csv"));
    assert_eq!(s.kind, SourceKind::Balances);
    assert_eq!(s.columns[0].name, "balance");
    assert!(s.base_units);
    assert_eq!(s.decimals, 6);

    // The source's own decimals win.
    let c = campaign(
        &format!("{ERC20}\ndecimals = 18\nmin = \"0.000000000000000001\""),
        "",
    )
    .unwrap();
    assert_eq!(c.sources[0].chain.as_ref().unwrap().min, U256::from(1u8));
    assert_eq!(c.sources[0].decimals, 18);
}

#[test]
fn min_not_representable_at_decimals_is_an_error() {
    let e = err(&format!("{ERC20}\nmin = \"0.0000001\""));
    assert!(
        e.contains("source \"holders\".min") && e.contains("0.0000001"),
        "{e}"
    );
    assert!(e.contains("decimals"), "{e}");
    let e = err(
        "kind = \"erc721-holders\"\nrpc = \"http://x:1\"\ntoken = \"0x1111111111111111111111111111111111111111\"\nblock = 5\nmin = \"1.5\"",
    );
    assert!(
        e.contains("source \"holders\".min") && e.contains("integer"),
        "{e}"
    );
}

#[test]
fn missing_keys_point_at_the_key() {
    let e = err("kind = \"erc20-balances\"\nrpc = \"http://x:1\"\ntoken = \"0x1111111111111111111111111111111111111111\"");
    assert!(
        e.contains("source \"holders\".block") && e.contains("block = N"),
        "{e}"
    );
    let e = err("kind = \"erc20-balances\"\nrpc = \"http://x:1\"\nblock = 5");
    assert!(
        e.contains("source \"holders\".token") && e.contains("token = "),
        "{e}"
    );
    let e = err("kind = \"erc20-balances\"\ntoken = \"0x1111111111111111111111111111111111111111\"\nblock = 5");
    assert!(
        e.contains("source \"holders\".rpc") && e.contains("rpc_env"),
        "{e}"
    );
    let e = err("kind = \"contract-users\"\nrpc = \"http://x:1\"\nblock = 5");
    assert!(e.contains("source \"holders\".contracts"), "{e}");
    let e = err("kind = \"native-balances\"\nrpc = \"http://x:1\"\nblock = 5");
    assert!(e.contains("source \"holders\".candidates"), "{e}");
    let e = err(&format!("{ERC20}\nblock = \"latest\"").replace("block = 100\n", ""));
    assert!(
        e.contains("source \"holders\".block") && e.contains("latest"),
        "{e}"
    );
}

#[test]
fn unknown_and_misplaced_keys_are_rejected() {
    let e = err(&format!("{ERC20}\ncolour = \"red\""));
    assert!(
        e.contains("campaign.toml:") && e.contains("unknown field `colour`"),
        "{e}"
    );
    let e = err(&format!("{ERC20}\nfile = \"h.csv\""));
    assert!(e.contains("source \"holders\".file"), "{e}");
    let e = err(&format!("{ERC20}\ncandidates = \"c.csv\""));
    assert!(
        e.contains("source \"holders\".candidates") && e.contains("erc20-balances"),
        "{e}"
    );
    let e = err(&format!("{ERC20}\nallow = \"w.csv\""));
    assert!(
        e.contains("source \"holders\".allow") && e.contains("exclude_contracts"),
        "{e}"
    );
    let e = err(&format!("{ERC20}\nrpc_env = \"RPC\""));
    assert!(
        e.contains("source \"holders\".rpc") && e.contains("not both"),
        "{e}"
    );
    let e = err("kind = \"balances\"\nfile = \"h.csv\"\nblock = 5");
    assert!(
        e.contains("source \"holders\".block") && e.contains("chain sources only"),
        "{e}"
    );
    let e = err("kind = \"erc20-balance\"\nfile = \"h.csv\"");
    assert!(e.contains("erc20-balances"), "{e}");
}

#[test]
fn other_kinds_and_rpc_env() {
    let c = campaign(
        "kind = \"contract-users\"\nrpc_env = \"MAINNET_RPC\"\nblock = 50\ncontracts = [\"0x1111111111111111111111111111111111111111\"]\nevents = [\"Swap(address indexed a)\"]\ntxs = false\nmin = \"2\"",
        "",
    )
    .unwrap();
    let s = &c.sources[0];
    let chain = s.chain.as_ref().unwrap();
    assert_eq!(chain.rpc, RpcRef::Env("MAINNET_RPC".into()));
    assert_eq!(chain.min, U256::from(2u8));
    assert!(!chain.include_txs);
    assert_eq!(s.kind, SourceKind::List);
    assert_eq!(s.columns.len(), 3);
    let c = campaign(
        "kind = \"native-balances\"\nrpc = \"https://node\"\nblock = 50\ncandidates = \"c.csv\"\nmin = \"0.5\"",
        "",
    )
    .unwrap();
    assert_eq!(
        c.sources[0].chain.as_ref().unwrap().min,
        U256::from(5u64) * U256::from(10u64).pow(U256::from(17u64))
    );
}

#[test]
fn exclude_contracts_table_and_array() {
    let c = campaign(
        ERC20,
        "\n[exclude]\ncontracts = true\nallow = \"wallets.csv\"\n",
    )
    .unwrap();
    let ex = c.exclude_contracts.unwrap();
    assert_eq!(ex.name, "contracts");
    assert_eq!(ex.allow.as_deref(), Some("wallets.csv"));
    assert!(c.excludes.is_empty());

    // A table that is also a list; and the array form.
    let c = campaign(
        ERC20,
        "\n[exclude]\nname = \"team\"\nreason = \"team\"\naddresses = [\"0x2222222222222222222222222222222222222222\"]\ncontracts = true\n",
    )
    .unwrap();
    assert_eq!(c.excludes.len(), 1);
    assert!(c.exclude_contracts.is_some());
    let c = campaign(
        ERC20,
        "\n[[exclude]]\nname = \"team\"\nreason = \"team\"\naddresses = [\"0x2222222222222222222222222222222222222222\"]\n\n[[exclude]]\ncontracts = true\n",
    )
    .unwrap();
    assert_eq!(c.excludes.len(), 1);
    assert!(c.exclude_contracts.is_some());

    let e = campaign(ERC20, "\n[exclude]\ncontracts = true\nbogus = 1\n")
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("unknown field `bogus`") && e.contains("campaign.toml:"),
        "{e}"
    );
    let e = campaign(
        ERC20,
        "\n[exclude]\nallow = \"w.csv\"\naddresses = []\nname = \"x\"\nreason = \"y\"\n",
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("allow") && e.contains("contracts = true"), "{e}");
    // Needs a chain source.
    let e = campaign(
        "kind = \"list\"\nfile = \"l.csv\"",
        "\n[exclude]\ncontracts = true\n",
    )
    .unwrap_err()
    .to_string();
    assert!(
        e.contains("exclude.contracts") && e.contains("chain source"),
        "{e}"
    );
}

const KEY: &str = "ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";

#[test]
fn a_secret_anywhere_in_the_spec_is_refused_by_line_and_not_echoed() {
    let file = "kind = \"balances\"\nfile = \"h.csv\"";
    let phrase = "test test test test test test test test test test test junk";
    for (extra, line) in [
        (format!("# key {KEY}"), 15),
        (format!("[claim]\nstart = \"{KEY}\"\ndeadline = \"x\""), 16),
        (
            format!("[vesting]\ncliff = \"{}\"", phrase.replace(' ', "\n")),
            16,
        ),
    ] {
        let e = campaign(file, &extra).unwrap_err().to_string();
        assert!(
            e.starts_with(&format!("campaign.toml:{line}: refused")),
            "{e}"
        );
        assert!(!e.contains(&KEY[8..40]) && !e.contains("junk"), "{e}");
    }
    // A transaction hash in a URL is data.
    let url = format!("# see https://etherscan.io/tx/0x{KEY}");
    assert!(campaign(file, &url).is_ok());
}

#[test]
fn the_zero_address_cannot_take_dust_or_clawback() {
    let zero = "0x0000000000000000000000000000000000000000";
    let file = "kind = \"balances\"\nfile = \"h.csv\"";
    let e = campaign(file, &format!("[claim]\nstart = \"2026-12-01T00:00:00Z\"\ndeadline = \"2027-12-01T00:00:00Z\"\nclawback_to = \"{zero}\""))
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("claim.clawback_to") && e.contains("zero address"),
        "{e}"
    );
}

/// Each check of a chain source, by the key it names: keys of other kinds, the node, the block
/// range, the contracts and `min`'s scale.
#[test]
fn chain_source_checks_name_their_key() {
    let users = "kind = \"contract-users\"\nrpc = \"http://x:1\"\nblock = 50";
    let native =
        "kind = \"native-balances\"\nrpc = \"http://x:1\"\nblock = 50\ncandidates = \"c.csv\"";
    let erc721 = "kind = \"erc721-holders\"\nrpc = \"http://x:1\"\ntoken = \"0x1111111111111111111111111111111111111111\"\nblock = 100";
    let cases: Vec<(String, &str, &str)> = vec![
        (
            format!("{erc721}\ndecimals = 6"),
            "decimals",
            "does not apply to kind \"erc721-holders\"",
        ),
        (
            format!("{users}\ncontracts = [\"{TOKEN}\"]\ndeploy_block = 3"),
            "deploy_block",
            "does not apply to kind \"contract-users\"",
        ),
        (
            format!("{ERC20}\nto_block = 3"),
            "to_block",
            "does not apply to kind \"erc20-balances\"",
        ),
        (
            format!("{native}\nverify_sample = 3"),
            "verify_sample",
            "does not apply to kind \"native-balances\"",
        ),
        (
            format!("{native}\ntoken = \"{TOKEN}\""),
            "token",
            "does not apply",
        ),
        (format!("{ERC20}\nevents = []"), "events", "does not apply"),
        (
            ERC20.replace("http://127.0.0.1:8545", "ftp://node"),
            "rpc",
            "is not an http(s) url",
        ),
        (
            ERC20.replace("rpc = \"http://127.0.0.1:8545\"", "rpc_env = \"MY-RPC\""),
            "rpc_env",
            "is not an environment variable name",
        ),
        (
            format!("{ERC20}\nfrom_block = 3\ndeploy_block = 3"),
            "deploy_block",
            "not both",
        ),
        (
            format!("{ERC20}\nfrom_block = 300"),
            "from_block",
            "300 is after the snapshot block 100",
        ),
        (
            format!("{ERC20}\ndeploy_block = 300"),
            "deploy_block",
            "300 is after the snapshot block 100",
        ),
        (
            format!("{native}\nfrom_block = 40\nto_block = 30"),
            "to_block",
            "30 is before from_block 40",
        ),
        (
            format!("{users}\ncontracts = []"),
            "contracts",
            "needs contracts",
        ),
        (
            format!("{users}\ncontracts = [\"{TOKEN}\"]\ntxs = false"),
            "txs",
            "counts nobody",
        ),
        (
            format!("{ERC20}\ndecimals = 78"),
            "decimals",
            "78 decimals do not fit uint256",
        ),
        (
            format!("{erc721}\nblock = -1").replace("block = 100\n", ""),
            "block",
            "is not a block number",
        ),
    ];
    for (source, key, needle) in cases {
        let e = err(&source);
        assert!(
            e.contains(&format!("source \"holders\".{key}:")) && e.contains(needle),
            "{key}, {needle}: {e}"
        );
    }
}

/// Each check of a file source, by the key it names.
#[test]
fn file_source_checks_name_their_key() {
    let cases = [
        ("kind = \"balances\"", "file", "needs file = \"...\""),
        (
            "kind = \"ledger\"\nfile = \"h.csv\"",
            "kind",
            "unknown source kind \"ledger\"",
        ),
        (
            "kind = \"balances\"\nfile = \"h.csv\"\nformat = \"xml\"",
            "format",
            "unknown file format \"xml\"",
        ),
        (
            "kind = \"balances\"\nfile = \"h.csv\"\ncolumns = { balance = \"text\" }",
            "columns.balance",
            "unknown column type \"text\"",
        ),
        (
            "kind = \"balances\"\nfile = \"h.csv\"\ndecimals = 78",
            "decimals",
            "78 decimals do not fit uint256",
        ),
        (
            "kind = \"list\"\nfile = \"h.csv\"\nmin = \"1\"",
            "min",
            "chain sources only",
        ),
    ];
    for (source, key, needle) in cases {
        let e = err(source);
        assert!(
            e.contains(&format!("source \"holders\".{key}:")) && e.contains(needle),
            "{key}, {needle}: {e}"
        );
    }
    // The format follows the file's extension unless given; default columns follow the kind.
    let c = campaign("kind = \"points\"\nfile = \"h.JSON\"", "").unwrap();
    assert_eq!(c.sources[0].format, FileFormat::Json);
    assert_eq!(c.sources[0].columns[0].name, "points");
}
