//! The viewport collision grid (MapLibre's GridIndex over the screen plus a
//! margin): placed labels' boxes and circles, in logical screen px, and
//! whether a new one would overlap any of them.

/// A shape in the grid.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Shape {
    /// min x, min y, max x, max y.
    Box([f32; 4]),
    /// centre x, centre y, radius.
    Circle([f32; 3]),
}

impl Shape {
    pub(crate) fn bounds(&self) -> [f32; 4] {
        match *self {
            Shape::Box(b) => b,
            Shape::Circle([x, y, r]) => [x - r, y - r, x + r, y + r],
        }
    }

    /// As MapLibre's GridIndex: boxes that touch collide, circles that
    /// touch do not, and a circle touching a box collides. Boxes count as
    /// touching within [`TOUCH`].
    fn overlaps(&self, other: &Shape) -> bool {
        match (*self, *other) {
            (Shape::Box(a), Shape::Box(b)) => {
                a[0] <= b[2] + TOUCH && b[0] <= a[2] + TOUCH && a[1] <= b[3] + TOUCH && b[1] <= a[3] + TOUCH
            }
            (Shape::Circle(c), Shape::Circle(d)) => {
                let (dx, dy, r) = (c[0] - d[0], c[1] - d[1], c[2] + d[2]);
                dx * dx + dy * dy < r * r
            }
            (Shape::Box(b), Shape::Circle(c)) | (Shape::Circle(c), Shape::Box(b)) => {
                let x = c[0].clamp(b[0], b[2]);
                let y = c[1].clamp(b[1], b[3]);
                let (dx, dy) = (c[0] - x, c[1] - y);
                dx * dx + dy * dy <= c[2] * c[2]
            }
        }
    }
}

/// Boxes this close (px) touch. MapLibre keeps positions as f32 in a frame
/// shifted by its grid padding, where two boxes a whole number of pixels
/// apart (anchors on the tile grid) meet exactly; ours are rounded in the
/// screen frame, so their edges may miss each other by a rounding step.
const TOUCH: f32 = 1e-3;

/// Cell size (px).
const CELL: f32 = 25.0;
/// Most cells per side (a huge viewport still gets a bounded grid).
const MAX_CELLS: usize = 512;

pub struct CollisionGrid {
    origin: [f32; 2],
    cols: usize,
    rows: usize,
    cell: f32,
    cells: Vec<Vec<u32>>,
    shapes: Vec<Shape>,
    /// The screen plus margin: shapes entirely outside never collide.
    area: [f32; 4],
}

impl CollisionGrid {
    /// A grid over `[0, width] x [0, height]` grown by `margin` on every side.
    pub fn new(width: f32, height: f32, margin: f32) -> CollisionGrid {
        let area = [-margin, -margin, width + margin, height + margin];
        let (w, h) = ((area[2] - area[0]).max(1.0), (area[3] - area[1]).max(1.0));
        let cell = CELL.max(w / MAX_CELLS as f32).max(h / MAX_CELLS as f32);
        let cols = ((w / cell).ceil() as usize).clamp(1, MAX_CELLS);
        let rows = ((h / cell).ceil() as usize).clamp(1, MAX_CELLS);
        CollisionGrid { origin: [area[0], area[1]], cols, rows, cell, cells: vec![Vec::new(); cols * rows], shapes: Vec::new(), area }
    }

    /// The cells a box touches, clamped to the grid (a box beyond the area
    /// lies in the border cells); `None` for non-finite bounds.
    fn cells_of(&self, b: [f32; 4]) -> Option<(usize, usize, usize, usize)> {
        if !b.iter().all(|v| v.is_finite()) {
            return None;
        }
        let c = |v: f32, o: f32, n: usize| (((v - o) / self.cell).floor().max(0.0) as usize).min(n - 1);
        Some((c(b[0], self.origin[0], self.cols), c(b[1], self.origin[1], self.rows), c(b[2], self.origin[0], self.cols), c(b[3], self.origin[1], self.rows)))
    }

    /// The cells of a box that reaches into the area.
    fn cell_range(&self, b: [f32; 4]) -> Option<(usize, usize, usize, usize)> {
        if b[2] < self.area[0] || b[0] >= self.area[2] || b[3] < self.area[1] || b[1] >= self.area[3] {
            return None;
        }
        self.cells_of(b)
    }

    /// Whether `shape` overlaps a shape already in the grid. A shape
    /// entirely outside the area collides with nothing; one reaching into it
    /// is tested against every shape of the border cells it touches, those
    /// beyond the area included (MapLibre's GridIndex).
    pub fn collides(&self, shape: &Shape) -> bool {
        let Some((x0, y0, x1, y1)) = self.cell_range(shape.bounds()) else { return false };
        for y in y0..=y1 {
            for x in x0..=x1 {
                if self.cells[y * self.cols + x].iter().any(|&i| self.shapes[i as usize].overlaps(shape)) {
                    return true;
                }
            }
        }
        false
    }

    /// Whether `shape` lies entirely outside the grid's area.
    pub fn is_offscreen(&self, shape: &Shape) -> bool {
        self.cell_range(shape.bounds()).is_none()
    }

    /// Adds `shape`; beyond the area it is kept in the border cells, where
    /// shapes reaching in from the area still meet it.
    pub fn insert(&mut self, shape: Shape) {
        let Some((x0, y0, x1, y1)) = self.cells_of(shape.bounds()) else { return };
        let index = self.shapes.len() as u32;
        self.shapes.push(shape);
        for y in y0..=y1 {
            for x in x0..=x1 {
                self.cells[y * self.cols + x].push(index);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn boxes_and_circles_collide_only_when_they_overlap() {
        let mut g = CollisionGrid::new(512.0, 512.0, 100.0);
        g.insert(Shape::Box([10.0, 10.0, 60.0, 30.0]));
        assert!(g.collides(&Shape::Box([50.0, 20.0, 80.0, 40.0])));
        assert!(g.collides(&Shape::Box([60.0, 10.0, 80.0, 30.0])), "touching boxes collide");
        assert!(g.collides(&Shape::Box([60.0001, 10.0, 80.0, 30.0])), "within a rounding step they touch");
        assert!(!g.collides(&Shape::Box([60.01, 10.0, 80.0, 30.0])));
        assert!(g.collides(&Shape::Circle([70.0, 20.0, 10.0])), "a circle touching a box collides");
        assert!(g.collides(&Shape::Circle([70.0, 20.0, 11.0])));
        assert!(!g.collides(&Shape::Circle([70.0, 40.0, 9.0])));
        g.insert(Shape::Circle([300.0, 300.0, 10.0]));
        assert!(g.collides(&Shape::Circle([315.0, 300.0, 6.0])));
        assert!(!g.collides(&Shape::Circle([316.0, 300.0, 6.0])), "touching circles do not collide");
        assert!(!g.collides(&Shape::Box([311.0, 280.0, 330.0, 320.0])));
        assert!(g.is_offscreen(&Shape::Box([700.0, 0.0, 720.0, 10.0])));
        assert!(!g.collides(&Shape::Box([f32::NAN, 0.0, 1.0, 1.0])));
    }

    #[test]
    fn a_shape_beyond_the_area_blocks_only_shapes_reaching_into_it() {
        let mut g = CollisionGrid::new(512.0, 512.0, 100.0);
        // Entirely below the area (which ends at y = 612).
        g.insert(Shape::Circle([200.0, 625.0, 10.0]));
        assert!(g.collides(&Shape::Circle([200.0, 605.0, 12.0])), "a circle reaching into the area meets it");
        assert!(!g.collides(&Shape::Circle([200.0, 630.0, 12.0])), "a circle entirely outside meets nothing");
        assert!(!g.collides(&Shape::Circle([260.0, 605.0, 12.0])), "only real overlaps count");
    }
}
