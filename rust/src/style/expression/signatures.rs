//! Signatures of the fixed-signature ("compound") operators: result type and
//! overloads, used by the parser for type checking and overload selection.

use crate::style::expression::node::Op;
use crate::style::expression::types::Type;

/// Parameter list of one overload: fixed types or any number of one type.
pub enum Params {
    Fixed(Vec<Type>),
    Var(Type),
}

/// The result type and overloads of operator `name`, if it is a compound one.
pub fn signature(name: &str) -> Option<(Type, Vec<(Params, Op)>)> {
    use Params::*;
    use Type as T;
    let n = || T::Number;
    let fixed = |ret: Type, params: Vec<Type>, op: Op| Some((ret, vec![(Fixed(params), op)]));
    let math1 = |op: Op| Some((T::Number, vec![(Fixed(vec![T::Number]), op)]));
    match name {
        "error" => fixed(T::Error, vec![T::String], Op::Error),
        "typeof" => fixed(T::String, vec![T::Value], Op::Typeof),
        "to-rgba" => fixed(T::array(T::Number, Some(4)), vec![T::Color], Op::ToRgba),
        "rgb" => fixed(T::Color, vec![n(), n(), n()], Op::Rgb),
        "rgba" => fixed(T::Color, vec![n(), n(), n(), n()], Op::Rgba),
        "has" => Some((
            T::Boolean,
            vec![(Fixed(vec![T::String]), Op::Has), (Fixed(vec![T::String, T::Object]), Op::HasIn)],
        )),
        "get" => Some((
            T::Value,
            vec![(Fixed(vec![T::String]), Op::Get), (Fixed(vec![T::String, T::Object]), Op::GetIn)],
        )),
        "feature-state" => fixed(T::Value, vec![T::String], Op::FeatureState),
        "properties" => fixed(T::Object, vec![], Op::Properties),
        "geometry-type" => fixed(T::String, vec![], Op::GeometryType),
        "id" => fixed(T::Value, vec![], Op::Id),
        "zoom" => fixed(T::Number, vec![], Op::Zoom),
        "heatmap-density" => fixed(T::Number, vec![], Op::HeatmapDensity),
        "line-progress" => fixed(T::Number, vec![], Op::LineProgress),
        "accumulated" => fixed(T::Number, vec![], Op::Accumulated),
        "elevation" => fixed(T::Number, vec![], Op::Elevation),
        "+" => Some((T::Number, vec![(Var(T::Number), Op::Plus)])),
        "*" => Some((T::Number, vec![(Var(T::Number), Op::Times)])),
        "-" => Some((
            T::Number,
            vec![(Fixed(vec![n(), n()]), Op::Minus), (Fixed(vec![n()]), Op::Negate)],
        )),
        "/" => fixed(T::Number, vec![n(), n()], Op::Divide),
        "%" => fixed(T::Number, vec![n(), n()], Op::Rem),
        "^" => fixed(T::Number, vec![n(), n()], Op::Pow),
        "ln2" => fixed(T::Number, vec![], Op::Ln2),
        "pi" => fixed(T::Number, vec![], Op::Pi),
        "e" => fixed(T::Number, vec![], Op::E),
        "sqrt" => math1(Op::Sqrt),
        "log10" => math1(Op::Log10),
        "ln" => math1(Op::Ln),
        "log2" => math1(Op::Log2),
        "sin" => math1(Op::Sin),
        "cos" => math1(Op::Cos),
        "tan" => math1(Op::Tan),
        "asin" => math1(Op::Asin),
        "acos" => math1(Op::Acos),
        "atan" => math1(Op::Atan),
        "floor" => math1(Op::Floor),
        "ceil" => math1(Op::Ceil),
        "abs" => math1(Op::Abs),
        "round" => math1(Op::Round),
        "min" => Some((T::Number, vec![(Var(T::Number), Op::Min)])),
        "max" => Some((T::Number, vec![(Var(T::Number), Op::Max)])),
        "!" => fixed(T::Boolean, vec![T::Boolean], Op::Not),
        "upcase" => fixed(T::String, vec![T::String], Op::Upcase),
        "downcase" => fixed(T::String, vec![T::String], Op::Downcase),
        "concat" => Some((T::String, vec![(Var(T::Value), Op::Concat)])),
        "resolved-locale" => fixed(T::String, vec![T::Collator], Op::ResolvedLocale),
        "is-supported-script" => fixed(T::Boolean, vec![T::String], Op::IsSupportedScript),
        "split" => fixed(T::array(T::String, None), vec![T::String, T::String], Op::Split),
        "join" => fixed(T::String, vec![T::array(T::String, None), T::String], Op::Join),
        _ => None,
    }
}
