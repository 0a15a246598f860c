//! `airdrop sign`: signs the bundle's announcement (EIP-712) and writes `announcement.json`
//! beside the manifest (the job is `airdrop_engine::announce::sign`).

use super::args::{KeyArgs, StateArgs};
use airdrop_engine::announce::{sign, SignInput, ANNOUNCEMENT_FILE};
use airdrop_engine::distribution::Bundle;
use airdrop_merkle::address::parse_address;
use anyhow::{anyhow, Context};
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub(crate) struct SignArgs {
    /// Bundle folder, deployed with `airdrop deploy`.
    #[arg(long)]
    pub bundle: PathBuf,
    /// The signing key (the project's published address, or an owner of its contract wallet).
    #[command(flatten)]
    pub key: KeyArgs,
    /// Where the campaign is announced (a web page, an IPFS URI); signed with the rest.
    #[arg(long, default_value = "")]
    pub uri: String,
    /// Sign for a contract wallet (multisig) that accepts the key's signature (EIP-1271); the
    /// announcement names the wallet as its signer.
    #[arg(long, value_name = "ADDR")]
    pub contract_signer: Option<String>,
    /// The distributor, when it was not deployed by `airdrop deploy` (default: the record).
    #[arg(long, value_name = "ADDR")]
    pub distributor: Option<String>,
    /// Where the deployment record is kept.
    #[command(flatten)]
    pub state: StateArgs,
}

fn address(flag: &str, text: &str) -> anyhow::Result<alloy_primitives::Address> {
    parse_address(text).map_err(|e| anyhow!("{flag} {text:?}: {e}"))
}

pub(crate) fn run(args: SignArgs) -> anyhow::Result<()> {
    let bundle = Bundle::load(&args.bundle)?;
    let (distributor, token, deploy_block) = match &args.distributor {
        Some(text) => (address("--distributor", text)?, bundle.token, 0),
        None => {
            let d = bundle.find_record(&args.state.dir())?.ok_or_else(|| {
                anyhow!(
                    "{} is not deployed: no deployment record for root {} on chain {}; deploy it with `airdrop deploy` first (or give --state-dir, or --distributor ADDR)",
                    args.bundle.display(),
                    bundle.root,
                    bundle.chain_id
                )
            })?;
            (d.distributor, d.token, d.block)
        }
    };
    let contract_signer = args
        .contract_signer
        .as_deref()
        .map(|t| address("--contract-signer", t))
        .transpose()?;
    let key = args.key.signer()?;
    let input = SignInput {
        bundle: &bundle,
        distributor,
        token,
        deploy_block,
        uri: args.uri.clone(),
        contract_signer,
    };
    let a = sign(&input, &key).context("cannot sign the announcement")?;
    println!(
        "signed {} as {} ({}): distributor {} on chain {}, root {}",
        args.bundle.join(ANNOUNCEMENT_FILE).display(),
        a.signer,
        a.signer_kind,
        a.message.distributor,
        a.message.chain_id,
        a.message.root
    );
    Ok(())
}
