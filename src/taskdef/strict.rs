//! What `serde_json` forgives and ECS's users should not be forgiven: a key written twice in one object.
//! `serde_json` keeps the last one silently (`"family":"web","family":"evil"` reads as `evil`), so a
//! reviewer reading the first would approve something else. This walks the text once, remembering each
//! object's keys, and names the first repeated one by its JSON path.

use std::cell::RefCell;
use std::collections::BTreeSet;
use std::fmt;

use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};

/// The JSON path (`containerDefinitions[0].image`) of the first key an object repeats; None when every
/// object's keys are distinct (or the text is not JSON: the caller reports that).
pub(super) fn first_duplicate_key(text: &str) -> Option<String> {
    let found = RefCell::new(None);
    let mut de = serde_json::Deserializer::from_str(text);
    let _ = Walk {
        path: String::new(),
        found: &found,
    }
    .deserialize(&mut de);
    found.into_inner()
}

/// One value at `path`; a duplicate key found below is written to `found` (and stops the walk).
struct Walk<'a> {
    path: String,
    found: &'a RefCell<Option<String>>,
}

impl Walk<'_> {
    fn at(&self, path: String) -> Walk<'_> {
        Walk {
            path,
            found: self.found,
        }
    }
}

impl<'de> DeserializeSeed<'de> for Walk<'_> {
    type Value = ();

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Walk<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(self, _: bool) -> Result<(), E> {
        Ok(())
    }

    fn visit_i64<E>(self, _: i64) -> Result<(), E> {
        Ok(())
    }

    fn visit_u64<E>(self, _: u64) -> Result<(), E> {
        Ok(())
    }

    fn visit_f64<E>(self, _: f64) -> Result<(), E> {
        Ok(())
    }

    fn visit_str<E>(self, _: &str) -> Result<(), E> {
        Ok(())
    }

    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let mut i = 0usize;
        while seq
            .next_element_seed(self.at(format!("{}[{i}]", self.path)))?
            .is_some()
        {
            i += 1;
        }
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut seen = BTreeSet::new();
        while let Some(key) = map.next_key::<String>()? {
            let path = if self.path.is_empty() {
                key.clone()
            } else {
                format!("{}.{key}", self.path)
            };
            if !seen.insert(key) {
                *self.found.borrow_mut() = Some(path);
                return Err(de::Error::custom("duplicate key"));
            }
            map.next_value_seed(self.at(path))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::first_duplicate_key;

    #[test]
    fn names_the_first_repeated_key_by_its_path() {
        assert_eq!(
            first_duplicate_key(r#"{"family":"web","family":"evil"}"#).as_deref(),
            Some("family")
        );
        assert_eq!(
            first_duplicate_key(
                r#"{"family":"web","containerDefinitions":[{"name":"a"},{"name":"b","image":"x","image":"y"}]}"#
            )
            .as_deref(),
            Some("containerDefinitions[1].image")
        );
        assert_eq!(
            first_duplicate_key(r#"{"a":{"b":[1,{"c":null,"c":2}]}}"#).as_deref(),
            Some("a.b[1].c")
        );
    }

    #[test]
    fn distinct_keys_in_different_objects_are_fine() {
        assert_eq!(
            first_duplicate_key(
                r#"{"family":"web","containerDefinitions":[{"name":"a","image":"x"},{"name":"b","image":"x"}],"x":{"name":1}}"#
            ),
            None
        );
        assert_eq!(first_duplicate_key("{not json"), None);
        assert_eq!(
            first_duplicate_key(r#"[1, 2.5, -3, "s", true, null]"#),
            None
        );
    }
}
