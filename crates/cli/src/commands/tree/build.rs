//! `airdrop tree build`: a Merkle tree in one ecosystem's exact format from a CSV or JSON file.

use super::formats::{self as tree_formats, FormatArgs, PresetArg};
use crate::output::{open_input, FileSink};
use airdrop_merkle::input::{read_records_with, InputFormat, ReadOptions};
use airdrop_merkle::TreeOptions;
use anyhow::{Context, Result};
use std::path::PathBuf;
use std::time::Instant;

/// Arguments of `airdrop tree build`.
#[derive(Debug, clap::Args)]
pub(crate) struct TreeBuildArgs {
    /// Format preset: uniswap, oz-standard, ens, balancer, morpho, jito, or merkl, thirdweb,
    /// jupiter (see their options below).
    #[arg(long, default_value = "uniswap")]
    pub preset: PresetArg,
    /// OpenZeppelin leaf types, comma separated (oz-standard only), e.g. `address,uint256` or
    /// `uint256,address,uint256`; name columns with `name:type`.
    #[arg(long)]
    pub encoding: Option<String>,
    /// Split into 16 or 256 shards by the leading hex digits of the address (ens uses 256).
    #[arg(long)]
    pub shards: Option<u16>,
    /// Keep the file's order: leaves (and Uniswap indices) in input order instead of sorted.
    #[arg(long)]
    pub no_sort: bool,
    /// Keep zero-amount rows, with a warning each, to reproduce a published tree that has them
    /// (a zero claim cannot be paid, so they are refused by default).
    #[arg(long)]
    pub allow_zero: bool,
    /// Sum rows that repeat an address instead of refusing them (the count is reported).
    #[arg(long)]
    pub merge_duplicates: bool,
    /// Input: CSV with a header (`address,amount`, or the encoding's columns), or JSON (a
    /// Uniswap balance map, `[{address, earnings}]`, or an OpenZeppelin values array).
    /// `-` reads standard input as CSV.
    #[arg(long)]
    pub input: PathBuf,
    /// Output file (a folder when sharded).
    #[arg(long)]
    pub out: PathBuf,
    /// Print only the root.
    #[arg(long, short)]
    pub quiet: bool,
    /// Options of the merkl, thirdweb and jupiter presets.
    #[command(flatten)]
    pub formats: FormatArgs,
}

/// Runs the command.
pub(crate) fn run(args: TreeBuildArgs) -> Result<()> {
    let preset = match args.preset {
        PresetArg::Classic(p) => p,
        other => return tree_formats::run(other, &args.formats, formats_common(&args)),
    };
    args.formats.refuse_foreign(args.preset)?;
    let mut options = TreeOptions::new(preset);
    options.encoding = args
        .encoding
        .as_ref()
        .map(|e| e.split(',').map(|s| s.trim().to_owned()).collect());
    if args.shards.is_some() {
        options.shards = args.shards;
    }
    if args.no_sort {
        options.sort = false;
    }
    options.validate()?;

    let name = args.input.display().to_string();
    let started = Instant::now();
    let read_options = ReadOptions {
        merge_duplicates: args.merge_duplicates,
        allow_zero: args.allow_zero,
    };
    let (records, report) = read_records_with(
        open_input(&args.input)?,
        &name,
        InputFormat::from_name(&name),
        &options.leaf_encoding(),
        read_options,
    )?;
    for zero in &report.zero_rows {
        // JSON maps have no line numbers to give.
        let at = match zero.line {
            0 => name.clone(),
            line => format!("{name}:{line}"),
        };
        eprintln!(
            "warning: {at}: amount is zero for {}; kept because of --allow-zero, this claim pays nothing",
            zero.who
        );
    }
    if report.merged > 0 {
        eprintln!(
            "note: merged {} duplicate rows of {name} into earlier rows (--merge-duplicates)",
            report.merged
        );
    }
    let read_time = started.elapsed();
    let built = airdrop_merkle::build(&options, records)?;
    let build_time = started.elapsed() - read_time;

    let mut sink = if options.shards.is_some() {
        FileSink::dir(&args.out)
    } else {
        FileSink::file(&args.out)
    };
    built.write(&mut sink)?;
    let written = sink.commit().context("writing the output")?;
    let total_time = started.elapsed();

    if !args.quiet {
        println!("preset: {}", options.preset);
        println!("claims: {}", built.len());
        println!("total: {}", built.total());
        println!("files: {}", written.len());
        println!("output: {}", args.out.display());
        println!(
            "time: read {:.3}s, build {:.3}s, write {:.3}s",
            read_time.as_secs_f64(),
            build_time.as_secs_f64(),
            (total_time - read_time - build_time).as_secs_f64()
        );
    }
    println!("{}", built.root());
    // The process ends here: handing a tree of hundreds of megabytes back to the allocator page
    // by page only delays the exit, which returns all of it at once.
    std::mem::forget(built);
    Ok(())
}

/// The generic options the merkl, thirdweb and jupiter presets refuse when set.
fn formats_common(args: &TreeBuildArgs) -> tree_formats::Common<'_> {
    let set = [
        ("--encoding", args.encoding.is_some()),
        ("--shards", args.shards.is_some()),
        ("--no-sort", args.no_sort),
        ("--merge-duplicates", args.merge_duplicates),
    ];
    tree_formats::Common {
        input: &args.input,
        out: &args.out,
        quiet: args.quiet,
        foreign: set.iter().filter(|(_, on)| *on).map(|(f, _)| *f).collect(),
        allow_zero: args.allow_zero,
    }
}
