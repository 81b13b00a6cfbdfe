//! A static 2-D KD-tree over points, laid out as kdbush (which supercluster
//! uses) lays it out: points partially sorted in place by alternating axes
//! with Floyd–Rivest selection around each middle, leaves of up to 65 points
//! scanned linearly, queries visiting a node's middle point first and then
//! its lower half before its upper half. Queries report points in the same
//! order as kdbush does, which is the order MapLibre draws a clustered
//! tile's features in. Built and queried without recursion on the input's
//! shape (selection recurses on samples of shrinking size only); many equal
//! points build a balanced tree too.

/// Points per leaf, as kdbush counts them (a leaf spans `NODE_SIZE + 1`).
const NODE_SIZE: usize = 64;

/// What a tree indexes: points by index (the tree keeps indices only, so
/// it costs 4 bytes a point).
pub trait Points {
    fn len(&self) -> usize;
    fn xy(&self, i: u32) -> (f64, f64);
}

impl Points for [[f64; 2]] {
    fn len(&self) -> usize {
        <[[f64; 2]]>::len(self)
    }
    fn xy(&self, i: u32) -> (f64, f64) {
        let p = self[i as usize];
        (p[0], p[1])
    }
}

/// A KD-tree over a [`Points`] set; queries take the same set again and
/// report indices into it.
#[derive(Debug, Default)]
pub struct KdTree {
    /// Point indices in tree order.
    ids: Vec<u32>,
}

impl KdTree {
    /// Indexes `points` (at most `u32::MAX` of them). The caller keeps NaN
    /// out (NaN never matches a query).
    pub fn new<P: Points + ?Sized>(points: &P) -> KdTree {
        let n = points.len().min(u32::MAX as usize);
        let mut ids: Vec<u32> = (0..n as u32).collect();
        // (left, right exclusive, axis)
        let mut stack = vec![(0usize, n, 0usize)];
        while let Some((left, right, axis)) = stack.pop() {
            if right - left <= NODE_SIZE + 1 {
                continue;
            }
            let m = (left + right - 1) / 2;
            select(points, &mut ids, m, left, right - 1, axis);
            stack.push((left, m, 1 - axis));
            stack.push((m + 1, right, 1 - axis));
        }
        KdTree { ids }
    }

    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    /// Calls `f` with the index of every point in the box (edges included).
    pub fn range<P: Points + ?Sized>(&self, points: &P, min_x: f64, min_y: f64, max_x: f64, max_y: f64, mut f: impl FnMut(u32)) {
        self.visit(points, min_x, min_y, max_x, max_y, |x, y, id| {
            if x >= min_x && x <= max_x && y >= min_y && y <= max_y {
                f(id);
            }
        });
    }

    /// Calls `f` with the index of every point at most `r` from (`x`, `y`).
    pub fn within<P: Points + ?Sized>(&self, points: &P, x: f64, y: f64, r: f64, mut f: impl FnMut(u32)) {
        let r2 = r * r;
        self.visit(points, x - r, y - r, x + r, y + r, |px, py, id| {
            if (px - x) * (px - x) + (py - y) * (py - y) <= r2 {
                f(id);
            }
        });
    }

    /// Calls `f` with every point of the nodes that may hold points in the
    /// box, depth first, lower halves first.
    fn visit<P: Points + ?Sized>(&self, points: &P, min_x: f64, min_y: f64, max_x: f64, max_y: f64, mut f: impl FnMut(f64, f64, u32)) {
        let mut stack = vec![(0usize, self.ids.len(), 0usize)];
        while let Some((left, right, axis)) = stack.pop() {
            if right - left <= NODE_SIZE + 1 {
                for &id in &self.ids[left..right] {
                    let (x, y) = points.xy(id);
                    f(x, y, id);
                }
                continue;
            }
            let m = (left + right - 1) / 2;
            let id = self.ids[m];
            let (x, y) = points.xy(id);
            f(x, y, id);
            let v = if axis == 0 { x } else { y };
            let (lo, hi) = if axis == 0 { (min_x, max_x) } else { (min_y, max_y) };
            // Pushed upper first so that the lower half is visited first.
            if hi >= v {
                stack.push((m + 1, right, 1 - axis));
            }
            if lo <= v {
                stack.push((left, m, 1 - axis));
            }
        }
    }
}

fn coord<P: Points + ?Sized>(points: &P, id: u32, axis: usize) -> f64 {
    let (x, y) = points.xy(id);
    if axis == 0 {
        x
    } else {
        y
    }
}

/// Floyd–Rivest selection: rearranges `ids[left..=right]` so that the
/// `k`-th holds the point it would hold sorted along `axis`, smaller ones
/// before it and larger ones after (kdbush's partition steps, so that the
/// resulting order is kdbush's). Recursion only on samples: each level is
/// about `n^(2/3)` long, so the depth is tiny.
fn select<P: Points + ?Sized>(points: &P, ids: &mut [u32], k: usize, mut left: usize, mut right: usize, axis: usize) {
    let c = |ids: &[u32], i: usize| coord(points, ids[i], axis);
    while right > left {
        if right - left > 600 {
            let n = (right - left + 1) as f64;
            let m = (k - left + 1) as f64;
            let z = n.ln();
            let s = 0.5 * (2.0 * z / 3.0).exp();
            let sd = 0.5 * (z * s * (1.0 - s / n)).sqrt() * if 2.0 * m < n { -1.0 } else { 1.0 };
            let r = k as f64 - m * s / n + sd;
            let new_left = left.max(r.max(0.0) as usize);
            let new_right = right.min((r + s).max(0.0) as usize);
            select(points, ids, k, new_left, new_right, axis);
        }
        let t = c(ids, k);
        let (mut i, mut j) = (left, right);
        ids.swap(left, k);
        if c(ids, right) > t {
            ids.swap(left, right);
        }
        while i < j {
            ids.swap(i, j);
            i += 1;
            j -= 1;
            while c(ids, i) < t {
                i += 1;
            }
            while c(ids, j) > t {
                j -= 1;
            }
        }
        if c(ids, left) == t {
            ids.swap(left, j);
        } else {
            j += 1;
            ids.swap(j, right);
        }
        if j <= k {
            left = j + 1;
        }
        if k <= j {
            if j == 0 {
                break;
            }
            right = j - 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn brute(points: &[[f64; 2]], keep: impl Fn(f64, f64) -> bool) -> Vec<u32> {
        (0..points.len() as u32).filter(|&i| keep(points[i as usize][0], points[i as usize][1])).collect()
    }

    #[test]
    fn queries_match_a_linear_scan() {
        // A fixed pseudo-random set with clumps and duplicates.
        let mut s = 12345u64;
        let mut rnd = || {
            s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            (s >> 11) as f64 / (1u64 << 53) as f64
        };
        let mut points: Vec<[f64; 2]> = (0..3000).map(|_| [rnd(), rnd()]).collect();
        points.extend(std::iter::repeat([0.25, 0.75]).take(500));
        let tree = KdTree::new(&points[..]);
        assert_eq!(tree.len(), 3500);
        for (bx, by, bw) in [(0.1, 0.2, 0.3), (0.2, 0.7, 0.06), (0.0, 0.0, 1.0), (0.9, 0.9, 0.001)] {
            let mut got = Vec::new();
            tree.range(&points[..], bx, by, bx + bw, by + bw, |i| got.push(i));
            got.sort();
            assert_eq!(got, brute(&points, |x, y| x >= bx && x <= bx + bw && y >= by && y <= by + bw));
        }
        for (cx, cy, r) in [(0.5, 0.5, 0.1), (0.25, 0.75, 0.0), (0.25, 0.75, 0.02), (0.0, 1.0, 0.3)] {
            let mut got = Vec::new();
            tree.within(&points[..], cx, cy, r, |i| got.push(i));
            got.sort();
            let want = brute(&points, |x, y| (x - cx).powi(2) + (y - cy).powi(2) <= r * r);
            assert_eq!(got, want);
            if r == 0.0 {
                assert_eq!(got.len(), 500, "the duplicates are found at radius 0");
            }
        }
    }

    #[test]
    fn selection_partitions_around_the_middle() {
        let mut s = 99u64;
        let mut rnd = || {
            s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            ((s >> 33) % 1000) as f64
        };
        for n in [2usize, 65, 66, 700, 5000] {
            let points: Vec<[f64; 2]> = (0..n).map(|_| [rnd(), rnd()]).collect();
            let mut ids: Vec<u32> = (0..n as u32).collect();
            let k = (n - 1) / 2;
            select(&points[..], &mut ids, k, 0, n - 1, 0);
            let x = |i: u32| points[i as usize][0];
            let t = x(ids[k]);
            assert!(ids[..k].iter().all(|&i| x(i) <= t) && ids[k + 1..].iter().all(|&i| x(i) >= t), "n = {n}");
            ids.sort();
            assert_eq!(ids, (0..n as u32).collect::<Vec<_>>());
        }
    }

    #[test]
    fn empty_tree_finds_nothing() {
        let points: Vec<[f64; 2]> = Vec::new();
        let tree = KdTree::new(&points[..]);
        let mut n = 0;
        tree.range(&points[..], 0.0, 0.0, 1.0, 1.0, |_| n += 1);
        tree.within(&points[..], 0.5, 0.5, 1.0, |_| n += 1);
        assert_eq!(n, 0);
    }
}
