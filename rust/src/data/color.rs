//! Colours: straight (non-premultiplied) RGBA, each component in 0..=1.
//!
//! [`Color::parse`] reads CSS colours as the style specification allows them:
//! named colours, `#rgb`, `#rgba`, `#rrggbb`, `#rrggbbaa`, `rgb()`/`rgba()`
//! (numbers or percentages, comma or space syntax with `/ alpha`),
//! `hsl()`/`hsla()`, and `transparent`.

/// A colour with straight alpha. Components are in 0..=1.
#[derive(Clone, Copy, Debug, PartialEq, Default)]
pub struct Color {
    pub r: f32,
    pub g: f32,
    pub b: f32,
    pub a: f32,
}

impl Color {
    pub const TRANSPARENT: Color = Color {
        r: 0.0,
        g: 0.0,
        b: 0.0,
        a: 0.0,
    };
    pub const BLACK: Color = Color {
        r: 0.0,
        g: 0.0,
        b: 0.0,
        a: 1.0,
    };
    pub const WHITE: Color = Color {
        r: 1.0,
        g: 1.0,
        b: 1.0,
        a: 1.0,
    };

    pub const fn new(r: f32, g: f32, b: f32, a: f32) -> Self {
        Color { r, g, b, a }
    }

    /// The same colour with alpha multiplied by `opacity`.
    pub fn with_opacity(self, opacity: f32) -> Color {
        Color {
            a: self.a * opacity.clamp(0.0, 1.0),
            ..self
        }
    }

    /// Premultiplied components `[r*a, g*a, b*a, a]`.
    pub fn premultiplied(self) -> [f32; 4] {
        [self.r * self.a, self.g * self.a, self.b * self.a, self.a]
    }

    /// Parses a CSS colour string; `None` if it is not one.
    pub fn parse(s: &str) -> Option<Color> {
        let s = s.trim().to_ascii_lowercase();
        if let Some(hex) = s.strip_prefix('#') {
            return parse_hex(hex);
        }
        if let Some(open) = s.find('(') {
            if !s.ends_with(')') {
                return None;
            }
            let name = s[..open].trim();
            let body = &s[open + 1..s.len() - 1];
            return match name {
                "rgb" | "rgba" => parse_rgb(body),
                "hsl" | "hsla" => parse_hsl(body),
                _ => None,
            };
        }
        named(&s)
    }

    /// CSS `rgba(r,g,b,a)` with 0..255 integer channels, as the style language
    /// prints colours (`to-string`).
    pub fn to_css_string(self) -> String {
        let c = |v: f32| (v as f64 * 255.0).round() as i64;
        format!(
            "rgba({},{},{},{})",
            c(self.r),
            c(self.g),
            c(self.b),
            crate::data::number::format_number(self.a as f64)
        )
    }
}

fn parse_hex(hex: &str) -> Option<Color> {
    if !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let d = |i: usize, n: usize| u32::from_str_radix(&hex[i..i + n], 16).ok();
    let (r, g, b, a) = match hex.len() {
        3 | 4 => {
            let x = |i| d(i, 1).map(|v| (v * 17) as f32 / 255.0);
            let a = if hex.len() == 4 { x(3)? } else { 1.0 };
            (x(0)?, x(1)?, x(2)?, a)
        }
        6 | 8 => {
            let x = |i| d(i, 2).map(|v| v as f32 / 255.0);
            let a = if hex.len() == 8 { x(6)? } else { 1.0 };
            (x(0)?, x(2)?, x(4)?, a)
        }
        _ => return None,
    };
    Some(Color { r, g, b, a })
}

/// Splits a functional-notation body into its components: either all
/// comma-separated, or space-separated with an optional `/ alpha`.
fn split_args(body: &str) -> Option<(Vec<&str>, bool)> {
    if body.contains(',') {
        let parts: Vec<&str> = body.split(',').map(str::trim).collect();
        if parts.iter().any(|p| p.is_empty()) {
            return None;
        }
        Some((parts, true))
    } else {
        let (main, alpha) = match body.split_once('/') {
            Some((m, a)) => (m, Some(a.trim())),
            None => (body, None),
        };
        let mut parts: Vec<&str> = main.split_whitespace().collect();
        if let Some(a) = alpha {
            if a.is_empty() || parts.len() != 3 {
                return None;
            }
            parts.push(a);
        }
        Some((parts, false))
    }
}

fn number(s: &str) -> Option<f64> {
    if s.is_empty() || s.contains(|c: char| !(c.is_ascii_digit() || "+-.e".contains(c))) {
        return None;
    }
    s.parse::<f64>().ok().filter(|v| v.is_finite())
}

fn percent(s: &str) -> Option<f64> {
    number(s.strip_suffix('%')?)
}

fn alpha(s: &str) -> Option<f32> {
    let v = match s.strip_suffix('%') {
        Some(p) => number(p)? / 100.0,
        None => number(s)?,
    };
    Some(v.clamp(0.0, 1.0) as f32)
}

fn parse_rgb(body: &str) -> Option<Color> {
    let (parts, _) = split_args(body)?;
    if parts.len() != 3 && parts.len() != 4 {
        return None;
    }
    // All three channels use the same notation: numbers or percentages.
    let pct = parts[0].ends_with('%');
    let mut ch = [0f32; 3];
    for (i, p) in parts[..3].iter().enumerate() {
        let v = if pct {
            percent(p)? * 255.0 / 100.0
        } else if p.ends_with('%') {
            return None;
        } else {
            number(p)?
        };
        ch[i] = (v.clamp(0.0, 255.0) / 255.0) as f32;
    }
    let a = if parts.len() == 4 {
        alpha(parts[3])?
    } else {
        1.0
    };
    Some(Color {
        r: ch[0],
        g: ch[1],
        b: ch[2],
        a,
    })
}

fn parse_hsl(body: &str) -> Option<Color> {
    let (parts, _) = split_args(body)?;
    if parts.len() != 3 && parts.len() != 4 {
        return None;
    }
    let h = number(parts[0].strip_suffix("deg").unwrap_or(parts[0]))?;
    let s = percent(parts[1])?.clamp(0.0, 100.0) / 100.0;
    let l = percent(parts[2])?.clamp(0.0, 100.0) / 100.0;
    let a = if parts.len() == 4 {
        alpha(parts[3])?
    } else {
        1.0
    };
    let [r, g, b] = hsl_to_rgb(h, s, l);
    Some(Color {
        r: r as f32,
        g: g as f32,
        b: b as f32,
        a,
    })
}

/// HSL (hue in degrees, saturation and lightness in 0..=1) to RGB in 0..=1.
pub fn hsl_to_rgb(h: f64, s: f64, l: f64) -> [f64; 3] {
    let h = h.rem_euclid(360.0) / 360.0;
    let q = if l <= 0.5 {
        l * (1.0 + s)
    } else {
        l + s - l * s
    };
    let p = 2.0 * l - q;
    let f = |t: f64| {
        let t = t.rem_euclid(1.0);
        if t * 6.0 < 1.0 {
            p + (q - p) * t * 6.0
        } else if t * 2.0 < 1.0 {
            q
        } else if t * 3.0 < 2.0 {
            p + (q - p) * (2.0 / 3.0 - t) * 6.0
        } else {
            p
        }
    };
    [f(h + 1.0 / 3.0), f(h), f(h - 1.0 / 3.0)]
}

fn named(name: &str) -> Option<Color> {
    if name == "transparent" {
        return Some(Color::TRANSPARENT);
    }
    let i = NAMED.binary_search_by(|(n, _)| n.cmp(&name)).ok()?;
    let v = NAMED[i].1;
    Some(Color {
        r: ((v >> 16) & 255) as f32 / 255.0,
        g: ((v >> 8) & 255) as f32 / 255.0,
        b: (v & 255) as f32 / 255.0,
        a: 1.0,
    })
}

/// CSS named colours, sorted by name.
const NAMED: &[(&str, u32)] = &[
    ("aliceblue", 0xf0f8ff),
    ("antiquewhite", 0xfaebd7),
    ("aqua", 0x00ffff),
    ("aquamarine", 0x7fffd4),
    ("azure", 0xf0ffff),
    ("beige", 0xf5f5dc),
    ("bisque", 0xffe4c4),
    ("black", 0x000000),
    ("blanchedalmond", 0xffebcd),
    ("blue", 0x0000ff),
    ("blueviolet", 0x8a2be2),
    ("brown", 0xa52a2a),
    ("burlywood", 0xdeb887),
    ("cadetblue", 0x5f9ea0),
    ("chartreuse", 0x7fff00),
    ("chocolate", 0xd2691e),
    ("coral", 0xff7f50),
    ("cornflowerblue", 0x6495ed),
    ("cornsilk", 0xfff8dc),
    ("crimson", 0xdc143c),
    ("cyan", 0x00ffff),
    ("darkblue", 0x00008b),
    ("darkcyan", 0x008b8b),
    ("darkgoldenrod", 0xb8860b),
    ("darkgray", 0xa9a9a9),
    ("darkgreen", 0x006400),
    ("darkgrey", 0xa9a9a9),
    ("darkkhaki", 0xbdb76b),
    ("darkmagenta", 0x8b008b),
    ("darkolivegreen", 0x556b2f),
    ("darkorange", 0xff8c00),
    ("darkorchid", 0x9932cc),
    ("darkred", 0x8b0000),
    ("darksalmon", 0xe9967a),
    ("darkseagreen", 0x8fbc8f),
    ("darkslateblue", 0x483d8b),
    ("darkslategray", 0x2f4f4f),
    ("darkslategrey", 0x2f4f4f),
    ("darkturquoise", 0x00ced1),
    ("darkviolet", 0x9400d3),
    ("deeppink", 0xff1493),
    ("deepskyblue", 0x00bfff),
    ("dimgray", 0x696969),
    ("dimgrey", 0x696969),
    ("dodgerblue", 0x1e90ff),
    ("firebrick", 0xb22222),
    ("floralwhite", 0xfffaf0),
    ("forestgreen", 0x228b22),
    ("fuchsia", 0xff00ff),
    ("gainsboro", 0xdcdcdc),
    ("ghostwhite", 0xf8f8ff),
    ("gold", 0xffd700),
    ("goldenrod", 0xdaa520),
    ("gray", 0x808080),
    ("green", 0x008000),
    ("greenyellow", 0xadff2f),
    ("grey", 0x808080),
    ("honeydew", 0xf0fff0),
    ("hotpink", 0xff69b4),
    ("indianred", 0xcd5c5c),
    ("indigo", 0x4b0082),
    ("ivory", 0xfffff0),
    ("khaki", 0xf0e68c),
    ("lavender", 0xe6e6fa),
    ("lavenderblush", 0xfff0f5),
    ("lawngreen", 0x7cfc00),
    ("lemonchiffon", 0xfffacd),
    ("lightblue", 0xadd8e6),
    ("lightcoral", 0xf08080),
    ("lightcyan", 0xe0ffff),
    ("lightgoldenrodyellow", 0xfafad2),
    ("lightgray", 0xd3d3d3),
    ("lightgreen", 0x90ee90),
    ("lightgrey", 0xd3d3d3),
    ("lightpink", 0xffb6c1),
    ("lightsalmon", 0xffa07a),
    ("lightseagreen", 0x20b2aa),
    ("lightskyblue", 0x87cefa),
    ("lightslategray", 0x778899),
    ("lightslategrey", 0x778899),
    ("lightsteelblue", 0xb0c4de),
    ("lightyellow", 0xffffe0),
    ("lime", 0x00ff00),
    ("limegreen", 0x32cd32),
    ("linen", 0xfaf0e6),
    ("magenta", 0xff00ff),
    ("maroon", 0x800000),
    ("mediumaquamarine", 0x66cdaa),
    ("mediumblue", 0x0000cd),
    ("mediumorchid", 0xba55d3),
    ("mediumpurple", 0x9370db),
    ("mediumseagreen", 0x3cb371),
    ("mediumslateblue", 0x7b68ee),
    ("mediumspringgreen", 0x00fa9a),
    ("mediumturquoise", 0x48d1cc),
    ("mediumvioletred", 0xc71585),
    ("midnightblue", 0x191970),
    ("mintcream", 0xf5fffa),
    ("mistyrose", 0xffe4e1),
    ("moccasin", 0xffe4b5),
    ("navajowhite", 0xffdead),
    ("navy", 0x000080),
    ("oldlace", 0xfdf5e6),
    ("olive", 0x808000),
    ("olivedrab", 0x6b8e23),
    ("orange", 0xffa500),
    ("orangered", 0xff4500),
    ("orchid", 0xda70d6),
    ("palegoldenrod", 0xeee8aa),
    ("palegreen", 0x98fb98),
    ("paleturquoise", 0xafeeee),
    ("palevioletred", 0xdb7093),
    ("papayawhip", 0xffefd5),
    ("peachpuff", 0xffdab9),
    ("peru", 0xcd853f),
    ("pink", 0xffc0cb),
    ("plum", 0xdda0dd),
    ("powderblue", 0xb0e0e6),
    ("purple", 0x800080),
    ("rebeccapurple", 0x663399),
    ("red", 0xff0000),
    ("rosybrown", 0xbc8f8f),
    ("royalblue", 0x4169e1),
    ("saddlebrown", 0x8b4513),
    ("salmon", 0xfa8072),
    ("sandybrown", 0xf4a460),
    ("seagreen", 0x2e8b57),
    ("seashell", 0xfff5ee),
    ("sienna", 0xa0522d),
    ("silver", 0xc0c0c0),
    ("skyblue", 0x87ceeb),
    ("slateblue", 0x6a5acd),
    ("slategray", 0x708090),
    ("slategrey", 0x708090),
    ("snow", 0xfffafa),
    ("springgreen", 0x00ff7f),
    ("steelblue", 0x4682b4),
    ("tan", 0xd2b48c),
    ("teal", 0x008080),
    ("thistle", 0xd8bfd8),
    ("tomato", 0xff6347),
    ("turquoise", 0x40e0d0),
    ("violet", 0xee82ee),
    ("wheat", 0xf5deb3),
    ("white", 0xffffff),
    ("whitesmoke", 0xf5f5f5),
    ("yellow", 0xffff00),
    ("yellowgreen", 0x9acd32),
];

#[cfg(test)]
mod tests {
    use super::*;

    fn rgba(s: &str) -> [u8; 4] {
        let c = Color::parse(s).unwrap_or_else(|| panic!("{s} should parse"));
        [c.r, c.g, c.b, c.a].map(|v| (v * 255.0).round() as u8)
    }

    #[test]
    fn named_table_is_sorted() {
        assert!(NAMED.windows(2).all(|w| w[0].0 < w[1].0));
        assert_eq!(rgba("rebeccapurple"), [0x66, 0x33, 0x99, 255]);
        assert_eq!(rgba("Red"), [255, 0, 0, 255]);
        assert_eq!(rgba("transparent"), [0, 0, 0, 0]);
    }

    #[test]
    fn hex_forms() {
        assert_eq!(rgba("#f80"), [255, 136, 0, 255]);
        assert_eq!(rgba("#f808"), [255, 136, 0, 136]);
        assert_eq!(rgba("#ff8800"), [255, 136, 0, 255]);
        assert_eq!(rgba("#ff880080"), [255, 136, 0, 128]);
        assert!(Color::parse("#ff88").is_some());
        assert!(Color::parse("#ff8").is_some());
        assert!(Color::parse("#ff88000").is_none());
        assert!(Color::parse("#gg0000").is_none());
    }

    #[test]
    fn functional_forms() {
        assert_eq!(rgba("rgb(255, 0, 0)"), [255, 0, 0, 255]);
        assert_eq!(rgba("rgba(0, 255, 0, 0.5)"), [0, 255, 0, 128]);
        assert_eq!(rgba("rgb(100%, 50%, 0%)"), [255, 128, 0, 255]);
        assert_eq!(rgba("rgb(0% 0% 100% / 0)"), [0, 0, 255, 0]);
        assert_eq!(rgba("rgb(0 0 255 / 50%)"), [0, 0, 255, 128]);
        assert_eq!(rgba("hsl(120, 100%, 50%)"), [0, 255, 0, 255]);
        assert_eq!(rgba("hsla(240, 100%, 50%, 0.25)"), [0, 0, 255, 64]);
        assert_eq!(rgba("hsl(0deg 0% 100%)"), [255, 255, 255, 255]);
        assert!(Color::parse("rgb(1, 2)").is_none());
        assert!(Color::parse("rgb(1%, 2, 3)").is_none());
        assert!(Color::parse("reddish").is_none());
        assert!(Color::parse("cmyk(1,2,3,4)").is_none());
    }

    #[test]
    fn css_string() {
        assert_eq!(
            Color::new(85.0 / 255.0, 1.0, 0.0, 0.5).to_css_string(),
            "rgba(85,255,0,0.5)"
        );
    }
}
