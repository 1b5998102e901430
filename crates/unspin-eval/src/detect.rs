//! Detection metrics: ROC AUC, true-positive rate at 1% false positives, reliability of the
//! calibrated probability, and the logistic fit that produces the calibration.

use serde::Serialize;

/// One scored document.
#[derive(Clone, Copy, Debug)]
pub struct Scored {
    /// Higher means more likely spun.
    pub score: f64,
    /// Whether the document is spun.
    pub spun: bool,
}

/// Area under the ROC curve (Mann-Whitney, ties count half).
pub fn auc(items: &[Scored]) -> Option<f64> {
    let mut v: Vec<Scored> = items.to_vec();
    v.sort_by(|a, b| a.score.total_cmp(&b.score));
    let pos = v.iter().filter(|s| s.spun).count() as f64;
    let neg = v.len() as f64 - pos;
    if pos == 0.0 || neg == 0.0 {
        return None;
    }
    // Sum of ranks of positives, averaging ranks within ties.
    let mut rank_sum = 0.0;
    let mut i = 0;
    while i < v.len() {
        let mut j = i;
        while j < v.len() && v[j].score == v[i].score {
            j += 1;
        }
        let avg = (i + j + 1) as f64 / 2.0; // ranks are 1-based: (i+1 + j) / 2
        rank_sum += avg * v[i..j].iter().filter(|s| s.spun).count() as f64;
        i = j;
    }
    Some((rank_sum - pos * (pos + 1.0) / 2.0) / (pos * neg))
}

/// True-positive rate at the strictest threshold whose false-positive rate is <= `fpr`.
pub fn tpr_at_fpr(items: &[Scored], fpr: f64) -> Option<f64> {
    let mut neg: Vec<f64> = items.iter().filter(|s| !s.spun).map(|s| s.score).collect();
    let pos: Vec<f64> = items.iter().filter(|s| s.spun).map(|s| s.score).collect();
    if neg.is_empty() || pos.is_empty() {
        return None;
    }
    neg.sort_by(|a, b| b.total_cmp(a));
    // Allowed false positives; the threshold sits just above the next negative.
    let allowed = (fpr * neg.len() as f64).floor() as usize;
    let threshold = neg[allowed.min(neg.len() - 1)];
    Some(pos.iter().filter(|&&p| p > threshold).count() as f64 / pos.len() as f64)
}

/// One row of a reliability table.
#[derive(Clone, Debug, Serialize)]
pub struct ReliabilityBin {
    /// Lower edge of the predicted-probability bin.
    pub from: f64,
    /// Upper edge.
    pub to: f64,
    /// Documents in the bin.
    pub documents: usize,
    /// Mean predicted probability.
    pub predicted: f64,
    /// Share actually spun.
    pub observed: f64,
}

/// Ten equal-width bins of predicted probability against the observed share spun.
pub fn reliability(items: &[Scored]) -> Vec<ReliabilityBin> {
    (0..10)
        .filter_map(|b| {
            let (from, to) = (b as f64 / 10.0, (b + 1) as f64 / 10.0);
            let inside: Vec<&Scored> = items
                .iter()
                .filter(|s| s.score >= from && (s.score < to || (b == 9 && s.score <= 1.0)))
                .collect();
            if inside.is_empty() {
                return None;
            }
            let n = inside.len() as f64;
            Some(ReliabilityBin {
                from,
                to,
                documents: inside.len(),
                predicted: inside.iter().map(|s| s.score).sum::<f64>() / n,
                observed: inside.iter().filter(|s| s.spun).count() as f64 / n,
            })
        })
        .collect()
}

/// Fits `p = sigmoid(bias + w . x)` by Newton's method (a little L2 on the weights keeps a
/// separable set finite). Returns (bias, weights).
pub fn fit_logistic(xs: &[Vec<f64>], ys: &[bool]) -> (f64, Vec<f64>) {
    fit_logistic_weighted(xs, ys, &vec![1.0; xs.len()])
}

/// [`fit_logistic`] with a weight per example (how many examples it counts for).
pub fn fit_logistic_weighted(
    xs: &[Vec<f64>],
    ys: &[bool],
    example_weights: &[f64],
) -> (f64, Vec<f64>) {
    let d = xs.first().map_or(0, Vec::len) + 1;
    let mut beta = vec![0.0; d];
    let ridge = 1e-2;
    for _ in 0..50 {
        let mut grad = vec![0.0; d];
        let mut hess = vec![vec![0.0; d]; d];
        for ((x, &y), &n) in xs.iter().zip(ys).zip(example_weights) {
            let row: Vec<f64> = std::iter::once(1.0).chain(x.iter().copied()).collect();
            let z: f64 = row.iter().zip(&beta).map(|(a, b)| a * b).sum();
            let p = 1.0 / (1.0 + (-z).exp());
            let err = n * (p - if y { 1.0 } else { 0.0 });
            let w = n * (p * (1.0 - p)).max(1e-9);
            for i in 0..d {
                grad[i] += err * row[i];
                for j in 0..d {
                    hess[i][j] += w * row[i] * row[j];
                }
            }
        }
        for i in 1..d {
            grad[i] += ridge * beta[i];
            hess[i][i] += ridge;
        }
        let step = solve(hess, grad);
        let mut moved = 0.0f64;
        for i in 0..d {
            beta[i] -= step[i];
            moved = moved.max(step[i].abs());
        }
        if moved < 1e-8 {
            break;
        }
    }
    (beta[0], beta[1..].to_vec())
}

/// Solves `a x = b` by Gaussian elimination with partial pivoting.
fn solve(mut a: Vec<Vec<f64>>, mut b: Vec<f64>) -> Vec<f64> {
    let n = b.len();
    for col in 0..n {
        let pivot = (col..n)
            .max_by(|&i, &j| a[i][col].abs().total_cmp(&a[j][col].abs()))
            .unwrap_or(col);
        a.swap(col, pivot);
        b.swap(col, pivot);
        let p = a[col][col];
        if p.abs() < 1e-12 {
            continue;
        }
        let pivot_row = a[col].clone();
        for row in col + 1..n {
            let f = a[row][col] / p;
            for (x, y) in a[row][col..].iter_mut().zip(&pivot_row[col..]) {
                *x -= f * y;
            }
            b[row] -= f * b[col];
        }
    }
    let mut x = vec![0.0; n];
    for row in (0..n).rev() {
        let s: f64 = (row + 1..n).map(|k| a[row][k] * x[k]).sum();
        x[row] = if a[row][row].abs() < 1e-12 {
            0.0
        } else {
            (b[row] - s) / a[row][row]
        };
    }
    x
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(score: f64, spun: bool) -> Scored {
        Scored { score, spun }
    }

    #[test]
    fn auc_of_perfect_random_and_inverted_rankings() {
        let perfect = [s(0.1, false), s(0.2, false), s(0.8, true), s(0.9, true)];
        assert_eq!(auc(&perfect), Some(1.0));
        let tied = [s(0.5, false), s(0.5, true)];
        assert_eq!(auc(&tied), Some(0.5));
        let inverted = [s(0.9, false), s(0.1, true)];
        assert_eq!(auc(&inverted), Some(0.0));
        assert_eq!(auc(&[s(0.3, true)]), None);
    }

    #[test]
    fn tpr_at_fpr_uses_the_strictest_allowed_threshold() {
        let mut items: Vec<Scored> = (0..100).map(|i| s(i as f64 / 100.0, false)).collect();
        items.extend([s(0.995, true), s(0.5, true)]);
        // 1% of 100 negatives: one may score above the threshold (0.98 is the threshold).
        assert_eq!(tpr_at_fpr(&items, 0.01), Some(0.5));
    }

    #[test]
    fn logistic_fit_separates_a_simple_set() {
        let xs: Vec<Vec<f64>> = (0..40).map(|i| vec![i as f64 / 10.0]).collect();
        let ys: Vec<bool> = (0..40).map(|i| i >= 20).collect();
        let (bias, w) = fit_logistic(&xs, &ys);
        assert!(w[0] > 0.0);
        let p = |x: f64| 1.0 / (1.0 + (-(bias + w[0] * x)).exp());
        assert!(p(0.5) < 0.1 && p(3.5) > 0.9, "{bias} {w:?}");
    }

    #[test]
    fn reliability_bins_cover_their_items() {
        let items = [s(0.05, false), s(0.95, true), s(1.0, true)];
        let bins = reliability(&items);
        assert_eq!(bins.len(), 2);
        assert_eq!(bins[1].documents, 2);
        assert_eq!(bins[1].observed, 1.0);
    }
}
