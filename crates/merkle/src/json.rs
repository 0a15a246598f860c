//! JSON as users write it, read strictly: a key given twice in one object is an error naming
//! the key, never a silent "the last one wins" (a balance map with one address twice would
//! otherwise pay only one of the amounts, and a spec field given twice could hide the other).

use crate::address::shown;
use serde::de::{Deserialize, Deserializer, Error, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};
use std::io::Read;

#[path = "json_items.rs"]
pub mod items;

/// Parses JSON from a reader, refusing duplicate keys.
pub fn from_reader(reader: impl Read) -> serde_json::Result<Value> {
    let mut de = serde_json::Deserializer::from_reader(reader);
    let Strict(v) = Strict::deserialize(&mut de)?;
    de.end()?;
    Ok(v)
}

/// Parses JSON from bytes, refusing duplicate keys.
pub fn from_slice(data: &[u8]) -> serde_json::Result<Value> {
    let mut de = serde_json::Deserializer::from_slice(data);
    let Strict(v) = Strict::deserialize(&mut de)?;
    de.end()?;
    Ok(v)
}

/// Parses JSON from text, refusing duplicate keys.
pub fn from_str(text: &str) -> serde_json::Result<Value> {
    from_slice(text.as_bytes())
}

struct Strict(Value);

impl<'de> Deserialize<'de> for Strict {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(StrictVisitor).map(Strict)
    }
}

struct StrictVisitor;

impl<'de> Visitor<'de> for StrictVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E: Error>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E: Error>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }
    fn visit_u64<E: Error>(self, v: u64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }
    fn visit_f64<E: Error>(self, v: f64) -> Result<Value, E> {
        Ok(Number::from_f64(v).map_or(Value::Null, Value::Number))
    }
    fn visit_str<E: Error>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }
    fn visit_string<E: Error>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }
    fn visit_unit<E: Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E: Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        Strict::deserialize(d).map(|s| s.0)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(4096));
        while let Some(Strict(v)) = seq.next_element()? {
            items.push(v);
        }
        Ok(Value::Array(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut out = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            if out.contains_key(&key) {
                return Err(A::Error::custom(format!(
                    "duplicate key {}; each key may appear once in an object (merge the entries)",
                    shown(&key)
                )));
            }
            let Strict(v) = map.next_value()?;
            out.insert(key, v);
        }
        Ok(Value::Object(out))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn duplicate_keys_are_refused_with_the_key_named() {
        let text = "{\n \"0xaa\": \"1\",\n \"b\": {\"x\": 1, \"x\": 2}\n}";
        let msg = from_str(text).unwrap_err().to_string();
        assert!(msg.starts_with("duplicate key \"x\""), "{msg}");
        assert!(msg.contains("line 3"), "{msg}");
        let msg = from_str(r#"{"0xAA":"1","0xAA":"2"}"#)
            .unwrap_err()
            .to_string();
        assert!(msg.starts_with("duplicate key \"0xAA\""), "{msg}");
    }

    #[test]
    fn same_values_as_serde_json() {
        let text = r#"{"a":[1,-2,3.5,"s",true,null,{"b":18446744073709551615}],"c":{}}"#;
        let ours = from_str(text).unwrap();
        let theirs: Value = serde_json::from_str(text).unwrap();
        assert_eq!(ours, theirs);
        assert_eq!(ours.to_string(), theirs.to_string());
        assert!(from_str("[1] x").is_err());
    }
}
