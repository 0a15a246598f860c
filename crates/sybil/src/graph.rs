//! Graph algorithms over compact node ids: union-find components, an undirected CSR
//! adjacency, Louvain community detection and k-core peeling. All of them are deterministic:
//! nodes are visited in id order and ties go to the lowest id.

/// Disjoint sets with path halving; a set's representative is its lowest id, so component
/// labels do not depend on the order of unions.
#[derive(Debug, Clone)]
pub struct UnionFind {
    parent: Vec<u32>,
}

impl UnionFind {
    /// `n` singleton sets.
    pub fn new(n: usize) -> Self {
        UnionFind {
            parent: (0..n as u32).collect(),
        }
    }

    /// The representative (lowest id) of `x`'s set.
    pub fn find(&mut self, mut x: u32) -> u32 {
        while self.parent[x as usize] != x {
            let p = self.parent[x as usize];
            self.parent[x as usize] = self.parent[p as usize];
            x = p;
        }
        x
    }

    /// Joins the sets of `a` and `b`.
    pub fn union(&mut self, a: u32, b: u32) {
        let (ra, rb) = (self.find(a), self.find(b));
        if ra != rb {
            let (lo, hi) = if ra < rb { (ra, rb) } else { (rb, ra) };
            self.parent[hi as usize] = lo;
        }
    }

    /// Groups of at least `min` nodes among `nodes`, each ascending, ordered by their lowest id.
    pub fn groups(&mut self, nodes: impl Iterator<Item = u32>, min: usize) -> Vec<Vec<u32>> {
        let mut pairs: Vec<(u32, u32)> = nodes.map(|n| (self.find(n), n)).collect();
        pairs.sort_unstable();
        pairs.dedup();
        let mut out = Vec::new();
        let mut i = 0;
        while i < pairs.len() {
            let mut j = i;
            while j < pairs.len() && pairs[j].0 == pairs[i].0 {
                j += 1;
            }
            if j - i >= min {
                out.push(pairs[i..j].iter().map(|p| p.1).collect());
            }
            i = j;
        }
        out.sort_unstable_by_key(|g: &Vec<u32>| g[0]);
        out
    }
}

/// An undirected, weighted graph over local ids `0..n` in compressed sparse rows. Parallel
/// edges are merged (weights added); self-loops are kept as loops.
#[derive(Debug, Clone)]
pub struct Csr {
    offsets: Vec<usize>,
    targets: Vec<u32>,
    weights: Vec<f64>,
}

impl Csr {
    /// Builds from undirected edges `(a, b)`, each of weight 1.
    pub fn new(n: usize, edges: &[(u32, u32)]) -> Self {
        let weighted: Vec<(u32, u32, f64)> = edges.iter().map(|&(a, b)| (a, b, 1.0)).collect();
        Csr::weighted(n, &weighted)
    }

    /// Builds from undirected weighted edges.
    pub fn weighted(n: usize, edges: &[(u32, u32, f64)]) -> Self {
        let mut arcs: Vec<(u32, u32, f64)> = Vec::with_capacity(edges.len() * 2);
        for &(a, b, w) in edges {
            arcs.push((a, b, w));
            if a != b {
                arcs.push((b, a, w));
            }
        }
        arcs.sort_unstable_by_key(|x| (x.0, x.1));
        let mut offsets = vec![0usize; n + 1];
        let mut targets = Vec::with_capacity(arcs.len());
        let mut weights: Vec<f64> = Vec::with_capacity(arcs.len());
        let mut last: Option<(u32, u32)> = None;
        for (a, b, w) in arcs {
            if last == Some((a, b)) {
                if let Some(x) = weights.last_mut() {
                    *x += w;
                }
                continue;
            }
            last = Some((a, b));
            targets.push(b);
            weights.push(w);
            offsets[a as usize + 1] += 1;
        }
        for i in 0..n {
            offsets[i + 1] += offsets[i];
        }
        Csr {
            offsets,
            targets,
            weights,
        }
    }

    /// Number of nodes.
    pub fn len(&self) -> usize {
        self.offsets.len() - 1
    }

    /// Whether there are no nodes.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Neighbours of `v` with the weights of the edges to them, ascending by id.
    pub fn neighbours(&self, v: u32) -> impl Iterator<Item = (u32, f64)> + '_ {
        let (s, e) = (self.offsets[v as usize], self.offsets[v as usize + 1]);
        self.targets[s..e]
            .iter()
            .copied()
            .zip(self.weights[s..e].iter().copied())
    }

    /// Number of distinct neighbours of `v` (a loop counts once).
    pub fn degree(&self, v: u32) -> usize {
        self.offsets[v as usize + 1] - self.offsets[v as usize]
    }

    /// Weighted degree: a loop counts twice, as in the modularity formula.
    fn strength(&self, v: u32) -> f64 {
        self.neighbours(v)
            .map(|(u, w)| if u == v { 2.0 * w } else { w })
            .sum()
    }

    /// Total edge weight `m` (each undirected edge once).
    fn total_weight(&self) -> f64 {
        (0..self.len() as u32)
            .map(|v| self.strength(v))
            .sum::<f64>()
            / 2.0
    }
}

/// Newman–Girvan modularity of a partition (`community[v]` per node).
pub fn modularity(g: &Csr, community: &[u32]) -> f64 {
    let m = g.total_weight();
    if m == 0.0 {
        return 0.0;
    }
    let n = g.len();
    let mut inside = vec![0.0f64; n];
    let mut total = vec![0.0f64; n];
    for v in 0..n as u32 {
        let c = community[v as usize] as usize;
        total[c] += g.strength(v);
        for (u, w) in g.neighbours(v) {
            if community[u as usize] as usize == c {
                inside[c] += if u == v { 2.0 * w } else { w };
            }
        }
    }
    (0..n)
        .map(|c| inside[c] / (2.0 * m) - (total[c] / (2.0 * m)).powi(2))
        .sum()
}

/// One level of Louvain's local moves: each node, in id order, joins the neighbouring
/// community with the largest modularity gain (ties: lowest community id) until a pass moves
/// nothing. Returns communities renumbered `0..k` in order of their lowest node.
fn local_moves(g: &Csr) -> (Vec<u32>, bool) {
    let n = g.len();
    let m2 = 2.0 * g.total_weight();
    let mut community: Vec<u32> = (0..n as u32).collect();
    let strength: Vec<f64> = (0..n as u32).map(|v| g.strength(v)).collect();
    let mut total: Vec<f64> = strength.clone();
    let mut moved_any = false;
    let mut links: Vec<f64> = vec![0.0; n];
    let mut touched: Vec<u32> = Vec::new();
    for _pass in 0..100 {
        let mut moved = false;
        for v in 0..n as u32 {
            let own = community[v as usize];
            for (u, w) in g.neighbours(v) {
                if u == v {
                    continue;
                }
                let c = community[u as usize];
                if links[c as usize] == 0.0 {
                    touched.push(c);
                }
                links[c as usize] += w;
            }
            let kv = strength[v as usize];
            total[own as usize] -= kv;
            // Gain of joining c, up to terms that do not depend on c.
            let gain = |c: u32, links_c: f64, total: &[f64]| links_c - total[c as usize] * kv / m2;
            let mut best = own;
            let mut best_gain = gain(own, links[own as usize], &total);
            touched.sort_unstable();
            for &c in &touched {
                let g_c = gain(c, links[c as usize], &total);
                if g_c > best_gain + 1e-12 {
                    best = c;
                    best_gain = g_c;
                }
            }
            total[best as usize] += kv;
            if best != own {
                community[v as usize] = best;
                moved = true;
                moved_any = true;
            }
            for &c in &touched {
                links[c as usize] = 0.0;
            }
            touched.clear();
        }
        if !moved {
            break;
        }
    }
    (renumber(&community), moved_any)
}

fn renumber(community: &[u32]) -> Vec<u32> {
    let mut map = vec![u32::MAX; community.len()];
    let mut next = 0u32;
    community
        .iter()
        .map(|&c| {
            if map[c as usize] == u32::MAX {
                map[c as usize] = next;
                next += 1;
            }
            map[c as usize]
        })
        .collect()
}

/// Louvain community detection: local moves, then the communities become the nodes of a
/// smaller graph, until nothing moves. Returns a community per node, numbered in order of
/// each community's lowest node.
pub fn louvain(g: &Csr) -> Vec<u32> {
    let n = g.len();
    let mut assignment: Vec<u32> = (0..n as u32).collect();
    let mut level = g.clone();
    for _ in 0..32 {
        let (community, moved) = local_moves(&level);
        if !moved {
            break;
        }
        for a in assignment.iter_mut() {
            *a = community[*a as usize];
        }
        let k = community.iter().max().map_or(0, |&c| c as usize + 1);
        let mut edges = Vec::new();
        for v in 0..level.len() as u32 {
            for (u, w) in level.neighbours(v) {
                if u >= v {
                    edges.push((community[v as usize], community[u as usize], w));
                }
            }
        }
        level = Csr::weighted(k, &edges);
    }
    renumber(&assignment)
}

/// The k-core: nodes left after repeatedly removing those with fewer than `k` neighbours
/// (loops not counted). Returns a keep flag per node.
pub fn k_core(g: &Csr, k: usize) -> Vec<bool> {
    let n = g.len();
    let mut degree: Vec<usize> = (0..n as u32)
        .map(|v| g.neighbours(v).filter(|&(u, _)| u != v).count())
        .collect();
    let mut keep = vec![true; n];
    let mut stack: Vec<u32> = (0..n as u32).filter(|&v| degree[v as usize] < k).collect();
    for &v in &stack {
        keep[v as usize] = false;
    }
    while let Some(v) = stack.pop() {
        for (u, _) in g.neighbours(v) {
            if u == v || !keep[u as usize] {
                continue;
            }
            degree[u as usize] -= 1;
            if degree[u as usize] < k {
                keep[u as usize] = false;
                stack.push(u);
            }
        }
    }
    keep
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn edges_strategy() -> impl Strategy<Value = (usize, Vec<(u32, u32)>)> {
        (2usize..40).prop_flat_map(|n| {
            (
                Just(n),
                proptest::collection::vec((0..n as u32, 0..n as u32), 0..120),
            )
        })
    }

    proptest! {
        #[test]
        fn components_partition_the_nodes((n, edges) in edges_strategy()) {
            let mut uf = UnionFind::new(n);
            for &(a, b) in &edges { uf.union(a, b); }
            let groups = uf.groups(0..n as u32, 1);
            let mut seen: Vec<u32> = groups.iter().flatten().copied().collect();
            seen.sort_unstable();
            prop_assert_eq!(seen, (0..n as u32).collect::<Vec<_>>());
            // Every edge stays inside one group.
            for &(a, b) in &edges {
                prop_assert!(groups.iter().any(|g| g.contains(&a) && g.contains(&b)));
            }
        }

        #[test]
        fn louvain_never_lowers_modularity((n, edges) in edges_strategy()) {
            let g = Csr::new(n, &edges);
            let singletons: Vec<u32> = (0..n as u32).collect();
            let c = louvain(&g);
            prop_assert!(modularity(&g, &c) + 1e-9 >= modularity(&g, &singletons));
            prop_assert_eq!(louvain(&g), c);
        }

        #[test]
        fn k_core_keeps_only_nodes_of_degree_k((n, edges) in edges_strategy(), k in 1usize..5) {
            let g = Csr::new(n, &edges);
            let keep = k_core(&g, k);
            for v in 0..n as u32 {
                if keep[v as usize] {
                    let d = g.neighbours(v).filter(|&(u, _)| u != v && keep[u as usize]).count();
                    prop_assert!(d >= k);
                }
            }
        }
    }

    #[test]
    fn louvain_splits_two_cliques_joined_by_one_edge() {
        let mut edges = Vec::new();
        for a in 0..6u32 {
            for b in a + 1..6 {
                edges.push((a, b));
                edges.push((a + 6, b + 6));
            }
        }
        edges.push((0, 6));
        let c = louvain(&Csr::new(12, &edges));
        assert!(c[..6].iter().all(|&x| x == c[0]));
        assert!(c[6..].iter().all(|&x| x == c[6]));
        assert_ne!(c[0], c[6]);
    }
}
