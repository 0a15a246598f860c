//! `airdrop claim`: claims an allocation from the distributor a bundle was deployed to —
//! directly (`--key-env`, anyone may pay; the tokens always go to the claimant), or gasless: the
//! recipient signs an EIP-712 `Claim` (`--gasless-signature-out FILE`, nothing sent) and a
//! relayer submits it with `claimWithSignature` (`--relay-signature FILE --key-env RELAYER`).
//! The jobs are `airdrop_engine::distribution::{claim, sign_gasless, relay}`.

use super::args::{claim_input, runtime, KeyArgs, StateArgs};
use airdrop_engine::distribution::{claim, relay, sign_gasless, Bundle};
use anyhow::Context;
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub(crate) struct ClaimArgs {
    /// Bundle folder (manifest.json, claims.json, and deployment.json from `airdrop deploy`).
    #[arg(long)]
    pub bundle: PathBuf,
    /// The claimant (taken from the signature file with --relay-signature).
    #[arg(long, value_name = "ADDR")]
    pub address: Option<String>,
    /// JSON-RPC endpoint.
    #[arg(long)]
    pub rpc: String,
    /// Environment variable holding the private key: of whoever pays for a direct claim, of
    /// the recipient with --gasless-signature-out, of the relayer with --relay-signature.
    #[command(flatten)]
    pub key: KeyArgs,
    /// Gasless: sign the claim as the recipient and write the signature here; sends nothing.
    #[arg(long, value_name = "FILE", conflicts_with = "relay_signature")]
    pub gasless_signature_out: Option<PathBuf>,
    /// Gasless: submit the recipient's signature file with claimWithSignature (relayer pays).
    #[arg(long, value_name = "FILE")]
    pub relay_signature: Option<PathBuf>,
    /// How long a gasless signature stays valid, seconds from the chain's current time.
    #[arg(long, default_value_t = 86_400, value_name = "SECS")]
    pub sig_valid_secs: u64,
    /// Where the deployment record is kept.
    #[command(flatten)]
    pub state: StateArgs,
}

pub(crate) fn run(args: ClaimArgs) -> anyhow::Result<()> {
    let bundle = Bundle::load(&args.bundle)?;
    let d = bundle.deployment(&args.state.dir())?;
    let input = claim_input(&bundle, &d, &args.rpc, &args.key)?;
    let rt = runtime()?;
    let address = args.address.as_deref();
    if let Some(file) = &args.relay_signature {
        let r = rt.block_on(relay(input, file, address))?;
        println!(
            "relayed: claimed {} for {} (of {}; paid for by {}; tx {}, {} gas)",
            bundle.tokens(r.paid),
            r.account,
            bundle.tokens(r.amount),
            r.payer,
            r.tx,
            r.gas_used
        );
        return Ok(());
    }
    if let Some(out) = &args.gasless_signature_out {
        let s = rt.block_on(sign_gasless(input, address, args.sig_valid_secs))?;
        std::fs::write(out, format!("{}\n", serde_json::to_string_pretty(&s)?))
            .with_context(|| format!("cannot write {}", out.display()))?;
        println!(
            "signed a claim of {} for {}, valid until {} (unix); give {} to a relayer",
            bundle.tokens(s.claimable),
            s.account,
            s.deadline,
            out.display()
        );
        return Ok(());
    }
    let r = rt.block_on(claim(input, address))?;
    println!(
        "claimed {} for {} (of {}; tx {}, {} gas)",
        bundle.tokens(r.paid),
        r.account,
        bundle.tokens(r.amount),
        r.tx,
        r.gas_used
    );
    Ok(())
}
