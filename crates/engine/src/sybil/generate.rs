//! `airdrop sybil generate`: a folder of synthetic activity with planted rings, ready to run —
//! the edges, the hub list, the truth (which addresses were planted, in which ring and shape),
//! a list of every user as a campaign source, and a campaign that reads them.

use crate::{EngineError, Result};
use airdrop_sybil::generate::{generate as synth, write_csv, Plan};
use std::io::Write;
use std::path::Path;

/// What was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Generated {
    /// Rows in `edges.csv`.
    pub edges: usize,
    /// Organic users.
    pub organic: usize,
    /// Planted addresses (funders and collectors included).
    pub planted: usize,
    /// Files written, in order.
    pub files: Vec<&'static str>,
}

/// Writes `edges.csv`, `hubs.csv`, `truth.csv`, `users.csv` and `campaign.toml` into `out`.
pub fn generate(plan: &Plan, out: &Path) -> Result<Generated> {
    let s = synth(plan);
    std::fs::create_dir_all(out)
        .map_err(|e| EngineError::file(format!("cannot create {}", out.display()), e))?;
    let write = |name: &str, f: &dyn Fn(&mut dyn Write) -> std::io::Result<()>| -> Result<()> {
        let path = out.join(name);
        let err = |e| EngineError::file(format!("cannot write {}", path.display()), e);
        let mut file = std::io::BufWriter::new(std::fs::File::create(&path).map_err(err)?);
        f(&mut file).and_then(|()| file.flush()).map_err(err)
    };
    write("edges.csv", &|w| write_csv(&s.edges, w))?;
    write("hubs.csv", &|w| {
        writeln!(w, "address,label")?;
        for (i, h) in s.hubs.iter().enumerate() {
            let label = if i < 8 { "exchange" } else { "bridge" };
            writeln!(w, "{h:#x},{label}")?;
        }
        Ok(())
    })?;
    write("truth.csv", &|w| {
        writeln!(w, "address,ring,shape")?;
        for (a, ring, shape) in &s.planted {
            writeln!(w, "{a:#x},{ring},{shape}")?;
        }
        Ok(())
    })?;
    let mut users: Vec<_> = s
        .organic
        .iter()
        .chain(s.planted.iter().map(|p| &p.0))
        .collect();
    users.sort_unstable();
    users.dedup();
    write("users.csv", &|w| {
        writeln!(w, "address")?;
        for a in &users {
            writeln!(w, "{a:#x}")?;
        }
        Ok(())
    })?;
    let seed = plan.seed;
    write("campaign.toml", &|w| {
        write!(
            w,
            "# Synthetic activity (seed {seed}): every user gets an equal part, minus sybil clusters.\n\
name = \"Synthetic sybil check {seed}\"\n\
chain_id = 1\n\
token = {{ address = \"0x00000000000000000000000000000000000000aa\", symbol = \"SYN\", decimals = 18 }}\n\
budget = \"1000000\"\n\n\
[[source]]\nname = \"users\"\nkind = \"list\"\nfile = \"users.csv\"\n\n\
[[pool]]\nsource = \"users\"\nshare = \"100%\"\nrule = \"flat\"\n\n\
[sybil]\nedges = [\"edges.csv\"]\nhubs = \"hubs.csv\"\npolicy = \"exclude\"\n"
        )
    })?;
    Ok(Generated {
        edges: s.edges.len(),
        organic: s.organic.len(),
        planted: s.planted.len(),
        files: vec![
            "edges.csv",
            "hubs.csv",
            "truth.csv",
            "users.csv",
            "campaign.toml",
        ],
    })
}
