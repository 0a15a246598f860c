//! The parallel reader against the `csv` crate's path: for random files cut into random chunk
//! sizes, whenever the parallel reader answers, the answer is the `csv` crate's; whenever the
//! `csv` crate's path refuses the file, the parallel reader leaves it to that path.

use super::super::FileSource;
use super::facts;
use crate::spec::{ColumnKind, ColumnSpec, FileFormat, SourceKind, SourceSpec};
use proptest::prelude::*;

fn spec(base_units: bool) -> SourceSpec {
    SourceSpec {
        name: "s".into(),
        kind: SourceKind::Balances,
        file: "s.csv".into(),
        format: FileFormat::Csv,
        address_column: "address".into(),
        columns: vec![
            ColumnSpec {
                name: "balance".into(),
                kind: ColumnKind::Number,
            },
            ColumnSpec {
                name: "og".into(),
                kind: ColumnKind::Flag,
            },
        ],
        decimals: 2,
        base_units,
        chain: None,
    }
}

fn address(i: u8, upper: bool) -> String {
    let a = format!("0x{:040x}", u128::from(i) * 0x1_0000_0001 + 0xabc);
    if upper {
        a.to_uppercase().replacen("0X", "0x", 1)
    } else {
        a
    }
}

/// A row, well formed or not in one of the ways files go wrong.
fn row() -> impl Strategy<Value = String> {
    let addresses = (any::<u8>(), any::<bool>()).prop_map(|(i, up)| address(i, up));
    let good = (
        addresses.clone(),
        prop_oneof!["1", "1.5", "0", "12.25", " 7 ", "100000000000000000000"],
        prop_oneof!["true", "false", "", "1", "no", "\tyes"],
        prop_oneof!["", " ", "\t "],
    )
        .prop_map(|(a, b, f, pad)| format!("{pad}{a}{pad},{b},{f}"));
    let odd = prop_oneof![
        Just(String::new()),
        Just("  ".to_owned()),
        Just(",,".to_owned()),
        addresses.clone().prop_map(|a| format!("{a},1.555,true")),
        addresses.clone().prop_map(|a| format!("{a},abc,false")),
        addresses.clone().prop_map(|a| format!("{a},1,maybe")),
        addresses.clone().prop_map(|a| format!("{a},1")),
        addresses.clone().prop_map(|a| format!("{a},1,true,x")),
        addresses.clone().prop_map(|a| format!("\"{a}\",1,true")),
        addresses.clone().prop_map(|a| format!("{a},1,true\r")),
        addresses.clone().prop_map(|a| format!("{a},1,t\u{e9}")),
        addresses.prop_map(|a| format!("{a},{},", "ab".repeat(32))),
        Just(format!("0x{},1,", "0".repeat(40))),
        Just("0x12,1,".to_owned()),
    ];
    prop_oneof![8 => good, 1 => odd]
}

fn file() -> impl Strategy<Value = String> {
    (
        prop_oneof![
            "address,balance,og",
            " og , address,balance",
            "address,balance"
        ],
        proptest::collection::vec(row(), 0..60),
        any::<bool>(),
    )
        .prop_map(|(header, rows, end)| {
            let mut s = header.to_owned();
            for r in rows {
                s.push('\n');
                s.push_str(&r);
            }
            if end {
                s.push('\n');
            }
            s
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn answers_only_what_the_csv_crate_answers(
        text in file(),
        chunk in 1usize..200,
        base_units in any::<bool>(),
    ) {
        let spec = spec(base_units);
        let whole = FileSource { spec: &spec, data: text.as_bytes() }.read_whole();
        match (facts(&spec, text.as_bytes(), chunk), whole) {
            (Some(fast), Ok(whole)) => prop_assert_eq!(fast, whole),
            (Some(_), Err(e)) => prop_assert!(false, "the csv crate refused it: {}", e),
            (None, _) => {}
        }
    }

    #[test]
    fn plain_files_take_the_parallel_path(
        n in 1u8..40,
        chunk in 1usize..300,
        upper in any::<bool>(),
    ) {
        let spec = spec(false);
        let mut text = "address , balance,\tog\n".to_owned();
        for i in 0..n {
            text.push_str(&format!(" {}, {}.5 ,{}\n", address(i, upper), i, i % 2 == 0));
        }
        let fast = facts(&spec, text.as_bytes(), chunk);
        let whole = FileSource { spec: &spec, data: text.as_bytes() }.read_whole();
        prop_assert_eq!(fast.map(Ok), Some(whole.map_err(|e| e.to_string())));
    }
}
