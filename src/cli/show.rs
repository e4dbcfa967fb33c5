//! `cjmh show`: a scenario's parameters as the model reads them, each with its evidence.

use super::CliError;
use super::args::ShowArgs;
use crate::scenario::file::{Document, Kind, Node};
use crate::scenario::{self, KeyPath};

pub(super) fn show(args: ShowArgs) -> Result<(), CliError> {
    // Validated first, so that what is shown is a scenario that runs.
    scenario::load(&args.scenario)?;
    let doc =
        Document::load(&args.scenario).map_err(|problems| scenario::ScenarioError { problems })?;
    if args.json {
        // A TOML document always converts: its dates become strings.
        let json = serde_json::to_string_pretty(&doc.to_value())
            .map_err(|e| CliError::BadInput(format!("the scenario as JSON: {e}")))?;
        println!("{json}");
    } else {
        print!("{}", table(&doc));
    }
    Ok(())
}

/// One parameter: its key, value, range and source (`None` when the file gives none).
struct Row {
    key: KeyPath,
    value: String,
    range: String,
    source: Option<String>,
    file: String,
}

/// The parameters of `doc` (merged over its `extends` chain) as a Markdown table. Walks the tree
/// as the PSA sweep does to find uncertain parameters (`scenario::sweep::uncertain_parameters`),
/// so every number the file writes appears, not a hand-kept list.
fn table(doc: &Document) -> String {
    let mut rows = Vec::new();
    walk(doc, &doc.root, &KeyPath::root(), None, &mut rows);
    let unsourced = rows.iter().filter(|r| r.source.is_none()).count();
    let mut out =
        String::from("| key | value | low–high | source | written in |\n|---|---|---|---|---|\n");
    for r in &rows {
        out.push_str(&format!(
            "| {} | {} | {} | {} | {} |\n",
            r.key,
            r.value,
            r.range,
            r.source
                .as_deref()
                .unwrap_or("**NO SOURCE**")
                .replace('|', "\\|"),
            r.file
        ));
    }
    out.push_str(&format!(
        "\n{} parameters, {} without a source{}\n",
        rows.len(),
        unsourced,
        if unsourced > 0 {
            " (marked NO SOURCE: give each a `source`, or `source = \"assumption; ...\"` with a wide range)"
        } else {
            ""
        }
    ));
    out
}

fn scalar_text(n: &Node) -> Option<String> {
    match &n.kind {
        Kind::Scalar(toml::Value::Float(f)) => Some(format!("{f}")),
        Kind::Scalar(toml::Value::Integer(i)) => Some(format!("{i}")),
        _ => None,
    }
}

/// `inherited` is the source of the nearest enclosing table that names one (a table of figures,
/// such as a deflator index, cites its source once).
fn walk(doc: &Document, node: &Node, key: &KeyPath, inherited: Option<&str>, out: &mut Vec<Row>) {
    let file = |n: &Node| {
        format!(
            "{}:{}",
            doc.files
                .get(n.origin.file)
                .map_or_else(String::new, |f| f.display().to_string()),
            n.origin.line
        )
    };
    let entries = match &node.kind {
        Kind::Table(entries) => entries,
        Kind::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                if matches!(item.kind, Kind::Table(_)) {
                    walk(doc, item, &key.index(i), inherited, out);
                }
            }
            return;
        }
        Kind::Scalar(_) => {
            if let Some(value) = scalar_text(node) {
                out.push(Row {
                    key: key.clone(),
                    value,
                    range: String::new(),
                    source: inherited.map(str::to_string),
                    file: file(node),
                });
            }
            return;
        }
    };
    let get = |k: &str| entries.iter().find(|(n, _)| n == k).map(|(_, v)| v);
    let text = |k: &str| match get(k).map(|n| &n.kind) {
        Some(Kind::Scalar(toml::Value::String(s))) => Some(s.clone()),
        _ => None,
    };
    let source = text("source");
    if let Some(dist) = text("dist") {
        let shape: Vec<String> = entries
            .iter()
            .filter_map(|(k, v)| scalar_text(v).map(|t| format!("{k} = {t}")))
            .collect();
        out.push(Row {
            key: key.clone(),
            value: format!("{dist} ({})", shape.join(", ")),
            range: String::new(),
            source,
            file: file(node),
        });
        return;
    }
    if let Some(value) = get("value").and_then(scalar_text) {
        let low = get("low").and_then(scalar_text);
        let high = get("high").and_then(scalar_text);
        let range = match (low, high) {
            (None, None) => String::new(),
            (l, h) => format!(
                "{}–{}",
                l.unwrap_or_else(|| value.clone()),
                h.unwrap_or_else(|| value.clone())
            ),
        };
        out.push(Row {
            key: key.clone(),
            value,
            range,
            source,
            file: file(node),
        });
        return;
    }
    for (k, child) in entries {
        // Run settings, not parameters of the pathway.
        if key.0.is_empty() && k == "simulation" {
            continue;
        }
        walk(
            doc,
            child,
            &key.key(k),
            source.as_deref().or(inherited),
            out,
        );
    }
}
