//! `airdrop kit`: the bundle's static claim kit (proof shards, manifest, one self-contained
//! page) for any static host, IPFS or a recipient's disk. The job is
//! `airdrop_engine::kit::write_kit`.

use super::args::StateArgs;
use airdrop_engine::distribution::Bundle;
use airdrop_engine::kit::write_kit;
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub(crate) struct KitArgs {
    /// Bundle folder written by `airdrop build` (format = "uniswap").
    #[arg(long)]
    pub bundle: PathBuf,
    /// Kit folder: new, empty, or a kit this command wrote (only its files are replaced).
    #[arg(long)]
    pub out: PathBuf,
    /// Where `airdrop deploy` kept the deployment record (the page shows its distributor).
    #[command(flatten)]
    pub state: StateArgs,
}

pub(crate) fn run(args: KitArgs) -> anyhow::Result<()> {
    let bundle = Bundle::load(&args.bundle)?;
    let distributor = bundle
        .find_record(&args.state.dir())?
        .map(|r| r.distributor);
    let kit = write_kit(&bundle, distributor, &args.out)?;
    println!(
        "wrote the claim kit of {} recipients to {}: index.html ({} bytes), {} shards of up to {} claims ({} bytes), {} bytes in all",
        kit.count,
        kit.out.display(),
        kit.page_bytes,
        kit.shards,
        kit.largest_shard,
        kit.largest_shard_bytes,
        kit.total_bytes
    );
    match kit.distributor {
        Some(d) => println!("distributor: {d}"),
        None => println!("distributor: none recorded (deploy first, or pass the --state-dir deploy used); the page still builds the call data"),
    }
    if !kit.signed {
        println!("unsigned: the bundle has no announcement.json; the page says so");
    }
    println!(
        "open {} in a browser, or publish the folder as it is",
        kit.out.join("index.html").display()
    );
    Ok(())
}
