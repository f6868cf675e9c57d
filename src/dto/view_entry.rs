//! Entries of the client view, rendered once into their patch operation.
//!
//! Every kind of row that appears in the client view (today: messages) is mapped onto a
//! [`ViewEntry`]: its key and either a `put` of its value or, for a tombstone, a `del`.
//! Pulls, the full-view cache and the patch encoding only ever handle entries, so a
//! new kind needs a mapping like [`super::message_entry`] and nothing else here.

use serde::ser::SerializeSeq;
use serde::{Serialize, Serializer};
use serde_json::value::RawValue;
use std::sync::Arc;

/// One patch operation as the protocol spells it.
#[derive(Serialize)]
#[serde(tag = "op", rename_all = "lowercase")]
enum PatchOp<'a, V: Serialize> {
    /// Empty the client view; only ever the first operation.
    Clear,
    /// Set a key.
    Put { key: &'a str, value: &'a V },
    /// Remove a key.
    Del { key: &'a str },
}

/// An operation without a value (`clear`, `del`).
type Valueless<'a> = PatchOp<'a, ()>;

/// A key of the client view with its rendered operation.
#[derive(Debug, Clone)]
pub struct ViewEntry {
    key: String,
    op: Box<RawValue>,
    live: bool,
}

impl ViewEntry {
    /// `put key value`.
    pub fn put(key: String, value: &impl Serialize) -> serde_json::Result<Self> {
        let op = serde_json::value::to_raw_value(&PatchOp::Put { key: &key, value })?;
        Ok(ViewEntry {
            key,
            op,
            live: true,
        })
    }

    /// `del key`: the row behind it is a tombstone.
    pub fn del(key: String) -> serde_json::Result<Self> {
        let op = serde_json::value::to_raw_value(&Valueless::Del { key: &key })?;
        Ok(ViewEntry {
            key,
            op,
            live: false,
        })
    }

    /// The key in the client view.
    pub fn key(&self) -> &str {
        &self.key
    }

    /// True for a `put`, false for a `del`.
    pub fn is_live(&self) -> bool {
        self.live
    }

    /// The rendered operation.
    pub fn op(&self) -> &RawValue {
        &self.op
    }

    /// The key and the rendered operation.
    pub fn into_parts(self) -> (String, Box<RawValue>) {
        (self.key, self.op)
    }
}

/// The patch array: `clear` first when `clear` is set, then `ops` as they are.
pub fn serialize_patch<'a, S: Serializer>(
    clear: bool,
    ops: impl ExactSizeIterator<Item = &'a RawValue>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    let mut seq = serializer.serialize_seq(Some(ops.len() + usize::from(clear)))?;
    if clear {
        seq.serialize_element(&Valueless::Clear)?;
    }
    for op in ops {
        seq.serialize_element(op)?;
    }
    seq.end()
}

/// `clear` followed by the operations of a full view.
struct FullView<'a>(&'a [&'a RawValue]);

impl Serialize for FullView<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serialize_patch(true, self.0.iter().copied(), serializer)
    }
}

/// `view` (a full view's patch) with the live `extra` entries' operations appended; the
/// same view, shared, when there are none.
pub fn append_to_view(
    view: Arc<RawValue>,
    extra: &[ViewEntry],
) -> serde_json::Result<Arc<RawValue>> {
    let ops: Vec<&RawValue> = extra
        .iter()
        .filter(|e| e.is_live())
        .map(ViewEntry::op)
        .collect();
    if ops.is_empty() {
        return Ok(view);
    }
    let text = view.get();
    let mut joined =
        String::with_capacity(text.len() + ops.iter().map(|op| op.get().len() + 1).sum::<usize>());
    joined.push_str(text.strip_suffix(']').unwrap_or(text));
    for op in ops {
        joined.push(',');
        joined.push_str(op.get());
    }
    joined.push(']');
    RawValue::from_string(joined).map(Arc::from)
}

/// The patch of a full view, `clear` and then `ops`, assembled once and shared.
pub fn assemble_full_view<'a>(
    ops: impl Iterator<Item = &'a RawValue>,
) -> serde_json::Result<Arc<RawValue>> {
    let ops: Vec<&RawValue> = ops.collect();
    serde_json::value::to_raw_value(&FullView(&ops)).map(Arc::from)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Value};

    #[test]
    fn entries_render_protocol_operations() {
        let put = ViewEntry::put("k/1".into(), &json!({"a": 1})).unwrap_or_else(|e| panic!("{e}"));
        let del = ViewEntry::del("k/2".into()).unwrap_or_else(|e| panic!("{e}"));
        assert!(put.is_live() && !del.is_live());
        let view =
            assemble_full_view([put.op(), del.op()].into_iter()).unwrap_or_else(|e| panic!("{e}"));
        let value: Value = serde_json::from_str(view.get()).unwrap_or_default();
        assert_eq!(
            value,
            json!([{"op": "clear"}, {"op": "put", "key": "k/1", "value": {"a": 1}},
                   {"op": "del", "key": "k/2"}])
        );
    }
}
