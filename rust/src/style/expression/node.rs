//! The compiled expression tree: typed nodes produced by the parser.

use std::sync::Arc;

use crate::style::expression::types::Type;
use crate::style::value::Value;

/// A typed node of a compiled expression.
#[derive(Clone, Debug)]
pub struct Expr {
    pub ty: Type,
    pub node: Node,
}

impl Expr {
    pub fn new(ty: Type, node: Node) -> Expr {
        Expr { ty, node }
    }
    pub fn literal(ty: Type, v: Value) -> Expr {
        Expr {
            ty,
            node: Node::Literal(v),
        }
    }
}

/// Operators with fixed signatures ("compound" expressions).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    Error,
    Typeof,
    ToRgba,
    Rgb,
    Rgba,
    Has,
    HasIn,
    Get,
    GetIn,
    FeatureState,
    Properties,
    GeometryType,
    Id,
    Zoom,
    HeatmapDensity,
    LineProgress,
    Accumulated,
    Elevation,
    Plus,
    Times,
    Minus,
    Negate,
    Divide,
    Rem,
    Ln2,
    Pi,
    E,
    Pow,
    Sqrt,
    Log10,
    Ln,
    Log2,
    Sin,
    Cos,
    Tan,
    Asin,
    Acos,
    Atan,
    Floor,
    Ceil,
    Abs,
    Round,
    Min,
    Max,
    Not,
    Upcase,
    Downcase,
    Concat,
    ResolvedLocale,
    IsSupportedScript,
    Split,
    Join,
}

impl Op {
    /// Global inputs this operator reads (for zoom/feature constancy).
    pub fn global_name(self) -> Option<&'static str> {
        Some(match self {
            Op::Zoom => "zoom",
            Op::HeatmapDensity => "heatmap-density",
            Op::LineProgress => "line-progress",
            Op::Accumulated => "accumulated",
            Op::Elevation => "elevation",
            Op::IsSupportedScript => "is-supported-script",
            _ => return None,
        })
    }
    pub fn reads_feature(self) -> bool {
        matches!(
            self,
            Op::Get | Op::Has | Op::FeatureState | Op::Properties | Op::GeometryType | Op::Id
        )
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CmpOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

impl CmpOp {
    pub fn name(self) -> &'static str {
        match self {
            CmpOp::Eq => "==",
            CmpOp::Ne => "!=",
            CmpOp::Lt => "<",
            CmpOp::Le => "<=",
            CmpOp::Gt => ">",
            CmpOp::Ge => ">=",
        }
    }
    pub fn is_order(self) -> bool {
        !matches!(self, CmpOp::Eq | CmpOp::Ne)
    }
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Interpolation {
    Linear,
    Exponential(f64),
    CubicBezier([f64; 4]),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ColorSpace {
    Rgb,
    Hcl,
    Lab,
}

/// One section of `format`.
#[derive(Clone, Debug)]
pub struct FormatSection {
    pub content: Expr,
    pub scale: Option<Expr>,
    pub font: Option<Expr>,
    pub text_color: Option<Expr>,
    pub vertical_align: Option<Expr>,
}

/// The labels of a `match` and the branch each picks, found in constant
/// time (a `match` of thousands of labels is read for every feature).
#[derive(Clone, Default)]
pub struct MatchLabels {
    /// Integer labels by the bits of their value (-0 as 0).
    numbers: std::collections::HashMap<u64, usize>,
    strings: std::collections::HashMap<String, usize>,
}

/// Sorted, so that the same labels print the same (the maps' order is
/// random).
impl std::fmt::Debug for MatchLabels {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let numbers: std::collections::BTreeMap<_, _> = self.numbers.iter().map(|(k, v)| (f64::from_bits(*k).to_string(), v)).collect();
        let strings: std::collections::BTreeMap<_, _> = self.strings.iter().collect();
        f.debug_struct("MatchLabels").field("numbers", &numbers).field("strings", &strings).finish()
    }
}

impl MatchLabels {
    fn number_key(x: f64) -> u64 {
        (if x == 0.0 { 0.0 } else { x }).to_bits()
    }

    /// Adds a number or string label; false if it is there already.
    pub fn insert(&mut self, label: &Value, branch: usize) -> bool {
        match label {
            Value::Number(x) => self.numbers.insert(Self::number_key(*x), branch).is_none(),
            Value::String(s) if self.strings.contains_key(s.as_str()) => false,
            Value::String(s) => self.strings.insert(s.clone(), branch).is_none(),
            _ => false,
        }
    }

    /// The branch of the label equal to `v`.
    pub fn get(&self, v: &Value) -> Option<usize> {
        match v {
            Value::Number(x) if !x.is_nan() => self.numbers.get(&Self::number_key(*x)).copied(),
            Value::String(s) => self.strings.get(s.as_str()).copied(),
            _ => None,
        }
    }
}

/// The values of a literal list of scalars, for `in`.
#[derive(Clone, Debug, Default)]
pub struct ScalarSet {
    /// Numbers and strings (their branch unused).
    values: MatchLabels,
    /// Whether `true`, `false` and `null` are in the list.
    others: [bool; 3],
}

impl ScalarSet {
    /// The set of `items`, or None when one is not a scalar.
    pub fn of(items: &[Value]) -> Option<ScalarSet> {
        let mut set = ScalarSet::default();
        for item in items {
            match item {
                Value::Number(_) | Value::String(_) => {
                    set.values.insert(item, 0);
                }
                Value::Bool(b) => set.others[usize::from(!*b)] = true,
                Value::Null => set.others[2] = true,
                _ => return None,
            }
        }
        Some(set)
    }

    /// Whether `v` is strictly equal to an item.
    pub fn contains(&self, v: &Value) -> bool {
        match v {
            Value::Bool(b) => self.others[usize::from(!*b)],
            Value::Null => self.others[2],
            _ => self.values.get(v).is_some(),
        }
    }
}

/// A polygon set for `within`, in longitude/latitude.
#[derive(Clone, Debug)]
pub struct Polygons(pub Vec<Vec<Vec<[f64; 2]>>>);

#[derive(Clone, Debug)]
pub enum Node {
    Literal(Value),
    /// Type assertion: the first argument whose value has type `ty`.
    Assert(Vec<Expr>),
    /// Type conversion to `ty` (first convertible argument for colour/number).
    Coerce(Vec<Expr>),
    /// A variable reference: shares (never copies) the expression bound by
    /// the enclosing `let`, which evaluates it at most once per evaluation.
    Var(String, Arc<Expr>),
    Let(Vec<(String, Arc<Expr>)>, Box<Expr>),
    Call(Op, Vec<Expr>),
    Compare {
        op: CmpOp,
        lhs: Box<Expr>,
        rhs: Box<Expr>,
        collator: Option<Box<Expr>>,
    },
    All(Vec<Expr>),
    Any(Vec<Expr>),
    Case(Vec<(Expr, Expr)>, Box<Expr>),
    Coalesce(Vec<Expr>),
    /// `in` of a literal list of numbers, strings, booleans and nulls, as a
    /// set: read for every feature, the list is not scanned each time.
    InSet(Box<Expr>, Box<ScalarSet>),
    Match {
        input: Box<Expr>,
        labels: MatchLabels,
        outputs: Vec<Expr>,
        otherwise: Box<Expr>,
    },
    Step {
        input: Box<Expr>,
        labels: Vec<f64>,
        outputs: Vec<Expr>,
    },
    Interpolate {
        interpolation: Interpolation,
        space: ColorSpace,
        input: Box<Expr>,
        labels: Vec<f64>,
        outputs: Vec<Expr>,
    },
    At(Box<Expr>, Box<Expr>),
    In(Box<Expr>, Box<Expr>),
    IndexOf(Box<Expr>, Box<Expr>, Option<Box<Expr>>),
    Slice(Box<Expr>, Box<Expr>, Option<Box<Expr>>),
    Length(Box<Expr>),
    /// `semiliteral` / array of expressions.
    ArrayOf(Vec<Expr>),
    Format(Vec<FormatSection>),
    Image(Box<Expr>),
    NumberFormat {
        number: Box<Expr>,
        locale: Option<Box<Expr>>,
        currency: Option<Box<Expr>>,
        /// A unit (ECMA-402's sanctioned units); exclusive with `currency`.
        unit: Option<Box<Expr>>,
        min_fraction: Option<Box<Expr>>,
        max_fraction: Option<Box<Expr>>,
    },
    Collator {
        case_sensitive: Box<Expr>,
        diacritic_sensitive: Box<Expr>,
        locale: Option<Box<Expr>>,
    },
    GlobalState(String),
    Within(Polygons),
    Distance(Box<crate::style::expression::distance::Geometries>),
}

impl Expr {
    /// Calls `f` on each direct child (variables have none: their binding
    /// belongs to the enclosing `let`).
    pub fn each_child<'a>(&'a self, f: &mut dyn FnMut(&'a Expr)) {
        let opt = |e: &'a Option<Box<Expr>>, f: &mut dyn FnMut(&'a Expr)| {
            if let Some(e) = e {
                f(e)
            }
        };
        match &self.node {
            Node::Literal(_)
            | Node::Var(..)
            | Node::GlobalState(_)
            | Node::Within(_)
            | Node::Distance(_) => {}
            Node::Assert(a) | Node::Coerce(a) | Node::Call(_, a) | Node::All(a) | Node::Any(a) => {
                a.iter().for_each(f)
            }
            Node::Coalesce(a) | Node::ArrayOf(a) => a.iter().for_each(f),
            Node::Let(b, body) => {
                b.iter().for_each(|(_, e)| f(e));
                f(body)
            }
            Node::Compare {
                lhs, rhs, collator, ..
            } => {
                f(lhs);
                f(rhs);
                opt(collator, f)
            }
            Node::Case(br, o) => {
                for (t, v) in br {
                    f(t);
                    f(v)
                }
                f(o)
            }
            Node::Match {
                input,
                outputs,
                otherwise,
                ..
            } => {
                f(input);
                outputs.iter().for_each(&mut *f);
                f(otherwise)
            }
            Node::Step { input, outputs, .. } | Node::Interpolate { input, outputs, .. } => {
                f(input);
                outputs.iter().for_each(f)
            }
            Node::At(a, b) | Node::In(a, b) => {
                f(a);
                f(b)
            }
            Node::InSet(a, _) => f(a),
            Node::IndexOf(a, b, c) | Node::Slice(a, b, c) => {
                f(a);
                f(b);
                opt(c, f)
            }
            Node::Length(a) | Node::Image(a) => f(a),
            Node::Format(s) => {
                for s in s {
                    f(&s.content);
                    for e in [&s.scale, &s.font, &s.text_color, &s.vertical_align]
                        .into_iter()
                        .flatten()
                    {
                        f(e)
                    }
                }
            }
            Node::NumberFormat {
                number,
                locale,
                currency,
                unit,
                min_fraction,
                max_fraction,
            } => {
                f(number);
                for e in [locale, currency, unit, min_fraction, max_fraction] {
                    opt(e, f)
                }
            }
            Node::Collator {
                case_sensitive,
                diacritic_sensitive,
                locale,
            } => {
                f(case_sensitive);
                f(diacritic_sensitive);
                opt(locale, f)
            }
        }
    }

    /// True if the expression never reads the feature (properties, id, type, state).
    pub fn is_feature_constant(&self) -> bool {
        match &self.node {
            Node::Call(op, args) if op.reads_feature() => {
                // `get`/`has` with an object argument read that object only.
                let _ = args;
                false
            }
            Node::Within(_) | Node::Distance(_) => false,
            _ => {
                let mut ok = true;
                self.each_child(&mut |c| ok = ok && c.is_feature_constant());
                ok
            }
        }
    }

    /// True if the expression reads none of the named global inputs.
    pub fn is_global_constant(&self, names: &[&str]) -> bool {
        if let Node::Call(op, _) = &self.node {
            if let Some(n) = op.global_name() {
                if names.contains(&n) {
                    return false;
                }
            }
        }
        let mut ok = true;
        self.each_child(&mut |c| ok = ok && c.is_global_constant(names));
        ok
    }

    /// True if the expression reads feature state.
    pub fn is_state_dependent(&self) -> bool {
        if let Node::Call(Op::FeatureState, _) = &self.node {
            return true;
        }
        let mut dep = false;
        self.each_child(&mut |c| dep = dep || c.is_state_dependent());
        dep
    }
}
