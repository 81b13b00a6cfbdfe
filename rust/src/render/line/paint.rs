//! What a line is painted with besides its colour: a gradient's ramp or a
//! pattern image sampled along and across the line.

use super::super::composite::Premul;
use super::super::display_list::LineGradient;
use super::super::pattern::PatternShader;

/// What a line is painted with besides its colour.
pub(super) struct Paint<'a> {
    pub(super) gradient: Option<&'a LineGradient>,
    pub(super) pattern: Option<&'a LinePatternShader<'a>>,
}

/// A `line-pattern` ready to sample (see [`super::display_list::LinePattern`]).
pub(super) struct LinePatternShader<'a> {
    pub(super) shader: PatternShader<'a>,
    pub(super) period: f32,
    pub(super) corner_split: f32,
    pub(super) distance_step: f32,
    /// The fraction of the image's height the line spans across.
    pub(super) across: f32,
}

impl LinePatternShader<'_> {
    /// A distance along the line as MapLibre stores it at a vertex.
    #[inline]
    pub(super) fn stored(&self, d: f32) -> f32 {
        if self.distance_step > 0.0 {
            (d / self.distance_step).floor() * self.distance_step
        } else {
            d
        }
    }

    /// Composites the pattern at distance `along` the line and position
    /// `across` (0 on the left edge, 1 on the right), times `alpha`, over
    /// the premultiplied colour `acc` (like one GL fragment blending).
    #[inline]
    pub(super) fn over(&self, acc: &mut [f32; 4], along: f32, across: f32, alpha: f32) {
        if alpha <= 0.0 {
            return;
        }
        let [w, h] = self.shader.size();
        let x = f64::from(along / self.period).rem_euclid(1.0);
        let y = 0.5 + (across.clamp(0.0, 1.0) - 0.5) * self.across;
        // MapLibre's atlas pads the image with one texel of its opposite
        // edge, then nothing: a line reaching farther across (high pixel
        // ratios: the reach is 1 CSS px past the image) fades out there.
        let (u, v) = (x * w, f64::from(y) * h);
        let (v, fade) = if v < -0.5 {
            (-0.5, v + 1.5)
        } else if v > h + 0.5 {
            (h + 0.5, h + 1.5 - v)
        } else {
            (v, 1.0)
        };
        let Some(t) = self.shader.texel(u, v) else { return };
        let k = alpha / 255.0 * fade.clamp(0.0, 1.0) as f32;
        let keep = 1.0 - t[3] * k;
        for c in 0..4 {
            acc[c] = t[c] * k + acc[c] * keep;
        }
    }
}

/// A gradient's colours, premultiplied, for linear sampling by progress.
pub(super) struct Ramp(Vec<Premul>);

impl Ramp {
    pub(super) fn new(g: &LineGradient) -> Ramp {
        Ramp(g.ramp.iter().map(|c| Premul::from_color(*c)).collect())
    }

    #[inline]
    pub(super) fn at(&self, progress: f32) -> Premul {
        let n = self.0.len();
        if n == 0 {
            return Premul::default();
        }
        let x = if progress.is_finite() { progress.clamp(0.0, 1.0) } else { 0.0 } * (n - 1) as f32;
        let i = (x as usize).min(n - 1);
        let j = (i + 1).min(n - 1);
        self.0[i].mix(self.0[j], x - i as f32)
    }
}
