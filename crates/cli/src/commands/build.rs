//! `airdrop build`: a campaign spec in, a bundle out (allocations, claims, decisions, report,
//! manifest). The core does the deciding; this file reads the inputs, shows progress and writes
//! the files — into a staging folder that replaces `--out` only once everything is written.

mod chain;
mod files;

use airdrop_core::bundle::{self, FileHashes};
use airdrop_core::source::{read_exclusions, FileSource, Source};
use airdrop_core::units::{format_units, parse_timestamp};
use airdrop_core::{allocate, Campaign};
use airdrop_merkle::{build_claims, Entry};
use anyhow::{bail, Context, Result};
use files::{sha256_hex, BundleDir};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Arguments of `airdrop build`.
#[derive(Debug, clap::Args)]
pub struct BuildArgs {
    /// The campaign spec (TOML). Paths inside it are relative to this file.
    pub campaign: PathBuf,
    /// Bundle directory to write (replaced as a whole once the build succeeds).
    #[arg(long)]
    pub out: PathBuf,
    /// Print nothing on success (errors still go to stderr).
    #[arg(long, short = 'q', conflicts_with = "json")]
    pub quiet: bool,
    /// Print a machine-readable summary as JSON on stdout.
    #[arg(long)]
    pub json: bool,
    /// Reference time (RFC 3339 UTC) to check the claim window against; the build never reads
    /// the clock, so without it no such check is made.
    #[arg(long)]
    pub now: Option<String>,
    /// Delete the checkpoints of chain sources (left beside --out by an interrupted build) and
    /// take their snapshots from the beginning.
    #[arg(long)]
    pub fresh: bool,
}

struct Progress {
    draw: bool,
}

impl Progress {
    fn step(&self, msg: &str) -> ProgressBar {
        let pb = if self.draw {
            ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr())
        } else {
            ProgressBar::hidden()
        };
        if let Ok(style) = ProgressStyle::with_template("{spinner} {msg} [{elapsed}]") {
            pb.set_style(style);
        }
        pb.set_message(msg.to_owned());
        pb.enable_steady_tick(Duration::from_millis(120));
        pb
    }
}

/// Reads an input of the build (a source, an exclusion list): a regular file of bounded size,
/// and for CSV, of bounded lines — checked while reading, so a huge file without a newline
/// fails after its first 64 KiB instead of being loaded whole.
fn read(path: &Path) -> Result<Vec<u8>> {
    let json = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("json"));
    if json {
        crate::output::read_input_file(path, airdrop_merkle::limits::MAX_JSON_BYTES)
    } else {
        crate::output::read_lines_file(path)
    }
}

/// What `--out` must never be or contain: the campaign file, its folder and every input file.
fn protected_paths(spec: &Path, base: &Path, c: &Campaign) -> Vec<PathBuf> {
    let folder = if base.as_os_str().is_empty() {
        Path::new(".")
    } else {
        base
    };
    let mut out = vec![spec.to_path_buf(), folder.to_path_buf()];
    out.extend(c.sources.iter().map(|s| base.join(&s.file)));
    out.extend(
        c.excludes
            .iter()
            .filter_map(|e| e.file.as_ref().map(|f| base.join(f))),
    );
    out
}

/// Runs `airdrop build`.
pub fn run(args: BuildArgs) -> Result<()> {
    let started = Instant::now();
    let progress = Progress {
        draw: !args.quiet && !args.json && std::io::stderr().is_terminal(),
    };
    let mut timings: Vec<(&str, u128)> = Vec::new();
    let mut lap = Instant::now();
    let mut mark = |name: &'static str, timings: &mut Vec<(&str, u128)>| {
        timings.push((name, lap.elapsed().as_millis()));
        lap = Instant::now();
    };

    let spec_bytes =
        crate::output::read_input_file(&args.campaign, airdrop_merkle::limits::MAX_SPEC_BYTES)?;
    let spec_text = std::str::from_utf8(&spec_bytes)
        .with_context(|| format!("{} is not UTF-8 text", args.campaign.display()))?;
    let label = args.campaign.display().to_string();
    let mut campaign = Campaign::parse(spec_text, &label)?;
    if let (Some(now), Some(claim)) = (&args.now, &campaign.claim) {
        let now = parse_timestamp(now).map_err(|e| anyhow::anyhow!("--now: {e}"))?;
        if claim.deadline <= now {
            bail!(
                "{label}: claim.deadline {} is already past at --now; move the claim window",
                claim.deadline_text
            );
        }
    }
    let base = args
        .campaign
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default();
    let spec_name = args
        .campaign
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "campaign.toml".into());
    let mut hashes = FileHashes::default();
    hashes.inputs.insert(spec_name, sha256_hex(&spec_bytes));
    let protected = protected_paths(&args.campaign, &base, &campaign);
    files::check_target(&args.out, &protected)?;

    // Chain sources: check what can be checked (env vars, files, events) before any scan.
    let chain_run = chain::ChainRun {
        label: &label,
        base: &base,
        out: &args.out,
        draw: progress.draw,
        fresh: args.fresh,
    };
    let mut prepared = Vec::new();
    for s in &campaign.sources {
        if let Some(c) = &s.chain {
            prepared.push(chain_run.prepare(&campaign, s, c)?);
        }
    }

    // File sources are independent: read and validate them in parallel.
    let pb = progress.step("reading sources");
    type FileRead = Result<(Vec<u8>, airdrop_core::Facts)>;
    let results: Vec<Option<FileRead>> = std::thread::scope(|scope| {
        let handles: Vec<_> = campaign
            .sources
            .iter()
            .map(|s| {
                let path = base.join(&s.file);
                s.chain.is_none().then(|| {
                    scope.spawn(move || -> FileRead {
                        let data = read(&path).with_context(|| format!("source {:?}", s.name))?;
                        let facts = FileSource {
                            spec: s,
                            data: &data,
                        }
                        .facts()?;
                        Ok((data, facts))
                    })
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.map(|h| {
                    h.join()
                        .unwrap_or_else(|_| Err(anyhow::anyhow!("a source reader crashed")))
                })
            })
            .collect()
    });
    pb.finish_and_clear();
    let mut file_facts = Vec::with_capacity(results.len());
    for (s, r) in campaign.sources.iter().zip(results) {
        match r {
            Some(r) => {
                let (data, f) = r?;
                hashes.inputs.insert(s.file.clone(), sha256_hex(&data));
                file_facts.push(Some(f));
            }
            None => file_facts.push(None),
        }
    }
    // Chain sources, one after the other (each has its own progress bars).
    let mut pins = Vec::new();
    let mut node: Option<(String, String, u64)> = None;
    let mut taken = prepared.into_iter();
    let mut facts = Vec::with_capacity(file_facts.len());
    for f in file_facts {
        match f {
            Some(f) => facts.push(f),
            None => {
                let p = taken
                    .next()
                    .ok_or_else(|| anyhow::anyhow!("a chain source was not prepared"))?;
                for (file, hash) in &p.inputs {
                    hashes.inputs.insert(file.clone(), hash.clone());
                }
                let t = chain_run.take(&campaign, p)?;
                if node.is_none() {
                    node = Some((t.url.clone(), t.shown.clone(), t.pin.block));
                }
                pins.push(t.pin);
                facts.push(t.facts);
            }
        }
    }
    let pb = progress.step("reading exclusions");
    let mut exclusions = Vec::with_capacity(campaign.excludes.len() + 1);
    for e in &campaign.excludes {
        let data = match &e.file {
            Some(f) => {
                let data =
                    read(&base.join(f)).with_context(|| format!("exclusion list {:?}", e.name))?;
                hashes.inputs.insert(f.clone(), sha256_hex(&data));
                Some(data)
            }
            None => None,
        };
        exclusions.push(read_exclusions(e, data.as_deref())?);
    }
    pb.finish_and_clear();
    if let (Some(ex), Some((url, shown, block))) = (campaign.exclude_contracts.clone(), &node) {
        let (found, allow) = chain_run.contracts(&campaign, &facts, (url, shown, *block))?;
        if let Some((file, hash)) = allow {
            hashes.inputs.insert(file, hash);
        }
        // An exclusion list like any other, so reports and `explain` name it.
        campaign.excludes.push(airdrop_core::spec::ExcludeSpec {
            name: ex.name,
            reason: format!("{} (block {block})", ex.reason),
            file: None,
            address_column: "address".into(),
            addresses: found.clone(),
        });
        exclusions.push(found);
    }
    mark("read_sources", &mut timings);

    let pb = progress.step("allocating");
    let allocation = allocate(&campaign, &facts, &exclusions)?;
    pb.finish_and_clear();
    mark("allocate", &mut timings);

    let pb = progress.step("building the Merkle tree");
    let entries: Vec<Entry> = allocation
        .recipients()
        .map(|(i, amount)| Entry {
            address: allocation.addresses[i],
            amount,
        })
        .collect();
    let count = entries.len();
    let built = build_claims(&campaign.tree, entries)?;
    let root = built.root();
    pb.finish_and_clear();
    mark("tree", &mut timings);

    let mut dir = BundleDir::create(&args.out, &protected)?;
    // The claims file is by far the largest; write it on its own thread while this one writes
    // the allocations, decisions and report (the two share nothing but the hash map).
    let pb = progress.step("writing claims, allocations, decisions and report");
    let mut claims_sink = dir.sink();
    let (claims_result, report) = std::thread::scope(|scope| {
        let claims = scope.spawn(|| {
            let t = Instant::now();
            built
                .write(&mut claims_sink)
                .map(|()| t.elapsed().as_millis())
        });
        let rest = (|| -> Result<_> {
            let t = Instant::now();
            dir.write_with("allocations.csv", |w| {
                bundle::write_allocations_csv(&campaign, &allocation, w)
            })?;
            dir.write_with("decisions.jsonl", |w| {
                bundle::write_decisions(&campaign, &allocation, &facts, w)
            })?;
            let report = bundle::report(&campaign, &allocation, root);
            dir.write_bytes("report.json", &bundle::to_pretty_bytes(&report)?)?;
            dir.write_bytes(
                "report.html",
                airdrop_core::html::report_html(&report).as_bytes(),
            )?;
            Ok((report, t.elapsed().as_millis()))
        })();
        let claims = claims.join().unwrap_or_else(|_| {
            Err(airdrop_merkle::MerkleError::Options(
                "the claims writer crashed".into(),
            ))
        });
        (claims, rest)
    });
    let claims_ms = claims_result?;
    let (_report, rest_ms) = report?;
    drop(built);
    pb.finish_and_clear();
    mark("write_bundle", &mut timings);
    timings.push(("write_claims", claims_ms));
    timings.push(("write_allocations_decisions_report", rest_ms));

    hashes.outputs = dir.hashes();
    let manifest = bundle::manifest(&campaign, &allocation, root, &hashes, &pins);
    dir.write_bytes("manifest.json", &bundle::to_pretty_bytes(&manifest)?)?;
    let files = dir.hashes();
    if let Some(aside) = dir.commit()? {
        eprintln!(
            "note: the previous bundle's files that the build did not write and that have a namesake in the new bundle are kept in {}",
            aside.display()
        );
    }
    drop(dir);
    mark("commit", &mut timings);

    let dec = campaign.token.decimals;
    let sym = &campaign.token.symbol;
    let root_hex = format!("{root:#x}");
    let mut out = std::io::stdout().lock();
    if args.json {
        let mut summary = serde_json::json!({
            "name": campaign.name,
            "root": root_hex,
            "total": allocation.total().to_string(),
            "total_tokens": format_units(allocation.total(), dec),
            "recipients": count,
            "dust": allocation.dust_total.to_string(),
            "dust_to": campaign.dust_to.map(|d| format!("{d:#x}")),
            "out": args.out.display().to_string(),
            "files": files,
            "timings_ms": timings.iter().map(|(k, v)| (k.to_string(), serde_json::json!(v))).collect::<serde_json::Map<_, _>>(),
            "elapsed_ms": started.elapsed().as_millis(),
        });
        if !pins.is_empty() {
            summary["snapshots"] = serde_json::json!(pins);
        }
        writeln!(out, "{}", serde_json::to_string_pretty(&summary)?)?;
    } else if !args.quiet {
        writeln!(
            out,
            "campaign    {} (chain {}, {sym})",
            campaign.name, campaign.chain_id
        )?;
        for p in &pins {
            writeln!(
                out,
                "snapshot    {}: {} at block {} {} ({} rows)",
                p.source, p.kind, p.block, p.block_hash, p.rows
            )?;
        }
        writeln!(out, "recipients  {count}")?;
        writeln!(
            out,
            "total       {} {sym} (= budget)",
            format_units(allocation.total(), dec)
        )?;
        for (p, o) in campaign.pools.iter().zip(&allocation.pools) {
            writeln!(
                out,
                "  pool {:<16} {} {sym} paid of {}",
                p.name,
                format_units(o.paid, dec),
                format_units(o.amount, dec)
            )?;
        }
        if !allocation.dust_total.is_zero() {
            let to = campaign
                .dust_to
                .map(|d| format!("{d:#x}"))
                .unwrap_or_default();
            writeln!(
                out,
                "dust        {} {sym} → {to}",
                format_units(allocation.dust_total, dec)
            )?;
        }
        writeln!(
            out,
            "bundle      {} ({} files, {:.1}s)",
            args.out.display(),
            files.len() + 1,
            started.elapsed().as_secs_f64()
        )?;
        writeln!(out, "{root_hex}")?;
    }
    Ok(())
}
