use super::super::{read_json, read_json_value, Table};
use proptest::prelude::*;

/// A table as plain values: header and numbered rows of cells.
type Plain = (Vec<String>, Vec<(u64, Vec<String>)>);

type Shown = Result<Plain, String>;

fn shown(t: crate::error::Result<Table>) -> Shown {
    t.map(|t| {
        let rows = t
            .rows
            .iter()
            .map(|(n, r)| (*n, r.iter().map(str::to_owned).collect()))
            .collect();
        (t.header, rows)
    })
    .map_err(|e| e.to_string())
}

fn typed(data: &[u8], chunk: usize) -> Option<Plain> {
    super::table(data, chunk).map(|(h, rows)| {
        let rows = rows
            .iter()
            .map(|(n, r)| (*n, r.iter().map(str::to_owned).collect()))
            .collect();
        (h, rows)
    })
}

fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        6 => Just("\"address\"".to_owned()),
        4 => Just("\"balance\"".to_owned()),
        2 => Just("\"og\"".to_owned()),
        1 => Just("\"a\\u0064dress\"".to_owned()),
        1 => Just("\"ключ\"".to_owned()),
        1 => Just("\"🚀,}\"".to_owned()),
        1 => Just("\"\"".to_owned()),
        1 => "[a-c]{1,2}".prop_map(|k| format!("\"{k}\"")),
    ]
}

/// Values the reference path takes.
fn good_value() -> impl Strategy<Value = String> {
    prop_oneof![
        6 => Just("\"0x2222222222222222222222222222222222222222\"".to_owned()),
        4 => any::<u64>().prop_map(|v| v.to_string()),
        1 => Just("0".to_owned()),
        2 => any::<bool>().prop_map(|b| b.to_string()),
        2 => Just("null".to_owned()),
        2 => "[ -~]{0,6}".prop_map(|s| format!("\"{}\"", s.replace('\\', "/").replace('"', "'"))),
        1 => Just("\"say \\\"hi\\\", {x}\"".to_owned()),
        1 => Just("\"tab\\tnew\\nline \\u00e9 \\ud83d\\ude80\"".to_owned()),
        1 => Just("\"é ☃ 🚀 , } ]\"".to_owned()),
    ]
}

/// Any value, the reference path's errors included.
fn value() -> impl Strategy<Value = String> {
    prop_oneof![
        6 => Just("\"0x2222222222222222222222222222222222222222\"".to_owned()),
        4 => any::<u64>().prop_map(|v| v.to_string()),
        1 => Just("0".to_owned()),
        1 => Just("18446744073709551616".to_owned()),
        1 => Just("-3".to_owned()),
        1 => Just("-0".to_owned()),
        1 => Just("1.5".to_owned()),
        1 => Just("1e3".to_owned()),
        2 => any::<bool>().prop_map(|b| b.to_string()),
        2 => Just("null".to_owned()),
        2 => "[ -~]{0,6}".prop_map(|s| format!("\"{}\"", s.replace('\\', "/").replace('"', "'"))),
        1 => Just("\"say \\\"hi\\\", {x}\"".to_owned()),
        1 => Just("\"tab\\tnew\\nline \\u00e9 \\ud83d\\ude80\"".to_owned()),
        1 => Just("\"é ☃ 🚀 , } ]\"".to_owned()),
        1 => Just("{}".to_owned()),
        1 => Just("{\"x\":1}".to_owned()),
        1 => Just("{\"x\":1,\"x\":2}".to_owned()),
        1 => Just("[1,2]".to_owned()),
        1 => Just("[]".to_owned()),
    ]
}

fn ws() -> impl Strategy<Value = &'static str> {
    prop_oneof![8 => Just(""), 1 => Just(" "), 1 => Just("\n"), 1 => Just("\r\n\t ")]
}

fn object(values: BoxedStrategy<String>, unique: bool) -> impl Strategy<Value = String> {
    prop::collection::vec((key(), values, ws()), 0..5).prop_map(move |mut fields| {
        if unique {
            // Most good documents should be accepted: a key spelt the same twice is dropped
            // (an escaped spelling of another key may still repeat it).
            let mut seen = Vec::new();
            fields.retain(|(k, _, _)| {
                let fresh = !seen.contains(k);
                seen.push(k.clone());
                fresh
            });
        }
        let inner: Vec<String> = fields
            .iter()
            .map(|(k, v, w)| format!("{w}{k}{w}:{w}{v}{w}"))
            .collect();
        format!("{{{}}}", inner.join(","))
    })
}

fn item() -> impl Strategy<Value = String> {
    prop_oneof![
        20 => object(value().boxed(), false),
        1 => Just("null".to_owned()),
        1 => Just("5".to_owned()),
        1 => Just("\"0x2222222222222222222222222222222222222222\"".to_owned()),
        1 => Just("[]".to_owned()),
        1 => Just("{\"address\":\"0x1\",}".to_owned()),
        1 => Just("{\"address\" \"0x1\"}".to_owned()),
    ]
}

fn document() -> impl Strategy<Value = String> {
    let any_items = prop::collection::vec((item().boxed(), ws()), 0..12);
    let good_items =
        prop::collection::vec((object(good_value().boxed(), true).boxed(), ws()), 0..12);
    let items = prop_oneof![any_items, good_items].prop_map(|items| {
        let inner: Vec<String> = items.iter().map(|(i, w)| format!("{w}{i}{w}")).collect();
        inner.join(",")
    });
    (items, ws(), 0u8..40).prop_map(|(inner, w, shape)| match shape {
        0 => format!("[{inner},]"),
        1 => format!("[{inner}"),
        2 => format!("{w}{{\"a\":[{inner}]}}"),
        3 => format!("\u{feff}[{inner}]"),
        4 => format!("[{inner}] []"),
        _ => format!("{w}[{inner}]{w}"),
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    /// The typed reader takes exactly the documents the `Value` path reads without error, and
    /// reads each into the same header, cells and entry numbers, whatever the chunk size; the
    /// source reader gives the same table or the same error as the `Value` path.
    #[test]
    fn typed_tables_match_the_value_path(doc in document(), chunk in 1usize..48) {
        let reference = shown(read_json_value(doc.as_bytes(), "s.json"));
        let fast = typed(doc.as_bytes(), chunk);
        prop_assert_eq!(fast.is_some(), reference.is_ok(), "{} -> {:?}", doc, reference);
        if let Some(fast) = fast {
            prop_assert_eq!(&Ok(fast), &reference, "{}", doc);
        }
        prop_assert_eq!(shown(read_json(doc.as_bytes(), "s.json")), reference, "{}", doc);
    }
}

/// Keys enter the header in first-seen order across chunks, and a row lacking a key gets an
/// empty cell: the shape each chunk size must reproduce.
#[test]
fn header_is_first_seen_order_across_chunks() {
    let doc = br#"[{"b":1,"a":"x"},{"a":"y"},{"c":true,"b":null},{"d":"\u00e9"}]"#;
    for chunk in 1..doc.len() + 1 {
        let (header, rows) = typed(doc, chunk).unwrap();
        assert_eq!(header, ["b", "a", "c", "d"], "chunk {chunk}");
        let cells: Vec<Vec<String>> = rows.into_iter().map(|r| r.1).collect();
        assert_eq!(
            cells,
            [
                ["1", "x", "", ""],
                ["", "y", "", ""],
                ["", "", "true", ""],
                ["", "", "", "é"],
            ],
            "chunk {chunk}"
        );
    }
}

/// The documents above are both accepted and refused, often enough for the property to hold
/// something on each side.
#[test]
fn generated_documents_are_both_accepted_and_refused() {
    use proptest::strategy::ValueTree;
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let (mut ok, total) = (0, 1000);
    for _ in 0..total {
        let doc = document().new_tree(&mut runner).unwrap().current();
        ok += usize::from(read_json_value(doc.as_bytes(), "s.json").is_ok());
    }
    assert!(
        ok > total / 5 && ok < total * 4 / 5,
        "{ok} of {total} accepted"
    );
}

/// Rows are checked on all cores, yet the error named is the first in file order: the first
/// bad address of two, and the first secret of two (secrets are looked for before addresses).
#[test]
fn the_first_bad_row_is_named() {
    use crate::source::{FileSource, Source};
    use crate::spec::{ColumnKind, ColumnSpec, FileFormat, SourceKind, SourceSpec};
    let spec = SourceSpec {
        name: "s".into(),
        kind: SourceKind::Balances,
        file: "s.json".into(),
        format: FileFormat::Json,
        address_column: "address".into(),
        columns: vec![ColumnSpec {
            name: "balance".into(),
            kind: ColumnKind::Number,
        }],
        decimals: 0,
        base_units: false,
        chain: None,
    };
    let key = "4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318";
    let doc = |bad: &[(usize, &str)]| {
        let items: Vec<String> = (1..=20_000usize)
            .map(|i| {
                let address = bad
                    .iter()
                    .find(|b| b.0 == i)
                    .map_or(format!("0x{i:040x}"), |b| b.1.to_owned());
                format!("{{\"address\":\"{address}\",\"balance\":{i}}}")
            })
            .collect();
        format!("[{}]", items.join(",\n"))
    };
    let facts = |d: &str| {
        FileSource {
            spec: &spec,
            data: d.as_bytes(),
        }
        .facts()
        .map(|f| f.len())
        .map_err(|e| e.to_string())
    };
    assert_eq!(facts(&doc(&[])), Ok(20_000));
    let err = facts(&doc(&[(7_001, "0x12"), (19_000, "0x34")])).unwrap_err();
    assert!(err.starts_with("s.json: entry 7001:"), "{err}");
    let err = facts(&doc(&[(900, "0x12"), (7_001, key), (19_000, key)])).unwrap_err();
    assert!(err.starts_with("s.json: entry 7001: column 1:"), "{err}");
}

fn source_spec(decimals: u8) -> crate::spec::SourceSpec {
    use crate::spec::{ColumnKind, ColumnSpec, FileFormat, SourceKind, SourceSpec};
    SourceSpec {
        name: "s".into(),
        kind: SourceKind::Balances,
        file: "s.json".into(),
        format: FileFormat::Json,
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
        decimals,
        base_units: false,
        chain: None,
    }
}

/// A source row: mostly valid, sometimes with an error the table path words.
fn source_item() -> impl Strategy<Value = String> {
    let address = prop_oneof![
        30 => (1u32..400).prop_map(|i| format!("\"0x{i:040x}\"")),
        1 => Just("\"0x12\"".to_owned()),
        1 => Just(format!("\"0x{}\"", "0".repeat(40))),
        1 => Just("\"0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed\"".to_owned()),
        1 => Just("\"0x5aaeb6053F3E94C9b9A09f33669435E7Ef1BeAed\"".to_owned()),
        1 => Just("null".to_owned()),
    ];
    let balance = prop_oneof![
        8 => (0u64..10_000).prop_map(|v| format!("\"{v}.{}\"", v % 100)),
        8 => any::<u64>().prop_map(|v| v.to_string()),
        1 => Just("\"1.234\"".to_owned()),
        1 => Just("\"x\"".to_owned()),
        1 => Just("1.5".to_owned()),
        1 => Just("null".to_owned()),
        1 => Just("\" 12 \"".to_owned()),
    ];
    let og = prop_oneof![
        6 => any::<bool>().prop_map(|b| b.to_string()),
        2 => Just("\"yes\"".to_owned()),
        1 => Just("\"maybe\"".to_owned()),
        1 => Just("null".to_owned()),
        1 => Just("1".to_owned()),
    ];
    let extra = prop_oneof![
        12 => Just(String::new()),
        2 => Just(",\"note\":\"LP, {x} é\"".to_owned()),
        1 => Just(
            ",\"note\":\"4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318\""
                .to_owned()
        ),
        1 => Just(",\"4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318\":1".to_owned()),
        1 => Just(",\"note\":\"say \\\"hi\\\"\"".to_owned()),
    ];
    (address, balance, og, extra, 0u8..10).prop_map(|(a, b, o, x, shape)| match shape {
        0 => format!("{{\"address\":{a}{x}}}"),
        1 => format!("{{\"og\":{o},\"balance\":{b},\"address\":{a}{x}}}"),
        _ => format!("{{\"address\":{a},\"balance\":{b},\"og\":{o}{x}}}"),
    })
}

/// A row the table path takes (but for a rare repeated address).
fn clean_item() -> impl Strategy<Value = String> {
    (1u32..1_000_000, any::<u64>(), any::<bool>(), any::<bool>()).prop_map(|(i, b, o, note)| {
        let note = if note { ",\"note\":\"LP, {x} é\"" } else { "" };
        format!("{{\"address\":\"0x{i:040x}\",\"balance\":{b},\"og\":{o}{note}}}")
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1500))]

    /// Facts read straight from the items are the table path's facts, and the fast reader
    /// takes exactly the files the table path reads without error.
    #[test]
    fn facts_from_items_match_the_table_path(
        items in prop_oneof![
            prop::collection::vec(source_item().boxed(), 0..25),
            prop::collection::vec(clean_item().boxed(), 1..60),
        ],
        chunk in 1usize..80,
        decimals in 0u8..3,
    ) {
        let spec = source_spec(decimals);
        let doc = format!("[{}]", items.join(",\n"));
        let source = crate::source::FileSource { spec: &spec, data: doc.as_bytes() };
        let reference = source.read_whole();
        let fast = super::facts(&spec, doc.as_bytes(), chunk);
        prop_assert_eq!(fast.is_some(), reference.is_ok(), "{} -> {:?}", doc, reference);
        if let (Some(fast), Ok(reference)) = (fast, reference) {
            prop_assert_eq!(fast, reference, "{}", doc);
        }
    }
}
