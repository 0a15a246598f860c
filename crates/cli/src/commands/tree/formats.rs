//! `airdrop tree build --preset merkl|thirdweb|jupiter`: the formats of today's active
//! distributors, whose outputs are not one claims file of address/amount.

use crate::output::FileSink;
use airdrop_merkle::cumulative::{self, CumulativeTree, MerklOrder, Rewards};
use airdrop_merkle::jupiter::{self, TreeFields};
use airdrop_merkle::thirdweb::{self, LeafOrder, ThirdwebLeaf};
use airdrop_merkle::Preset;
use anyhow::{bail, Context, Result};
use std::path::{Path, PathBuf};
use std::str::FromStr;

/// A `--preset` value: one of the engine's [`Preset`]s or one of the formats here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PresetArg {
    /// An address/amount preset of the engine.
    Classic(Preset),
    /// Merkl-style cumulative multi-token rewards.
    Merkl,
    /// thirdweb-style sharded allowlist.
    Thirdweb,
    /// Jupiter-style split Solana trees.
    Jupiter,
}

impl FromStr for PresetArg {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "merkl" => Ok(PresetArg::Merkl),
            "thirdweb" => Ok(PresetArg::Thirdweb),
            "jupiter" => Ok(PresetArg::Jupiter),
            _ => Preset::from_str(s)
                .map(PresetArg::Classic)
                .map_err(|e| format!("{e}, merkl, thirdweb, jupiter")),
        }
    }
}

impl std::fmt::Display for PresetArg {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PresetArg::Classic(p) => p.fmt(f),
            PresetArg::Merkl => f.write_str("merkl"),
            PresetArg::Thirdweb => f.write_str("thirdweb"),
            PresetArg::Jupiter => f.write_str("jupiter"),
        }
    }
}

/// Options of the merkl, thirdweb and jupiter presets.
#[derive(Debug, Default, clap::Args)]
pub(crate) struct FormatArgs {
    /// merkl: leaf layout — v1 (first appearance, zero pairs kept; the 2023 mainnet files),
    /// sorted-leaves (sdk 3.0.100) or nonzero-sorted (merkl-dispute's later builder).
    #[arg(long)]
    pub merkl_order: Option<MerklOrder>,
    /// merkl: the previous epoch's claims file; --input then holds the new rewards, which are
    /// added to it.
    #[arg(long)]
    pub previous: Option<PathBuf>,
    /// thirdweb: leaf variant — v1 (also erc20, erc721), v2 (drop) or erc1155.
    #[arg(long)]
    pub leaf: Option<ThirdwebLeaf>,
    /// thirdweb: leaf order inside a shard — bytes (legacy SDK) or js-string (v5's
    /// `Array.sort()`; other roots, proofs still verify).
    #[arg(long)]
    pub leaf_order: Option<String>,
    /// thirdweb: hex digits per shard id (1 or 2; thirdweb's default 2).
    #[arg(long)]
    pub shard_nybbles: Option<usize>,
    /// jupiter: rows per tree (one distributor each; Jupiter's default 12000).
    #[arg(long)]
    pub max_nodes_per_tree: Option<usize>,
    /// jupiter: total field names in tree files — new (total_unlocked_amount,
    /// total_locked_amount) or old (max_total_claim).
    #[arg(long)]
    pub tree_fields: Option<TreeFields>,
    /// jupiter: read amounts as UI amounts with this many decimals, rounded down as Jupiter
    /// does (each rounded row is reported). thirdweb: scale maxClaimable (v1, v2) or the erc20
    /// amount as the SDK's parseUnits, exactly (more decimals than this are refused).
    #[arg(long)]
    pub decimals: Option<u8>,
}

impl FormatArgs {
    /// Names the first option given that `preset` does not use, so a mistyped combination
    /// fails instead of being ignored.
    pub(crate) fn refuse_foreign(&self, preset: PresetArg) -> Result<()> {
        let given = [
            (
                "--merkl-order",
                self.merkl_order.is_some(),
                PresetArg::Merkl,
            ),
            ("--previous", self.previous.is_some(), PresetArg::Merkl),
            ("--leaf", self.leaf.is_some(), PresetArg::Thirdweb),
            (
                "--leaf-order",
                self.leaf_order.is_some(),
                PresetArg::Thirdweb,
            ),
            (
                "--shard-nybbles",
                self.shard_nybbles.is_some(),
                PresetArg::Thirdweb,
            ),
            (
                "--max-nodes-per-tree",
                self.max_nodes_per_tree.is_some(),
                PresetArg::Jupiter,
            ),
            (
                "--tree-fields",
                self.tree_fields.is_some(),
                PresetArg::Jupiter,
            ),
        ];
        if self.decimals.is_some() && !matches!(preset, PresetArg::Jupiter | PresetArg::Thirdweb) {
            bail!("--decimals applies to the jupiter and thirdweb presets only, not to {preset}");
        }
        match given
            .iter()
            .find(|(_, set, owner)| *set && *owner != preset)
        {
            Some((flag, _, owner)) => {
                bail!("{flag} applies to the {owner} preset only, not to {preset}")
            }
            None => Ok(()),
        }
    }
}

/// What the generic options of `tree build` hold, for the checks here.
#[derive(Debug)]
pub(crate) struct Common<'a> {
    /// --input.
    pub input: &'a Path,
    /// --out.
    pub out: &'a Path,
    /// --quiet.
    pub quiet: bool,
    /// Generic options set that these presets do not take, by flag name.
    pub foreign: Vec<&'static str>,
    /// Keep rows that pay nothing, with a warning each (refused by default).
    pub allow_zero: bool,
}

/// Runs `tree build` for one of the presets here.
pub(crate) fn run(preset: PresetArg, args: &FormatArgs, common: Common<'_>) -> Result<()> {
    args.refuse_foreign(preset)?;
    if let Some(flag) = common.foreign.first() {
        bail!("{flag} does not apply to the {preset} preset; see `airdrop tree build --help`");
    }
    if common.input.as_os_str() == "-" {
        bail!("the {preset} preset reads a file; pass --input PATH");
    }
    let name = common.input.display().to_string();
    let text =
        std::fs::read_to_string(common.input).with_context(|| format!("cannot read {name}"))?;
    match preset {
        PresetArg::Merkl => merkl(args, &common, &name, &text),
        PresetArg::Thirdweb => third(args, &common, &name, &text),
        PresetArg::Jupiter => jup(args, &common, &name, &text),
        PresetArg::Classic(p) => bail!("internal: {p} is not handled here"),
    }
}

fn read_rewards(name: &str, text: &str, allow_zero: bool) -> Result<Rewards> {
    if name.to_ascii_lowercase().ends_with(".json") {
        let doc = airdrop_merkle::verify::read_json(text.as_bytes(), name)?;
        Ok(cumulative::read_reward_file(&doc, name)?)
    } else {
        let (rewards, zero_lines) = cumulative::read_rewards_csv(text, name, allow_zero)?;
        warn_zero(name, &zero_lines);
        Ok(rewards)
    }
}

fn merkl(args: &FormatArgs, c: &Common<'_>, name: &str, text: &str) -> Result<()> {
    let input = read_rewards(name, text, c.allow_zero)?;
    let (rewards, order) = match &args.previous {
        None => (input, args.merkl_order.unwrap_or_default()),
        Some(prev) => {
            let (old, before) = read_epoch_path(prev)?;
            let next = old.plus(&input)?;
            cumulative::check_epochs(&old, &next)?;
            // Epochs of one distributor keep one layout unless the user asks for another.
            let order = args.merkl_order.unwrap_or(before);
            if order != before {
                eprintln!(
                    "note: the previous epoch used --merkl-order {before}; this one uses {order}"
                );
            }
            (next, order)
        }
    };
    let tree = CumulativeTree::build(rewards, order)?;
    write_one(c.out, |w| tree.write_json(w))?;
    if !c.quiet {
        println!("preset: merkl ({})", tree.order);
        println!("leaves: {}", tree.leaves.len());
        println!("users: {}", tree.rewards().users().len());
        println!("tokens: {}", tree.rewards().tokens().len());
        println!("output: {}", c.out.display());
    }
    println!("{}", tree.root());
    Ok(())
}

/// The previous epoch's rewards (every proof checked) and the layout it was built with.
fn read_epoch_path(path: &Path) -> Result<(Rewards, MerklOrder)> {
    let name = path.display().to_string();
    let f = std::fs::File::open(path).with_context(|| format!("cannot open {name}"))?;
    let doc = airdrop_merkle::verify::read_json(std::io::BufReader::new(f), &name)?;
    let (rewards, _) = cumulative::read_epoch(&doc, &name)?;
    let order = doc.get("order").and_then(|o| o.as_str()).unwrap_or("v1");
    Ok((rewards, order.parse()?))
}

fn write_one(
    out: &Path,
    body: impl FnOnce(&mut dyn std::io::Write) -> std::io::Result<()>,
) -> Result<()> {
    use airdrop_merkle::Sink;
    let mut sink = FileSink::file(out);
    {
        let mut w = sink.create("claims.json")?;
        body(&mut w)?;
        w.flush()?;
    }
    sink.commit().context("writing the output")?;
    Ok(())
}

fn third(args: &FormatArgs, c: &Common<'_>, name: &str, text: &str) -> Result<()> {
    let variant = args.leaf.unwrap_or(ThirdwebLeaf::V1);
    let order = match args.leaf_order.as_deref() {
        None | Some("bytes") => LeafOrder::Bytes,
        Some("js-string") => {
            eprintln!("note: --leaf-order js-string orders leaves as thirdweb v5 does (decimal strings of the bytes): the root differs from the legacy SDK's; pairs stay bytewise, so every proof still verifies on chain");
            LeafOrder::JsString
        }
        Some(other) => bail!("unknown --leaf-order {other:?}; choose bytes or js-string"),
    };
    let list = thirdweb::read_allowlist_csv_with(text, name, variant, c.allow_zero, args.decimals)?;
    warn_zero(name, &list.zero_lines);
    let tree = thirdweb::build_sharded(list.entries, args.shard_nybbles.unwrap_or(2), order)?;
    let mut sink = FileSink::dir(c.out);
    tree.write(&mut sink, variant)?;
    let written = sink.commit().context("writing the output")?;
    if !c.quiet {
        println!("preset: thirdweb");
        println!("claims: {}", tree.len());
        println!("shards: {}", tree.shard_ids().len());
        println!("files: {}", written.len());
        println!("output: {}", c.out.display());
    }
    println!("{}", tree.root());
    Ok(())
}

fn jup(args: &FormatArgs, c: &Common<'_>, name: &str, text: &str) -> Result<()> {
    let max = args
        .max_nodes_per_tree
        .unwrap_or(jupiter::DEFAULT_MAX_NODES);
    if max == 0 {
        // Checked before reading, so a long input is not parsed for nothing.
        jupiter::split(&[], 0)?;
    }
    let rows = jupiter::read_csv(text, name, args.decimals.map(u32::from), c.allow_zero)?;
    warn_zero(name, &rows.zero_lines);
    for line in &rows.truncated {
        eprintln!(
            "warning: {name}:{line}: amount rounded down to whole base units (Jupiter's rule)"
        );
    }
    let trees = jupiter::split(&rows.rows, max)?;
    let nodes: usize = trees.iter().map(|t| t.nodes.len()).sum();
    if nodes < rows.rows.len() {
        eprintln!(
            "note: merged {} repeated claimants into their first row within the same tree (Jupiter's rule; repeats in different trees stay separate claims)",
            rows.rows.len() - nodes
        );
    }
    let mut sink = FileSink::dir(c.out);
    jupiter::write(&trees, args.tree_fields.unwrap_or_default(), &mut sink)?;
    sink.commit().context("writing the output")?;
    if !c.quiet {
        println!("preset: jupiter");
        println!("claims: {nodes}");
        println!("trees: {}", trees.len());
        println!("output: {}", c.out.display());
    }
    for t in &trees {
        println!("tree_{}.json {}", t.version, t.root());
    }
    Ok(())
}

fn warn_zero(name: &str, lines: &[u64]) {
    for line in lines {
        eprintln!(
            "warning: {name}:{line}: zero amount kept (--allow-zero); this claim pays nothing"
        );
    }
}
