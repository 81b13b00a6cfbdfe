//! What the GeoJSON readers' serde visitors share: most of them take every
//! JSON scalar the same way (as "something else", null as null).

/// The scalar methods of a `Visitor` whose value is `$other` for a boolean,
/// number or string and `$null` for null.
macro_rules! scalars_are {
    ($out:ty: $other:expr, null: $null:expr) => {
        fn visit_bool<E>(self, _: bool) -> Result<$out, E> {
            Ok($other)
        }
        fn visit_i64<E>(self, _: i64) -> Result<$out, E> {
            Ok($other)
        }
        fn visit_u64<E>(self, _: u64) -> Result<$out, E> {
            Ok($other)
        }
        fn visit_f64<E>(self, _: f64) -> Result<$out, E> {
            Ok($other)
        }
        fn visit_str<E>(self, _: &str) -> Result<$out, E> {
            Ok($other)
        }
        fn visit_unit<E>(self) -> Result<$out, E> {
            Ok($null)
        }
        fn visit_none<E>(self) -> Result<$out, E> {
            Ok($null)
        }
    };
}

/// The container methods of a `Visitor` that skips arrays and objects
/// unread (IgnoredAny keeps nothing) and takes them as `$value`.
macro_rules! containers_are {
    ($out:ty: $value:expr) => {
        fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<$out, A::Error> {
            while seq.next_element::<serde::de::IgnoredAny>()?.is_some() {}
            Ok($value)
        }
        fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<$out, A::Error> {
            while map.next_entry::<serde::de::IgnoredAny, serde::de::IgnoredAny>()?.is_some() {}
            Ok($value)
        }
    };
}

/// `DeserializeSeed` for a seed that is its own `Visitor` of any JSON value.
macro_rules! seed_visits_any {
    ($seed:ty => $value:ty) => {
        impl<'de> serde::de::DeserializeSeed<'de> for $seed {
            type Value = $value;
            fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<$value, D::Error> {
                d.deserialize_any(self)
            }
        }
    };
}
