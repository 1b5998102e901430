//! The module graph of `unspin-core` has no cycle: data flows one way (text -> document ->
//! candidates -> channel + LM -> decisions -> report), so each module can be read, tested and
//! replaced without the ones downstream of it (ARCHITECTURE.md).

use std::collections::{BTreeMap, BTreeSet};

/// Items the crate root re-exports, by the module that defines them.
const ROOT_ITEMS: &[(&str, &str)] = &[
    ("Model", "model"),
    ("ModelError", "container"),
    ("Engine", "engine"),
    ("Analysis", "engine"),
    ("AnalysisCounts", "engine"),
    ("Weights", "weights"),
];

/// The modules each module of `src/` names through `crate::`, outside comments and unit
/// tests.
fn module_graph() -> BTreeMap<String, BTreeSet<String>> {
    let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut graph = BTreeMap::new();
    for entry in std::fs::read_dir(&src).expect("src is readable") {
        let path = entry.unwrap().path();
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        if name == "lib" || path.extension().is_none_or(|e| e != "rs") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        let code: String = text
            .split("#[cfg(test)]")
            .next()
            .unwrap()
            .lines()
            .filter(|l| !l.trim_start().starts_with("//"))
            .collect::<Vec<_>>()
            .join("\n");
        let mut uses = BTreeSet::new();
        for (at, _) in code.match_indices("crate::") {
            let rest = &code[at + "crate::".len()..];
            let heads: Vec<&str> = if let Some(group) = rest.strip_prefix('{') {
                let mut depth = 0;
                let end = group
                    .char_indices()
                    .find(|&(_, c)| {
                        depth += i32::from(c == '{') - i32::from(c == '}');
                        depth < 0
                    })
                    .map_or(group.len(), |(i, _)| i);
                let mut items = Vec::new();
                let (mut depth, mut start) = (0, 0);
                for (i, c) in group[..end].char_indices() {
                    match c {
                        '{' => depth += 1,
                        '}' => depth -= 1,
                        ',' if depth == 0 => {
                            items.push(&group[start..i]);
                            start = i + 1;
                        }
                        _ => {}
                    }
                }
                items.push(&group[start..end]);
                items
            } else {
                vec![rest]
            };
            for head in heads {
                let ident: String = head
                    .trim()
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                let module = ROOT_ITEMS
                    .iter()
                    .find(|(item, _)| *item == ident)
                    .map_or(ident, |(_, m)| m.to_string());
                if !module.is_empty() && module != name {
                    uses.insert(module);
                }
            }
        }
        graph.insert(name, uses);
    }
    graph
}

#[test]
fn core_modules_form_no_import_cycle() {
    let graph = module_graph();
    assert!(graph.len() > 10, "the modules were found: {graph:?}");
    for (module, uses) in &graph {
        for used in uses {
            assert!(
                graph.contains_key(used),
                "{module} names crate::{used}, which is not a module"
            );
        }
    }
    // Depth-first search for a back edge, reporting the cycle it closes.
    fn visit(
        node: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(i) = path.iter().position(|p| p == node) {
            let mut cycle = path[i..].to_vec();
            cycle.push(node.to_owned());
            return Some(cycle);
        }
        if done.contains(node) {
            return None;
        }
        path.push(node.to_owned());
        for next in &graph[node] {
            if let Some(cycle) = visit(next, graph, path, done) {
                return Some(cycle);
            }
        }
        path.pop();
        done.insert(node.to_owned());
        None
    }
    let mut done = BTreeSet::new();
    for module in graph.keys() {
        if let Some(cycle) = visit(module, &graph, &mut Vec::new(), &mut done) {
            panic!("import cycle: {}", cycle.join(" -> "));
        }
    }
    // The direction of the main flow, spelled out: the checker and the restorer do not know
    // the engine, the decoder knows neither, and check never reaches into restore.
    assert!(!graph["check"].contains("restore"));
    assert!(!graph["decode"].contains("candidates"));
    assert!(graph["engine"].contains("check") && graph["engine"].contains("restore"));
}
