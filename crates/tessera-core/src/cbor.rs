//! Strict CBOR helpers: bounded decoding, the canonical-bytes check, and typed accessors that
//! name what was wrong.

use ciborium::value::{Integer, Value};

/// Maximum nesting depth of any Tessera structure (the deepest is 4).
const RECURSION_LIMIT: usize = 8;

/// A description of what was malformed, for error messages.
pub(crate) type Malformed = String;

/// Decodes one CBOR item that must fill `bytes` exactly and be in the canonical form that our
/// encoder produces (definite lengths, shortest integers and lengths): decoding then encoding
/// must give the same bytes. Anything else could hide a second meaning from a signature.
pub(crate) fn decode_canonical(bytes: &[u8], what: &str) -> Result<Value, Malformed> {
    let value: Value = ciborium::de::from_reader_with_recursion_limit(bytes, RECURSION_LIMIT)
        .map_err(|e| format!("{what}: not valid cbor ({e})"))?;
    if encode(&value) != bytes {
        return Err(format!(
            "{what}: not in canonical cbor form (trailing bytes, indefinite lengths or long encodings)"
        ));
    }
    Ok(value)
}

/// Encodes a value. Writing into a `Vec` cannot fail.
pub(crate) fn encode(value: &Value) -> Vec<u8> {
    let mut out = Vec::new();
    // Serialising a `Value` into a Vec has no failure path; keep the empty result otherwise.
    let _ = ciborium::ser::into_writer(value, &mut out);
    out
}

pub(crate) fn uint(v: u64) -> Value {
    Value::Integer(Integer::from(v))
}

pub(crate) fn int(v: i64) -> Value {
    Value::Integer(Integer::from(v))
}

pub(crate) fn as_array<'a>(v: &'a Value, what: &str) -> Result<&'a [Value], Malformed> {
    match v {
        Value::Array(a) => Ok(a),
        _ => Err(format!("{what}: expected an array")),
    }
}

pub(crate) fn as_array_len<'a>(
    v: &'a Value,
    len: usize,
    what: &str,
) -> Result<&'a [Value], Malformed> {
    let a = as_array(v, what)?;
    if a.len() != len {
        return Err(format!(
            "{what}: expected {len} elements, found {}",
            a.len()
        ));
    }
    Ok(a)
}

pub(crate) fn as_u64(v: &Value, what: &str) -> Result<u64, Malformed> {
    match v {
        Value::Integer(i) => u64::try_from(*i).map_err(|_| format!("{what}: out of range")),
        _ => Err(format!("{what}: expected an unsigned integer")),
    }
}

pub(crate) fn as_i64(v: &Value, what: &str) -> Result<i64, Malformed> {
    match v {
        Value::Integer(i) => i64::try_from(*i).map_err(|_| format!("{what}: out of range")),
        _ => Err(format!("{what}: expected an integer")),
    }
}

pub(crate) fn as_bytes<'a>(v: &'a Value, what: &str) -> Result<&'a [u8], Malformed> {
    match v {
        Value::Bytes(b) => Ok(b),
        _ => Err(format!("{what}: expected a byte string")),
    }
}

pub(crate) fn as_fixed<const N: usize>(v: &Value, what: &str) -> Result<[u8; N], Malformed> {
    as_bytes(v, what)?
        .try_into()
        .map_err(|_| format!("{what}: expected exactly {N} bytes"))
}

pub(crate) fn as_text<'a>(v: &'a Value, what: &str) -> Result<&'a str, Malformed> {
    match v {
        Value::Text(t) => Ok(t),
        _ => Err(format!("{what}: expected a text string")),
    }
}

pub(crate) fn as_bool(v: &Value, what: &str) -> Result<bool, Malformed> {
    match v {
        Value::Bool(b) => Ok(*b),
        _ => Err(format!("{what}: expected a boolean")),
    }
}

/// Reads a map whose keys must be exactly `keys`, in that order (the canonical order): no
/// missing, unknown or duplicate keys. Returns the values in the same order.
pub(crate) fn map_exact<'a>(
    v: &'a Value,
    keys: &[i64],
    what: &str,
) -> Result<Vec<&'a Value>, Malformed> {
    let Value::Map(entries) = v else {
        return Err(format!("{what}: expected a map"));
    };
    if entries.len() != keys.len() {
        return Err(format!(
            "{what}: expected {} entries, found {}",
            keys.len(),
            entries.len()
        ));
    }
    let mut out = Vec::with_capacity(keys.len());
    for ((k, val), want) in entries.iter().zip(keys) {
        let got = as_i64(k, what)?;
        if got != *want {
            return Err(format!("{what}: expected key {want}, found {got}"));
        }
        out.push(val);
    }
    Ok(out)
}

pub(crate) fn map(entries: Vec<(i64, Value)>) -> Value {
    Value::Map(entries.into_iter().map(|(k, v)| (int(k), v)).collect())
}
