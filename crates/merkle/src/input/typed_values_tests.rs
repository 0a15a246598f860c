use super::super::json_file::read_values_value;
use super::read_values;
use crate::values::parse_encoding;
use proptest::prelude::*;

fn encodings() -> Vec<Vec<String>> {
    [
        "address,uint256,uint256",
        "bool,int8,bytes32,string",
        "uint8,address",
    ]
    .iter()
    .map(|e| e.split(',').map(str::to_owned).collect())
    .collect()
}

fn cell() -> impl Strategy<Value = String> {
    prop_oneof![
        6 => Just("\"0x00000000000000000000000000000000000000aa\"".to_owned()),
        1 => Just("\"0x00000000000000000000000000000000000000AA\"".to_owned()),
        1 => Just("\"0x00000000000000000000000000000000000000Aa\"".to_owned()),
        6 => (0u64..300).prop_map(|v| v.to_string()),
        4 => (0u64..300).prop_map(|v| format!("\"{v}\"")),
        1 => Just("18446744073709551616".to_owned()),
        1 => Just("\"115792089237316195423570985008687907853269984665640564039457584007913129639935\"".to_owned()),
        2 => (-200i64..0).prop_map(|v| v.to_string()),
        1 => Just("1.5".to_owned()),
        1 => Just("-0".to_owned()),
        2 => any::<bool>().prop_map(|b| b.to_string()),
        1 => Just("\"true\"".to_owned()),
        1 => Just("null".to_owned()),
        2 => Just(format!("\"0x{}\"", "ab".repeat(32))),
        2 => "[ -~]{0,6}".prop_map(|s| format!("\"{}\"", s.replace('\\', "/").replace('"', "'"))),
        1 => Just("\"say \\\"hi\\\", ],[\"".to_owned()),
        1 => Just("\"é 🚀 ], [\\u00e9\"".to_owned()),
        1 => Just("[1]".to_owned()),
        1 => Just("{\"a\":1}".to_owned()),
    ]
}

/// A cell the type takes.
fn good(ty: &str) -> BoxedStrategy<String> {
    match ty {
        "address" => prop_oneof![
            Just("\"0x00000000000000000000000000000000000000aa\"".to_owned()),
            Just("\"0x00000000000000000000000000000000000000BB\"".to_owned()),
        ]
        .boxed(),
        "uint256" => prop_oneof![
            any::<u64>().prop_map(|v| v.to_string()),
            any::<u128>().prop_map(|v| format!("\"{v}\"")),
        ]
        .boxed(),
        "uint8" => (0u8..=255).prop_map(|v| v.to_string()).boxed(),
        "int8" => (-128i64..128).prop_map(|v| v.to_string()).boxed(),
        "bool" => any::<bool>().prop_map(|b| b.to_string()).boxed(),
        "bytes32" => Just(format!("\"0x{}\"", "ab".repeat(32))).boxed(),
        _ => prop_oneof![
            "[ -~]{0,6}".prop_map(|s| format!("\"{}\"", s.replace('\\', "/").replace('"', "'"))),
            Just("\"say \\\"hi\\\", ],[\"".to_owned()),
            Just("\"é 🚀 ], [\\u00e9\"".to_owned()),
        ]
        .boxed(),
    }
}

/// An encoding's index and a document for it: mostly rows of its width with cells it takes,
/// sometimes anything.
fn document() -> impl Strategy<Value = (usize, String)> {
    (0usize..3).prop_flat_map(|which| {
        let types = encodings()[which].clone();
        let good_row = types
            .iter()
            .map(|t| prop_oneof![40 => good(t), 1 => cell().boxed()])
            .collect::<Vec<_>>()
            .prop_map(|c| format!("[{}]", c.join(", ")));
        let any_row =
            prop::collection::vec(cell(), 1..5).prop_map(|c| format!("[{}]", c.join(",")));
        let row = prop_oneof![40 => good_row.boxed(), 1 => any_row.boxed()];
        (Just(which), prop::collection::vec(row, 0..20), 0u8..20).prop_map(
            |(which, rows, shape)| {
                let inner = rows.join(",\n");
                let doc = match shape {
                    0 => format!("[{inner},]"),
                    1 => format!("{{\"a\":[{inner}]}}"),
                    _ => format!(" [{inner}]\n"),
                };
                (which, doc)
            },
        )
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1500))]

    /// The typed reader takes exactly the documents the `Value` path reads without error, and
    /// reads the same values, whatever the piece size.
    #[test]
    fn typed_values_read_as_the_value_path(
        (which, doc) in document(),
        chunk in 1usize..64,
    ) {
        let (_, types) = parse_encoding(&encodings()[which]).unwrap();
        let reference = read_values_value(doc.as_bytes(), "in.json", &types);
        let typed = read_values(doc.as_bytes(), &types, chunk);
        prop_assert_eq!(typed.is_some(), reference.is_ok(), "{}", doc);
        if let (Some(typed), Ok(reference)) = (typed, reference) {
            prop_assert_eq!(typed, reference, "{}", doc);
        }
    }
}

/// Rows of the right width and valid cells are taken, whatever the encoding.
#[test]
fn plain_values_arrays_are_taken() {
    let (_, types) = parse_encoding(&encodings()[0]).unwrap();
    let doc = br#"[["0x00000000000000000000000000000000000000aa", 5, "7"],
                   ["0x00000000000000000000000000000000000000bb", "16", 0]]"#;
    let reference = read_values_value(doc, "in.json", &types).unwrap();
    for chunk in 1..doc.len() {
        let rows = read_values(doc, &types, chunk).unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows, reference);
    }
}

/// The documents above are both accepted and refused, often enough for the property to hold
/// something on each side.
#[test]
fn generated_documents_are_both_accepted_and_refused() {
    use proptest::strategy::ValueTree;
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let (mut ok, total) = (0, 600);
    for _ in 0..total {
        let (which, doc) = document().new_tree(&mut runner).unwrap().current();
        let (_, types) = parse_encoding(&encodings()[which]).unwrap();
        ok += usize::from(read_values_value(doc.as_bytes(), "in.json", &types).is_ok());
    }
    assert!(
        ok > total / 5 && ok < total * 4 / 5,
        "{ok} of {total} accepted"
    );
}
