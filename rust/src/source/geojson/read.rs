//! GeoJSON read from text without a JSON tree for its coordinates.
//!
//! A parsed `serde_json::Value` takes about 300 bytes per position (three
//! values, two vectors); GeoJSON is mostly positions. Here a position is two
//! numbers in place, and a list of positions one vector of them, so reading
//! costs about 16 bytes per position. Only the members the conversion looks
//! at are kept (`type`, `features`, `geometry`, `geometries`,
//! `coordinates`, `properties`, `id`); the rest are skipped unread. A
//! repeated member keeps its last value, as `Value` does.
//!
//! What a read makes is charged to a [`Meter`] as it is made: past its
//! limit the read stops ([`ReadError::TooBig`]). `type` and `id` are kept
//! only when they are a string (a number or string, for `id`).
//!
//! A read can be given up: [`Node::from_slice_while`] asks `wanted()`
//! before the first object and every [`ASK_EVERY`] objects after it, so
//! a big data set nobody wants any more (its map is gone) stops being read.

use serde::de::{Deserialize, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::Value as Json;
use std::cell::Cell;
use std::fmt;

use crate::data::json::Meter;
use super::props::{Keys, Props, PropsSeed};
use crate::data::value::Value;

/// A GeoJSON value where an object or array of objects is expected.
#[derive(Debug, PartialEq)]
pub enum Node {
    Null,
    Object(Box<Object>),
    Array(Vec<Node>),
    /// Anything else (a number, a string, a boolean).
    Other,
}

/// The members of a GeoJSON object that the conversion reads.
#[derive(Debug, Default, PartialEq)]
pub struct Object {
    /// `type`, when it is a string.
    pub ty: Option<String>,
    pub features: Option<Node>,
    pub geometry: Option<Node>,
    pub geometries: Option<Node>,
    pub coordinates: Option<Coords>,
    pub properties: Option<Props>,
    pub id: Option<Id>,
}

/// An `id` member.
#[derive(Debug, PartialEq)]
pub enum Id {
    Null,
    /// A number or a string.
    Value(Value),
    /// Anything else (an error for the conversion), not read.
    Other,
}

/// A `coordinates` value.
#[derive(Debug, PartialEq)]
pub enum Coords {
    Num(f64),
    /// An array whose first two members are numbers (the rest unread).
    Pos([f64; 2]),
    /// An array of positions.
    Positions(Vec<[f64; 2]>),
    /// Any other array.
    List(Vec<Coords>),
    /// Not a number or an array.
    Other,
}

/// One member of a `coordinates` array, seen as a coordinates value.
#[derive(Clone, Copy, Debug)]
pub enum Item<'a> {
    Coords(&'a Coords),
    Pos([f64; 2]),
    Num(f64),
}

impl<'a> Item<'a> {
    /// The members of this value, when it is an array.
    pub fn items(self) -> Option<Items<'a>> {
        match self {
            Item::Coords(Coords::Num(_) | Coords::Other) | Item::Num(_) => None,
            _ => Some(Items { of: self, next: 0 }),
        }
    }

    /// This value as a position (longitude, latitude).
    pub fn position(self) -> Result<(f64, f64), String> {
        let len = match self {
            Item::Coords(Coords::Pos([x, y])) => return Ok((*x, *y)),
            Item::Pos([x, y]) => return Ok((x, y)),
            Item::Coords(Coords::Num(_) | Coords::Other) | Item::Num(_) => return Err("a position must be an array of numbers".into()),
            Item::Coords(Coords::Positions(v)) => v.len(),
            Item::Coords(Coords::List(v)) => v.len(),
        };
        if len < 2 {
            Err("a position needs at least two numbers".into())
        } else {
            Err("a position must hold numbers".into())
        }
    }
}

/// The members of an array value, in order.
pub struct Items<'a> {
    of: Item<'a>,
    next: usize,
}

impl<'a> Items<'a> {
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn len(&self) -> usize {
        match self.of {
            Item::Coords(Coords::Positions(v)) => v.len(),
            Item::Coords(Coords::List(v)) => v.len(),
            Item::Coords(Coords::Pos(_)) | Item::Pos(_) => 2,
            _ => 0,
        }
    }
}

impl<'a> Iterator for Items<'a> {
    type Item = Item<'a>;
    fn next(&mut self) -> Option<Item<'a>> {
        let i = self.next;
        self.next += 1;
        match self.of {
            Item::Coords(Coords::Positions(v)) => v.get(i).map(|p| Item::Pos(*p)),
            Item::Coords(Coords::List(v)) => v.get(i).map(Item::Coords),
            Item::Coords(Coords::Pos(p)) => p.get(i).map(|x| Item::Num(*x)),
            Item::Pos(p) => p.get(i).map(|x| Item::Num(*x)),
            _ => None,
        }
    }
}

/// How many objects a read takes between two questions to `wanted()`.
pub const ASK_EVERY: u32 = 256;

/// Why a read failed.
#[derive(Debug)]
pub enum ReadError {
    /// `wanted()` said no: the read stopped there.
    NotWanted,
    /// What was read took more than `max` bytes: the read stopped there.
    TooBig { max: u64 },
    /// The text is not JSON (or trails text after it).
    Json(serde_json::Error),
}

/// Whether a read is still wanted, asked as objects are read; a read
/// nobody can stop (`wanted` is `None`) neither counts nor asks.
struct Ask<'w> {
    wanted: Option<&'w dyn Fn() -> bool>,
    objects: Cell<u32>,
    /// Set when `wanted()` said no, so the error the read unwinds with
    /// is told from a JSON error without reading its message.
    stopped: Cell<bool>,
    /// Property keys, shared between the features.
    keys: Keys,
    /// What the read has made.
    meter: Meter,
}

impl<'w> Ask<'w> {
    fn new(wanted: Option<&'w dyn Fn() -> bool>, meter: Meter) -> Ask<'w> {
        Ask { wanted, objects: Cell::new(0), stopped: Cell::new(false), keys: Keys::default(), meter }
    }

    /// Counts an object; every [`ASK_EVERY`]th (the first included) asks.
    fn object<E: serde::de::Error>(&self) -> Result<(), E> {
        let Some(wanted) = self.wanted else { return Ok(()) };
        let n = self.objects.get();
        self.objects.set(n.wrapping_add(1));
        if n % ASK_EVERY == 0 && !wanted() {
            self.stopped.set(true);
            return Err(E::custom("no longer wanted"));
        }
        Ok(())
    }
}

impl Node {
    /// Reads GeoJSON text.
    pub fn from_slice(text: &[u8]) -> Result<Node, serde_json::Error> {
        Node::read(text, &Ask::new(None, Meter::unlimited()))
    }

    /// Reads GeoJSON text, giving up ([`ReadError::NotWanted`]) as soon
    /// as `wanted()` is false, and ([`ReadError::TooBig`]) as soon as what
    /// it made takes more than `max_bytes`.
    pub fn from_slice_while(text: &[u8], wanted: &dyn Fn() -> bool, max_bytes: u64) -> Result<Node, ReadError> {
        let ask = Ask::new(Some(wanted), Meter::new(max_bytes));
        Node::read(text, &ask).map_err(|e| {
            if ask.stopped.get() {
                ReadError::NotWanted
            } else if ask.meter.over() {
                ReadError::TooBig { max: ask.meter.max() }
            } else {
                ReadError::Json(e)
            }
        })
    }

    fn read(text: &[u8], ask: &Ask) -> Result<Node, serde_json::Error> {
        let mut json = serde_json::Deserializer::from_slice(text);
        let node = NodeSeed(ask).deserialize(&mut json)?;
        json.end()?;
        Ok(node)
    }

    /// Reads an already parsed JSON value.
    pub fn from_value(json: &Json) -> Node {
        // A `Value` always deserializes into a `Node`.
        Node::deserialize(json).unwrap_or(Node::Other)
    }
}

impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Node, D::Error> {
        NodeSeed(&Ask::new(None, Meter::unlimited())).deserialize(d)
    }
}

/// Reads a [`Node`], asking `wanted` on the way.
#[derive(Clone, Copy)]
struct NodeSeed<'a, 'w>(&'a Ask<'w>);

seed_visits_any!(NodeSeed<'_, '_> => Node);

impl<'de> Visitor<'de> for NodeSeed<'_, '_> {
    type Value = Node;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("GeoJSON")
    }
    // Scalars are kept only as "something else" (the conversion reads
    // strings and numbers from `properties` and `id`, read by their own seeds).
    scalars_are!(Node: Node::Other, null: Node::Null);
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Node, A::Error> {
        let mut out = Vec::new();
        while let Some(n) = seq.next_element_seed(self)? {
            self.0.meter.charge_for::<Node, _>(0)?;
            out.push(n);
        }
        Ok(Node::Array(out))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Node, A::Error> {
        self.0.object()?;
        let meter = &self.0.meter;
        meter.charge_for::<Object, _>(16)?;
        let mut o = Object::default();
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "type" => o.ty = map.next_value_seed(TypeSeed(meter))?,
                "features" => o.features = Some(map.next_value_seed(self)?),
                "geometry" => o.geometry = Some(map.next_value_seed(self)?),
                "geometries" => o.geometries = Some(map.next_value_seed(self)?),
                "coordinates" => o.coordinates = Some(map.next_value_seed(CoordsSeed(meter))?),
                "properties" => o.properties = Some(map.next_value_seed(PropsSeed(&self.0.keys, meter))?),
                "id" => o.id = Some(map.next_value_seed(IdSeed(meter))?),
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(Node::Object(Box::new(o)))
    }
}

impl<'de> Deserialize<'de> for Coords {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Coords, D::Error> {
        CoordsSeed(&Meter::unlimited()).deserialize(d)
    }
}

/// Reads a `coordinates` value, charging its positions and lists.
#[derive(Clone, Copy)]
struct CoordsSeed<'m>(&'m Meter);

seed_visits_any!(CoordsSeed<'_> => Coords);

impl<'de> Visitor<'de> for CoordsSeed<'_> {
    type Value = Coords;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("GeoJSON coordinates")
    }
    fn visit_bool<E>(self, _: bool) -> Result<Coords, E> {
        Ok(Coords::Other)
    }
    fn visit_i64<E>(self, v: i64) -> Result<Coords, E> {
        Ok(Coords::Num(v as f64))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Coords, E> {
        Ok(Coords::Num(v as f64))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Coords, E> {
        Ok(Coords::Num(v))
    }
    fn visit_str<E>(self, _: &str) -> Result<Coords, E> {
        Ok(Coords::Other)
    }
    fn visit_unit<E>(self) -> Result<Coords, E> {
        Ok(Coords::Other)
    }
    fn visit_none<E>(self) -> Result<Coords, E> {
        Ok(Coords::Other)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Coords, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(Coords::Other)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Coords, A::Error> {
        let meter = self.0;
        let rest = |mut list: Vec<Coords>, seq: &mut A| -> Result<Coords, A::Error> {
            while let Some(c) = seq.next_element_seed(self)? {
                meter.charge_for::<Coords, _>(0)?;
                list.push(c);
            }
            Ok(Coords::List(list))
        };
        match seq.next_element_seed(self)? {
            None => Ok(Coords::List(Vec::new())),
            Some(Coords::Num(x)) => match seq.next_element_seed(self)? {
                Some(Coords::Num(y)) => {
                    // A position: altitude and anything after it are not used.
                    while seq.next_element::<IgnoredAny>()?.is_some() {}
                    Ok(Coords::Pos([x, y]))
                }
                second => {
                    let list: Vec<Coords> = [Some(Coords::Num(x)), second].into_iter().flatten().collect();
                    meter.charge(list.len() * std::mem::size_of::<Coords>())?;
                    rest(list, &mut seq)
                }
            },
            Some(Coords::Pos(p)) => {
                meter.charge_for::<[f64; 2], _>(0)?;
                let mut positions = vec![p];
                loop {
                    match seq.next_element_seed(self)? {
                        None => return Ok(Coords::Positions(positions)),
                        Some(Coords::Pos(p)) => {
                            meter.charge_for::<[f64; 2], _>(0)?;
                            positions.push(p)
                        }
                        Some(other) => {
                            let mut list: Vec<Coords> = positions.into_iter().map(Coords::Pos).collect();
                            list.push(other);
                            meter.charge(list.len() * std::mem::size_of::<Coords>())?;
                            return rest(list, &mut seq);
                        }
                    }
                }
            }
            Some(first) => {
                meter.charge_for::<Coords, _>(0)?;
                rest(vec![first], &mut seq)
            }
        }
    }
}

/// Reads a `type` member: a string is kept, anything else is not read.
struct TypeSeed<'m>(&'m Meter);

seed_visits_any!(TypeSeed<'_> => Option<String>);

impl<'de> Visitor<'de> for TypeSeed<'_> {
    type Value = Option<String>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a GeoJSON type")
    }
    fn visit_bool<E>(self, _: bool) -> Result<Option<String>, E> {
        Ok(None)
    }
    fn visit_i64<E>(self, _: i64) -> Result<Option<String>, E> {
        Ok(None)
    }
    fn visit_u64<E>(self, _: u64) -> Result<Option<String>, E> {
        Ok(None)
    }
    fn visit_f64<E>(self, _: f64) -> Result<Option<String>, E> {
        Ok(None)
    }
    fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<Option<String>, E> {
        self.0.charge(s.len())?;
        Ok(Some(s.to_string()))
    }
    fn visit_unit<E>(self) -> Result<Option<String>, E> {
        Ok(None)
    }
    fn visit_none<E>(self) -> Result<Option<String>, E> {
        Ok(None)
    }
    containers_are!(Option<String>: None);
}

/// Reads an `id` member: a number or string is kept, anything else is not
/// read.
struct IdSeed<'m>(&'m Meter);

seed_visits_any!(IdSeed<'_> => Id);

impl<'de> Visitor<'de> for IdSeed<'_> {
    type Value = Id;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a GeoJSON id")
    }
    fn visit_bool<E>(self, _: bool) -> Result<Id, E> {
        Ok(Id::Other)
    }
    fn visit_i64<E>(self, v: i64) -> Result<Id, E> {
        Ok(Id::Value(Value::Number(v as f64)))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Id, E> {
        Ok(Id::Value(Value::Number(v as f64)))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Id, E> {
        Ok(Id::Value(Value::Number(v)))
    }
    fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<Id, E> {
        self.0.charge(s.len())?;
        Ok(Id::Value(Value::String(s.to_string())))
    }
    fn visit_unit<E>(self) -> Result<Id, E> {
        Ok(Id::Null)
    }
    fn visit_none<E>(self) -> Result<Id, E> {
        Ok(Id::Null)
    }
    containers_are!(Id: Id::Other);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn coords(text: &str) -> Coords {
        serde_json::from_str(text).unwrap()
    }

    #[test]
    fn a_read_nobody_wants_stops_within_ask_every_objects() {
        let feature = r#"{"type": "Feature", "properties": {"a": 1}, "geometry": {"type": "Point", "coordinates": [1, 2]}}"#;
        let text = format!(r#"{{"type": "FeatureCollection", "features": [{}]}}"#, vec![feature; 1000].join(","));
        let asked = Cell::new(0u32);
        let node = Node::from_slice_while(text.as_bytes(), &|| {
            asked.set(asked.get() + 1);
            true
        }, u64::MAX)
        .unwrap();
        assert!(matches!(&node, Node::Object(o) if matches!(&o.features, Some(Node::Array(f)) if f.len() == 1000)));
        // 2001 objects: the collection, and a feature and its geometry each.
        assert_eq!(asked.get(), 2001u32.div_ceil(ASK_EVERY), "asked before the first object and every ASK_EVERY after it");
        // No longer wanted at the k-th question: the read stops there.
        for k in 1..=3 {
            asked.set(0);
            let err = Node::from_slice_while(text.as_bytes(), &|| {
                asked.set(asked.get() + 1);
                asked.get() < k
            }, u64::MAX)
            .unwrap_err();
            assert!(matches!(err, ReadError::NotWanted), "{err:?}");
            assert_eq!(asked.get(), k, "asked again after the answer no");
        }
        // Broken JSON is still a syntax error, and trailing text is refused.
        assert!(matches!(Node::from_slice_while(b"{\"type\": ", &|| true, u64::MAX), Err(ReadError::Json(e)) if e.is_eof()));
        assert!(matches!(Node::from_slice_while(b"{} {}", &|| true, u64::MAX), Err(ReadError::Json(e)) if e.is_syntax()));
        // A read nobody can stop neither counts nor asks.
        let never = Ask::new(None, Meter::unlimited());
        for _ in 0..3 {
            never.object::<serde_json::Error>().unwrap();
        }
        assert_eq!(never.objects.get(), 0);
        // A JSON error that happens to read like the stop is still a JSON error.
        assert!(matches!(Node::from_slice_while(b"{\"type\": no longer wanted", &|| true, u64::MAX), Err(ReadError::Json(_))));
    }

    #[test]
    fn a_read_stops_once_what_it_made_passes_its_limit() {
        // Shapes whose values take more than twice their text: empty
        // objects, empty coordinate lists, positions, short properties,
        // objects in a property.
        let shapes = [
            format!(r#"{{"type": "FeatureCollection", "features": [{}]}}"#, vec!["{}"; 2000].join(",")),
            format!(r#"{{"type": "MultiPoint", "coordinates": [{}]}}"#, vec!["[]"; 2000].join(",")),
            format!(r#"{{"type": "MultiPoint", "coordinates": [{}]}}"#, vec!["[0,0]"; 2000].join(",")),
            format!(r#"{{"type": "Feature", "properties": {{{}}}}}"#, (0..2000).map(|i| format!(r#""k{i}":0"#)).collect::<Vec<_>>().join(",")),
            format!(r#"{{"type": "Feature", "properties": {{"a": [{}]}}}}"#, vec![r#"{"b": "xyz"}"#; 2000].join(",")),
        ];
        for text in &shapes {
            let whole = Node::from_slice(text.as_bytes()).unwrap();
            let under = text.len() as u64 * 100;
            assert_eq!(Node::from_slice_while(text.as_bytes(), &|| true, under).unwrap(), whole, "{}", &text[..40]);
            let limit = text.len() as u64 * 2;
            let err = Node::from_slice_while(text.as_bytes(), &|| true, limit).unwrap_err();
            assert!(matches!(err, ReadError::TooBig { max } if max == limit), "{}: {err:?}", &text[..40]);
        }
        // Members that are not kept are not charged: long `type`, `id` and
        // unknown arrays read under a small limit.
        let skipped = format!(r#"{{"type": [{0}], "id": [{0}], "other": [{0}]}}"#, vec!["0"; 5000].join(","));
        let Node::Object(o) = Node::from_slice_while(skipped.as_bytes(), &|| true, 1000).unwrap() else { panic!() };
        assert_eq!((o.ty, o.id), (None, Some(Id::Other)));
    }

    #[test]
    fn positions_are_numbers_in_place() {
        assert_eq!(coords("[1, 2]"), Coords::Pos([1.0, 2.0]));
        assert_eq!(coords("[1, 2, 3, [4], null]"), Coords::Pos([1.0, 2.0]));
        assert_eq!(coords("[[1, 2], [3, 4.5]]"), Coords::Positions(vec![[1.0, 2.0], [3.0, 4.5]]));
        assert_eq!(coords("[[[1, 2]], []]"), Coords::List(vec![Coords::Positions(vec![[1.0, 2.0]]), Coords::List(vec![])]));
        assert_eq!(coords("[[1, 2], 3]"), Coords::List(vec![Coords::Pos([1.0, 2.0]), Coords::Num(3.0)]));
        assert_eq!(coords("[1]"), Coords::List(vec![Coords::Num(1.0)]));
        assert_eq!(coords("[1, \"a\"]"), Coords::List(vec![Coords::Num(1.0), Coords::Other]));
        assert_eq!(coords("{\"a\": [1, 2]}"), Coords::Other);
    }

    #[test]
    fn position_errors_read_as_for_a_json_tree() {
        for (text, message) in [
            ("5", "a position must be an array of numbers"),
            ("[1]", "a position needs at least two numbers"),
            ("[]", "a position needs at least two numbers"),
            ("[1, \"a\"]", "a position must hold numbers"),
            ("[[1, 2], [3, 4]]", "a position must hold numbers"),
        ] {
            assert_eq!(Item::Coords(&coords(text)).position().unwrap_err(), message, "{text}");
        }
        assert_eq!(Item::Coords(&coords("[1, 2, 7]")).position().unwrap(), (1.0, 2.0));
    }

    #[test]
    fn only_the_members_read_are_kept_and_the_last_repeat_wins() {
        let node = Node::from_slice(br#"{"type": "Feature", "big": [[1, 2], [3, 4]], "id": 1, "id": "b",
            "geometry": {"type": "Point", "coordinates": [1, 2]}, "type": "Feature", "properties": {"a": [1]}}"#)
        .unwrap();
        let Node::Object(o) = node else { panic!() };
        assert_eq!(o.ty.as_deref(), Some("Feature"));
        assert_eq!(o.id, Some(Id::Value(Value::String("b".into()))));
        let a = crate::source::feature::Properties::from(vec![("a".into(), crate::data::value::Value::Array(vec![crate::data::value::Value::Number(1.0)]))]);
        assert_eq!(o.properties, Some(Props::Object(std::sync::Arc::new(a))));
        let Some(Node::Object(g)) = &o.geometry else { panic!() };
        assert_eq!(g.coordinates, Some(Coords::Pos([1.0, 2.0])));
        // The same from a parsed value.
        let json: Json = serde_json::from_str(r#"{"type": "Point", "coordinates": [[1, 2]]}"#).unwrap();
        let Node::Object(p) = Node::from_value(&json) else { panic!() };
        assert_eq!(p.coordinates, Some(Coords::Positions(vec![[1.0, 2.0]])));
    }
}
